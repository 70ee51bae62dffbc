"""Cases that overlap with different values: ``\\begin{cases} 1 & x > 0 \\\\ 2 & x > 1 \\end{cases}``.

SymPy reads such a block as "the first case that holds wins", so x = 2 gives 1; a reader
may well read 2, or think the author made a slip. Overlaps are common and harmless when
the values agree there (ReLU as z for z ≥ 0 and 0 for z ≤ 0 meets at 0 with 0 = 0), so only
an overlap with different values is refused, with the place and both values.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import sympy as sp

from ..core.domains import Domain
from .normalforms import as_set, condition_set


def overlapping_cases(shadows: tuple[Any, ...], domain_of: Callable[[Any], Domain]) -> str | None:
    """Why a ``cases`` block of the claim (as written) is ambiguous, or None."""
    for shadow in shadows:
        for node in sp.preorder_traversal(shadow):
            if isinstance(node, sp.Piecewise):
                found = _first_conflict(node, domain_of)
                if found is not None:
                    return found
    return None


def _first_conflict(piecewise: Any, domain_of: Callable[[Any], Domain]) -> str | None:
    branches = [
        (value, condition) for value, condition in piecewise.args if condition is not sp.true
    ]
    for (first, one), (second, other) in itertools.combinations(branches, 2):
        both = sp.And(one, other)
        symbols = both.free_symbols
        if len(symbols) != 1 or any(isinstance(s, sp.Dummy) for s in symbols):
            continue  # several variables: not decided here
        (symbol,) = symbols
        try:
            region = sp.Intersection(
                condition_set(both, symbol, degree=2), as_set(domain_of(symbol))
            )
        except (NotImplementedError, TypeError, ValueError):
            continue
        for point in _points_in(region):
            left, right = (_value(v, symbol, point) for v in (first, second))
            if left is not None and right is not None and abs(left - right) > 1e-12:
                return (
                    f"the cases overlap where {one} and {other} both hold, with different "
                    f"values: at {symbol} = {point} the first gives {_shown(left)}, the second "
                    f"{_shown(right)}. Make the conditions exclusive (or equal the values "
                    "where they meet)"
                )
    return None


def _points_in(region: Any) -> Iterator[Any]:
    """A few points of a set of reals: its ends, a middle, a far point."""
    parts = region.args if isinstance(region, sp.Union) else (region,)
    for part in parts:
        if isinstance(part, sp.FiniteSet):
            yield from list(part)[:3]
        elif isinstance(part, sp.Interval):
            low, high = part.start, part.end
            if low.is_finite and not part.left_open:
                yield low
            if high.is_finite and not part.right_open:
                yield high
            if low.is_finite and high.is_finite:
                yield (low + high) / 2
            elif low.is_finite:
                yield low + 1
                yield low + 100
            elif high.is_finite:
                yield high - 1
                yield high - 100
            else:
                yield sp.Integer(0)


def _value(expr: Any, symbol: Any, point: Any) -> float | None:
    try:
        number = sp.N(expr.xreplace({symbol: point}).doit(), 30)
    except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
        return None
    if not number.is_real or not number.is_finite:
        return None
    return float(number)


def _shown(value: float) -> str:
    return f"{value:g}"
