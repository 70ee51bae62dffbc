"""pydantic validation errors → author messages, and a model repaired around them.

Items that fail are reported and left out, and invalid optional keys are dropped, so that
the rest of the file is still resolved and checked: every error of a file in one run.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from .diagnostics import FileDiagnostics
from .model import (
    ANCHOR_PATTERN,
    BLOCK_KINDS,
    NAME_PATTERN,
    PLAIN_TEXT_PATTERN,
    Derivation,
    EquationBlock,
    FunctionDecl,
    ProseBlock,
    SymbolDecl,
    kind_of,
)
from .yamlread import Path as YPath

_DECLARATIONS: dict[str, type[BaseModel]] = {"symbols": SymbolDecl, "functions": FunctionDecl}
_PATTERN_MESSAGES = {
    NAME_PATTERN: "a name is letters and digits starting with a letter, such as z, a2 or sigma",
    ANCHOR_PATTERN: "an id is lowercase letters, digits and hyphens, such as dl-da",
    PLAIN_TEXT_PATTERN: "<, > and & are not allowed in plain text (write 'and' for &)",
}
_UNION_TAGS = frozenset({"str", "int", "bool", *(m.__name__ for m in BLOCK_KINDS.values())})


def validate_derivation(data: Any, diags: FileDiagnostics) -> Derivation | None:
    """Validate the model, item by item where that gives sharper messages."""
    if not isinstance(data, dict):
        diags.path((), "a derivation file is a mapping with title, order, symbols and body")
        return None
    top = dict(data)
    body = data.get("body")
    if isinstance(body, list):
        top["body"] = _validate_body(body, diags)
    result = data.get("result")
    if isinstance(result, dict):
        top["result"] = validate(EquationBlock, result, ("result",), diags)
    elif result is not None and not isinstance(result, str):
        diags.path(("result",), "result: expected TeX, or a mapping with equation and given")
        top.pop("result")
    return _validate_repairing(top, diags)


def _validate_body(body: list[Any], diags: FileDiagnostics) -> list[BaseModel]:
    blocks: list[BaseModel] = []
    for index, item in enumerate(body):
        kind = kind_of(item)
        if kind is None:
            _block_kind_error(item, ("body", index), diags)
            continue
        block = validate(BLOCK_KINDS[kind], item, ("body", index), diags)
        if block is not None:
            blocks.append(block)
    if body and not blocks:
        # Every item failed and was reported; validate the rest against a stand-in.
        return [ProseBlock(prose="(no valid items)")]
    return blocks


def validate(model: type[Any], data: Any, path: YPath, diags: FileDiagnostics) -> Any:
    """``model`` validated from ``data``, or None after reporting every failure."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            _report_validation(error, model, path, diags)
        return None


def _validate_repairing(top: dict[str, Any], diags: FileDiagnostics) -> Derivation | None:
    """Validate; on failure drop what failed where the model allows it, and try once more."""
    try:
        return Derivation.model_validate(top)
    except ValidationError as exc:
        failures = exc.errors(include_url=False)
    for error in failures:
        _report_validation(error, Derivation, (), diags)
    repaired = _drop_failures(top, failures)
    if repaired is None:
        return None
    kept, dropped = repaired
    diags.suppress_uses_of(dropped)
    try:
        return Derivation.model_validate(kept)
    except ValidationError:
        return None


def _drop_failures(
    top: dict[str, Any], failures: list[Any]
) -> tuple[dict[str, Any], list[str]] | None:
    """A copy of ``top`` without what failed, and the names of the declarations dropped.

    None if a required top-level key failed. An invalid optional key of a declaration falls
    back to its default; a declaration that cannot be kept is removed, and its name is
    returned so its uses are not reported a second time as undeclared.
    """
    repaired = {k: (dict(v) if isinstance(v, dict) else v) for k, v in top.items()}
    dropped: set[str] = set()
    for error in failures:
        loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
        if not loc:
            return None
        head = str(loc[0])
        field = Derivation.model_fields.get(head)
        if head in _DECLARATIONS and len(loc) >= 2:
            _repair_declaration(repaired, loc, error["type"], dropped)
        elif len(loc) == 1 and (
            error["type"] == "extra_forbidden" or (field and not field.is_required())
        ):
            repaired.pop(head, None)
        else:
            return None
    return repaired, sorted(dropped)


def _repair_declaration(
    repaired: dict[str, Any], loc: tuple[Any, ...], kind: str, dropped: set[str]
) -> None:
    """Drop the failing key of one declaration if it may be left out, else the declaration."""
    head = str(loc[0])
    container = repaired.get(head)
    if not isinstance(container, dict) or loc[1] not in container:
        return
    declaration = container[loc[1]]
    model = _DECLARATIONS[head]
    key = str(loc[2]) if len(loc) >= 3 else None
    optional = (
        key is not None and key in model.model_fields and not model.model_fields[key].is_required()
    )
    if isinstance(declaration, dict) and (optional or kind == "extra_forbidden"):
        container[loc[1]] = {k: v for k, v in declaration.items() if k != key}
    else:
        container.pop(loc[1], None)
        dropped.add(str(loc[1]))


def _block_kind_error(item: Any, path: YPath, diags: FileDiagnostics) -> None:
    kinds = ", ".join(BLOCK_KINDS)
    if not isinstance(item, dict):
        diags.path(
            path, f"a body item is a mapping with one of: {kinds}", "example:  - prose: Some text."
        )
        return
    present = [k for k in BLOCK_KINDS if k in item]
    if len(present) > 1:
        diags.path(
            path, f"a body item has one kind, found {' and '.join(present)}; split it in two"
        )
        return
    guesses = [g for key in item for g in difflib.get_close_matches(str(key), BLOCK_KINDS, 1, 0.6)]
    hint = f" (did you mean {guesses[0]!r}?)" if guesses else ""
    first_key = next(iter(item), None)
    where = (*path, first_key) if first_key is not None else path
    diags.path(
        where, f"a body item needs one of: {kinds}{hint}", "example:  - equation: a = b", key=True
    )


def _report_validation(error: Any, model: type[Any], path: YPath, diags: FileDiagnostics) -> None:
    loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
    full = (*path, *loc)
    if any(full[: len(bad)] == bad for bad in diags.doc.problem_paths):
        return  # the YAML reader already reported this value (an alias, a tag …)
    kind = error["type"]
    name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        fields = _fields_at(model, loc[:-1])
        close = difflib.get_close_matches(name, fields, 1, 0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        allowed = ", ".join(fields)
        diags.path(full, f"unknown key {name!r}{hint}", f"allowed keys here: {allowed}", key=True)
        return
    if kind == "missing":
        diags.path(full[:-1], f"missing required key {name!r}", *_example_for(model, loc))
        return
    msg = _value_message(error, name)
    diags.path(full, f"{name or 'value'}: {msg}", *_example_for(model, loc))


def _value_message(error: Any, name: str) -> str:
    """pydantic's message for a bad value, in the author's terms."""
    kind = error["type"]
    value = error.get("input")
    msg = str(error["msg"]).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        msg = _PATTERN_MESSAGES.get(str(error.get("ctx", {}).get("pattern")), msg)
    elif kind == "string_type" and value is None:
        msg = "a value is required"
    elif kind == "string_type" and isinstance(value, dict | list):
        msg = "expected text, found a " + ("mapping" if isinstance(value, dict) else "list")
        if name == "domain":
            msg += "; quote intervals and sets, such as domain: '[0, 1]'"
    return msg


def _is_union_tag(part: Any) -> bool:
    """pydantic names the branch of a union in error locations; authors never see those."""
    return isinstance(part, str) and (part.startswith("constrained-") or part in _UNION_TAGS)


def _model_at(model: type[Any], loc: tuple[Any, ...]) -> Any:
    """The pydantic model that validates the value at ``loc`` (dict keys and list indices skipped)."""
    current: Any = model
    skip = False
    for part in loc:
        if skip or isinstance(part, int):
            skip = False
            continue
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            return None
        skip = getattr(info.annotation, "__origin__", None) is dict
        current = _model_in(info.annotation)
        if current is None:
            return None
    return current


def _fields_at(model: type[Any], loc: tuple[Any, ...]) -> list[str]:
    return list(getattr(_model_at(model, loc), "model_fields", {}))


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as ``dict[str, SymbolDecl]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _example_for(model: type[Any], loc: tuple[Any, ...]) -> tuple[str, ...]:
    if not loc or isinstance(loc[-1], int):
        return ()
    parent = _model_at(model, loc[:-1])
    info = getattr(parent, "model_fields", {}).get(loc[-1])
    if info is not None and info.examples:
        return (f"example:  {loc[-1]}: {_yaml_example(info.examples[0])}",)
    return ()


def _yaml_example(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if re.match(r"^[\w\\ ()=+\-]+$", value) and ": " not in value else repr(value)
    return str(value).replace("'", "")
