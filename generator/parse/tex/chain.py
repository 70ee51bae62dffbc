"""A display's top level: rows joined by ``=``, and the head of a definition display."""

from __future__ import annotations

from dataclasses import dataclass

from ...core.errors import Reason
from ...core.mathast import Node
from ...core.texvocab import CHAIN_ENVIRONMENTS, IMPLICATIONS, RELATIONS
from ..texlex import Token, tokenize
from . import expressions, scripts
from .state import TexState


@dataclass(frozen=True, slots=True)
class Chain:
    """A parsed display: rows joined by ``=``, with where each row starts."""

    rows: tuple[Node, ...]
    offsets: tuple[int, ...]
    breaks: tuple[int, ...] = ()
    """Rows that start a new equation (a line of an ``align`` such as ``C &= D`` after
    ``A &= B``): not compared with the row before them."""
    shapes: tuple[str, str] | None = None
    """For a mistake whose sides have different shapes: both shapes (the rows are then the
    claim that a dimension of one equals the other's)."""


def parse_rows(state: TexState) -> Chain:
    """``A = B = C``, optionally closed by the full stop or comma of a sentence; or the same
    chain written over several lines of an ``aligned`` (``align``, ``split``, ``equation``)."""
    if chain_environment(state) is not None:
        chain = _environment_rows(state)
    elif _has_line_breaks(state):
        chain = _lines(state)  # A &= B \\ &= C without an environment around it
    else:
        offsets = [state.peek().offset]
        rows = [_row(state)]
        while state.at("="):
            state.take()
            if state.peek().kind == "end":
                break  # "… =" at the end: the chain goes on in the next display
            offsets.append(state.peek().offset)
            rows.append(_row(state))
        chain = Chain(tuple(rows), tuple(offsets))
    _closing(state)
    return chain


def _closing(state: TexState) -> None:
    if state.peek().text in (".", ",") and state.peek(1).kind == "end":
        state.take()  # closing punctuation of a sentence
    tok = state.peek()
    if tok.kind != "end":
        if tok.text in RELATIONS:
            raise state.fail(f"only '=' can join the rows of a checked display, not {tok.text}")
        raise state.fail(f"unexpected {tok.text!r}")


def chain_environment(state: TexState) -> str | None:
    """The name of the chain environment that opens at the cursor, if one does."""
    if not state.at("\\begin") or state.peek(1).text != "{":
        return None
    name = ""
    k = 2
    while state.peek(k).text != "}" and state.peek(k).kind != "end":
        name += state.peek(k).text
        k += 1
    return name if name in CHAIN_ENVIRONMENTS else None


def _environment_rows(state: TexState) -> Chain:
    """``\\begin{aligned} A &= B \\\\ &= C \\end{aligned}``: the chain A = B = C. Each line
    after the first continues the chain with ``=``; a line that starts anything else would be
    a second equation, which belongs in a display of its own."""
    begin = state.take()
    name = chain_environment_name(state)
    if name == "array":
        _column_spec(state)
    _drop_alignment_marks(state)
    # \begin{equation}\begin{split} … \end{split}\end{equation}: the inner one holds the lines
    nested = chain_environment(state) is not None
    chain = _environment_rows(state) if nested else _lines(state)
    end_environment(state, name, begin)
    return chain


def _lines(state: TexState) -> Chain:
    """Lines separated by ``\\\\``: a line that starts with ``=`` continues the chain, a line
    ``C = D`` starts a new equation, checked on its own."""
    offsets = [state.peek().offset]
    rows = [_row(state)]
    breaks: list[int] = []
    while True:
        if state.at("="):
            state.take()
        elif state.peek().text in (".", ",") and state.peek(1).text in ("\\end", "\\\\"):
            state.take()  # the sentence's punctuation at the end of a line
            continue
        elif state.at("\\\\") or state.peek().text in IMPLICATIONS:
            implied = state.take().text in IMPLICATIONS
            if implied and state.at("\\\\"):
                state.take()
            elif not implied:
                _skip_line_spacing(state)
            if implied and (state.at("\\end") or state.peek().kind == "end"):
                raise state.fail("nothing follows the implication", None)
            if state.at("\\end") or state.peek().kind == "end":
                break
            if state.at("="):
                state.take()
            else:
                _new_equation(state, rows, offsets, breaks)
                continue
        else:
            break
        offsets.append(state.peek().offset)
        rows.append(_row(state))
    return Chain(tuple(rows), tuple(offsets), tuple(breaks))


def _new_equation(state: TexState, rows: list[Node], offsets: list[int], breaks: list[int]) -> None:
    """A line that does not continue the chain: an equation of its own, ``C = D``."""
    start = state.peek()
    breaks.append(len(rows))
    offsets.append(start.offset)
    rows.append(_row(state))
    if not state.at("="):
        raise state.fail(
            "a line of an aligned block must continue the chain (&= …) or be an equation "
            "of its own (C &= D)",
            start,
        )


def _has_line_breaks(state: TexState) -> bool:
    """``\\\\`` at the top level of the display, outside any environment."""
    depth = 0
    for tok in state.tokens[state.pos :]:
        if tok.text == "\\begin":
            depth += 1
        elif tok.text == "\\end":
            depth -= 1
        elif tok.text in ("\\\\", *IMPLICATIONS) and depth == 0:
            _drop_alignment_marks(state)
            return True
    return False


def chain_environment_name(state: TexState) -> str:
    """Consume ``{name}`` after ``\\begin`` and return the name."""
    state.expect("{")
    name = ""
    while not state.at("}"):
        name += state.take().text
    state.take()
    return name


def end_environment(state: TexState, name: str, begin: Token) -> None:
    if state.peek().kind == "end":
        raise state.fail(f"\\begin{{{name}}} is never closed", begin)
    end = state.expect("\\end", f"\\end{{{name}}}")
    closing = chain_environment_name(state)
    if closing != name:
        raise state.fail(f"\\begin{{{name}}} is closed by \\end{{{closing}}}", end)


def _column_spec(state: TexState) -> None:
    """``{ll}`` after ``\\begin{array}``: the columns' alignment, which means nothing here (the
    lexer has already allowed only l, c, r and | in it)."""
    state.expect("{", "the columns of the array, such as {ll}")
    while state.peek().kind != "end" and not state.at("}"):
        state.take()
    state.expect("}")


def _drop_alignment_marks(state: TexState) -> None:
    """Remove the ``&`` of this environment's own lines (not those of a cases block inside)."""
    depth = 0
    k = state.pos
    while k < len(state.tokens) and state.tokens[k].kind != "end":
        text = state.tokens[k].text
        if text == "\\begin":
            depth += 1
        elif text == "\\end":
            if depth == 0:
                break
            depth -= 1
        elif text == "&" and depth == 0:
            del state.tokens[k]
            continue
        k += 1


_UNITS = frozenset({"pt", "em", "ex", "mm", "cm", "in", "mu"})


def _skip_line_spacing(state: TexState) -> None:
    """``\\\\[4pt]``: extra space after a line break, not a bracket."""
    if not state.at("["):
        return
    texts = []
    k = 1
    while state.peek(k).text != "]" and state.peek(k).kind != "end" and k < 12:
        texts.append(state.peek(k).text)
        k += 1
    unit = "".join(t for t in texts if t.isalpha())
    if unit in _UNITS and state.peek(k).text == "]":
        for _ in range(k + 1):
            state.take()


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
    if state.scope.is_indexed(name) and not (state.scope.shape_of(name) and state.at("=")):
        _head_index(state, info.tex, indices, start)  # z_i = …, or z = W x + b written whole
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
