"""Counterexamples on a page name their coordinates as the formulas write them."""

from __future__ import annotations

from generator.core.scope import Scope, SymbolInfo
from generator.core.verdicts import Counterexample
from generator.pages.readable import readable

SCOPE = Scope(
    {
        "yhati": SymbolInfo("yhati", "\\hat{y}_i"),
        "theta0": SymbolInfo("theta0", "\\theta_0"),
        "p": SymbolInfo("p", "p", indexed=True),
        "q": SymbolInfo("q", "q"),
    }
)


def test_declared_names_read_as_their_tex() -> None:
    shown = readable(Counterexample({"yhati": "1/4", "theta0": "2"}, "1", "2"), SCOPE)
    assert shown.describe() == "at ŷᵢ = 1/4, θ₀ = 2: left side = 1, right side = 2"


def test_components_and_rates_read_as_written() -> None:
    shown = readable(Counterexample({"p_1": "1", "q\u0307": "3"}, "0", "1"), SCOPE)
    assert list(shown.point) == ["p₁", "q\u0307"]


def test_a_name_the_scope_does_not_know_is_left_alone() -> None:
    shown = readable(Counterexample({"C": "1", "q_1": "2"}, "0", "1"), SCOPE)
    assert list(shown.point) == ["C", "q_1"]  # q is not indexed: q_1 is no component of it
