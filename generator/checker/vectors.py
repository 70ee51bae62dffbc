"""Claims about indexed symbols, made concrete: a size N and values for the free indices.

Sums up to N are expanded and each component z[k] becomes a plain symbol z__k with the
domain of z, so the scalar machinery (normal forms, guards, sampling) applies unchanged.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import sympy as sp

from ..core.domains import Domain, parse_domain
from .sides import Side

SIZES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
"""Sizes a vector claim is sampled at: N = 1 (a single term, (N − 2)! undefined) up to a
size where a claim whose terms vanish for k ≤ 7 fails."""
EVERY_INDEX_UP_TO = 6
"""Up to this size every index value is tried; beyond it, the first, the last and one more."""


def index_values(n: int, count: int, rng: Any) -> list[tuple[int, ...]]:
    """The index tuples tried at size ``n`` for ``count`` free indices."""
    if n <= EVERY_INDEX_UP_TO or count == 0:
        return list(itertools.product(range(1, n + 1), repeat=count))
    picks = {(1,) * count, (n,) * count, tuple(rng.randint(1, n) for _ in range(count))}
    return sorted(picks)


def is_vector(size_symbol: Any, indices: Iterable[Any], *sides: Side) -> bool:
    """A claim about the size, a component or an index (∂z_j/∂z_i = δ_ij mentions only i and
    j): it must hold for every size and every index value, which sampling i and j at random
    would rarely test at i = j."""
    if size_symbol is None:
        return False
    markers = (size_symbol, sp.Indexed, sp.KroneckerDelta, *indices)
    return any(s.expr.has(*markers) for s in sides)


def fully_expanded(expr: Any) -> Any:
    """``expr`` with every sum of known length written out, nested ones too: SymPy's doit
    substitutes k into an inner Σ_{j=1}^{k} without expanding it again."""
    for _ in range(8):
        expr = expr.doit()
        if not expr.has(sp.Sum):
            return expr
        # A sum SymPy leaves alone (its terms are piecewise): written out by hand.
        expr = expr.replace(lambda e: isinstance(e, sp.Sum) and _short(e), _written_out)
    return expr


def _short(total: Any) -> bool:
    (_, low, high) = total.limits[-1]
    return bool((high - low).is_Integer and -1 <= int(high - low) < 1000)


def _written_out(total: Any) -> Any:
    *inner, (variable, low, high) = total.limits
    body = sp.Sum(total.function, *inner) if inner else total.function
    return sp.Add(*(body.xreplace({variable: low + t}) for t in range(int(high - low) + 1)))


def concrete(
    domains_by_name: dict[str, Domain], sides: list[Side], subs: dict[Any, Any]
) -> tuple[list[Side], dict[Any, Domain]]:
    """Substitute a size and index values, expand sums, and turn z[k] into a symbol z__k."""
    domains: dict[Any, Domain] = {}

    def make_concrete(expr: Any) -> Any:
        value = fully_expanded(expr.xreplace(subs))
        mapping = {}
        for atom in value.atoms(sp.Indexed):
            name = str(atom.base.label)
            label = name + "__" + "_".join(str(i) for i in atom.indices)
            domain = domains_by_name.get(name, parse_domain("real"))
            symbol = sp.Symbol(label, **domain.assumptions())
            mapping[atom] = symbol
            domains[symbol] = domain
        return value.xreplace(mapping)

    out = [side.map(make_concrete) for side in sides]
    for side in out:
        for atom in side.expr.free_symbols:
            if (
                atom not in domains
                and isinstance(atom, sp.Symbol)
                and not isinstance(atom, sp.Dummy)
            ):
                domains[atom] = domains_by_name.get(atom.name, parse_domain("real"))
    return out, domains
