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
CHEAP = frozenset({"identical", "one fraction", "quotients of sin, cos, sinh, cosh", "cancel"})
REAL = Domain("real")


def _via_exponentials(d: Any) -> Any:
    """Trigonometric and hyperbolic functions as exponentials, then a rational normal form:
    much cheaper than simplify's trigsimp, and decisive for identities such as tanh' = 1 − tanh²."""
    if not d.has(*TRIG):
        return d
    return sp.cancel(sp.powsimp(sp.expand(d.rewrite(sp.exp))))


def logarithms_split(d: Any) -> Any:
    """Each logarithm's argument as one fraction, then split into the logarithms of its
    factors where SymPy knows them positive (ln(1 − σ(z)) = −z − ln(1 + e^{−z})); never
    forced, so ln(xy) stays whole unless x, y > 0 follow from the declared domains."""
    if not d.has(sp.log):
        return d
    whole = d.replace(lambda e: isinstance(e, sp.log), lambda e: sp.log(sp.together(e.args[0])))
    return sp.cancel(sp.expand(sp.expand_log(whole)))


def _numerator_expanded(d: Any) -> Any:
    """The difference as one fraction N/D, and N multiplied out. N = 0 makes the difference 0
    wherever it is defined, which is all that ``cancel`` shows when it reaches 0; ``cancel``
    also divides N and D by their gcd, the costly part. On the site and the benchmark corpus
    this decides most of what ``cancel`` decides, for less; where it does not (sign(z − y) +
    sign(y − z)), ``cancel`` still runs.

    Multiplying out can bring fractions back (a power's base with a fraction in it, as in the
    focal loss's (1 − σ(z))^γ): then the numerator is made one fraction again, a few times.
    Each numerator is 0 exactly when the one before it is, wherever both are defined."""
    numerator = d
    for _ in range(FRACTION_ROUNDS):
        numerator = sp.expand(sp.fraction(sp.together(numerator))[0])
        if numerator == 0 or not _has_fraction(numerator):
            break
    return numerator


FRACTION_ROUNDS = 3


def _has_fraction(expr: Any) -> bool:
    return any(p.exp.is_negative for p in expr.atoms(sp.Pow)) or any(
        e.args[0].could_extract_minus_sign() for e in expr.atoms(sp.exp)
    )


QUOTIENTS: dict[Any, Callable[[Any], Any]] = {
    sp.tan: lambda u: sp.sin(u) / sp.cos(u),
    sp.cot: lambda u: sp.cos(u) / sp.sin(u),
    sp.sec: lambda u: 1 / sp.cos(u),
    sp.csc: lambda u: 1 / sp.sin(u),
    sp.tanh: lambda u: sp.sinh(u) / sp.cosh(u),
    sp.coth: lambda u: sp.cosh(u) / sp.sinh(u),
    sp.sech: lambda u: 1 / sp.cosh(u),
    sp.csch: lambda u: 1 / sp.sinh(u),
}


def _quotients(d: Any) -> Any:
    """tan, tanh, sec, … written as quotients of sin, cos, sinh, cosh (the same where each is
    defined), then as one fraction: 12 sinh(u)/cosh(u) = 12 tanh(u) at a fraction of the cost
    of the exponential form, whose polynomials in e^{a}, e^{y} grow with the 92 of u = 92(a − y).
    Identities that need cosh² − sinh² = 1 still go on to the exponential form."""
    calls = [c for c in d.atoms(sp.Function) if c.func in QUOTIENTS]
    if not calls:
        return d
    return _numerator_expanded(d.xreplace({c: QUOTIENTS[c.func](c.args[0]) for c in calls}))


NORMAL_FORMS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("identical", lambda d: d),
    ("one fraction", _numerator_expanded),
    ("quotients of sin, cos, sinh, cosh", _quotients),
    ("cancel", sp.cancel),
    ("expand(together)", lambda d: sp.expand(sp.together(d))),
    ("exponential form", _via_exponentials),
    ("simplify", sp.simplify),
    # After simplify, which decides most claims with logarithms in less time; on a branch
    # of a piecewise difference (below), where simplify is what fails, before it.
    ("logarithms split", logarithms_split),
)
BRANCH_FORMS = (sp.cancel, _via_exponentials, logarithms_split, sp.simplify)
"""For one branch of a piecewise difference: the forms that decide branches, cheapest first."""


def symbolic_zero(
    difference: Any,
    domains: dict[Any, Domain],
    cheap_only: bool = False,
    cheap_tried: bool = False,
) -> str | None:
    """The name of the first normal form that reduces ``difference`` to 0, or None.
    ``cheap_tried``: the cheap forms already failed on this very difference (they are not
    tried again)."""
    if difference.has(sp.Sum, sp.Integral, sp.Derivative):
        if cheap_only:
            return None
        difference = difference.doit()
        cheap_tried = False  # a different expression now
        if difference.has(sp.Sum, sp.Integral):
            return None
    piecewise = difference.has(*PIECEWISE_LIKE)
    for name, normal_form in NORMAL_FORMS:
        if cheap_only and name not in CHEAP:
            return None
        if cheap_tried and name in CHEAP:
            continue
        if name == "simplify" and piecewise and branches_zero(difference, domains):
            # Before simplify: each branch is cheap, simplify on a whole Piecewise is not.
            return "case by case"
        result = normal_form(difference)
        if result == 0:
            return name
        special = name == "simplify" and result.has(sp.gamma, sp.factorial, sp.Piecewise)
        if special and sp.simplify(sp.gammasimp(result.rewrite(sp.gamma))) == 0:
            return "simplify + gammasimp"
    return None


def branches_zero(difference: Any, domains: dict[Any, Domain], may_change: bool = True) -> bool:
    """Prove a piecewise difference is 0 branch by branch, on the part of the domain each covers.

    Max, Min, Abs, sign and Heaviside are rewritten as Piecewise and folded into one
    Piecewise; each branch must simplify to 0 under its own condition, unless no point of
    the domain reaches it (a branch for z = 0 when z is declared nonzero). The branches
    must cover the domain: a gap is a place where the difference is not even defined.
    """
    folded = _signs_divided_out(sp.piecewise_fold(difference.rewrite(sp.Piecewise)), domains)
    if not isinstance(folded, sp.Piecewise):  # no condition, or conditions that settle
        return bool(sp.simplify(folded) == 0)
    change = _one_direction(folded, domains) if may_change else None
    if change is not None:
        # Conditions in a − y alone: with u = a − y they are conditions on one variable.
        mapping, u = change
        moved = folded.xreplace(mapping).replace(
            lambda e: isinstance(e, sp.Rel), lambda r: r.func(sp.expand(r.lhs - r.rhs), 0)
        )
        return branches_zero(moved, {**domains, u: REAL}, may_change=False)
    earlier: Any = sp.false
    for expr, condition in folded.args:
        region = sp.And(condition, sp.Not(earlier))
        earlier = sp.Or(earlier, condition)
        reached = _reached(region, domains)
        if reached is not None and reached[1] is sp.S.EmptySet:
            continue
        if expr.has(sp.nan) or not _branch_zero(expr, region, reached):
            return False
    return earlier is sp.true or unreachable(sp.Not(earlier), domains)


def _signs_divided_out(folded: Any, domains: dict[Any, Domain]) -> Any:
    """Conditions that compare c·v with 0, where the factor c keeps one sign on its declared
    domain, as conditions on v alone: z ≥ αz is (1 − α) z ≥ 0, and for α in (0, 1) that is
    z ≥ 0 (with c < 0 the inequality turns round). Max(αz, z) then splits at z = 0."""
    if not isinstance(folded, sp.Piecewise):
        return folded
    mapping = {}
    for relation in folded.atoms(sp.Rel):
        if relation.rel_op not in _RELATIONS:
            continue
        difference = sp.expand(relation.lhs - relation.rhs)
        for v in sorted(difference.free_symbols, key=sp.default_sort_key):
            factor = sp.cancel(difference / v)
            if factor.has(v):
                continue  # not c·v: asking for the sign of (1 + z)/z would cost a set solve
            sign = _one_sign(factor, domains)
            if sign:
                mapping[relation] = relation.func(sign * v, 0)
                break
    return folded.xreplace(mapping) if mapping else folded


def _one_sign(factor: Any, domains: dict[Any, Domain]) -> int:
    """1 or −1 when ``factor``, an expression in one declared variable, is positive or
    negative on all of that variable's domain; 0 when that is not shown."""
    if len(factor.free_symbols) != 1 or not set(factor.free_symbols) <= set(domains):
        return 0
    if unreachable(sp.Le(factor, 0), domains):
        return 1
    if unreachable(sp.Ge(factor, 0), domains):
        return -1
    return 0


def _one_direction(folded: Any, domains: dict[Any, Domain]) -> tuple[dict[Any, Any], Any] | None:
    """A change of variables v = (u − rest)/c that turns every condition of ``folded`` into
    a condition on the one new variable u, when all of them are linear in the same
    combination c·v + rest (a > y, a < y: u = a − y). Only for a variable v that ranges over
    all reals, so that u does too, whatever the other variables are: the change is then a
    bijection of the domain, and a proof for every (u, rest) is one for every (v, rest)."""
    relations = folded.atoms(sp.Rel)
    if not relations or all(len(r.free_symbols) <= 1 for r in relations):
        return None
    direction = None
    for relation in relations:
        linear = _homogeneous_linear(relation.lhs - relation.rhs, domains)
        if linear is None:
            return None
        if direction is None:
            direction = linear
        elif sp.expand(linear - direction) != 0 and sp.expand(linear + direction) != 0:
            return None
    assert direction is not None
    for v in sorted(direction.free_symbols, key=sp.default_sort_key):
        if _all_reals(domains[v]):
            coefficient = direction.coeff(v)
            u = sp.Dummy("u", real=True)
            return {v: (u - (direction - coefficient * v)) / coefficient}, u
    return None


def _all_reals(domain: Domain) -> bool:
    return (
        domain.low == float("-inf")
        and domain.high == float("inf")
        and not (domain.integer or domain.values or domain.excluded or domain.index)
    )


def _homogeneous_linear(expr: Any, domains: dict[Any, Domain]) -> Any:
    """The linear part of ``expr`` scaled to a leading coefficient 1, or None unless ``expr``
    is linear with rational coefficients in symbols of ``domains``."""
    symbols = sorted(expr.free_symbols, key=sp.default_sort_key)
    if not symbols or any(s not in domains for s in symbols):
        return None
    try:
        poly = sp.Poly(expr, *symbols)
    except sp.PolynomialError:
        return None
    if poly.total_degree() != 1 or not (poly.domain.is_ZZ or poly.domain.is_QQ):
        return None
    linear = sp.expand(expr - poly.coeff_monomial(1))
    return sp.expand(linear / linear.coeff(symbols[0]))


def _branch_zero(expr: Any, region: Any, reached: tuple[Any, Any] | None) -> bool:
    """``expr`` is 0 wherever ``region`` holds: at each of finitely many points (z = 0 between
    z ≥ 0 and z ≤ 0, which refine cannot substitute), or by the normal forms."""
    if reached is not None and isinstance(reached[1], sp.FiniteSet):
        symbol, points = reached
        return all(_branch_zero(expr.xreplace({symbol: p}), sp.true, None) for p in points)
    refined = sp.refine(expr, region)
    return any(form(refined) == 0 for form in BRANCH_FORMS)


def unreachable(region: Any, domains: dict[Any, Domain]) -> bool:
    """True when no point of the (one-variable) domain satisfies ``region``."""
    reached = _reached(region, domains)
    return reached is not None and reached[1] is sp.S.EmptySet


def _reached(region: Any, domains: dict[Any, Domain]) -> tuple[Any, Any] | None:
    """(symbol, the points of its domain where ``region`` holds) for a condition in one
    variable; None when that is not known."""
    if region is sp.false:
        return None, sp.S.EmptySet
    if region is sp.true:
        return None
    symbols = [s for s in region.free_symbols if s in domains]
    if len(symbols) != 1 or len(region.free_symbols) != 1:
        return None
    (symbol,) = symbols
    points = _points_in(region, symbol, domains[symbol])
    return None if points is None else (symbol, points)


@lru_cache(maxsize=4096)
def _points_in(region: Any, symbol: Any, domain: Domain) -> Any:
    # Memoised: the same branch conditions (z > 0, y z < 1) recur in every claim of a page.
    try:
        return sp.Intersection(condition_set(region, symbol), as_set(domain))
    except (NotImplementedError, TypeError, ValueError):
        return None


def condition_set(condition: Any, symbol: Any, degree: int | None = None) -> Any:
    """The real points where a condition in the one variable ``symbol`` holds.

    Polynomial relations (z > 0, 1 − z < 0, z² ≤ 2; of at most ``degree``, if given) are
    solved exactly from their real roots; SymPy's general ``as_set`` would also test them for
    periodicity, at many times the cost. Up to degree 2 the sets are the ones ``as_set``
    gives; beyond, they hold roots ``as_set`` leaves unsolved. A relation whose two sides
    differ by an expression defined and provably of one sign for every real value of a plain
    real symbol (1 − σ(z) > 0) holds everywhere or nowhere. Anything else is left to
    ``as_set``."""
    if isinstance(condition, sp.And):
        return sp.Intersection(*(condition_set(c, symbol, degree) for c in condition.args))
    if isinstance(condition, sp.Or):
        return sp.Union(*(condition_set(c, symbol, degree) for c in condition.args))
    if isinstance(condition, sp.Not):
        return sp.Complement(sp.S.Reals, condition_set(condition.args[0], symbol, degree))
    if isinstance(condition, sp.Rel) and condition.rel_op in _RELATIONS:
        difference = condition.lhs - condition.rhs
        if difference.is_polynomial(symbol):
            poly = sp.Poly(difference, symbol)
            within = degree is None or poly.degree() <= degree
            if within and (poly.domain.is_ZZ or poly.domain.is_QQ):
                return sp.Union(*solve_poly_inequality(poly, condition.rel_op))
        sign = _sign_on_the_reals(difference, symbol)
        if sign is not None:  # 1 − σ(z) > 0: every real z, or none
            holds = condition.rel_op in ((">", ">=", "!=") if sign > 0 else ("<", "<=", "!="))
            return sp.S.Reals if holds else sp.S.EmptySet
    return condition.as_set()


def _sign_on_the_reals(difference: Any, symbol: Any) -> int | None:
    """1 or −1 when ``difference`` is defined and provably positive or negative for every real
    value of ``symbol`` (a symbol SymPy knows only to be real), as built or as one fraction.
    SymPy's sign says nothing of where an expression is undefined: cosh(1/z) is "positive",
    and undefined at z = 0."""
    if symbol.assumptions0 != _PLAIN_REAL or not _defined_on_the_reals(difference):
        return None
    for form in (difference, sp.together(difference)):
        if form.is_positive:
            return 1
        if form.is_negative:
            return -1
    return None


_RELATIONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
_PLAIN_REAL = sp.Dummy(real=True).assumptions0
EVERYWHERE_DEFINED = (sp.exp, sp.sin, sp.cos, sp.sinh, sp.cosh, sp.tanh, sp.atan, sp.Abs)
"""Functions defined for every real argument."""


def _defined_on_the_reals(expr: Any) -> bool:
    """Whether ``expr`` is defined for every real value of its real symbols: sums, products,
    the functions above, and powers with a nonnegative integer exponent or a provably
    positive base (so no denominator that may vanish, no logarithm, no root of a negative)."""
    if expr.is_Atom:
        return bool(expr.is_finite)
    if not all(_defined_on_the_reals(arg) for arg in expr.args):
        return False
    if isinstance(expr, (sp.Add, sp.Mul, *EVERYWHERE_DEFINED)):
        return True
    if isinstance(expr, sp.Pow):
        base, exponent = expr.args
        return bool((exponent.is_integer and exponent.is_nonnegative) or base.is_positive)
    return False


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
