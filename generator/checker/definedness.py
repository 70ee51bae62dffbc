"""Looking for a point of the domain where exactly one side of a claim is defined.

A symbolic zero is only a proof when no such point exists; the guards that say where each
side is defined are in :mod:`generator.checker.sides`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from math import prod
from typing import Any

import sympy as sp

from .kinks import breakpoints
from .normalforms import as_set, condition_set
from .numeric import Found, Outcome, compare_at, points
from .sides import Side, violated


@dataclass
class DomainCheck:
    """What the search for points where only one side is defined found."""

    found: Found | None = None
    unknown: bool = False
    """SymPy could not enumerate some candidates: no proof that none exists."""
    exceptions: list[str] = field(default_factory=list)
    """Where the claim is excluded with a message (a convention, a derivative at a kink),
    such as "a − y = 0"."""


def undefined_mismatch(
    left: Side, right: Side, domains: dict[Any, Any], digits: int, rng: Any
) -> DomainCheck:
    """A domain point where one side is defined and the other is not.

    None when no such point exists (as far as the candidates show: the zeros of every
    denominator, the boundary and the far side of every logarithm or root argument, the
    gaps of every piecewise value, and every value of a finite-set symbol); "unknown" when
    SymPy cannot enumerate the candidates.
    """
    variables = sorted(domains, key=sp.default_sort_key)
    result = DomainCheck()

    def test(point: dict[Any, Any], where: Any = None) -> Found | None:
        at = compare_at(left, right, point, digits, exact=False)
        if at.outcome is Outcome.EXCEPTION:
            text = f"{where} = 0" if where is not None else _point_text(point)
            if text not in result.exceptions:
                result.exceptions.append(text.replace("__", "_"))
        if at.outcome is Outcome.DIFFER and at.left.defined != at.right.defined:
            result.found = Found(point, at)
            return result.found
        return None

    if _nowhere_defined(left, right):
        # A term such as (k − 1)/(k − 1) at k = 1: any point of the domain shows it.
        for base in _take(points(variables, domains, rng), 4):
            if test(base):
                return result
    finite = [v for v in variables if domains[v].finite]
    for var in finite:  # a denominator such as y with y ∈ {0, 1}: try every value
        others = [v for v in variables if v != var]
        for value in domains[var].values:
            for base in _take(points(others, domains, rng), 4):
                if test({**base, var: sp.Rational(value.numerator, value.denominator)}):
                    return result
    for kind, target in _candidates(left, right):
        for fixed in _finite_cases(target, domains):
            outcome = _try_candidate(kind, target, fixed, variables, domains, rng, test)
            if outcome is _FOUND:
                return result
            result.unknown = result.unknown or outcome is _UNKNOWN
    return result


_FOUND, _UNKNOWN, _NONE = "found", "unknown", "none"
MAX_FINITE_CASES = 64


def _finite_cases(target: Any, domains: dict[Any, Any]) -> list[dict[Any, Any]]:
    """Every combination of values of the finite-set symbols in ``target`` (y ∈ {−1, 1} in
    y·z − 1): with each fixed, the candidate is solvable for the rest. One empty case when
    there are none, or too many to enumerate (then only the other symbols are solved for)."""
    finite = _symbols(target, domains, finite=True)
    values = [[sp.Rational(c.numerator, c.denominator) for c in domains[v].values] for v in finite]
    if not finite or prod(len(v) for v in values) > MAX_FINITE_CASES:
        return [{}]
    return [dict(zip(finite, combo, strict=True)) for combo in itertools.product(*values)]


def _symbols(target: Any, domains: dict[Any, Any], *, finite: bool) -> list[Any]:
    """The declared symbols of ``target`` whose domain is (or is not) a finite set, sorted."""
    found = (v for v in target.free_symbols if v in domains and domains[v].finite == finite)
    return sorted(found, key=sp.default_sort_key)


def _try_candidate(
    kind: str,
    target: Any,
    fixed: dict[Any, Any],
    variables: list[Any],
    domains: dict[Any, Any],
    rng: Any,
    test: Callable[..., Found | None],
) -> str:
    """Test the points where ``target`` (with ``fixed`` values) is zero, negative or fails."""
    target = target.xreplace(fixed)
    symbols = _symbols(target, domains, finite=False)
    if not symbols:
        return _test_constant(kind, target, fixed, variables, domains, rng, test)
    # Solve for whichever symbol SymPy can: |y − z| = δ is solved for z, not for δ.
    solved = ((var, _solutions(kind, target, var, as_set(domains[var]))) for var in symbols)
    var, solutions = next(((v, s) for v, s in solved if s is not None), (symbols[0], None))
    if solutions is None:
        return _UNKNOWN
    others = [v for v in variables if v != var and v not in fixed]
    for solution in solutions:
        for base in _take(points(others, domains, rng), 6):
            value = solution.xreplace(base)
            if not value.is_number or not value.is_real:
                continue
            if not domains[var].contains(float(value)):
                continue
            if test({**base, **fixed, var: value}, target):
                return _FOUND
    return _NONE


def _test_constant(
    kind: str,
    target: Any,
    fixed: dict[Any, Any],
    variables: list[Any],
    domains: dict[Any, Any],
    rng: Any,
    test: Callable[..., Found | None],
) -> str:
    """A candidate left without free symbols once the finite ones are fixed: when it holds
    (a zero, a negative value, a failed condition), every point with those values is one."""
    if not fixed:
        return _NONE  # only finite-set symbols: the loop over their values covers it
    if target.free_symbols:
        return _UNKNOWN
    holds = {"zero": sp.Eq(target, 0), "negative": sp.Lt(target, 0), "not": sp.Not(target)}
    condition = holds[kind]
    if condition is sp.false:
        return _NONE
    if condition is not sp.true:
        return _UNKNOWN
    others = [v for v in variables if v not in fixed]
    for base in _take(points(others, domains, rng), 6):
        if test({**base, **fixed}, target):
            return _FOUND
    return _NONE


def _nowhere_defined(left: Side, right: Side) -> bool:
    """One side carries a guard without symbols that fails: it is undefined everywhere."""
    shared = set(left.guards) & set(right.guards)
    return any(
        not guard.expr.free_symbols and violated(guard, {}, 30)
        for side in (left, right)
        for guard in side.guards
        if guard not in shared and guard.kind in ("nonzero", "positive", "nonnegative", "holds")
    )


def _point_text(point: dict[Any, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in sorted(point.items(), key=lambda kv: str(kv[0])))


def _take(iterator: Any, count: int) -> list[Any]:
    out = []
    for item in iterator:
        out.append(item)
        if len(out) >= count:
            break
    return out


def _candidates(left: Side, right: Side) -> list[tuple[str, Any]]:
    """(kind, expression) pairs whose solutions are the points to test: ``zero`` (a
    denominator or a boundary), ``negative`` (the far side of a root or logarithm
    argument), ``not`` (the gap of a piecewise value)."""
    found: dict[tuple[str, Any], None] = {}
    # A guard both sides carry (such as the domain of a symbol a given eliminated) makes
    # both undefined together: it cannot separate them, so its boundary is no candidate.
    shared = set(left.guards) & set(right.guards)
    for side in (left, right):
        for factor in singular_factors(side.expr):
            found[("zero", factor)] = None
        for guard in side.guards:
            if guard in shared:
                continue
            if guard.kind in ("smooth", "convention"):
                for point in breakpoints(guard.expr.args[0]):
                    for factor in _factors(point):
                        found[("zero", factor)] = None
                continue
            if guard.kind == "holds":
                found[("not", guard.expr)] = None
                # A condition in several symbols cannot be solved as a whole; the zeros of
                # its boundaries (w = 0 in "w > 0 or w = 0 and s > 0") are where it can fail.
                for relation in guard.expr.atoms(sp.Rel):
                    for factor in _factors(relation.lhs - relation.rhs):
                        found[("zero", factor)] = None
                continue
            for factor in _factors(guard.expr):
                found[("zero", factor)] = None
            if guard.kind in ("positive", "nonnegative"):
                found[("negative", guard.expr)] = None
    return sorted(found, key=lambda k: (k[0], sp.default_sort_key(k[1])))


@lru_cache(maxsize=4096)
def _solutions(kind: str, expr: Any, var: Any, domain_set: Any) -> tuple[Any, ...] | None:
    """A few points of ``domain_set`` where ``expr`` is zero, negative, or (for ``not``) where
    the condition fails; solved for ``var``. None when SymPy cannot say."""
    try:
        if kind == "zero":
            if _sign_known(expr):
                return ()
            return _some_points(sp.solveset(expr, var, domain=domain_set))
        if kind == "negative":
            if _sign_known(expr, nonnegative=True):
                return ()
            target: Any = sp.Lt(expr, 0)
        else:
            target = sp.Not(expr)
        if target is sp.false:
            return ()
        if target is sp.true:
            return _some_points(domain_set)
        if target.free_symbols != {var}:
            return None
        # Linear and quadratic relations from their real roots, the sets SymPy's as_set gives
        # (it would first test each for periodicity: most of this search's time), and a
        # relation on an expression of one sign everywhere decided by that sign.
        return _some_points(sp.Intersection(condition_set(target, var, degree=2), domain_set))
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        return None


def _sign_known(expr: Any, nonnegative: bool = False) -> bool:
    """True when SymPy can tell that ``expr`` is never zero (or, with ``nonnegative``,
    never negative), trying the expression as built and as one fraction."""
    for form in (expr, sp.together(expr)):
        if form.is_positive or (not nonnegative and form.is_negative):
            return True
        if nonnegative and form.is_nonnegative:
            return True
    return False


def _some_points(solved: Any, depth: int = 0) -> tuple[Any, ...] | None:
    if solved is sp.S.EmptySet:
        return ()
    if isinstance(solved, sp.FiniteSet):
        return tuple(sorted(solved, key=sp.default_sort_key))[:8]
    if isinstance(solved, sp.Interval):
        low, high = solved.start, solved.end
        if low.is_finite and high.is_finite:
            return ((low + high) / 2,)
        if low.is_finite:
            return (low + 1,)
        if high.is_finite:
            return (high - 1,)
        return (sp.Integer(0),)
    if isinstance(solved, sp.Union) and depth < 3:
        out: list[Any] = []
        for part in solved.args:
            more = _some_points(part, depth + 1)
            if more is None:
                return None
            out.extend(more)
        return tuple(out[:8])
    if isinstance(solved, sp.Complement) and depth < 3:
        inner = _some_points(solved.args[0], depth + 1)
        if inner is None:
            return None
        return tuple(p for p in inner if p not in solved.args[1])
    if isinstance(solved, sp.ImageSet) and solved.base_sets == (sp.S.Integers,):
        return tuple(solved.lamda(k) for k in (0, 1, -1))  # a few of infinitely many (π/2 + kπ)
    return None


@lru_cache(maxsize=4096)
def _factors(base: Any) -> tuple[Any, ...]:
    """The factors whose zeros are candidates; none when ``base`` is provably never zero.

    The sign test comes first: 1 + e^{81z} > 0 has no zeros, while its cyclotomic factors
    (e^{54z} − e^{27z} + 1, …) are beyond SymPy's sign rules and cost seconds in solveset.
    """
    if _sign_known(base):
        return ()
    try:
        return tuple(factor for factor, _ in sp.factor_list(base)[1])
    except (sp.PolynomialError, NotImplementedError):
        return (base,)


def singular_factors(expr: Any) -> list[Any]:
    """Factors whose zeros make ``expr`` (as built, after SymPy's simplification) undefined."""
    found: dict[Any, None] = {}
    for node in sp.preorder_traversal(expr):
        base = None
        if isinstance(node, sp.Pow) and node.exp.is_negative:
            base = node.base
        elif isinstance(node, sp.log):
            base = node.args[0]
        if base is not None and base.free_symbols:
            for factor in _factors(base):
                found[factor] = None
    return sorted(found, key=sp.default_sort_key)
