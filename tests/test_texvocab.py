"""The TeX vocabulary tables agree with each other and with their consumers.

Every macro table lives in :mod:`generator.core.texvocab`; these tests pin the links
between the tables (a function macro names a built-in, the parser's macros pass the lint)
and the few places where consumers deliberately differ (letters plain text spells out).
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from generator.checker.tosympy import _BUILTINS
from generator.core import texvocab as v
from generator.core.errors import SourceError
from generator.core.scope import BUILTIN_FUNCTIONS, Scope, SymbolInfo, default_tex
from generator.pages.plaintext import tex_to_text
from generator.parse.atoms import check_atomic_tex
from generator.parse.tex import parse_chain
from generator.parse.tex.primary import COMMANDS
from generator.parse.texlex import ALLOWED_MACROS, lint

SCOPE = Scope({"x": SymbolInfo("x", "x"), "y": SymbolInfo("y", "y")})


def test_builtin_function_names_agree_with_the_sympy_translation() -> None:
    assert set(BUILTIN_FUNCTIONS) == set(_BUILTINS)


def test_function_macros_name_builtins() -> None:
    named = {*v.FUNCTION_MACROS.values(), *v.MULTI_ARG_MACROS.values(), *v.OPERATOR_NAMES.values()}
    assert named <= set(BUILTIN_FUNCTIONS)


def test_the_first_spelling_of_a_function_is_the_one_printed() -> None:
    assert v.MACRO_FOR_FUNCTION["log"] == "\\ln"
    for name, macro in v.MACRO_FOR_FUNCTION.items():
        assert {**v.FUNCTION_MACROS, **v.MULTI_ARG_MACROS}[macro] == name


def _macros(*tables: Iterable[str]) -> set[str]:
    return {m for table in tables for m in table if m.startswith("\\")}


def test_every_macro_the_parser_reads_passes_the_lint() -> None:
    parser = _macros(
        v.FUNCTION_MACROS,
        v.MULTI_ARG_MACROS,
        v.CONSTANT_MACROS,
        v.FRACTIONS,
        v.INTEGRALS,
        v.RELATIONS,
        v.PRODUCT_OPERATORS,
        v.BRACKETS,
        v.BRACKETS.values(),
        v.SPACING,
        v.STYLES,
        v.SIZERS,
        v.ACCENTS,
        v.STRUCTURAL_MACROS,
        v.SYMBOL_UNICODE,
        COMMANDS,
    )
    assert parser - ALLOWED_MACROS == set()


def test_every_greek_letter_passes_the_lint() -> None:
    letters = {"\\" + g for g in (*v.GREEK, *v.GREEK_DRAWN_NOT_NAMED)}
    assert letters <= ALLOWED_MACROS
    assert not set(v.GREEK) & v.GREEK_DRAWN_NOT_NAMED


def test_letters_plain_text_spells_as_words() -> None:
    """Plain text has no character for these four today; adding one is a visible change."""
    every = {*v.GREEK, *v.GREEK_DRAWN_NOT_NAMED}
    assert set(v.GREEK_UNICODE) <= every
    assert every - set(v.GREEK_UNICODE) == {"varrho", "Upsilon", "varpi", "varsigma"}
    assert tex_to_text("\\theta + \\varrho") == "θ + varrho"


def test_letters_drawn_but_not_named() -> None:
    """``\\varpi`` may be drawn, but a name ``varpi`` gets no ``\\varpi`` spelling by default."""
    assert default_tex("theta") == "\\theta"
    assert default_tex("varpi") == "varpi"
    lint("\\varpi")
    with pytest.raises(SourceError, match="undeclared symbol \\\\theta"):
        parse_chain("\\theta", SCOPE)
    with pytest.raises(SourceError, match="cannot appear in a checked formula"):
        parse_chain("\\varpi", SCOPE)


def test_layout_macros_do_not_change_the_reading() -> None:
    plain = parse_chain("x y", SCOPE).rows
    for macro in sorted(v.SPACING | v.STYLES):
        assert parse_chain(f"x {macro} y", SCOPE).rows == plain, macro
    for sizer in sorted(v.SIZERS):
        assert parse_chain(f"{sizer}( x {sizer}) y", SCOPE).rows == plain, sizer
    assert tex_to_text("x\\,y") == "x y"


@pytest.mark.parametrize("macro", sorted(m for m in v.STRUCTURAL_MACROS if m[1:].isalpha()))
def test_structural_macros_cannot_name_a_symbol(macro: str) -> None:
    with pytest.raises(SourceError):  # \begin alone fails the lint first
        check_atomic_tex(macro)


@pytest.mark.parametrize("accent", sorted(v.ACCENTS))
def test_accents_wrap_a_name(accent: str) -> None:
    check_atomic_tex(f"{accent}{{y}}")


@pytest.mark.parametrize(
    "tex",
    [
        *(f"{accent}{{}}" for accent in sorted(v.ACCENTS)),
        "\\mathrm{ }",
        "x_{}",
        *sorted(
            m
            for m in v.STYLES | v.SIZERS | v.SPACING
            if m[1:].isalpha() and m not in v.STRUCTURAL_MACROS  # those are refused as such
        ),
    ],
)
def test_a_spelling_that_draws_no_name_is_refused(tex: str) -> None:
    """A symbol readers cannot see would make "3 = 2 h" read "3 = 2" (and be proven)."""
    with pytest.raises(SourceError, match="draw"):
        check_atomic_tex(tex)
