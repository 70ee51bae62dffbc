/* MathJax 3 configuration for pages built by the derivations plugin.
 *
 * - Only elements with class "arithmatex" are processed (pymdownx.arithmatex, generic mode).
 * - ui/safe filters URLs and styles; autoload, require and newcommand are removed, so the
 *   html extension (\href, \class, \cssId, \style) can never load and content cannot
 *   define macros.
 * - Instant navigation: every page change typesets the new content. The output cache is
 *   deliberately NOT cleared: clearing CHTML's cache drops the font rules of characters
 *   already drawn, and the glyphs then render blank.
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
