/* MathJax 3 configuration for pages built by the derivations plugin.
 *
 * - Only elements with class "arithmatex" are processed (pymdownx.arithmatex, generic mode).
 * - ui/safe filters URLs and styles; autoload, require and newcommand are removed, so the
 *   html extension (\href, \class, \cssId, \style) can never load and content cannot
 *   define macros.
 * - Instant navigation: every page change typesets the new content. CHTML draws each
 *   character through a CSS rule in its <style id="MJX-CHTML-styles"> and adds the rules
 *   of characters not seen before to that element's live sheet. Material's instant
 *   navigation removes the <head> elements the new page does not have, this one included:
 *   rules added to the detached element are lost, and every character new to the page
 *   renders blank. So when that stylesheet is gone, the output cache is cleared before
 *   typesetting: CHTML then builds a complete new stylesheet. Only then: clearing it while
 *   the sheet is still in place (the usual recipe does so on every page change, the first
 *   included) replaces it with one that lacks the rules of math already typeset, and those
 *   glyphs render blank. tests/browser/ checks both.
 */
(function () {
  "use strict";
  var queue = Promise.resolve();

  function typesetPage() {
    var mj = window.MathJax;
    if (!mj || typeof mj.typesetPromise !== "function") {
      return; // not loaded yet: startup.ready below typesets the first page
    }
    queue = queue
      .then(function () {
        if (!document.getElementById("MJX-CHTML-styles")) {
          mj.startup.output.clearCache(); // the page changed and took our glyph rules along
        }
        mj.typesetClear();
        mj.texReset();
        return mj.typesetPromise();
      })
      .catch(function (err) {
        console.error("MathJax typeset failed:", err);
      });
  }

  window.MathJax = {
    loader: { load: ["ui/safe"] },
    tex: {
      inlineMath: [["\\(", "\\)"]],
      displayMath: [["\\[", "\\]"]],
      processEscapes: true,
      processEnvironments: true,
      packages: { "[-]": ["autoload", "require", "newcommand"] }
    },
    options: {
      ignoreHtmlClass: ".*|",
      processHtmlClass: "arithmatex"
    },
    startup: {
      typeset: false,
      ready: function () {
        window.MathJax.startup.defaultReady();
        window.MathJax.startup.promise.then(typesetPage);
      }
    }
  };

  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(typesetPage);
  }
})();
