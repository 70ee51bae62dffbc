"""JSON Schemas for source files, generated from the typed model (never written by hand).

Editors that speak the yaml-language-server protocol (VS Code's YAML extension,
Neovim, JetBrains) validate and complete a source file as it is typed, through the
``# yaml-language-server: $schema=…`` comment at the top of every file in content/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .source.model import Derivation, IndexPage

SCHEMAS: dict[str, type[Any]] = {
    "derivation.schema.json": Derivation,
    "index.schema.json": IndexPage,
}
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_for(model: type[Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"$schema": DIALECT}
    schema.update(model.model_json_schema())
    return schema


def render_schema(model: type[Any]) -> str:
    return json.dumps(schema_for(model), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = folder / name
        path.write_text(render_schema(model), encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(folder: Path) -> list[str]:
    """Names of committed schema files that differ from what the model generates."""
    stale = []
    for name, model in SCHEMAS.items():
        path = folder / name
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != render_schema(model):
            stale.append(name)
    return stale
