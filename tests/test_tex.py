"""The TeX parser reads displays the way a textbook means them, and refuses to guess.

Every entry of ``tests/fixtures/tex_corpus.yaml`` pairs a displayed formula with its
meaning in the expression syntax; both are parsed with the same scope, translated to
SymPy by the same translator, and must denote the same expression (ARCHITECTURE.md,
invariant 2: what is displayed is what is checked). A second list holds inputs that must be rejected, with the
message and the offset of the error. Entries the parser gets wrong carry
``known_bug`` and are strict xfails, so fixing the parser turns them into failures
that ask for the marker to be removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import sympy as sp
from ruamel.yaml import YAML

from generator.checker.tosympy import Definition, Translator
from generator.core.domains import parse_domain
from generator.core.errors import SourceError
from generator.core.scope import FunctionInfo, Scope, SymbolInfo, default_tex
from generator.parse.expr import parse_expression
from generator.parse.tex import parse_chain

CORPUS = Path(__file__).resolve().parent / "fixtures" / "tex_corpus.yaml"


# --- the corpus file ---------------------------------------------------------------------------


@cache
def _document() -> Any:
    return YAML(typ="rt").load(CORPUS.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Context:
    """One scope of the corpus, with the translator that turns its trees into SymPy."""

    scope: Scope
    translator: Translator


def _merged(base: Any, override: Any) -> dict[str, Any]:
    """``base`` with ``override``'s entries on top; a ``null`` entry removes the name."""
    out = dict(base or {})
    for name, value in (override or {}).items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


@cache
def _context(variant: str | None) -> Context:
    doc = _document()
    spec = doc["scope"]
    symbols_spec = dict(spec["symbols"])
    functions_spec = dict(spec.get("functions") or {})
    definitions_spec = dict(spec.get("definitions") or {})
    if variant is not None:
        extra = doc["scopes"][variant]
        symbols_spec = _merged(symbols_spec, extra.get("symbols"))
        functions_spec = _merged(functions_spec, extra.get("functions"))
        definitions_spec = _merged(definitions_spec, extra.get("definitions"))
    symbols = {
        name: SymbolInfo(
            name,
            str(decl.get("tex") or default_tex(name)),
            str(decl.get("domain", "real")),
            bool(decl.get("indexed", False)),
        )
        for name, decl in symbols_spec.items()
    }
    functions = {
        name: FunctionInfo(
            name, str(decl.get("tex") or default_tex(name)), tuple(map(str, decl["params"]))
        )
        for name, decl in functions_spec.items()
    }
    dependents = {
        name: tuple(map(str, decl.get("params") or ())) for name, decl in definitions_spec.items()
    }
    scope = Scope(symbols, functions, dependents, spec.get("size"))
    function_bodies = {
        name: Definition(
            name,
            info.params,
            parse_expression(
                str(functions_spec[name]["expr"]), scope, bound=frozenset(info.params)
            ),
        )
        for name, info in functions.items()
    }
    definitions = {}
    for name, decl in definitions_spec.items():
        indices = tuple(map(str, decl.get("index") or ()))
        body = parse_expression(str(decl["expr"]), scope, bound=frozenset(indices))
        definitions[name] = Definition(name, dependents[name], body, indices)
    translator = Translator(
        {name: parse_domain(info.domain) for name, info in symbols.items()},
        frozenset(name for name, info in symbols.items() if info.indexed),
        function_bodies,
        definitions,
    )
    return Context(scope, translator)


def _excerpt(tex: str, width: int = 32) -> str:
    text = " ".join(tex.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _params(section: str) -> list[Any]:
    """One pytest param per entry of ``section``: id = index and TeX excerpt; known_bug → xfail."""
    out = []
    for index, entry in enumerate(_document()[section]):
        line = entry.lc.line + 1
        marks = []
        if entry.get("known_bug"):
            marks.append(pytest.mark.xfail(reason=str(entry["known_bug"]), strict=True))
        out.append(
            pytest.param(
                index,
                line,
                dict(entry),
                id=f"{index:03d}-{_excerpt(str(entry['tex']))}",
                marks=marks,
            )
        )
    return out


# --- comparing meanings ------------------------------------------------------------------------


def _canonical(expr: Any) -> Any:
    """Replace the fresh dummies of sums and integrals by symbols named by order of appearance,
    so trees equal up to the name of a bound variable (Σ_k z_k, Σ_j z_j) compare equal."""
    order: dict[Any, None] = {}
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Dummy):
            order.setdefault(node, None)
    mapping = {d: sp.Symbol(f"bound_{n}", **d.assumptions0) for n, d in enumerate(order)}
    return expr.xreplace(mapping)


def _same(left: Any, right: Any) -> bool:
    left, right = _canonical(left), _canonical(right)
    if left == right:
        return True
    difference = left - right
    for attempt in (lambda: difference, difference.doit):
        try:
            if sp.simplify(attempt()) == 0:
                return True
        except Exception:  # SymPy's simplify can itself fail (StopIteration in sum_add)
            continue
    return False


def _where(line: int, tex: str) -> str:
    return f"tests/fixtures/tex_corpus.yaml:{line}: {tex!r}"


@pytest.mark.parametrize(("index", "line", "entry"), _params("corpus"))
def test_tex_means_expr(index: int, line: int, entry: dict[str, Any]) -> None:
    context = _context(entry.get("scope"))
    tex = str(entry["tex"])
    expected = entry["expr"]
    expected_rows = [str(e) for e in expected] if isinstance(expected, list) else [str(expected)]
    chain = parse_chain(tex, context.scope)
    assert len(chain.rows) == len(expected_rows), _where(line, tex)
    for k, (row, text) in enumerate(zip(chain.rows, expected_rows, strict=True)):
        parsed = context.translator.expr(row)
        meant = context.translator.expr(parse_expression(text, context.scope))
        assert _same(parsed, meant), (
            f"{_where(line, tex)} row {k}: parsed as {parsed}, expected {text} = {meant}"
        )


_BLANK = re.compile(r"(?:\s|\\[,;:! ]|\\q?quad(?![A-Za-z]))*")


def _row_starts(tex: str) -> list[int]:
    """Where each row starts: its first character that is not white space or TeX spacing.

    Rows are separated by the '=' signs outside braces (``\\sum_{k=1}`` has none), and a line
    of an aligned block that does not start with '=' (``\\\\ y &= y``) starts a row too.
    """
    starts = [_BLANK.match(tex).end()]
    depth = environments = 0
    chain = (
        len(
            re.match(r"(?:\s*\\begin\{(?:aligned|align\*?|split|equation\*?)\})*", tex)[0].split(
                "\\begin"
            )
        )
        - 1
    )
    for k, ch in enumerate(tex):
        escaped = k > 0 and tex[k - 1] == "\\"
        if ch == "{" and not escaped:
            depth += 1
        elif ch == "}" and not escaped:
            depth -= 1
        elif ch == "=" and depth == 0 and environments <= chain:
            starts.append(_BLANK.match(tex, k + 1).end())
        elif tex.startswith("\\begin", k):
            environments += 1
        elif tex.startswith("\\end", k):
            environments -= 1
        elif chain and environments == chain and tex.startswith("\\\\", k) and not escaped:
            line = _BLANK.match(tex, k + 2).end()
            spacing = re.match(r"\[[^\]]*\]", tex[line:])  # \\[4pt]
            line = _BLANK.match(tex, line + (spacing.end() if spacing else 0)).end()
            if not tex.startswith(("&", "=", "\\end"), line):
                starts.append(line)
    return starts


@pytest.mark.parametrize(("index", "line", "entry"), _params("corpus"))
def test_later_rows_start_after_each_equals(index: int, line: int, entry: dict[str, Any]) -> None:
    """Rows after the first start right after their '=' (the first row: see ``offsets``)."""
    tex = str(entry["tex"])
    try:
        chain = parse_chain(tex, _context(entry.get("scope")).scope)
    except SourceError:
        pytest.skip("the meaning test reports this entry")
    assert list(chain.offsets[1:]) == _row_starts(tex)[1:], _where(line, tex)


@pytest.mark.parametrize(("index", "line", "entry"), _params("offsets"))
def test_row_offsets(index: int, line: int, entry: dict[str, Any]) -> None:
    tex = str(entry["tex"])
    expected = [int(o) for o in entry["offsets"]]
    assert expected == _row_starts(tex), f"{_where(line, tex)}: the fixture's offsets are wrong"
    chain = parse_chain(tex, _context(entry.get("scope")).scope)
    assert list(chain.offsets) == expected, _where(line, tex)


@pytest.mark.parametrize(("index", "line", "entry"), _params("rejected"))
def test_tex_is_rejected(index: int, line: int, entry: dict[str, Any]) -> None:
    tex = str(entry["tex"])
    context = _context(entry.get("scope"))
    with pytest.raises(SourceError) as caught:
        chain = parse_chain(tex, context.scope)
        rows = [str(context.translator.expr(row))[:80] for row in chain.rows]
        pytest.fail(f"{_where(line, tex)} was accepted as {rows}")
    error = caught.value
    assert str(entry["message"]) in error.message, _where(line, tex)
    assert error.offset == int(entry["offset"]), (
        f"{_where(line, tex)}: error at offset {error.offset} "
        f"({tex[error.offset : error.offset + 8]!r}), "
        f"expected {entry['offset']} ({tex[int(entry['offset']) : int(entry['offset']) + 8]!r})"
    )


# --- the corpus itself -------------------------------------------------------------------------

_REQUIRED_CONSTRUCTS = [
    r"\frac",
    r"\dfrac",
    r"\ln a",
    r"\ln(1",
    r"\log",
    r"\exp",
    "e^{-z}",
    r"\sigma(z)",
    r"\partial^2",
    r"\frac{d}{dz}",
    r"\frac{dL}{dz}",
    r"\cdot",
    r"\times",
    r"\sum_{k=1}^{n}",
    r"\int_{\theta=0}^{2\pi}",
    r"\mathrm{d}",
    "vmatrix",
    r"\left(",
    r"\left|",
    r"\sqrt",
    "n!",
    r"\max(0, z)",
    r"\min",
    r"\delta_{ij}",
    r"\infty",
    r"\pi",
    r"\,",
    r"\;",
    r"\sinh",
    r"\cosh",
    r"\tanh",
    r"-(y \ln(a) + (1 - y) \ln(1 - a))",
]


def test_corpus_is_large_and_covers_every_construct() -> None:
    doc = _document()
    texts = [str(e["tex"]) for e in doc["corpus"]]
    assert len(texts) >= 110
    assert len(doc["rejected"]) >= 30
    missing = [c for c in _REQUIRED_CONSTRUCTS if not any(c in t for t in texts)]
    assert not missing
    for section in ("corpus", "rejected", "offsets"):
        for entry in doc[section]:
            bug = entry.get("known_bug")
            assert bug is None or (str(bug).strip() and "\n" not in str(bug)), entry
