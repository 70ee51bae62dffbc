"""Numerically stable forms of a checked expression, and their proof.

A loss written the way a textbook writes it can fail in float64 long before its value
does: ln σ(z) for z = −40 loses every digit (1 − σ(z) rounds to 0), ln(1 + eᶻ) overflows
at z = 710. The rewrites below replace such subtrees by functions that NumPy evaluates
without overflow (``np.logaddexp``) or by helpers printed next to the code (a max-shifted
log-sum-exp and softmax). Each new function has an exact definition, and the rewritten
expression is used only after SymPy proved it equal to the checked one
(:func:`prove_equal`): the rewrites are a search for a better form, never a claim.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..core.domains import Domain, parse_domain
from .everysize import Claim, prove_every_size
from .normalforms import logarithms_split, symbolic_zero
from .sides import Side
from .vectors import fully_expanded

REAL = parse_domain("real")

PROOF_SIZES = (1, 2, 3, 4)
"""Vector forms (sums up to N) that no proof for every N reaches are proven at these sizes."""


class LogAddExp(sp.Function):  # type: ignore[misc]
    """ln(eᵃ + eᵇ), printed as ``np.logaddexp(a, b)``."""

    nargs = 2


class LogSumExp(sp.Function):  # type: ignore[misc]
    """ln Σⱼ e^{uⱼ} for the single argument Σⱼ uⱼ; printed as the ``logsumexp`` helper."""

    nargs = 1


class LogGamma(sp.Function):  # type: ignore[misc]
    """ln Γ(x), printed as the ``gammaln`` helper (SymPy's loggamma would turn back into
    ln Γ(x) at integer arguments)."""

    nargs = 1


class Softmax(sp.Function):  # type: ignore[misc]
    """e^{uᵢ} / Σⱼ e^{uⱼ} for the arguments (Σⱼ uⱼ, uᵢ); printed as the ``softmax`` helper."""

    nargs = 2


STABLE_FUNCTIONS = (LogAddExp, LogSumExp, LogGamma, Softmax)


# --- the rewrites ------------------------------------------------------------------------------


def stabilized(expr: Any) -> Any:
    """``expr`` with every subtree that has a float64-stable form replaced by it (bottom-up)."""
    if not expr.args or isinstance(expr, (sp.Indexed, sp.IndexedBase, sp.Tuple)):
        return expr
    if isinstance(expr, sp.Sum):
        body = stabilized(expr.function)
        if body.could_extract_minus_sign():  # −Σ(−a − b) reads better as Σ(a + b)
            return -sp.Sum(-body, *expr.limits)
        return sp.Sum(body, *expr.limits)
    rebuilt = expr.func(*(stabilized(a) for a in expr.args))
    if isinstance(rebuilt, sp.log):
        return _log(rebuilt.args[0])
    if isinstance(rebuilt, sp.Add):
        return _complement(rebuilt)
    if isinstance(rebuilt, sp.Mul):
        return _softmax(rebuilt)
    return rebuilt


def _log(arg: Any) -> Any:
    """ln(arg), with the logarithm pushed through products and powers of positive terms."""
    if isinstance(arg, sp.exp):
        return arg.args[0] if arg.args[0].is_real else sp.log(arg)
    if isinstance(arg, sp.Pow) and arg.base.is_positive and arg.exp.is_real:
        return arg.exp * _log(arg.base)
    if not arg.free_symbols:
        return sp.log(arg)  # a constant such as ln(2π) stays as written
    if isinstance(arg, sp.Mul) and all(f.is_positive for f in arg.args):
        return sp.Add(*(_log(f) for f in arg.args))
    if isinstance(arg, Softmax):
        total, component = arg.args
        return component - LogSumExp(total)
    if isinstance(arg, sp.cosh):
        return LogAddExp(arg.args[0], -arg.args[0]) - sp.log(2)
    if isinstance(arg, sp.factorial):
        return LogGamma(arg.args[0] + 1)  # n! overflows float64 beyond n = 170
    if isinstance(arg, sp.Sum) and isinstance(arg.function, sp.exp):
        return LogSumExp(sp.Sum(arg.function.args[0], *arg.limits))
    pair = _two_exponentials(arg)
    if pair is not None:
        return LogAddExp(*pair)
    return sp.log(arg)


def _two_exponentials(arg: Any) -> tuple[Any, Any] | None:
    """(a, b) when ``arg`` is eᵃ + eᵇ (1 counts as e⁰)."""
    if not isinstance(arg, sp.Add) or len(arg.args) != 2:
        return None
    exponents = []
    for term in arg.args:
        if term == 1:
            exponents.append(sp.Integer(0))
        elif isinstance(term, sp.exp) and term.args[0].is_real:
            exponents.append(term.args[0])
        else:
            return None
    return exponents[0], exponents[1]


def _complement(total: Any) -> Any:
    """1 − 1/(1 + eᵘ) = 1/(1 + e⁻ᵘ): no cancellation when the sigmoid is near 1."""
    if len(total.args) != 2 or sp.Integer(1) not in total.args:
        return total
    (other,) = (t for t in total.args if t != 1)
    sigmoid = -other
    if not (isinstance(sigmoid, sp.Pow) and sigmoid.exp == -1):
        return total
    pair = _two_exponentials(sigmoid.base)
    if pair is None or pair[0] != 0:
        return total
    return 1 / (1 + sp.exp(-pair[1]))


def _softmax(product: Any) -> Any:
    """e^{uᵢ} · (Σⱼ e^{uⱼ})⁻¹ → Softmax, which the printer shifts by the maximum."""
    factors = list(product.args)
    for k, factor in enumerate(factors):
        if not (isinstance(factor, sp.Pow) and factor.exp == -1):
            continue
        total = factor.base
        if not (isinstance(total, sp.Sum) and isinstance(total.function, sp.exp)):
            continue
        body = total.function.args[0]
        variable = total.limits[0][0]
        for m, other in enumerate(factors):
            if (
                m != k
                and isinstance(other, sp.exp)
                and _same_but_index(body, variable, other.args[0])
            ):
                rest = [f for n, f in enumerate(factors) if n not in (k, m)]
                return sp.Mul(*rest, Softmax(sp.Sum(body, *total.limits), other.args[0]))
    return product


def _same_but_index(body: Any, variable: Any, component: Any) -> bool:
    """``component`` is ``body`` with the summation variable replaced by one index."""
    indices = {i.indices[0] for i in component.atoms(sp.Indexed) if len(i.indices) == 1}
    return len(indices) == 1 and body.xreplace({variable: indices.pop()}) == component


# --- what the new functions mean ------------------------------------------------------------------


def meaning(expr: Any, shift: Any) -> Any:
    """``expr`` with each stable function replaced by its definition; the helpers subtract
    ``shift`` (the maximum, in the printed code) inside every exponential, as they do."""
    return expr.replace(lambda e: isinstance(e, STABLE_FUNCTIONS), lambda e: _definition(e, shift))


def _definition(e: Any, shift: Any) -> Any:
    if isinstance(e, LogAddExp):
        return sp.log(sp.exp(e.args[0]) + sp.exp(e.args[1]))
    if isinstance(e, LogGamma):
        return sp.log(sp.gamma(e.args[0]))
    total = e.args[0]
    shifted = sp.Sum(sp.exp(total.function - shift), *total.limits)
    if isinstance(e, LogSumExp):
        return shift + sp.log(shifted)
    return sp.exp(e.args[1] - shift) / shifted


def prove_equal(
    original: Any,
    stable: Any,
    domains: dict[Any, Domain],
    size: Any | None,
    vector: VectorScope | None = None,
) -> str | None:
    """How SymPy proved ``stable`` (its functions read by their definitions) equal to
    ``original``, or None, for every value of the helpers' shift. Sums over 1…N are proven
    for every N by :mod:`generator.checker.everysize` when ``vector`` says what the
    symbols range over; otherwise, or when that proof fails, at the sizes in
    :data:`PROOF_SIZES`."""
    if stable == original:
        return "identical"
    shift = sp.Dummy("m", real=True)
    meant = meaning(stable, shift)
    difference = meant - original
    if not difference.has(sp.Sum):
        return _zero(difference, domains)
    if size is None or size not in difference.free_symbols:
        return None
    if vector is not None:
        proof = _every_size(original, meant, size, vector, shift)
        if proof is not None:
            return proof
    for n in PROOF_SIZES:
        concrete = fully_expanded(difference.xreplace({size: sp.Integer(n)}))
        if concrete.has(sp.Sum) or _zero(concrete, domains) is None:
            return None
    return f"proven for N = {PROOF_SIZES[0]}…{PROOF_SIZES[-1]}"


@dataclass(frozen=True)
class VectorScope:
    """What a vector page's symbols range over: each base name's declared domain (z for
    every zₖ), and the index symbols (i in ∂L/∂zᵢ, which runs over 1…N)."""

    domain_of_base: Callable[[str], Domain]
    indices: tuple[Any, ...]


@dataclass(frozen=True)
class _NoGivens:
    """The elimination :func:`everysize.prove_every_size` applies: none. The proof uses no
    given (such as Σₖ yₖ = 1), so it holds without one."""

    def apply(self, a: Side, b: Side) -> tuple[Side, Side]:
        return a, b


def _every_size(
    original: Any, meant: Any, size: Any, vector: VectorScope, shift: Any
) -> str | None:
    """The proof for every N ≥ 1 (sums as algebra, definedness proven), or None."""
    name = str(shift)

    def domain_of_base(base: str) -> Domain:
        return REAL if base == name else vector.domain_of_base(base)

    claim = Claim(Side(meant), Side(original), (), ())
    bounds = {index: size for index in vector.indices}
    return prove_every_size(claim, bounds, domain_of_base, lambda *_: _NoGivens())


def _zero(difference: Any, domains: dict[Any, Domain]) -> str | None:
    """A normal form that reaches 0; logarithms of positive terms are expanded first."""
    if difference.has(sp.log) and logarithms_split(difference) == 0:
        # Stable forms are mostly logarithms rewritten: splitting them is cheaper than simplify.
        return "logarithms split"
    method = symbolic_zero(difference, domains)
    if method is not None:
        return method
    expanded = sp.expand_log(difference.rewrite(sp.exp), force=False)
    return symbolic_zero(expanded, domains)
