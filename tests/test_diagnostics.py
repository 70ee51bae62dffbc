"""An invalid declaration is reported once, not again at every use of its name.

Which errors are dropped, and which get the "make it notation" hint, is decided by the
structured reason a parser gives (``SourceError.reason`` and ``.name``), never by the
wording of a message.
"""

from __future__ import annotations

import pytest

from generator.core.errors import Position, Reason, SourceError
from generator.source.declarations import NOTATION_HINT, read_display
from generator.source.diagnostics import FileDiagnostics
from generator.source.load import load_source
from generator.source.yamlread import read

FILE = "content/probe.yaml"
SOURCE = """\
title: Probe
order: 1
symbols:
  x: {domain: real}
  w: [not, a, declaration]
  L: {domain: real}
body:
  - define: L
    params: [x, w]
    expr: (x - w)**2
    tex: L(x, w) = (x - w)^2
  - equation: \\frac{\\partial L}{\\partial w} = 2(w - x)
  - equation: \\frac{\\partial L}{\\partial x} = 2 x w - 2 w
"""


def test_a_broken_declaration_is_reported_once_not_at_its_uses() -> None:
    source, diagnostics = load_source(SOURCE, FILE)
    assert source is None
    assert [(d.position.line, d.message) for d in diagnostics] == [
        (5, "w: Input should be a valid dictionary or instance of SymbolDecl"),
    ]


def test_a_use_without_the_broken_declaration_is_still_reported() -> None:
    text = SOURCE.replace("2 x w - 2 w", "2 x - 2 q")
    _, diagnostics = load_source(text, FILE)
    assert [d.message for d in diagnostics][1:] == ["undeclared symbol 'q'"]
    line = text.splitlines()[12]
    assert diagnostics[1].position == Position(13, line.rindex("q") + 1)


def _diagnostics(text: str = "a: x + y\nb: z\n") -> FileDiagnostics:
    return FileDiagnostics(read(text), FILE)


def test_suppression_follows_the_name_not_the_message() -> None:
    diags = _diagnostics()
    diags.suppress_uses_of(["y"])
    # Worded in any way at all: the name decides.
    diags.source(("b",), SourceError("y is nowhere to be seen", 0, name="y"))
    diags.path(("b",), "parameter 'y' is not a declared symbol", about="y")
    # Mentions y in its wording, but is about no name: kept.
    diags.source(("b",), SourceError("undeclared symbol 'y'"))
    assert [d.message for d in diags.items] == ["undeclared symbol 'y'"]


def test_an_error_in_a_text_that_spells_a_suppressed_name_is_dropped() -> None:
    diags = _diagnostics()
    diags.suppress_uses_of(["y"])
    diags.source(("a",), SourceError("unexpected '+'", 2))
    diags.source(("b",), SourceError("unexpected 'z'", 0))
    assert [(d.message, d.position) for d in diags.items] == [("unexpected 'z'", Position(2, 4))]


def test_the_notation_hint_is_given_by_reason() -> None:
    from generator.core.scope import Scope, SymbolInfo

    scope = Scope({"x": SymbolInfo("x", "x")})
    text = "a: x^12 = 1\nb: x + q = 1\nc: \\href{u}{x} = 1\n"
    diags = _diagnostics(text)
    for key in ("a", "b", "c"):
        assert read_display(diags, scope, (key,), diags.doc.value_text((key,))) is None
    notes = {d.position.line: d.notes for d in diags.items}
    assert notes[1][-1] == NOTATION_HINT  # a reading the checker refuses: notation would do
    assert NOTATION_HINT not in notes[2]  # undeclared q: declare it
    assert NOTATION_HINT not in notes[3]  # refused TeX: notation would refuse it too


def test_parsers_say_why() -> None:
    from generator.core.scope import Scope
    from generator.parse.expr import parse_expression
    from generator.parse.tex import parse_chain
    from generator.parse.texlex import lint

    with pytest.raises(SourceError) as expression:
        parse_expression("q + 1", Scope())
    with pytest.raises(SourceError) as display:
        parse_chain("x = q", Scope())
    with pytest.raises(SourceError) as macro:
        lint("\\def\\x{1}")
    assert (expression.value.reason, expression.value.name) == (Reason.UNDECLARED, "q")
    assert (display.value.reason, display.value.name) == (Reason.UNDECLARED, "x")
    assert macro.value.reason is Reason.REFUSED
