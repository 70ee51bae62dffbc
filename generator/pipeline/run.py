"""load → check: the plain functions both the CLI and the MkDocs plugin call.

Checking consults the verdict cache first and sends only the misses to the
bounded worker pool, so a build where nothing changed never imports SymPy.
"""

from __future__ import annotations

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


def check_content(content: Content, options: Options, progress: Progress | None = None) -> Checked:
    """Give every check of ``content`` a verdict: from the cache, or by running it."""
    started = time.monotonic()
    settings = options.settings
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
    tasks = [
        Task(key, _declarations_data(s), s.artifacts, s.path)
        for s, key in drawings.values()
        if s.artifacts is not None
    ]
    tasks += [
        Task(p.key, _declarations_data(p.source), p.spec.payload(), p.source.path) for p in planned
    ]
    ranges = [
        (source, name, position, _key(source, encode(RangeJob(name)), settings))
        for source in content.sources
        for name, position in source.range_checks.items()
    ]
    tasks += [
        Task(key, _declarations_data(s), encode(RangeJob(n)), s.path) for s, n, _, key in ranges
    ]
    found, ran = _run_tasks(tasks, options, progress)
    stats = Stats(
        checks=len(planned),
        cached=sum(1 for p in planned if p.key not in ran),
        ran=len({p.key for p in planned if p.key in ran}),
    )
    verdicts: dict[tuple[str, str], list[Verdict]] = {}
    diagnostics = list(content.diagnostics)
    for p in planned:
        verdicts.setdefault(display_key(p.source, p.display), []).append(found[p.key])
        diagnostics.extend(verdict_diagnostics(p.source, p.display, p.spec, found[p.key]))
    for source, name, position, key in ranges:
        diagnostics.extend(range_diagnostics(source, name, position, found[key]))
    drawn = {}
    for path, (source, key) in drawings.items():
        verdict = found[key]
        if not verdict.passed:
            diagnostics.append(drawing_diagnostic(source, verdict))
        elif verdict.drawing is not None:
            drawn[path] = verdict.drawing
    stats.seconds = time.monotonic() - started
    return Checked(content, verdicts, diagnostics, stats, drawn)


def _run_tasks(
    tasks: Iterable[Task], options: Options, progress: Progress | None = None
) -> tuple[dict[str, Verdict], set[str]]:
    """Verdicts for every task's key (cached or run), and the keys that were run."""
    cache = VerdictCache(options.cache_dir)
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
        else:
            missing[task.key] = task
    done = [total - len(missing)]
    if progress:
        progress(done[0], total)

    def tick(task: Task, verdict: Verdict) -> None:
        done[0] += 1
        cache.put(task.key, verdict)
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


def load_and_check(options: Options, progress: Progress | None = None) -> Checked:
    start_checkers_if_cold(options.cache_dir)  # the CLI may have done so already
    content = load_content(options.content_dir, options.root, options.cache_dir)
    return check_content(content, options, progress)


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
