"""The state of one parse: a display's tokens, the cursor, and what is open around it.

Every rule takes a :class:`TexState` and reads through it. A rule whose construct holds
smaller expressions (a fraction holds sums) starts them through :attr:`TexState.grammar`,
as markdown-it's rules reach the parser through ``state.md``; so the rule modules only
import downwards, and there are no import cycles.

The cursor only moves forward — by :meth:`~TexState.take`, :meth:`~TexState.expect` and
:meth:`~TexState.match` — and nothing outside this class can set it. A rule that must
look ahead (where does this brace group end? does a ``dx`` follow the integrand?) reads
tokens at explicit positions (:meth:`~TexState.peek`, :meth:`~TexState.texts`,
:meth:`~TexState.span_at`) without moving the cursor, so the parser never backtracks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ...core.errors import SourceError
from ...core.mathast import Node
from ...core.scope import Scope
from ...core.texvocab import SIZERS, SPACING, STYLES
from ..texlex import Token, spelling
from .spellings import canonical_spellings, per_scope
from .words import function_words

LAYOUT = SPACING | STYLES | SIZERS
"""Tokens dropped before parsing: they change how a formula is drawn, not what it means."""


Rule = Callable[["TexState"], Node]
"""A rule: reads one construct at the cursor and returns its tree."""


@dataclass(frozen=True, slots=True)
class Grammar:
    """The precedence levels a nested construct starts again from (the package fills it in)."""

    sum: Rule
    term: Rule
    factor: Rule
    primary: Rule


@dataclass(frozen=True, slots=True)
class Span:
    """Where a braced group's contents lie: from ``start`` (after ``{``) to ``end`` (its ``}``)."""

    start: int
    end: int


class TexState:
    """One display being parsed, resolved against one scope."""

    def __init__(self, tokens: list[Token], scope: Scope, grammar: Grammar) -> None:
        # Spellings first: a remark after \quad is recognised by the \quad before it.
        spelled = function_words(canonical_spellings(tokens, scope), scope)
        self.tokens = [t for t in spelled if t.text not in LAYOUT]
        self._pos = 0
        self.scope = scope
        self.grammar = grammar
        self.patterns, self._patterns_by_first = _declared_patterns(scope)
        self.bound: list[str] = []
        """Summation indices in scope, innermost last."""
        self.differentials: list[str] = []
        """Integration variables whose ``d<var>`` is still to come, innermost last."""
        self.abs_depth = 0
        """1 inside a plain ``|…|``, where the next ``|`` closes it; else 0."""
        self.norm_depth = 0
        """How many ``\\|…\\|`` norms are open (the next ``\\|`` closes the innermost)."""
        self.vector_indices: list[str] = []
        """Inside ``w^T …`` or ``\\|…\\|``: the index a bare vector takes, innermost last."""

    # --- the cursor ----------------------------------------------------------------------
    def rewind(self, position: int) -> None:
        """Back to an earlier position, for a rule that tries one reading before another."""
        assert 0 <= position <= self._pos
        self._pos = position

    @property
    def pos(self) -> int:
        """Index of the next token (read-only: rules move it with take, expect or match)."""
        return self._pos

    def peek(self, k: int = 0) -> Token:
        """The token ``k`` places ahead of the cursor (the end token past the end)."""
        return self.tokens[min(self._pos + k, len(self.tokens) - 1)]

    def take(self) -> Token:
        """Consume the next token (the end token stays put)."""
        tok = self.tokens[self._pos]
        if tok.kind != "end":
            self._pos += 1
        return tok

    def take_run(self, letters: str) -> None:
        """Consume the letter tokens that spell ``letters``."""
        for _ in letters:
            self.take()

    def at(self, text: str) -> bool:
        return self.peek().text == text and self.peek().kind != "end"

    def expect(self, text: str, what: str = "") -> Token:
        tok = self.peek()
        if tok.text != text or tok.kind == "end":
            found = "the end of the formula" if tok.kind == "end" else repr(tok.text)
            raise SourceError(f"expected {what or repr(text)}, found {found}", tok.offset)
        return self.take()

    def patterns_here(self) -> list[tuple[list[Token], str]]:
        """The declared spellings that start with the next token, longest first: every letter
        of a formula asks, and a page may declare thousands of names."""
        return self._patterns_by_first.get(self.peek().text, [])

    def match(self, pattern: Sequence[Token]) -> bool:
        """Consume ``pattern`` if the tokens at the cursor spell it; else leave the cursor."""
        texts = [t.text for t in pattern]
        if self.texts(self._pos, self._pos + len(texts)) == texts:
            self._pos += len(texts)
            return True
        return False

    def adjacent(self, offset: int) -> bool:
        """The next token starts right at ``offset`` (no space in between)."""
        return self.peek().offset == offset and self.peek().kind != "end"

    def fail(self, message: str, tok: Token | None = None, *notes: str) -> SourceError:
        """An error at ``tok``, or at the next token."""
        return SourceError(message, (tok or self.peek()).offset, notes)

    # --- lookahead (never moves the cursor) ----------------------------------------------
    def texts(self, start: int, stop: int) -> list[str]:
        """The texts of the tokens at positions ``start`` up to ``stop``."""
        return [t.text for t in self.tokens[start:stop]]

    def span_at(self, position: int) -> Span:
        """The braced group whose ``{`` is at ``position``."""
        opener = self.tokens[position]
        if opener.text != "{" or opener.kind == "end":
            raise SourceError("expected '{'", opener.offset)
        depth = 0
        for j in range(position, len(self.tokens)):
            tok = self.tokens[j]
            if tok.kind == "end":
                break
            depth += {"{": 1, "}": -1}.get(tok.text, 0)
            if depth == 0:
                return Span(position + 1, j)
        raise SourceError("unclosed '{'", opener.offset)

    def symbol_pattern_of(self, name: str) -> list[Token]:
        """The tokens of a declared symbol's or function's spelling."""
        info = self.scope.symbols.get(name) or self.scope.functions.get(name)
        return spelling(info.tex if info else name)

    def symbol_pattern(self, name: str) -> list[Token]:
        """The tokens of a declared symbol's spelling (its name if it is not declared)."""
        info = self.scope.symbols.get(name)
        return spelling(info.tex if info else name)

    # --- what surrounding constructs have opened -----------------------------------------
    @contextmanager
    def binding(self, index: str) -> Iterator[None]:
        """A summation index is in scope inside the block."""
        self.bound.append(index)
        try:
            yield
        finally:
            self.bound.pop()

    @contextmanager
    def awaiting(self, variables: list[str]) -> Iterator[None]:
        """Integrals are open inside the block; their differentials follow, innermost first."""
        self.differentials.extend(reversed(variables))
        try:
            yield
        finally:
            del self.differentials[-len(variables) :]

    @contextmanager
    def inside_bars(self, plain: bool) -> Iterator[None]:
        """Inside ``|…|`` the next ``|`` closes; inside ``\\left| … \\right|`` a plain one may open."""
        saved = self.abs_depth
        self.abs_depth = 1 if plain else 0
        try:
            yield
        finally:
            self.abs_depth = saved


Patterns = list[tuple[list[Token], str]]


@per_scope
def _declared_patterns(scope: Scope) -> tuple[Patterns, dict[str, Patterns]]:
    """:func:`symbol_patterns` of ``scope``, and the same by their first token's text."""
    patterns = symbol_patterns(scope)
    by_first: dict[str, Patterns] = {}
    for pattern in patterns:  # in the same order: longest first
        by_first.setdefault(pattern[0][0].text, []).append(pattern)
    return patterns, by_first


def symbol_patterns(scope: Scope) -> Patterns:
    """Declared TeX spellings, longest first, so ``x_0`` wins over ``x``."""
    patterns: Patterns = []
    spellings = [(name, info.tex) for name, info in scope.symbols.items()]
    spellings += [(name, finfo.tex) for name, finfo in scope.functions.items()]
    for name, tex in spellings:
        tokens = spelling(tex)
        patterns.append((tokens, name))
        other = _other_subscript_spelling(tokens)
        if other is not None:
            patterns.append((other, name))
    patterns.sort(key=lambda p: -len(p[0]))
    return patterns


def _other_subscript_spelling(tokens: list[Token]) -> list[Token] | None:
    """``h_\\theta`` for a name declared as ``h_{\\theta}``, and ``w_{1}`` for ``w_1``: TeX
    sets a one-token subscript alike with or without braces."""
    texts = [t.text for t in tokens]
    if len(texts) >= 4 and texts[-4] == "_" and texts[-3] == "{" and texts[-1] == "}":
        return [*tokens[:-3], tokens[-2]]
    if len(texts) >= 2 and texts[-2] == "_" and texts[-1] != "{":
        last = tokens[-1]
        return [
            *tokens[:-1],
            Token("char", "{", last.offset),
            last,
            Token("char", "}", last.offset),
        ]
    return None
