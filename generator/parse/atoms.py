"""A declared symbol's TeX spelling must be one atom (one name), never a formula.

Otherwise the TeX parser would take a formula for a name: a symbol spelled ``z^2`` would
make ``\\frac{\\partial z^2}{\\partial z}`` mean something else.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import SourceError
from ..core.texvocab import ACCENTS, SIZERS, SPACING, STRUCTURAL_MACROS, STYLES
from .texlex import lint

_ATOMIC = (
    "a symbol's tex is one name, such as x, \\theta, x_0, \\hat{y} or \\mathrm{lr}: "
    "a longer formula would be read back as that name"
)


def check_atomic_tex(tex: str) -> None:
    """A declared spelling must be one atom, or the parser would take a formula for a name
    (a symbol spelled z^2 would make \\frac{\\partial z^2}{\\partial z} mean something else)."""
    tokens = lint(tex)[:-1]
    if not tokens:
        raise SourceError("tex is empty")
    k = 1
    head = tokens[0]
    if head.kind == "cmd" and head.text in ACCENTS:
        k = _braced_word(tokens, 1)
    elif not (head.kind == "letter" or (head.kind == "cmd" and head.text[1:].isalpha())):
        raise SourceError(_ATOMIC)
    elif head.text in STRUCTURAL_MACROS:
        raise SourceError(f"{head.text} is part of the formula language and cannot name a symbol")
    elif head.text in STYLES | SIZERS | SPACING:
        raise SourceError(f"{head.text} draws no name: readers would not see the symbol")
    if k < len(tokens) and tokens[k].text == "_":
        k = (
            _braced_word(tokens, k + 1)
            if k + 1 < len(tokens) and tokens[k + 1].text == "{"
            else k + 2
        )
        if k > len(tokens) or tokens[k - 1].kind not in ("letter", "digit", "char"):
            raise SourceError(_ATOMIC)
    if k != len(tokens):
        raise SourceError(_ATOMIC, tokens[min(k, len(tokens) - 1)].offset)


def _braced_word(tokens: list[Any], k: int) -> int:
    """Index after ``{word}`` starting at ``k`` (letters, digits or Greek macros only)."""
    if k >= len(tokens) or tokens[k].text != "{":
        raise SourceError(_ATOMIC)
    k += 1
    if k < len(tokens) and tokens[k].text == "}":
        # \mathrm{} draws nothing: "3 = 2 \mathrm{}" would be checked as 3 = 2h and read "3 = 2".
        raise SourceError("empty braces draw no name: readers would not see the symbol")
    while k < len(tokens) and tokens[k].text != "}":
        if tokens[k].kind not in ("letter", "digit") and not (
            tokens[k].kind == "cmd" and tokens[k].text[1:].isalpha()
        ):
            raise SourceError(_ATOMIC, tokens[k].offset)
        k += 1
    if k >= len(tokens):
        raise SourceError(_ATOMIC)
    return k + 1
