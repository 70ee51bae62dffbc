r"""Vector notation inside scalar formulas: ``w^T x``, ``w^\top (x - y)`` and ``\|x\|``.

A declared indexed symbol written without a subscript is the whole vector. The only places
it may appear are a transpose (a dot product with the factor that follows) and a norm;
there each bare vector takes a fresh index k, and the construct becomes a sum over k = 1…N:

* ``w^T x`` = Σₖ wₖ xₖ, and ``w^T (x - y)`` = Σₖ wₖ (xₖ − yₖ);
* ``\|x\|`` = √(Σₖ xₖ²), so ``\|x\|^2`` = Σₖ xₖ².

Anywhere else a bare vector is refused: ``w x`` could mean a dot product, an outer product
or an elementwise one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ...core.errors import SourceError
from ...core.mathast import Node, num, sym
from ..texlex import Token
from .arrays import has_arrays
from .state import TexState

TRANSPOSES = ({"T"}, {"\\top", "\\intercal", "\\mathsf"})
"""Superscripts that mark a transpose: ``^T``, ``^{T}``, ``^\\top``, ``^{\\top}``, ``^\\intercal``."""


def at_transpose(state: TexState) -> bool:
    """``^T``, ``^\\top`` or their braced forms follow."""
    if not state.at("^"):
        return False
    texts = state.texts(state.pos + 1, state.pos + 4)
    first = texts[0] if texts else ""
    if first in ("T", "\\top", "\\intercal"):
        return True
    return (
        len(texts) == 3
        and texts[0] == "{"
        and texts[1] in ("T", "\\top", "\\intercal")
        and texts[2] == "}"
    )


def take_transpose(state: TexState) -> None:
    state.expect("^")
    if state.at("{"):
        state.take()
        state.take()
        state.expect("}")
    else:
        state.take()


def implicit_index(state: TexState) -> str | None:
    """The fresh index bare vectors take here, if inside a transpose or a norm."""
    return state.vector_indices[-1] if state.vector_indices else None


@contextmanager
def vector_context(state: TexState) -> Iterator[str]:
    """Bare vectors inside take a fresh index (bound by the sum the construct becomes)."""
    index = f"_k{len(state.vector_indices)}"
    state.vector_indices.append(index)
    try:
        with state.binding(index):
            yield index
    finally:
        state.vector_indices.pop()


def dot_product(state: TexState, name: str, start: Token) -> Node:
    """``w^T x``: Σₖ wₖ · (the factor after the transpose, its bare vectors at k)."""
    size = _size(state, start)
    take_transpose(state)
    with vector_context(state) as index:
        right = state.grammar.factor(state)
    _require_index(state, right, index, start, "w^T x needs a vector after the transpose")
    term = Node("mul", (Node("index", (sym(index),), name, start.offset), right), "", start.offset)
    return _sum(term, index, size, start)


def parse_norm(state: TexState) -> Node:
    """``\\|v\\|`` or ``\\lVert v \\rVert``: √(Σₖ vₖ²) with v's bare vectors at k."""
    opener = state.take()
    closer = "\\rVert" if opener.text == "\\lVert" else "\\|"
    whole = _array_norm(state, opener, closer)
    if whole is not None:
        return whole
    size = _size(state, opener)
    state.norm_depth += 1
    try:
        with vector_context(state) as index:
            inside = state.grammar.sum(state)
    finally:
        state.norm_depth -= 1
    state.expect(closer, f"{closer} closing the norm")
    _require_index(
        state, inside, index, opener, "\\|…\\| is the norm of a vector; for a number write |…|"
    )
    squares = Node("pow", (inside, num("2")), "", opener.offset)
    return Node("call", (_sum(squares, index, size, opener),), "sqrt", opener.offset)


def _array_norm(state: TexState, opener: Token, closer: str) -> Node | None:
    """``\\|W\\|_F`` or ``\\|x\\|`` of symbols declared with a shape (lowered by .arrays), or
    None, with the cursor back after the opener, for vectors written with an index."""
    if not any(info.shape for info in state.scope.symbols.values()):
        return None
    saved = state.pos
    state.norm_depth += 1  # a \\| inside closes this norm, it does not open another
    try:
        inside = state.grammar.sum(state)
    except SourceError:
        inside = None
    finally:
        state.norm_depth -= 1
    if inside is None or not has_arrays(inside) or not state.at(closer):
        state.rewind(saved)
        return None
    state.take()
    texts = state.texts(state.pos, state.pos + 4)
    kind = ""
    if texts[:2] in (["_", "F"], ["_", "2"]):
        kind = texts[1]
        state.take()
        state.take()
    elif texts[:4] in (["_", "{", "F", "}"], ["_", "{", "2", "}"]):
        kind = texts[2]
        for _ in range(4):
            state.take()
    return Node("norm", (inside,), kind, opener.offset)


def _sum(term: Node, index: str, size: str, start: Token) -> Node:
    return Node("sum", (term, sym(index), num("1"), sym(size)), "", start.offset)


def _size(state: TexState, start: Token) -> str:
    if state.scope.size is None:
        raise state.fail("vectors need the derivation's size (add size: N)", start)
    return state.scope.size


def _require_index(state: TexState, node: Node, index: str, start: Token, message: str) -> None:
    if not _mentions(node, index):
        raise state.fail(message, start)


def _mentions(node: Node, index: str) -> bool:
    if node.op == "sym" and node.value == index:
        return True
    return any(_mentions(arg, index) for arg in node.args if isinstance(arg, Node))
