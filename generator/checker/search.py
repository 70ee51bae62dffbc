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
        outcome = _search(a, b, domains, settings, rng, False, settings.points * 8)
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
    for point in itertools.islice(points(variables, domains, rng, nice=nice), tries):
        at = compare_at(a, b, point, settings.digits, exact=not nice if exact is None else exact)
        if at.outcome is Outcome.DIFFER:
            return Found(point, at)
        if at.outcome is Outcome.AGREE:
            if at.both_defined:
                agreed += 1
            else:
                undefined += 1
        if not variables or (not nice and agreed >= settings.points):
            break
    return Agreement(agreed, undefined)
