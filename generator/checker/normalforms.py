"""Symbolic proofs that a difference is zero: exact normal forms, cheapest first.

Each normal form is an identity-preserving rewriting; reaching 0 proves the two sides
equal wherever both are defined (where that is, is :mod:`generator.checker.definedness`'s job).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import sympy as sp
from sympy.solvers.inequalities import solve_poly_inequality

from ..core.domains import Domain

TRIG = (sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh)
PIECEWISE_LIKE = (sp.Piecewise, sp.Heaviside, sp.sign, sp.Max, sp.Min, sp.Abs)
CHEAP = frozenset({"identical", "cancel"})


def _via_exponentials(d: Any) -> Any:
    """Trigonometric and hyperbolic functions as exponentials, then a rational normal form:
    much cheaper than simplify's trigsimp, and decisive for identities such as tanh' = 1 − tanh²."""
    if not d.has(*TRIG):
        return d
    return sp.cancel(sp.powsimp(sp.expand(d.rewrite(sp.exp))))


NORMAL_FORMS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("identical", lambda d: d),
    ("cancel", sp.cancel),
    ("expand(together)", lambda d: sp.expand(sp.together(d))),
    ("exponential form", _via_exponentials),
    ("simplify", sp.simplify),
)


def symbolic_zero(
    difference: Any, domains: dict[Any, Domain], cheap_only: bool = False
) -> str | None:
    """The name of the first normal form that reduces ``difference`` to 0, or None."""
    if difference.has(sp.Sum, sp.Integral, sp.Derivative):
        if cheap_only:
            return None
        difference = difference.doit()
        if difference.has(sp.Sum, sp.Integral):
            return None
    for name, normal_form in NORMAL_FORMS:
        if cheap_only and name not in CHEAP:
            return None
        result = normal_form(difference)
        if result == 0:
            return name
        special = name == "simplify" and result.has(sp.gamma, sp.factorial, sp.Piecewise)
        if special and sp.simplify(sp.gammasimp(result.rewrite(sp.gamma))) == 0:
            return "simplify + gammasimp"
    if difference.has(*PIECEWISE_LIKE) and branches_zero(difference, domains):
        return "case by case"
    return None


def branches_zero(difference: Any, domains: dict[Any, Domain]) -> bool:
    """Prove a piecewise difference is 0 branch by branch, on the part of the domain each covers.

    Max, Min, Abs, sign and Heaviside are rewritten as Piecewise and folded into one
    Piecewise; each branch must simplify to 0 under its own condition, unless no point of
    the domain reaches it (a branch for z = 0 when z is declared nonzero). The branches
    must cover the domain: a gap is a place where the difference is not even defined.
    """
    folded = sp.piecewise_fold(difference.rewrite(sp.Piecewise))
    if not isinstance(folded, sp.Piecewise):
        return bool(sp.simplify(folded) == 0)
    earlier: Any = sp.false
    for expr, condition in folded.args:
        region = sp.And(condition, sp.Not(earlier))
        earlier = sp.Or(earlier, condition)
        if unreachable(region, domains):
            continue
        if expr.has(sp.nan) or sp.simplify(sp.refine(expr, region)) != 0:
            return False
    return earlier is sp.true or unreachable(sp.Not(earlier), domains)


def unreachable(region: Any, domains: dict[Any, Domain]) -> bool:
    """True when no point of the (one-variable) domain satisfies ``region``."""
    if region is sp.false:
        return True
    if region is sp.true:
        return False
    symbols = [s for s in region.free_symbols if s in domains]
    if len(symbols) != 1 or len(region.free_symbols) != 1:
        return False
    (symbol,) = symbols
    return _unreachable_in(region, symbol, domains[symbol])


@lru_cache(maxsize=4096)
def _unreachable_in(region: Any, symbol: Any, domain: Domain) -> bool:
    # Memoised: the same branch conditions (z > 0, y z < 1) recur in every claim of a page.
    try:
        points = condition_set(region, symbol)
    except (NotImplementedError, TypeError, ValueError):
        return False
    return bool(sp.Intersection(points, as_set(domain)) is sp.S.EmptySet)


def condition_set(condition: Any, symbol: Any) -> Any:
    """The real points where a condition in the one variable ``symbol`` holds.

    Polynomial relations (z > 0, 1 − z < 0, z² ≤ 2) are solved exactly from their real roots;
    SymPy's general ``as_set`` would also test them for periodicity, at many times the cost.
    Anything else is left to ``as_set``."""
    if isinstance(condition, sp.And):
        return sp.Intersection(*(condition_set(c, symbol) for c in condition.args))
    if isinstance(condition, sp.Or):
        return sp.Union(*(condition_set(c, symbol) for c in condition.args))
    if isinstance(condition, sp.Not):
        return sp.Complement(sp.S.Reals, condition_set(condition.args[0], symbol))
    if isinstance(condition, sp.Rel) and condition.rel_op in _RELATIONS:
        difference = condition.lhs - condition.rhs
        if difference.is_polynomial(symbol):
            poly = sp.Poly(difference, symbol)
            if poly.domain.is_ZZ or poly.domain.is_QQ:
                return sp.Union(*solve_poly_inequality(poly, condition.rel_op))
    return condition.as_set()


_RELATIONS = frozenset({"==", "!=", "<", "<=", ">", ">="})


def per_value_zero(difference: Any, domains: dict[Any, Domain]) -> str | None:
    """For finite-set symbols (y ∈ {0, 1}), prove the claim for each value in turn."""
    finite = sorted((v for v in domains if domains[v].finite), key=sp.default_sort_key)
    if not finite:
        return None
    combos = list(itertools.product(*(domains[v].values for v in finite)))
    if len(combos) > 64:
        return None
    for combo in combos:
        subs = {
            v: sp.Rational(c.numerator, c.denominator) for v, c in zip(finite, combo, strict=True)
        }
        if symbolic_zero(difference.xreplace(subs), domains) is None:
            return None
    names = ", ".join(f"{v} ∈ {domains[v].text}" for v in finite)
    return f"simplify for each {names}"


@lru_cache(maxsize=256)
def as_set(domain: Domain) -> Any:
    """A domain as a SymPy set."""
    if domain.values:
        return sp.FiniteSet(*(sp.Rational(v.numerator, v.denominator) for v in domain.values))
    low = -sp.oo if domain.low == float("-inf") else sp.nsimplify(domain.low)
    high = sp.oo if domain.high == float("inf") else sp.nsimplify(domain.high)
    interval: Any = sp.Interval(low, high, domain.low_open, domain.high_open)
    if domain.excluded:
        interval = sp.Complement(
            interval,
            sp.FiniteSet(*(sp.Rational(v.numerator, v.denominator) for v in domain.excluded)),
        )
    if domain.integer:
        return sp.Intersection(interval, sp.S.Integers)
    return interval
