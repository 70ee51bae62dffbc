"""A cache of loaded sources, so an unchanged file is not parsed and resolved again.

Loading (strict YAML, the model, both parsers) costs about a millisecond per display;
on a large site that is most of a warm build's own work. A file whose bytes, path and
loader code are unchanged is read back from JSON instead. The JSON holds plain data
(no pickle), is keyed by a hash of everything loading depends on, and an unreadable or
mismatched entry is ignored. Only files that loaded without any diagnostic are stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..core.errors import Position
from ..core.jobs import code_version
from ..core.mathast import from_key
from ..core.scope import FunctionInfo, Scope, SymbolInfo
from .load import Block, CheckSpec, Display, Source
from .model import Derivation

FORMAT = 1


def loader_version() -> str:
    """The package's source code: a change to how files are loaded invalidates the cache."""
    return code_version()


def source_key(path: str, text: str) -> str:
    material = f"{FORMAT}\0{loader_version()}\0{path}\0{text}"
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


class SourceCache:
    def __init__(self, root: Path | None) -> None:
        self.root = root / "sources" if root is not None else None

    def get(self, key: str) -> Source | None:
        if self.root is None:
            return None
        try:
            data = json.loads((self.root / key[:2] / f"{key[2:]}.json").read_text(encoding="utf-8"))
            if data.get("key") != key:
                return None
            return _source_from_json(data["source"])
        except (OSError, ValueError, KeyError, TypeError, IndexError, ValidationError):
            return None

    def put(self, key: str, source: Source) -> None:
        if self.root is None:
            return
        folder = self.root / key[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"key": key, "source": _source_to_json(source)}, handle)
            os.replace(tmp, folder / f"{key[2:]}.json")
        except OSError:
            pass


# --- plain data ↔ objects ----------------------------------------------------------------------


def _position(p: Position) -> list[int]:
    return [p.line, p.column]


def _spec_to_json(spec: CheckSpec) -> dict[str, Any]:
    return {
        "left": spec.left.key(),
        "right": spec.right.key(),
        "position": _position(spec.position),
        "label": spec.label,
        "claim": spec.claim,
        "wrt": spec.wrt.key() if spec.wrt is not None else None,
        "mode": spec.mode,
        "expect": spec.expect,
        "givens": [[a.key(), b.key()] for a, b in spec.givens],
    }


def _spec_from_json(data: dict[str, Any]) -> CheckSpec:
    return CheckSpec(
        from_key(data["left"]),
        from_key(data["right"]),
        Position(*data["position"]),
        data["label"],
        data["claim"],
        from_key(data["wrt"]) if data["wrt"] is not None else None,
        data["mode"],
        data["expect"],
        tuple((from_key(a), from_key(b)) for a, b in data["givens"]),
    )


def _display_to_json(display: Display | None) -> dict[str, Any] | None:
    if display is None:
        return None
    return {
        "kind": display.kind,
        "tex": display.tex,
        "position": _position(display.position),
        "anchor": display.anchor,
        "checks": [_spec_to_json(c) for c in display.checks],
        "reason": display.reason,
        "note": display.note,
        "explanation": display.explanation,
        "givens_tex": list(display.givens_tex),
        "rows_tex": list(display.rows_tex),
    }


def _display_from_json(data: dict[str, Any] | None) -> Display | None:
    if data is None:
        return None
    return Display(
        kind=data["kind"],
        tex=data["tex"],
        position=Position(*data["position"]),
        anchor=data["anchor"],
        checks=[_spec_from_json(c) for c in data["checks"]],
        reason=data["reason"],
        note=data["note"],
        explanation=data["explanation"],
        givens_tex=tuple(data["givens_tex"]),
        rows_tex=tuple(data["rows_tex"]),
    )


def _source_to_json(source: Source) -> dict[str, Any]:
    scope = source.scope
    return {
        "path": source.path,
        "slug": source.slug,
        "model": source.model.model_dump(mode="json"),
        "symbols": {n: [i.tex, i.domain, i.indexed] for n, i in scope.symbols.items()},
        "functions": {n: [f.tex, list(f.params)] for n, f in scope.functions.items()},
        "dependents": {n: list(p) for n, p in scope.dependents.items()},
        "context": source.context,
        "blocks": [
            {
                "kind": b.kind,
                "text": b.text,
                "anchor": b.anchor,
                "display": _display_to_json(b.display),
            }
            for b in source.blocks
        ],
        "result": _display_to_json(source.result),
        "artifacts": source.artifacts,
        "artifacts_position": _position(source.artifacts_position),
    }


def _source_from_json(data: dict[str, Any]) -> Source:
    scope = Scope(
        {n: SymbolInfo(n, t, d, bool(i)) for n, (t, d, i) in data["symbols"].items()},
        {n: FunctionInfo(n, t, tuple(p)) for n, (t, p) in data["functions"].items()},
        {n: tuple(p) for n, p in data["dependents"].items()},
    )
    blocks = [
        Block(b["kind"], b["text"], b["anchor"], _display_from_json(b["display"]))
        for b in data["blocks"]
    ]
    return Source(
        data["path"],
        data["slug"],
        Derivation.model_validate(data["model"]),
        scope,
        data["context"],
        blocks,
        _display_from_json(data["result"]),
        data["artifacts"],
        Position(*data["artifacts_position"]),
    )
