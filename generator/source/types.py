"""The data model of a loaded source, and its JSON form for the source cache.

Plain data only: a :class:`Source` is what the rest of the build reads (pipeline, pages,
report); nothing here parses, checks or imports SymPy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.errors import Diagnostic, Position
from ..core.jobs import EqualJob, Mode, encode
from ..core.mathast import Node, from_key
from ..core.scope import FunctionInfo, Scope, SymbolInfo
from .model import Derivation, IndexPage


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """One check to run: ``left = right`` under the display's rules."""

    left: Node
    right: Node
    position: Position
    """Where the right-hand row starts (errors point here)."""
    label: str
    """Human description, such as ``row 2 = row 1``."""
    claim: str = ""
    """The TeX of what is claimed, ``left = right``, for messages."""
    wrt: Node | None = None
    mode: str = "equal"
    expect: str = "true"
    givens: tuple[tuple[Node, Node], ...] = ()
    apart: tuple[tuple[Node, Node], ...] = ()
    """Indices the claim is about only where they differ: given ``i \\neq k``."""

    def job(self) -> EqualJob:
        """What the worker is asked to decide (the parent keeps position, label and TeX)."""
        return EqualJob(
            self.left,
            self.right,
            self.wrt,
            Mode(self.mode),
            self.expect == "false",
            self.givens,
            self.apart,
        )

    def payload(self) -> dict[str, Any]:
        """The job as sent and hashed: written by :func:`generator.core.jobs.encode` only."""
        return encode(self.job())


@dataclass
class Display:
    """A displayed formula on a page and what must be checked for it."""

    kind: str
    """definition, derivative, chain, identity, antiderivative, expected-false, notation"""
    tex: str
    position: Position
    anchor: str
    checks: list[CheckSpec] = field(default_factory=list)
    reason: str = ""
    note: str | None = None
    explanation: str | None = None
    givens_tex: tuple[str, ...] = ()
    rows_tex: tuple[str, ...] = ()
    """The TeX of each row of a checked display (for tables and summaries)."""
    shapes: tuple[str, str] | None = None
    """A mistake whose sides have different shapes: the two shapes, as words."""


@dataclass
class Block:
    """One item of a page body, ready to render."""

    kind: str
    text: str = ""
    anchor: str = ""
    display: Display | None = None


@dataclass
class Source:
    """A loaded derivation: its model, its declarations as plain data, and its displays."""

    path: str
    slug: str
    model: Derivation
    scope: Scope
    context: dict[str, Any]
    blocks: list[Block]
    result: Display | None
    artifacts: dict[str, Any] | None = None
    """What the worker plots and prints as code (see generator/source/plotplan.py), or None."""
    artifacts_position: Position = field(default_factory=lambda: Position(1, 1))
    range_checks: dict[str, Position] = field(default_factory=dict)
    """Defined symbols whose declared domain must be shown to hold for their definition,
    with where that domain is declared (errors point there)."""

    @property
    def displays(self) -> list[Display]:
        out = [self.result] if self.result else []
        out += [b.display for b in self.blocks if b.display is not None]
        return out


@dataclass
class Landing:
    path: str
    model: IndexPage


@dataclass
class Content:
    """Everything in ``content/``: derivations in navigation order, and the landing page."""

    sources: list[Source]
    landing: Landing | None
    diagnostics: list[Diagnostic]


# --- JSON (the source cache) --------------------------------------------------------------------


def source_to_json(source: Source) -> dict[str, Any]:
    """Plain data that :func:`source_from_json` reads back into an equal :class:`Source`."""
    scope = source.scope
    return {
        "path": source.path,
        "slug": source.slug,
        "model": source.model.model_dump(mode="json"),
        "symbols": {
            n: [i.tex, i.domain, i.indexed, list(i.shape), i.upto] for n, i in scope.symbols.items()
        },
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
        "range_checks": {n: _position(p) for n, p in source.range_checks.items()},
    }


def source_from_json(data: dict[str, Any]) -> Source:
    """Raises KeyError, TypeError, ValueError or pydantic's ValidationError on bad data."""
    scope = Scope(
        {
            n: SymbolInfo(n, t, d, bool(i), tuple(shape), upto)
            for n, (t, d, i, shape, upto) in data["symbols"].items()
        },
        {n: FunctionInfo(n, t, tuple(p)) for n, (t, p) in data["functions"].items()},
        {n: tuple(p) for n, p in data["dependents"].items()},
        data["model"].get("size"),
        data["model"].get("layout", "denominator"),
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
        {n: Position(*p) for n, p in data["range_checks"].items()},
    )


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
        "apart": [[a.key(), b.key()] for a, b in spec.apart],
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
        tuple((from_key(a), from_key(b)) for a, b in data["apart"]),
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
        "shapes": list(display.shapes) if display.shapes else None,
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
        shapes=(data["shapes"][0], data["shapes"][1]) if data.get("shapes") else None,
    )
