"""Numeric points: exact values put into a claim, and the powers left for evalf to compute.

A random point of a positive exponent is an exact rational with a denominator of 10¹¹ or
more (γ = 7306.78087300349); SymPy's exact (1 − p)^γ then extracts prime powers of up to
~10¹⁵ digits. ``at_point`` leaves such a power to evalf, and must not change any value,
any undefined point, or any decision that rests on a condition.
"""

from __future__ import annotations

import sympy as sp

from generator.checker.numeric import Outcome, Value, compare_at, counterexample, evaluate
from generator.checker.sides import Side, at_point
from generator.core import verdicts as V

from .helpers import load_fixture, verdicts

P, GAMMA = sp.symbols("p gamma", positive=True)
FAR_GAMMA = sp.Rational("7306.78087300349")
RANDOM_P = sp.Rational("0.4347429900000703")


def test_a_power_with_a_random_exponent_is_left_to_evalf_and_computed_to_the_same_digits() -> None:
    focal = -((1 - P) ** GAMMA) * sp.log(P) + GAMMA * (1 - P) ** (GAMMA - 1)
    point = {P: RANDOM_P, GAMMA: FAR_GAMMA}
    # Left for evalf: the power stays unevaluated at the point (speed is for make bench).
    left = [e for e in at_point(focal, point).atoms(sp.Pow) if e.exp == FAR_GAMMA]
    assert left and all(e.base.is_Rational for e in left)
    value = evaluate(focal, point, 30)
    exact = focal.xreplace(point).evalf(40)
    assert value.defined and value.reliable
    assert abs(value.number - exact) <= abs(exact) * sp.Float("1e-28")


def test_an_undefined_point_stays_undefined() -> None:
    expr = (1 - P) ** GAMMA / (P - sp.Rational(1, 2))
    assert at_point(expr, {P: sp.Rational(1, 2), GAMMA: FAR_GAMMA}).has(sp.zoo)
    assert not evaluate(expr, {P: sp.Rational(1, 2), GAMMA: FAR_GAMMA}, 30).defined


def test_a_negative_base_is_still_complex_so_undefined() -> None:
    point = {P: RANDOM_P, GAMMA: sp.Rational("1.78087300349")}
    assert not evaluate((P - 1) ** GAMMA, point, 30).defined


def test_nice_points_stay_exact() -> None:
    # √4 is 2 and the difference exactly 0: no precision lost on a cancellation.
    assert at_point(P**GAMMA - 2, {P: sp.Integer(4), GAMMA: sp.Rational(1, 2)}) == 0


def test_a_condition_on_such_a_power_is_decided_by_its_exact_value() -> None:
    expr = sp.Max((1 - P) ** GAMMA, P)
    point = {P: RANDOM_P, GAMMA: sp.Rational("1.78087300349")}
    assert at_point(expr, point) == expr.xreplace(point)


def test_equal_sides_at_such_a_point_agree() -> None:
    # The form SymPy's diff writes and the one an author writes: equal, not identical.
    left = GAMMA * (1 - P) ** GAMMA * sp.log(P) / (1 - P)
    right = GAMMA * (1 - P) ** (GAMMA - 1) * sp.log(P)
    at = compare_at(Side(left), Side(right), {P: RANDOM_P, GAMMA: FAR_GAMMA}, 30)
    assert at.outcome is Outcome.AGREE and at.both_defined


def test_the_focal_gradient_is_proven_within_the_default_time_limit() -> None:
    # A rate of change recombines (1 − p)^γ/(1 − p) into (1 − p)^{γ−1}, as ∂/∂p does.
    source = load_fixture("realworld/aise-focal-loss.yaml")
    display = next(d for d in source.displays if d.anchor == "focal-gradient")
    (verdict,) = verdicts(source, display, timeout=10.0)
    assert verdict.status == V.PROVEN, verdict


def test_a_counterexample_shows_the_digits_that_tell_its_sides_apart() -> None:
    # 1/1.6065306597 and 0.622459 agree to six digits: the page must not print them alike.
    left = Value(1 / sp.Rational("1.6065306597"), True)
    right = Value(sp.Rational("0.622459"), True)
    shown = counterexample({}, left, right)
    assert shown.left != shown.right
    assert shown.left.startswith("0.62245933") and shown.right.startswith("0.62245900")
