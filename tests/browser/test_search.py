"""Search reads math: typing a query in the real Chromium lists results whose formulas are
readable text (∂aᵢ/∂zⱼ), never raw TeX such as ``\\(\\delta_{ij}\\)``."""

from __future__ import annotations

import pytest

from .conftest import SCREENSHOTS, Guarded, Site, save

pytestmark = pytest.mark.browser

_RESULTS = "() => [...document.querySelectorAll('.md-search-result__item')].map((e) => e.innerText)"


@pytest.mark.parametrize("query", ["jacobian", "softmax", "gradient"])
def test_search_results_show_math_as_text(guarded: Guarded, site: Site, query: str) -> None:
    page = guarded.context.new_page()
    page.goto(site.url(""))
    page.keyboard.press("/")  # Material's shortcut: focus the search box
    page.keyboard.type(query, delay=30)
    page.wait_for_function(f"({_RESULTS})().length > 0")
    results = page.evaluate(_RESULTS)
    save(SCREENSHOTS / f"search-{query}.png", page.screenshot())
    text = "\n".join(results)
    assert query.lower() in text.lower()
    for raw in ("\\(", "\\)", "\\frac", "\\partial", "\\delta", "\\sum", "\\["):
        assert raw not in text, f"raw TeX {raw!r} in the results for {query!r}:\n{text}"
    assert not guarded.errors, "\n".join(guarded.errors)
