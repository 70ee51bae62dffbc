"""Plots (#16.6), measured in the real Chromium: each legend lies outside its plotting area,
and on a phone (390 px wide) every panel is drawn at least at its own size, so its text is
at least as large as drawn, and nothing sticks out sideways. A page laid out the old way
(tests/browser/pages/legend-inside.html) fails both checks."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from .conftest import SCREENSHOTS, Guarded, Site, save

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PAGES = ["sigmoid-logistic/", "softmax-cross-entropy/", "focal-loss/", "hinge/"]

_GEOMETRY = """() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  return [...document.querySelectorAll('svg.dv-plot')].map((svg) => ({
    box: box(svg),
    scale: svg.getBoundingClientRect().width / svg.viewBox.baseVal.width,
    area: [...svg.querySelectorAll('.dv-plot-area')].map(box),
    legend: [...svg.querySelectorAll('.dv-legend text, .dv-legend line')].map(box),
  }));
}"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def plot_problems(page: Page, width: int) -> tuple[list[str], int]:
    """What is wrong with the plots on the page; and how many legend entries it has."""
    panels: list[dict[str, Any]] = page.evaluate(_GEOMETRY)
    problems, entries = [], 0
    if not panels:
        problems.append("no plot on the page")
    for n, panel in enumerate(panels):
        entries += len(panel["legend"])
        for item in panel["legend"]:
            if any(_overlap(item, area) for area in panel["area"]):
                problems.append(f"panel {n}: a legend entry lies inside the plotting area")
            if item[2] > panel["box"][2] + 0.5 or item[3] > panel["box"][3] + 0.5:
                problems.append(f"panel {n}: a legend entry is cut off")
        if panel["box"][2] > width + 0.5:
            problems.append(f"panel {n} sticks out of the {width} px window")
        if panel["scale"] < 0.999:
            problems.append(f"panel {n} is shrunk to {panel['scale']:.2f} of its size")
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    if scroll > width:
        problems.append(f"the page scrolls sideways ({scroll} px)")
    return problems, entries


def _open(guarded: Guarded, url: str, viewport: dict[str, int]) -> Page:
    page = guarded.context.new_page()
    page.set_viewport_size(viewport)
    page.goto(url)
    return page


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("name", PAGES)
def test_legends_sit_outside_and_panels_stay_legible(
    guarded: Guarded, site: Site, name: str, viewport: dict[str, int]
) -> None:
    page = _open(guarded, site.url(name), viewport)
    problems, entries = plot_problems(page, viewport["width"])
    figure = page.locator("figure.dv-figure")
    save(SCREENSHOTS / f"plot-{name.strip('/')}-{viewport['width']}.png", figure.screenshot())
    assert problems == []
    assert entries >= 4  # two targets, each in the loss and the gradient panel
    assert not guarded.errors, "\n".join(guarded.errors)


def test_the_old_layout_is_caught(guarded: Guarded, fixture_pages: str) -> None:
    page = _open(guarded, fixture_pages + "legend-inside.html", PHONE)
    problems, entries = plot_problems(page, PHONE["width"])
    assert entries == 2
    assert "panel 0: a legend entry lies inside the plotting area" in problems
    assert any("is shrunk to" in p for p in problems)
