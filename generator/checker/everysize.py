"""A vector claim proven for every size N ≥ 1 and every index value at once.

Sums whose bound is the symbolic size N are handled as algebra, never expanded:

* linearity: Σₖ (f + g) = Σₖ f + Σₖ g, and a factor that does not depend on k leaves the sum
  (Σₖ c = c · (number of terms));
* a Kronecker delta picks one term: Σₖ δₖᵢ f(k) = f(i), when i is known to lie in the
  sum's range (a free index ranges over 1…N by declaration; so does the variable of an
  enclosing Σ over 1…N);
* a polynomial in k alone has a closed form (Σₖ k² = N(N + 1)(2N + 1)/6);
* what is left is a sum with nothing more to simplify. It becomes an opaque symbol (the same
  sum, whatever its variable was called, becomes the same symbol), real, and positive or
  nonnegative only when every term provably is.

Treating those sums, and the components zᵢ, z_j of the claim, as independent variables
only makes the identity harder to prove: if the difference of the two sides vanishes for
every value of them, it vanishes for the values they really take. A delta between two free
indices (δᵢⱼ) is decided case by case: i = j (the claim with j replaced by i) and i ≠ j (δ = 0).

Definedness is proven, not sampled: every denominator, logarithm and root of either side,
inside the sums too (with the summation variable anywhere in its range), must provably be
nonzero, positive or nonnegative on the declared domains. Anything this cannot do makes
:func:`prove_every_size` return None, and the claim falls back to checks per size (≈ at best).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..core.domains import Domain
from .indexcases import without_apart_deltas
from .normalforms import symbolic_zero
from .opaquesums import NotReducible, atom_symbol, bound_renamed, canonical_sum, sign_of
from .sides import Guard, Side, guards_of

METHOD = "symbolic for every size"
"""The method a proof for every size reports (named in ``check --format json``)."""

MAX_CASES = 8
"""Case splits on deltas between free indices (2 per delta) beyond which the proof gives up."""


@dataclass
class Reducer:
    """Rewrites sums over 1…N as algebra; remaining sums become opaque, typed symbols."""

    index_ranges: Mapping[Any, Any]
    """Each free index symbol with its upper bound (the size N, or a matrix's m or n)."""
    domain_of_base: Callable[[str], Domain]
    memo: dict[Any, Any] | None = None
    """Reductions already made under these ranges and domains (a row is a side of two
    checks, and a page's guards recur), or None to keep none."""
    atoms: dict[Any, Any] = field(default_factory=dict)
    domains: dict[Any, Domain] = field(default_factory=dict)
    ranges: dict[Any, tuple[Any, Any]] = field(default_factory=dict)
    bound: dict[Any, int] = field(default_factory=dict)
    """The summation variables this reducer made, with their nesting depth."""

    def __post_init__(self) -> None:
        for index, upper in self.index_ranges.items():
            self.ranges[index] = (sp.Integer(1), upper)

    # --- sums ----------------------------------------------------------------------------
    def reduce(self, expr: Any, depth: int = 0) -> Any:
        """``expr`` with every sum rewritten; at depth 0 no sum is left."""
        if not isinstance(expr, sp.Basic) or not expr.has(sp.Sum):
            return expr
        if isinstance(expr, sp.Sum):
            return self._sum(expr, depth)
        if isinstance(expr, (sp.Product, sp.Integral, sp.Derivative)):
            raise NotReducible(f"{type(expr).__name__} over a sum")
        return expr.func(*(self.reduce(arg, depth) for arg in expr.args))

    def _sum(self, total: Any, depth: int) -> Any:
        # Σ_{k} Σ_{j} f is one SymPy Sum with two limits, the outermost last.
        *inner, outermost = total.limits
        body = sp.Sum(total.function, *inner) if inner else total.function
        return self._sum_over(body, outermost, depth)

    def _sum_over(self, summand: Any, limit: Any, depth: int) -> Any:
        variable, low, high = limit
        if not (low.is_integer and high.is_integer):
            raise NotReducible(f"the sum over {variable} has a limit that may not be an integer")
        count = high - low + 1
        # SymPy gives Σ_{k=a}^{b} with b < a − 1 a value by convention; a proof may not rest on it.
        if sp.Ge(count, 0) is not sp.true:
            raise NotReducible(f"the sum over {variable} may have an upper limit below its lower")
        # k's assumptions say only what its range guarantees (positive=False would claim k ≤ 0).
        assumptions = {"integer": True}
        if (low - 1).is_nonnegative:
            assumptions["positive"] = True
        k = sp.Symbol(f"_k{depth}", **assumptions)
        self.bound[k] = depth
        self.ranges[k] = (low, high)
        body = self.reduce(summand.xreplace({variable: k}), depth + 1)
        out = sp.Integer(0)
        for term in sp.Add.make_args(sp.expand(body)):
            outside, inside = term.as_independent(k, as_Add=False)
            out += outside * self._term_sum(inside, k, low, high, count, depth)
        return out

    def _term_sum(self, inside: Any, k: Any, low: Any, high: Any, count: Any, depth: int) -> Any:
        if inside == 1:
            return count
        picked = self._delta_pick(inside, k, low, high)
        if picked is not None:
            return self.reduce(picked, depth)
        if inside.is_polynomial(k) and inside.free_symbols == {k}:
            return sp.expand(sp.summation(inside, (k, low, high)))
        kept = sp.Sum(inside, (k, low, high))
        if any(s in self.bound for s in kept.free_symbols):
            return kept  # its terms or its range depend on an enclosing sum's variable
        return self._atom(kept, depth)

    def _delta_pick(self, inside: Any, k: Any, low: Any, high: Any) -> Any:
        """Σₖ δₖₘ f(k) = f(m) when m is known to lie in low…high."""
        factors = sp.Mul.make_args(inside)
        for position, factor in enumerate(factors):
            delta = factor.base if isinstance(factor, sp.Pow) else factor
            if not isinstance(delta, sp.KroneckerDelta) or not delta.has(k):
                continue
            if isinstance(factor, sp.Pow) and not (
                factor.exp.is_integer and factor.exp.is_positive
            ):
                continue
            # δ(k, m) only: δ(k + 1, m) picks k = m − 1, which this rule does not do.
            if delta.args[0] == k:
                partner = delta.args[1]
            elif delta.args[1] == k:
                partner = delta.args[0]
            else:
                continue
            if partner.has(k) or not self._within(partner, low, high):
                continue
            rest = sp.Mul(*factors[:position], *factors[position + 1 :])
            return rest.xreplace({k: partner})
        return None

    def _within(self, value: Any, low: Any, high: Any) -> bool:
        """``value`` is an integer in low…high for every size: an index or an enclosing
        summation variable with exactly that range, or a number or expression provably inside."""
        if self.ranges.get(value) == (low, high):
            return True
        return bool(
            value.is_integer
            and sp.Ge(value - low, 0) is sp.true
            and sp.Ge(high - value, 0) is sp.true
        )

    def _atom(self, kept: Any, depth: int) -> Any:
        # The same sum at any nesting depth, and in any order of its sums (Σₖ Σₗ = Σₗ Σₖ over
        # fixed ranges), is the same symbol.
        shift = {
            s: sp.Symbol(f"_k{self.bound[s] - depth}", **s.assumptions0)
            for s in kept.atoms(sp.Symbol)
            if s in self.bound
        }
        key = canonical_sum(kept.xreplace(shift))
        if key not in self.atoms:
            symbol = atom_symbol(key)
            self.atoms[key] = symbol
            self.domains[symbol] = sign_of(key)
        return self.atoms[key]

    # --- components ----------------------------------------------------------------------
    def components(self, expr: Any) -> Any:
        """zᵢ → a symbol z__i with z's domain, so the scalar normal forms apply."""
        mapping = {}
        for atom in expr.atoms(sp.Indexed):
            name = str(atom.base.label)
            label = name + "__" + "_".join(str(i) for i in atom.indices)
            domain = self.domain_of_base(name)
            symbol = sp.Symbol(label, **domain.assumptions())
            mapping[atom] = symbol
            self.domains[symbol] = domain
        return expr.xreplace(mapping)

    def scalar(self, expr: Any) -> Any:
        if self.memo is None:
            return self.components(self.reduce(expr))
        if expr not in self.memo:
            result = self.components(self.reduce(expr))
            used = result.free_symbols
            atoms = tuple((key, s) for key, s in self.atoms.items() if s in used)
            domains = tuple((s, self.domains[s]) for s in used if s in self.domains)
            if len(self.memo) >= MAX_REMEMBERED:
                self.memo.clear()
            self.memo[expr] = (result, atoms, domains)
        result, atoms, domains = self.memo[expr]
        # What the reduction made (its opaque sums and components) is known to this claim too.
        self.atoms.update(atoms)
        self.domains.update(domains)
        return result


MAX_REMEMBERED = 4096
"""Reductions remembered per derivation in one worker."""

# --- the proof ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claim:
    """Both sides of a vector claim, the guards read off their source, and the givens."""

    a: Side
    b: Side
    bound_guards: tuple[Guard, ...]
    givens: tuple[tuple[Any, Any], ...]
    apart: tuple[tuple[Any, Any], ...] = ()
    """Index pairs the claim is made for only where they differ (δ between them is 0)."""

    def replaced(self, mapping: Mapping[Any, Any]) -> Claim:
        def sub(e: Any) -> Any:
            return e.xreplace(mapping)

        return Claim(
            self.a.map(sub),
            self.b.map(sub),
            tuple(Guard(g.kind, sub(g.expr)) for g in self.bound_guards),
            tuple((sub(g), sub(h)) for g, h in self.givens),
            self.apart,
        )


Eliminate = Callable[[list[tuple[Any, Any]], Callable[[Any], Domain], Side, Side], Any]


def prove_every_size(
    claim: Claim,
    index_ranges: Mapping[Any, Any],
    domain_of_base: Callable[[str], Domain],
    eliminate: Eliminate,
    memo: dict[Any, Any] | None = None,
) -> str | None:
    """What was proven, if ``claim`` holds for every size (N, or a matrix's m and n) and every
    index value in its range; None when this prover cannot show it (the caller then checks
    sizes one by one)."""
    proof = _Proof(dict(index_ranges), domain_of_base, eliminate, memo)
    try:
        cases = proof.decide(claim, depth=0)
    except (NotReducible, NotImplementedError, TypeError, ValueError, AttributeError):
        return None
    if cases is None:
        return None
    free = claim.a.expr.free_symbols | claim.b.expr.free_symbols
    shown = sorted((i for i in index_ranges if i in free), key=str)
    # The sizes the claim is about: those its sums run to, and those its free indices run over.
    used = {index_ranges[i] for i in shown} | (free & set(index_ranges.values()))
    sizes = sorted({str(b) for b in used if not b.is_number}) or [
        str(b) for b in sorted(set(index_ranges.values()), key=str)[:1]
    ]
    kinds = sorted({domain_of_base(n).text for n in sizes})
    uppers = {str(index_ranges[i]) for i in shown}
    if len(uppers) == 1:
        every = f" and every {', '.join(str(i) for i in shown)} in 1…{uppers.pop()}"
    else:
        every = " and every " + ", ".join(f"{i} in 1…{index_ranges[i]}" for i in shown)
    every = every if shown else ""
    split = f", case by case: {'; '.join(cases)}" if cases else ""
    return f"proven for every {', '.join(sizes)} ({', '.join(kinds)}){every}{split}"


@dataclass(frozen=True, slots=True)
class _Proof:
    index_ranges: dict[Any, Any]
    domain_of_base: Callable[[str], Domain]
    eliminate: Eliminate
    memo: dict[Any, Any] | None

    def decide(self, claim: Claim, depth: int) -> list[str] | None:
        """The cases the proof split into ([] for none), or None if it failed."""
        reducer = Reducer(self.index_ranges, self.domain_of_base, self.memo)
        bound = tuple(
            Guard(g.kind, reducer.scalar(g.expr))
            for g in claim.bound_guards
            if not _holds_by_its_sums(g)
        )
        a = _reduced_side(reducer, claim.a).map(lambda e: without_apart_deltas(e, claim.apart))
        b = _reduced_side(reducer, claim.b).map(lambda e: without_apart_deltas(e, claim.apart))
        a = Side(a.expr, a.guards + bound)
        givens = [(reducer.scalar(g), reducer.scalar(h)) for g, h in claim.givens]
        return self._finish(claim, reducer, a, b, givens, depth)

    def _finish(
        self,
        claim: Claim,
        reducer: Reducer,
        a: Side,
        b: Side,
        givens: list[tuple[Any, Any]],
        depth: int,
    ) -> list[str] | None:
        if self._zero(reducer, a, b, givens):
            return []
        delta = _free_delta(a, b)
        if delta is None or depth >= MAX_CASES:
            return None
        # δ_pq decided case by case: the claim with q replaced by p, and with δ_pq = 0.
        p, q = delta.args
        equal = {q: p} if isinstance(q, sp.Symbol) else {p: q}
        same = self.decide(claim.replaced(equal), depth + 1)
        if same is None:
            return None
        zero = {delta: sp.Integer(0)}
        apart = self._finish(
            claim,
            reducer,
            a.map(lambda e: e.xreplace(zero)),
            b.map(lambda e: e.xreplace(zero)),
            [(g.xreplace(zero), h.xreplace(zero)) for g, h in givens],
            depth + 1,
        )
        if apart is None:
            return None
        return [f"{p} = {q}", *same, f"{p} ≠ {q}", *apart]

    def _zero(self, reducer: Reducer, a: Side, b: Side, givens: list[tuple[Any, Any]]) -> bool:
        """Both sides defined everywhere and their difference identically 0."""
        # A given about symbols the reduced claim no longer mentions is not needed; a proof
        # that uses fewer givens proves more, so leaving one out is always sound.
        mentioned = a.expr.free_symbols | b.expr.free_symbols
        givens = [(g, h) for g, h in givens if (g - h).free_symbols & mentioned]
        elimination = self.eliminate(givens, self._domain_in(reducer), a, b)
        if isinstance(elimination, str):
            return False
        a, b = elimination.apply(a, b)
        if not all(_holds(g) for g in (*a.guards, *b.guards)):
            return False
        difference = a.expr - b.expr
        domains = {s: self._domain_in(reducer)(s) for s in difference.free_symbols}
        # The cheap normal forms decide most identities outright. Before the costly ones, a
        # difference clearly nonzero at a random point is no identity in these symbols: no
        # normal form can reach 0, though merging sums term by term still may.
        if symbolic_zero(difference, domains, cheap_only=True):
            return True
        if not _differs_somewhere(difference, domains) and symbolic_zero(
            difference, domains, cheap_tried=True
        ):
            return True
        return self._zero_term_by_term(reducer, difference)

    def _zero_term_by_term(self, reducer: Reducer, difference: Any) -> bool:
        """Σₖ f − Σₖ g = Σₖ (f − g): sums over the same range are merged back into one, whose
        term must vanish for every k (the same summand written two ways is two opaque sums)."""
        bodies = {symbol: key for key, symbol in reducer.atoms.items()}
        atoms = [s for s in difference.free_symbols if s in bodies]
        if not atoms:
            return False
        expanded = sp.expand(difference)
        rest = expanded.xreplace({s: sp.Integer(0) for s in atoms})
        linear = rest
        merged: dict[tuple[Any, ...], Any] = {}
        for atom in atoms:
            coefficient = expanded.coeff(atom)
            if coefficient.has(*atoms):
                return False
            linear += coefficient * atom
            total = bodies[atom]
            limits = tuple(tuple(limit) for limit in total.limits)
            merged[limits] = merged.get(limits, sp.Integer(0)) + coefficient * total.function
        if sp.expand(expanded - linear) != 0:
            return False  # the sums enter non-linearly (a product or a quotient of sums)
        parts = [rest, *merged.values()]
        for part in parts:
            scalar = reducer.components(part)
            domains = {s: self._domain_in(reducer)(s) for s in scalar.free_symbols}
            if _differs_somewhere(scalar, domains) or symbolic_zero(scalar, domains) is None:
                return False
        return True

    def _domain_in(self, reducer: Reducer) -> Callable[[Any], Domain]:
        def domain(symbol: Any) -> Domain:
            known = reducer.domains.get(symbol)
            return known if known is not None else self.domain_of_base(str(symbol).split("__")[0])

        return domain


def _reduced_side(reducer: Reducer, side: Side) -> Side:
    """The side as scalar algebra, with guards from its source and from its own expression
    (sums included: a denominator inside Σₖ must be nonzero for every k)."""
    own = guards_of(side.expr, bound=True)
    guards = tuple(
        Guard(g.kind, reducer.scalar(g.expr))
        for g in (*side.guards, *own)
        if not _holds_by_its_sums(g)
    )
    return Side(reducer.scalar(index_cases_as_deltas(side.expr)), guards)


def _holds_by_its_sums(guard: Guard) -> bool:
    if guard.kind not in ("nonzero", "positive", "nonnegative") or not guard.expr.has(sp.Sum):
        return False
    return _holds_by_signed_sums(guard.kind, guard.expr)


@functools.lru_cache(maxsize=1024)  # a row's guards recur in both checks it is a side of
def _holds_by_signed_sums(kind: str, expr: Any) -> bool:
    # Summation variables named by nesting: guards built apart have different ones, and the
    # memo below should see the same guard as the same.
    return _sign_by_terms(kind, bound_renamed(expr))


@functools.lru_cache(maxsize=1024)
def _sign_by_terms(kind: str, expr: Any) -> bool:
    """A sign condition that holds when each sum in it is read as what its terms make it: Σₖ
    (xₖ − μ)² is nonnegative term by term, which the expanded algebra (Σ xₖ² − Bμ²) no longer
    shows. Only the sign is used, so reading the sum as an unknown of that sign is sound.
    Memoised: the checks of one page share their guards (√(v + ε) is in every one)."""

    def signed(total: Any) -> Any:
        nonempty = all((high - low).is_nonnegative for _, low, high in total.limits)
        term = total.function
        if term.is_positive and nonempty:
            return sp.Dummy("sum", positive=True)
        if term.is_nonnegative:
            return sp.Dummy("sum", nonnegative=True)
        return total

    replaced = expr.replace(lambda e: isinstance(e, sp.Sum), signed)
    return not replaced.has(sp.Sum) and _holds(Guard(kind, replaced))


def index_cases_as_deltas(expr: Any) -> Any:
    """``a if i = j, b if i ≠ j`` is δᵢⱼ a + (1 − δᵢⱼ) b: a case split on indices becomes the
    algebra the delta rules and the case-by-case proof handle."""

    def rewrite(piecewise: Any) -> Any:
        if len(piecewise.args) != 2:
            return piecewise
        (first, one), (second, other) = piecewise.args
        if isinstance(one, sp.Eq) and (other is sp.true or isinstance(other, sp.Ne)):
            delta = sp.KroneckerDelta(*one.args)
            return delta * first + (1 - delta) * second
        if isinstance(one, sp.Ne) and (other is sp.true or isinstance(other, sp.Eq)):
            delta = sp.KroneckerDelta(*one.args)
            return (1 - delta) * first + delta * second
        return piecewise

    if not expr.has(sp.Piecewise):
        return expr
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), rewrite)


def _free_delta(*sides: Side) -> Any:
    """A δ between two free indices (or an index and a number), if any is left."""
    for side in sides:
        exprs = [side.expr, *(g.expr for g in side.guards)]
        deltas = set().union(*(e.atoms(sp.KroneckerDelta) for e in exprs))
        for delta in sorted(deltas, key=sp.default_sort_key):
            if all(isinstance(arg, (sp.Symbol, sp.Integer)) for arg in delta.args):
                return delta
    return None


def _differs_somewhere(difference: Any, domains: Mapping[Any, Domain]) -> bool:
    """True when the difference is clearly nonzero at a random point: then it is no identity,
    and the costly normal forms are skipped (the caller's sampling finds the counterexample)."""
    rng = random.Random(0)
    for _ in range(2):
        try:
            point = {s: _sample_number(d, rng) for s, d in domains.items()}
            value = sp.N(difference.xreplace(point), 30)
        except (ValueError, TypeError, ZeroDivisionError, ArithmeticError):
            return False
        if value.is_number and value.is_finite and abs(value) > 1e-12:
            return True
    return False


def _sample_number(domain: Domain, rng: random.Random) -> Any:
    """A point of ``domain`` to evaluate at: exact for integers and finite sets; otherwise a
    45-digit float, which SymPy evaluates as it substitutes (an exact rational made it carry
    exact powers and exponentials to the end: twice the time, for a yes/no answer whose
    "no" only means the normal forms are tried)."""
    value = str(domain.sample(rng))
    if domain.integer or domain.index or domain.values:
        return sp.Rational(value)
    return sp.Float(value, 45)


def _holds(guard: Guard) -> bool:
    """The guard holds at every point of the declared domains (by SymPy's assumptions, on
    the expression as built or as one fraction: 1 − 1/(1 + eᵗ) is eᵗ/(1 + eᵗ) > 0)."""
    if guard.kind == "holds":
        return guard.expr is sp.true
    if guard.kind not in ("nonzero", "positive", "nonnegative"):
        return False  # smooth, convention: a kink or a convention is no proof for every size
    for form in (guard.expr, sp.together(guard.expr)):
        if guard.kind == "nonzero" and form.is_nonzero:
            return True
        if guard.kind == "positive" and form.is_positive:
            return True
        if guard.kind == "nonnegative" and form.is_nonnegative:
            return True
    return False
