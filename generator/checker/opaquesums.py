"""Sums the every-size prover cannot simplify further, as unknowns: one canonical form for
each (its variables renamed, products with inner sums joined, the order of its sums fixed),
the symbol it becomes (named after a hash of that form, so the same sum is the same symbol in
every claim of a run), and the sign its terms give it.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from typing import Any

import sympy as sp

from ..core.domains import Domain, parse_domain

MAX_REMEMBERED = 4096
"""Opaque sums remembered per worker."""


class NotReducible(Exception):
    """The claim has a part this prover cannot handle for a symbolic size."""


ATOM_KEYS: dict[str, Any] = {}
"""Each opaque sum's symbol name, with the sum it stands for (per worker)."""
ATOM_SYMBOLS: dict[Any, Any] = {}
"""Each opaque sum met in this worker, with its symbol (naming one prints and hashes it)."""


def atom_symbol(key: Any) -> Any:
    """The symbol an opaque sum becomes, named after the sum itself: the same sum is the same
    symbol in every claim of a run (so reductions can be remembered across claims), and its
    name does not depend on which check happened to meet it first."""
    symbol = ATOM_SYMBOLS.get(key)
    if symbol is not None:
        return symbol
    name = "_sum" + hashlib.sha256(sp.srepr(key).encode()).hexdigest()[:16]
    known = ATOM_KEYS.setdefault(name, key)
    if known != key:
        raise NotReducible("two sums with one name")  # a hash collision: prove nothing
    symbol = sp.Symbol(name, **sign_of(key).assumptions())
    if len(ATOM_KEYS) > MAX_REMEMBERED:
        ATOM_KEYS.clear()  # both maps at once: a name is checked against every sum named
        ATOM_SYMBOLS.clear()
        ATOM_KEYS[name] = key
    ATOM_SYMBOLS[key] = symbol
    return symbol


@functools.lru_cache(maxsize=2048)  # a page's checks meet the same sums again and again
def canonical_sum(total: Any) -> Any:
    """``total`` as one multiple sum with its variables named in a canonical order: a product
    with a sum whose range does not depend on the outer variable joins it (Σₖ aₖ Σₗ bₖₗ is
    Σₖ Σₗ aₖ bₖₗ), and the sums' order is the one whose body sorts first (Fubini: over fixed
    ranges the order of finite sums does not matter)."""
    body, limits = total.function, [tuple(limit) for limit in total.limits]
    for _ in range(MAX_FLATTENED):
        factors = _factors(body)
        bound = {v for v, _, _ in limits}
        position = next(
            (
                k
                for k, f in enumerate(factors)
                if isinstance(f, sp.Sum)
                and not any((lo.free_symbols | hi.free_symbols) & bound for _, lo, hi in f.limits)
            ),
            None,
        )
        if position is None:
            break
        inner = factors[position]
        fresh = {v: sp.Dummy(str(v), **v.assumptions0) for v, _, _ in inner.limits}
        rest = sp.Mul(*factors[:position], *factors[position + 1 :])
        body = rest * inner.function.xreplace(fresh)
        limits += [(fresh[v], low, high) for v, low, high in inner.limits]
    if len(limits) > MAX_FLATTENED:
        return total
    body = bound_renamed(body)  # sums left inside the body (in an exp) named by their nesting
    candidates = []
    for order in itertools.permutations(range(len(limits))):
        names = {
            limits[k][0]: sp.Symbol(f"_f{slot}", **limits[k][0].assumptions0)
            for slot, k in enumerate(order)
        }
        renamed = [(names[limits[k][0]], *limits[k][1:]) for k in order]
        candidates.append(sp.Sum(body.xreplace(names), *reversed(renamed)))
    return min(candidates, key=sp.default_sort_key)


MAX_FLATTENED = 4
"""Sums joined into one at most (4! orders are compared)."""


def bound_renamed(expr: Any, level: int = 0) -> Any:
    """Every summation variable named by how many sums enclose it here (``_n0``, ``_n1``…):
    the same sum written at another depth, or after a delta picked an outer term, gets the
    same names (two sums at one level never see each other's variable)."""
    if not isinstance(expr, sp.Basic) or not expr.has(sp.Sum, sp.Product):
        return expr
    if isinstance(expr, (sp.Sum, sp.Product)):  # exp of a sum may have become Π exp
        names = {}
        for k, (variable, _, _) in enumerate(reversed(expr.limits)):
            names[variable] = sp.Symbol(f"_n{level + k}", **variable.assumptions0)
        depth = level + len(expr.limits)
        body = bound_renamed(expr.function.xreplace(names), depth)
        limits = [
            (names[v], bound_renamed(lo, level), bound_renamed(hi, level))
            for v, lo, hi in expr.limits
        ]
        return expr.func(body, *limits)
    return expr.func(*(bound_renamed(arg, level) for arg in expr.args))


def _factors(body: Any) -> list[Any]:
    """The factors of a product, a sum squared or cubed counted as two or three factors."""
    out: list[Any] = []
    for factor in sp.Mul.make_args(body):
        power = factor.exp if isinstance(factor, sp.Pow) else None
        if power is not None and isinstance(factor.base, sp.Sum) and power in (2, 3):
            out.extend([factor.base] * int(power))
        else:
            out.append(factor)
    return out


@functools.lru_cache(maxsize=2048)
def sign_of(total: Any) -> Domain:
    """The domain an opaque sum provably lies in: positive, nonnegative, or real."""
    term = total.function
    nonempty = all((high - low).is_nonnegative for _, low, high in total.limits)
    if term.is_positive and nonempty:
        return parse_domain("positive")
    if term.is_nonnegative:
        return parse_domain("nonnegative")
    if term.is_real is False:
        raise NotReducible("a sum whose terms are not real")
    # Real where defined: a term that may not be real (ln(1 − s_k)) carries a guard that
    # must hold for every k before anything is proven.
    return parse_domain("real")
