r"""The gradient and the Hessian of a scalar, taken component by component:
``\nabla f(x)_i`` is ∂f/∂xᵢ and ``\nabla^2 f(x)_{i,j}`` is ∂²f/∂xᵢ∂xⱼ.

The vector the gradient is taken with respect to must be written: as the argument of the
scalar (``f(x)``, x a declared indexed symbol) or under the nabla (``\nabla_x f``). A whole
gradient (a vector) is not a scalar claim, so a component's subscript is required.
"""

from __future__ import annotations

from ...core.mathast import Node, num, sym
from ..texlex import Token
from . import names, scripts
from .state import TexState


def parse_nabla(state: TexState) -> Node:
    """``\\nabla [^2] [_x] f [(x)] _i`` (``_{i,j}`` for the Hessian)."""
    nabla = state.take()
    order = _order(state)
    named = _named_vector(state) if state.at("_") else None
    scalar_tok = state.peek()
    scalar = names.match_declared_symbol(state)
    if scalar is None or state.scope.is_indexed(scalar):
        raise state.fail(
            "\\nabla is read before a declared scalar, as in \\nabla f(x)_i", scalar_tok
        )
    vector = _argument_vector(state, named, nabla)
    if not state.at("_"):
        raise state.fail(
            f"a whole gradient is a vector: write one component, \\nabla {scalar}({vector})_i",
            nabla,
        )
    state.take()
    indices = names.parse_indices(state, scripts.script_tokens(state))
    if len(indices) != order:
        raise state.fail(
            f"{'a gradient' if order == 1 else 'a Hessian'} component takes {order} "
            f"ind{'ex' if order == 1 else 'ices'}",
            nabla,
        )
    node = sym(scalar, nabla.offset)
    for index in reversed(indices):
        variable = Node("index", (index,), vector, nabla.offset)
        node = Node("deriv", (node, variable, num("1")), "", nabla.offset)
    return node


def _order(state: TexState) -> int:
    """``\\nabla^2`` is the Hessian; no other power is read."""
    if not state.at("^"):
        return 1
    caret = state.take()
    exponent = scripts.script_tokens(state)
    if [t.text for t in exponent] != ["2"]:
        raise state.fail("only \\nabla (the gradient) and \\nabla^2 (the Hessian) are read", caret)
    return 2


def _named_vector(state: TexState) -> str:
    """``\\nabla_x``: the vector the gradient is taken with respect to."""
    state.take()
    toks = scripts.script_tokens(state)
    if len(toks) != 1 or not state.scope.is_indexed(toks[0].text):
        raise state.fail("\\nabla_x needs a declared indexed symbol x", toks[0] if toks else None)
    return toks[0].text


def _argument_vector(state: TexState, named: str | None, nabla: Token) -> str:
    """``f(x)``: the bare vector written as the scalar's argument, which must agree with
    ``\\nabla_x`` when both are written."""
    if state.at("(") and state.peek(2).text == ")" and state.scope.is_indexed(state.peek(1).text):
        state.take()
        vector = state.take().text
        state.take()
        if named is not None and named != vector:
            raise state.fail(f"\\nabla_{named} of a function of {vector}", nabla)
        return vector
    if named is None:
        raise state.fail(
            "the gradient does not say which vector it is taken with respect to: write "
            "\\nabla f(x)_i or \\nabla_x f_i",
            nabla,
        )
    return named
