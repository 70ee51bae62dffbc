"""A defined symbol's declared domain must hold for its definition (#18: trusted, not verified).

``a = σ(z)`` declared in (0, 1) is used as an assumption whenever a claim holds ``a`` fixed
(∂L/∂a), so the declaration is a claim too: the definition's values, over the other
symbols' domains, must lie in it. Proven symbolically, or refuted at a point; a scalar
definition that can be neither is rejected. A vector definition (softmax aᵢ) is proven for
every size N as algebra on its sums; failing that, it is checked for each size N = 1…6 and
every index, and says so.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import Any

import sympy as sp
from sympy.core.evalf import PrecisionExhausted

from ..core import verdicts as V
from ..core.domains import Domain
from ..core.jobs import RangeJob
from ..core.verdicts import Verdict
from .context import Context
from .corners import holds_at_corners
from .deadline import CheckTimeout, Deadline
from .everysize import Reducer
from .numeric import evaluate, format_number, points
from .opaquesums import NotReducible
from .sides import MAX_DIGITS, Side
from .vectors import concrete

RANGE_SIZES = (1, 2, 3, 4, 5, 6)
TRIES = 200
SIZE_TRIES = 24


def check_range(context: Context, job: RangeJob, deadline: Deadline, rng: random.Random) -> Verdict:
    domain = context.domains.get(job.name)
    if domain is None or _unrestricted(domain):
        return Verdict(V.PROVEN, "range", "the declared domain is all real numbers")
    tr = context.translator
    definition = tr.definitions[job.name]
    if definition.indices:
        return _per_size(context, job, domain, deadline, rng)
    body = tr.expand(tr.definition_body(job.name))
    return _decide(body, domain, _variables(context, body), deadline, rng, {})


def _unrestricted(domain: Domain) -> bool:
    return (
        not domain.values
        and not domain.integer
        and not domain.excluded
        and domain.low == float("-inf")
        and domain.high == float("inf")
    )


def _variables(context: Context, body: Any) -> dict[Any, Domain]:
    return {
        s: context.domains.get(s.name.split("__")[0]) or _REAL
        for s in body.free_symbols
        if isinstance(s, sp.Symbol) and not isinstance(s, sp.Dummy)
    }


def _decide(
    body: Any,
    domain: Domain,
    variables: dict[Any, Domain],
    deadline: Deadline,
    rng: random.Random,
    extra: dict[str, str],
) -> Verdict:
    # A proof first: when it succeeds no point can lie outside, and it costs far less than
    # the few hundred points a search for one evaluates.
    if _proven_inside(body, domain, deadline, variables.get):
        return Verdict(V.PROVEN, "range", f"the definition stays in {domain.text}")
    outside = _point_outside(body, domain, variables, deadline, rng)
    if outside is not None:
        return _outside_verdict(outside, domain, extra)
    return Verdict(
        V.REJECTED,
        "range",
        f"could not prove that the definition stays in the declared domain {domain.text}; "
        "declare the domain the definition guarantees (for example real), or a narrower one "
        "that SymPy can prove",
    )


def _outside_verdict(
    outside: tuple[dict[Any, Any], str], domain: Domain, extra: dict[str, str]
) -> Verdict:
    point, value = outside
    shown = {**extra, **{str(k).replace("__", "_"): format_number(v) for k, v in point.items()}}
    where = ", ".join(f"{k} = {v}" for k, v in shown.items()) or "every point"
    return Verdict(
        V.FALSE,
        "range",
        f"the definition takes the value {value} at {where}, outside the declared "
        f"domain {domain.text}",
        V.Counterexample(shown, value, f"in {domain.text}"),
    )


DomainOf = Callable[[Any], Domain | None]


def _proven_inside(body: Any, domain: Domain, deadline: Deadline, domain_of: DomainOf) -> bool:
    try:
        with deadline.phase(0.8):
            return all(_holds(condition, domain_of) for condition in _conditions(body, domain))
    except CheckTimeout:
        return False


def _conditions(body: Any, domain: Domain) -> list[Any]:
    """Expressions that must be positive ('>') or nonnegative ('>=') for body ∈ domain."""
    if domain.values:
        return [None]  # membership in a finite set is not attempted symbolically
    out = []
    if domain.low != float("-inf"):
        out.append((body - sp.nsimplify(domain.low), ">" if domain.low_open else ">="))
    if domain.high != float("inf"):
        out.append((sp.nsimplify(domain.high) - body, ">" if domain.high_open else ">="))
    if domain.integer:
        out.append((body, "integer"))
    for point in domain.excluded:
        out.append((body - sp.Rational(point.numerator, point.denominator), "!="))
    return out


def _holds(condition: Any, domain_of: DomainOf) -> bool:
    if condition is None:
        return False
    expr, kind = condition
    forms: tuple[Callable[[Any], Any], ...] = (
        lambda e: e,
        sp.together,
        sp.cancel,
        lambda e: sp.together(e.rewrite(sp.exp)),  # 1 − tanh z = 2/(e^{2z} + 1)
        sp.simplify,
    )
    if kind in (">", ">=") and (
        _bounded_holds(expr, kind) or holds_at_corners(expr, kind, domain_of)
    ):
        return True
    for make in forms:
        form = make(expr)
        known = {
            ">": form.is_positive,
            ">=": form.is_nonnegative,
            "integer": form.is_integer,
            "!=": form.is_nonzero,
        }[kind]
        if known:
            return True
    return False


BOUNDED = {sp.sin: (-1, 1), sp.cos: (-1, 1), sp.tanh: (-1, 1)}
"""Functions of a real argument with known bounds: sin(2z) + 1 ≥ 0 needs no more than that."""


def _bounded_holds(expr: Any, kind: str) -> bool:
    """``expr`` > 0 (or ≥ 0) follows from the bounds of sin, cos and tanh alone: each call is
    replaced by the interval it lies in, and the interval arithmetic must settle the sign."""
    calls = [c for c in expr.atoms(sp.Function) if type(c) in BOUNDED and c.args[0].is_real]
    if not calls:
        return False
    bounded = expr.xreplace({c: sp.AccumBounds(*BOUNDED[type(c)]) for c in calls})
    if bounded.free_symbols or not isinstance(bounded, sp.AccumBounds | sp.Number):
        return False
    low = bounded.min if isinstance(bounded, sp.AccumBounds) else bounded
    return bool(low > 0) if kind == ">" else bool(low >= 0)


def _point_outside(
    body: Any,
    domain: Domain,
    variables: dict[Any, Domain],
    deadline: Deadline,
    rng: random.Random,
    tries: int = TRIES,
) -> tuple[dict[Any, Any], str] | None:
    names = sorted(variables, key=sp.default_sort_key)
    conditions = _conditions(body, domain)
    try:
        with deadline.phase(0.5):
            for point in itertools.islice(points(names, variables, rng), tries):
                value = evaluate(body, point, 30)
                if not value.defined or not value.reliable:
                    continue
                if _violated(conditions, body, domain, point) is True:
                    return point, value.show()
                if not names:
                    break
    except CheckTimeout:
        return None
    return None


def _violated(
    conditions: list[Any], body: Any, domain: Domain, point: dict[Any, Any]
) -> bool | None:
    """Whether the definition's value at ``point`` lies outside the domain, decided on the
    exact side of each end: σ(1000) = 1 − 10⁻⁴³⁴ is inside (0, 1). None: cannot tell."""
    if domain.values:
        value = body.xreplace(point)
        return not any(
            sp.simplify(value - sp.Rational(v.numerator, v.denominator)) == 0 for v in domain.values
        )
    for condition in conditions:
        expr, kind = condition
        try:
            at = expr.xreplace(point)
            if kind == "integer":
                number = at.evalf(30, strict=True, maxn=MAX_DIGITS)
                if abs(number - round(number)) > 1e-20:
                    return True
                continue
            if at == 0:
                if kind in (">", "!="):
                    return True
                continue
            sign = at.evalf(15, strict=True, maxn=MAX_DIGITS)
        except PrecisionExhausted:
            return None  # too close to an end to tell at MAX_DIGITS digits
        except (ZeroDivisionError, ValueError, TypeError, ArithmeticError):
            return None
        if not sign.is_number or sign == 0:
            return None  # a numeric 0 that is not an exact 0 says nothing about the side
        if (
            (kind == ">" and sign <= 0)
            or (kind == ">=" and sign < 0)
            or (kind == "!=" and sign == 0)
        ):
            return True
    return False


def _per_size(
    context: Context, job: RangeJob, domain: Domain, deadline: Deadline, rng: random.Random
) -> Verdict:
    tr = context.translator
    definition = tr.definitions[job.name]
    size = tr.symbol(context.size) if context.size is not None else None
    indices = [tr.symbol(i) for i in definition.indices]
    body = tr.expand(tr.definition_body(job.name))
    if size is not None and _proven_every_size(context, body, size, indices, domain, deadline):
        every = ", ".join(str(i) for i in indices)
        return Verdict(
            V.PROVEN,
            "range",
            f"the definition stays in {domain.text} for every {context.size} and every "
            f"{every} in 1…{context.size}",
        )
    for n in RANGE_SIZES:
        for values in itertools.product(range(1, n + 1), repeat=len(indices)):
            subs = {i: sp.Integer(v) for i, v in zip(indices, values, strict=True)}
            if size is not None:
                subs[size] = sp.Integer(n)
            (side,), variables = concrete(context.domains, [Side(body)], subs)
            extra = {str(i): str(v) for i, v in zip(indices, values, strict=True)}
            if context.size is not None:
                extra = {context.size: str(n), **extra}
            # Sampled only: a per-size check cannot prove the domain for every size anyway.
            outside = _point_outside(side.expr, domain, variables, deadline, rng, SIZE_TRIES)
            if outside is not None:
                return _outside_verdict(outside, domain, extra)
    sizes = f"{RANGE_SIZES[0]}…{RANGE_SIZES[-1]}"
    return Verdict(
        V.NUMERIC,
        "range",
        f"the definition stays in {domain.text} for each size {context.size} = {sizes} "
        "and every index (a check per size, not a proof for every size)",
    )


def _proven_every_size(
    context: Context, body: Any, size: Any, indices: list[Any], domain: Domain, deadline: Deadline
) -> bool:
    """The declared domain holds for every size N and every index, proven on the definition
    as algebra (:mod:`generator.checker.everysize`): components such as zᵢ and the sums
    left over become unknowns that range over at least every value they can take, so a proof
    for every value of the unknowns is a proof for every N."""
    bounds = {index: size for index in indices}
    reducer = Reducer(bounds, lambda name: context.domains.get(name, _REAL))
    try:
        split = _own_terms_apart(body, size, indices)
        scalar = reducer.scalar(split) if split is not None else None
    except (NotReducible, NotImplementedError, TypeError, ValueError, AttributeError):
        return False
    if scalar is None or scalar.has(sp.Sum, sp.Indexed):
        return False

    def domain_of(symbol: Any) -> Domain | None:
        return reducer.domains.get(symbol) or context.domains.get(str(symbol))

    return _proven_inside(scalar, domain, deadline, domain_of)


def _own_terms_apart(body: Any, size: Any, indices: list[Any]) -> Any:
    """Σⱼ f(j) over 1…N as f(i) + R for the definition's one free index i: R, the sum of the
    other terms, becomes an unknown that is only as signed as every f(j) is (R ≥ 0 when each
    f(j) ≥ 0; R = 0 at N = 1). This keeps aᵢ = e^{zᵢ}/Σⱼ e^{zⱼ} ≤ 1 provable."""
    if len(indices) != 1 or not body.has(sp.Sum):
        return body
    (index,) = indices
    mapping = {}
    for total in body.atoms(sp.Sum):
        if len(total.limits) != 1 or total.function.has(sp.Sum, index):
            continue
        variable, low, high = total.limits[0]
        if low != 1 or high != size:
            continue
        term = total.function
        if term.is_nonnegative:
            rest = sp.Dummy("rest", nonnegative=True)
        elif term.is_real:
            rest = sp.Dummy("rest", real=True)
        else:
            return None
        mapping[total] = term.xreplace({variable: index}) + rest
    return body.xreplace(mapping)


_REAL = Domain("real")
