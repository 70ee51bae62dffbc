"""Signs proven at the corners of the declared domains' box (generator/checker/corners.py),
with the real SymPy: multilinear expressions only, strict conditions strictly."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp

from generator.checker.corners import holds_at_corners
from generator.core.domains import exact_ends, parse_domain

e, y, w, x = sp.symbols("epsilon y w x", real=True)
N = sp.Symbol("N", integer=True, positive=True)
DOMAINS = {
    e: parse_domain("[0, 1)"),
    y: parse_domain("[0, 1]"),
    w: parse_domain("[-1, 2]"),
    x: parse_domain("real"),
    N: parse_domain("positive integer"),
}


@pytest.mark.parametrize(
    ("expr", "kind"),
    [
        ((1 - e) * y + e / N, ">="),  # label smoothing's target is at least 0 …
        (1 - ((1 - e) * y + e / N), ">="),  # … and at most 1, for every N
        (1 - 1 / N, ">="),
        (3 - w * y, ">"),  # at least 1 at the corner w = 2, y = 1
    ],
)
def test_a_multilinear_sign_that_holds_at_every_corner_is_proven(expr: sp.Expr, kind: str) -> None:
    assert holds_at_corners(expr, kind, DOMAINS.get)


@pytest.mark.parametrize(
    ("expr", "kind", "why"),
    [
        (1 - 8 * y * (1 - y), ">=", "a square: 1 at both corners, -1 at y = 1/2"),
        (w * y, ">=", "negative at the corner w = -1, y = 1"),
        ((1 - e) * y, ">", "0 at the corner y = 0: not strictly positive"),
        (1 / N - sp.Rational(1, 2), ">", "N = 2 gives 0, and N beyond gives less"),
        (x * y + 5, ">=", "x has no ends"),
        (sp.exp(y) - 1, ">=", "not a polynomial (true, but not shown this way)"),
        (1 / (1 + N), ">", "1/(1 + N) is not of degree 1 in 1/N"),
    ],
)
def test_anything_else_proves_nothing(expr: sp.Expr, kind: str, why: str) -> None:
    assert not holds_at_corners(expr, kind, DOMAINS.get), why


def test_interval_ends_are_read_exactly() -> None:
    assert exact_ends(parse_domain("[0, 0.1]")) == (Fraction(0), Fraction(1, 10))
    assert exact_ends(parse_domain("(-oo, 1/3]")) == (None, Fraction(1, 3))
    assert exact_ends(parse_domain("positive integer")) == (Fraction(1), None)
    assert exact_ends(parse_domain("[0, 1) except {1/2}")) == (Fraction(0), Fraction(1))
    assert exact_ends(parse_domain("{0, 1}")) == (None, None)
