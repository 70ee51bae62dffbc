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

_DIGITS = r"\d{1,30}"
# At most 30 digits a part: a longer number is no domain anyone writes, and Fraction and float
# would spend seconds on an exponent or a thousand digits (or overflow) while loading.
_FINITE = rf"[-+]?{_DIGITS}(?:\.{_DIGITS})?(?:/{_DIGITS})?"
_NUMBER = rf"(?:{_FINITE}|[-+]?oo|[-+]?inf)"
_SET_ENTRY = re.compile(rf"^{_FINITE}$")
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

    def sample(self, rng: random.Random, wide: bool = False) -> float:
        """A random point inside the domain (never an excluded point).

        Without ``wide``, where formulas are usually exercised (|x| of a few units, the
        inside of an interval, small integers); with it, anywhere in the domain: far out,
        close to an end, large integers."""
        for _ in range(100):
            value = self._sample(rng, wide)
            if self.contains(value):
                return value
        raise ValueError(f"cannot sample from the domain {self.text}")

    def _sample(self, rng: random.Random, wide: bool) -> float:
        if self.values:
            return float(rng.choice(self.values))
        if self.integer or self.index:
            return float(self._sample_integer(rng, wide))
        low, high = self.low, self.high
        if math.isinf(low) and math.isinf(high):
            return _typical_or_far(rng, wide)
        if math.isinf(high):
            return low + abs(_typical_or_far(rng, wide))
        if math.isinf(low):
            return high - abs(_typical_or_far(rng, wide))
        return _within(low, high, rng, wide)

    def _sample_integer(self, rng: random.Random, wide: bool) -> int:
        """Small integers most of the time, and out to ±MAX_SAMPLED_INTEGER (a product that
        vanishes for n ≤ 12 must be caught); an index stays small (it ranges up to a size)."""
        low = 1.0 if self.index else self.low
        high = min(self.high, 12.0) if self.index else self.high
        reach = 12 if self.index or not wide or rng.random() < 0.5 else MAX_SAMPLED_INTEGER
        lo_i = math.ceil(max(low, -reach) + (1e-9 if self.low_open and not self.index else 0))
        hi_i = math.floor(min(high, reach) - (1e-9 if self.high_open and not self.index else 0))
        if reach > 12 and lo_i < hi_i:
            # Log-uniform magnitude: 10³ is as likely as 10.
            magnitude = round(10 ** rng.uniform(0, math.log10(MAX_SAMPLED_INTEGER)))
            centre = 0 if lo_i <= 0 <= hi_i else (lo_i if lo_i > 0 else hi_i)
            value = centre + rng.choice((-1, 1)) * magnitude
            return min(max(value, lo_i), hi_i)
        return rng.randint(lo_i, max(lo_i, hi_i))


MAX_SAMPLED_INTEGER = 1000
"""Integers are sampled out to this magnitude."""
FAR = 1e6
"""Reals are sampled out to this magnitude (log-uniformly), and down to 1/FAR."""


def _typical_or_far(rng: random.Random, wide: bool) -> float:
    """|x| of a few units, or (``wide``, half the time) log-uniform in magnitude from 10⁻⁶
    to 10⁶ with either sign: min(x, 20) = x must fail."""
    if not wide or rng.random() < 0.5:
        return rng.gauss(0, 3)
    return rng.choice((-1, 1)) * 10 ** rng.uniform(-math.log10(FAR), math.log10(FAR))


def _within(low: float, high: float, rng: random.Random, wide: bool) -> float:
    """Uniform over the whole interval, or (``wide``, half the time) pressed against either
    end, down to 10⁻⁹ of the width away: max(q, 1/100) = q on (0, 1) must fail."""
    width = high - low
    if not wide or rng.random() < 0.5:
        return low + width * rng.random()
    gap = width * 10 ** rng.uniform(-9, -1)
    return low + gap if rng.random() < 0.5 else high - gap


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
        if not all(_SET_ENTRY.match(p) for p in parts):
            raise SourceError(f"a finite set lists numbers, such as {{0, 1}}; got {text!r}")
        values = tuple(sorted({_fraction(p) for p in parts}))
        if not values or len(values) > 16:
            raise SourceError("a finite set needs 1 to 16 numbers")
        return Domain(norm, values=values)
    raise SourceError(f"unknown domain {text!r}", 0, (f"expected one of: {EXAMPLES}",))


def exact_ends(domain: Domain) -> tuple[Fraction | None, Fraction | None]:
    """The interval's ends as exact numbers (None for an infinite end), read again from the
    domain's text: ``low`` and ``high`` are floats, and [0, 0.1] must end at 1/10 exactly."""
    norm = domain.text.partition(" except ")[0]
    if norm in _KEYWORDS or norm == "index":
        return _finite(domain.low), _finite(domain.high)  # 0 and 1: floats that are exact
    match = _INTERVAL.match(norm)
    if match is None:
        return None, None
    _, low_s, high_s, _ = match.groups()
    return _exact(low_s), _exact(high_s)


def _finite(value: float) -> Fraction | None:
    return None if math.isinf(value) else Fraction(value)


def _exact(text: str) -> Fraction | None:
    return None if text.lstrip("+-") in ("oo", "inf") else _fraction(text)


def _number(text: str) -> float:
    if text.lstrip("+-") in ("oo", "inf"):
        return -INF if text.startswith("-") else INF
    return float(_fraction(text))


def _fraction(text: str) -> Fraction:
    """A number the patterns above let through: at most 30 digits a part."""
    try:
        return Fraction(text)
    except ZeroDivisionError:
        raise SourceError(f"{text} divides by zero") from None
