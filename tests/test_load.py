"""Every mistake in a source is reported as ``file:line:col: error: …`` at the mistake itself.

Each file in ``tests/fixtures/bad/`` holds exactly one mistake. Its first comment lines say
what must be reported, one diagnostic per line::

    # expect: LINE:COL: <text the diagnostic must contain>

LINE and COL are 1-based positions in that same file (the comment lines count). Every
expectation must be met by a diagnostic at exactly that position, and every diagnostic must be
expected: a mistake that legitimately yields two diagnostics lists both. A fixture the loader
gets wrong today carries ``# known-bug: <what goes wrong>`` and is a strict expected failure, so
fixing the loader turns it into an unexpected pass until the comment is removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import BaseModel

from generator.core.errors import Diagnostic
from generator.source.load import load_landing, load_source
from generator.source.model import (
    BLOCK_KINDS,
    Derivation,
    EquationBlock,
    FunctionDecl,
    IndexPage,
    ProseBlock,
    StepBlock,
    SymbolDecl,
)

from .helpers import FIXTURES, ROOT, copy_project, run_cli

BAD = FIXTURES / "bad"
YAML11 = FIXTURES / "good" / "yaml11.yaml"
EXPECT = re.compile(r"^# expect: (\d+):(\d+): (.+)$")
KNOWN_BUG = re.compile(r"^# known-bug: (.+)$")
MARKER = re.compile(r"@(\d+)@")
ALLOWED_NOTE = re.compile(r"\n    allowed keys here: \w+(, \w+)*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Expectation:
    """A diagnostic that must be reported: its position and a part of its text."""

    line: int
    column: int
    text: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.text}"


def _header(text: str) -> tuple[list[Expectation], str | None]:
    """The ``# expect:`` lines and the ``# known-bug:`` reason of a fixture's leading comments."""
    expectations: list[Expectation] = []
    bug = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if match := EXPECT.match(line):
            expectations.append(Expectation(int(match[1]), int(match[2]), match[3]))
        elif match := KNOWN_BUG.match(line):
            bug = match[1]
    return expectations, bug


def _body(diagnostic: Diagnostic) -> str:
    """The formatted diagnostic without its file name (so a fixture's name never matches)."""
    return diagnostic.format().removeprefix(f"{diagnostic.file}:")


def _matches(diagnostic: Diagnostic, expectation: Expectation) -> bool:
    position = diagnostic.position
    return (position.line, position.column) == (expectation.line, expectation.column) and (
        expectation.text in _body(diagnostic)
    )


def _assert_reported_exactly(
    diagnostics: list[Diagnostic], expectations: list[Expectation]
) -> None:
    shown = "\n".join(d.format() for d in diagnostics) or "(no diagnostics)"
    missing = [e for e in expectations if not any(_matches(d, e) for d in diagnostics)]
    assert not missing, "not reported: " + "; ".join(map(str, missing)) + "\ngot:\n" + shown
    unexpected = [d for d in diagnostics if not any(_matches(d, e) for e in expectations)]
    assert not unexpected, "unexpected:\n" + "\n".join(d.format() for d in unexpected)


def _assert_compiler_style(diagnostics: list[Diagnostic], file: str) -> None:
    for diagnostic in diagnostics:
        head = f"{file}:{diagnostic.position.line}:{diagnostic.position.column}: error: "
        assert diagnostic.format().startswith(head), diagnostic.format()
        assert "Traceback" not in diagnostic.format()


def _bad_fixtures() -> list[object]:
    params = []
    for path in sorted(BAD.glob("*.yaml")):
        _, bug = _header(path.read_text(encoding="utf-8"))
        marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
        params.append(pytest.param(path, id=path.name, marks=marks))
    return params


def _place(text: str, edits: list[tuple[str, str, str]]) -> tuple[str, list[Expectation]]:
    """Apply ``(find, replace, message)`` edits; ``@@`` in ``replace`` marks where it is reported."""
    for number, (find, replace, _) in enumerate(edits):
        assert text.count(find) == 1, f"{find!r} must occur once"
        text = text.replace(find, replace.replace("@@", f"@{number}@"))
    positions: dict[int, tuple[int, int]] = {}
    while match := MARKER.search(text):
        start = match.start()
        positions[int(match[1])] = (
            text.count("\n", 0, start) + 1,
            start - text.rfind("\n", 0, start),
        )
        text = text[:start] + text[match.end() :]
    return text, [Expectation(*positions[k], message) for k, (_, _, message) in enumerate(edits)]


# --- one mistake per file ----------------------------------------------------------------------


def test_there_are_at_least_35_bad_fixtures() -> None:
    assert len(list(BAD.glob("*.yaml"))) >= 35


@pytest.mark.parametrize("path", _bad_fixtures())
def test_bad_source_is_reported_at_the_mistake(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expectations, _ = _header(text)
    assert expectations, "a bad fixture starts with '# expect: LINE:COL: text' lines"
    lines = text.splitlines() or [""]
    for e in expectations:
        assert 1 <= e.line <= len(lines) and 1 <= e.column <= len(lines[e.line - 1]) + 1, str(e)
    file = f"tests/fixtures/bad/{path.name}"

    source, diagnostics = load_source(text, file)

    assert source is None
    _assert_compiler_style(diagnostics, file)
    _assert_reported_exactly(diagnostics, expectations)


# --- YAML 1.1 values stay text -----------------------------------------------------------------


def test_yaml_1_1_lookalikes_load_as_the_text_written() -> None:
    source, diagnostics = load_source(
        YAML11.read_text(encoding="utf-8"), "tests/fixtures/good/yaml11.yaml"
    )
    assert diagnostics == []
    assert source is not None
    model = source.model
    assert model.title == "NO"
    assert model.section == "N"
    assert model.order == 7
    assert model.symbols["x"].description == "1.10"
    assert model.symbols["u"].description == "yes"
    assert model.functions["sq"].description == "off"
    prose, step, equation = model.body[1], model.body[2], model.body[3]
    assert isinstance(prose, ProseBlock) and prose.prose == "on"
    assert isinstance(step, StepBlock) and (step.step, step.id) == ("12:30", "1e3")
    assert isinstance(equation, EquationBlock) and equation.note == "Off"


# --- several mistakes in one file ------------------------------------------------------------

NAMES_TEX_PROSE = [
    ("= 2 x\n", "= 2 @@w\n", "undeclared symbol 'w'"),
    ("tex: u(x) =", "tex: @@\\href{https://example.org}{u}(x) =", "macro \\href is not allowed"),
    ("  - prose: on\n", "  - prose: on @@<br> off\n", "raw HTML is not allowed"),
]
YAML_LEVEL = [
    ("order: 7\n", "order: 7\n@@order: 8\n", "duplicate key 'order' (first given at line 5)"),
    ("x: {domain: real,", "x: {domain: @@&r real,", "anchors (&r) are not allowed"),
    ("expr: x**2", "expr: @@!foo x**2", "tags (!foo) are not allowed"),
]
MODEL_LEVEL = [
    ("    id: du-dx\n", "    @@idd: du-dx\n", "unknown key 'idd'; did you mean 'id'?"),
    ("order: 7", "order: @@seven", "order: "),
    ("u: {domain: real,", "u: {domain: real, indexed: @@yes,", "expected true or false"),
]
ACROSS_MODEL_AND_NAMES = [
    ("section: N\n", "section: N\n@@summry: Why $2x$.\n", "unknown key 'summry'"),
    ("= 2 x\n", "= 2 @@w\n", "undeclared symbol 'w'"),
    ("  - prose: on\n", "  - prose: on @@<br> off\n", "raw HTML is not allowed"),
]
ACROSS_SCOPE_AND_NAMES = [
    ("functions:\n", "  t: {domain: @@reals, description: unused}\nfunctions:\n", "unknown domain"),
    ("= 2 x\n", "= 2 @@w\n", "undeclared symbol 'w'"),
    ("tex: u(x) =", "tex: @@\\href{https://example.org}{u}(x) =", "macro \\href is not allowed"),
]
STAGED = (
    "the loader stops after the first failing stage, so later independent mistakes are not reported"
)


@pytest.mark.parametrize(
    "edits",
    [
        pytest.param(NAMES_TEX_PROSE, id="names-tex-prose"),
        pytest.param(YAML_LEVEL, id="yaml-level"),
        pytest.param(MODEL_LEVEL, id="model-level"),
        pytest.param(ACROSS_MODEL_AND_NAMES, id="unknown-key-and-names"),
        pytest.param(ACROSS_SCOPE_AND_NAMES, id="bad-domain-and-names"),
    ],
)
def test_three_independent_mistakes_are_reported_in_one_load(
    edits: list[tuple[str, str, str]],
) -> None:
    text, expectations = _place(YAML11.read_text(encoding="utf-8"), edits)
    source, diagnostics = load_source(text, "content/three-mistakes.yaml")
    assert source is None
    _assert_compiler_style(diagnostics, "content/three-mistakes.yaml")
    _assert_reported_exactly(diagnostics, expectations)


def _error_blocks(stderr: str) -> list[str]:
    """The CLI's diagnostics: each head line with the indented notes under it."""
    blocks: list[str] = []
    for line in stderr.splitlines():
        if ": error: " in line and not line.startswith(" "):
            blocks.append(line)
        elif line.startswith("    ") and blocks:
            blocks[-1] += "\n" + line
    return blocks


def test_check_command_prints_every_error_of_every_file(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    content = project / "content"
    for old in content.glob("*.y*ml"):
        old.unlink()
    good = YAML11.read_text(encoding="utf-8")
    (content / "yaml11.yaml").write_text(good, encoding="utf-8")
    three, three_expected = _place(good, NAMES_TEX_PROSE)
    (content / "three-mistakes.yaml").write_text(three, encoding="utf-8")
    one = (BAD / "unknown-key-top.yaml").read_text(encoding="utf-8")
    (content / "one-mistake.yaml").write_text(one, encoding="utf-8")
    one_expected, _ = _header(one)
    expected = [("content/three-mistakes.yaml", e) for e in three_expected]
    expected += [("content/one-mistake.yaml", e) for e in one_expected]

    result = run_cli("check", "--root", str(project), "--no-cache", "--jobs", "1")

    assert result.returncode == 1, result.stdout + result.stderr
    blocks = _error_blocks(result.stderr)
    assert len(blocks) == 4, result.stderr
    for file, e in expected:
        head = f"{file}:{e.line}:{e.column}: error: "
        assert any(b.startswith(head) and e.text in b for b in blocks), (str(e), result.stderr)
    assert result.stderr.rstrip().splitlines()[-1] == "4 errors in 2 files"


# --- unknown keys name the keys that are allowed -------------------------------------------


def _allowed(model: type[BaseModel]) -> str:
    return "allowed keys here: " + ", ".join(model.model_fields)


def _bogus_key(
    name: str, find: str, replace: str, model: type[BaseModel], *marks: object
) -> object:
    return pytest.param(find, replace, model, id=name, marks=marks)


UNKNOWN_KEY_PLACES = [
    _bogus_key("top-level", "order: 7\n", "order: 7\n@@bogus: 1\n", Derivation),
    _bogus_key("symbol", "x: {domain: real,", "x: {@@bogus: 1, domain: real,", SymbolDecl),
    _bogus_key("function", "    expr: x**2\n", "    expr: x**2\n    @@bogus: 1\n", FunctionDecl),
    _bogus_key("define", "expr: sq(x)\n", "expr: sq(x)\n    @@bogus: 1\n", BLOCK_KINDS["define"]),
    _bogus_key("prose", "  - prose: on\n", "  - prose: on\n    @@bogus: 1\n", BLOCK_KINDS["prose"]),
    _bogus_key("step", "    id: 1e3\n", "    id: 1e3\n    @@bogus: 1\n", BLOCK_KINDS["step"]),
    _bogus_key("equation", "note: Off\n", "note: Off\n    @@bogus: 1\n", BLOCK_KINDS["equation"]),
    _bogus_key("notation", "to check\n", "to check\n    @@bogus: 1\n", BLOCK_KINDS["notation"]),
    _bogus_key(
        "mistake", "factor of 2.\n", "factor of 2.\n    @@bogus: 1\n", BLOCK_KINDS["mistake"]
    ),
    _bogus_key(
        "result-mapping",
        "body:\n",
        "result:\n  equation: \\frac{\\partial u}{\\partial x} = 2 x\n  @@bogus: 1\nbody:\n",
        EquationBlock,
    ),
]


@pytest.mark.parametrize(("find", "replace", "model"), UNKNOWN_KEY_PLACES)
def test_unknown_key_lists_the_allowed_keys(
    find: str, replace: str, model: type[BaseModel]
) -> None:
    edit = (find, replace, "unknown key 'bogus'")
    text, expected = _place(YAML11.read_text(encoding="utf-8"), [edit])
    source, diagnostics = load_source(text, "content/unknown-key.yaml")
    assert source is None
    _assert_reported_exactly(diagnostics, expected)
    assert _allowed(model) in diagnostics[0].format()


def test_unknown_key_on_the_landing_page_lists_the_allowed_keys() -> None:
    page, diagnostics = load_landing(
        "title: Home\nheading: Derivations\nintroo: Hi.\n", "index.yaml"
    )
    assert page is None
    assert [(d.position.line, d.position.column) for d in diagnostics] == [(3, 1)]
    assert "did you mean 'intro'?" in diagnostics[0].format()
    assert _allowed(IndexPage) in diagnostics[0].format()


def test_every_unknown_key_in_the_bad_fixtures_lists_the_allowed_keys() -> None:
    seen = 0
    for path in sorted(BAD.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if _header(text)[1]:
            continue  # a known bug fails its own test
        _, diagnostics = load_source(text, path.name)
        for diagnostic in diagnostics:
            if diagnostic.message.startswith("unknown key"):
                seen += 1
                assert ALLOWED_NOTE.search(diagnostic.format()), diagnostic.format()
    assert seen >= 4


def test_row_texts_keep_a_cases_block_whole_and_drop_only_line_marks() -> None:
    """Each row's TeX (shown on the landing page and in messages) ends where the row ends: the
    '=', '&' and line breaks of an aligned chain go, a cases block's own \\end{cases} stays."""
    text = (ROOT / "content" / "relu-mse.yaml").read_text(encoding="utf-8")
    source, _ = load_source(text, "content/relu-mse.yaml")
    assert source is not None and source.result is not None
    assert source.result.rows_tex[-1].endswith("\\end{cases}")
    aligned = (
        "title: Rows\norder: 1\nsymbols:\n  x: {domain: real}\nbody:\n"
        "  - equation: '\\begin{aligned} x + x &= 2 x \\\\ &= x \\cdot 2 \\end{aligned}'\n"
    )
    source, diagnostics = load_source(aligned, "content/rows.yaml")
    assert source is not None, diagnostics
    assert source.displays[0].rows_tex == ("x + x", "2 x", "x \\cdot 2")
