"""Where one side of a claim may be undefined: the points a condition's gap leaves."""

from __future__ import annotations

import sympy as sp

from generator.checker.definedness import _solutions
from generator.checker.normalforms import as_set
from generator.core.domains import parse_domain

Z = sp.Symbol("z", real=True)
SIGMA = 1 / (1 + sp.exp(-Z))
REALS = as_set(parse_domain("real"))


def test_the_gap_of_a_condition_that_always_holds_is_empty() -> None:
    assert _solutions("not", sp.Gt(1 - SIGMA, 0), Z, REALS) == ()  # 1 − σ(z) > 0 everywhere
    assert _solutions("negative", 1 - SIGMA, Z, REALS) == ()  # never below 0
    assert _solutions("not", sp.Gt(sp.exp(Z) - 2, 0), Z, REALS) != ()  # z ≤ ln 2
    assert _solutions("not", sp.Lt(1 - SIGMA, 0), Z, REALS) != ()  # 1 − σ(z) ≥ 0 everywhere
    assert _solutions("not", sp.Gt(Z**2, 0), Z, REALS) == (sp.Integer(0),)  # z² ≤ 0 at 0 only
    assert _solutions("negative", Z**2 * (1 - SIGMA), Z, REALS) == ()  # nonnegative


def test_a_condition_in_two_symbols_is_still_not_solved() -> None:
    y = sp.Symbol("y", real=True)
    assert _solutions("not", sp.Gt(y**2 + 1 - SIGMA, 0), Z, REALS) is None


def test_a_cubic_gap_is_left_unsolved_as_before() -> None:
    # SymPy's as_set leaves z³ − 3z + 1 = 0 unsolved: the search says it cannot tell.
    assert _solutions("not", sp.Ne(Z**3 - 3 * Z + 1, 0), Z, REALS) is None


def test_the_gap_of_a_case_is_found_where_the_cases_leave_a_point_out() -> None:
    # z > 1 or z < 1 leaves out z = 1: the one candidate, as SymPy's own sets give it.
    condition = (Z > 1) | (Z < 1)
    assert _solutions("not", condition, Z, REALS) == (sp.Integer(1),)
    # 1 − z < 0 beyond z = 1: one point of that interval.
    assert _solutions("negative", 1 - Z, Z, REALS) == (sp.Integer(2),)
