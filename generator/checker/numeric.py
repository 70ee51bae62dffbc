"""High-precision numeric evaluation: pre-screens, counterexamples and the numeric fallback.

Points are drawn inside each symbol's domain (nice values first, so a reported
counterexample reads like ``n = 2`` rather than ``n = 7.3918…``), values are
substituted exactly and evaluated to ``digits`` significant digits.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from typing import Any

import sympy as sp
from sympy.core.evalf import PrecisionExhausted

from ..core.domains import Domain
from ..core.verdicts import Counterexample
from .kinks import convention_violated, smooth_violated
from .sides import MAX_DIGITS, Side, at_point, violated

# Both sides are evaluated to 30 significant digits; they must agree to 24 of them.
# Values below 1e-32 in magnitude count as zero (the residue of exact cancellation).
RELATIVE_TOLERANCE = sp.Float("1e-24")
ABSOLUTE_ZERO = sp.Float("1e-32")


@dataclass(frozen=True, slots=True)
class Value:
    """A side's value at a point: a number, or undefined (division by zero, log 0, …)."""

    number: Any
    defined: bool
    reliable: bool = True
    """False when the requested digits could not be attained (catastrophic cancellation):
    such a point proves nothing either way and is skipped."""

    def show(self) -> str:
        if not self.defined:
            return "undefined"
        return format_number(self.number)


def format_number(value: Any) -> str:
    """A short readable rendering: exact integers and small rationals as such, else 6 digits."""
    re_part, im_part = value.as_real_imag() if hasattr(value, "as_real_imag") else (value, 0)
    if abs(im_part) > 1e-20:
        return f"{_real(re_part)} + {_real(im_part)}i"
    return _real(re_part)


def format_coordinate(value: Any) -> str:
    """A point's coordinate with the digits it needs: 0.999999988 must not print as 1, a point
    outside (0, 1) where the sides may not even differ."""
    text = format_number(value)
    number = float(value)
    for digits in (10, 15):
        try:
            close = abs(float(Fraction(text)) - number) <= 1e-9 * max(abs(number), 1e-300)
        except (ValueError, ZeroDivisionError):
            return text
        if close:
            return text
        text = f"{number:.{digits}g}"
    return text


def _real(value: Any) -> str:
    number = float(value)
    if abs(number - round(number)) < 1e-12 and abs(number) < 1e15:
        return str(round(number))
    fraction = Fraction(number).limit_denominator(1000)
    if abs(float(fraction) - number) < 1e-12 and fraction.denominator <= 64:
        return f"{fraction.numerator}/{fraction.denominator}"
    return f"{number:.6g}"


SOFT = frozenset({"convention", "smooth"})
"""Guards whose failure is a point to exclude with a message, not a counterexample: a
value that rests on sign(0) or Heaviside(0), a derivative at a kink."""


def evaluate_side(side: Side, point: Mapping[Any, Any], digits: int, soft: bool = True) -> Value:
    """Value of one side of a claim: undefined where one of its guards fails (``soft``
    guards included, unless asked not to)."""
    for guard in side.guards:
        if guard.kind in SOFT and not soft:
            continue
        if guard.kind == "convention":
            failed: bool | None = convention_violated(guard, point)
        elif guard.kind == "smooth":
            failed = smooth_violated(guard, point)
        else:
            failed = violated(guard, point, digits)
        if failed is None:
            return Value(None, False, reliable=False)
        if failed:
            return Value(None, False)
    value = evaluate(side.expr, point, digits)
    if not value.defined and value.reliable and side.derivative_of is not None:
        return _derivative_at(side.derivative_of, point, digits) or value
    return value


def _derivative_at(
    derivative: tuple[Any, Any, int], point: Mapping[Any, Any], digits: int
) -> Value | None:
    """The derivative at ``point`` taken after the point's other values are put into the body:
    n·xⁿ⁻¹ is undefined at n = 0, x = 0, but d/dx x⁰ = 0 there."""
    body, variable, order = derivative
    if variable not in point:
        return None
    others = {k: v for k, v in point.items() if k != variable}
    try:
        taken = sp.diff(body.xreplace(others), variable, order)
    except (ValueError, TypeError):
        return None
    value = evaluate(taken, {variable: point[variable]}, digits)
    return value if value.defined else None


def evaluate(expr: Any, point: Mapping[Any, Any], digits: int) -> Value:
    """Value of ``expr`` at ``point``; undefined where it is not a finite number.

    Evaluation is *strict*: SymPy raises rather than return digits it could not attain
    (1 − σ(300) needs 130 digits before the first correct one). Such a point is marked
    unreliable instead of being mistaken for a counterexample.
    """
    try:
        substituted = at_point(expr, point)
        if substituted.has(sp.nan, sp.zoo):
            return Value(None, False)
        if substituted.has(sp.Integral, sp.Sum):
            # At a concrete point doit is usually exact; evalf's quadrature is the fallback
            # (it cannot do multiple integrals, and is unreliable on corners such as |t|).
            done = substituted.doit()
            substituted = done if not done.has(sp.Integral) else substituted
        number = _strict(substituted, digits)
    except PrecisionExhausted:
        return Value(None, False, reliable=False)
    except (ZeroDivisionError, ValueError, TypeError, ArithmeticError):
        return Value(None, False)
    if not number.is_number or number.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return Value(None, False)
    if number.has(sp.Sum, sp.Integral):
        return Value(None, False)
    real, imaginary = number.as_real_imag()
    if abs(imaginary) > ABSOLUTE_ZERO + RELATIVE_TOLERANCE * abs(real):
        return Value(None, False)  # the claims are about real numbers: a complex value is undefined
    return Value(real, True)


def _strict(expr: Any, digits: int) -> Any:
    return expr.evalf(digits, maxn=MAX_DIGITS, strict=True)


def reliable(left: Value, right: Value) -> bool:
    return left.reliable and right.reliable


def agree(left: Value, right: Value) -> bool:
    """Both undefined, or both defined and equal to 24 significant digits."""
    if not left.defined or not right.defined:
        return left.defined == right.defined
    difference = abs(sp.N(left.number - right.number, 30))
    scale = max(abs(sp.N(left.number, 30)), abs(sp.N(right.number, 30)))
    return bool(difference <= RELATIVE_TOLERANCE * scale + ABSOLUTE_ZERO)


EXACT_DIGITS = 120
"""How far a difference that looks like 0 is pursued: each truly equal point costs this."""


class Outcome(Enum):
    AGREE = "agree"
    """Equal to the working precision, and their difference is zero to ``MAX_DIGITS`` digits."""
    DIFFER = "differ"
    """Confirmed at twice the working precision: a counterexample."""
    EXCEPTION = "exception"
    """One side rests on a convention or a derivative does not exist here, and otherwise the
    sides agree: a point to exclude, with a message."""
    UNRELIABLE = "unreliable"
    """The digits needed could not be attained: the point proves nothing either way."""


@dataclass(frozen=True, slots=True)
class AtPoint:
    """Both sides of a claim at one point, and whether they agree there."""

    outcome: Outcome
    left: Value
    right: Value
    difference: Any = None
    """When the sides differ by less than the working precision shows: by how much."""

    @property
    def both_defined(self) -> bool:
        return self.left.defined and self.right.defined


def compare_at(
    a: Side, b: Side, point: Mapping[Any, Any], digits: int, *, exact: bool = True
) -> AtPoint:
    """Compare two sides at ``point``; a difference is reported only once it is confirmed.

    Values that agree to 24 of ``digits`` digits may still differ (e^{-100} and 0, x and
    x + 10^{-40}x): their difference is evaluated on its own, to 15 significant digits of
    the difference itself, raising the precision up to ``EXACT_DIGITS`` (skipped when not
    ``exact``: the pre-screen only looks for plain differences). Values that disagree
    are evaluated again, independently, at twice the precision before they count.
    """
    left, right = evaluate_side(a, point, digits), evaluate_side(b, point, digits)
    if not reliable(left, right):
        return AtPoint(Outcome.UNRELIABLE, left, right)
    if agree(left, right):
        if not (exact and left.defined and right.defined):
            return AtPoint(Outcome.AGREE, left, right)
        residue = _exact_difference(a.expr, b.expr, point)
        if residue is None or residue == 0:
            return AtPoint(Outcome.AGREE, left, right)
        return AtPoint(Outcome.DIFFER, left, right, residue)
    if left.defined != right.defined and is_exception(a, b, point, digits):
        return AtPoint(Outcome.EXCEPTION, left, right)
    left2, right2 = evaluate_side(a, point, 2 * digits), evaluate_side(b, point, 2 * digits)
    if reliable(left2, right2) and not agree(left2, right2):
        return AtPoint(Outcome.DIFFER, left, right)
    return AtPoint(Outcome.UNRELIABLE, left, right)


def is_exception(a: Side, b: Side, point: Mapping[Any, Any], digits: int) -> bool:
    """Only a soft guard separates the sides here: without conventions and kinks they agree."""
    left, right = (
        evaluate_side(a, point, digits, soft=False),
        evaluate_side(b, point, digits, soft=False),
    )
    return reliable(left, right) and left.defined and right.defined and agree(left, right)


@dataclass(frozen=True, slots=True)
class Found:
    """A confirmed counterexample."""

    point: dict[Any, Any]
    values: AtPoint

    def counterexample(self, extra: Mapping[str, str] | None) -> Counterexample:
        v = self.values
        return counterexample(self.point, v.left, v.right, extra, v.difference)


def _tiny_difference(difference: Any) -> Any:
    """A difference that 15-digit arithmetic rounds to exactly 0 (ln(1 + e^{-89}) computes
    1 + e^{-89} as 1), evaluated at EXACT_DIGITS and at twice that: nonzero only when both
    agree on it, far above the noise of either precision."""
    high = sp.N(difference, EXACT_DIGITS)
    higher = sp.N(difference, 2 * EXACT_DIGITS)
    if not (high.is_number and higher.is_number) or high == 0:
        return sp.Integer(0)
    floor = sp.Float(10) ** (-(EXACT_DIGITS - 20))
    if abs(higher) > floor and abs(high - higher) <= abs(higher) * sp.Float("1e-12"):
        return sp.N(higher, 15)
    return sp.Integer(0)


def _exact_difference(a: Any, b: Any, point: Mapping[Any, Any]) -> Any:
    """``a − b`` at ``point`` to 15 significant digits; 0 when it is zero to ``MAX_DIGITS``
    digits; None when it cannot be evaluated."""
    try:
        difference = at_point(a - b, point)
        if difference.has(sp.Sum, sp.Integral):
            difference = difference.doit()
        if difference == 0:
            return sp.Integer(0)
        value = difference.evalf(15, maxn=EXACT_DIGITS, strict=True)
        if value == 0:
            value = _tiny_difference(difference)
    except PrecisionExhausted:
        return sp.Integer(0)  # indistinguishable from 0 at EXACT_DIGITS digits
    except (ZeroDivisionError, ValueError, TypeError, ArithmeticError):
        return None
    if not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.Sum, sp.Integral):
        return None
    return value


def points(
    variables: list[Any], domains: Mapping[Any, Domain], rng: random.Random, *, nice: bool = True
) -> Iterator[dict[Any, Any]]:
    """Endless points inside the domains: a few nice combinations, then random ones."""
    if not variables:
        yield {}
        return
    if nice:
        options = [domains[v].nice_values() for v in variables]
        if all(options):
            for k in range(12):
                point = {}
                for position, (var, values) in enumerate(zip(variables, options, strict=True)):
                    choice = values[(k + position * (k // len(values) + 1)) % len(values)]
                    point[var] = sp.Rational(choice.numerator, choice.denominator)
                yield point
    while True:
        # Half the points are typical in every variable (so a claim with many variables still
        # gets enough points that can be evaluated); the other half range over whole domains.
        wide = rng.random() < 0.5
        yield {v: _random_value(domains[v], rng, wide) for v in variables}


def _random_value(domain: Domain, rng: random.Random, wide: bool) -> Any:
    value = domain.sample(rng, wide)
    if domain.finite or domain.integer or domain.index:
        return sp.Integer(round(value))
    # An exact rational, not a Float: SymPy evaluates Float arithmetic as it builds, so
    # 1 − σ(1000.5) would become 0 at 40 digits before strict evaluation could see the
    # cancellation; exact, it is evaluated to the digits asked for, or marked unreliable.
    return sp.Rational(repr(value))


def counterexample(
    point: Mapping[Any, Any],
    left: Value,
    right: Value,
    extra: Mapping[str, str] | None = None,
    difference: Any = None,
) -> Counterexample:
    shown = dict(extra or {})
    for var, value in sorted(point.items(), key=lambda kv: str(kv[0])):
        shown[str(var).replace("__", "_")] = format_coordinate(value)
    left_text, right_text = left.show(), right.show()
    if difference is not None and left_text == right_text:
        # Equal to 6 digits on the page: say by how much they differ.
        left_text = f"{left_text} + ({sp.N(difference, 6)})"
    elif left_text == right_text and left.defined and right.defined:
        left_text, right_text = _distinct_digits(left.number, right.number)
    return Counterexample(shown, left_text, right_text)


def _distinct_digits(left: Any, right: Any) -> tuple[str, str]:
    """Two different numbers with the digits that tell them apart: 1/1.6065306597 against
    0.622459 must not print as 0.622459 twice."""
    for digits in (10, 15, 20, 30):
        shown = str(sp.N(left, digits)), str(sp.N(right, digits))
        if shown[0] != shown[1]:
            return shown
    return shown
