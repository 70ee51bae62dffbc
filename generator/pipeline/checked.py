"""The result of checking: content with a verdict for every check, and the diagnostics.

This is what the page layer reads; it does not depend on how checks were scheduled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.errors import Diagnostic, Position
from ..core.jobs import Drawing
from ..core.verdicts import (
    FALSE,
    HOLDS_UNEXPECTEDLY,
    LABELS,
    PASSING,
    TIMEOUT,
    DisplayStatus,
    Verdict,
    weakest,
)
from ..source.load import CheckSpec, Content, Display, Source

DisplayKey = tuple[str, str]
"""(source path, display anchor): anchors are unique within a file."""


def display_key(source: Source, display: Display) -> DisplayKey:
    return (source.path, display.anchor)


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
    verdicts: dict[DisplayKey, list[Verdict]]
    """Verdicts aligned with ``display.checks``."""
    diagnostics: list[Diagnostic]
    stats: Stats
    drawings: dict[str, Drawing] = field(default_factory=dict)
    """source path → the plot and code the worker drew and verified."""

    def verdicts_of(self, source: Source, display: Display) -> list[Verdict]:
        return self.verdicts.get(display_key(source, display), [])

    def status(self, source: Source, display: Display) -> DisplayStatus:
        """The display's overall status: notation, definition, or the weakest of its checks."""
        if display.kind == "notation":
            return DisplayStatus.NOTATION
        if not display.checks:
            return DisplayStatus.DEFINITION
        return DisplayStatus(weakest([v.status for v in self.verdicts_of(source, display)]))

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


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


def drawing_diagnostic(source: Source, verdict: Verdict) -> Diagnostic:
    return Diagnostic(
        source.path,
        source.artifacts_position,
        f"the page's plot or code failed: {verdict.detail}",
        (f"method: {verdict.method}",),
    )


def range_diagnostics(
    source: Source, name: str, position: Position, verdict: Verdict
) -> list[Diagnostic]:
    """An error at a symbol's declaration when its definition leaves the declared domain."""
    if verdict.passed:
        return []
    notes = [verdict.detail or LABELS[verdict.status]]
    if verdict.status == FALSE:
        message = f"the declared domain of {name} does not hold for its definition"
        notes.append("declare the domain the definition guarantees, or fix the definition")
    else:
        message = f"the declared domain of {name} could not be checked against its definition"
    return [Diagnostic(source.path, position, message, tuple(notes))]
