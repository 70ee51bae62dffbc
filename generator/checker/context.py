"""A derivation's declarations, rebuilt inside the worker as a SymPy translator."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.domains import Domain, parse_domain
from ..core.mathast import from_key
from .tosympy import Definition, Translator


@dataclass
class Context:
    translator: Translator
    domains: dict[str, Domain]
    size: str | None
    ranges: dict[str, str]
    """Each index symbol's upper bound (its own ``upto``, else the size)."""
    shapes: dict[str, tuple[str, ...]]
    """Each vector's or matrix's dimensions (symbols declared with a shape)."""
    reductions: dict[Any, Any] = field(default_factory=dict)
    """The every-size prover's reductions of this derivation's expressions, kept for its
    other checks in this worker."""

    @property
    def sizes(self) -> tuple[str, ...]:
        """Every dimension an index runs over (N; or m and n for matrices), sorted."""
        dims = {d for shape in self.shapes.values() for d in shape}
        return tuple(
            sorted(set(self.ranges.values()) | dims | ({self.size} if self.size else set()))
        )

    def index_bounds(self) -> dict[Any, Any]:
        """Each index symbol, as SymPy builds it, with its upper bound's symbol."""
        tr = self.translator
        return {tr.symbol(index): tr.symbol(upper) for index, upper in self.ranges.items()}


_CONTEXTS: dict[str, Context] = {}


def context_from_payload(payload: Mapping[str, Any]) -> Context:
    """Rebuild (and memoise) a derivation's declarations from plain data."""
    key = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    if key in _CONTEXTS:
        return _CONTEXTS[key]
    symbols = payload["symbols"]
    domains = {name: parse_domain(text) for name, text, *_ in symbols}
    indexed = frozenset(name for name, _, is_indexed, shape, _ in symbols if is_indexed or shape)
    size = payload.get("size")
    ranges: dict[str, str] = {
        name: str(upto or size)
        for name, _, _, _, upto in symbols
        if domains[name].index and (upto or size)
    }
    functions = {
        name: Definition(name, tuple(params), from_key(body))
        for name, params, body in payload["functions"]
    }
    definitions = {
        name: Definition(name, tuple(params), from_key(body), tuple(indices))
        for name, params, indices, body in payload["definitions"]
    }
    translator = Translator(domains, indexed, functions, definitions)
    shapes = {name: tuple(shape) for name, _, _, shape, _ in symbols if shape}
    context = Context(translator, domains, size, ranges, shapes)
    if len(_CONTEXTS) > 64:
        _CONTEXTS.clear()
    _CONTEXTS[key] = context
    return context
