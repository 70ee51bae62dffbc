"""Predicates on the next tokens: they look, and never consume."""

from __future__ import annotations

from ...core.texvocab import IMPLICATIONS, PRODUCT_OPERATORS, RELATIONS
from .state import TexState

# Macros that cannot begin a factor: closers, product signs and relations.
_NOT_FACTORS = (
    frozenset({"\\right", "\\end", "\\\\", "\\}", "\\rVert"})
    | PRODUCT_OPERATORS
    | RELATIONS
    | IMPLICATIONS
)


def starts_factor(state: TexState) -> bool:
    """The next token can begin another factor of an implicit product."""
    tok = state.peek()
    if tok.kind == "end" or at_differential(state):
        return False
    if tok.kind in ("letter", "digit"):
        return True
    if tok.text == "\\|":
        return not state.norm_depth  # inside a norm, the next \| closes it
    if tok.kind == "cmd":
        return tok.text not in _NOT_FACTORS
    if tok.text == "|":
        return state.abs_depth == 0
    return tok.text in ("(", "[")


def at_differential(state: TexState) -> bool:
    """``d x`` (or ``\\mathrm{d} x``) closing the innermost open integral."""
    if not state.differentials:
        return False
    texts = [t.text for t in state.symbol_pattern(state.differentials[-1])]
    if state.peek().text == "d" and state.peek().kind == "letter":
        return [state.peek(1 + k).text for k in range(len(texts))] == texts
    if state.peek().text == "\\mathrm" and [state.peek(k).text for k in (1, 2, 3)] == [
        "{",
        "d",
        "}",
    ]:
        return [state.peek(4 + k).text for k in range(len(texts))] == texts
    return False


def at_arguments(state: TexState) -> bool:
    """An argument list follows: ``(`` or ``\\left(``."""
    return state.at("(") or (state.at("\\left") and state.peek(1).text == "(")
