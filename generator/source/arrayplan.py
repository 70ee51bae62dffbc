"""The code job of a page with vectors and matrices: its gradients as written, to print.

The checker proves each display element by element; the code printer reads the same TeX with
the arrays kept whole, so ``\\frac{\\partial L}{\\partial W} = \\delta x^\\top`` prints as
``np.outer(delta, x)``. Which displays: every checked gradient of a scalar by a whole array
(the first row ``∂L/∂W``, the last row the expression printed), the first of each pair of
loss and variable; and the definitions written whole, which the printed function computes
first.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import SourceError
from ..core.jobs import ArrayCodeJob, encode
from ..core.mathast import Node
from ..parse.tex import parse_whole
from ..parse.tex.arrays import has_arrays
from .model import DefineBlock, Derivation
from .types import Display, Source


def plan_array_code(model: Derivation, source: Source) -> dict[str, Any] | None:
    """The encoded :class:`ArrayCodeJob`, or None when the page has no gradient by an array."""
    scope = source.scope
    gradients: dict[tuple[str, str], Node] = {}
    for display in source.displays:  # the result first
        found = _gradient(display, source)
        if found is not None:
            gradients.setdefault(found[:2], found[2])
    if not gradients:
        return None
    forward = []
    for item in model.body:
        if (
            not isinstance(item, DefineBlock)
            or item.tex is None
            or item.define not in scope.symbols
        ):
            continue
        head = (item.define, tuple(item.params), tuple(item.index))
        try:
            rows = parse_whole(item.tex, scope, head).rows
        except SourceError:
            continue  # reported where the page was loaded
        if has_arrays(rows[-1]) or not scope.shape_of(item.define):
            forward.append((item.define, rows[-1]))
    job = ArrayCodeJob(
        tuple(forward),
        tuple((loss, wrt, tree) for (loss, wrt), tree in gradients.items()),
        model.layout,
    )
    return encode(job)


def _gradient(display: Display, source: Source) -> tuple[str, str, Node] | None:
    """(loss, variable, last row) of a checked display whose first row is ∂loss/∂W for a whole
    array W (or ∂loss/∂γ for a number, when the last row writes arrays: gᵀx̂)."""
    if display.kind != "derivative" or not display.checks:
        return None
    try:
        rows = parse_whole(display.tex.lstrip().removeprefix("="), source.scope).rows
    except SourceError:
        return None
    first, last = rows[0], rows[-1]
    if first.op != "deriv" or _unprintable(last):
        return None
    body, variable, order = first.args
    if body.op != "sym" or variable.op not in ("array", "sym") or order.value != "1":
        return None
    if variable.op == "sym" and not has_arrays(last):
        return None  # a scalar gradient of scalars: nothing of the arrays to print
    return str(body.value), str(variable.value), last


def _unprintable(node: Node) -> bool:
    """An element (W_{ij}) or a derivative left in the expression; σ'(z) is printable."""
    if node.op == "at":
        return False
    if node.op in ("deriv", "index"):
        return True
    return any(_unprintable(arg) for arg in node.args)
