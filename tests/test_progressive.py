"""A build's pages rendered one by one as their checks finish (generator/pages/progressive.py),
with the real pool, SymPy and Jinja2: the same pages render_pages makes, in any order asked."""

from __future__ import annotations

from pathlib import Path

from generator.core.settings import CheckSettings, Options
from generator.pages.page import INDEX_PAGE, Page, reading_order
from generator.pages.progressive import Progressive, may_read_twice
from generator.pages.render import render_pages
from generator.pipeline.run import load_and_check

from .helpers import run_python, small_project, tree_digest

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
    # A page read before its checks are done is read as its front matter alone: the same
    # front matter, so that nothing MkDocs or the theme reads from it changes.
    for page in expected:
        assert page.markdown.startswith("---\n")
        front_matter = page.markdown[: page.markdown.index("\n---\n", 3) + 5]
        assert progressive.placeholder(page.path) == front_matter


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


# --- pages read before their checks are done, and read again before they are written ------

_BUILD = """
import os, sys
from mkdocs.commands.build import build
from mkdocs.config import load_config
from generator.pages import progressive
if sys.argv[1] == "classic":
    progressive.may_read_twice = lambda config, dirty: False
config = load_config("mkdocs.yml", site_dir=sys.argv[2], strict=False)
config.plugins.on_startup(command="build", dirty=False)
try:
    build(config)
finally:
    config.plugins.on_shutdown()
plugin = config.plugins["derivations"]
print(len(plugin.reread), plugin.progressive is None)
"""


def _build_in(project: Path, how: str, site: Path) -> tuple[int, bool]:
    cache = f"{site}-cache"  # each build starts with an empty cache: every check runs
    env = {"XDG_CACHE_HOME": cache, "SOURCE_DATE_EPOCH": "1700000000", "NO_MKDOCS_2_WARNING": "1"}
    result = run_python(_BUILD, how, str(site), cwd=project, env=env)
    assert result.returncode == 0, result.stderr
    reread, finished = result.stdout.split()
    return int(reread), finished == "True"


def test_pages_read_while_their_checks_run_are_written_as_if_read_once_complete(
    tmp_path: Path,
) -> None:
    """With an empty cache each page is read as its title, and read again when MkDocs writes
    it: the site is byte for byte the one a build that waits for each page's checks makes."""
    project = small_project(tmp_path / "project", CONTENT)
    reread, finished = _build_in(project, "twice", tmp_path / "twice")
    assert reread > 0 and finished  # pages were read twice; every verdict was gathered
    reread, finished = _build_in(project, "classic", tmp_path / "classic")
    assert reread == 0 and finished
    assert tree_digest(tmp_path / "twice") == tree_digest(tmp_path / "classic")


def test_pages_are_read_twice_only_with_plugins_that_look_at_them_when_written() -> None:
    class Config:
        def __init__(self, *plugins: str) -> None:
            self.plugins = dict.fromkeys(plugins)

    assert may_read_twice(Config("material/search", "derivations"), dirty=False)
    assert may_read_twice(Config("derivations"), dirty=False)
    assert not may_read_twice(Config("search", "derivations", "tags"), dirty=False)
    assert not may_read_twice(Config("derivations"), dirty=True)  # a dirty build reads less
