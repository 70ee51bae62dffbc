"""The plot and code job of a page, with every plot default in one place.

A page with a checked result and a loss gets a plot of the loss and its gradient, and
NumPy code for both; ``plot:`` in the source overrides the defaults below.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from ..core.errors import Position
from ..core.jobs import DrawJob, encode
from ..core.mathast import Node
from .arrayplan import plan_array_code
from .declarations import Resolved, domain_or_real
from .diagnostics import FileDiagnostics
from .model import Derivation, PlotSpec
from .types import Display, Source

DEFAULT_LOSS = "L"
"""The symbol plotted as the loss when ``plot: loss`` does not name a display."""
DEFAULT_ACTIVATION = "a"
"""The symbol plotted as the activation when ``plot: activation`` is not given."""


def plan_plot(
    model: Derivation, resolved: Resolved, source: Source, diags: FileDiagnostics
) -> dict[str, Any] | None:
    """The plot/code job of a page with a checked result and a loss; None otherwise."""
    spec = model.plot or PlotSpec()
    if any(decl.shape for decl in model.symbols.values()):
        # Gradients by whole vectors and matrices: code only (a plot has one variable).
        return plan_array_code(model, source) if spec.code else None
    result = source.result
    if result is None or not result.checks:
        return None
    gradient = result.checks[-1].right
    loss = _loss(spec, resolved, source.displays, diags)
    if loss is None:
        return None
    x = spec.x or _variable(result)
    if x is None:
        if model.plot is not None:  # asked for a plot, so say what is missing
            diags.path(("plot",), "plot: give x, the variable of the horizontal axis")
        return None
    _check_names(spec, x, resolved, diags)
    bodies = resolved.definition_bodies
    activation_name = spec.activation or (
        DEFAULT_ACTIVATION if DEFAULT_ACTIVATION in bodies else None
    )
    activation = bodies.get(activation_name) if activation_name else None
    targets = spec.targets if spec.targets is not None else _default_targets(resolved)
    low, high = (Fraction(v) for v in spec.range)
    return encode(
        DrawJob(
            x=x,
            x_range=(low, high),
            loss=loss,
            gradient=gradient,
            activation=activation,
            targets=tuple({k: Fraction(v) for k, v in t.items()} for t in targets),
            fixed={k: Fraction(v) for k, v in spec.fixed.items()},
            size=spec.size,
            indices=dict(spec.indices),
            code=spec.code,
            givens=result.checks[-1].givens,
        )
    )


def plot_position(model: Derivation, diags: FileDiagnostics) -> Position:
    """Where problems with the plot are reported: ``plot:`` if given, else the result."""
    return diags.position(("plot",) if model.plot else ("result",))


def _loss(
    spec: PlotSpec, resolved: Resolved, displays: list[Display], diags: FileDiagnostics
) -> Node | None:
    """The last row of the display named by ``plot: loss``, or else the symbol L if defined."""
    if spec.loss is not None:
        display = next((d for d in displays if d.anchor == spec.loss), None)
        if display is None or not display.checks:
            diags.path(("plot", "loss"), f"plot: no checked display has id {spec.loss!r}")
            return None
        return display.checks[-1].right
    if DEFAULT_LOSS not in resolved.definition_bodies:
        return None
    return Node("sym", (), DEFAULT_LOSS)


def _variable(result: Display) -> str | None:
    """The default horizontal axis: the variable the result differentiates by."""
    wrt = result.checks[0].wrt
    if wrt is None:
        return None
    if wrt.op == "sym":
        return wrt.value
    return None


def _check_names(spec: PlotSpec, x: str, resolved: Resolved, diags: FileDiagnostics) -> None:
    for where, names in (
        ("x", [x]),
        ("targets", [k for t in (spec.targets or []) for k in t]),
        ("fixed", list(spec.fixed)),
    ):
        for name in names:
            if not _declared(name, resolved):
                diags.path(("plot", where), f"plot: {name!r} is not a declared symbol")


def _declared(name: str, resolved: Resolved) -> bool:
    """A declared symbol, or one component (z_2) of a declared indexed symbol."""
    base, _, component = name.partition("_")
    if not component:
        return name in resolved.scope.symbols
    return resolved.scope.is_indexed(base) and component.isdigit()


def _default_targets(resolved: Resolved) -> list[dict[str, str]]:
    """Curves for typical targets: each value of a finite y, the ends of a bounded y, else 0 and 1."""
    info = resolved.scope.symbols.get("y")
    if info is None or info.indexed:
        return [{}]
    domain = domain_or_real(info.domain)
    if domain.values:
        return [{"y": str(v)} for v in domain.values[:4]]
    ends = [domain.low, domain.high]
    if all(math.isfinite(e) for e in ends):
        return [{"y": str(Fraction(e).limit_denominator())} for e in ends]
    return [{"y": "0"}, {"y": "1"}]
