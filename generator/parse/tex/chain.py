"""A display's top level: rows joined by ``=``, and the head of a definition display."""

from __future__ import annotations

from dataclasses import dataclass

from ...core.errors import Reason
from ...core.mathast import Node
from ...core.texvocab import RELATIONS
from ..texlex import Token, tokenize
from . import expressions, scripts
from .state import TexState


@dataclass(frozen=True, slots=True)
class Chain:
    """A parsed display: rows joined by ``=``, with where each row starts."""

    rows: tuple[Node, ...]
    offsets: tuple[int, ...]


def parse_rows(state: TexState) -> Chain:
    """``A = B = C``, optionally closed by the full stop or comma of a sentence."""
    offsets = [state.peek().offset]
    rows = [_row(state)]
    while state.at("="):
        state.take()
        offsets.append(state.peek().offset)
        rows.append(_row(state))
    if state.peek().text in (".", ",") and state.peek(1).kind == "end":
        state.take()  # closing punctuation of a sentence
    tok = state.peek()
    if tok.kind != "end":
        if tok.text in RELATIONS:
            raise state.fail(f"only '=' can join the rows of a checked display, not {tok.text}")
        raise state.fail(f"unexpected {tok.text!r}")
    return Chain(tuple(rows), tuple(offsets))


def _row(state: TexState) -> Node:
    if state.peek().kind == "end" or state.at("="):
        raise state.fail("expected an expression")
    return expressions.parse_sum(state)


def parse_head(
    state: TexState, name: str, params: tuple[str, ...], indices: tuple[str, ...] = ()
) -> None:
    """``a(z) =`` or ``a_i =``: the defined name as declared, its index and parameters, ``=``."""
    start = state.peek()
    info = state.scope.symbols.get(name) or state.scope.functions.get(name)
    if info is None:
        raise state.fail(f"{name!r} is not declared", start)
    if not state.match(tokenize(info.tex)[:-1]):
        raise state.fail(f"a definition display starts with {info.tex}", start)
    if state.scope.is_indexed(name):
        _head_index(state, info.tex, indices, start)
    if params and state.at("("):
        _head_params(state, params)
    state.expect("=", "'=' after the defined name")


def _head_index(state: TexState, tex: str, indices: tuple[str, ...], start: Token) -> None:
    if not state.at("_"):
        raise state.fail(f"{tex} is indexed; write its index, such as {tex}_i")
    state.take()
    written = [t.text for t in scripts.script_tokens(state) if t.text != ","]
    if indices and written != list(indices):
        raise state.fail(
            f"the definition is for index {', '.join(indices)}, but the display writes "
            f"{tex}_{''.join(written)}",
            start,
        )


def _head_params(state: TexState, params: tuple[str, ...]) -> None:
    state.take()
    for k, param in enumerate(params):
        if k:
            state.expect(",")
        pinfo = state.scope.symbols.get(param)
        if pinfo is None or not state.match(tokenize(pinfo.tex)[:-1]):
            raise state.fail(f"expected parameter {param}").because(Reason.PARAMETER, param)
    state.expect(")")
