"""The precedence levels: sums of terms, products of factors, powers and factorials."""

from __future__ import annotations

from ...core.errors import Reason
from ...core.mathast import Node
from ...core.texvocab import PRODUCT_OPERATORS
from ..limits import MAX_EXPONENT, MAX_FACTORIAL, literal_value
from ..texlex import Token
from . import primary, scripts
from .lookahead import starts_factor
from .state import TexState


def parse_sum(state: TexState) -> Node:
    """``sign? term (('+' | '-') sign? term)*``; ``a - -b`` is ``a + b``."""
    start = state.peek()
    terms: list[Node] = []
    sign = parse_sign(state)
    term = parse_term(state)
    terms.append(Node("neg", (term,), "", start.offset) if sign else term)
    while state.at("+") or state.at("-"):
        op = state.take()
        negative = (op.text == "-") != parse_sign(state)
        term = parse_term(state)
        terms.append(Node("neg", (term,), "", op.offset) if negative else term)
    return terms[0] if len(terms) == 1 else Node("add", tuple(terms), "", start.offset)


def parse_sign(state: TexState) -> bool:
    """Any run of ``+`` and ``-``; True if it negates."""
    negative = False
    while state.at("+") or state.at("-"):
        if state.take().text == "-":
            negative = not negative
    return negative


def parse_term(state: TexState) -> Node:
    """Factors joined by ``\\cdot``, ``\\times``, ``/`` or nothing (``ay``, ``a(1-a)``)."""
    start = state.peek()
    plain_bars = int(start.text == "|")
    factors = [parse_factor(state)]
    while True:
        if state.at("|") and plain_bars and starts_factor(state):
            raise state.fail("several |…| in one product are ambiguous; write \\left| … \\right|")
        tok = state.peek()
        if tok.text in PRODUCT_OPERATORS:
            state.take()
            factors.append(_signed_factor(state))
        elif tok.text == "/":
            factors = [_quotient(state, _product(factors, start), start)]
        elif starts_factor(state):
            plain_bars += int(state.at("|"))
            factors.append(parse_factor(state))
        else:
            break
    return _product(factors, start)


def _product(factors: list[Node], start: Token) -> Node:
    return factors[0] if len(factors) == 1 else Node("mul", tuple(factors), "", start.offset)


def _signed_factor(state: TexState) -> Node:
    """The factor after ``\\cdot``, which may carry a sign: ``a \\cdot -b``."""
    negative = parse_sign(state)
    factor = parse_factor(state)
    return Node("neg", (factor,), "", factor.offset) if negative else factor


def _quotient(state: TexState, left: Node, start: Token) -> Node:
    """``left / factor``; a factor right after the denominator would be a guess."""
    slash = state.take()
    denominator = parse_factor(state)
    if starts_factor(state):
        raise state.fail("ambiguous division: write \\frac{…}{…} or add parentheses", slash)
    return Node("div", (left, denominator), "", start.offset)


def parse_factor(state: TexState) -> Node:
    """``primary '!'* ('^' script)?``"""
    base = _factorials(state, primary.parse_primary(state))
    if state.at("^"):
        caret = state.take()
        exponent = scripts.parse_script(state)
        if (
            exponent.op == "num"
            and state.peek().kind == "digit"
            and state.adjacent(caret.offset + 2)
        ):
            raise state.fail("x^12 means x^1 times 2 in TeX: write x^{12}", caret)
        _bound_power(state, exponent, caret)
        base = Node("pow", (base, exponent), "", base.offset)
        if state.at("^"):
            raise state.fail("double superscript: add braces, such as {x^a}^b", caret)
        if state.at("!"):
            raise state.fail("ambiguous factorial after a power: write (x^n)! or x^{n!}")
    return base


def _bound_power(state: TexState, exponent: Node, caret: Token) -> None:
    """Literal exponents are bounded as in expressions (no 10^{10^{10}})."""
    value = literal_value(exponent)
    if value is not None and not abs(value) <= MAX_EXPONENT:
        raise state.fail(
            f"exponent is too large (literal exponents are limited to ±{MAX_EXPONENT})", caret
        )


def _factorials(state: TexState, node: Node) -> Node:
    while state.at("!"):
        bang = state.take()
        if node.op == "num" and float(node.value) > MAX_FACTORIAL:
            raise state.fail(
                f"factorial of a literal above {MAX_FACTORIAL} is not allowed", bang
            ).because(Reason.REFUSED)
        if state.at("!") and state.adjacent(bang.offset + 1):
            # n!! is the double factorial n(n − 2)(n − 4)… in most texts, not (n!)!.
            raise state.fail(
                "n!! is ambiguous: the double factorial n(n-2)(n-4)... or (n!)!",
                bang,
                "write (n!)! for the factorial of a factorial; the double factorial is not supported",
            )
        node = Node("fact", (node,), "", node.offset)
    return node
