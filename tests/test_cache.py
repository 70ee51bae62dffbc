"""The verdict cache: hits, misses, corrupt and stale entries, and what is never stored."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from generator.core.settings import CheckSettings, Options
from generator.core.verdicts import Counterexample, Verdict
from generator.pipeline.run import check_content
from generator.pipeline.verdictcache import VerdictCache, cache_key
from generator.source.load import load_content

from .helpers import ROOT, copy_project

PROVEN = Verdict("proven", "cancel", "", None, 0.01)


def test_a_stored_verdict_is_found_again(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path)
    false = Verdict("false", "numeric", "differ", Counterexample({"x": "1"}, "2", "3"))
    cache.put("ab" + "0" * 62, PROVEN)
    cache.put("cd" + "0" * 62, false)
    assert cache.get("ab" + "0" * 62) == PROVEN
    assert cache.get("cd" + "0" * 62) == false
    assert cache.get("ef" + "0" * 62) is None


def test_corrupt_and_stale_entries_are_ignored_never_trusted(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path)
    key = "ab" + "1" * 62
    cache.put(key, PROVEN)
    entry = tmp_path / "ab" / f"{'1' * 62}.json"
    for garbage in (
        "{not json",
        json.dumps({"format": 1, "key": "other", "verdict": PROVEN.to_json()}),
        '{"format": 1}',
        "",
    ):
        entry.write_text(garbage, encoding="utf-8")
        assert cache.get(key) is None
    entry.write_bytes(b"\xff\xfe\x00")
    assert cache.get(key) is None
    cache.put(key, PROVEN)  # a later run overwrites the bad entry
    assert cache.get(key) == PROVEN


def test_timeouts_and_rejections_are_not_stored(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path)
    cache.put("aa" + "2" * 62, Verdict("timeout", "time limit"))
    cache.put("bb" + "2" * 62, Verdict("rejected", "error"))
    assert not list(tmp_path.rglob("*.json"))


def test_key_depends_on_claim_declarations_and_settings() -> None:
    context = {"symbols": [["x", "real", False]], "functions": [], "definitions": [], "size": None}
    check = {"op": "equal", "left": ["sym", "x"], "right": ["num", "1"]}
    settings = CheckSettings()
    base = cache_key(context, check, settings, "v1")
    assert base == cache_key(context, dict(check), settings, "v1")
    assert base != cache_key(context, {**check, "right": ["num", "2"]}, settings, "v1")
    assert base != cache_key(
        {**context, "symbols": [["x", "positive", False]]}, check, settings, "v1"
    )
    assert base != cache_key(context, check, CheckSettings(points=40), "v1")
    assert base != cache_key(context, check, settings, "v2")


def test_only_the_edited_claim_is_checked_again(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    options = Options.at(project, settings=CheckSettings(jobs=2), cache_dir=tmp_path / "cache")
    first = check_content(load_content(options.content_dir, project), options)
    assert first.ok and first.stats.cached == 0 and first.stats.ran > 0  # identical checks run once
    second = check_content(load_content(options.content_dir, project), options)
    assert (second.stats.ran, second.stats.cached) == (0, second.stats.checks)
    path = project / "content" / "linear-mse.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "\\frac{\\partial a}{\\partial z} = 1", "\\frac{\\partial a}{\\partial z} = 1 + 0"
        ),
        encoding="utf-8",
    )
    third = check_content(load_content(options.content_dir, project), options)
    assert third.ok and third.stats.ran == 1


def test_a_fully_cached_check_does_not_import_sympy(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    options = Options.at(project, cache_dir=tmp_path / "cache")
    check_content(load_content(options.content_dir, project), options)  # warm the cache
    probe = (
        "import sys; from pathlib import Path\n"
        "from generator.core.settings import Options\nfrom generator.pipeline.run import load_and_check\n"
        "from generator.pages.render import render_pages\n"
        f"options = Options.at(Path({str(project)!r}), cache_dir=Path({str(tmp_path / 'cache')!r}))\n"
        "checked = load_and_check(options)\n"
        "render_pages(checked, options.templates_dir)\n"
        "assert checked.ok and checked.stats.ran == 0, checked.stats\n"
        "print('sympy' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
