"""Looking for a counterexample at points of the domain, and the numeric verdict (≈).

Every point compared is reported: a ≈ says exactly how many points of which domains
agreed, to how many digits, and a claim without variables says it was evaluated once.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..core import verdicts as V
from ..core.domains import Domain
from ..core.settings import CheckSettings
from ..core.verdicts import Verdict
from .deadline import CheckTimeout, Deadline
from .kinks import breakpoints
from .numeric import Found, Outcome, compare_at, points
from .sides import Side

PRESCREEN_TRIES = 6
SPOT_TRIES = 2


@dataclass(frozen=True, slots=True)
class Agreement:
    """No counterexample: how many points had both sides defined and equal."""

    agreed: int
    undefined_both: int


def prescreen(
    a: Side,
    b: Side,
    domains: dict[Any, Domain],
    settings: CheckSettings,
    rng: random.Random,
    deadline: Deadline,
) -> Found | None:
    """A cheap look for a counterexample before any costly proof (nice values first).

    It gives up quietly when its share of time runs out."""
    try:
        with deadline.phase(0.3):
            outcome = _search(a, b, domains, settings, rng, True, PRESCREEN_TRIES)
    except CheckTimeout:
        return None
    return outcome if isinstance(outcome, Found) else None


def spot_check(
    a: Side, b: Side, domains: dict[Any, Domain], settings: CheckSettings, rng: random.Random
) -> Found | None:
    """Two random points, no proof: enough to catch a claim that fails at a larger size."""
    outcome = _search(a, b, domains, settings, rng, False, SPOT_TRIES, exact=False)
    return outcome if isinstance(outcome, Found) else None


def numeric_verdict(
    a: Side,
    b: Side,
    domains: dict[Any, Domain],
    method: str | None,
    settings: CheckSettings,
    deadline: Deadline,
    rng: random.Random,
    extra_point: Mapping[str, str] | None,
) -> Verdict:
    """≈ when enough random points of the domains agree, false at a confirmed difference."""
    with deadline.phase(1.0):
        outcome = _at_critical_points(a, b, domains, settings, rng) or _search(
            a, b, domains, settings, rng, False, settings.points * 8
        )
        if isinstance(outcome, Agreement) and 0 < outcome.agreed < settings.points:
            # A given that confines a symbol (q = 1 − b with q in (0, 1)) leaves few usable
            # points: look further rather than give up.
            outcome = _search(a, b, domains, settings, rng, False, settings.points * 40)
    if isinstance(outcome, Found):
        return Verdict(
            V.FALSE, "numeric", _differ_detail(outcome), outcome.counterexample(extra_point)
        )
    if not domains:
        return _constant_verdict(outcome, method, settings)
    if outcome.agreed < settings.points:
        return Verdict(
            V.REJECTED,
            "numeric",
            f"only {outcome.agreed} points were found where both sides are defined; "
            f"need {settings.points}",
        )
    note = "no symbolic proof was found"
    if method is not None:
        note = (
            f"the difference reduces to 0 ({method}), but points where only one side is "
            "defined could not be ruled out"
        )
    return Verdict(V.NUMERIC, _sampled(domains, outcome.agreed, settings), note)


FAR_INTEGERS = (13, 20, 50, 100, 1000)
"""Integers past the small ones random sampling favours: n(n − 1)…(n − 12) = 0 must fail."""
NEAR_A_BREAKPOINT = (sp.Integer(-10), sp.Integer(-1), sp.Rational(-1, 2), sp.Rational(1, 2), 1, 10)
"""Offsets from a kink of max, min, |·| or a piecewise value: max(0, x − 15) = 0 must fail."""


def _at_critical_points(
    a: Side, b: Side, domains: dict[Any, Domain], settings: CheckSettings, rng: random.Random
) -> Found | None:
    """A counterexample at a point random sampling is unlikely to hit, or None."""
    variables = sorted(domains, key=sp.default_sort_key)
    if not variables:
        return None
    base = next(points(variables, domains, rng, nice=False))
    changes = [{var: value} for var, value in _critical_values(a, b, domains)]
    changes += _guard_violations(a, b, domains)
    for change in changes:
        point = {**base, **change}
        at = compare_at(a, b, point, settings.digits)
        if at.outcome is Outcome.DIFFER:
            return Found(point, at)
    return None


def _guard_violations(a: Side, b: Side, domains: dict[Any, Domain]) -> list[dict[Any, Any]]:
    """Points that break a condition such as "x ≠ 0 or m ≥ 1" (where xᵐ⁻¹ is defined) in
    every part at once: x = 0 and m = 0, a corner no single random variable reaches."""
    out = []
    for guard in (*a.guards, *b.guards):
        if guard.kind != "holds":
            continue
        change: dict[Any, Any] = {}
        for part in sp.Or.make_args(guard.expr):
            violation = _violate(part, domains)
            if violation is None or set(violation) & set(change):
                break
            change.update(violation)
        else:
            out.append(change)
    return out


def _violate(relation: Any, domains: dict[Any, Domain]) -> dict[Any, Any] | None:
    """One variable's value (inside its domain) where ``relation`` fails, or None."""
    if not isinstance(relation, sp.Rel) or len(relation.free_symbols) != 1:
        return None
    (var,) = relation.free_symbols
    if var not in domains:
        return None
    step = sp.Integer(1) if domains[var].integer else sp.Rational(1, 2)
    try:
        roots = sp.solveset(relation.lhs - relation.rhs, var, domain=sp.S.Reals)
    except (NotImplementedError, ValueError, TypeError):
        return None
    if not isinstance(roots, sp.FiniteSet):
        return None
    for root in roots:
        for value in (root, root - step, root + step):
            if not (value.is_number and domains[var].contains(float(value))):
                continue
            if relation.xreplace({var: value}) is sp.false:
                return {var: value}
    return None


def _critical_values(a: Side, b: Side, domains: dict[Any, Domain]) -> list[tuple[Any, Any]]:
    found: list[tuple[Any, Any]] = []
    for var, domain in sorted(domains.items(), key=lambda kv: sp.default_sort_key(kv[0])):
        if domain.integer and not domain.finite:
            found += [(var, sp.Integer(s * n)) for n in FAR_INTEGERS for s in (1, -1)]
    for kink in {*breakpoints(a.expr), *breakpoints(b.expr)}:
        if len(kink.free_symbols) != 1 or kink.free_symbols - set(domains):
            continue
        (var,) = kink.free_symbols
        try:
            roots = sp.solveset(kink, var, domain=sp.S.Reals)
        except (NotImplementedError, ValueError, TypeError):
            continue
        if isinstance(roots, sp.FiniteSet):
            found += [(var, r + d) for r in list(roots)[:4] for d in NEAR_A_BREAKPOINT]
    return [
        (var, value)
        for var, value in found
        if value.is_number and value.is_real and domains[var].contains(float(value))
    ]


def _constant_verdict(outcome: Agreement, method: str | None, settings: CheckSettings) -> Verdict:
    if outcome.agreed == 0:
        return Verdict(
            V.REJECTED,
            "numeric",
            "neither side has a value: a claim that is undefined everywhere asserts nothing",
        )
    note = "no symbolic proof was found" if method is None else f"reduces to 0 ({method})"
    return Verdict(
        V.NUMERIC,
        f"numeric (no variables: both sides evaluated once to {settings.digits} digits, "
        "their difference to 120)",
        note,
    )


def _sampled(domains: dict[Any, Domain], agreed: int, settings: CheckSettings) -> str:
    where = "; ".join(
        f"{str(v).replace('__', '_')} in {d.text}"
        for v, d in sorted(domains.items(), key=lambda kv: str(kv[0]))
    )
    return (
        f"numeric ({agreed} random points, {where}; equal to 24 of {settings.digits} digits, "
        "differences re-checked to 120)"
    )


def _differ_detail(found: Found) -> str:
    if found.values.difference is not None:
        return (
            "the two sides differ by "
            f"{sp.N(found.values.difference, 6)}, below what 30 digits show but confirmed "
            "by evaluating their difference on its own"
        )
    if found.values.left.defined != found.values.right.defined:
        return "one side is undefined at a point of the domain where the other is defined"
    return "the two sides differ (confirmed at twice the working precision)"


def _search(
    a: Side,
    b: Side,
    domains: dict[Any, Domain],
    settings: CheckSettings,
    rng: random.Random,
    nice: bool,
    tries: int,
    exact: bool | None = None,
) -> Found | Agreement:
    variables = sorted(domains, key=sp.default_sort_key)
    agreed = undefined = 0
    tiny: Found | None = None
    for point in itertools.islice(points(variables, domains, rng, nice=nice), tries):
        at = compare_at(a, b, point, settings.digits, exact=not nice if exact is None else exact)
        if at.outcome is Outcome.DIFFER:
            if at.difference is None:
                return Found(point, at)
            # Equal to 24 digits, different beyond: a point where the sides differ plainly
            # (e^{-75} at x = 0, not e^{-1718} at x = 40.5) says more, so look a little further.
            if tiny is None or abs(at.difference) > abs(tiny.values.difference):
                tiny = Found(point, at)
            if agreed >= settings.points // 2:
                return tiny
            continue
        if at.outcome is Outcome.AGREE:
            if at.both_defined:
                agreed += 1
            else:
                undefined += 1
        if not variables or (not nice and agreed >= settings.points):
            break
    return tiny or Agreement(agreed, undefined)
