"""Strict YAML → plain data, keeping where every key and value came from.

Built on a YAML *event* stream rather than a library's constructors, so that:

* every scalar stays a string (no YAML 1.1 surprises: ``NO``, ``on``, ``1.10`` and
  ``12:30`` are text; the typed model decides what a field means);
* anchors, aliases, tags, merge keys, duplicate keys and multiple documents are
  errors, each at its position, because derivation sources never need them and
  they can hide content;
* every error is collected, not only the first;
* nesting is bounded (:data:`MAX_NESTING` levels): deeper data is an error at its place, not a
  crash of Python's recursion limit, and no parser is left to spend seconds on it.

The events come from libyaml (PyYAML's C parser, 30× faster than a parser in Python) when it
reads the text without complaint and the text holds nothing YAML 1.1 and 1.2 read differently;
otherwise from ruamel.yaml's YAML 1.2 parser, whose errors are the ones reported.
``tests/test_yamlread.py`` checks that both give the same events, positions included, for
every YAML file of the project. A few texts ruamel refuses are read by libyaml as YAML 1.2
reads them: a block scalar whose first, blank line is indented less than its text, a
JSON-like key in a flow sequence (``["b":c]``), a repeated ``...``; and an anchor or tag in
an odd place is still an error, in this reader's words rather than ruamel's.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

import yaml as libyaml
from ruamel.yaml import YAML
from ruamel.yaml import __version__ as ruamel_version
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from ..core.errors import Position

MAX_SOURCE_BYTES = 512 * 1024
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
"""Control characters, and the bidirectional ones that make text read in another order than
it is stored: in the file, or written as an escape (``"\\x1b"``) in a double-quoted value."""
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    position: Position
    message: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Scalar:
    """Where a scalar's text sits in the file, to place errors inside it."""

    start: int
    """Index of the scalar's first source character (a quote or ``|`` included)."""
    end: int
    style: str | None


@dataclass
class Document:
    """A source file read as plain data, with positions for every path."""

    data: Any
    text: str
    keys: dict[Path, Position] = field(default_factory=dict)
    values: dict[Path, Position] = field(default_factory=dict)
    scalars: dict[Path, Scalar] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    problem_paths: set[Path] = field(default_factory=set)
    """Paths whose value was refused by the reader (an alias, a tag …): no second error there."""
    _line_starts: list[int] | None = field(default=None, repr=False, compare=False)

    def position(self, path: Path, *, key: bool = False) -> Position:
        """The closest known position for ``path`` (walking up until one is known)."""
        probe = tuple(path)
        while probe:
            table = self.keys if key else self.values
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
            key = False
        return self.values.get((), Position(1, 1))

    def offset_position(self, path: Path, offset: int) -> Position:
        """Where character ``offset`` of the string value at ``path`` is in the file."""
        scalar = self.scalars.get(path)
        if scalar is None:
            return self.position(path)
        raw = self.value_text(path)
        # The model strips surrounding whitespace; offsets count from the stripped text.
        offset += len(raw) - len(raw.lstrip())
        index = _source_index(self.text, scalar, raw, offset)
        return self.position_at(index)

    def position_at(self, index: int) -> Position:
        """Line and column of character ``index``, from the line starts found once (a file
        of thousands of displays asks for thousands of positions)."""
        if self._line_starts is None:
            self._line_starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
        line = bisect.bisect_right(self._line_starts, index)
        return Position(line, index - self._line_starts[line - 1] + 1)

    def value_text(self, path: Path) -> str:
        node: Any = self.data
        for part in path:
            node = node[part]
        return str(node)


def read(text: str) -> Document:
    """Parse YAML text strictly; problems are collected in ``Document.problems``."""
    text = text.replace("\r\n", "\n")
    doc = Document(None, text)
    control = _CONTROL.search(text)
    if control:
        # A lone CR is a line break to YAML but not to most tools; other control characters
        # are invisible. Either way, say where it is instead of letting the parser stumble.
        code = ord(control.group())
        what = "a carriage return without a line feed" if code == 13 else "a control character"
        doc.problems.append(
            Problem(doc.position_at(control.start()), f"{what} (U+{code:04X}) is not allowed")
        )
        return doc
    if len(text.encode("utf-8", "replace")) > MAX_SOURCE_BYTES:
        doc.problems.append(
            Problem(Position(1, 1), f"file is larger than {MAX_SOURCE_BYTES // 1024} KiB; split it")
        )
        return doc
    if "\t" in _indentation(text):
        line = _first_tab_line(text)
        doc.problems.append(
            Problem(Position(line, 1), "tabs are not allowed for indentation; use spaces")
        )
        return doc
    try:
        events = _events(text)
    except _TooDeep as exc:
        doc.problems.append(exc.problem)
        return doc
    except MarkedYAMLError as exc:
        doc.problems.append(_syntax_problem(exc))
        return doc
    except ReaderError as exc:
        index = exc.position if isinstance(exc.position, int) else 0
        code = (
            exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
        )
        doc.problems.append(
            Problem(
                doc.position_at(min(index, len(text))),
                f"character U+{code:04X} is not allowed in YAML",
            )
        )
        return doc
    except (YAMLError, ValueError, RecursionError) as exc:
        doc.problems.append(Problem(Position(1, 1), f"YAML syntax error: {exc}"))
        return doc
    _Builder(doc, events).build()
    return doc


_READ_DIFFERENTLY = re.compile("[\t\x85\u2028\u2029\ufeff]|^%|[|>][-+0-9]*#", re.MULTILINE)
"""Read by ruamel alone: line breaks in YAML 1.1 only (NEL, LS, PS), a byte-order mark, a
directive, tabs (libyaml accepts a tab after ``key:``, which ruamel, and so this reader,
refuses) and a comment right after a block scalar's header (``|#``, likewise)."""


_FAST: Any = getattr(libyaml, "CSafeLoader", None)
"""None where PyYAML was built without libyaml: then ruamel reads every file."""


class _TooDeep(Exception):
    """Nested deeper than libyaml goes (1,000 levels): no parser is asked to go on."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _events(text: str) -> list[Any]:
    fast = _fast_events(text)
    # ruamel's scanner spends time quadratic in the depth of nesting (seconds at 3,000
    # levels): text nested beyond what a source may hold is never given to it.
    if fast is not None and (not _READ_DIFFERENTLY.search(text) or _deeper(fast, MAX_NESTING)):
        return fast
    return list(YAML(typ="safe", pure=True).parse(text))


def _fast_events(text: str) -> list[Any] | None:
    """libyaml's events; None if it complains (ruamel reads the text again, and says why)."""
    if _FAST is None:
        return None
    try:
        return list(libyaml.parse(text, Loader=_FAST))
    except libyaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        if "nesting depth" in str(exc.problem) and mark is not None:
            message = f"nested more than {MAX_NESTING} levels deep"
            raise _TooDeep(Problem(Position(mark.line + 1, mark.column + 1), message)) from None
        return None
    except Exception:
        return None


def _deeper(events: list[Any], levels: int) -> bool:
    depth = 0
    for event in events:
        kind = type(event).__name__
        depth += (kind in _OPENING) - (kind in _CLOSING)
        if depth > levels:
            return True
    return False


def _libyaml_version() -> str:
    from yaml import _yaml  # the C extension, there whenever CSafeLoader is

    return str(_yaml.get_version_string())


PARSERS = " ".join(
    (
        f"ruamel.yaml {ruamel_version}",
        f"PyYAML {libyaml.__version__}",
        f"libyaml {_libyaml_version()}" if _FAST is not None else "no libyaml",
    )
)
"""Which parsers read the sources (part of the source cache's key)."""


def _is(event: Any, kind: str) -> bool:
    """Both parsers name their event classes alike (ScalarEvent, AliasEvent, …)."""
    return type(event).__name__ == kind


def _style(event: Any) -> str | None:
    return event.style or None  # a plain scalar: None from ruamel, "" from libyaml


MAX_NESTING = 64
"""Mappings and lists within one another, at most: a derivation needs fewer than ten, and
building deeper ones would exhaust Python's recursion limit (a crash, not an error)."""

_OPENING = ("MappingStartEvent", "SequenceStartEvent")
_CLOSING = ("MappingEndEvent", "SequenceEndEvent")


class _Builder:
    def __init__(self, doc: Document, events: list[Any]) -> None:
        self.doc = doc
        self.events = events
        self.i = 0
        self.current: Path = ()
        self.nesting = 0

    def pos(self, event: Any) -> Position:
        mark = event.start_mark
        return Position(mark.line + 1, mark.column + 1)

    def problem(self, event: Any, message: str, *notes: str) -> None:
        self.doc.problems.append(Problem(self.pos(event), message, notes))

    def build(self) -> None:
        documents = [k for k, e in enumerate(self.events) if _is(e, "DocumentStartEvent")]
        if len(documents) > 1:
            self.problem(
                self.events[documents[1]], "only one YAML document per file (remove '---')"
            )
        if not documents:
            self.doc.problems.append(Problem(Position(1, 1), "the file is empty"))
            return
        self.i = documents[0] + 1
        if _is(self.events[self.i], "StreamEndEvent"):
            self.doc.problems.append(Problem(Position(1, 1), "the file is empty"))
            return
        self.doc.values[()] = self.pos(self.events[self.i])
        self.doc.data = self.node(())

    def screen(self, event: Any) -> None:
        anchor = getattr(event, "anchor", None)
        if anchor:
            self.problem(event, f"anchors (&{anchor}) are not allowed: write the value out in full")
            self.doc.problem_paths.add(self.current)
        tag = getattr(event, "tag", None)
        if tag:
            shown = str(tag).replace("tag:yaml.org,2002:", "!!")
            self.problem(event, f"tags ({shown}) are not allowed: values are read as text")
            self.doc.problem_paths.add(self.current)

    def node(self, path: Path) -> Any:
        event = self.events[self.i]
        self.i += 1
        self.current = path
        if _is(event, "AliasEvent"):
            self.problem(
                event, f"aliases (*{event.anchor}) are not allowed: write the value out in full"
            )
            self.doc.problem_paths.add(path)
            return None
        self.screen(event)
        if _is(event, "ScalarEvent"):
            self.doc.scalars[path] = Scalar(
                event.start_mark.index, event.end_mark.index, _style(event)
            )
            control = _CONTROL.search(event.value)
            if control:  # only an escape can bring one in: the file itself was searched
                code = ord(control.group())
                self.problem(event, f"a control character (U+{code:04X}) is not allowed")
                self.doc.problem_paths.add(path)
                return None
            if _style(event) is None and event.value in _NULLS:
                return None
            return event.value
        if type(event).__name__ in _OPENING:
            if self.nesting >= MAX_NESTING:
                self.problem(event, f"nested more than {MAX_NESTING} levels deep")
                self.doc.problem_paths.add(path)
                self.skip()
                return None
            self.nesting += 1
            try:
                return self.collection(event, path)
            finally:
                self.nesting -= 1
        self.problem(event, "unexpected YAML structure")
        return None

    def skip(self) -> None:
        """Past the collection just opened, with everything in it (counted, not recursed)."""
        open_ = 1
        while open_:
            kind = type(self.events[self.i]).__name__
            self.i += 1
            open_ += (kind in _OPENING) - (kind in _CLOSING)

    def collection(self, event: Any, path: Path) -> Any:
        if _is(event, "SequenceStartEvent"):
            items: list[Any] = []
            while not _is(self.events[self.i], "SequenceEndEvent"):
                index = len(items)
                self.doc.values[(*path, index)] = self.pos(self.events[self.i])
                items.append(self.node((*path, index)))
            self.i += 1
            return items
        return self.mapping(path)

    def mapping(self, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        while not _is(self.events[self.i], "MappingEndEvent"):
            key_event = self.events[self.i]
            if not _is(key_event, "ScalarEvent"):
                self.problem(key_event, "keys must be plain names")
                self.node(path)  # skip the key
                self.node(path)  # and its value
                continue
            self.i += 1
            self.screen(key_event)
            key = key_event.value
            if key == "<<" and _style(key_event) is None:
                self.problem(
                    key_event, "merge keys (<<) are not allowed: write the keys out in full"
                )
            if key in out:
                first = self.doc.keys[(*path, key)]
                self.problem(key_event, f"duplicate key {key!r} (first given at line {first.line})")
                self.node((*path, f"{key}#dup"))
                continue
            self.doc.keys[(*path, key)] = self.pos(key_event)
            value_event = self.events[self.i]
            empty = (
                _is(value_event, "ScalarEvent")
                and _style(value_event) is None
                and value_event.value == ""
            )
            # An empty value has no position of its own (the parser puts it on the next line).
            self.doc.values[(*path, key)] = self.pos(key_event if empty else value_event)
            out[key] = self.node((*path, key))
        self.i += 1
        return out


_QUOTE_HINT = "if the value is math or contains ': ', quote it ('…') or use a | block"


def _syntax_problem(exc: MarkedYAMLError) -> Problem:
    """A YAML syntax error in words an author can act on, at the place to fix."""
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    mark = exc.problem_mark or exc.context_mark
    notes: tuple[str, ...]
    if "end of stream" in problem and "quoted scalar" in context and exc.context_mark is not None:
        mark = exc.context_mark  # point at the opening quote, not at the end of the file
        message, notes = "this quoted value is never closed", ("add the closing quote",)
    elif "mapping values are not allowed" in problem:
        message, notes = "a ': ' inside a value is read as a new key", (_QUOTE_HINT,)
    elif "expected <block end>" in problem or "could not find expected ':'" in problem:
        message = "bad indentation: this line does not line up with the lines around it"
        notes = ("keys of one mapping start in the same column; list items start with '- '",)
    elif "found character '\\t'" in problem:
        message, notes = "tabs are not allowed; use spaces", ()
    else:
        message, notes = (problem or context or "invalid YAML"), (_QUOTE_HINT,)
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return Problem(Position(line, col), f"YAML syntax error: {message}", notes)


def _indentation(text: str) -> str:
    return "".join(line[: len(line) - len(line.lstrip(" \t"))] for line in text.splitlines())


def _first_tab_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if "\t" in line[: len(line) - len(line.lstrip(" \t"))]:
            return number
    return 1


def _source_index(text: str, scalar: Scalar, value: str, offset: int) -> int:
    """Align a scalar's value with its source text to find character ``offset``.

    Walks both strings together; source characters that do not appear in the value
    (quotes, indentation, block headers, folded line breaks) are skipped, and in a
    double-quoted value an escape (``\\\\``, ``\\t``, ``\\u00b7``) is the one character it
    stands for. Good enough to put a caret on the right token.
    """
    i = scalar.start
    if scalar.style in ("|", ">"):
        i = text.find("\n", i) + 1  # skip the block header line
    elif scalar.style in ("'", '"'):
        i += 1
    end = max(scalar.end, i)
    escapes = scalar.style == '"'
    for k, ch in enumerate(value):
        width = 0  # > 0: text[i] is an escape standing for ch, this many characters long
        while i < end:
            if escapes and text[i] == "\\":
                stands_for, length = _escape(text, i)
                if stands_for is None:  # an escaped line break stands for nothing
                    i += length
                    continue
                width = length if stands_for == ch else 0
                if width:
                    break
                if ch not in " \n":
                    # The escape stands for a character before ch (a space the walk already
                    # matched to the indentation of a continued line): all of it is passed.
                    i += length
                    continue
            if text[i] != ch and (text[i] in " \t\n\r\\'\"" or ch in " \n"):
                if ch in " \n" and text[i] not in " \t\n\r":
                    break
                i += 1
                continue
            break
        if k == offset:
            return min(i, len(text) - 1) if text else 0
        if width:
            i += width
        elif i < end and text[i] == ch:
            i += 1
    return min(i, len(text) - 1) if text else 0


_ESCAPES = {
    **dict(zip("0abtnvfre", "\0\a\b\t\n\v\f\r\x1b", strict=True)),
    **{c: c for c in '\t "/\\'},
    **dict(zip("N_LP", "\x85\xa0\u2028\u2029", strict=True)),
}
"""YAML's one-letter escapes in a double-quoted value, and the character each stands for."""
_HEX_DIGITS = {"x": 2, "u": 4, "U": 8}
"""YAML's escapes by code point (``\\x41``, ``\\u00b7``, ``\\U0001d6fc``): digits after the letter."""


def _escape(text: str, i: int) -> tuple[str | None, int]:
    """The character the escape at ``text[i]`` (a backslash in a double-quoted value) stands
    for, and its length in the file; None for an escaped line break, which stands for nothing."""
    kind = text[i + 1 : i + 2]
    if kind in _HEX_DIGITS:
        digits = text[i + 2 : i + 2 + _HEX_DIGITS[kind]]
        try:
            return chr(int(digits, 16)), 2 + len(digits)
        except ValueError:  # not an escape YAML accepts: the file did not load
            return "\\", 1
    if kind in ("\n", "\r"):
        return None, 2
    if kind in _ESCAPES:
        return _ESCAPES[kind], 2
    return "\\", 1
