r"""Names written in a font the declaration did not use: ``\text{swish}``, ``\operatorname{softmax}``,
``\mathrm{NLL}`` or ``{\rm NLL}`` for a declared ``swish``, ``softmax`` or ``NLL``.

Authors copy TeX from papers, where a function's name is set upright in whichever way the
author's preamble liked. A word in one of these fonts that is exactly a declared name is read
as that name; any other word is left alone (``\text{otherwise}`` in a cases block).
"""

from __future__ import annotations

from collections.abc import Callable, Set
from typing import TypeVar

from ...core.scope import Scope
from ...core.texvocab import ACCENTS, FRACTIONS
from ..texlex import Token, spelling

NAME_FONTS = frozenset({"\\text", "\\textrm", "\\operatorname", "\\mathrm", "\\mathit", "\\mathbf"})
"""Macros whose braced word may spell a declared name."""
ANNOTATIONS = frozenset({"\\quad", "\\qquad"})
"""Spacing after which a remark in text may end a line."""


def canonical_spellings(tokens: list[Token], scope: Scope) -> list[Token]:
    """``tokens`` with each font-wrapped word that names a declared symbol or function replaced
    by that name's declared spelling (at the word's offset, so errors still point at it)."""
    tokens = _bold(tokens)
    tokens = rewritten_at(tokens, ANNOTATIONS, _annotation)
    tokens = rewritten_at(tokens, {"\\rm"}, _rm_group)
    tokens = rewritten_at(_typographic_primes(_over_groups(tokens)), ACCENTS, _unbraced_accent)
    tokens = rewritten_at(tokens, FRACTIONS, _unbraced_fraction)
    tokens = rewritten_at(tokens, {"_"}, _subscripted_group)
    tokens = rewritten_at(tokens, {"(", ")"}, _invisible_group)
    tokens = rewritten_at(tokens, UPRIGHT_FONTS, lambda t, k: _upright_letter(t, k, scope))
    spelled = _declared_words(scope)
    return rewritten_at(tokens, NAME_FONTS, lambda t, k: _declared_word(t, k, spelled))


Replacement = tuple[list[Token], int] | None
"""What a rewrite rule makes of the tokens at a position: the tokens to emit instead, and the
position after those it replaces; None leaves the token there as it is."""


def rewritten_at(
    tokens: list[Token],
    needed: Set[str],
    rule: Callable[[list[Token], int], Replacement],
) -> list[Token]:
    """:func:`rewritten`, for a rule that can only replace tokens when one of the texts
    ``needed`` is among them: without one, ``tokens`` as they are (most formulas have no
    ``\\rm``, no accent, no font: each pass would call its rule on every token for nothing)."""
    if needed.isdisjoint([t.text for t in tokens]):
        return tokens
    return rewritten(tokens, rule)


def rewritten(tokens: list[Token], rule: Callable[[list[Token], int], Replacement]) -> list[Token]:
    """One left-to-right pass of ``rule`` over ``tokens``."""
    out: list[Token] = []
    k = 0
    while k < len(tokens):
        replaced = rule(tokens, k)
        if replaced is None:
            out.append(tokens[k])
            k += 1
        else:
            emitted, k = replaced
            out.extend(emitted)
    return out


def _declared_word(tokens: list[Token], k: int, spelled: dict[str, list[Token]]) -> Replacement:
    word, after = _font_word(tokens, k)
    if word is not None and tokens[k].text == "\\mathbf":
        word = "\\mathbf{" + word + "}"
    if word is None or word not in spelled:
        return None
    declared = spelled[word]
    if [t.text for t in tokens[k:after]] == [t.text for t in declared]:
        return None
    return [Token(t.kind, t.text, tokens[k].offset) for t in declared], after


T = TypeVar("T")


def per_scope(work: Callable[[Scope], T]) -> Callable[[Scope], T]:
    """``work``, remembered for the scope it was last asked about: a page's displays all read
    through one scope (found by identity, and kept alive while it is remembered)."""
    last: list[tuple[Scope, T]] = []

    def remembered(scope: Scope) -> T:
        if not (last and last[0][0] is scope):
            last[:] = [(scope, work(scope))]
        return last[0][1]

    return remembered


@per_scope
def _declared_words(scope: Scope) -> dict[str, list[Token]]:
    """Declared name → its spelling's tokens, for names of two letters or more, and for
    vectors (``\\mathbf{x}`` for an indexed ``x``: bold is how papers set a vector)."""
    spellings = [(i.name, i.tex) for i in scope.symbols.values()]
    spellings += [(f.name, f.tex) for f in scope.functions.values()]
    words = {name: spelling(tex) for name, tex in spellings if len(name) > 1 and name.isalpha()}
    taken = {info.tex for info in scope.symbols.values()}
    for info in scope.symbols.values():
        if not (info.indexed or info.shape):
            continue
        # \mathbf{W} for W, and \boldsymbol{\delta} for δ: bold is how papers set arrays
        for bold in {"\\mathbf{" + info.name + "}", "\\mathbf{" + info.tex + "}"}:
            if bold not in taken:
                words.setdefault(bold, spelling(info.tex))
    return words


def _font_word(tokens: list[Token], k: int) -> tuple[str | None, int]:
    """``\\text{word}`` at ``k``: the word and the index after the closing brace."""
    if tokens[k].text not in NAME_FONTS or k + 1 >= len(tokens) or tokens[k + 1].text != "{":
        return None, k
    if (
        k + 3 < len(tokens)
        and tokens[k].text == "\\mathbf"
        and tokens[k + 2].text.startswith("\\")
        and tokens[k + 3].text == "}"
    ):
        return tokens[k + 2].text, k + 4  # \mathbf{\delta}: a bold Greek name
    word = ""
    j = k + 2
    while j < len(tokens) and tokens[j].kind == "letter":
        word += tokens[j].text
        j += 1
    if j < len(tokens) and tokens[j].text == "}" and word:
        return word, j + 1
    return None, k


def _bold(tokens: list[Token]) -> list[Token]:
    """``\\boldsymbol{x}`` is set like ``\\mathbf{x}``: both mark a vector."""
    return [Token(t.kind, "\\mathbf", t.offset) if t.text == "\\boldsymbol" else t for t in tokens]


def _rm_group(tokens: list[Token], k: int) -> Replacement:
    """``{\\rm NLL}`` → ``\\mathrm{NLL}``: the old font switch, as the macro with an argument."""
    if tokens[k].text == "{" and k + 1 < len(tokens) and tokens[k + 1].text == "\\rm":
        return [Token("cmd", "\\mathrm", tokens[k].offset), tokens[k]], k + 2
    return None


def _typographic_primes(tokens: list[Token]) -> list[Token]:
    """``s’(x)`` (a right single quote, as word processors and blogs type it) is ``s'(x)``."""
    return [Token(t.kind, "'", t.offset) if t.text in ("’", "′") else t for t in tokens]


def _unbraced_accent(tokens: list[Token], k: int) -> Replacement:
    """``\\hat y`` is ``\\hat{y}``: an accent takes one token as its argument without braces."""
    tok = tokens[k]
    nxt = tokens[k + 1] if k + 1 < len(tokens) else None
    if tok.text not in ACCENTS or nxt is None or nxt.kind not in ("letter", "cmd"):
        return None
    return [tok, Token("char", "{", nxt.offset), nxt, Token("char", "}", nxt.offset)], k + 2


def _unbraced_fraction(tokens: list[Token], k: int) -> Replacement:
    """``\\frac x2`` and ``\\frac12`` are ``\\frac{x}{2}``: as in TeX, an unbraced argument is
    one token."""
    if tokens[k].text not in FRACTIONS:
        return None
    out, j = [tokens[k]], k + 1
    for _ in range(2):
        if j >= len(tokens) or tokens[j].kind == "end":
            return None
        if tokens[j].text == "{":
            end = _group_end(tokens, j)
            if end is None:
                return None
            out.extend(rewritten(tokens[j : end + 1], _unbraced_fraction))
            j = end + 1
        elif tokens[j].kind in ("letter", "digit", "cmd"):
            out.extend([Token("char", "{", tokens[j].offset), tokens[j]])
            out.append(Token("char", "}", tokens[j].offset))
            j += 1
        else:
            return None
    return out, j


def _subscripted_group(tokens: list[Token], k: int) -> Replacement:
    """``{dw}_{1}`` is drawn as dw₁ (braces do not show): the subscript belongs to the last
    letter, so the braces around a word before ``_`` are dropped. Not after a macro, whose
    argument the group may be."""
    before = tokens[k - 1].text if k else "="
    if tokens[k].text != "{" or before not in ("{", "(", "=", "+", "-"):
        return None
    end = _group_end(tokens, k)
    if end is None or end + 1 >= len(tokens) or tokens[end + 1].text != "_":
        return None
    inside = tokens[k + 1 : end]
    if not inside or any(t.kind != "letter" for t in inside):
        return None
    return inside, end + 1


def _invisible_group(tokens: list[Token], k: int) -> Replacement:
    """``\\sigma(\\sum{w_j x_j + b)}``: a bare brace group that closes a parenthesis opened
    outside it. Braces do not print, so the reader sees σ(Σ wⱼxⱼ + b); the braces are dropped.
    Only groups with unbalanced parentheses, which could not be read otherwise."""
    before = tokens[k - 1] if k else None
    if tokens[k].text != "{" or (before is not None and not _may_precede_bare_group(before)):
        return None
    end = _group_end(tokens, k)
    if end is None or (end + 1 < len(tokens) and tokens[end + 1].text in ("^", "_")):
        return None
    inside = tokens[k + 1 : end]
    depth = 0
    for tok in inside:
        depth += {"(": 1, ")": -1}.get(tok.text, 0)
    return (rewritten(inside, _invisible_group), end + 1) if depth else None


def _may_precede_bare_group(tok: Token) -> bool:
    """A token after which ``{`` opens a bare group, not a macro's or a script's argument."""
    if tok.kind == "cmd":
        return tok.text in ("\\sum", "\\cdot", "\\times")
    return tok.text not in ("^", "_", "}", "]") and tok.kind != "end"


def _group_end(tokens: list[Token], k: int) -> int | None:
    """Index of the ``}`` that closes the ``{`` at ``k``."""
    depth = 0
    for j in range(k, len(tokens)):
        if tokens[j].text == "{":
            depth += 1
        elif tokens[j].text == "}":
            depth -= 1
            if depth == 0:
                return j
    return None


UPRIGHT_FONTS = frozenset({"\\mathrm", "\\operatorname", "\\text"})
"""Macros that may set e or d upright."""
UPRIGHT_LETTERS = frozenset({"e", "d"})
"""``\\mathrm{e}`` (Euler's number) and ``\\mathrm{d}`` (a differential), set upright."""


def _upright_letter(tokens: list[Token], k: int, scope: Scope) -> Replacement:
    """``\\mathrm{e}`` is e and ``\\mathrm{d}x`` is dx, unless e or d is a declared name."""
    texts = [t.text for t in tokens[k : k + 4]]
    if (
        len(texts) == 4
        and texts[0] in UPRIGHT_FONTS
        and texts[1] == "{"
        and texts[2] in UPRIGHT_LETTERS
        and texts[3] == "}"
        and texts[2] not in scope.symbols
    ):
        return [Token("letter", texts[2], tokens[k].offset)], k + 4
    return None


def _annotation(tokens: list[Token], k: int) -> Replacement:
    """``\\quad [\\text{chain rule}]`` at the end of a line is a remark, not mathematics."""
    if tokens[k].text not in ANNOTATIONS:
        return None
    end = _annotation_end(tokens, k + 1)
    return ([], end) if end is not None else None


def _annotation_end(tokens: list[Token], k: int) -> int | None:
    """Where ``[\\text{…}]``, ``(\\text{…})`` or ``\\text{…}`` starting at ``k`` ends, if it runs
    to the end of the line (a line break, an alignment mark or the end of the formula)."""
    opener = tokens[k].text if k < len(tokens) else ""
    closer = {"[": "]", "(": ")"}.get(opener)
    j = k + 1 if closer else k
    if j >= len(tokens) or tokens[j].text != "\\text":
        return None
    depth = 0
    j += 1
    while j < len(tokens):
        if tokens[j].text == "{":
            depth += 1
        elif tokens[j].text == "}":
            depth -= 1
            if depth == 0:
                break
        j += 1
    j += 1
    if closer:
        if j >= len(tokens) or tokens[j].text != closer:
            return None
        j += 1
    if j < len(tokens) and tokens[j].text not in ("\\\\", "&", "\\end") and tokens[j].kind != "end":
        return None
    return j


def _over_groups(tokens: list[Token]) -> list[Token]:
    """``{a \\over b}`` (plain TeX) is ``\\frac{a}{b}``; an ``\\over`` outside braces is left
    for the parser to refuse."""
    out = list(tokens)
    k = 0
    while k < len(out):
        if out[k].text != "\\over":
            k += 1
            continue
        opener = _enclosing_brace(out, k)
        if opener is None:
            k += 1
            continue
        over = out[k]
        out[k : k + 1] = [Token("char", "}", over.offset), Token("char", "{", over.offset)]
        out.insert(opener, Token("cmd", "\\frac", out[opener].offset))
        k += 2
    return out


def _enclosing_brace(tokens: list[Token], k: int) -> int | None:
    """Index of the ``{`` that opens the group holding position ``k``, if any."""
    depth = 0
    for j in range(k - 1, -1, -1):
        text = tokens[j].text
        if text == "}":
            depth += 1
        elif text == "{":
            if depth == 0:
                return j
            depth -= 1
    return None
