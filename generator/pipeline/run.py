"""load → check → (render): the plain functions both the CLI and the MkDocs plugin call.

Checking consults the verdict cache first and sends only the misses to the
bounded worker pool, so a build where nothing changed never imports SymPy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..core.errors import Diagnostic, DiagnosticsError, Position
from ..core.jobs import code_version
from ..core.settings import Options
from ..core.verdicts import FALSE, HOLDS_UNEXPECTEDLY, LABELS, PASSING, TIMEOUT, Verdict, weakest
from ..source.load import CheckSpec, Content, Display, Source, load_content
from .pool import Task, WorkerError, WorkerPool, default_processes
from .verdictcache import VerdictCache, cache_key


@dataclass
class Stats:
    checks: int = 0
    cached: int = 0
    ran: int = 0
    seconds: float = 0.0


@dataclass
class Checked:
    """Content with a verdict for every check."""

    content: Content
    verdicts: dict[int, list[Verdict]]
    """id(display) → verdicts aligned with ``display.checks``."""
    diagnostics: list[Diagnostic]
    stats: Stats
    artifacts: dict[str, Verdict] = field(default_factory=dict)
    """source path → the plot and code the worker drew and verified."""

    def for_display(self, display: Display) -> list[Verdict]:
        return self.verdicts.get(id(display), [])

    def status(self, display: Display) -> str:
        """The display's overall status: notation, definition, or the weakest of its checks."""
        if display.kind == "notation":
            return "notation"
        verdicts = self.for_display(display)
        if not display.checks:
            return "definition"
        return weakest([v.status for v in verdicts])

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


Progress = Callable[[int, int], None]


def check_content(content: Content, options: Options, progress: Progress | None = None) -> Checked:
    """Give every check of ``content`` a verdict: from the cache, or by running it."""
    started = time.monotonic()
    settings = options.settings
    cache = VerdictCache(options.cache_dir)
    stats = Stats()
    keyed: list[tuple[Source, Display, CheckSpec, str]] = []
    for source in content.sources:
        for display in source.displays:
            for spec in display.checks:
                key = cache_key(source.context, spec.payload(), settings, code_version())
                keyed.append((source, display, spec, key))
    stats.checks = len(keyed)
    drawings = {
        source.path: (
            source,
            cache_key(source.context, source.artifacts, settings, code_version()),
        )
        for source in content.sources
        if source.artifacts is not None
    }
    found: dict[str, Verdict] = {}
    tasks: dict[str, Task] = {}
    for source, key in drawings.values():
        verdict = cache.get(key)
        if verdict is not None:
            found[key] = verdict
        else:
            assert source.artifacts is not None
            tasks[key] = Task(key, source.context, source.artifacts)
    for source, _display, spec, key in keyed:
        verdict = cache.get(key)
        if verdict is not None:
            found[key] = verdict
        elif key not in tasks:
            tasks[key] = Task(key, source.context, spec.payload())
    stats.cached = len(keyed) - sum(1 for *_, k in keyed if k in tasks)
    total = len(keyed) + len(drawings)
    done = [total - len(tasks)]
    if progress:
        progress(done[0], total)

    def tick(task: Task, verdict: Verdict) -> None:
        done[0] += 1
        cache.put(task.key, verdict)
        if progress:
            progress(done[0], total)

    if tasks:
        pool = WorkerPool(settings.jobs or default_processes(), settings, settings.memory_mb)
        try:
            found.update(pool.run(tasks.values(), tick))
        except WorkerError as exc:
            failure = Diagnostic("(checker)", Position(1, 1), f"cannot run the checks: {exc}")
            raise DiagnosticsError([failure]) from None
    stats.ran = len({k for *_, k in keyed if k in tasks})
    verdicts: dict[int, list[Verdict]] = {}
    for _source, display, _spec, key in keyed:
        verdicts.setdefault(id(display), []).append(found[key])
    diagnostics = list(content.diagnostics)
    for source, display, spec, key in keyed:
        diagnostics.extend(verdict_diagnostics(source, display, spec, found[key]))
    artifacts = {path: found[key] for path, (_, key) in drawings.items() if key in found}
    for path, verdict in artifacts.items():
        if not verdict.passed:
            source = drawings[path][0]
            diagnostics.append(
                Diagnostic(
                    source.path,
                    source.artifacts_position,
                    f"the page's plot or code failed: {verdict.detail}",
                    (f"method: {verdict.method}",),
                )
            )
    stats.seconds = time.monotonic() - started
    return Checked(content, verdicts, diagnostics, stats, artifacts)


def verdict_diagnostics(
    source: Source, display: Display, spec: CheckSpec, verdict: Verdict
) -> list[Diagnostic]:
    """A compiler-style error for a verdict that fails the build (none for passing ones)."""
    if verdict.status in PASSING:
        return []
    claimed = f"claimed: {spec.claim}" if spec.claim else f"claimed: {spec.label}"
    notes = [
        claimed,
        f"SymPy found: {verdict.detail or LABELS[verdict.status]} (method: {verdict.method})",
    ]
    if verdict.counterexample is not None:
        notes.append("counterexample " + verdict.counterexample.describe())
    if verdict.status == FALSE:
        message = f"false claim ({spec.label})"
    elif verdict.status == HOLDS_UNEXPECTEDLY:
        message = "this mistake is not a mistake: the checker proved it true"
        notes.append("fix the claim so it is false, or turn it into an equation")
    elif verdict.status == TIMEOUT:
        message = f"check timed out ({spec.label})"
        notes.append("simplify the step, split it in two, or raise --timeout")
    else:
        message = f"claim could not be checked ({spec.label})"
    return [Diagnostic(source.path, spec.position, message, tuple(notes))]


def load_and_check(options: Options, progress: Progress | None = None) -> Checked:
    content = load_content(options.content_dir, options.root, options.cache_dir)
    return check_content(content, options, progress)


def describe_content(content: Content, options: Options) -> dict[str, Verdict]:
    """SymPy ``srepr`` of each derivation's definitions and result (for the JSON report)."""
    cache = VerdictCache(options.cache_dir)
    settings = options.settings
    tasks: dict[str, Task] = {}
    keys: dict[str, str] = {}
    found: dict[str, Verdict] = {}
    for source in content.sources:
        check: dict[str, object] = {"op": "describe"}
        if source.result is not None and source.result.checks:
            first, last = source.result.checks[0], source.result.checks[-1]
            check.update(
                left=first.left.key(),
                right=last.right.key(),
                wrt=first.wrt.key() if first.wrt is not None else None,
            )
        key = cache_key(source.context, check, settings, code_version())
        keys[source.path] = key
        cached = cache.get(key)
        if cached is not None:
            found[key] = cached
        else:
            tasks[key] = Task(key, source.context, check)
    if tasks:
        pool = WorkerPool(settings.jobs or default_processes(), settings, settings.memory_mb)
        for key, verdict in pool.run(tasks.values()).items():
            cache.put(key, verdict)
            found[key] = verdict
    return {path: found[key] for path, key in keys.items() if key in found}
