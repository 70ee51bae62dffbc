"""The cheap normal forms: the cheapest that decides a claim names the proof."""

from __future__ import annotations

import sympy as sp

from generator.checker.normalforms import (
    _defined_on_the_reals,
    _sign_on_the_reals,
    condition_set,
    symbolic_zero,
)
from generator.core.domains import Domain

Z, Y = sp.symbols("z y", real=True)
REAL = {Z: Domain("real"), Y: Domain("real")}


def test_one_fraction_decides_a_sigmoid_identity_without_cancel() -> None:
    sigma = 1 / (1 + sp.exp(-Z))
    derivative = sp.diff(sigma, Z)
    assert symbolic_zero(derivative - sigma * (1 - sigma), REAL, cheap_only=True) == "one fraction"


def test_cancel_still_decides_what_one_fraction_does_not() -> None:
    # cancel factors sign(y − z) = −sign(z − y); multiplying out does not see it.
    assert symbolic_zero(sp.sign(Z - Y) + sp.sign(Y - Z), REAL, cheap_only=True) == "cancel"


def test_a_false_claim_is_no_zero() -> None:
    sigma = 1 / (1 + sp.exp(-Z))
    assert symbolic_zero(sp.diff(sigma, Z) - sigma * (1 + sigma), REAL, cheap_only=True) is None


def test_tanh_as_a_quotient_is_decided_before_the_exponential_form() -> None:
    u = 92 * (Z - Y)
    difference = 92 * sp.sinh(u) / sp.cosh(u) - 92 * sp.tanh(u)
    assert symbolic_zero(difference, REAL, cheap_only=True) == "quotients of sin, cos, sinh, cosh"


def test_a_pythagorean_identity_still_needs_the_exponential_form() -> None:
    difference = 1 / sp.cosh(Z) ** 2 - (1 - sp.tanh(Z) ** 2)
    assert symbolic_zero(difference, REAL, cheap_only=True) is None
    assert symbolic_zero(difference, REAL) is not None


def test_fractions_that_multiplying_out_brings_back_are_combined_again() -> None:
    # The focal loss's gradient against the form on the page: after one round, powers of
    # (1 − σ(z)) leave 1/(1 + e^{−z}) in the numerator; the second round clears it.
    g = sp.Symbol("gamma", positive=True)
    e = sp.exp(-Z)
    s = 1 / (1 + e)
    difference = (
        g * Y * (1 - s) ** (g - 1) * e * sp.log(s) / (1 + e) ** 2
        - g * (1 - Y) * (1 + e) ** (-g - 1) * e * sp.log(1 - s)
        - Y * (1 - s) ** g * (g * sp.log(s) / (1 + e) - 1 + s)
        - Y * (1 - s) ** g * e / (1 + e)
        - (1 - Y) * (-g * (1 - s) * sp.log(1 - s) + s) / (1 + e) ** g
        + (1 - Y) * (1 + e) ** (-g - 2) * e / (1 - s)
    )
    domains = {**REAL, g: Domain("positive")}
    assert symbolic_zero(difference, domains, cheap_only=True) == "one fraction"
    assert symbolic_zero(difference + Y * s, domains, cheap_only=True) is None


# --- the points where a condition holds ------------------------------------------------------

Z = sp.Symbol("z", real=True)
SIGMA = 1 / (1 + sp.exp(-Z))
RELATIONS = [  # built unevaluated, so that each reaches condition_set as written
    sp.Le(1 - SIGMA, 0, evaluate=False),
    sp.Gt(1 - SIGMA, 0, evaluate=False),
    sp.Lt(SIGMA - 1, 0, evaluate=False),
    sp.Ge(SIGMA - 1, 0, evaluate=False),
    sp.Ne(1 - SIGMA, 0, evaluate=False),
    sp.Eq(1 - SIGMA, 0, evaluate=False),
    sp.Gt(-Z, 1, evaluate=False),
    sp.Le(Z**2, 2, evaluate=False),
    sp.Ne(Z**2 - 3 * Z, 0, evaluate=False),
    ~((Z > 1) | (Z < 1)),
    sp.Gt(sp.exp(Z) - 2, 0, evaluate=False),  # sign unknown: solved by SymPy
    # "Positive" to SymPy, and undefined at z = 0: not everywhere, so SymPy's set.
    sp.Gt(sp.cosh(1 / Z), 0, evaluate=False),
    sp.Le(sp.cosh(1 / Z) + 1 - SIGMA, 0, evaluate=False),
]


def test_condition_sets_are_the_sets_sympy_finds() -> None:
    for relation in RELATIONS:
        assert condition_set(relation, Z, degree=2) == relation.as_set(), relation
    # Beyond degree 2 the roots are found, where SymPy leaves the relation unsolved.
    cubic = sp.Eq(Z**3 - 3 * Z + 1, 0, evaluate=False)
    assert isinstance(cubic.as_set(), sp.ConditionSet)
    assert condition_set(cubic, Z, degree=2) == cubic.as_set()
    assert len(condition_set(cubic, Z)) == 3


def test_a_condition_whose_sign_is_known_everywhere_is_not_solved(monkeypatch) -> None:
    def refuse(self: object) -> None:
        raise AssertionError("solved")

    monkeypatch.setattr(sp.Rel, "as_set", refuse)
    assert condition_set(sp.Le(1 - SIGMA, 0), Z) is sp.S.EmptySet
    assert condition_set(sp.Gt(1 - SIGMA, 0), Z) is sp.S.Reals


def test_a_sign_is_read_only_where_the_expression_is_defined_for_every_real() -> None:
    assert not _defined_on_the_reals(sp.cosh(1 / Z))
    assert not _defined_on_the_reals(sp.log(1 + Z**2))
    assert not _defined_on_the_reals(sp.sqrt(Z))
    assert _defined_on_the_reals(1 - SIGMA)  # 1 + e^{-z} > 0: never a zero denominator
    assert _defined_on_the_reals(sp.sqrt(1 + Z**2) + sp.tanh(Z) * sp.Abs(Z) ** 3)
    assert _sign_on_the_reals(sp.cosh(1 / Z), Z) is None


def test_a_sign_is_read_only_for_a_symbol_that_ranges_over_every_real() -> None:
    # 1/p > 0 holds for a positive p, but not for every real value SymPy's as_set ranges over.
    p = sp.Symbol("p", positive=True)
    k = sp.Symbol("k", integer=True)
    w = sp.Symbol("w", real=True, nonzero=True)
    assert _sign_on_the_reals(1 / p, p) is None
    assert _sign_on_the_reals(k**2 + 1, k) is None
    assert _sign_on_the_reals(w**2, w) is None
    assert _sign_on_the_reals(1 - SIGMA, Z) == 1
    assert _sign_on_the_reals(SIGMA - 1, Z) == -1
    assert _sign_on_the_reals(sp.exp(Z) - 2, Z) is None
