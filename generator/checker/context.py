"""A derivation's declarations, rebuilt inside the worker as a SymPy translator."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.domains import Domain, parse_domain
from ..core.mathast import from_key
from .tosympy import Definition, Translator


@dataclass
class Context:
    translator: Translator
    domains: dict[str, Domain]
    size: str | None


_CONTEXTS: dict[str, Context] = {}


def context_from_payload(payload: Mapping[str, Any]) -> Context:
    """Rebuild (and memoise) a derivation's declarations from plain data."""
    key = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    if key in _CONTEXTS:
        return _CONTEXTS[key]
    domains = {name: parse_domain(text) for name, text, _ in payload["symbols"]}
    indexed = frozenset(name for name, _, is_indexed in payload["symbols"] if is_indexed)
    functions = {
        name: Definition(name, tuple(params), from_key(body))
        for name, params, body in payload["functions"]
    }
    definitions = {
        name: Definition(name, tuple(params), from_key(body), tuple(indices))
        for name, params, indices, body in payload["definitions"]
    }
    translator = Translator(domains, indexed, functions, definitions)
    context = Context(translator, domains, payload.get("size"))
    if len(_CONTEXTS) > 64:
        _CONTEXTS.clear()
    _CONTEXTS[key] = context
    return context
