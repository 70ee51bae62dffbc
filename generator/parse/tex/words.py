r"""Function names written as plain words: ``log(p)``, ``ln(s_k)``, ``\text{sech}^2(x)``.

Blog posts and forum answers often drop the backslash (``log(a)``), and ``sech``, ``csch``
have no LaTeX macro at all, so papers set them with ``\text``, ``\mathrm`` or
``\operatorname``. A word that is exactly a known function's name is read as that function
when it cannot be anything else. When every one of its letters is a declared symbol, ``log``
could as well be the product l·o·g: that is refused with both readings spelled out.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...core.errors import SourceError
from ...core.scope import Scope
from ...core.texvocab import FUNCTION_MACROS, OPERATOR_NAMES
from ..texlex import Token
from .spellings import NAME_FONTS, Replacement, rewritten, rewritten_at

MACRO_FOR_WORD: Mapping[str, str] = {
    macro[1:]: macro for macro in FUNCTION_MACROS if macro[1:].isalpha()
}
"""``log`` → ``\\log``: the words that have a macro of their own."""

OPERATOR_WORDS = frozenset(word for word in OPERATOR_NAMES if word not in MACRO_FOR_WORD)
"""``sech``, ``sign``…: words read through ``\\operatorname`` (LaTeX has no macro for them)."""


def function_words(tokens: list[Token], scope: Scope) -> list[Token]:
    """``tokens`` with each function word (bare, or in a name font) replaced by the macro
    the parser reads: ``\\log`` or ``\\operatorname{sech}``."""
    tokens = rewritten_at(tokens, NAME_FONTS, lambda t, k: _font_word(t, k, scope))
    return rewritten(tokens, lambda t, k: _bare_word(t, k, scope))


def _font_word(tokens: list[Token], k: int, scope: Scope) -> Replacement:
    """``\\text{sech}`` or ``\\mathrm{log}``: a known function's name set upright."""
    if tokens[k].text not in NAME_FONTS or tokens[k].text == "\\operatorname":
        return None
    if k + 1 >= len(tokens) or tokens[k + 1].text != "{":
        return None
    word = _letters(tokens, k + 2)
    if word is None or _declared(word, scope):
        return None
    return _function_tokens(word, tokens[k].offset), k + 3 + len(word)


def _bare_word(tokens: list[Token], k: int, scope: Scope) -> Replacement:
    """``log(a)``: a run of letters, with nothing adjacent on either side, that is a function's
    name and not a declared one."""
    if tokens[k].kind != "letter" or _continues_run(tokens, k) or _in_font(tokens, k):
        return None
    word = _run(tokens, k)
    if not _is_function_word(word) or _declared(word, scope):
        return None
    # e is Euler's number when not declared: exp could be e·x·p
    if all(letter in scope.symbols or letter == "e" for letter in word):
        spaced = " ".join(word)
        raise SourceError(
            f"{word!r} is ambiguous: the function {word} or the product {spaced}",
            tokens[k].offset,
            (f"write \\{word}(…) for the function, or {spaced} (with spaces) for the product",),
        )
    return _function_tokens(word, tokens[k].offset), k + len(word)


def _function_tokens(word: str, offset: int) -> list[Token]:
    if word in MACRO_FOR_WORD:
        return [Token("cmd", MACRO_FOR_WORD[word], offset)]
    return [
        Token("cmd", "\\operatorname", offset),
        Token("char", "{", offset),
        *(Token("letter", letter, offset) for letter in word),
        Token("char", "}", offset),
    ]


def _is_function_word(word: str) -> bool:
    return word in MACRO_FOR_WORD or word in OPERATOR_WORDS


def _declared(word: str, scope: Scope) -> bool:
    """A declared name wins: a contributor who declared ``exp`` as a symbol meant it."""
    return word in scope.symbols or word in scope.functions


def _letters(tokens: list[Token], k: int) -> str | None:
    """The function word spelled by the letters from ``k`` up to a ``}``, if it is one."""
    word = ""
    while k < len(tokens) and tokens[k].kind == "letter":
        word += tokens[k].text
        k += 1
    closed = k < len(tokens) and tokens[k].text == "}"
    return word if closed and _is_function_word(word) else None


def _run(tokens: list[Token], k: int) -> str:
    """The letters from ``k`` that touch each other (no space between them in the source)."""
    word = tokens[k].text
    j = k + 1
    while (
        j < len(tokens)
        and tokens[j].kind == "letter"
        and tokens[j].offset == tokens[k].offset + len(word)
    ):
        word += tokens[j].text
        j += 1
    return word


def _continues_run(tokens: list[Token], k: int) -> bool:
    """Whether the letter at ``k`` is glued to a letter before it (inside a longer word)."""
    if k == 0:
        return False
    before = tokens[k - 1]
    return before.kind == "letter" and before.offset + 1 == tokens[k].offset


def _in_font(tokens: list[Token], k: int) -> bool:
    """Whether the letter at ``k`` opens the word of ``\\operatorname{…}`` or ``\\text{…}``."""
    return k >= 2 and tokens[k - 1].text == "{" and tokens[k - 2].text in NAME_FONTS
