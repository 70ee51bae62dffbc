"""Claims made for one case of their indices: given ``i = k`` (the diagonal of a Jacobian) or
``i \\neq k`` (its off-diagonal entries).

``i = k`` is applied by substitution, after differentiation: ∂aᵢ/∂z_k at k = i. ``i ≠ k``
restricts the claim: a Kronecker delta δᵢₖ is 0 there, and the sizes sampled for a claim
that is not proven for every N skip the index values where i = k.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sympy as sp


def index_equalities(
    givens: Sequence[tuple[Any, Any]], indices: Iterable[Any]
) -> tuple[dict[Any, Any], list[tuple[Any, Any]]]:
    """Split givens into index equalities (as a substitution k → i) and the others."""
    index_set = set(indices)
    same: dict[Any, Any] = {}
    rest: list[tuple[Any, Any]] = []
    for left, right in givens:
        if right in index_set and _index_value(left, index_set):
            same[right] = left.xreplace(same)
        elif left in index_set and _index_value(right, index_set):
            same[left] = right.xreplace(same)
        else:
            rest.append((left, right))
    return same, rest


def _index_value(value: Any, indices: set[Any]) -> bool:
    return value in indices or (isinstance(value, sp.Integer) and value >= 1)


def without_apart_deltas(expr: Any, apart: Sequence[tuple[Any, Any]]) -> Any:
    """δ_pq is 0 where p ≠ q is given."""
    zero = {}
    for p, q in apart:
        zero[sp.KroneckerDelta(p, q)] = sp.Integer(0)
        zero[sp.KroneckerDelta(q, p)] = sp.Integer(0)
    return expr.xreplace(zero) if zero else expr


def allowed(
    values: Sequence[int], index_symbols: Sequence[Any], apart: Sequence[tuple[Any, Any]]
) -> bool:
    """Whether index values (in the order of ``index_symbols``) respect every ``p ≠ q``."""
    at = {s: sp.Integer(v) for s, v in zip(index_symbols, values, strict=True)}
    return all(p.xreplace(at) != q.xreplace(at) for p, q in apart)
