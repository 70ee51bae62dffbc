"""The page cache: a build in which nothing changed reuses the last good build's pages and
skips the HTML scan of identical HTML; anything else renders, and scans, again."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from generator.core.settings import Options
from generator.pages import pagecache
from generator.pages.page import Page

from .helpers import ROOT, run_cli, run_python, small_project, tree_digest

pytestmark = pytest.mark.slow

REUSED = "nothing changed since the last build"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("DERIVATIONS_TIMEOUT", "60")  # about caching, not speed
    return small_project(tmp_path / "project", ("index.yaml", "linear-mse.yaml"))


def _build(project: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("build", "--root", str(project), cwd=project)


def _log(result: subprocess.CompletedProcess[str]) -> str:
    """The log with MkDocs' line wrapping undone."""
    return " ".join(result.stderr.split())


def test_an_unchanged_build_reuses_its_pages_and_publishes_the_same_site(project: Path) -> None:
    first = _build(project)
    assert first.returncode == 0, first.stderr
    assert REUSED not in _log(first)
    site = tree_digest(project / "site")
    second = _build(project)
    assert second.returncode == 0, second.stderr
    assert REUSED in _log(second)
    assert "(0 run," in _log(second)
    assert tree_digest(project / "site") == site


@pytest.mark.parametrize("edited", ["templates/derivation.md.j2", "content/linear-mse.yaml"])
def test_an_edited_template_or_source_renders_again(project: Path, edited: str) -> None:
    assert _build(project).returncode == 0
    path = project / edited
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = _build(project)
    assert again.returncode == 0, again.stderr
    assert REUSED not in _log(again)


def test_stored_pages_that_were_tampered_with_are_scanned_and_refused(project: Path) -> None:
    assert _build(project).returncode == 0
    site = tree_digest(project / "site")
    (stored,) = (project.parent / "cache" / "derivations").glob("pages-*.json")
    data = json.loads(stored.read_text(encoding="utf-8"))
    for page in data["pages"]:
        page["markdown"] += '\n\n<script>alert("planted")</script>\n'
    stored.write_text(json.dumps(data), encoding="utf-8")
    tampered = _build(project)
    assert tampered.returncode != 0
    assert "unsafe HTML" in _log(tampered)
    assert tree_digest(project / "site") == site


def test_a_build_that_reuses_its_pages_loads_no_source(project: Path) -> None:
    assert _build(project).returncode == 0
    probe = (
        "import logging, sys\n"
        "logging.basicConfig(level=logging.INFO)\n"
        "from mkdocs.commands.build import build\n"
        "from mkdocs.config import load_config\n"
        f"build(load_config({str(project / 'mkdocs.yml')!r}))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('generator.source', "
        "'generator.pipeline', 'generator.parse.tex.', 'pydantic', 'sympy'))))\n"
    )
    result = run_python(probe, cwd=project)
    assert result.returncode == 0, result.stderr
    assert REUSED in _log(result)
    assert result.stdout.strip() == "[]"


def test_a_stored_build_under_another_key_or_unreadable_is_ignored(tmp_path: Path) -> None:
    options = Options.at(ROOT, cache_dir=tmp_path)
    page = Page("a.md", "A", "# A\n")
    pagecache.save(options, "key-1", pagecache.StoredBuild([page], "1 derivation", {"abc"}))
    assert pagecache.load(options, "key-1") == pagecache.StoredBuild(
        [page], "1 derivation", {"abc"}
    )
    assert pagecache.load(options, "key-2") is None
    stored = pagecache.store_path(tmp_path, ROOT)
    for garbage in ("{not json", "[]", '{"key": "key-1"}', ""):
        stored.write_text(garbage, encoding="utf-8")
        assert pagecache.load(options, "key-1") is None
    assert pagecache.load(Options.at(ROOT, cache_dir=None), "key-1") is None


def test_the_key_changes_with_content_templates_and_settings(tmp_path: Path) -> None:
    project = small_project(tmp_path / "p", ("index.yaml", "linear-mse.yaml"))
    options = Options.at(project, cache_dir=tmp_path / "cache")
    key = pagecache.build_key(options, None)
    assert pagecache.build_key(options, None) == key
    (project / "templates" / "extra.j2").write_text("x", encoding="utf-8")
    templated = pagecache.build_key(options, None)
    assert templated != key
    (project / "content" / "linear-mse.yaml").write_text("title: x\n", encoding="utf-8")
    assert pagecache.build_key(options, None) != templated
    from generator.core.settings import CheckSettings
    from generator.pages.page import Repository

    slower = Options.at(project, cache_dir=tmp_path / "cache", settings=CheckSettings(timeout=99))
    assert pagecache.build_key(slower, None) != pagecache.build_key(options, None)
    linked = pagecache.build_key(options, Repository("https://example.org/r", "x"))
    assert linked != pagecache.build_key(options, None)
