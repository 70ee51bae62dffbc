"""The verdict cache: hits, misses, corrupt and stale entries, what is never stored, and the
bound on the cache folder (least recently used entries go; live ones stay)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from generator.core import cachedir
from generator.core.settings import CheckSettings, Options
from generator.core.verdicts import Counterexample, Verdict
from generator.pipeline import verdictcache
from generator.pipeline.run import check_content
from generator.pipeline.verdictcache import VerdictCache, cache_key
from generator.source.load import load_content

from .helpers import copy_project, run_python

# These tests are about caching, not speed: a limit no parallel build on 2 cores reaches
# (a check that times out is never cached, which would make them flaky).
UNHURRIED = 60.0

PROVEN = Verdict("proven", "cancel", "", None, 0.01)


def test_a_stored_verdict_is_found_again(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path)
    false = Verdict("false", "numeric", "differ", Counterexample({"x": "1"}, "2", "3"))
    cache.put("ab" + "0" * 62, PROVEN)
    cache.put("cd" + "0" * 62, false)
    assert cache.get("ab" + "0" * 62) == PROVEN
    assert cache.get("cd" + "0" * 62) == false
    assert cache.get("ef" + "0" * 62) is None


def test_a_cache_holds_nothing_until_a_verdict_is_stored(tmp_path: Path) -> None:
    """An empty cache starts the workers early (every check will run); other caches kept in
    the same folder (sources, pages) are no verdicts."""
    assert not cachedir.holds_entries(None)
    assert not cachedir.holds_entries(tmp_path / "missing")
    (tmp_path / "sources" / "ab").mkdir(parents=True)
    (tmp_path / "pages-site.json").write_text("{}")
    cache = VerdictCache(tmp_path)
    assert not cachedir.holds_entries(tmp_path)
    cache.put("ab" + "0" * 62, PROVEN)
    assert cachedir.holds_entries(tmp_path)


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


def test_a_corrupt_entry_is_removed_when_read(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path)
    key = "ab" + "3" * 62
    cache.put(key, PROVEN)
    entry = tmp_path / "ab" / f"{'3' * 62}.json"
    for garbage in (b"{not json", b"\xff\xfe\x00", b'{"format": 2, "key": "other"}'):
        entry.write_bytes(garbage)
        assert cache.get(key) is None
        assert not entry.exists()
    assert cache.get(key) is None  # a missing entry is a plain miss


def test_a_read_marks_the_entry_as_recently_used(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path)
    key = "ab" + "4" * 62
    cache.put(key, PROVEN)
    entry = tmp_path / "ab" / f"{'4' * 62}.json"
    os.utime(entry, (1_000_000, 1_000_000))
    assert cache.get(key) == PROVEN
    assert entry.stat().st_mtime > time.time() - 60
    recent = time.time() - 600  # marked less than TOUCH_AFTER ago: a warm read writes nothing
    os.utime(entry, (recent, recent))
    assert cache.get(key) == PROVEN
    assert entry.stat().st_mtime == pytest.approx(recent, abs=2)


def _fill(root: Path, count: int, age: float, tag: str) -> list[Path]:
    """``count`` entries, ``age`` seconds old (each a second older than the one before)."""
    paths = []
    for i in range(count):
        name = f"{i:064x}"
        path = root / name[:2] / f"{tag}{name[2 + len(tag) :]}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}", encoding="utf-8")
        stamp = time.time() - age - i
        os.utime(path, (stamp, stamp))
        paths.append(path)
    return paths


def test_a_cache_past_its_bound_keeps_the_most_recently_used(tmp_path: Path) -> None:
    stale = _fill(tmp_path, 40, age=30 * 86400, tag="a")
    live = _fill(tmp_path, 5, age=0, tag="b")
    # not entries of this cache: another cache's folder, and a writer's file in flight
    other = _fill(tmp_path / "sources", 30, age=30 * 86400, tag="c")
    in_flight = tmp_path / "00" / ".tmp-writing"
    in_flight.write_text("", encoding="utf-8")
    dead = tmp_path / "00" / ".tmp-died"
    dead.write_text("", encoding="utf-8")
    os.utime(dead, (1_000_000, 1_000_000))

    assert cachedir.bound(tmp_path, limit=50) == 0  # under the bound: nothing happens
    assert all(p.exists() for p in stale + live) and dead.exists()

    assert cachedir.bound(tmp_path, limit=20) == 35  # past it: down to half, oldest first
    assert all(p.exists() for p in live)
    assert sum(p.exists() for p in stale) == 5
    assert all(p.exists() for p in stale[:5])  # the newest of the stale ones
    assert all(p.exists() for p in other) and in_flight.exists() and not dead.exists()
    assert cachedir.bound(tmp_path, limit=20, keep=3) == 0  # 10 left: under the bound again
    assert cachedir.bound(tmp_path / "missing", limit=1) == 0
    assert cachedir.bound(None, limit=1) == 0


def test_a_build_that_stores_verdicts_bounds_both_caches_and_keeps_live_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(tmp_path / "project")
    for path in (project / "content").glob("*.yaml"):
        if path.name not in ("index.yaml", "linear-mse.yaml"):
            path.unlink()
    cache = tmp_path / "cache"
    stale_verdicts = _fill(cache, 60, age=30 * 86400, tag="f")
    stale_sources = _fill(cache / "sources", 30, age=30 * 86400, tag="f")
    monkeypatch.setattr(verdictcache, "VERDICT_LIMIT", 40)
    monkeypatch.setattr(verdictcache, "SOURCE_LIMIT", 20)
    options = Options.at(project, settings=CheckSettings(jobs=1), cache_dir=cache)

    first = check_content(load_content(options.content_dir, project, cache), options)
    assert first.stats.ran > 0

    verdicts, _ = cachedir._files(cache)
    sources, _ = cachedir._files(cache / "sources")
    assert len(verdicts) == 20 and len(sources) == 10  # half of each limit
    assert sum(p.exists() for p in stale_verdicts) == 20 - first.stats.ran - 1  # 1: the plot
    second = check_content(load_content(options.content_dir, project, cache), options)
    assert (second.stats.ran, second.stats.cached) == (0, second.stats.checks)
    assert not any(p.exists() for p in stale_sources[10:])


def test_a_warm_build_does_not_scan_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = VerdictCache(tmp_path)
    cache.put("ab" + "5" * 62, PROVEN)
    warm = VerdictCache(tmp_path)
    assert warm.get("ab" + "5" * 62) == PROVEN

    def scanned(*args: object, **kwargs: object) -> int:
        raise AssertionError("a build that stored nothing scanned the cache")

    monkeypatch.setattr(cachedir, "bound", scanned)
    warm.prune()
    with pytest.raises(AssertionError):
        cache.prune()


def test_timeouts_and_rejections_are_not_stored(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path)
    cache.put("aa" + "2" * 62, Verdict("timeout", "time limit"))
    cache.put("bb" + "2" * 62, Verdict("rejected", "error"))
    assert not list(tmp_path.rglob("*.json"))


def test_key_depends_on_claim_declarations_and_settings() -> None:
    context = {
        "symbols": [["x", "real", False, [], None]],
        "functions": [],
        "definitions": [],
        "size": None,
    }
    check = {"op": "equal", "left": ["sym", "x"], "right": ["num", "1"]}
    settings = CheckSettings()
    base = cache_key(context, check, settings, "v1")
    assert base == cache_key(context, dict(check), settings, "v1")
    assert base != cache_key(context, {**check, "right": ["num", "2"]}, settings, "v1")
    assert base != cache_key(
        {**context, "symbols": [["x", "positive", False, [], None]]}, check, settings, "v1"
    )
    assert base != cache_key(context, check, CheckSettings(points=40), "v1")
    assert base != cache_key(context, check, settings, "v2")


def test_only_the_edited_claim_is_checked_again(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    settings = CheckSettings(jobs=2, timeout=UNHURRIED)
    options = Options.at(project, settings=settings, cache_dir=tmp_path / "cache")
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
    settings = CheckSettings(timeout=UNHURRIED)
    options = Options.at(project, settings=settings, cache_dir=tmp_path / "cache")
    check_content(load_content(options.content_dir, project), options)  # warm the cache
    probe = (
        "import sys; from pathlib import Path\n"
        "from generator.core.settings import CheckSettings, Options\n"
        "from generator.pipeline.run import load_and_check\n"
        "from generator.pages.render import render_pages\n"
        f"options = Options.at(Path({str(project)!r}), cache_dir=Path({str(tmp_path / 'cache')!r}),"
        f" settings=CheckSettings(timeout={UNHURRIED}))\n"
        "checked = load_and_check(options)\n"
        "render_pages(checked, options.templates_dir)\n"
        "assert checked.ok and checked.stats.ran == 0, checked.stats\n"
        "print('sympy' in sys.modules)\n"
    )
    result = run_python(probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_flat_folder_past_its_bound_keeps_the_most_recently_used(tmp_path: Path) -> None:
    # The compiled theme templates: one file per key, in the folder itself.
    def entry(name: str, age: float) -> Path:
        path = tmp_path / name
        path.write_text("", encoding="utf-8")
        os.utime(path, (time.time() - age, time.time() - age))
        return path

    stale = [entry(f"{i:04}.jinja", 30 * 86400 + i) for i in range(12)]
    live = [entry(f"live{i}.jinja", i) for i in range(3)]
    other = entry("notes.txt", 30 * 86400)  # not an entry: never counted, never removed
    dead = entry(".tmp-died", 30 * 86400)

    assert cachedir.bound_flat(tmp_path, ".jinja", limit=15) == 0
    assert cachedir.bound_flat(tmp_path, ".jinja", limit=10) == 10  # down to half, oldest first
    assert (
        all(p.exists() for p in live) and [p.exists() for p in stale] == [True] * 2 + [False] * 10
    )
    assert other.exists() and not dead.exists()
    assert cachedir.bound_flat(tmp_path / "missing", ".jinja", limit=1) == 0


def test_an_entry_that_cannot_be_marked_as_used_is_still_read(tmp_path: Path, monkeypatch) -> None:
    # A read-only cache folder, or another user's files: the mark fails, the entry does not.
    cache = VerdictCache(tmp_path)
    key = "ab" + "5" * 62
    cache.put(key, PROVEN)
    entry = tmp_path / "ab" / f"{'5' * 62}.json"
    os.utime(entry, (1_000_000, 1_000_000))

    def refuse(*_: object, **__: object) -> None:
        raise PermissionError("read-only")

    monkeypatch.setattr(os, "utime", refuse)
    assert cachedir.read_marking_use(entry) == entry.read_bytes()
    assert cache.get(key) == PROVEN
