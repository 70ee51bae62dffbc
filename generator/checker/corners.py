"""A sign proven at the corners of a box: an expression of degree at most 1 in each of its
variables separately (multilinear) takes its least value over a box at one of the box's corners.

Why: fix every variable but one and the expression is affine in that one, so it is least at
one end of its interval; repeat for each variable. Label smoothing's target
t = (1 − ε) y + ε/N with ε ∈ [0, 1), y ∈ [0, 1] and N ≥ 1 is such an expression once 1/N is
read as a variable u ∈ (0, 1]: its least value over the closed box is 0 and its greatest 1,
so t ∈ [0, 1] for every N. SymPy's assumptions cannot show 1 − t ≥ 0: they know ε ≥ 0, not
ε < 1.

The box is the closure of the declared domains (an open end included, N → ∞ as u = 0). The
least value over a larger set bounds the least value over the domain, so a sign that holds
at every corner, strictly for a strict condition, holds on the domain. Anything else (a
variable without two finite ends, a square, an exponential) proves nothing here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import sympy as sp
from sympy.polys.polyerrors import BasePolynomialError

from ..core.domains import Domain, exact_ends

MAX_CORNERS = 256
"""Corners evaluated at most (8 variables with two ends each)."""


def holds_at_corners(expr: Any, kind: str, domain_of: Callable[[Any], Domain | None]) -> bool:
    """``expr > 0`` (kind ``">"``) or ``expr ≥ 0`` (``">="``) on the declared domains, shown
    by the corners of their box; False when that cannot show it (not a disproof)."""
    if kind not in (">", ">="):
        return False
    variables: list[Any] = []
    ends: list[tuple[Fraction, ...]] = []
    replaced: dict[Any, Any] = {}
    for symbol in sorted(expr.free_symbols, key=sp.default_sort_key):
        domain = domain_of(symbol)
        if domain is None:
            return False
        corners = _corners(domain)
        reciprocal = _reciprocal_corners(domain) if corners is None else None
        if corners is not None:
            variables.append(symbol)
            ends.append(corners)
        elif reciprocal is not None:
            u = sp.Dummy(f"1/{symbol}", positive=True)
            replaced[symbol] = 1 / u
            variables.append(u)
            ends.append(reciprocal)
        else:
            return False
    if not variables or _count(ends) > MAX_CORNERS:
        return False
    polynomial = _multilinear(expr.xreplace(replaced) if replaced else expr, variables)
    if polynomial is None:
        return False
    for corner in itertools.product(*ends):
        # Poly.eval: the polynomial's value at the corner, in exact rationals.
        value = polynomial.eval(dict(zip(variables, map(sp.Rational, corner), strict=True)))
        if not (value > 0 if kind == ">" else value >= 0):
            return False
    return True


def _corners(domain: Domain) -> tuple[Fraction, ...] | None:
    """The values a variable's corner coordinate takes: both ends of a bounded interval, or
    every value of a finite set (then the corners are every point there is)."""
    if domain.values:
        return tuple(domain.values)
    low, high = exact_ends(domain)
    if low is None or high is None:
        return None
    return (low, high)


def _reciprocal_corners(domain: Domain) -> tuple[Fraction, ...] | None:
    """For v ≥ c > 0 without an upper end (a size N ≥ 1): the ends of u = 1/v, 0 and 1/c."""
    low, high = exact_ends(domain)
    if low is None or high is not None or low <= 0:
        return None
    return (Fraction(0), 1 / low)


def _count(ends: list[tuple[Fraction, ...]]) -> int:
    total = 1
    for values in ends:
        total *= len(values)
    return total


def _multilinear(expr: Any, variables: list[Any]) -> Any:
    """``expr`` as a polynomial of degree at most 1 in each variable, or None."""
    try:
        polynomial = sp.Poly(sp.expand(expr), *variables, domain="QQ")
    except BasePolynomialError:  # not a polynomial in them, or a coefficient outside QQ
        return None
    if any(exponent > 1 for monomial in polynomial.monoms() for exponent in monomial):
        return None
    return polynomial
