"""Fractions and the derivatives written as fractions (``\\frac{\\partial L}{\\partial a}``)."""

from __future__ import annotations

from ...core.mathast import Node, num
from ..texlex import Token
from .lookahead import starts_factor
from .state import Span, TexState


def parse_fraction(state: TexState) -> Node:
    """``\\frac{a}{b}``, or a derivative when both parts start with ``d`` or ``\\partial``."""
    macro = state.take()
    numerator = state.span_at(state.pos)
    denominator = state.span_at(numerator.end + 1)
    operator = _derivative_operator(state.tokens[numerator.start : numerator.end])
    if operator == "\\delta" and _declared_delta(state):
        operator = None  # δ is a name of this derivation, not an operator
    if operator and _starts_with(state, denominator, operator):
        if operator == "d" and state.scope.is_symbol("d"):
            raise state.fail(
                "\\frac{d…}{d…} is ambiguous when d is a declared symbol; use \\partial", macro
            )
        return _derivative(state, macro, operator, numerator, denominator)
    state.expect("{")
    top = state.grammar.sum(state)
    state.expect("}")
    state.expect("{")
    bottom = state.grammar.sum(state)
    state.expect("}")
    return Node("div", (top, bottom), "", macro.offset)


def _starts_with(state: TexState, span: Span, text: str) -> bool:
    return span.start < span.end and state.tokens[span.start].text == text


def _derivative_operator(numerator: list[Token]) -> str | None:
    if not numerator:
        return None
    first = numerator[0]
    if first.text == "\\partial":
        return "\\partial"
    if first.text == "d" and first.kind == "letter":
        return "d"
    if first.text == "\\delta" and (len(numerator) == 1 or numerator[1].text != "_"):
        return "\\delta"  # \frac{\delta L}{\delta z}, as some texts write ∂ (not δ_{ij})
    return None


def _declared_delta(state: TexState) -> bool:
    return any(info.tex.strip() == "\\delta" for info in state.scope.symbols.values())


def _derivative(state: TexState, macro: Token, op: str, numerator: Span, denominator: Span) -> Node:
    """``{op[^n] [F]}{op var[^n]}``; without F, the operator acts on the factor after it."""
    state.expect("{")
    state.take()  # the operator, seen by the lookahead
    order = _order(state)
    function = _bare_function(state, numerator)
    body = None if function else _numerator_body(state, numerator)
    state.expect("}")
    state.expect("{")
    variable = _variable(state, op)
    if function:  # d\sigma/dx: σ of the variable it is differentiated by
        body = Node("call", (variable,), function, macro.offset)
    denominator_order = _order(state)
    if state.pos != denominator.end:
        raise state.fail("only one variable per derivative: \\frac{\\partial L}{\\partial a}")
    if denominator_order != order:
        raise state.fail(
            f"derivative orders differ: {order} above, {denominator_order} below", macro
        )
    state.expect("}")
    if body is None:
        body = _operand(state, macro)
    return Node("deriv", (body, variable, num(str(order))), "", macro.offset)


def _bare_function(state: TexState, numerator: Span) -> str | None:
    """A declared one-argument function written alone after the operator (``d\\sigma``):
    consumed, and named; None otherwise (the cursor does not move)."""
    rest = state.texts(state.pos, numerator.end)
    for name, info in state.scope.functions.items():
        spellings = ([t.text for t in state.symbol_pattern_of(name)], list(name))
        if len(info.params) == 1 and rest in spellings:
            for _ in rest:
                state.take()
            return name
    return None


def _numerator_body(state: TexState, numerator: Span) -> Node | None:
    """What ``\\partial L`` differentiates (None for an operator alone: ``\\frac{d}{dx}``)."""
    if state.pos >= numerator.end:
        return None
    body = state.grammar.sum(state)
    if state.pos != numerator.end:
        raise state.fail("unexpected token in the derivative's numerator")
    return body


def _variable(state: TexState, op: str) -> Node:
    """``\\partial a`` in the denominator: the variable, a declared (possibly indexed) symbol."""
    if state.peek().text != op:
        raise state.fail(f"expected {op} in the denominator")
    state.take()
    var_tok = state.peek()
    variable = state.grammar.primary(state)
    if variable.op not in ("sym", "index", "array"):
        raise state.fail("differentiate with respect to a declared symbol", var_tok)
    return variable


def _operand(state: TexState, macro: Token) -> Node:
    """What ``\\frac{d}{dx}`` applies to: the rest of the term, up to the next + or −, as
    texts write it (``\\frac{d}{dx} e^{x} (1 + x)`` differentiates the product)."""
    # a brace group may open the operand, as equation editors write it: \frac{d}{dx} {(1+x)}^{2}
    if not (starts_factor(state) or state.at("{")):
        raise state.fail("the derivative operator needs something to act on", macro)
    return state.grammar.term(state)


def _order(state: TexState) -> int:
    """``^2`` or ``^{2}`` after the operator or the variable; 1 when absent."""
    if not state.at("^"):
        return 1
    state.take()
    tok = state.take()
    if tok.text == "{":
        tok = state.take()
        state.expect("}")
    if tok.kind != "digit" or tok.text == "0":
        raise state.fail("the order must be a digit from 1 to 9", tok)
    return int(tok.text)
