"""Diagnostics that speak the author's language: ``file:line:col: error: …``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and column inside one source file."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in one source file, printable as a compiler-style line."""

    file: str
    """Path relative to the repository root, as the author would type it."""
    position: Position
    message: str
    """What is wrong, in one sentence."""
    notes: tuple[str, ...] = field(default=())
    """Further lines: what was expected, an example, a counterexample."""
    severity: str = "error"

    def format(self) -> str:
        head = f"{self.file}:{self.position.line}:{self.position.column}: {self.severity}: {self.message}"
        return "\n".join([head, *(f"    {note}" for note in self.notes)])


class SourceError(Exception):
    """A problem located at an offset of one source string (a TeX display, an expression).

    The loader turns the offset into a file position, so parsers never need to know
    where their text came from.
    """

    def __init__(self, message: str, offset: int = 0, notes: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.notes = tuple(notes)


class DiagnosticsError(Exception):
    """Raised when one or more source files are invalid; carries every diagnostic."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__(summary(self.diagnostics))


def summary(diagnostics: Iterable[Diagnostic]) -> str:
    """``3 errors in 2 files`` (or the singular forms)."""
    diags = [d for d in diagnostics if d.severity == "error"]
    files = {d.file for d in diags}
    errors = "error" if len(diags) == 1 else "errors"
    noun = "file" if len(files) == 1 else "files"
    return f"{len(diags)} {errors} in {len(files)} {noun}"
