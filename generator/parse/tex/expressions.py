"""The precedence levels: sums of terms, products of factors, powers and factorials."""

from __future__ import annotations

from ...core.errors import Reason
from ...core.mathast import Node
from ...core.texvocab import BRACKETS, FRACTIONS, PRODUCT_OPERATORS
from ..limits import MAX_EXPONENT, MAX_FACTORIAL, literal_value
from ..texlex import Token
from . import primary, scripts, vectors
from .arrays import has_arrays
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
        if tok.text == "\\odot":
            state.take()
            left = _product(factors, start)
            factors = [Node("hadamard", (left, _signed_factor(state)), "", start.offset)]
        elif tok.text in PRODUCT_OPERATORS or _period_product(state):
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


def _period_product(state: TexState) -> bool:
    """``f(x) . f(y)``: a full stop between two factors is a product, as plain-text writers
    type it (a decimal point is part of its number token, and a closing stop ends the line)."""
    if not state.at(".") or state.pos == 0:
        return False
    stop, before, nxt = state.peek(), state.tokens[state.pos - 1], state.peek(1)
    if nxt.kind in ("end", "digit") or before.kind == "digit":
        return False  # 1.2.3 is a malformed number, not 1.2 · 3
    if nxt.text in ("\\\\", "&", "\\end", ".", ","):
        return False
    # "a. b" (glued to what precedes it, a space after) is how a sentence stops: not read
    glued_before = before.offset + len(before.text) == stop.offset
    glued_after = nxt.offset == stop.offset + 1
    return glued_before == glued_after


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
    start = state.pos
    base = _factorials(state, primary.parse_primary(state))
    negated = False
    if state.at("^") and state.tokens[start].text == "{":
        base, negated = _group_under_power(state, base, start)
    if vectors.at_transpose(state) and has_arrays(base):
        vectors.take_transpose(state)
        base = Node("transpose", (base,), "", base.offset)
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
    return Node("neg", (base,), "", base.offset) if negated else base


def _group_under_power(state: TexState, group: Node, start: int) -> tuple[Node, bool]:
    """``{-e}^{-x}`` is drawn as -e^{-x} (braces do not show), so it reads as -(e^{-x}); a group
    of several factors under a power, ``{ab}^2``, looks like a b^2 and is refused."""
    inside = state.tokens[start + 1 : state.pos - 1]
    if group.op == "neg" and inside[:1] and inside[0].text == "-":
        if _one_factor(group.args[0], inside[1:]):
            return group.args[0], True
    elif _one_factor(group, inside):
        return group, False
    raise state.fail(
        "a power on a brace group {…}^n is drawn on its last symbol only: write (…)^n for the "
        "power of the whole group",
        state.tokens[start],
    )


def _one_fraction(tokens: list[Token]) -> bool:
    """``\\frac{a}{b}`` and nothing after it (``{\\frac{a}{b} + c}^2`` is drawn a/b + c²)."""
    if tokens[0].text not in FRACTIONS:
        return False
    end = 0
    for _ in range(2):
        start = end + 1
        if start >= len(tokens) or tokens[start].text != "{":
            return False
        depth = 0
        for end in range(start, len(tokens)):
            depth += {"{": 1, "}": -1}.get(tokens[end].text, 0)
            if depth == 0:
                break
    return end == len(tokens) - 1


def _one_factor(node: Node, tokens: list[Token]) -> bool:
    """Whether ``tokens`` (which parsed to ``node``) show one factor: a name, a call, a
    ``\\frac``, or one bracket pair around it all."""
    if node.op not in ("add", "mul", "neg", "div") or _one_fraction(tokens):
        return True
    if tokens[0].text not in BRACKETS:
        return False
    depth = 0
    for k, tok in enumerate(tokens):
        if tok.text in BRACKETS:
            depth += 1
        elif tok.text in BRACKETS.values():
            depth -= 1
            if depth == 0:
                return k == len(tokens) - 1
    return False


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
