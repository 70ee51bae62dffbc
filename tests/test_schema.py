"""The JSON Schemas are generated from the model, committed, current, documented, and accept the content."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from generator.schema import SCHEMAS, render_schema

from .helpers import ROOT

SCHEMA_DIR = ROOT / "schema"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_what_the_model_generates(name: str) -> None:
    committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert committed == render_schema(SCHEMAS[name]), "stale: run `derivations schema`"


def _properties(schema: dict) -> list[tuple[str, dict]]:
    found = [(f"{schema.get('title')}.{k}", v) for k, v in schema.get("properties", {}).items()]
    for name, definition in schema.get("$defs", {}).items():
        found += [(f"{name}.{k}", v) for k, v in definition.get("properties", {}).items()]
    return found


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_field_has_a_description_and_an_example(name: str) -> None:
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    properties = _properties(schema)
    assert properties
    for field, spec in properties:
        assert spec.get("description"), field
        assert spec.get("examples"), field


def _content_files() -> list:
    return sorted((ROOT / "content").glob("*.yaml"))


@pytest.mark.parametrize("path", _content_files(), ids=lambda p: p.name)
def test_content_declares_its_schema_and_satisfies_it(path) -> None:
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    name = "index.schema.json" if path.name == "index.yaml" else "derivation.schema.json"
    assert first == f"# yaml-language-server: $schema=../schema/{name}"
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    data = YAML(typ="safe").load(text)  # what an editor sees: YAML's own types
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors]


def test_schema_rejects_an_unknown_key() -> None:
    schema = json.loads((SCHEMA_DIR / "derivation.schema.json").read_text(encoding="utf-8"))
    data = YAML(typ="safe").load((ROOT / "content" / "linear-mse.yaml").read_text(encoding="utf-8"))
    data["titel"] = "typo"
    assert list(Draft202012Validator(schema).iter_errors(data))
