"""Every page of the built site, loaded in Chromium: every formula visibly typeset, every
internal link alive, no request to another host. Pages are found by walking site/ for
index.html, so pages added later are covered without touching this file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser

from .conftest import SCREENSHOTS, VIRTUAL_ORIGIN, Guarded, Site, open_guarded, save
from .linkcheck import broken_links
from .mathcheck import Problem, check_page

pytestmark = pytest.mark.browser


@dataclass
class Visit:
    formulas: int
    """``.arithmatex`` elements the browser found."""
    problems: list[Problem]
    links: list[str]
    """Every ``a[href]`` on the page, resolved to an absolute URL."""


@pytest.fixture(scope="module")
def visited(browser: Browser, site: Site) -> Iterator[tuple[dict[str, Visit], Guarded]]:
    """Load each page once, run every check, save a full-page screenshot."""
    guard = open_guarded(browser, site.server)
    page = guard.context.new_page()
    visits = {}
    for name in site.pages:
        page.goto(site.url(name))
        count, problems = check_page(page)
        links = page.eval_on_selector_all("a[href]", "els => els.map((a) => a.href)")
        save(SCREENSHOTS / f"{Site.name(name)}.png", page.screenshot(full_page=True))
        visits[name] = Visit(count, problems, links)
    yield visits, guard
    guard.context.close()


def test_the_site_has_pages_with_formulas(
    site: Site, visited: tuple[dict[str, Visit], Guarded]
) -> None:
    visits, _ = visited
    assert "" in site.pages, "no landing page"
    assert "404.html" not in site.pages
    assert sum(site.pages.values()) > 0, "no formula anywhere: nothing would be tested"
    # the browser sees every formula of the HTML (none removed or added by scripts)
    assert {p: v.formulas for p, v in visits.items()} == site.pages


def test_every_formula_is_typeset_and_drawn(visited: tuple[dict[str, Visit], Guarded]) -> None:
    visits, _ = visited
    report = [f"/{page}: {p}" for page, visit in visits.items() for p in visit.problems]
    assert not report, "formulas not visibly typeset:\n" + "\n".join(report)


def test_no_request_leaves_the_machine_and_none_fails(
    visited: tuple[dict[str, Visit], Guarded],
) -> None:
    _, guard = visited
    assert not guard.blocked, "requests to another host:\n" + "\n".join(guard.blocked)
    assert not guard.failed, "failed requests:\n" + "\n".join(guard.failed)
    assert not guard.errors, "script errors or warnings:\n" + "\n".join(guard.errors)


def test_every_internal_link_resolves(
    site: Site, visited: tuple[dict[str, Visit], Guarded]
) -> None:
    visits, _ = visited
    links = {f"/{page}": visit.links for page, visit in visits.items()}
    checked, broken = broken_links(links, VIRTUAL_ORIGIN + "/", site.server.real)
    assert checked, "no internal link found"
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def test_a_screenshot_of_every_page_is_saved(
    site: Site, visited: tuple[dict[str, Visit], Guarded]
) -> None:
    for page in site.pages:
        shot = SCREENSHOTS / f"{Site.name(page)}.png"
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", shot
