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


def index_values(uppers: list[int], rng: Any) -> list[tuple[int, ...]]:
    """The index tuples tried when each free index runs over 1…its upper value."""
    if max(uppers, default=0) <= EVERY_INDEX_UP_TO:
        return list(itertools.product(*(range(1, u + 1) for u in uppers)))
    picks = {tuple(1 for _ in uppers), tuple(uppers), tuple(rng.randint(1, u) for u in uppers)}
    return sorted(picks)


def size_values(sizes: list[Any], n: int) -> list[dict[Any, int]]:
    """The sizes tried at step ``n``: every size n, and (for several sizes, such as a matrix's
    m and n, up to the sizes where every index is tried) each a different value n, n + 1, …,
    so that a claim which needs m = n is caught."""
    tried = [{s: n for s in sizes}]
    if len(sizes) > 1 and n + len(sizes) - 1 <= EVERY_INDEX_UP_TO:
        tried.append({s: n + t for t, s in enumerate(sizes)})
        tried.append({s: n + len(sizes) - 1 - t for t, s in enumerate(sizes)})
    return tried


def is_vector(sizes: list[Any], indices: Iterable[Any], *sides: Side) -> bool:
    """A claim about the size, a component or an index (∂z_j/∂z_i = δ_ij mentions only i and
    j): it must hold for every size and every index value, which sampling i and j at random
    would rarely test at i = j."""
    if not sizes:
        return False
    markers = (*sizes, sp.Indexed, sp.KroneckerDelta, *indices)
    return any(s.expr.has(*markers) for s in sides)


def fully_expanded(expr: Any) -> Any:
    """``expr`` with every sum and product of known length written out, nested ones too.

    Each one is written out by substituting its variable, term by term: SymPy's ``doit``
    looks for a closed form first (partial fractions of every rational summand), which costs
    far more than adding a few known terms, and it leaves sums of piecewise terms alone."""
    for _ in range(8):
        if not expr.has(sp.Sum, sp.Product):
            break
        written = expr.replace(_short, _written_out)
        # A sum whose length is still a symbol: SymPy's own evaluation, then try again.
        expr = written if written != expr else expr.doit()
    return expr.doit() if expr.has(*_UNEVALUATED) else expr


_UNEVALUATED = (sp.Sum, sp.Product, sp.Derivative, sp.Integral, sp.Limit)


def _short(total: Any) -> bool:
    if not isinstance(total, (sp.Sum, sp.Product)):
        return False
    (_, low, high) = total.limits[-1]
    return bool((high - low).is_Integer and -1 <= int(high - low) < 1000)


def _written_out(total: Any) -> Any:
    *inner, (variable, low, high) = total.limits
    body = total.func(total.function, *inner) if inner else total.function
    join = sp.Add if isinstance(total, sp.Sum) else sp.Mul
    return join(*(body.xreplace({variable: low + t}) for t in range(int(high - low) + 1)))


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
        # A symbol only a guard mentions (ε in √(v + ε) after v = 0 at one size) is sampled
        # too: a guard it cannot evaluate would make every point look undefined.
        mentioned = side.expr.free_symbols.union(*(g.expr.free_symbols for g in side.guards))
        for atom in mentioned:
            if (
                atom not in domains
                and isinstance(atom, sp.Symbol)
                and not isinstance(atom, sp.Dummy)
            ):
                domains[atom] = domains_by_name.get(atom.name, parse_domain("real"))
    return out, domains
