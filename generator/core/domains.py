"""Symbol domains: ``real``, ``positive``, ``(0, 1)``, ``[0, 1]``, ``{0, 1}``, ``nonnegative integer`` ….

Parsing is plain Python (the loader validates domains without SymPy); the checker
asks a :class:`Domain` for SymPy assumptions, membership and sample points.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from fractions import Fraction

from .errors import SourceError

INF = math.inf

_KEYWORDS: dict[str, tuple[float, float, bool, bool, bool]] = {
    # name: (low, high, low_open, high_open, integer)
    "real": (-INF, INF, True, True, False),
    "nonzero": (-INF, INF, True, True, False),
    "positive": (0, INF, True, True, False),
    "negative": (-INF, 0, True, True, False),
    "nonnegative": (0, INF, False, True, False),
    "nonpositive": (-INF, 0, True, False, False),
    "integer": (-INF, INF, True, True, True),
    "positive integer": (1, INF, False, True, True),
    "nonnegative integer": (0, INF, False, True, True),
    "natural": (0, INF, False, True, True),
}

EXAMPLES = "real, nonzero, real except {-1, 1}, positive, nonnegative, integer, positive integer, nonnegative integer, index, (0, 1), [0, 1], (0, oo), {0, 1}"

_NUMBER = r"[-+]?(?:\d+(?:\.\d+)?(?:/\d+)?|oo|inf)"
_INTERVAL = re.compile(rf"^\s*([(\[])\s*({_NUMBER})\s*,\s*({_NUMBER})\s*([)\]])\s*$")
_SET = re.compile(r"^\s*\{(.*)\}\s*$")


@dataclass(frozen=True, slots=True)
class Domain:
    """Where a symbol's values lie: an interval (possibly of integers) or a finite set."""

    text: str
    low: float = -INF
    high: float = INF
    low_open: bool = True
    high_open: bool = True
    integer: bool = False
    values: tuple[Fraction, ...] = ()
    """Non-empty for a finite set such as {0, 1}."""
    index: bool = False
    """An index symbol ranging over 1..N for the derivation's size N."""
    excluded: tuple[Fraction, ...] = ()
    """Points left out of an interval (``nonzero`` is the reals without 0)."""

    @property
    def finite(self) -> bool:
        return bool(self.values)

    def contains(self, value: float) -> bool:
        if self.values:
            return any(abs(float(v) - value) < 1e-12 for v in self.values)
        if any(abs(float(v) - value) < 1e-12 for v in self.excluded):
            return False
        if self.integer and not float(value).is_integer():
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def assumptions(self) -> dict[str, bool]:
        """SymPy assumptions implied by the domain (real always; signs and integrality)."""
        out: dict[str, bool] = {"real": True}
        if self.index:
            return {"integer": True, "positive": True}
        if self.values:
            vals = [float(v) for v in self.values]
            if all(float(v).is_integer() for v in vals):
                out["integer"] = True
            low, high, low_open, high_open = min(vals), max(vals), False, False
        else:
            low, high, low_open, high_open = self.low, self.high, self.low_open, self.high_open
            if self.integer:
                out["integer"] = True
        if self.excluded and Fraction(0) in self.excluded:
            out["nonzero"] = True
        if low > 0 or (low == 0 and low_open):
            out["positive"] = True
        elif low >= 0:
            out["nonnegative"] = True
        if high < 0 or (high == 0 and high_open):
            out["negative"] = True
        elif high <= 0:
            out["nonpositive"] = True
        return out

    def nice_values(self) -> list[Fraction]:
        """Simple values inside the domain, tried first so counterexamples read well."""
        if self.values:
            return list(self.values)
        candidates = [Fraction(v) for v in (0, 1, 2, -1, 3, -2, 5, 10)]
        candidates += [
            Fraction(1, 2),
            Fraction(1, 4),
            Fraction(3, 4),
            Fraction(-1, 2),
            Fraction(1, 3),
        ]
        if self.index:
            candidates = [Fraction(v) for v in (1, 2, 3)]
        return [c for c in candidates if self.contains(float(c))]

    def sample(self, rng: random.Random) -> float:
        """A random point inside the domain (never an excluded point)."""
        for _ in range(100):
            value = self._sample(rng)
            if self.contains(value):
                return value
        raise ValueError(f"cannot sample from the domain {self.text}")

    def _sample(self, rng: random.Random) -> float:
        if self.values:
            return float(rng.choice(self.values))
        if self.integer or self.index:
            low = 1 if self.index else self.low
            low = max(low, -12) if math.isfinite(low) or low == -INF else low
            high = min(self.high, 12)
            lo_i = math.ceil(low + (1e-9 if self.low_open else 0))
            hi_i = math.floor(high - (1e-9 if self.high_open else 0))
            return float(rng.randint(lo_i, max(lo_i, hi_i)))
        low, high = self.low, self.high
        if math.isinf(low) and math.isinf(high):
            return rng.gauss(0, 3)
        if math.isinf(high):
            return low + math.exp(rng.gauss(0, 1.2))
        if math.isinf(low):
            return high - math.exp(rng.gauss(0, 1.2))
        width = high - low
        return low + width * (0.02 + 0.96 * rng.random())


def parse_domain(text: str) -> Domain:
    """Parse a domain written in a source file; raise :class:`SourceError` with examples."""
    norm = " ".join(text.strip().split())
    if " except " in norm:
        base_text, _, points_text = norm.partition(" except ")
        base = parse_domain(base_text)
        points = parse_domain(points_text)
        if not points.values or base.values:
            raise SourceError(
                "write exceptions as a set after an interval, such as: real except {0}"
            )
        excluded = tuple(sorted(set(base.excluded) | set(points.values)))
        return Domain(
            norm,
            base.low,
            base.high,
            base.low_open,
            base.high_open,
            base.integer,
            index=base.index,
            excluded=excluded,
        )
    if norm in _KEYWORDS:
        low, high, lo_open, hi_open, integer = _KEYWORDS[norm]
        excluded = (Fraction(0),) if norm == "nonzero" else ()
        return Domain(norm, low, high, lo_open, hi_open, integer, excluded=excluded)
    if norm == "index":
        return Domain(norm, 1, INF, False, True, True, index=True)
    match = _INTERVAL.match(norm)
    if match:
        left, low_s, high_s, right = match.groups()
        low, high = _number(low_s), _number(high_s)
        if not low < high:
            raise SourceError(f"empty interval {norm}: the lower end must be below the upper end")
        if (left == "[" and math.isinf(low)) or (right == "]" and math.isinf(high)):
            raise SourceError(f"an infinite end must be open: write ({low_s}, … or …, {high_s})")
        return Domain(norm, low, high, left == "(", right == ")")
    match = _SET.match(norm)
    if match:
        parts = [p.strip() for p in match.group(1).split(",") if p.strip()]
        try:
            values = tuple(sorted({Fraction(p) for p in parts}))
        except ValueError:
            raise SourceError(
                f"a finite set lists numbers, such as {{0, 1}}; got {text!r}"
            ) from None
        if not values or len(values) > 16:
            raise SourceError("a finite set needs 1 to 16 numbers")
        return Domain(norm, values=values)
    raise SourceError(f"unknown domain {text!r}", 0, (f"expected one of: {EXAMPLES}",))


def _number(text: str) -> float:
    if text.lstrip("+-") in ("oo", "inf"):
        return -INF if text.startswith("-") else INF
    return float(Fraction(text))
