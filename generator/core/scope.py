"""What names a derivation declares, as both parsers need to know them.

A scope is plain data (no SymPy): symbols with their domains, functions with
their parameters, and which symbols are *dependent* (have a definition).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .texvocab import GREEK as GREEK  # re-exported: the loader asks scope which names are Greek

# Built-in functions: canonical name → (min arguments, max arguments).
BUILTIN_FUNCTIONS: Mapping[str, tuple[int, int]] = {
    "exp": (1, 1),
    "log": (1, 1),
    "sqrt": (1, 1),
    "sin": (1, 1),
    "cos": (1, 1),
    "tan": (1, 1),
    "sinh": (1, 1),
    "cosh": (1, 1),
    "tanh": (1, 1),
    "coth": (1, 1),
    "sec": (1, 1),
    "csc": (1, 1),
    "cot": (1, 1),
    "sech": (1, 1),
    "csch": (1, 1),
    "Abs": (1, 1),
    "sign": (1, 1),
    "Heaviside": (1, 1),
    "Max": (2, 8),
    "Min": (2, 8),
    "factorial": (1, 1),
    "KroneckerDelta": (2, 2),
}

# Spellings an author may use in expressions for a built-in.
FUNCTION_ALIASES: Mapping[str, str] = {
    "ln": "log",
    "abs": "Abs",
    "max": "Max",
    "min": "Min",
    "delta": "KroneckerDelta",
}

CONSTANTS: Mapping[str, str] = {"pi": "pi", "E": "E", "e": "E", "oo": "oo", "inf": "oo"}


def default_tex(name: str) -> str:
    """How a declared name is written in TeX when the author gives no ``tex``."""
    if name in GREEK:
        return "\\" + name
    return name


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    name: str
    tex: str
    domain: str = "real"
    indexed: bool = False
    shape: tuple[str, ...] = ()
    """A vector's or matrix's dimensions (``("m", "n")``); empty for a scalar or a vector
    written only with subscripts."""
    upto: str | None = None
    """For an index symbol: the dimension it runs over, when not the derivation's size."""


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    name: str
    tex: str
    params: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scope:
    """Names visible in one derivation."""

    symbols: Mapping[str, SymbolInfo] = field(default_factory=dict)
    functions: Mapping[str, FunctionInfo] = field(default_factory=dict)
    dependents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Symbols that have a definition, with the definition's parameters (``a`` → ``("z",)``)."""
    size: str | None = None
    """The derivation's size symbol N: an index symbol ranges over 1…N."""
    layout: str = "denominator"
    """How a derivative by a vector or matrix is laid out: ``denominator`` (∂L/∂W has W's
    shape) or ``numerator`` (it has Wᵀ's shape)."""
    spelled: frozenset[str] = field(init=False, repr=False, compare=False)
    """The declared names of two letters or more: what a run of letters in a formula may
    spell (found once; every letter of every formula asks)."""
    longest: int = field(init=False, repr=False, compare=False)
    """The length of the longest of them (0 if none)."""

    def __post_init__(self) -> None:
        names = frozenset(n for n in (*self.symbols, *self.functions) if len(n) >= 2)
        object.__setattr__(self, "spelled", names)
        object.__setattr__(self, "longest", max(map(len, names), default=0))

    def is_index(self, name: str) -> bool:
        info = self.symbols.get(name)
        return bool(info and info.domain.strip() == "index")

    def is_symbol(self, name: str) -> bool:
        return name in self.symbols

    def is_indexed(self, name: str) -> bool:
        info = self.symbols.get(name)
        return bool(info and (info.indexed or info.shape))

    def shape_of(self, name: str) -> tuple[str, ...]:
        info = self.symbols.get(name)
        return info.shape if info else ()

    def range_of(self, index: str) -> str | None:
        """The dimension an index symbol runs over: its own ``upto``, else the size."""
        info = self.symbols.get(index)
        if info is not None and info.upto is not None:
            return info.upto
        return self.size
