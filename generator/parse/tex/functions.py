"""Function applications: declared functions, ``\\ln a``, ``\\max(0, z)``,
``\\operatorname{sign}(x)`` and ``\\sqrt{…}``."""

from __future__ import annotations

from ...core.mathast import Node
from ...core.scope import BUILTIN_FUNCTIONS
from ...core.texvocab import FUNCTION_MACROS, MULTI_ARG_MACROS, OPERATOR_NAMES
from ..texlex import Token
from .arrays import ARRAY_FUNCTIONS
from .lookahead import at_arguments, starts_factor
from .state import TexState


def parse_call_args(
    state: TexState, name: str, start: Token, leading: tuple[Node, ...] = ()
) -> Node:
    """``(a, b, …)`` or ``\\left( … \\right)`` after a function, checked against its arity;
    ``leading`` are arguments written before the parentheses (``f_\\beta(x)``)."""
    sized = state.at("\\left")
    if sized:
        state.take()
    # \max\{0, 1 - y z\}: braces around the arguments, as many texts write max
    closer = "\\}" if state.at("\\{") and name in ("Max", "Min") else ")"
    state.expect("(" if closer == ")" else "\\{")
    args = [*leading, state.grammar.sum(state)]
    while state.at(","):
        state.take()
        args.append(state.grammar.sum(state))
    if sized:
        state.expect("\\right")
    state.expect(closer)
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
    power = _function_power(state, macro)
    if power is not None:
        # \cosh^2(x) is (\cosh x)^2 in every text; \sin^{-1} would be arcsin, so only n ≥ 2
        call = parse_function_macro_argument(state, name, macro)
        return Node("pow", (call, power), "", macro.offset)
    return parse_function_macro_argument(state, name, macro)


def _function_power(state: TexState, macro: Token) -> Node | None:
    """``^2`` or ``^{2}`` after a function's name: a whole power of its value."""
    if not state.at("^"):
        return None
    texts = state.texts(state.pos + 1, state.pos + 4)
    digit = (
        texts[1]
        if texts and texts[0] == "{" and len(texts) == 3 and texts[2] == "}"
        else (texts[0] if texts else "")
    )
    if not (digit.isdigit() and len(digit) == 1 and int(digit) >= 2):
        raise state.fail(
            f"{macro.text} with this power is ambiguous: write ({macro.text} x)^n or "
            f"{macro.text}(x^n) ({macro.text}^{{-1}} would be the inverse function)"
        )
    state.take()
    if state.at("{"):
        state.take()
        state.take()
        state.take()
    else:
        state.take()
    return Node("num", (), digit, macro.offset)


def whole_power(state: TexState) -> Node | None:
    """``^2`` or ``^{2}`` (2 to 9) after a declared function's name, consumed; else None."""
    if not state.at("^"):
        return None
    texts = state.texts(state.pos + 1, state.pos + 4)
    braced = len(texts) == 3 and texts[0] == "{" and texts[2] == "}"
    digit = texts[1] if braced else (texts[0] if texts else "")
    if not (len(digit) == 1 and digit.isdigit() and int(digit) >= 2):
        return None
    offset = state.take().offset
    for _ in range(3 if braced else 1):
        state.take()
    return Node("num", (), digit, offset)


def parse_function_macro_argument(state: TexState, name: str, macro: Token) -> Node:
    """The argument of ``\\ln``: ``(…)``, or a single factor such as ``\\ln x``."""
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
    if word in ARRAY_FUNCTIONS:  # tr(A), diag(v): lowered with the arrays they act on
        named = Token(macro.kind, f"\\operatorname{{{word}}}", macro.offset)
        call = parse_function_macro_argument(state, word, named)
        return Node(ARRAY_FUNCTIONS[word], call.args[:1], "", macro.offset)
    if builtin is None:
        raise state.fail(
            f"\\operatorname{{{word}}} is not a known function; declare it under 'functions:' with its tex",
            macro,
        )
    named = Token(macro.kind, f"\\operatorname{{{word}}}", macro.offset)
    power = _function_power(state, named)
    call = parse_function_macro_argument(state, builtin, named)
    return call if power is None else Node("pow", (call, power), "", macro.offset)


def parse_root(state: TexState) -> Node:
    """``\\sqrt{…}`` (square roots only)."""
    macro = state.take()
    if state.at("["):
        raise state.fail("only square roots \\sqrt{…} are supported in checked formulas", macro)
    state.expect("{")
    inner = state.grammar.sum(state)
    state.expect("}")
    return Node("call", (inner,), "sqrt", macro.offset)
