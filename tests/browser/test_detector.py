"""The checks can fail: the detector used on the real site, run on deliberately broken
pages (tests/browser/pages/) that load the built site's own MathJax and configuration;
and the link checker, on a page with broken links."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .conftest import VIRTUAL_ORIGIN, Guarded, Server
from .linkcheck import broken_links
from .mathcheck import Problem, check_page

pytestmark = pytest.mark.browser


def _check(guarded: Guarded, url: str, *, block_fonts: bool = False) -> list[Problem]:
    page: Page = guarded.context.new_page()
    if block_fonts:
        page.route("**/*.woff", lambda route: route.abort())
    page.goto(url)
    if page.locator("script:not([src])").count():  # the recipe page runs its own script
        page.wait_for_selector("body[data-fixture-done]", state="attached")
    count, problems = check_page(page)
    assert count > 0
    return problems


def _kinds(problems: list[Problem]) -> set[tuple[str, int | None]]:
    return {(p.kind, p.formula) for p in problems}


def test_a_good_page_passes(guarded: Guarded, fixture_pages: str) -> None:
    assert _check(guarded, fixture_pages + "good.html") == []
    assert not guarded.blocked
    assert not guarded.failed


def test_a_tex_error_and_an_untypeset_formula_are_reported(
    guarded: Guarded, fixture_pages: str
) -> None:
    problems = _check(guarded, fixture_pages + "error.html")
    assert _kinds(problems) == {("mathjax-error", 2), ("not-typeset", 3)}
    assert "Double exponent" in str(problems[0])


def test_an_undefined_macro_is_reported(guarded: Guarded, fixture_pages: str) -> None:
    problems = _check(guarded, fixture_pages + "undefined.html")
    assert [str(p) for p in problems] == ["formula 2: undefined-macro: \\foo"]


def test_blank_glyphs_from_the_clear_cache_recipe_are_reported(
    guarded: Guarded, fixture_pages: str
) -> None:
    problems = _check(guarded, fixture_pages + "recipe.html")
    # the formulas exist as mjx-container markup, and yet nothing is drawn (and since
    # nothing is drawn, the browser may not even load the fonts)
    assert _kinds(problems) - {("font-not-loaded", 1), ("font-not-loaded", 2)} == {
        ("blank-glyph", 1),
        ("blank-formula", 1),
        ("blank-glyph", 2),
        ("blank-formula", 2),
    }


def test_transparent_glyphs_are_reported_by_their_pixels(
    guarded: Guarded, fixture_pages: str
) -> None:
    problems = _check(guarded, fixture_pages + "transparent.html")
    assert _kinds(problems) == {("blank-formula", 1)}


def test_missing_mathjax_fonts_are_reported(guarded: Guarded, fixture_pages: str) -> None:
    problems = _check(guarded, fixture_pages + "good.html", block_fonts=True)
    assert problems
    assert {p.kind for p in problems} == {"font-not-loaded"}


def test_requests_to_other_hosts_are_aborted_and_recorded(
    guarded: Guarded, fixture_pages: str
) -> None:
    page = guarded.context.new_page()
    page.goto(fixture_pages + "good.html")
    outcome = page.evaluate(
        """() => fetch("https://example.org/x.js").then(() => "loaded", () => "blocked")"""
    )
    assert outcome == "blocked"
    assert guarded.blocked == ["https://example.org/x.js"]


def test_broken_links_are_reported(guarded: Guarded, fixture_pages: str, server: Server) -> None:
    page = guarded.context.new_page()
    page.goto(fixture_pages + "links.html")
    links = page.eval_on_selector_all("a[href]", "els => els.map((a) => a.href)")
    checked, broken = broken_links({"links.html": links}, VIRTUAL_ORIGIN + "/", server.real)
    assert checked == 4
    assert broken == [
        f"links.html: {fixture_pages}good.html#nowhere → no id 'nowhere' on {fixture_pages}good.html",
        f"links.html: {fixture_pages}missing/ → HTTP 404",
    ]
