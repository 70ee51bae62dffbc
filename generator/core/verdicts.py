"""Verdicts: what the checker concluded about one check. Plain data, no SymPy.

Only :mod:`generator.checker.equality` creates verdicts; sources cannot contain one
(DESIGN.md, invariant 2).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Statuses, strongest first. "refuted" is the good outcome of an expected-false claim.
PROVEN = "proven"
NUMERIC = "numeric"
REFUTED = "refuted"
FALSE = "false"
TIMEOUT = "timeout"
REJECTED = "rejected"
HOLDS_UNEXPECTEDLY = "holds-unexpectedly"

PASSING = frozenset({PROVEN, NUMERIC, REFUTED})
ORDER = (PROVEN, NUMERIC, REFUTED, TIMEOUT, REJECTED, FALSE, HOLDS_UNEXPECTEDLY)

LABELS = {
    PROVEN: "proven",
    NUMERIC: "numerically consistent",
    REFUTED: "refuted, as expected",
    FALSE: "false",
    TIMEOUT: "timed out",
    REJECTED: "rejected",
    HOLDS_UNEXPECTEDLY: "true, but marked as a mistake",
}


@dataclass(frozen=True, slots=True)
class Counterexample:
    """A point where two sides differ: symbol → value, and both sides' values there."""

    point: dict[str, str]
    left: str
    right: str

    def describe(self) -> str:
        where = ", ".join(f"{k} = {v}" for k, v in self.point.items()) or "every point"
        return f"at {where}: left side = {self.left}, right side = {self.right}"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of one check (one ``=`` of a display)."""

    status: str
    method: str
    """How it was decided: ``cancel``, ``simplify``, ``numeric (24 points, 30 digits)`` …"""
    detail: str = ""
    counterexample: Counterexample | None = None
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    """Machine-readable by-products (for example ``srepr`` strings)."""

    @property
    def passed(self) -> bool:
        return self.status in PASSING

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        ce = data.get("counterexample")
        return cls(
            status=str(data["status"]),
            method=str(data["method"]),
            detail=str(data.get("detail", "")),
            counterexample=Counterexample(**ce) if ce else None,
            seconds=float(data.get("seconds", 0.0)),
            extra=dict(data.get("extra") or {}),
        )


def weakest(statuses: list[str]) -> str:
    """The status that decides a display made of several checks."""
    if not statuses:
        return PROVEN
    return max(statuses, key=ORDER.index)
