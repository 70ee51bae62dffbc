"""Function applications: declared functions, ``\\ln a``, ``\\max(0, z)``,
``\\operatorname{sign}(x)`` and ``\\sqrt{…}``."""

from __future__ import annotations

from ...core.mathast import Node
from ...core.scope import BUILTIN_FUNCTIONS
from ...core.texvocab import FUNCTION_MACROS, MULTI_ARG_MACROS, OPERATOR_NAMES
from ..texlex import Token
from .lookahead import at_arguments, starts_factor
from .state import TexState


def parse_call_args(state: TexState, name: str, start: Token) -> Node:
    """``(a, b, …)`` or ``\\left( … \\right)`` after a function, checked against its arity."""
    sized = state.at("\\left")
    if sized:
        state.take()
    state.expect("(")
    args = [state.grammar.sum(state)]
    while state.at(","):
        state.take()
        args.append(state.grammar.sum(state))
    if sized:
        state.expect("\\right")
    state.expect(")")
    if name in state.scope.functions:
        params = state.scope.functions[name].params
        if len(args) != len(params):
            raise state.fail(f"{name} takes {len(params)} argument(s), got {len(args)}", start)
    elif name in BUILTIN_FUNCTIONS:
        low, high = BUILTIN_FUNCTIONS[name]
        if not low <= len(args) <= high:
            raise state.fail(
                f"{start.text} takes {low} to {high} arguments, got {len(args)}", start
            )
    return Node("call", tuple(args), name, start.offset)


def parse_function_macro(state: TexState) -> Node:
    """``\\ln(x)``, or ``\\ln x`` when the argument is a single factor."""
    macro = state.take()
    name = FUNCTION_MACROS[macro.text]
    if state.at("_"):
        raise state.fail(f"{macro.text} with a base is not supported: write \\ln(x) / \\ln(2)")
    if state.at("^"):
        raise state.fail(
            f"{macro.text} with a power is ambiguous: write ({macro.text} x)^2 or {macro.text}(x^2)"
        )
    if at_arguments(state):
        return parse_call_args(state, name, macro)
    if not starts_factor(state):
        raise state.fail(f"{macro.text} needs an argument", macro)
    argument = state.grammar.factor(state)
    if starts_factor(state):
        raise state.fail(
            f"ambiguous argument of {macro.text}: write {macro.text}(…) around the whole argument, "
            f"or ({macro.text} …) for a product",
            macro,
        )
    return Node("call", (argument,), name, macro.offset)


def parse_multi_arg(state: TexState) -> Node:
    """``\\max(a, b, …)``."""
    macro = state.take()
    return parse_call_args(state, MULTI_ARG_MACROS[macro.text], macro)


def parse_operator_name(state: TexState) -> Node:
    """``\\operatorname{sign}(x)``: a built-in function without a macro of its own."""
    macro = state.take()
    state.expect("{")
    word = ""
    while state.peek().kind == "letter":
        word += state.take().text
    state.expect("}")
    builtin = OPERATOR_NAMES.get(word)
    if builtin is None:
        raise state.fail(
            f"\\operatorname{{{word}}} is not a known function; declare it under 'functions:' with its tex",
            macro,
        )
    return parse_call_args(state, builtin, macro)


def parse_root(state: TexState) -> Node:
    """``\\sqrt{…}`` (square roots only)."""
    macro = state.take()
    if state.at("["):
        raise state.fail("only square roots \\sqrt{…} are supported in checked formulas", macro)
    state.expect("{")
    inner = state.grammar.sum(state)
    state.expect("}")
    return Node("call", (inner,), "sqrt", macro.offset)
