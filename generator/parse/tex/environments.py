"""Environments: ``cases`` (a piecewise value) and ``vmatrix`` (a determinant)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ...core.mathast import Node
from ...core.texvocab import COMPARISONS
from ..texlex import Token
from .state import TexState


def parse_environment(state: TexState) -> Node:
    """``\\begin{name} … \\end{name}`` for the environments in :data:`ENVIRONMENTS`."""
    begin = state.take()
    state.expect("{")
    name = ""
    while not state.at("}"):
        name += state.take().text
    state.take()
    rule = ENVIRONMENTS.get(name)
    if rule is None:
        raise state.fail(
            f"the {name} environment cannot be checked; only vmatrix (a determinant) and cases",
            begin,
        )
    node = rule(state, begin)
    _end(state, name)
    return node


def _end(state: TexState, name: str) -> None:
    end = state.expect("\\end")
    state.expect("{")
    closing = ""
    while not state.at("}") and state.peek().kind != "end":
        closing += state.take().text
    state.expect("}")
    if closing != name:
        raise state.fail(f"\\begin{{{name}}} is closed by \\end{{{closing}}}", end)


def _determinant(state: TexState, begin: Token) -> Node:
    """Rows of ``&``-separated entries; the matrix must be square."""
    rows: list[Node] = []
    entries: list[Node] = []
    while True:
        entries.append(state.grammar.sum(state))
        if state.at("&"):
            state.take()
            continue
        rows.append(Node("row", tuple(entries)))
        entries = []
        if not _another_row(state):
            break
    width = len(rows[0].args)
    if any(len(r.args) != width for r in rows) or width != len(rows):
        raise state.fail("a determinant needs a square matrix", begin)
    return Node("det", tuple(rows), "", begin.offset)


def _cases(state: TexState, begin: Token) -> Node:
    """``\\begin{cases} v_1 & c_1 \\\\ v_2 & \\text{otherwise} \\end{cases}``: a piecewise value."""
    pairs: list[Node] = []
    while True:
        value = state.grammar.sum(state)
        state.expect("&", "'&' between a value and its condition")
        pairs.append(Node("row", (value, _condition(state))))
        if not _another_row(state):
            break
    return Node("piecewise", tuple(pairs), "", begin.offset)


def _another_row(state: TexState) -> bool:
    """After a row of an environment: take its ``\\\\`` and say whether a row follows."""
    if not state.at("\\\\"):
        return False
    state.take()
    return not state.at("\\end")


def _condition(state: TexState) -> Node:
    """``z > 0``, ``|r| \\leq \\delta``, ``\\text{if } i = j``, ``i \\neq j`` or
    ``\\text{otherwise}``."""
    start = state.peek()
    if start.text == "\\text" and state.texts(state.pos + 1, state.pos + 5) == ["{", "i", "f", "}"]:
        for _ in range(4 + 1):
            state.take()
        start = state.peek()
    if start.text == "\\text":
        return _otherwise(state, start)
    left = state.grammar.sum(state)
    relation = COMPARISONS.get(state.peek().text) or INDEX_CASES.get(state.peek().text)
    if relation in INDEX_CASES.values() and not _indices(state, left):
        raise state.fail("a condition with = or \\neq is read between indices, such as i = j")
    if relation is None:
        raise state.fail("expected a comparison such as z > 0 in the condition")
    state.take()
    right = state.grammar.sum(state)
    if state.peek().text in COMPARISONS:
        raise state.fail(
            "one comparison per condition: write a < z as two cases or use \\text{otherwise}"
        )
    return Node("rel", (left, right), relation, start.offset)


INDEX_CASES = {"=": "==", "\\neq": "!=", "\\ne": "!="}
"""Conditions on indices: the diagonal i = j and the rest i ≠ j of a Jacobian."""


def _indices(state: TexState, node: Node) -> bool:
    return node.op == "num" or (node.op == "sym" and state.scope.is_index(str(node.value)))


def _otherwise(state: TexState, start: Token) -> Node:
    """``\\text{otherwise}`` (or ``\\text{else}``): the condition that always holds."""
    state.take()
    state.expect("{")
    words = ""
    while not state.at("}") and state.peek().kind != "end":
        words += state.take().text
    state.expect("}")
    if words not in ("otherwise", "else"):
        raise state.fail("a condition is a comparison such as z > 0, or \\text{otherwise}", start)
    return Node("true", (), "", start.offset)


ENVIRONMENTS: Mapping[str, Callable[[TexState, Token], Node]] = {
    "cases": _cases,
    "vmatrix": _determinant,
}
"""Environment name → the rule that reads its body (after ``\\begin{name}``)."""
