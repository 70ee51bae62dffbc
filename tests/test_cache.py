"""The verdict cache: hits, misses, corrupt and stale entries, what is never stored, and the
bound on the cache folder (least recently used entries go; live ones stay)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
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
    assert cache.get("ab" + "0" * 62) == PROVEN  # in this run, before it is written
    cache.close()
    later = VerdictCache(tmp_path)  # a later run
    assert later.get("ab" + "0" * 62) == PROVEN
    assert later.get("cd" + "0" * 62) == false
    assert later.get("ef" + "0" * 62) is None


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
    cache.close()
    assert cachedir.holds_entries(tmp_path)


def _stored(root: Path, key: str, body: str, used: float = 1_000_000.0) -> None:
    """An entry written into the database as some other program (or a bug) might have."""
    root.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(root / cachedir.VERDICT_DATABASE)) as database:
        database.execute(verdictcache._SCHEMA)
        database.execute("INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?)", (key, body, used))
        database.commit()


def _used(root: Path, key: str) -> float | None:
    with contextlib.closing(sqlite3.connect(root / cachedir.VERDICT_DATABASE)) as database:
        row = database.execute("SELECT used FROM verdicts WHERE key = ?", (key,)).fetchone()
    return None if row is None else float(row[0])


def test_corrupt_and_stale_entries_are_ignored_never_trusted(tmp_path: Path) -> None:
    key = "ab" + "1" * 62
    for garbage in (
        "{not json",
        json.dumps(
            {"format": verdictcache.CACHE_FORMAT, "key": "other", "verdict": PROVEN.to_json()}
        ),
        json.dumps({"format": 1, "key": key, "verdict": PROVEN.to_json()}),
        json.dumps({"format": verdictcache.CACHE_FORMAT, "key": key}),
        json.dumps({"format": verdictcache.CACHE_FORMAT, "key": key, "verdict": {"status": "x"}}),
        "",
    ):
        _stored(tmp_path, key, garbage)
        assert VerdictCache(tmp_path).get(key) is None
    cache = VerdictCache(tmp_path)
    cache.put(key, PROVEN)  # a later run overwrites the bad entry
    cache.close()
    assert VerdictCache(tmp_path).get(key) == PROVEN


def test_a_corrupt_entry_is_removed_when_read(tmp_path: Path) -> None:
    key = "ab" + "3" * 62
    for garbage in ("{not json", '{"format": 2, "key": "other"}'):
        _stored(tmp_path, key, garbage)
        cache = VerdictCache(tmp_path)
        assert cache.get(key) is None
        cache.close()
        assert _used(tmp_path, key) is None  # gone
    assert VerdictCache(tmp_path).get(key) is None  # a missing entry is a plain miss


def test_a_file_that_is_not_a_database_is_replaced(tmp_path: Path) -> None:
    (tmp_path / cachedir.VERDICT_DATABASE).write_bytes(b"not a database, " * 512)
    cache = VerdictCache(tmp_path)
    assert cache.get("ab" + "6" * 62) is None
    cache.put("ab" + "6" * 62, PROVEN)
    cache.close()
    assert VerdictCache(tmp_path).get("ab" + "6" * 62) == PROVEN


def test_a_read_marks_the_entry_as_recently_used(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path)
    key = "ab" + "4" * 62
    cache.put(key, PROVEN)
    cache.close()
    body = json.dumps(
        {"format": verdictcache.CACHE_FORMAT, "key": key, "verdict": PROVEN.to_json()}
    )
    _stored(tmp_path, key, body, used=1_000_000)
    reader = VerdictCache(tmp_path)
    assert reader.get(key) == PROVEN
    reader.close()
    assert (_used(tmp_path, key) or 0) > time.time() - 60
    recent = time.time() - 600  # marked less than TOUCH_AFTER ago: a warm read writes nothing
    _stored(tmp_path, key, body, used=recent)
    reader = VerdictCache(tmp_path)
    assert reader.get(key) == PROVEN
    reader.close()
    assert _used(tmp_path, key) == pytest.approx(recent, abs=1e-3)


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
    stale_verdicts = [f"{i:064x}" for i in range(60)]
    for i, key in enumerate(stale_verdicts):  # each a second older than the one before
        _stored(cache, key, "{}", used=time.time() - 30 * 86400 - i)
    before = _fill(cache, 10, age=30 * 86400, tag="f")  # the layout before the database
    stale_sources = _fill(cache / "sources", 30, age=30 * 86400, tag="f")
    monkeypatch.setattr(verdictcache, "VERDICT_LIMIT", 40)
    monkeypatch.setattr(verdictcache, "SOURCE_LIMIT", 20)
    options = Options.at(project, settings=CheckSettings(jobs=1), cache_dir=cache)

    first = check_content(load_content(options.content_dir, project, cache), options)
    assert first.stats.ran > 0

    kept = [key for key in stale_verdicts if _used(cache, key) is not None]
    sources, _ = cachedir._files(cache / "sources")
    assert len(sources) == 10  # half of its limit
    assert kept == stale_verdicts[: 20 - first.stats.ran - 1]  # half of 40; 1: the plot
    assert not any(p.exists() for p in before)
    second = check_content(load_content(options.content_dir, project, cache), options)
    assert (second.stats.ran, second.stats.cached) == (0, second.stats.checks)
    assert not any(p.exists() for p in stale_sources[10:])


def test_a_warm_build_does_not_scan_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = VerdictCache(tmp_path)
    cache.put("ab" + "5" * 62, PROVEN)
    cache.flush()
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
    cache.close()
    assert cache.written == 0 and not cachedir.holds_entries(tmp_path)


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
    entry = tmp_path / "entry.jinja"
    entry.write_text("compiled", encoding="utf-8")
    os.utime(entry, (1_000_000, 1_000_000))

    def refuse(*_: object, **__: object) -> None:
        raise PermissionError("read-only")

    monkeypatch.setattr(os, "utime", refuse)
    assert cachedir.read_marking_use(entry) == entry.read_bytes()


def test_a_database_another_build_holds_is_still_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another build writing at the same time: this one's writes give up, its reads go on.
    key = "ab" + "7" * 62
    cache = VerdictCache(tmp_path)
    cache.put(key, PROVEN)
    cache.close()
    _stored(
        tmp_path,
        key,
        json.dumps({"format": verdictcache.CACHE_FORMAT, "key": key, "verdict": PROVEN.to_json()}),
    )  # used long ago: a read will want to mark it
    monkeypatch.setattr(verdictcache, "BUSY_SECONDS", 0.05)
    with contextlib.closing(sqlite3.connect(tmp_path / cachedir.VERDICT_DATABASE)) as other:
        other.execute("BEGIN IMMEDIATE")  # holds the write lock; readers may still read
        reader = VerdictCache(tmp_path)
        assert reader.get(key) == PROVEN
        reader.put("cd" + "7" * 62, PROVEN)
        reader.close()  # cannot write: only costs time
        other.rollback()
    assert VerdictCache(tmp_path).get("cd" + "7" * 62) is None
    assert VerdictCache(tmp_path).get(key) == PROVEN
