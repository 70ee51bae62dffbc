"""A build's pages rendered one by one as their checks finish (generator/pages/progressive.py),
with the real pool, SymPy and Jinja2: the same pages render_pages makes, in any order asked."""

from __future__ import annotations

from pathlib import Path

from generator.core.settings import CheckSettings, Options
from generator.pages.page import INDEX_PAGE, Page, reading_order
from generator.pages.progressive import Progressive
from generator.pages.render import render_pages
from generator.pipeline.run import load_and_check

from .helpers import small_project

CONTENT = ("index.yaml", "linear-mse.yaml", "latex-examples.yaml", "sigmoid-mse.yaml")


def _fields(pages: list[Page]) -> list[tuple[str, str, str, str | None, str | None]]:
    return [(p.path, p.title, p.markdown, p.section, p.source) for p in pages]


def test_the_pages_are_the_ones_render_pages_makes_whatever_order_they_are_asked_in(
    tmp_path: Path,
) -> None:
    project = small_project(tmp_path / "project", CONTENT)
    options = Options.at(project, settings=CheckSettings(jobs=2), cache_dir=tmp_path / "cache")
    progressive = Progressive(options, None)
    outlines = list(progressive.pages)
    assert all(page.markdown == "" for page in outlines)
    # The landing page first: it waits for every check; then the others, last one first.
    asked = {p.path: progressive.markdown(p.path) for p in reversed(reading_order(outlines))}
    assert progressive.markdown("verification.md") is None  # a hand-written page: not ours
    checked = progressive.finish()

    expected = render_pages(load_and_check(options), options.templates_dir)
    assert _fields(progressive.pages) == _fields(expected)
    assert [(p.path, p.title, p.section, p.source) for p in outlines] == [
        (p.path, p.title, p.section, p.source) for p in expected
    ]
    assert asked == {p.path: p.markdown for p in expected}
    assert checked.ok and checked.stats.ran > 0


def test_finish_renders_the_pages_nobody_asked_for(tmp_path: Path) -> None:
    project = small_project(tmp_path / "project", CONTENT)
    options = Options.at(project, settings=CheckSettings(jobs=2), cache_dir=tmp_path / "cache")
    progressive = Progressive(options, None)
    progressive.finish()
    assert all(page.markdown for page in progressive.pages)


def test_mkdocs_reads_the_landing_page_last_and_the_navigation_keeps_its_order() -> None:
    pages = [Page(INDEX_PAGE, "Home", ""), Page("a.md", "A", ""), Page("b.md", "B", "")]
    assert [p.path for p in reading_order(pages)] == ["a.md", "b.md", INDEX_PAGE]
    assert [p.path for p in pages] == [INDEX_PAGE, "a.md", "b.md"]


def test_the_work_meanwhile_is_done_once_when_a_page_first_waits(tmp_path: Path) -> None:
    """The theme's templates are compiled in time the build would spend waiting: at the first
    page whose checks are not done yet, and only once."""
    project = small_project(tmp_path / "project", CONTENT)
    options = Options.at(project, settings=CheckSettings(jobs=2), cache_dir=tmp_path / "cache")
    calls: list[str] = []
    progressive = Progressive(options, None, meanwhile=lambda: calls.append("now"))
    first, *others = reading_order(progressive.pages)
    assert not progressive.checks.done(first.source or "")  # an empty cache: checks to run
    progressive.markdown(first.path)
    assert calls == ["now"]
    for page in others:
        progressive.markdown(page.path)
    progressive.finish()
    assert calls == ["now"]
    derivations = [p for p in reading_order(progressive.pages) if p.path != INDEX_PAGE]
    assert all(progressive.checks.done(p.source or "") for p in derivations)

    # Every verdict cached: no derivation page waits, and the work is done at the landing
    # page (read last), which shows them all, rather than never.
    again = Progressive(options, None, meanwhile=lambda: calls.append("again"))
    again.checks.result()
    for page in derivations:
        again.markdown(page.path)
    assert calls == ["now"]
    again.markdown(INDEX_PAGE)
    assert calls == ["now", "again"]
