"""Material's instant navigation (``navigation.instant``): after a click, the new page's
formulas are typeset AND drawn, and again after a third page and the back button.

Instant navigation swaps the page content without a page load and drops the ``<head>``
elements the new page does not have, MathJax's glyph stylesheet among them; a config that
only re-typesets then leaves the glyphs of characters new to this page blank.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .conftest import SCREENSHOTS, Guarded, Site, save
from .mathcheck import check_page

pytestmark = pytest.mark.browser

_VISIBLE_LINKS = """
(base) => {
  const seen = new Set();
  const links = [...document.querySelectorAll("article a[href], nav a[href]")];
  return links
    .filter((a) => a.href.startsWith(base) && a.getClientRects().length &&
                   getComputedStyle(a).visibility === "visible")
    .map((a) => a.href.split("#")[0])
    .filter((href) => !seen.has(href) && seen.add(href));
}
"""

_MARK_LINK = """
(url) => {
  const visible = (a) => a.getClientRects().length && getComputedStyle(a).visibility === "visible";
  const links = [...document.querySelectorAll("article a[href]"),
                 ...document.querySelectorAll("nav a[href]")];
  const link = links.find((a) => a.href.split("#")[0] === url && visible(a));
  if (!link) return false;
  link.setAttribute("data-test-click", "");
  return true;
}
"""

_MARK_OLD_PAGE = """
() => {
  window.__stillTheSameDocument = true;
  for (const a of document.querySelectorAll("article")) a.setAttribute("data-test-old", "");
}
"""

_NEW_PAGE_IN_PLACE = """
(url) => location.href.split("#")[0] === url && document.querySelector("article") &&
         !document.querySelector("article[data-test-old]")
"""


def _arrive(page: Page, site: Site, name: str, step: str) -> None:
    """Wait for the instant swap to ``name``, prove it was one, check every formula."""
    page.wait_for_function(_NEW_PAGE_IN_PLACE, arg=site.url(name))
    assert page.evaluate("window.__stillTheSameDocument === true"), (
        f"{step}: /{name} was a full page load, not instant navigation"
    )
    count, problems = check_page(page)
    save(SCREENSHOTS / f"instant-{step}-{Site.name(name)}.png", page.screenshot(full_page=True))
    assert count == site.pages[name]
    assert not problems, f"{step}: /{name}:\n" + "\n".join(map(str, problems))


def _click_to(page: Page, site: Site, name: str, step: str) -> None:
    assert page.evaluate(_MARK_LINK, site.url(name)), f"no visible link to /{name} on {page.url}"
    page.evaluate(_MARK_OLD_PAGE)
    page.click("[data-test-click]")
    _arrive(page, site, name, step)


def test_formulas_are_drawn_after_instant_navigation(guarded: Guarded, site: Site) -> None:
    page = guarded.context.new_page()
    page.goto(site.url(""))
    count, problems = check_page(page)
    assert count == site.pages[""] and not problems, "\n".join(map(str, problems))

    # 1. from the landing page to the page with the most formulas that it links to
    linked = [p[len(site.base) :] for p in page.evaluate(_VISIBLE_LINKS, site.base)]
    candidates = [p for p in linked if p in site.pages and p != ""]
    assert candidates, "the landing page links to no other page"
    second = max(candidates, key=lambda p: site.pages[p])
    assert site.pages[second] > 0
    _click_to(page, site, second, "1")

    # 2. on to a third page (the one with the most formulas among those linked)
    linked = [p[len(site.base) :] for p in page.evaluate(_VISIBLE_LINKS, site.base)]
    others = [p for p in linked if p in site.pages and p not in ("", second)]
    third = max(others, key=lambda p: site.pages[p]) if others else ""
    _click_to(page, site, third, "2")

    # 3. and back, twice: Material swaps the content in again on popstate
    page.evaluate(_MARK_OLD_PAGE)
    page.go_back()
    _arrive(page, site, second, "3")
    page.evaluate(_MARK_OLD_PAGE)
    page.go_back()
    _arrive(page, site, "", "4")

    assert not guarded.blocked, "requests to another host:\n" + "\n".join(guarded.blocked)
    assert not guarded.failed, "failed requests:\n" + "\n".join(guarded.failed)
    assert not guarded.errors, "script errors or warnings:\n" + "\n".join(guarded.errors)
