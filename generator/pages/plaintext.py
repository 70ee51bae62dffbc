"""TeX → readable plain text (∂L/∂z), for places that cannot typeset: the browser tab,
the table of contents, search results.

Deliberately forgiving: any TeX that passed the allow-list gets *some* readable text;
unknown constructs fall back to their own characters.
"""

from __future__ import annotations

import re
import unicodedata

from ..core.errors import SourceError
from ..core.texvocab import FRACTIONS, GREEK_UNICODE, SPACING, SYMBOL_UNICODE
from ..parse.texlex import Token, tokenize

_SUPERSCRIPTS = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUBSCRIPTS = str.maketrans("0123456789+-=()aeijkx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₓ")
_SUPERSCRIPT_KEYS = frozenset("0123456789+-=()n")
_SUBSCRIPT_KEYS = frozenset("0123456789+-=()aeijkx")
_DROP = {
    "\\left",
    "\\right",
    "\\displaystyle",
    "\\mathrm",
    "\\mathbf",
    "\\mathit",
    "\\operatorname",
    "\\text",
}


_ACCENT_MARKS = {
    "\\hat": "\u0302",
    "\\bar": "\u0304",
    "\\tilde": "\u0303",
    "\\dot": "\u0307",
    "\\ddot": "\u0308",
    "\\vec": "\u20d7",
}
"""Accents as the Unicode combining marks that draw them (ŷ, ṗ, x̄)."""


def tex_to_text(tex: str) -> str:
    try:
        tokens = tokenize(tex)
    except SourceError:
        return tex
    text, _ = _group(tokens, 0)
    text = " ".join(text.split())
    text = re.sub(r"(^|[(\[{=,^_])\s*−\s*", r"\1−", text)  # a unary minus hugs its operand
    return re.sub(r"\b([a-z]{2,6}) \(", r"\1(", text)  # ln (x) → ln(x)


def markdown_to_text(markdown: str) -> str:
    """Inline Markdown with $math$ → plain text (emphasis and link syntax dropped)."""
    parts = re.split(r"(\$[^$]+\$)", markdown)
    out = []
    for part in parts:
        if part.startswith("$") and part.endswith("$") and len(part) > 1:
            out.append(tex_to_text(part[1:-1]))
        else:
            out.append(re.sub(r"[*_`]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", part))
    return " ".join("".join(out).split())


def _group(tokens: list[Token], i: int) -> tuple[str, int]:
    """Read tokens until the end or a closing brace; return the text and the next index."""
    out: list[str] = []
    while i < len(tokens) and tokens[i].kind != "end" and tokens[i].text != "}":
        piece, i = _item(tokens, i)
        out.append(piece)
    return "".join(out), i + 1


def _argument(tokens: list[Token], i: int) -> tuple[str, int]:
    if i < len(tokens) and tokens[i].text == "{":
        return _group(tokens, i + 1)
    return _item(tokens, i)


def _item(tokens: list[Token], i: int) -> tuple[str, int]:
    tok = tokens[i]
    text = tok.text
    if text == "{":
        return _group(tokens, i + 1)
    if text in FRACTIONS:
        top, i = _argument(tokens, i + 1)
        bottom, i = _argument(tokens, i)
        return f"{_wrap(top)}/{_wrap(bottom)}", i
    if text == "\\sqrt":
        inner, i = _argument(tokens, i + 1)
        return f"√{_wrap(inner)}", i
    if text in _ACCENT_MARKS:
        inner, i = _argument(tokens, i + 1)
        # ŷ for \hat{y}: the combining mark on a single letter; on more, the mark is dropped
        marked = unicodedata.normalize("NFC", inner + _ACCENT_MARKS[text])  # ŷ as one letter
        return (marked if len(inner) == 1 else inner), i
    if text in ("^", "_"):
        inner, i = _argument(tokens, i + 1)
        keys = _SUPERSCRIPT_KEYS if text == "^" else _SUBSCRIPT_KEYS
        if inner and all(ch in keys for ch in inner):
            return inner.translate(_SUPERSCRIPTS if text == "^" else _SUBSCRIPTS), i
        return (f"{text}({inner})" if len(inner) > 1 else f"{text}{inner}"), i
    if text in SYMBOL_UNICODE:
        return SYMBOL_UNICODE[text], i + 1
    if text.startswith("\\") and text[1:] in GREEK_UNICODE:
        return GREEK_UNICODE[text[1:]], i + 1
    if text in _DROP or text in ("\\begin", "\\end"):
        if text in ("\\begin", "\\end"):
            _, i = _argument(tokens, i + 1)
            return " ", i
        return "", i + 1
    if text in SPACING:
        return " ", i + 1
    if text.startswith("\\") and len(text) > 2:
        return f" {text[1:]} ", i + 1  # \ln → ln, \sin → sin
    if text.startswith("\\"):
        return text[1:], i + 1  # \{ → {
    if text in "=+":
        return f" {text} ", i + 1
    if text == "-":
        return " − ", i + 1
    return text, i + 1


def _wrap(text: str) -> str:
    text = text.strip()
    return (
        text if len(text) <= 1 or text.isalnum() or re.fullmatch(r"[∂\w]+", text) else f"({text})"
    )
