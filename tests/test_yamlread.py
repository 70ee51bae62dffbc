"""The YAML reader's two parsers: libyaml (fast) and ruamel.yaml (YAML 1.2, the errors).

Every YAML file of the project must read the same through both: the same data, the same
positions of every key and value, the same problems. Texts the two parsers would read
differently must not reach libyaml at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.source import yamlread
from generator.source.yamlread import Document, Problem, read

ROOT = Path(__file__).parent.parent
FILES = sorted(
    {
        *ROOT.glob("content/*.yaml"),
        *ROOT.glob("tests/**/*.yaml"),
        *ROOT.glob("benchmarks/**/*.yaml"),
    }
)


def _read_by_ruamel(text: str, monkeypatch: pytest.MonkeyPatch) -> Document:
    with monkeypatch.context() as patch:
        patch.setattr(yamlread, "_FAST", None)
        return read(text)


def _comparable(doc: Document) -> tuple[object, ...]:
    # An empty value has no text: where the parsers put its (empty) span differs, and no
    # position is ever taken from it (its key's is used).
    spans = {p: s for p, s in doc.scalars.items() if s.end > s.start}
    return (doc.data, doc.keys, doc.values, spans, doc.problems, doc.problem_paths)


def test_libyaml_is_there_to_be_used():
    """The pinned PyYAML wheel carries libyaml; without it every file is read 30× slower."""
    assert yamlread._FAST is not None


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_both_parsers_read_every_yaml_file_of_the_project_alike(path, monkeypatch):
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    assert _comparable(read(text)) == _comparable(_read_by_ruamel(text, monkeypatch))


def test_libyaml_reads_this_sites_sources(monkeypatch):
    """The fast path is the one taken: a comparison of both parsers would also pass if every
    file fell back to ruamel."""
    read_by_libyaml: list[str] = []
    parse = yamlread.libyaml.parse

    def recorded(text: str, **options: object) -> object:
        events = list(parse(text, **options))
        read_by_libyaml.append(text)
        return events

    monkeypatch.setattr(yamlread.libyaml, "parse", recorded)
    sources = sorted(ROOT.glob("content/*.yaml"))
    for path in sources:
        read(path.read_text(encoding="utf-8"))
    assert len(read_by_libyaml) == len(sources)


def test_the_files_compared_include_this_sites_sources_and_bad_ones():
    names = {p.name for p in FILES}
    assert {"softmax-cross-entropy.yaml", "missing-title-value.yaml"} <= names
    assert len(FILES) > 150


@pytest.mark.parametrize(
    "text",
    [
        "title: a\u2028b: c\n",  # a line break to YAML 1.1, text to YAML 1.2
        "title: a\x85b\n",
        "\ufefftitle: a\n",
        "%YAML 1.2\n---\ntitle: a\n",
        "title: \t a\n",  # libyaml takes the tab as a separator; ruamel refuses it
        "title: |#c\n  a\n",  # a comment with no space before it
    ],
)
def test_texts_the_parsers_read_differently_are_read_by_ruamel_alone(text, monkeypatch):
    """libyaml still reads them (to know how deep they nest), but its events are not used."""
    used: list[str] = []
    parse = yamlread.YAML.parse
    monkeypatch.setattr(yamlread.YAML, "parse", lambda self, t: used.append(t) or parse(self, t))
    doc = read(text)
    assert used == [text]
    assert _comparable(doc) == _comparable(_read_by_ruamel(text, monkeypatch))


def test_a_syntax_error_is_reported_as_ruamel_words_it(monkeypatch):
    text = "title: 'never closed\nsymbols: {}\n"
    doc = read(text)
    assert doc.problems == _read_by_ruamel(text, monkeypatch).problems
    assert doc.problems[0].message == "YAML syntax error: this quoted value is never closed"
    assert (doc.problems[0].position.line, doc.problems[0].position.column) == (1, 8)


def _nested_blocks(levels: int) -> str:
    lines = ["title: x", "body:"] + ["  " * level + "a:" for level in range(1, levels + 1)]
    return "\n".join([*lines, "  " * (levels + 1) + "b", ""])


def _nested_keys(levels: int) -> str:
    key = "a"
    for _ in range(levels):
        key = "{? " + key + " : v}"
    return f"title: x\nbody: {key}\n"


def _nested_lists(levels: int) -> str:
    return "title: x\nbody: " + "[" * levels + "]" * levels + "\n"


NESTED = {
    "lists": _nested_lists,
    "blocks": _nested_blocks,
    "complex keys": _nested_keys,
}


def _too_deep(doc: Document) -> list[Problem]:
    return [p for p in doc.problems if "levels deep" in p.message]


@pytest.mark.parametrize("shape", NESTED)
def test_a_source_nested_too_deep_is_an_error_at_its_place_not_a_crash(shape, monkeypatch):
    """Building data nested hundreds deep exhausted Python's recursion limit (a traceback,
    not an error at a line); beyond libyaml's 1,000 levels no parser goes on, since ruamel
    takes seconds for a few thousand levels of brackets."""
    line = 2 + yamlread.MAX_NESTING if shape == "blocks" else 2
    for levels in (yamlread.MAX_NESTING + 1, 300):
        for doc in (
            read(NESTED[shape](levels)),
            _read_by_ruamel(NESTED[shape](levels), monkeypatch),
        ):
            assert [p.position.line for p in _too_deep(doc)] == [line], doc.problems[:3]
    if shape != "blocks":  # libyaml stops at 1,000 levels, here on line 2
        doc = read(NESTED[shape](20_000))
        assert [p.position.line for p in _too_deep(doc)] == [2], doc.problems[:3]


@pytest.mark.parametrize("shape", NESTED)
def test_data_nested_as_deep_as_allowed_is_read(shape):
    doc = read(NESTED[shape](yamlread.MAX_NESTING - 2))
    assert not _too_deep(doc)
    if shape != "complex keys":  # those are refused, each for being no plain name
        assert doc.problems == []


def test_positions_inside_values_are_where_counting_lines_puts_them():
    text = (ROOT / "content" / "softmax-cross-entropy.yaml").read_text(encoding="utf-8")
    doc = read(text)
    for index in range(0, len(text) + 1, 7):
        before = text[:index]
        expected = (before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1)
        position = doc.position_at(index)
        assert (position.line, position.column) == expected, index


@pytest.mark.parametrize(
    "text",
    ['title: "a\\x00b"\n', 'title: "a\\eb"\n', "title: a\u202eb\n", 'title: "a\\u2066b"\n'],
    ids=["NUL escaped", "ESC escaped", "bidi override", "bidi isolate escaped"],
)
def test_control_characters_are_refused_in_the_file_and_from_escapes(text):
    """Invisible on the page, or reordering what readers see (Trojan Source)."""
    (problem,) = read(text).problems
    assert "control character" in problem.message
    assert problem.position.line == 1
