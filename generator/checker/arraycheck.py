"""The reference the printed array code is checked against: the page's checked definitions,
made concrete at one choice of sizes and evaluated numerically, and their finite differences.

Each definition is evaluated element by element, in the order its elements need each other
(z₁ before a₁ = σ(z₁) before z₂ …), from SymPy's own expression of it: nothing of the printed
code is used. A derivative by a defined quantity (∂L/∂z₁) holds that quantity: its elements
are moved one by one and everything defined from them is evaluated again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from typing import Any

import numpy as np
import sympy as sp

from .context import Context
from .numpycode import plain_arguments
from .vectors import fully_expanded

STEP = 1e-6
"""The central difference's step, relative to the size of the value moved (at least 1)."""


@dataclass(frozen=True, slots=True)
class _Element:
    key: Any
    """z1[2], or the symbol L."""
    function: Callable[..., float]
    arguments: tuple[Any, ...]


@dataclass
class Forward:
    """Every defined element at one choice of sizes, as a numeric function of what it uses."""

    context: Context
    sizes: Mapping[str, int]
    order: list[_Element] = field(default_factory=list)

    def __post_init__(self) -> None:
        tr = self.context.translator
        fixed = {tr.symbol(k): sp.Integer(v) for k, v in self.sizes.items()}
        elements: dict[Any, tuple[Any, set[Any]]] = {}
        for name, definition in tr.definitions.items():
            body = tr.definition_body(name)
            for at in self._indices(name, len(definition.indices)):
                index = {
                    tr.symbol(i): sp.Integer(v) for i, v in zip(definition.indices, at, strict=True)
                }
                expr = fully_expanded(body.xreplace({**fixed, **index}))
                key = tr.base(name)[tuple(sp.Integer(v) for v in at)] if at else tr.symbol(name)
                elements[key] = (expr, _atoms(expr))
        done: set[Any] = set()

        def visit(key: Any) -> None:
            if key in done or key not in elements:
                return
            done.add(key)
            expr, uses = elements[key]
            for used in sorted(uses, key=str):
                visit(used)
            arguments = tuple(sorted(uses, key=str))
            plain = plain_arguments(expr, len(arguments), real=True)
            moved = expr.xreplace(dict(zip(arguments, plain, strict=True)))
            function = _compiled(tuple(plain), moved)
            self.order.append(_Element(key, function, arguments))

        for key in sorted(elements, key=str):
            visit(key)

    def _indices(self, name: str, count: int) -> list[tuple[int, ...]]:
        if not count:
            return [()]
        dims = self.context.shapes.get(name) or (self.context.size or "",) * count
        return list(product(*(range(1, self.sizes[d] + 1) for d in dims)))

    def values(self, inputs: Mapping[Any, float], held: Mapping[Any, float]) -> dict[Any, float]:
        """Inputs, held elements as given, and every other defined element evaluated."""
        out = {**inputs, **held}
        for element in self.order:
            if element.key not in held:
                out[element.key] = element.function(*(out[a] for a in element.arguments))
        return out


@lru_cache(maxsize=1024)
def _compiled(arguments: tuple[Any, ...], expr: Any) -> Callable[..., float]:
    """``expr`` as a float function of ``arguments``. Remembered: with its elements renamed
    to plain arguments, σ(z₁) and σ(z₂) are one expression, at every choice of sizes."""
    # docstring_limit=0: the docstring would print the whole expression once more.
    return sp.lambdify(arguments, expr, "math", docstring_limit=0)  # type: ignore[no-any-return]


def _atoms(expr: Any) -> set[Any]:
    """The elements and numbers an element's expression uses (not the arrays' own names)."""
    indexed: set[Any] = set(expr.atoms(sp.Indexed))
    labels = {a.base.label for a in indexed}
    plain = {s for s in expr.atoms(sp.Symbol) if not isinstance(s, sp.Dummy) and s not in labels}
    return indexed | plain


def element_keys(
    context: Context, name: str, sizes: Mapping[str, int]
) -> tuple[list[Any], tuple[int, ...]]:
    """The elements of ``name`` at these sizes (the symbol itself for a number), and its shape."""
    tr = context.translator
    shape = tuple(sizes[d] for d in context.shapes.get(name, ()))
    if not shape:
        return [tr.symbol(name)], ()
    indices = product(*(range(1, n + 1) for n in shape))
    return [tr.base(name)[tuple(sp.Integer(v) for v in at)] for at in indices], shape


def finite_differences(
    context: Context,
    forward: Forward,
    loss: str,
    wrt: str,
    inputs: Mapping[Any, float],
    sizes: Mapping[str, int],
) -> Any:
    """∂loss/∂wrt by central differences, element by element, with wrt held if it is defined."""
    tr = context.translator
    target = tr.symbol(loss)
    elements, shape = element_keys(context, wrt, sizes)
    held = wrt in tr.definitions
    at = forward.values(inputs, {}) if held else dict(inputs)
    out = np.zeros(len(elements))
    for k, element in enumerate(elements):
        step = STEP * max(1.0, abs(at[element]))
        ends = []
        for sign in (1, -1):
            moved = at[element] + sign * step
            if held:
                frozen = {e: at[e] for e in elements}
                value = forward.values(inputs, {**frozen, element: moved})[target]
            else:
                value = forward.values({**inputs, element: moved}, {})[target]
            ends.append(value)
        out[k] = (ends[0] - ends[1]) / (2 * step)
    return out.reshape(shape)


def input_values(context: Context, inputs: Mapping[str, Any]) -> dict[Any, float]:
    """Random arrays and numbers by name → their elements as the SymPy atoms they stand for."""
    tr = context.translator
    values: dict[Any, float] = {}
    for name, value in inputs.items():
        if name in context.shapes:
            array = np.asarray(value)
            for at in product(*(range(n) for n in array.shape)):
                values[tr.base(name)[tuple(sp.Integer(k + 1) for k in at)]] = float(array[at])
        else:
            values[tr.symbol(name)] = float(value)
    return values
