"""Body items and the result → displays, each with the checks it needs.

A :class:`DisplayPlanner` turns the items of one derivation into :class:`Block` objects,
reading each displayed formula with the resolved names (:class:`Resolved`) and planning
one :class:`CheckSpec` per claimed ``=``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..core.errors import Position, SourceError
from ..core.mathast import Node
from ..parse.tex import Chain
from ..parse.texlex import lint
from .declarations import Resolved, read_display
from .diagnostics import FileDiagnostics
from .model import Block as BodyItem
from .model import (
    DefineBlock,
    Derivation,
    EquationBlock,
    MistakeBlock,
    NotationBlock,
    ProseBlock,
    StepBlock,
)
from .prose import check_prose
from .types import Block, CheckSpec, Display
from .yamlread import Path as YPath


class DisplayPlanner:
    """Plans the displays of one derivation.

    Anchors are unique in a page and numbered in the order displays are planned, so the
    result is planned before the body (:func:`generator.source.load.load_source`).
    """

    def __init__(self, resolved: Resolved, diags: FileDiagnostics) -> None:
        self.resolved = resolved
        self.scope = resolved.scope
        self.diags = diags
        self.anchors: dict[str, YPath] = {}
        self.counter = 0
        self.previous: _Continued | None = None
        """The last row of the body display just planned: a display that starts with '='
        continues from it."""

    def result(self, model: Derivation) -> Display | None:
        stated = model.result
        if isinstance(stated, str):
            return self.equation(("result",), stated, "result-equation", None, (), None)
        if stated is None:
            return None
        return self.equation(
            ("result", "equation"),
            stated.equation,
            stated.id or "result-equation",
            stated.note,
            stated.given,
            stated.wrt,
        )

    def body(self, model: Derivation) -> list[Block]:
        return [self.block(("body", k), item) for k, item in enumerate(model.body)]

    # items ---------------------------------------------------------------------------------
    def block(self, path: YPath, item: BodyItem) -> Block:
        if isinstance(item, ProseBlock):
            check_markdown(self.diags, (*path, "prose"), item.prose)
            return Block("prose", item.prose)
        if isinstance(item, StepBlock):
            check_markdown(self.diags, (*path, "step"), item.step, inline_only=True)
            return Block("step", item.step, self.anchor(path, item.id, "step"))
        note = getattr(item, "note", None)
        if note:
            check_markdown(self.diags, (*path, "note"), note)
        if isinstance(item, DefineBlock):
            return Block("display", display=self.define(path, item))
        if isinstance(item, EquationBlock):
            display = self.equation(
                (*path, "equation"), item.equation, item.id, item.note, item.given, item.wrt
            )
            return Block("display", display=display)
        if isinstance(item, NotationBlock):
            return Block("display", display=self.notation(path, item))
        return Block("display", display=self.mistake(path, item))

    def notation(self, path: YPath, item: NotationBlock) -> Display:
        try:
            lint(item.notation)
        except SourceError as exc:
            self.diags.source((*path, "notation"), exc)
        anchor = self.anchor(path, item.id, "eq")
        display = Display(
            "notation", item.notation, self.row_position((*path, "notation"), 0), anchor
        )
        display.reason, display.note = item.reason, item.note
        return display

    def mistake(self, path: YPath, item: MistakeBlock) -> Display:
        check_markdown(self.diags, (*path, "explanation"), item.explanation)
        display = self.equation(
            (*path, "mistake"), item.mistake, item.id, None, item.given, None, expect="false"
        )
        display.explanation = item.explanation
        return display

    def define(self, path: YPath, item: DefineBlock) -> Display:
        anchor = self.anchor(path, item.id, "def")
        tex_path = (*path, "tex")
        if item.define not in self.scope.symbols and item.define not in self.scope.functions:
            return Display("definition", item.tex, self.row_position(tex_path, 0), anchor)
        display = Display(
            "definition", item.tex, self.row_position(tex_path, 0), anchor, note=item.note
        )
        chain = read_display(self.diags, self.scope, tex_path, item.tex, definition=item)
        if chain is None:
            return display
        reference = self.definition_reference(path, item)
        if reference is None:
            return display
        rows = list(zip(chain.rows, chain.offsets, strict=True))
        if item.expr is None and item.define not in self.scope.functions:
            rows = rows[:-1]  # the last row *is* the definition
        for number, (row, offset) in enumerate(rows, 1):
            display.checks.append(
                CheckSpec(
                    reference,
                    row,
                    self.row_position(tex_path, offset),
                    f"row {number} = definition",
                    claim=_row_text(item.tex, chain, number - 1)
                    + f"  (the definition of {item.define})",
                )
            )
        return display

    def definition_reference(self, path: YPath, item: DefineBlock) -> Node | None:
        """What every row of a definition display must equal, or None if it has no body.

        A function's rows equal its call ``f(x)`` (expanded by the checker); a dependent
        symbol's rows equal its body.
        """
        if item.define not in self.scope.functions:
            return self.resolved.definition_bodies.get(item.define)
        if item.expr is not None:
            self.diags.path(
                (*path, "expr"),
                f"{item.define} is a function: its body is given under functions:, not here",
            )
        if item.define not in self.resolved.function_bodies:
            return None
        params = self.scope.functions[item.define].params
        return Node("call", tuple(Node("sym", (), p) for p in params), item.define)

    def equation(
        self,
        path: YPath,
        tex: str,
        given_id: str | None,
        note: str | None,
        given: Sequence[str],
        wrt: str | None,
        expect: str = "true",
    ) -> Display:
        anchor = self.anchor(path if path == ("result",) else path[:-1], given_id, "eq")
        display = Display("chain", tex, self.row_position(path, 0), anchor, note=note)
        display.givens_tex = tuple(given)
        in_body = path[0] == "body"
        continued = _continues(tex)
        previous = _branch_point(self.previous, tuple(given)) if in_body and continued else None
        self.previous = None
        if continued and previous is None:
            self.diags.source(
                path,
                SourceError(
                    "this display starts with '=', continuing the one before it, but the item "
                    "before it is not a checked equation"
                ),
            )
            return display
        read = self.givens((*path[:-1], "given"), given)
        parsed = read_display(
            self.diags,
            self.scope,
            path,
            _blank_leading_equals(tex),
            shapes_may_differ=expect == "false",
            # a display of arrays is checked at an element whose indices its givens must not name
            avoid=frozenset(_given_names(read)),
        )
        if parsed is None or read is None:
            return display
        chain, texts = parsed, [_row_text(tex, parsed, k) for k in range(len(parsed.rows))]
        if parsed.shapes is not None:  # a mistake of shapes: its rows are two dimensions
            display.shapes = parsed.shapes
        if previous is not None and continued:
            # "= c" after a display ending in b: the chain b = c, b being the earlier row
            chain = Chain(
                (previous.row, *parsed.rows),
                (0, *parsed.offsets),
                tuple(b + 1 for b in parsed.breaks),
            )
            texts = [previous.text, *texts]
        if not self.checkable(path, chain, expect):
            return display
        display.kind = _display_kind(chain.rows, expect)
        display.rows_tex = tuple(texts)
        first = 0
        for number, (left, right, offset) in enumerate(
            zip(chain.rows, chain.rows[1:], chain.offsets[1:], strict=False), 1
        ):
            if number in chain.breaks:
                first = number  # a new equation: its own first row, nothing to compare yet
                continue
            hold = (
                previous.hold
                if previous is not None and continued and first == 0
                else self.wrt(path, chain.rows[first], wrt)
            )
            mode = "antiderivative" if _indefinite(left) or _indefinite(right) else "equal"
            display.checks.append(
                CheckSpec(
                    left,
                    right,
                    self.row_position(path, offset),
                    f"row {number + 1} = row {number}",
                    texts[number - 1] + " = " + texts[number],
                    hold,
                    mode,
                    expect,
                    tuple(read.equal),
                    tuple(read.apart),
                )
            )
        if in_body and expect == "true" and not chain.breaks:
            last_hold = display.checks[-1].wrt if display.checks else None
            base = previous if continued else None
            self.previous = _Continued(chain.rows[-1], texts[-1], last_hold, tuple(given), base)
        return display

    def checkable(self, path: YPath, chain: Chain, expect: str) -> bool:
        """A checked display has rows to compare; a mistake is exactly one equation."""
        if len(chain.rows) < 2:
            self.diags.source(
                path,
                SourceError("a checked display needs '=': write it as A = B, or make it notation"),
            )
            return False
        if expect == "false" and len(chain.rows) != 2:
            self.diags.source(
                path, SourceError("a mistake is one false equation A = B", chain.offsets[-1])
            )
            return False
        return True

    def wrt(self, path: YPath, first: Node, wrt: str | None) -> Node | None:
        """The variable held fixed while the other definitions are expanded, if any: the one
        the equation's first row differentiates by."""
        if wrt is not None:
            if wrt not in self.scope.symbols:
                self.diags.path((*path[:-1], "wrt"), f"wrt {wrt!r} is not a declared symbol")
            return Node("sym", (), wrt)
        return first.args[1] if first.op == "deriv" else None

    def givens(self, path: YPath, given: Sequence[str]) -> Givens | None:
        out = Givens()
        for k, tex in enumerate(given):
            sides = _apart_sides(tex)
            if sides is not None:
                pair = self.apart_given((*path, k), tex, sides)
                if pair is None:
                    return None
                out.apart.append(pair)
                continue
            chain = read_display(self.diags, self.scope, (*path, k), tex)
            if chain is None:
                return None
            if len(chain.rows) != 2:
                self.diags.path((*path, k), "a given is one equation A = B")
                return None
            out.equal.append((chain.rows[0], chain.rows[1]))
        return out

    def apart_given(
        self, path: YPath, tex: str, sides: tuple[str, str]
    ) -> tuple[Node, Node] | None:
        """``i \\neq k``: two indices (or an index and a number) that differ."""
        read = [read_display(self.diags, self.scope, path, side) for side in sides]
        nodes = [c.rows[0] for c in read if c is not None and len(c.rows) == 1]
        if len(nodes) != 2:
            return None
        if not all(self._index_or_number(n) for n in nodes) or nodes[0] == nodes[1]:
            self.diags.path(
                path,
                f"a given with \\neq is read only between two indices, such as i \\neq k "
                f"(not {tex})",
            )
            return None
        return nodes[0], nodes[1]

    def _index_or_number(self, node: Node) -> bool:
        if node.op == "num":
            return True
        return node.op == "sym" and self.scope.is_index(str(node.value))

    def anchor(self, path: YPath, given: str | None, prefix: str) -> str:
        self.counter += 1
        anchor = given or f"{prefix}-{self.counter}"
        if anchor in self.anchors:
            self.diags.path((*path, "id"), f"id {anchor!r} is used twice")
        self.anchors[anchor] = path
        return anchor

    def row_position(self, path: YPath, offset: int) -> Position:
        return self.diags.offset_position(path, offset)


def _given_names(read: Givens | None) -> set[str]:
    if read is None:
        return set()
    pairs = [*read.equal, *read.apart]
    return set().union(*(side.names() for pair in pairs for side in pair))


def check_markdown(
    diags: FileDiagnostics, path: YPath, text: str, inline_only: bool = False
) -> None:
    for problem in check_prose(text, inline_only=inline_only):
        diags.at(diags.offset_position(path, problem.offset), problem.message)


def _row_text(tex: str, chain: Chain, number: int) -> str:
    """The TeX of row ``number`` (0-based) of a parsed display."""
    start = chain.offsets[number]
    end = chain.offsets[number + 1] if number + 1 < len(chain.offsets) else len(tex)
    text = _LINE_END.sub("", tex[start:end])
    return " ".join(text.split())


_LINE_END = re.compile(
    r"(?:\s|=|&|\\\\(?:\[[^\]]*\])?|\\(?:nonumber|notag)\b"
    r"|\\end\{(?:aligned|align\*?|split|equation\*?)\})+$"
)
"""What may follow a row up to the next one: '=', alignment marks, line breaks, the end of a
chain environment (never the end of a cases block inside the row)."""


def _display_kind(rows: Iterable[Node], expect: str) -> str:
    rows = list(rows)
    if expect == "false":
        return "expected-false"
    if rows[0].op == "deriv":
        return "derivative"
    if any(_indefinite(r) for r in rows):
        return "antiderivative"
    if any(n.op in ("sum", "integral", "det") for r in rows for n in r.walk()):
        return "identity"
    return "chain"


def _indefinite(node: Node) -> bool:
    return node.op == "integral" and len(node.args) == 2


@dataclass
class Givens:
    """A display's givens: equations to use, and pairs of indices that differ."""

    equal: list[tuple[Node, Node]] = field(default_factory=list)
    apart: list[tuple[Node, Node]] = field(default_factory=list)


_NOT_EQUAL = re.compile(r"\\(?:neq|ne)(?![A-Za-z])")


def _apart_sides(tex: str) -> tuple[str, str] | None:
    """``i \\neq k`` split at its one ``\\neq``; None when the given has none."""
    parts = _NOT_EQUAL.split(tex)
    if len(parts) != 2:
        return None
    return parts[0], parts[1]


@dataclass(frozen=True, slots=True)
class _Continued:
    """What a display starting with '=' continues: the row before it, its TeX, and the
    variable the earlier display differentiates by."""

    row: Node
    text: str
    hold: Node | None
    givens: tuple[str, ...] = ()
    base: _Continued | None = None
    """What this display itself continued from, if anything."""


def _branch_point(previous: _Continued | None, givens: tuple[str, ...]) -> _Continued | None:
    """Where a display starting with '=' goes on from: the display before it, unless that one
    was another case (given i = j, then this one given i ≠ j continues the same expression
    as it did, not its result)."""
    while (
        previous is not None
        and previous.base is not None
        and previous.givens
        and previous.givens != givens
    ):
        previous = previous.base
    return previous


_LEADING_EQUALS = re.compile(r"^(\s*&?\s*)=")


def _continues(tex: str) -> bool:
    """The display starts with '=' (after space or an alignment mark): it continues a chain."""
    return bool(_LEADING_EQUALS.match(tex))


def _blank_leading_equals(tex: str) -> str:
    """The TeX with its leading '=' replaced by a space, so offsets still point into it."""
    return _LEADING_EQUALS.sub(lambda m: m.group(1) + " ", tex, count=1)
