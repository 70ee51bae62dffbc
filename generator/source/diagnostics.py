"""Diagnostics of one source file: paths and offsets become ``file:line:col`` positions.

One invalid declaration should be reported once, not again at every use of its name:
:meth:`FileDiagnostics.suppress_uses_of` names such declarations, and errors about a
suppressed name (told by the structured ``name`` of an error, never by its wording) are
dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..core.errors import Diagnostic, Position, SourceError
from .yamlread import Document
from .yamlread import Path as YPath


class FileDiagnostics:
    """Collects the diagnostics of one file, in the order they are found."""

    def __init__(self, doc: Document, file: str) -> None:
        self.doc = doc
        self.file = file
        self.items: list[Diagnostic] = []
        self._reported: set[Diagnostic] = set()
        """The items, to find a repeat at once (a file may hold thousands of mistakes)."""
        self._suppressed: set[str] = set()
        """Names whose declaration was invalid (and already reported)."""

    def suppress_uses_of(self, names: Iterable[str]) -> None:
        """From now on, drop errors about these names: their declaration was reported."""
        self._suppressed.update(names)

    def suppressed(self, name: str | None) -> bool:
        return name is not None and name in self._suppressed

    def at(self, position: Position, message: str, *notes: str, about: str | None = None) -> None:
        """Report at ``position``; ``about`` is the name the problem is about, if any."""
        if self.suppressed(about):
            return  # a use of a name whose declaration was already reported as invalid
        diagnostic = Diagnostic(self.file, position, message, tuple(notes))
        if diagnostic not in self._reported:  # a definition's display is read for its body too
            self._reported.add(diagnostic)
            self.items.append(diagnostic)

    def path(
        self, path: YPath, message: str, *notes: str, key: bool = False, about: str | None = None
    ) -> None:
        """Report at the value (or with ``key``, the key) at ``path`` of the YAML document."""
        self.at(self.doc.position(path, key=key), message, *notes, about=about)

    def source(self, path: YPath, error: SourceError, *hints: str) -> None:
        """Report a parser's error inside the text at ``path``, with ``hints`` as extra notes."""
        if self._mentions_suppressed(path):
            return  # the text uses a name whose declaration was already reported as invalid
        notes = (*error.notes, *hints)
        self.at(self.offset_position(path, error.offset), error.message, *notes, about=error.name)

    def position(self, path: YPath) -> Position:
        return self.doc.position(path)

    def offset_position(self, path: YPath, offset: int) -> Position:
        return self.doc.offset_position(path, offset)

    def _mentions_suppressed(self, path: YPath) -> bool:
        """The text at ``path`` spells a suppressed name: any error in it may stem from that."""
        if not self._suppressed:
            return False
        try:
            text = self.doc.value_text(path)
        except (KeyError, IndexError, TypeError):
            return False
        return any(
            re.search(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z0-9])", text)
            for name in self._suppressed
        )


def sorted_by_position(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """In file order; diagnostics at one position keep the order they were found in."""
    return sorted(diagnostics, key=lambda d: (d.position.line, d.position.column))
