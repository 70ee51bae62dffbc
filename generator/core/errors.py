"""Diagnostics that speak the author's language: ``file:line:col: error: …``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum


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


class Reason(Enum):
    """Why a :class:`SourceError` was raised, for callers that act on it.

    Callers decide on this, never on the wording of the message, so a message can be
    reworded freely.
    """

    UNDECLARED = "undeclared"
    """The text uses a name (``SourceError.name``) that is not declared."""
    PARAMETER = "parameter"
    """A definition display does not write its parameter ``SourceError.name`` where expected."""
    REFUSED = "refused"
    """The TeX is refused whatever item holds it (a forbidden or unknown macro, HTML,
    unbalanced braces): making the display a notation item would not help."""
    SHAPE = "shape"
    """Vectors or matrices whose shapes do not fit (W x with x of the wrong length)."""


class SourceError(Exception):
    """A problem located at an offset of one source string (a TeX display, an expression).

    The loader turns the offset into a file position, so parsers never need to know
    where their text came from.
    """

    def __init__(
        self,
        message: str,
        offset: int = 0,
        notes: Iterable[str] = (),
        *,
        reason: Reason | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.notes = tuple(notes)
        self.reason = reason
        self.name = name
        """The declared or undeclared name the error is about, if it is about one."""

    def because(self, reason: Reason, name: str | None = None) -> SourceError:
        """Set the reason (and name); returns the error, so a raise site stays one expression."""
        self.reason = reason
        self.name = name
        return self


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
