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
    slot: int
    """Where its value goes in a :class:`Forward` buffer."""
    argument_slots: tuple[int, ...]
    """Where the function's arguments are read from, in order."""


@dataclass
class Forward:
    """Every defined element at one choice of sizes, as a numeric function of what it uses."""

    context: Context
    sizes: Mapping[str, int]
    order: list[_Element] = field(default_factory=list)
    slots: dict[Any, int] = field(default_factory=dict)
    """Every element and input the pass reads or writes, with its position in a buffer:
    finite differences evaluate everything hundreds of times, and looking values up by
    SymPy keys (whose equality test is slow) cost more than evaluating them."""

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
            places = tuple(self._slot(a) for a in arguments)
            self.order.append(_Element(key, function, self._slot(key), places))

        for key in sorted(elements, key=str):
            visit(key)

    def _indices(self, name: str, count: int) -> list[tuple[int, ...]]:
        if not count:
            return [()]
        dims = self.context.shapes.get(name) or (self.context.size or "",) * count
        return list(product(*(range(1, self.sizes[d] + 1) for d in dims)))

    def _slot(self, key: Any) -> int:
        return self.slots.setdefault(key, len(self.slots))

    def buffer(self, values: Mapping[Any, float]) -> list[Any]:
        """A buffer with ``values`` in their positions (those no element reads are left out)."""
        slots = self.slots
        out: list[Any] = [None] * len(slots)
        for key, value in values.items():
            if key in slots:
                out[slots[key]] = value
        return out

    def run(self, buffer: list[Any], held: frozenset[int]) -> None:
        """Evaluate every element in order, except those at the ``held`` positions."""
        for e in self.order:
            if e.slot not in held:
                buffer[e.slot] = e.function(*[buffer[i] for i in e.argument_slots])


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
    slots = forward.slots
    target = slots[tr.symbol(loss)]
    elements, shape = element_keys(context, wrt, sizes)
    held = wrt in tr.definitions
    at = forward.buffer(inputs)
    if held:
        forward.run(at, frozenset())
    frozen = frozenset(slots[e] for e in elements) if held else frozenset()
    out = np.zeros(len(elements))
    for k, element in enumerate(elements):
        position = slots.get(element)
        if position is None:
            continue  # nothing defined reads this input: the derivative is 0
        step = STEP * max(1.0, abs(at[position]))
        ends = []
        for sign in (1, -1):
            # Held: every element of wrt as computed, this one moved, the rest evaluated again.
            moved = list(at)
            moved[position] = at[position] + sign * step
            forward.run(moved, frozen)
            ends.append(moved[target])
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
