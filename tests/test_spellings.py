"""The spelling passes that run before every display is parsed: a pass skipped for want of
the tokens it rewrites, and the patterns of a page's scope worked out once, change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from generator.core.errors import SourceError
from generator.parse.tex import spellings, state, words
from generator.parse.texlex import tokenize
from tests.test_tex import _context, _document


def _every_corpus_formula() -> list[tuple[str, Any]]:
    doc = _document()
    out = []
    for section in ("corpus", "offsets", "rejected"):
        for entry in doc.get(section) or []:
            out.append((str(entry["tex"]), entry.get("scope")))
    return out


def _spelled(tex: str, variant: Any) -> list[tuple[str, str, int]] | str:
    scope = _context(variant).scope
    try:
        tokens = words.function_words(spellings.canonical_spellings(tokenize(tex), scope), scope)
    except SourceError as exc:
        return f"error: {exc}"
    return [(t.kind, t.text, t.offset) for t in tokens]


def test_skipping_a_pass_without_its_tokens_spells_every_corpus_formula_alike(monkeypatch):
    formulas = _every_corpus_formula()
    assert len(formulas) > 300
    skipping = [_spelled(tex, variant) for tex, variant in formulas]
    # Every pass run on every token, as before the skips.
    monkeypatch.setattr(
        spellings, "rewritten_at", lambda tokens, needed, rule: spellings.rewritten(tokens, rule)
    )
    monkeypatch.setattr(
        words, "rewritten_at", lambda tokens, needed, rule: spellings.rewritten(tokens, rule)
    )
    every = [_spelled(tex, variant) for tex, variant in formulas]
    assert skipping == every


@pytest.mark.parametrize(
    "tex",
    [
        r"{\rm NLL}",
        r"\hat y",
        r"\frac12",
        r"{dw}_{1}",
        r"\sigma(\sum{w_j x_j + b)}",
        r"\mathrm{e}^x",
    ],
)
def test_a_pass_runs_where_its_tokens_are(tex):
    # Each of these is rewritten by one pass (and read as written only because of it).
    tokens = tokenize(tex)
    assert spellings.canonical_spellings(tokens, _context(None).scope) != tokens


def test_a_scope_s_patterns_are_worked_out_once_and_never_for_another_scope():
    first, other = _context(None).scope, _context(next(iter(_document()["scopes"]))).scope
    assert first is not other
    patterns, _ = state._declared_patterns(first)
    assert state._declared_patterns(first)[0] is patterns
    assert state._declared_patterns(other)[0] == state.symbol_patterns(other)
    assert state._declared_patterns(first)[0] == state.symbol_patterns(first)
