"""One side of a claim and where it is defined (as a real number): its *guards*.

SymPy simplifies while it builds (``x/x`` is 1 at once), so the points where a side of
a claim is undefined cannot be read off the expression the checker compares. They are
read off the *shadow* build instead (:meth:`Translator.shadow`), which keeps every
denominator, logarithm, root, tangent and piecewise gap of the source:

* ``nonzero``: a denominator (a negative power), or cos of a tangent's argument;
* ``positive``: the argument of a logarithm;
* ``nonnegative``: the base of a square root or another non-integer power;
* ``holds``: the conditions of a ``cases`` block without an otherwise-branch;
* ``smooth`` and ``convention``: a derivative at a kink, a value that rests on sign(0) or
  Heaviside(0) (see :mod:`generator.checker.kinks`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.core.evalf import PrecisionExhausted
from sympy.functions.elementary.hyperbolic import HyperbolicFunction
from sympy.functions.elementary.trigonometric import TrigonometricFunction

KINKED = (sp.Piecewise, sp.Heaviside, sp.sign, sp.Max, sp.Min, sp.Abs)
"""Functions whose derivative may not exist at some points."""

DIFFERENTIATED = sp.Function("differentiated")
"""Marks ∂body/∂variable in the shadow build (an inert call: its variable may later be
replaced by a definition's body, which SymPy's own Derivative would refuse)."""

MAX_DIGITS = 250
"""Beyond this many digits a point is too ill-conditioned to tell anything."""

ZERO = sp.Float("1e-30")


@dataclass(frozen=True, slots=True)
class Guard:
    kind: str
    """nonzero, positive, nonnegative or holds"""
    expr: Any


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a claim: the expression compared, and where it is defined."""

    expr: Any
    guards: tuple[Guard, ...] = ()
    derivative_of: tuple[Any, Any, int] | None = None
    """(body, variable, order) when the side is a derivative ∂ⁿbody/∂variableⁿ: where the
    differentiated formula is undefined (n·xⁿ⁻¹ at n = 0, x = 0), the derivative is taken
    again with the point's other values already in the body (d/dx x⁰ = 0)."""

    def map(self, function: Any) -> Side:
        """The same side with ``function`` applied to the expression and to every guard."""
        derivative = None
        if self.derivative_of is not None:
            body, variable, order = self.derivative_of
            mapped = function(variable)
            if isinstance(mapped, (sp.Symbol, sp.Indexed)):
                derivative = (function(body), mapped, order)
        return Side(
            function(self.expr),
            tuple(Guard(g.kind, function(g.expr)) for g in self.guards),
            derivative,
        )

    def with_guards(self, guards: tuple[Guard, ...]) -> Side:
        return Side(self.expr, guards, self.derivative_of)


@functools.lru_cache(maxsize=128)
def guards_of(shadow: Any, *, bound: bool = False) -> tuple[Guard, ...]:
    """The guards read off ``shadow`` (memoised: a check reads its sides' guards more than
    once, and the shadows of one page's checks share their sums). A guard on a bound variable (1/k inside a sum over k)
    is no condition on the claim's own symbols, so it is left out unless ``bound``: a proof
    for every size must show such guards hold for every value of the bound variable."""
    found: dict[tuple[str, Any], Guard] = {}

    def free(expr: Any) -> bool:
        # Free of a bound variable: Σₖ yₖ (where k is bound inside) is a condition on y.
        return bound or not any(isinstance(s, sp.Dummy) for s in expr.free_symbols)

    def add(kind: str, expr: Any) -> None:
        if expr.free_symbols and free(expr):
            found.setdefault((kind, expr), Guard(kind, expr))

    for node in _distinct_subexpressions(shadow):
        if not node.args:
            continue  # a symbol or a number: nothing here is undefined anywhere
        if isinstance(node, sp.Pow) and node.exp.is_Number:
            if node.exp.is_negative:
                add("nonzero", node.base)
            if not node.exp.is_integer:
                add("nonnegative", node.base)
        elif isinstance(node, sp.Pow) and (node.base.free_symbols or node.exp.free_symbols):
            condition = _power_defined(node.base, node.exp)
            if condition is not None and free(condition):
                found.setdefault(("holds", condition), Guard("holds", condition))
        elif node.func == DIFFERENTIATED and node.args[0].has(*KINKED):
            # Differentiated piecewise: defined only where the one-sided slopes agree.
            function, variable = node.args[0].doit(), node.args[1]
            held = isinstance(variable, (sp.Symbol, sp.Indexed))  # not a definition's body
            if held and function.has(variable) and free(function):
                smooth = Guard("smooth", sp.Tuple(function, variable))
                found.setdefault(("smooth", smooth.expr), smooth)
        elif isinstance(node, sp.Sum):
            for guard in every_term(node):
                found.setdefault((guard.kind, guard.expr), guard)
        elif isinstance(node, sp.log):
            add("positive", node.args[0])
        elif isinstance(node, sp.factorial):
            add("nonnegative", node.args[0])  # (−1)! is undefined
        elif isinstance(node, sp.tan):
            add("nonzero", sp.cos(node.args[0]))
        elif _has_gap(node) and free(node):
            found.setdefault(("holds", node), Guard("holds", sp.Or(*(c for _, c in node.args))))
    return tuple(sorted(found.values(), key=lambda g: (g.kind, sp.default_sort_key(g.expr))))


def _distinct_subexpressions(expr: Any) -> Iterator[Any]:
    """Every subexpression once, in the order of a preorder walk: a walk meets a shared
    subexpression (a definition substituted in several places) once per place, and its guards
    are the same each time."""
    seen: set[Any] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        yield node
        stack.extend(reversed(node.args))


MAX_TERMS_SPELLED_OUT = 64
"""A sum with at most this many terms has each term's guards spelled out, k = 1, 2, …"""


def every_term(total: Any) -> list[Guard]:
    """The guards of a sum's terms that mention its variable k, as conditions on the claim:
    Σ_{k=1}^{3} (x − k)/(x − k) needs x ≠ 1, 2, 3; Σ_{k=1}^{n} (k − 1)/(k − 1) needs
    n < 1, since its first term is 0/0 for every n ≥ 1. Guards this cannot restate are left
    out here (a proof for every size still sees them, through ``bound``)."""
    (variable, low, high) = total.limits[-1]
    body = sp.Sum(total.function, *total.limits[:-1]) if len(total.limits) > 1 else total.function
    count = (high - low + 1).doit()  # the shadow's limits are built unevaluated
    out: list[Guard] = []
    for guard in guards_of(body, bound=True):
        if not guard.expr.has(variable) or guard.kind not in ("nonzero", "positive", "nonnegative"):
            continue
        if count.is_Integer and 0 < count <= MAX_TERMS_SPELLED_OUT:
            out.extend(
                Guard(guard.kind, guard.expr.xreplace({variable: low + t}))
                for t in range(int(count))
            )
        elif guard.kind == "nonzero" and guard.expr.free_symbols == {variable}:
            out.extend(_vanishing_terms(guard.expr, variable, low, high))
    # A guard with no symbols left is a term undefined for every value: the sum is nowhere
    # defined, which the domain check reports (it must not be dropped as "no condition").
    return [g for g in out if not g.expr.has(variable)]


def _vanishing_terms(expr: Any, variable: Any, low: Any, high: Any) -> list[Guard]:
    """A term that is 0/0 at k = r makes the sum undefined wherever r lies in its range."""
    try:
        roots = sp.solveset(expr, variable, domain=sp.S.Integers)
    except (NotImplementedError, ValueError, TypeError):
        return []
    if not isinstance(roots, sp.FiniteSet):
        return []
    return [Guard("holds", sp.Or(sp.Lt(root, low), sp.Gt(root, high))) for root in roots]


def _power_defined(base: Any, exponent: Any) -> Any:
    """Where ``base**exponent`` with a symbolic exponent is a real number: wⁿ needs w ≠ 0
    unless n ≥ 0 (n an integer); wˢ needs w > 0, or w = 0 with s ≥ 0 (0⁰ = 1, as in SymPy),
    or w < 0 with s whole (SymPy's (−8)^{1/3} is complex). None: defined everywhere."""
    # The shadow is built unevaluated, where n − 1 does not know it is nonnegative.
    base, exponent = base.doit(), exponent.doit()
    if exponent.is_integer:
        if exponent.is_nonnegative:
            return None
        return sp.Or(sp.Ne(base, 0), exponent >= 0)
    if base.is_positive:
        return None
    whole = sp.Eq(sp.floor(exponent), exponent)  # (-2)^s is real only for whole s here
    return sp.Or(base > 0, sp.And(sp.Eq(base, 0), exponent >= 0), sp.And(base < 0, whole))


def _has_gap(node: Any) -> bool:
    """A piecewise value without an otherwise-branch (over the claim's own variables)."""
    return isinstance(node, sp.Piecewise) and not any(c is sp.true for _, c in node.args)


HELD_BITS = 2**16
"""A numeric power with a non-integer exponent whose exact form may hold integers of more
bits than this is left for ``evalf`` to compute, not built exactly (see :func:`at_point`)."""


def at_point(expr: Any, point: Mapping[Any, Any]) -> Any:
    """``expr`` with the point's exact values put in, built by SymPy as usual (so 1/0 is still
    zoo and x − x still 0), with one exception: a power of a rational number to a non-integer
    rational exponent whose exact form may be huge. SymPy builds bᵉ exactly from b's prime
    factors: their whole powers (b^{7306} for e = 7306.78…) and their remainders modulo e's
    denominator (up to 10¹⁵ for a random e), so one point of (1 − p)^γ cost seconds. Such a
    power is left unevaluated instead, and ``evalf`` computes it to the digits asked for,
    with its own error bounds. It is a positive (or, for a negative base, nonzero complex)
    finite number either way, so no value the exact build would have seen as undefined
    is hidden: it stands in as a symbol with those properties while the rest is built."""
    held: dict[Any, Any] = {}
    built = _put(expr, point, held, {})
    if not held:
        return built
    if not _numeric_only(built, frozenset(held.values())):
        # A condition, a kink or a sum of such a power (x^γ < 1, |x^γ − 1|) is decided
        # by the exact value, as before: evalf cannot decide a case split.
        return expr.xreplace(dict(point))
    with sp.evaluate(False):
        # Unevaluated, or the enclosing products would combine the powers exactly again.
        return built.xreplace({symbol: power for power, symbol in held.items()})


def _put(node: Any, point: Mapping[Any, Any], held: dict[Any, Any], memo: dict[int, Any]) -> Any:
    if node in point:
        return point[node]
    if not node.args:
        return node
    # Keyed by identity: SymPy shares equal subtrees, and equal-but-distinct objects (a
    # Float at two precisions) must not stand in for each other.
    if id(node) in memo:
        return memo[id(node)]
    args = tuple(_put(arg, point, held, memo) for arg in node.args)
    if isinstance(node, sp.Pow) and _costly_power(*args):
        power = sp.Pow(*args, evaluate=False)
        if power not in held:
            positive = args[0].is_positive
            held[power] = sp.Dummy(positive=True) if positive else sp.Dummy(zero=False, finite=True)
        built = held[power]
    else:
        built = node if args == node.args else node.func(*args)
    memo[id(node)] = built
    return built


NUMERIC = (sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, TrigonometricFunction, HyperbolicFunction)
"""What ``evalf`` computes to guaranteed digits around a power left unevaluated."""


def _numeric_only(built: Any, symbols: frozenset[Any]) -> bool:
    return all(
        isinstance(node, NUMERIC) or node in symbols or not (node.free_symbols & symbols)
        for node in sp.preorder_traversal(built)
    )


def _costly_power(base: Any, exponent: Any) -> bool:
    if not (base.is_Rational and exponent.is_Rational) or exponent.is_Integer:
        return False
    if base in (0, 1, -1):
        return False
    bits = max(abs(base.p).bit_length(), base.q.bit_length())
    # Nice points (γ = 3/2) stay exact, so √4 is still 2 and a difference still exactly 0.
    return bool(bits * (abs(exponent) + exponent.q) > HELD_BITS)


def violated(guard: Guard, point: Mapping[Any, Any], digits: int) -> bool | None:
    """Whether ``guard`` fails at ``point`` (None when that cannot be told reliably)."""
    try:
        value = at_point(guard.expr, point)
        if guard.kind == "holds":
            if value in (sp.true, sp.false):
                return value is sp.false
            return None
        if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            return True
        number = value.evalf(digits, maxn=MAX_DIGITS, strict=True)
    except PrecisionExhausted:
        if guard.kind == "nonzero":
            return True  # indistinguishable from zero at MAX_DIGITS digits: a zero denominator
        return None
    except (ZeroDivisionError, ValueError, TypeError, ArithmeticError):
        return True
    if not number.is_number:
        return None
    real, imaginary = number.as_real_imag()
    if abs(imaginary) > ZERO:
        return True
    # Strict evaluation guarantees the digits, so the sign is exact: e^{-300} is positive.
    if guard.kind == "nonzero":
        return bool(real == 0)
    if guard.kind == "positive":
        return bool(real <= 0)
    return bool(real < 0)  # nonnegative
