r"""Rates of change written with a dot: ``\dot p`` is dp/dt, and ``\dot{FL}(p)`` is the rate of
FL(p) as p changes, FL′(p)·ṗ (the chain rule).

Which quantities change with time is what the display says: those written with a dot in it.
Every other symbol is constant (γ in ``\dot{FL}(p) = \dot p \, γ …``). A dotted formula in a
display that dots no quantity does not say what changes, and is refused.
"""

from __future__ import annotations

from ...core.errors import SourceError
from ...core.mathast import Node, sym
from . import functions, names
from .state import TexState


def parse_dot(state: TexState) -> Node:
    """``\\dot{p}`` (a declared symbol) or ``\\dot{F}(…)`` (a declared function, applied)."""
    dot = state.take()
    state.expect("{", "a braced name after \\dot, such as \\dot{p}")
    name = _declared_function(state)
    if name is not None:
        state.expect("}")
        call = functions.parse_call_args(state, name, dot)
        return Node("rate", (call,), "", dot.offset)
    symbol = names.match_declared_symbol(state)
    if symbol is None or state.scope.is_indexed(symbol):
        raise state.fail("\\dot is read on a declared symbol or function: \\dot{p}, \\dot{F}(p)")
    state.expect("}")
    return Node("rate", (sym(symbol, dot.offset),), "", dot.offset)


def _declared_function(state: TexState) -> str | None:
    """A declared function spelled at the cursor, by its TeX or by its name's letters (consumed)."""
    for pattern, name in state.patterns_here():
        if name in state.scope.functions and state.match(pattern):
            return name
    for name in sorted(state.scope.functions, key=len, reverse=True):
        if state.texts(state.pos, state.pos + len(name)) == list(name):
            state.take_run(name)
            return name
    return None


def resolve_rates(
    rows: tuple[Node, ...], dependents: dict[str, tuple[str, ...]]
) -> tuple[Node, ...]:
    """Each dotted formula with the quantities that change: those dotted in ``rows``."""
    changing = {
        str(n.args[0].value)
        for row in rows
        for n in row.walk()
        if n.op == "rate" and n.args[0].op == "sym" and n.args[0].value not in dependents
    }
    return tuple(_resolved(row, changing, dependents) for row in rows)


def _resolved(node: Node, changing: set[str], dependents: dict[str, tuple[str, ...]]) -> Node:
    if node.op == "rate":
        (inner,) = node.args
        if inner.op == "sym" and inner.value not in dependents:
            return node  # ṗ itself: a quantity of its own
        written = {str(n.value) for n in inner.walk() if n.op == "sym"}
        written |= set(dependents.get(str(inner.value), ()))
        still = sorted(written - changing)
        if still:
            raise SourceError(
                f"\\dot of a formula in {', '.join(still)}, which the display never writes with "
                "a dot: whether it changes with time is not said",
                node.offset,
                (
                    f"write \\dot {still[0]} where it changes, or leave it out of the dotted formula",
                ),
            )
        # every dotted quantity: a function's body may use one its arguments do not show
        varying = sorted(changing)
        if not varying:
            raise SourceError(
                "a dotted formula in a display that writes no quantity with a dot: what changes "
                "with time is not said",
                node.offset,
                ("write the rate of the quantity that changes, such as \\dot p, in the display",),
            )
        return Node("rate", (inner, *(sym(v) for v in varying)), "", node.offset)
    if not node.args:
        return node
    args = tuple(
        _resolved(a, changing, dependents) if isinstance(a, Node) else a for a in node.args
    )
    return Node(node.op, args, node.value, node.offset)
