"""load → check: the plain functions both the CLI and the MkDocs plugin call.

Checking consults the verdict cache first and sends only the misses to the
bounded worker pool, so a build where nothing changed never imports SymPy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..core.codeversion import code_version
from ..core.errors import Diagnostic, DiagnosticsError, Position
from ..core.jobs import DescribeJob, RangeJob, encode
from ..core.settings import CheckSettings, Options
from ..core.verdicts import Verdict
from ..source.load import CheckSpec, Content, Display, Source, load_content
from .checked import (
    Checked,
    Stats,
    display_key,
    drawing_diagnostic,
    range_diagnostics,
    verdict_diagnostics,
)
from .earlystart import start_checkers_if_cold
from .pool import Task, WorkerError, WorkerPool, default_processes
from .verdictcache import VerdictCache, cache_key

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class _Planned:
    """One check of one display, with its cache key."""

    source: Source
    display: Display
    spec: CheckSpec
    key: str


def _declarations_data(source: Source) -> dict[str, Any]:
    return source.context


def _key(source: Source, job: dict[str, Any], settings: CheckSettings) -> str:
    return cache_key(_declarations_data(source), job, settings, code_version())


@dataclass(frozen=True, slots=True)
class _Plan:
    """Every check of some content, each with its cache key, and the tasks that run them."""

    content: Content
    planned: list[_Planned]
    drawings: dict[str, tuple[Source, str]]
    """source path → (the source, its draw job's key)"""
    ranges: list[tuple[Source, str, Position, str]]
    """(source, defined symbol, where it is declared, its range job's key)"""
    tasks: list[Task]


def _plan(content: Content, settings: CheckSettings) -> _Plan:
    planned = [
        _Planned(source, display, spec, _key(source, spec.payload(), settings))
        for source in content.sources
        for display in source.displays
        for spec in display.checks
    ]
    drawings = {
        source.path: (source, _key(source, source.artifacts, settings))
        for source in content.sources
        if source.artifacts is not None
    }
    ranges = [
        (source, name, position, _key(source, encode(RangeJob(name)), settings))
        for source in content.sources
        for name, position in source.range_checks.items()
    ]
    # Source by source, in the order of the pages: the pool takes them in this order, and
    # MkDocs waits for them in this order (a page without a plot is not put last).
    by_source: dict[str, list[Task]] = {source.path: [] for source in content.sources}
    for source in content.sources:
        if source.artifacts is not None:
            key = drawings[source.path][1]
            task = Task(key, _declarations_data(source), source.artifacts, source.path)
            by_source[source.path].append(task)
    for p in planned:
        task = Task(p.key, _declarations_data(p.source), p.spec.payload(), p.source.path)
        by_source[p.source.path].append(task)
    for s, n, _, key in ranges:
        by_source[s.path].append(Task(key, _declarations_data(s), encode(RangeJob(n)), s.path))
    tasks = [task for group in by_source.values() for task in group]
    return _Plan(content, planned, drawings, ranges, tasks)


def check_content(content: Content, options: Options, progress: Progress | None = None) -> Checked:
    """Give every check of ``content`` a verdict: from the cache, or by running it."""
    started = time.monotonic()
    plan = _plan(content, options.settings)
    found, ran = _run_tasks(plan.tasks, options, progress)
    return _assemble(plan, found, ran, time.monotonic() - started)


def _assemble(
    plan: _Plan,
    found: dict[str, Verdict],
    ran: set[str],
    seconds: float,
    only: str | None = None,
) -> Checked:
    """The verdicts and diagnostics of the plan (of the source at path ``only``, if given)."""

    def wanted(source: Source) -> bool:
        return only is None or source.path == only

    planned = [p for p in plan.planned if wanted(p.source)]
    stats = Stats(
        checks=len(planned),
        cached=sum(1 for p in planned if p.key not in ran),
        ran=len({p.key for p in planned if p.key in ran}),
        seconds=seconds,
    )
    verdicts: dict[tuple[str, str], list[Verdict]] = {}
    diagnostics = [d for d in plan.content.diagnostics if only is None]
    for p in planned:
        verdicts.setdefault(display_key(p.source, p.display), []).append(found[p.key])
        diagnostics.extend(verdict_diagnostics(p.source, p.display, p.spec, found[p.key]))
    for source, name, position, key in plan.ranges:
        if wanted(source):
            diagnostics.extend(range_diagnostics(source, name, position, found[key]))
    drawn = {}
    for path, (source, key) in plan.drawings.items():
        if not wanted(source):
            continue
        verdict = found[key]
        if not verdict.passed:
            diagnostics.append(drawing_diagnostic(source, verdict))
        elif verdict.drawing is not None:
            drawn[path] = verdict.drawing
    return Checked(plan.content, verdicts, diagnostics, stats, drawn)


class BackgroundCheck:
    """:func:`check_content` in a thread, each source's part ready as soon as its own checks
    are: the MkDocs plugin renders that page, and MkDocs converts it, while the workers go on
    with the next ones (the pool takes the sources in order, as MkDocs reads the pages)."""

    def __init__(self, content: Content, options: Options) -> None:
        self._started = time.monotonic()
        self._seconds = 0.0
        self._plan = _plan(content, options.settings)
        self._options = options
        self._found: dict[str, Verdict] = {}
        self._ran: set[str] = set()
        self._owners: dict[str, set[str]] = {}
        """check key → the sources waiting for it (one key may serve several)"""
        self._waiting: dict[str, set[str]] = {s.path: set() for s in content.sources}
        for task in self._plan.tasks:
            self._owners.setdefault(task.key, set()).add(task.group)
            self._waiting[task.group].add(task.key)
        self._ready = {path: threading.Event() for path in self._waiting}
        for path, keys in self._waiting.items():
            if not keys:
                self._ready[path].set()
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="derivations-checks", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            _, self._ran = _run_tasks(self._plan.tasks, self._options, on_verdict=self._arrived)
        except BaseException as exc:  # raised again in the thread that waits
            self._error = exc
        finally:
            self._seconds = time.monotonic() - self._started
            for event in self._ready.values():
                event.set()

    def _arrived(self, key: str, verdict: Verdict) -> None:
        with self._lock:
            self._found[key] = verdict
            for path in self._owners.get(key, ()):
                left = self._waiting[path]
                left.discard(key)
                if not left:
                    self._ready[path].set()

    def finished(self) -> bool:
        """Whether every check is done (:meth:`result` would not wait)."""
        return all(event.is_set() for event in self._ready.values())

    def done(self, path: str) -> bool:
        """Whether every check of the source at ``path`` is done (:meth:`source` would not wait)."""
        return self._ready[path].is_set()

    def source(self, path: str) -> Checked:
        """The verdicts and diagnostics of one source, once all of its checks are done."""
        self._ready[path].wait()
        if self._error is not None:
            raise self._error
        with self._lock:
            found = dict(self._found)
        return _assemble(self._plan, found, set(), 0.0, only=path)

    def result(self) -> Checked:
        """Everything, as :func:`check_content` returns it (waits for the last check)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return _assemble(self._plan, self._found, self._ran, self._seconds)


def _run_tasks(
    tasks: Iterable[Task],
    options: Options,
    progress: Progress | None = None,
    on_verdict: Callable[[str, Verdict], None] | None = None,
) -> tuple[dict[str, Verdict], set[str]]:
    """Verdicts for every task's key (cached or run), and the keys that were run.
    ``on_verdict`` hears of each verdict as soon as it is known."""
    cache = VerdictCache(options.cache_dir)
    try:
        return _cached_or_run(cache, tasks, options, progress, on_verdict)
    finally:
        cache.close()  # what this run stored or marked as used, written once


def _cached_or_run(
    cache: VerdictCache,
    tasks: Iterable[Task],
    options: Options,
    progress: Progress | None,
    on_verdict: Callable[[str, Verdict], None] | None,
) -> tuple[dict[str, Verdict], set[str]]:
    settings = options.settings
    found: dict[str, Verdict] = {}
    missing: dict[str, Task] = {}
    total = 0
    for task in tasks:
        if task.key in found or task.key in missing:
            continue
        total += 1
        verdict = cache.get(task.key)
        if verdict is not None:
            found[task.key] = verdict
            if on_verdict:
                on_verdict(task.key, verdict)
        else:
            missing[task.key] = task
    done = [total - len(missing)]
    if progress:
        progress(done[0], total)

    def tick(task: Task, verdict: Verdict) -> None:
        done[0] += 1
        cache.put(task.key, verdict)
        if on_verdict:
            on_verdict(task.key, verdict)
        if progress:
            progress(done[0], total)

    if missing:
        pool = WorkerPool(settings.jobs or default_processes(), settings, settings.memory_mb)
        try:
            found.update(pool.run(missing.values(), tick))
        except WorkerError as exc:
            failure = Diagnostic("(checker)", Position(1, 1), f"cannot run the checks: {exc}")
            raise DiagnosticsError([failure]) from None
        cache.prune()  # only after new entries: a warm build never scans the cache
    return found, set(missing)


def load(options: Options) -> Content:
    """Read every source (the workers start meanwhile when every check will run)."""
    start_checkers_if_cold(options.cache_dir)  # the CLI may have done so already
    return load_content(options.content_dir, options.root, options.cache_dir)


def load_and_check(options: Options, progress: Progress | None = None) -> Checked:
    return check_content(load(options), options, progress)


def describe_content(content: Content, options: Options) -> dict[str, dict[str, Any]]:
    """SymPy ``srepr`` of each derivation's definitions and result (for the JSON report)."""
    keys: dict[str, str] = {}
    tasks = []
    for source in content.sources:
        described = DescribeJob()
        if source.result is not None and source.result.checks:
            first, last = source.result.checks[0], source.result.checks[-1]
            described = DescribeJob(first.left, last.right, first.wrt)
        job = encode(described)
        keys[source.path] = _key(source, job, options.settings)
        tasks.append(Task(keys[source.path], _declarations_data(source), job, source.path))
    found, _ = _run_tasks(tasks, options)
    return {path: found[key].description or {} for path, key in keys.items() if key in found}
