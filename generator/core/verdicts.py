"""Verdicts: what the checker concluded about one check. Plain data, no SymPy.

Only the checker (:mod:`generator.checker`) creates verdicts; sources cannot contain one
(ARCHITECTURE.md, "Verdicts are computed").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .jobs import Drawing, decode_drawing, encode_drawing


class Status(StrEnum):
    """A check's outcome. "refuted" is the good outcome of an expected-false claim."""

    PROVEN = "proven"
    NUMERIC = "numeric"
    REFUTED = "refuted"
    FALSE = "false"
    TIMEOUT = "timeout"
    REJECTED = "rejected"
    HOLDS_UNEXPECTEDLY = "holds-unexpectedly"


class DisplayStatus(StrEnum):
    """A display's status on the page: a check outcome, or a display with nothing to check."""

    PROVEN = Status.PROVEN.value
    NUMERIC = Status.NUMERIC.value
    REFUTED = Status.REFUTED.value
    FALSE = Status.FALSE.value
    TIMEOUT = Status.TIMEOUT.value
    REJECTED = Status.REJECTED.value
    HOLDS_UNEXPECTEDLY = Status.HOLDS_UNEXPECTEDLY.value
    NOTATION = "notation"
    """Shown but not checked, with a reason."""
    DEFINITION = "definition"
    """Introduces a name: nothing to prove."""


PROVEN = Status.PROVEN
NUMERIC = Status.NUMERIC
REFUTED = Status.REFUTED
FALSE = Status.FALSE
TIMEOUT = Status.TIMEOUT
REJECTED = Status.REJECTED
HOLDS_UNEXPECTEDLY = Status.HOLDS_UNEXPECTEDLY

PASSING = frozenset({PROVEN, NUMERIC, REFUTED})
ORDER = (PROVEN, NUMERIC, REFUTED, TIMEOUT, REJECTED, FALSE, HOLDS_UNEXPECTEDLY)
"""Strongest first: a display made of several checks has its weakest one's status."""

LABELS: dict[str, str] = {
    PROVEN: "proven",
    NUMERIC: "sampled, not proven",
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
    """The outcome of one job: a check's verdict, with a drawing or a description when asked."""

    status: Status
    method: str
    """How it was decided: ``cancel``, ``simplify``, ``numeric (24 points, 30 digits)`` …"""
    detail: str = ""
    counterexample: Counterexample | None = None
    seconds: float = 0.0
    drawing: Drawing | None = None
    """What a draw job produced (plot and verified code)."""
    description: dict[str, Any] | None = None
    """What a describe job produced: SymPy ``srepr`` strings, for other tools."""

    def __post_init__(self) -> None:
        # Accept the plain string too ("proven"), but always hold the enum.
        object.__setattr__(self, "status", Status(self.status))

    @property
    def passed(self) -> bool:
        return self.status in PASSING

    def to_json(self) -> dict[str, Any]:
        ce = self.counterexample
        return {
            "status": self.status.value,
            "method": self.method,
            "detail": self.detail,
            "counterexample": (
                {"point": ce.point, "left": ce.left, "right": ce.right} if ce else None
            ),
            "seconds": self.seconds,
            "drawing": encode_drawing(self.drawing) if self.drawing else None,
            "description": self.description,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        ce = data.get("counterexample")
        drawing = data.get("drawing")
        return cls(
            status=Status(data["status"]),
            method=str(data["method"]),
            detail=str(data.get("detail", "")),
            counterexample=Counterexample(**ce) if ce else None,
            seconds=float(data.get("seconds", 0.0)),
            drawing=decode_drawing(drawing) if drawing else None,
            description=data.get("description"),
        )


def weakest(statuses: list[Status]) -> Status:
    """The status that decides a display made of several checks."""
    if not statuses:
        return PROVEN
    return max(statuses, key=ORDER.index)
