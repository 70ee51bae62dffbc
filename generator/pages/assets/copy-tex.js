/* A "copy LaTeX" button on every displayed equation (the TeX is in the figure's data-tex).
 * Runs on every page change under Material's instant navigation. */
(function () {
  "use strict";

  function addButtons() {
    document.querySelectorAll("figure.dv-eq[data-tex]").forEach(function (figure) {
      if (figure.querySelector(".dv-copy")) {
        return;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "dv-copy";
      button.title = "Copy LaTeX";
      button.setAttribute("aria-label", "Copy the LaTeX of this equation");
      button.textContent = "TeX";
      button.addEventListener("click", function () {
        var tex = figure.getAttribute("data-tex") || "";
        var done = function () {
          button.textContent = "copied";
          window.setTimeout(function () { button.textContent = "TeX"; }, 1500);
        };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(tex).then(done, function () {});
        }
      });
      figure.appendChild(button);
    });
  }

  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(addButtons);
  } else {
    document.addEventListener("DOMContentLoaded", addButtons);
  }
})();
