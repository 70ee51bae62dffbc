"""The code of a page: stable forms, printing, verification (runs inside a check worker).

The loss and ∂L/∂x are the checked expressions with every definition expanded (on vector
pages with the size N kept symbolic, so the code works on arrays of any length). Each is
rewritten into a float64-stable form where one is known, and the stable form replaces the
checked one only when SymPy proved the two equal; the printed code is then run by
:mod:`generator.checker.codecheck`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp

from ..core.domains import Domain, parse_domain
from ..core.jobs import DrawJob
from . import codecheck, numpycode, stableforms
from .context import Context

REAL = parse_domain("real")


@dataclass(frozen=True)
class PageCode:
    text: str
    failure: str | None
    verification: str
    float64: str


def page_code(context: Context, job: DrawJob, rng: random.Random) -> PageCode | None:
    """The verified code of a page, or None when it has no array form to print."""
    prepared = prepare(context, job)
    if prepared is None:
        return None
    problem, proofs = prepared
    outcome = codecheck.run(problem, rng)
    return PageCode(problem.text, outcome.failure, proofs + outcome.verification, outcome.float64)


def prepare(context: Context, job: DrawJob) -> tuple[codecheck.Problem, str] | None:
    """The printed code with what it is checked against, and how its stable forms were
    proven; None when the page has no array form to print."""
    tr = context.translator
    loss = tr.expand(tr.expr(job.loss))
    gradient = tr.expand(tr.expr(job.gradient))
    size = tr.symbol(context.size) if context.size is not None else None
    free = _free_index(context, gradient)
    wrt, component = _plotted(job.x, loss, gradient, tr)
    params = _parameters(loss, gradient, wrt, size, free)
    domains = {p: _domain(context, p) for p in params}
    vector = _vector_scope(context)
    stable_loss, loss_proof = _stable(loss, domains, size, vector)
    stable_gradient, gradient_proof = _stable(gradient, domains, size, vector)
    arrays = frozenset(_printed(p) for p in params if isinstance(p, sp.IndexedBase))
    if arrays and not (
        numpycode.printable(stable_loss, size, None)
        and numpycode.printable(stable_gradient, size, free)
    ):
        return None
    rename = {_label(p).name: _printed(p) for p in params if _printed(p) != _label(p).name}
    signature = numpycode.Signature(
        tuple(_printed(p) for p in params), arrays, _printed(wrt), rename, size
    )
    try:
        text = numpycode.module_text(signature, stable_loss, stable_gradient, free)
    except numpycode.NotPrintable:
        return None
    sums, all_read = _sums(context, job)
    problem = codecheck.Problem(
        text=text,
        signature=signature,
        params=params,
        loss=loss,
        gradient=gradient,
        wrt=wrt,
        x_name=job.x,
        component=component,
        free=free,
        size=size,
        settings=_settings(job, params),
        domains=domains,
        x_range=(float(job.x_range[0]), float(job.x_range[1])),
        sums=sums,
        random_arrays=all_read,
    )
    return problem, _proof_text(loss_proof, gradient_proof)


def _stable(
    expr: Any,
    domains: dict[Any, Domain],
    size: Any | None,
    vector: stableforms.VectorScope | None,
) -> tuple[Any, str | None]:
    """The stable form and how it was proven equal; the checked form when no proof is found."""
    candidate = stableforms.stabilized(expr)
    if candidate == expr:
        return expr, None
    proof = stableforms.prove_equal(expr, candidate, _symbol_domains(domains), size, vector)
    return (candidate, proof) if proof is not None else (expr, None)


def _vector_scope(context: Context) -> stableforms.VectorScope | None:
    if context.size is None:
        return None
    tr = context.translator
    indices = tuple(tr.symbol(n) for n, d in sorted(context.domains.items()) if d.index)
    return stableforms.VectorScope(lambda name: context.domains.get(name, REAL), indices)


def _proof_text(loss_proof: str | None, gradient_proof: str | None) -> str:
    parts = [
        f"the printed {what} is proven equal to the checked one by SymPy ({proof})"
        for what, proof in (("loss", loss_proof), ("gradient", gradient_proof))
        if proof is not None
    ]
    return "; ".join(parts) + "; " if parts else ""


def _symbol_domains(domains: Mapping[Any, Domain]) -> dict[Any, Domain]:
    return {p: d for p, d in domains.items() if isinstance(p, sp.Symbol)}


def _label(p: Any) -> Any:
    return p.label if isinstance(p, sp.IndexedBase) else p


def _printed(p: Any) -> str:
    return numpycode.python_name(_label(p).name)


def _domain(context: Context, p: Any) -> Domain:
    return context.domains.get(_label(p).name.split("__")[0], REAL)


def _free_index(context: Context, gradient: Any) -> Any | None:
    """The index a vector gradient is a component of (i in ∂L/∂zᵢ), if any."""
    free = [
        s
        for s in gradient.free_symbols
        if isinstance(s, sp.Symbol) and (d := context.domains.get(s.name)) and d.index
    ]
    return free[0] if len(free) == 1 else None


def _plotted(x: str, loss: Any, gradient: Any, tr: Any) -> tuple[Any, int | None]:
    """The parameter of the plot's variable, and its component when it is one (z_1 → z, 1)."""
    bases = {b.label.name: b for e in (loss, gradient) for b in e.atoms(sp.IndexedBase)}
    base, _, component = x.partition("_")
    if component.isdigit() and base in bases:
        return bases[base], int(component)
    return tr.symbol(x), None


def _parameters(loss: Any, gradient: Any, wrt: Any, size: Any, free: Any) -> list[Any]:
    found: dict[str, Any] = {}
    for expr in (loss, gradient):
        for base in expr.atoms(sp.IndexedBase):
            found[base.label.name] = base
        for symbol in expr.free_symbols:
            named = isinstance(symbol, sp.Symbol) and not isinstance(symbol, sp.Dummy)
            if named and symbol not in (size, free) and symbol.name not in found:
                found[symbol.name] = symbol
    found.pop(_label(wrt).name, None)
    return [wrt, *(found[name] for name in sorted(found))]


def _settings(job: DrawJob, params: list[Any]) -> list[codecheck.Values]:
    """The plotted values (fixed and each target) of every parameter, arrays as lists."""
    by_name = {_label(p).name: p for p in params}
    settings = []
    for target in job.targets or ({},):
        values: codecheck.Values = {
            p: [0.0] * (job.size or 0) for p in params if isinstance(p, sp.IndexedBase)
        }
        for name, value in {**job.fixed, **target}.items():
            _assign(values, by_name, name, value)
        settings.append(values)
    return settings


def _assign(values: codecheck.Values, by_name: dict[str, Any], name: str, value: Fraction) -> None:
    base, _, component = name.partition("_")
    if component.isdigit() and base in by_name and isinstance(by_name[base], sp.IndexedBase):
        values[by_name[base]][int(component) - 1] = float(value)
    elif name in by_name:
        values[by_name[name]] = float(value)


def _sums(context: Context, job: DrawJob) -> tuple[dict[Any, Any], bool]:
    """Givens Σₖ vₖ = c as {v: c}; and whether every given was of that form."""
    tr = context.translator
    sums: dict[Any, Any] = {}
    for left, right in job.givens:
        total, value = tr.expand(tr.expr(left)), tr.expand(tr.expr(right))
        term = total.function if isinstance(total, sp.Sum) else None
        if not (
            isinstance(term, sp.Indexed)
            and value.is_number
            and term.indices[0] == total.limits[0][0]
        ):
            return sums, False
        sums[term.base] = float(value)
    return sums, True
