r"""Names written in a font the declaration did not use: ``\text{swish}``, ``\operatorname{softmax}``,
``\mathrm{NLL}`` or ``{\rm NLL}`` for a declared ``swish``, ``softmax`` or ``NLL``.

Authors copy TeX from papers, where a function's name is set upright in whichever way the
author's preamble liked. A word in one of these fonts that is exactly a declared name is read
as that name; any other word is left alone (``\text{otherwise}`` in a cases block).
"""

from __future__ import annotations

from ...core.scope import Scope
from ..texlex import Token, tokenize

NAME_FONTS = frozenset({"\\text", "\\textrm", "\\operatorname", "\\mathrm", "\\mathit", "\\mathbf"})
"""Macros whose braced word may spell a declared name."""


def canonical_spellings(tokens: list[Token], scope: Scope) -> list[Token]:
    """``tokens`` with each font-wrapped word that names a declared symbol or function replaced
    by that name's declared spelling (at the word's offset, so errors still point at it)."""
    tokens = _rm_groups(tokens)
    spelled = _declared_words(scope)
    out: list[Token] = []
    k = 0
    while k < len(tokens):
        word, after = _font_word(tokens, k)
        if word is not None and tokens[k].text == "\\mathbf":
            word = "\\mathbf{" + word + "}"
        if word is not None and word in spelled:
            declared = spelled[word]
            if [t.text for t in tokens[k:after]] != [t.text for t in declared]:
                offset = tokens[k].offset
                out.extend(Token(t.kind, t.text, offset) for t in declared)
                k = after
                continue
        out.append(tokens[k])
        k += 1
    return out


def _declared_words(scope: Scope) -> dict[str, list[Token]]:
    """Declared name → its spelling's tokens, for names of two letters or more, and for
    vectors (``\\mathbf{x}`` for an indexed ``x``: bold is how papers set a vector)."""
    spellings = [(i.name, i.tex) for i in scope.symbols.values()]
    spellings += [(f.name, f.tex) for f in scope.functions.values()]
    words = {
        name: tokenize(tex)[:-1] for name, tex in spellings if len(name) > 1 and name.isalpha()
    }
    taken = {info.tex for info in scope.symbols.values()}
    for info in scope.symbols.values():
        bold = "\\mathbf{" + info.name + "}"
        if info.indexed and bold not in taken:
            words.setdefault(bold, tokenize(info.tex)[:-1])
    return words


def _font_word(tokens: list[Token], k: int) -> tuple[str | None, int]:
    """``\\text{word}`` at ``k``: the word and the index after the closing brace."""
    if tokens[k].text not in NAME_FONTS or k + 1 >= len(tokens) or tokens[k + 1].text != "{":
        return None, k
    word = ""
    j = k + 2
    while j < len(tokens) and tokens[j].kind == "letter":
        word += tokens[j].text
        j += 1
    if j < len(tokens) and tokens[j].text == "}" and word:
        return word, j + 1
    return None, k


def _rm_groups(tokens: list[Token]) -> list[Token]:
    """``{\\rm NLL}`` → ``\\mathrm{NLL}``: the old font switch, as the macro with an argument."""
    out: list[Token] = []
    k = 0
    while k < len(tokens):
        if tokens[k].text == "{" and k + 1 < len(tokens) and tokens[k + 1].text == "\\rm":
            out.append(Token("cmd", "\\mathrm", tokens[k].offset))
            out.append(tokens[k])
            k += 2
            continue
        out.append(tokens[k])
        k += 1
    return out
