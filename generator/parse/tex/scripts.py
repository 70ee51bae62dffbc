"""Scripts: the argument of ``^`` (and of ``_`` in limits), and the raw tokens of an index."""

from __future__ import annotations

from ...core.mathast import Node, num, sym
from ...core.texvocab import CONSTANT_MACROS, FRACTIONS
from ..texlex import Token
from .state import TexState


def parse_script(state: TexState) -> Node:
    """A braced group or one token: ``^{-z}``, ``^2``, ``^x``."""
    if state.at("{"):
        state.take()
        node = state.grammar.sum(state)
        state.expect("}")
        return node
    tok = state.peek()
    if tok.kind == "digit":
        state.take()
        return num(tok.text, tok.offset)
    if tok.kind in ("letter", "cmd"):
        return _single_token(state, tok)
    if tok.text == "-":
        raise state.fail("a negative exponent needs braces: e^{-z}", tok)
    raise state.fail("expected an exponent", tok)


def _single_token(state: TexState, tok: Token) -> Node:
    """TeX takes exactly one token as an unbraced script: ``e^z``, ``x^\\alpha``.

    Anything longer (a subscripted symbol, a function) must be braced, or the page
    would show a different formula from the one checked (``e^y_0`` is e₀^y in TeX).
    """
    name = next((n for p, n in state.patterns if [t.text for t in p] == [tok.text]), None)
    nxt = state.peek(1)
    if name is not None and name in state.scope.symbols and not state.scope.is_indexed(name):
        if nxt.text != "_" or nxt.kind == "end":
            state.take()
            return sym(name, tok.offset)
    elif tok.text in state.bound and nxt.text != "_":
        state.take()
        return sym(tok.text, tok.offset)
    elif tok.text == "e" and tok.kind == "letter" and nxt.text != "_":
        state.take()
        return Node("const", (), "E", tok.offset)
    elif tok.text in CONSTANT_MACROS:
        state.take()
        return Node("const", (), CONSTANT_MACROS[tok.text], tok.offset)
    elif tok.text in FRACTIONS or tok.text == "\\sqrt":
        # TeX takes the macro with its arguments: x^\frac{1}{2}
        return state.grammar.primary(state)
    raise state.fail("put this exponent in braces, such as e^{y_0} or e^{\\sigma(z)}", tok)


def script_tokens(state: TexState) -> list[Token]:
    """The raw tokens of a subscript (for indices): ``i``, ``{ij}`` or ``{i,j}``."""
    if not state.at("{"):
        tok = state.take()
        if tok.kind == "end":
            raise state.fail("expected a subscript", tok)
        return [tok]
    state.take()
    out = []
    depth = 0
    while not (state.at("}") and depth == 0):
        tok = state.take()
        if tok.kind == "end":
            raise state.fail("unclosed subscript", tok)
        depth += {"{": 1, "}": -1}.get(tok.text, 0)
        out.append(tok)
    state.take()
    return out
