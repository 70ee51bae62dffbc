"""MathJax on the real site runs with ``ui/safe`` and without the TeX ``html`` extension:
content can neither make links nor set classes, ids or styles."""

from __future__ import annotations

import pytest

from .conftest import Guarded, Site
from .mathcheck import check_page, inspect

pytestmark = pytest.mark.browser

HOSTILE = {
    r"\href{https://example.org/}{y}": r"\href",
    r"\class{evil}{y}": r"\class",
    r"\cssId{evil}{y}": r"\cssId",
    r"\style{color: red}{y}": r"\style",
    r"\require{html}": r"\require",
}

_TYPESET = """
async (sources) => {
  const host = document.querySelector("article") || document.body;
  const added = sources.map((tex) => {
    const div = document.createElement("div");
    div.className = "arithmatex";
    div.setAttribute("data-test-hostile", "");
    div.textContent = `\\\\[ ${tex} \\\\]`;
    host.appendChild(div);
    return div;
  });
  await MathJax.typesetPromise(added);
  return added.map((div) => ({
    typeset: !!div.querySelector("mjx-container"),
    links: div.querySelectorAll("a, [href]").length,
    evil: div.querySelectorAll(".evil, #evil").length,
  }));
}
"""


def test_ui_safe_is_loaded_and_active(guarded: Guarded, site: Site) -> None:
    page = guarded.context.new_page()
    page.goto(site.url(""))
    check_page(page, screenshots=False)
    state = page.evaluate(
        """() => ({
          module: typeof MathJax._.ui?.safe?.safe?.Safe,
          handler: MathJax.startup.document.safe instanceof MathJax._.ui?.safe?.safe?.Safe,
          requested: MathJax.config.loader.load,
          packages: MathJax.config.tex.packages,
          htmlModule: typeof MathJax._.input?.tex?.html,
        })"""
    )
    assert state["module"] == "function", state  # the ui/safe component is loaded …
    assert state["handler"], state  # … and its handler filters this document
    assert "ui/safe" in state["requested"]
    assert not {"html", "autoload", "require", "newcommand"} & set(state["packages"]), state
    assert state["htmlModule"] == "undefined", state


def test_html_macros_make_no_links_and_render_as_undefined(guarded: Guarded, site: Site) -> None:
    page = guarded.context.new_page()
    page.goto(site.url(""))
    before, _ = check_page(page, screenshots=False)
    results = page.evaluate(_TYPESET, list(HOSTILE))
    assert all(r["typeset"] for r in results), results
    assert not any(r["links"] or r["evil"] for r in results), results
    count, problems = inspect(page)
    assert count == before + len(HOSTILE)
    undefined = {
        p.detail for p in problems if p.kind == "undefined-macro" and (p.formula or 0) > before
    }
    assert undefined == set(HOSTILE.values())
    assert not site.root.joinpath("assets/mathjax/input/tex/extensions/html.js").exists()
