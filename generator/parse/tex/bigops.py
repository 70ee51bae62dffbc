"""Big operators: ``\\sum_{k=1}^{n}`` and ``\\int_a^b … dx`` (nested ``\\int`` for several
variables). ``\\prod`` and the other big operators are not read: they fall to the refusal
in :mod:`.primary`."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, TypeVar

from ...core.mathast import Node, num, sym
from ...core.texvocab import INTEGRALS
from ..texlex import Token
from . import names, scripts
from .lookahead import at_differential
from .state import TexState

Lower = TypeVar("Lower")


def _limits(
    state: TexState, lower: Callable[[TexState], Lower]
) -> tuple[Lower | None, Node | None]:
    """``_lower`` and ``^upper`` after a big operator, in either order, each at most once."""
    low: Lower | None = None
    high: Node | None = None
    for _ in range(2):
        if state.at("_") and low is None:
            state.take()
            low = lower(state)
        elif state.at("^") and high is None:
            state.take()
            if state.texts(state.pos, state.pos + 2) == ["{", "}"]:
                # \sum_{k}^{ }: an empty upper limit (left blank by an editor) is no limit
                state.take()
                state.take()
                continue
            high = scripts.parse_script(state)
    return low, high


# --- sums --------------------------------------------------------------------------------------


def parse_summation(state: TexState) -> Node:
    """``\\sum_{k=1}^{n} term``: the index ``k`` is bound in the summed term. ``\\sum_k``,
    ``\\sum_{k}`` (and ``\\sum_{k}^{N}``) range over 1…N when k is a declared index and N the
    derivation's size, as in most texts."""
    macro = state.take()
    start, upper = _limits(state, _summation_start)
    if start is None:
        return _sum_over_the_only_index(state, macro, upper)
    index, lower, skipped = start
    if lower is None:
        lower, upper = _implied_range(state, index, upper, macro)
    elif upper is None:
        raise state.fail("a checked sum needs an upper limit: \\sum_{k=1}^{N}", macro)
    with state.binding(index):
        body = summand(state)
    if skipped is not None:
        # \sum_{i \neq k} f_i is \sum_i f_i (1 - δ_ik): the term i = k counts zero times
        delta = Node("call", (sym(index), skipped), "KroneckerDelta", macro.offset)
        keep = Node("add", (num("1"), Node("neg", (delta,))), "", macro.offset)
        body = Node("mul", (body, keep), "", macro.offset)
    return Node("sum", (body, sym(index), lower, upper), "", macro.offset)


def summand(state: TexState) -> Node:
    """The term a sum runs over; ``\\sum_j -\\frac{y_j}{p_j}`` sums the negated term."""
    if state.at("-"):
        sign = state.take()
        return Node("neg", (state.grammar.term(state),), "", sign.offset)
    return state.grammar.term(state)


class _Start(NamedTuple):
    """What a sum's subscript says: its index, its first value, and an index it skips."""

    name: str
    lower: Node | None = None
    skipped: Node | None = None


def _summation_start(state: TexState) -> _Start:
    """``{k=1}``: the index and its first value; ``k`` or ``{k}``: the index alone;
    ``{i \\neq k}``: every index but k."""
    braced = state.at("{")
    if braced:
        state.take()
    var_tok = state.take()
    if var_tok.kind != "letter":
        raise state.fail("expected the summation index, such as k", var_tok)
    if not braced:
        return _Start(var_tok.text)
    if state.at("}"):
        state.take()
        return _Start(var_tok.text)
    if state.peek().text in ("\\neq", "\\ne"):
        state.take()
        return _Start(var_tok.text, skipped=_skipped_index(state))
    state.expect("=", "'=' in the lower limit, such as k=1")
    with state.binding(var_tok.text):
        lower = state.grammar.sum(state)
    state.expect("}")
    return _Start(var_tok.text, lower)


def _skipped_index(state: TexState) -> Node:
    """The ``k`` of ``\\sum_{i \\neq k}``: a declared index or an enclosing sum's index."""
    tok = state.take()
    if tok.kind != "letter" or not (tok.text in state.bound or state.scope.is_index(tok.text)):
        raise state.fail(
            "\\sum_{i \\neq k} needs k to be a declared index or an outer sum's index", tok
        )
    state.expect("}")
    return sym(tok.text, tok.offset)


def _sum_over_the_only_index(state: TexState, macro: Token, upper: Node | None) -> Node:
    """``\\sum e^{z_j}``: a sum written without its index runs over the one index the summand
    mentions; with none, or several (\\sum y_k \\delta_{ki}), the reading is refused."""
    start = state.pos
    letter = _undeclared_subscript(state)
    if letter is not None:
        # \\sum e^{x_d} with d declared nowhere: d can only be the sum's own index
        with state.binding(letter):
            body = summand(state)
        return Node("sum", (body, sym(letter), *_range(state, upper, macro)), "", macro.offset)
    body = summand(state)
    found = sorted(_free_indices(state, body))
    if len(found) > 1:
        # ∂L/∂x_j = -\\sum t_i … dy_i/dx_j: j is free in the display, so the sum runs over i.
        # An index that a later \\sum_i binds again is no evidence of a free i.
        after = state.tokens[state.pos :]
        outside = {t.text for t in (*state.tokens[:start], *after)} - _rebound(after)
        found = [name for name in found if name not in outside] or found
    if len(found) != 1:
        mentioned = f"it mentions {', '.join(found)}" if found else "it mentions no index"
        raise state.fail(
            f"\\sum without an index: {mentioned}, so which one it runs over is not written",
            macro,
            "write \\sum_k (over a declared index k) or \\sum_{k=1}^{N}",
        )
    (index,) = found
    lower, upper = _implied_range(state, index, upper, macro)
    return Node("sum", (body, sym(index), lower, upper), "", macro.offset)


def _rebound(tokens: list[Token]) -> set[str]:
    """Indices that a ``\\sum_i`` or ``\\sum_{i=1}`` among ``tokens`` binds."""
    bound = set()
    for k, tok in enumerate(tokens[:-3]):
        if tok.text == "\\sum" and tokens[k + 1].text == "_":
            name = tokens[k + 3] if tokens[k + 2].text == "{" else tokens[k + 2]
            if name.kind == "letter":
                bound.add(name.text)
    return bound


def _undeclared_subscript(state: TexState) -> str | None:
    """The one undeclared letter written as a subscript in the summed term, if exactly one."""
    letters = set()
    depth = 0
    k = state.pos
    while state.tokens[k].kind != "end":
        text = state.tokens[k].text
        if text in ("{", "(", "\\left"):
            depth += 1
        elif text in ("}", ")", "\\right"):
            depth -= 1
        if depth < 0 or (depth == 0 and text in ("=", "+", "-", "\\\\", "&")):
            break
        if text == "_":
            after = state.tokens[k + 1 : k + 4]
            braced = len(after) == 3 and after[0].text == "{" and after[2].text == "}"
            tok = after[1] if braced else after[0]
            if tok.kind == "letter" and tok.text not in state.scope.symbols:
                letters.add(tok.text)
        k += 1
    return letters.pop() if len(letters) == 1 and state.scope.size is not None else None


def _range(state: TexState, upper: Node | None, macro: Token) -> tuple[Node, Node]:
    size = state.scope.size
    assert size is not None
    return num("1", macro.offset), upper if upper is not None else sym(size, macro.offset)


def _free_indices(state: TexState, node: Node) -> set[str]:
    """Declared index symbols in ``node`` that no enclosing or inner sum binds."""
    if node.op == "sum":
        inner = _free_indices(state, node.args[0]) - {str(node.args[1].value)}
        return inner.union(*(_free_indices(state, n) for n in node.args[2:]))
    found = set()
    if node.op == "sym" and state.scope.is_index(str(node.value)) and node.value not in state.bound:
        found.add(str(node.value))
    for arg in node.args:
        if isinstance(arg, Node):
            found |= _free_indices(state, arg)
    return found


def _implied_range(
    state: TexState, index: str, upper: Node | None, macro: Token
) -> tuple[Node, Node]:
    """1…N for ``\\sum_k`` when k is a declared index and N the derivation's size."""
    size = state.scope.size
    if not state.scope.is_index(index) or size is None:
        raise state.fail(
            f"\\sum_{index} has no range: {index} is not a declared index of a sized derivation",
            macro,
            f"write \\sum_{{{index}=1}}^{{N}}, or declare {index}: {{domain: index}} with size: N",
        )
    return num("1", macro.offset), upper if upper is not None else sym(size, macro.offset)


# --- integrals ---------------------------------------------------------------------------------


class _Sign(NamedTuple):
    """One ``\\int`` with its limits; ``named`` is the variable a ``_{\\theta=0}`` names."""

    macro: Token
    named: str | None
    lower: Node | None
    upper: Node | None

    @property
    def limits(self) -> tuple[Node, ...]:
        """``(lower, upper)`` of a definite integral, ``()`` of an indefinite one."""
        return (self.lower, self.upper) if self.lower is not None and self.upper is not None else ()


def parse_integral(state: TexState) -> Node:
    """``\\int_a^b \\int … body dx dy``: the differentials follow the body, innermost first."""
    signs: list[_Sign] = []
    while state.peek().text in INTEGRALS:
        signs.append(_integral_sign(state))
    variables = _lookahead_differentials(state, len(signs))
    for sign, var in zip(reversed(signs), variables, strict=True):
        if sign.named is not None and sign.named != var:
            raise state.fail(
                f"the limits name {sign.named} but the differential is d{var}", sign.macro
            )
    with state.awaiting(variables):
        body = (
            num("1", state.peek().offset) if at_differential(state) else state.grammar.term(state)
        )
    for var in variables:
        _take_differential(state, var)
    node = body
    for sign, var in zip(reversed(signs), variables, strict=True):
        node = Node("integral", (node, sym(var), *sign.limits), "", sign.macro.offset)
    return node


def _integral_sign(state: TexState) -> _Sign:
    macro = state.take()
    if macro.text != "\\int":
        raise state.fail(f"{macro.text} cannot be checked; write nested \\int", macro)
    start, upper = _limits(state, _integral_start)
    named, lower = start if start is not None else (None, None)
    if (lower is None) != (upper is None):
        raise state.fail("a definite integral needs both limits", macro)
    return _Sign(macro, named, lower, upper)


def _integral_start(state: TexState) -> tuple[str | None, Node]:
    """``_0``, ``_{a}`` or ``_{\\theta=0}`` (naming the variable)."""
    if state.at("{"):
        span = state.span_at(state.pos)
        if "=" in state.texts(span.start, span.end):
            state.take()
            var_tok = state.peek()
            name = names.match_declared_symbol(state)
            if name is None:
                raise state.fail("expected the integration variable before '='", var_tok)
            state.expect("=")
            lower = state.grammar.sum(state)
            state.expect("}")
            return name, lower
    return None, scripts.parse_script(state)


# --- differentials -----------------------------------------------------------------------------


def _lookahead_differentials(state: TexState, count: int) -> list[str]:
    """Find the ``d x`` markers after the integrand, scanning without consuming."""
    found: list[str] = []
    depth = 0
    j = state.pos
    declared = [n for _, n in state.patterns if n in state.scope.symbols]
    while state.tokens[j].kind != "end" and len(found) < count:
        text = state.tokens[j].text
        if text in ("{", "(", "\\left"):
            depth += 1
        elif text in ("}", ")", "\\right"):
            depth -= 1
        elif depth == 0 and text in ("+", "-", "=") and not found:
            break
        if depth == 0:
            hit = _differential_at(state, j, declared)
            if hit is not None:
                found.append(hit[0])
                j = hit[1]
        j += 1
    if len(found) != count:
        raise state.fail(f"expected {count} differential(s) such as dx after the integrand")
    return found


def _differential_at(state: TexState, j: int, declared: list[str]) -> tuple[str, int] | None:
    """``d x`` or ``\\mathrm{d} x`` at position ``j``: the variable and its last position."""
    tok = state.tokens[j]
    after = j + 1
    if tok.text == "\\mathrm" and state.texts(j + 1, j + 4) == ["{", "d", "}"]:
        after = j + 4
    elif not (tok.text == "d" and tok.kind == "letter"):
        return None
    for name in declared:
        pattern = [t.text for t in state.symbol_pattern(name)]
        if state.texts(after, after + len(pattern)) == pattern:
            return name, after + len(pattern) - 1
    return None


def _take_differential(state: TexState, var: str) -> None:
    if state.at("\\mathrm"):
        for _ in range(4):
            state.take()
    else:
        state.expect("d", f"the differential d{var}")
    if not state.match(state.symbol_pattern(var)):
        raise state.fail(f"expected d{var}")
