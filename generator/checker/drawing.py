"""Plots and NumPy code drawn from the checked expressions (runs inside a check worker).

Nothing here is typed separately from the derivation: the activation, the loss and
∂L/∂x are the definitions and the result the checker verified, expanded in the plot's
variable. The NumPy functions are printed from the same SymPy expressions and verified
by :mod:`generator.checker.pagecode`.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import sympy as sp

from ..core.jobs import Drawing, DrawJob
from ..core.mathast import Node
from ..core.verdicts import FALSE, PROVEN, Verdict
from . import svgplot
from .context import Context
from .pagecode import page_code
from .sides import Side
from .vectors import concrete


def draw(context: Context, job: DrawJob, rng: random.Random) -> Verdict:
    """Plot the page's loss and gradient, and print and verify NumPy code for both."""
    tr = context.translator
    subs: dict[Any, Any] = {}
    if job.size is not None and context.size is not None:
        subs[tr.symbol(context.size)] = sp.Integer(job.size)
        for name, value in job.indices.items():
            subs[tr.symbol(name)] = sp.Integer(value)
    loss = _expanded(context, job.loss, subs)
    gradient = _expanded(context, job.gradient, subs)
    activation = _expanded(context, job.activation, subs) if job.activation else None
    symbols = _symbols_by_name(loss, gradient, activation)
    x = symbols.get(job.x) or sp.Symbol(job.x, real=True)
    fixed = {symbols[k]: _rational(v) for k, v in job.fixed.items() if k in symbols}
    targets = [
        {symbols[k]: _rational(v) for k, v in t.items() if k in symbols} for t in job.targets
    ]
    params = [x, *sorted((s for s in symbols.values() if s != x), key=str)]
    missing = [s for s in params[1:] if s not in fixed and all(s not in t for t in targets)]
    if missing:
        names = ", ".join(str(s).replace("__", "_") for s in missing)
        return Verdict(
            FALSE, "plot", f"the plot needs values for {names} (under plot: fixed or targets)"
        )
    description = _alt_text(job, targets)
    svg = _plot(job, x, activation, loss, gradient, fixed, targets, description)
    if not job.code:
        return Verdict(PROVEN, "artifacts", drawing=Drawing(svg, description))
    code = page_code(context, job, rng)
    if code is None:  # no array form to print (a sum whose terms mix two indices)
        return Verdict(PROVEN, "artifacts", drawing=Drawing(svg, description))
    if code.failure is not None:
        drawing = Drawing(svg, description, code.text)
        return Verdict(FALSE, "finite differences", code.failure, drawing=drawing)
    drawing = Drawing(svg, description, code.text, code.verification, code.float64)
    return Verdict(PROVEN, "artifacts", drawing=drawing)


def _rational(value: Fraction) -> Any:
    return sp.Rational(value.numerator, value.denominator)


def _float_range(job: DrawJob) -> tuple[float, float]:
    low, high = job.x_range
    return float(low), float(high)


def _expanded(context: Context, node: Node, subs: dict[Any, Any]) -> Any:
    """A checked expression with every definition expanded (and a vector page made concrete)."""
    tr = context.translator
    expr = tr.expand(tr.expr(node))
    if subs:
        (side,), _ = concrete(context.domains, [Side(expr)], subs)
        expr = side.expr
    return expr


def _symbols_by_name(*exprs: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for expr in exprs:
        if expr is None:
            continue
        for symbol in expr.free_symbols:
            if isinstance(symbol, sp.Symbol) and not isinstance(symbol, sp.Dummy):
                found[symbol.name.replace("__", "_")] = symbol
    return found


# --- the plot -------------------------------------------------------------------------------


def _plot(
    job: DrawJob,
    x: Any,
    activation: Any,
    loss: Any,
    gradient: Any,
    fixed: dict[Any, Any],
    targets: list[dict[Any, Any]],
    description: str,
) -> str:
    import numpy as np

    low, high = _float_range(job)
    grid = np.linspace(low, high, 121)
    panels = [("activation", activation)] if activation is not None else []
    panels += [("loss", loss), ("gradient", gradient)]
    drawn = []
    for name, expr in panels:
        curves = [{}] if name == "activation" else targets
        drawn.append(
            svgplot.Panel(
                name,
                [
                    svgplot.Curve(
                        _target_label(target) if name != "activation" and len(curves) > 1 else "",
                        [float(v) for v in grid],
                        [float(v) for v in _sample(expr.xreplace({**fixed, **target}), x, grid)],
                    )
                    for target in curves
                ],
            )
        )
    return svgplot.render(drawn, job.x, description)


def _target_label(target: dict[Any, Any]) -> str:
    return ", ".join(f"{str(s).replace('__', '_')} = {v}" for s, v in target.items())


def _sample(expr: Any, x: Any, grid: Any) -> Any:
    import numpy as np

    # NumPy itself as the namespace: the same printer and the same functions as the name
    # "numpy" gives, without its `from numpy import *`, which imports NumPy's ninety-odd
    # submodules (0.07 s, in the fork server before any worker could start).
    # docstring_limit=0: the docstring would print the whole expression once more.
    function = sp.lambdify(x, expr, modules=[np], docstring_limit=0)
    with np.errstate(all="ignore"):
        values = np.asarray(function(grid), dtype=float) * np.ones_like(grid)
    values[~np.isfinite(values)] = np.nan
    return values


def _alt_text(job: DrawJob, targets: list[dict[Any, Any]]) -> str:
    low, high = (_rational(v) for v in job.x_range)
    which = "; ".join(
        ", ".join(f"{str(s).replace('__', '_')} = {v}" for s, v in t.items()) for t in targets
    )
    parts = ["the activation" if job.activation else None, "the loss", "its gradient"]
    return (
        f"Plots of {', '.join(p for p in parts if p)} against {job.x} from {low} to {high}"
        + (f", for {which}" if which else "")
        + ", computed from the checked expressions."
    )
