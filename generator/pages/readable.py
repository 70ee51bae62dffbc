"""A counterexample as a reader writes it: ŷᵢ = 1/4, θ₀ = 2, p₁ = 1, not yhati, theta0, p_1.

The checker names a point's coordinates by the declared names (and components as ``p_1``);
the page shows them by their TeX, as plain text, so the point reads like the formula above
it. The machine-readable report keeps the declared names.
"""

from __future__ import annotations

from dataclasses import replace

from ..core.scope import Scope
from ..core.verdicts import Counterexample
from .plaintext import tex_to_text

RATE_MARK = "\u0307"
"""How the checker writes the rate of a quantity: ṗ is p followed by a combining dot."""


def readable(counterexample: Counterexample, scope: Scope) -> Counterexample:
    point = {_name(name, scope): value for name, value in counterexample.point.items()}
    return replace(counterexample, point=point)


def _name(name: str, scope: Scope) -> str:
    info = scope.symbols.get(name)
    if info is not None:
        return tex_to_text(info.tex)
    if name.endswith(RATE_MARK) and name[:-1] in scope.symbols:
        return _name(name[:-1], scope) + RATE_MARK
    base, _, index = name.partition("_")
    info = scope.symbols.get(base)
    if info is not None and info.indexed and index:
        return tex_to_text(f"{info.tex}_{{{index}}}")
    return name
