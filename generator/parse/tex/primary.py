"""Primaries: numbers, brackets, absolute values, and the table of macro rules.

:data:`COMMANDS` maps each macro the parser understands to the rule that reads it, the
way markdown-it lists its block rules: to support a macro, add its rule here.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...core.errors import Reason, SourceError
from ...core.mathast import Node, num
from ...core.texvocab import (
    BRACKETS,
    CONSTANT_MACROS,
    FRACTIONS,
    FUNCTION_MACROS,
    GREEK,
    INTEGRALS,
    MULTI_ARG_MACROS,
)
from ..texlex import Token
from . import arrays, bigops, environments, fractions, functions, gradients, names, rates, vectors
from .spellings import NAME_FONTS
from .state import Rule, TexState

MAX_DIGITS = 30


def parse_primary(state: TexState) -> Node:
    """A number, a bracketed sum, an absolute value, a name or a macro."""
    tok = state.peek()
    if tok.kind == "digit":
        return _number(state)
    if tok.text in BRACKETS:
        return _bracketed(state, BRACKETS[tok.text])
    if tok.text == "\\left":
        return _left_right(state)
    if tok.text == "|":
        return _bars(state, "|")
    if tok.text == "{":
        state.take()
        node = state.grammar.sum(state)
        state.expect("}")
        return node
    if tok.kind == "cmd":
        return parse_command(state)
    if tok.kind == "letter":
        return names.parse_letter(state)
    if tok.kind == "end":
        raise state.fail("the formula ends where an expression was expected", tok)
    raise state.fail(f"unexpected {tok.text!r}", tok)


def _number(state: TexState) -> Node:
    """Adjacent digits, with at most one decimal point: ``12``, ``0.5``."""
    start = state.peek()
    digits = [state.take().text]
    end = start.offset + 1
    while state.adjacent(end) and (
        state.peek().kind == "digit" or (_decimal_point(state) and "." not in digits)
    ):
        digits.append(state.take().text)
        end += 1
    if len(digits) > MAX_DIGITS:
        raise state.fail(f"number has more than {MAX_DIGITS} digits", start)
    if state.peek().kind == "digit":
        raise state.fail("two numbers side by side: write \\cdot between them")
    return num("".join(digits), start.offset)


def _decimal_point(state: TexState) -> bool:
    return (
        state.at(".")
        and state.peek(1).kind == "digit"
        and state.peek(1).offset == state.peek().offset + 1
    )


def _bracketed(state: TexState, close: str) -> Node:
    opener = state.take()
    node = state.grammar.sum(state)
    if not state.at(close):
        raise state.fail(f"expected {close!r} to close {opener.text!r} at offset {opener.offset}")
    state.take()
    return node


def _left_right(state: TexState) -> Node:
    left = state.take()
    delim = state.take()
    if delim.text == "|":
        return _bars(state, "\\right", left)
    close = BRACKETS.get(delim.text)
    if close is None:
        raise state.fail(f"\\left{delim.text} is not supported in a checked formula", delim)
    node = state.grammar.sum(state)
    state.expect("\\right", "\\right" + close)
    state.expect(close)
    return node


def _bars(state: TexState, closer: str, start: Token | None = None) -> Node:
    """``|x|`` (``closer`` ``|``) or the inside of ``\\left| x \\right|`` (``\\right``)."""
    opener = start or state.take()
    plain = closer == "|"
    if plain and state.abs_depth:
        raise state.fail("nested |…| is ambiguous; use \\left| … \\right|", opener)
    with state.inside_bars(plain):
        node = state.grammar.sum(state)
    if closer == "\\right":
        state.expect("\\right")
    state.expect("|", "'|' closing the absolute value")
    return Node("call", (node,), "Abs", opener.offset)


# --- macros ------------------------------------------------------------------------------------


def _constant(state: TexState) -> Node:
    tok = state.take()
    return Node("const", (), CONSTANT_MACROS[tok.text], tok.offset)


COMMANDS: Mapping[str, Rule] = {
    **dict.fromkeys(FRACTIONS, fractions.parse_fraction),
    "\\sqrt": functions.parse_root,
    "\\sum": bigops.parse_summation,
    **dict.fromkeys(INTEGRALS, bigops.parse_integral),
    "\\begin": environments.parse_environment,
    **dict.fromkeys(CONSTANT_MACROS, _constant),
    **dict.fromkeys(FUNCTION_MACROS, functions.parse_function_macro),
    **dict.fromkeys(MULTI_ARG_MACROS, functions.parse_multi_arg),
    "\\operatorname": functions.parse_operator_name,
    "\\nabla": gradients.parse_nabla,
    "\\dot": rates.parse_dot,
    "\\|": vectors.parse_norm,
    "\\lVert": vectors.parse_norm,
}
"""Macro → the rule that reads it (the macro's own token included)."""


def parse_command(state: TexState) -> Node:
    """A macro: a declared spelling first (``\\sigma`` may be a function), then its rule."""
    declared = names.parse_declared(state)
    if declared is not None:
        return declared
    rule = _rule_for(state)
    if rule is None:
        raise _refusal(state)
    return rule(state)


def _rule_for(state: TexState) -> Rule | None:
    text = state.peek().text
    if text == "\\mathbf" and arrays.is_ones(state):
        return arrays.parse_ones
    if text == "\\delta":  # \delta_{ij} is the Kronecker delta; a bare \delta is a letter
        return names.parse_kronecker if state.peek(1).text == "_" else None
    return COMMANDS.get(text)


def _refusal(state: TexState) -> SourceError:
    """Why a macro without a rule cannot be read."""
    tok = state.peek()
    name = tok.text
    if name[1:] in GREEK:
        return state.fail(
            f"undeclared symbol {name}",
            tok,
            f"declare it under 'symbols:', for example:  {name[1:]}: {{domain: real}}",
        ).because(Reason.UNDECLARED, name[1:])
    if name == "\\partial":
        return state.fail("a lone \\partial: write \\frac{\\partial L}{\\partial a}", tok)
    word = _font_word(state)
    if word:
        return state.fail(
            f"{name}{{{word}}} is text, not a declared name",
            tok,
            f"declare {word!r} under 'symbols:' or 'functions:' and {name}{{{word}}} reads as "
            "it; prose belongs outside a checked formula (or mark the display as notation)",
        ).because(Reason.UNDECLARED, word)
    return state.fail(
        f"{name} cannot appear in a checked formula; mark the display as notation", tok
    )


def _font_word(state: TexState) -> str:
    """The word of ``\\text{word}`` (or another name font) at the cursor, or ''."""
    if state.peek().text not in NAME_FONTS or state.peek(1).text != "{":
        return ""
    word = ""
    k = 2
    while state.peek(k).kind == "letter":
        word += state.peek(k).text
        k += 1
    return word if state.peek(k).text == "}" else ""
