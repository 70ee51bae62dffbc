"""A declared symbol's TeX spelling must be one atom (one name), never a formula.

Otherwise the TeX parser would take a formula for a name: a symbol spelled ``z^2`` would
make ``\\frac{\\partial z^2}{\\partial z}`` mean something else.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import SourceError
from .texlex import lint

_ACCENTS = frozenset(
    [
        "\\hat",
        "\\bar",
        "\\tilde",
        "\\vec",
        "\\dot",
        "\\ddot",
        "\\mathbf",
        "\\mathrm",
        "\\mathit",
        "\\mathcal",
        "\\mathsf",
        "\\operatorname",
    ]
)
_STRUCTURAL = frozenset(
    [
        "\\frac",
        "\\dfrac",
        "\\tfrac",
        "\\sqrt",
        "\\sum",
        "\\prod",
        "\\int",
        "\\iint",
        "\\iiint",
        "\\begin",
        "\\end",
        "\\left",
        "\\right",
        "\\partial",
        "\\cdot",
        "\\times",
        "\\ln",
        "\\log",
        "\\exp",
        "\\sin",
        "\\cos",
        "\\tan",
        "\\sinh",
        "\\cosh",
        "\\tanh",
        "\\max",
        "\\min",
        "\\infty",
        "\\text",
        "\\quad",
        "\\qquad",
        "\\lim",
        "\\inf",
        "\\sup",
        "\\det",
    ]
)
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
    if head.kind == "cmd" and head.text in _ACCENTS:
        k = _braced_word(tokens, 1)
    elif not (head.kind == "letter" or (head.kind == "cmd" and head.text[1:].isalpha())):
        raise SourceError(_ATOMIC)
    elif head.text in _STRUCTURAL:
        raise SourceError(f"{head.text} is part of the formula language and cannot name a symbol")
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
    while k < len(tokens) and tokens[k].text != "}":
        if tokens[k].kind not in ("letter", "digit") and not (
            tokens[k].kind == "cmd" and tokens[k].text[1:].isalpha()
        ):
            raise SourceError(_ATOMIC, tokens[k].offset)
        k += 1
    if k >= len(tokens):
        raise SourceError(_ATOMIC)
    return k + 1
