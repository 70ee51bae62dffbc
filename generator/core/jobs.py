"""The wire protocol between the build process and the checker's workers.

Everything that crosses the process boundary, and everything hashed into a verdict's
cache key, is defined here. Jobs are frozen dataclasses; :func:`encode` is the only
place their JSON shape is written and :func:`decode` the only place it is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

from .mathast import Node, from_key

# --- a derivation's declarations ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeclaredSymbol:
    name: str
    domain: str
    """The domain as written, such as ``real``, ``(0, 1)`` or ``{0, 1}``."""
    indexed: bool = False
    shape: tuple[str, ...] = ()
    """A vector's or a matrix's dimensions, such as ``("m", "n")`` (empty for a scalar)."""
    upto: str | None = None
    """The dimension an index symbol runs over (1…upto); None for the derivation's size."""


@dataclass(frozen=True, slots=True)
class DeclaredFunction:
    name: str
    params: tuple[str, ...]
    body: Node


@dataclass(frozen=True, slots=True)
class DeclaredDefinition:
    """A defined quantity, such as ``a = σ(z)`` or ``a_i = e^{z_i} / Σ e^{z_k}``."""

    name: str
    params: tuple[str, ...]
    indices: tuple[str, ...]
    body: Node


@dataclass(frozen=True, slots=True)
class Declarations:
    """Everything a check needs to know about its derivation, besides the claim itself."""

    symbols: tuple[DeclaredSymbol, ...] = ()
    functions: tuple[DeclaredFunction, ...] = ()
    definitions: tuple[DeclaredDefinition, ...] = ()
    size: str | None = None
    """The name of the vector size (such as N), for derivations with indexed symbols."""


# --- jobs --------------------------------------------------------------------------------------


class Mode(StrEnum):
    EQUAL = "equal"
    ANTIDERIVATIVE = "antiderivative"
    """``∫ f dx = F``: holds when dF/dx = f (constants drop out)."""


@dataclass(frozen=True, slots=True)
class EqualJob:
    """Decide ``left = right`` (a derivative claim when ``wrt`` is given)."""

    left: Node
    right: Node
    wrt: Node | None = None
    mode: Mode = Mode.EQUAL
    expect_false: bool = False
    """A mistake shown on purpose: the good outcome is a refutation."""
    givens: tuple[tuple[Node, Node], ...] = ()
    apart: tuple[tuple[Node, Node], ...] = ()
    """Indices the claim is made for only where they differ (a given ``i \\neq k``)."""


@dataclass(frozen=True, slots=True)
class DrawJob:
    """Plot a page's loss and gradient, and print and verify its NumPy code."""

    x: str
    x_range: tuple[Fraction, Fraction]
    loss: Node
    gradient: Node
    activation: Node | None = None
    targets: tuple[Mapping[str, Fraction], ...] = ()
    fixed: Mapping[str, Fraction] = field(default_factory=dict)
    size: int | None = None
    """Vector pages are drawn at this concrete size."""
    indices: Mapping[str, int] = field(default_factory=dict)
    code: bool = True
    givens: tuple[tuple[Node, Node], ...] = ()
    """The result's givens (Σₖ yₖ = 1): random arrays for the code are drawn to satisfy them."""


@dataclass(frozen=True, slots=True)
class DescribeJob:
    """SymPy ``srepr`` of the definitions, and of a result when one is given."""

    left: Node | None = None
    right: Node | None = None
    wrt: Node | None = None


@dataclass(frozen=True, slots=True)
class RangeJob:
    """Show that a defined symbol's declared domain holds for its definition
    (a = σ(z) declared in (0, 1) must take only values in (0, 1))."""

    name: str


@dataclass(frozen=True, slots=True)
class ArrayCodeJob:
    """Print NumPy code for a page's gradients by vectors and matrices, and verify it.

    The trees are the displays as written, whole arrays and all (``W x + b``, ``\\delta x^\\top``):
    what the page shows is what is printed, one NumPy operation per TeX operation."""

    forward: tuple[tuple[str, Node], ...]
    """Defined quantities in page order: name, and its definition written whole."""
    gradients: tuple[tuple[str, str, Node], ...]
    """Checked gradients: the loss, what it is differentiated by, the checked expression."""
    layout: str = "denominator"


Job = EqualJob | DrawJob | DescribeJob | RangeJob | ArrayCodeJob


@dataclass(frozen=True, slots=True)
class Drawing:
    """What a :class:`DrawJob` produced: inline SVG, its alt text, and verified code."""

    svg: str
    alt: str
    code: str | None = None
    verification: str | None = None
    """How the code was verified, in words, or None when no code was printed."""
    float64: str | None = None
    """Where the printed code is accurate in float64, in words."""


# --- the wire format ---------------------------------------------------------------------------


def _node(node: Node | None) -> Any:
    return node.key() if node is not None else None


def _maybe_node(key: Any) -> Node | None:
    return from_key(key) if key is not None else None


def _fraction(value: Fraction) -> list[int]:
    return [value.numerator, value.denominator]


def _from_fraction(pair: Any) -> Fraction:
    return Fraction(int(pair[0]), int(pair[1]))


def encode(job: Job) -> dict[str, Any]:
    """The job as plain JSON data: what is sent to a worker and hashed into a cache key."""
    if isinstance(job, EqualJob):
        return {
            "op": "equal",
            "left": job.left.key(),
            "right": job.right.key(),
            "wrt": _node(job.wrt),
            "mode": job.mode.value,
            "expect": "false" if job.expect_false else "true",
            "givens": [[a.key(), b.key()] for a, b in job.givens],
            "apart": [[a.key(), b.key()] for a, b in job.apart],
        }
    if isinstance(job, DrawJob):
        return {
            "op": "artifacts",
            "x": job.x,
            "range": [_fraction(v) for v in job.x_range],
            "loss": job.loss.key(),
            "gradient": job.gradient.key(),
            "activation": _node(job.activation),
            "targets": [{k: _fraction(v) for k, v in t.items()} for t in job.targets],
            "fixed": {k: _fraction(v) for k, v in job.fixed.items()},
            "size": job.size,
            "indices": dict(job.indices),
            "code": job.code,
            "givens": [[a.key(), b.key()] for a, b in job.givens],
        }
    if isinstance(job, RangeJob):
        return {"op": "range", "name": job.name}
    if isinstance(job, ArrayCodeJob):
        return {
            "op": "arraycode",
            "forward": [[name, tree.key()] for name, tree in job.forward],
            "gradients": [[loss, wrt, tree.key()] for loss, wrt, tree in job.gradients],
            "layout": job.layout,
        }
    data: dict[str, Any] = {"op": "describe"}
    if job.left is not None:
        data.update(left=job.left.key(), right=_node(job.right), wrt=_node(job.wrt))
    return data


def decode(data: Mapping[str, Any]) -> Job:
    """The inverse of :func:`encode`."""
    op = data["op"]
    if op == "equal":
        return EqualJob(
            from_key(data["left"]),
            from_key(data["right"]),
            _maybe_node(data.get("wrt")),
            Mode(data.get("mode", Mode.EQUAL.value)),
            data.get("expect") == "false",
            tuple((from_key(a), from_key(b)) for a, b in data.get("givens", [])),
            tuple((from_key(a), from_key(b)) for a, b in data.get("apart", [])),
        )
    if op == "artifacts":
        low, high = (_from_fraction(v) for v in data["range"])
        return DrawJob(
            x=str(data["x"]),
            x_range=(low, high),
            loss=from_key(data["loss"]),
            gradient=from_key(data["gradient"]),
            activation=_maybe_node(data.get("activation")),
            targets=tuple(
                {k: _from_fraction(v) for k, v in t.items()} for t in data.get("targets", [])
            ),
            fixed={k: _from_fraction(v) for k, v in data.get("fixed", {}).items()},
            size=data.get("size"),
            indices={k: int(v) for k, v in data.get("indices", {}).items()},
            code=bool(data.get("code", True)),
            givens=tuple((from_key(a), from_key(b)) for a, b in data.get("givens", [])),
        )
    if op == "range":
        return RangeJob(str(data["name"]))
    if op == "arraycode":
        return ArrayCodeJob(
            tuple((str(n), from_key(t)) for n, t in data["forward"]),
            tuple((str(loss), str(wrt), from_key(t)) for loss, wrt, t in data["gradients"]),
            str(data.get("layout", "denominator")),
        )
    if op == "describe":
        return DescribeJob(
            _maybe_node(data.get("left")),
            _maybe_node(data.get("right")),
            _maybe_node(data.get("wrt")),
        )
    raise ValueError(f"unknown job {op!r}")


def encode_declarations(declarations: Declarations) -> dict[str, Any]:
    return {
        "symbols": [
            [s.name, s.domain, s.indexed, list(s.shape), s.upto] for s in declarations.symbols
        ],
        "functions": [[f.name, list(f.params), f.body.key()] for f in declarations.functions],
        "definitions": [
            [d.name, list(d.params), list(d.indices), d.body.key()]
            for d in declarations.definitions
        ],
        "size": declarations.size,
    }


def decode_declarations(data: Mapping[str, Any]) -> Declarations:
    return Declarations(
        tuple(
            DeclaredSymbol(str(n), str(d), bool(i), tuple(str(x) for x in shape), upto)
            for n, d, i, shape, upto in data["symbols"]
        ),
        tuple(DeclaredFunction(str(n), tuple(p), from_key(b)) for n, p, b in data["functions"]),
        tuple(
            DeclaredDefinition(str(n), tuple(p), tuple(i), from_key(b))
            for n, p, i, b in data["definitions"]
        ),
        data.get("size"),
    )


def encode_drawing(drawing: Drawing) -> dict[str, Any]:
    return {
        "svg": drawing.svg,
        "alt": drawing.alt,
        "code": drawing.code,
        "verification": drawing.verification,
        "float64": drawing.float64,
    }


def decode_drawing(data: Mapping[str, Any]) -> Drawing:
    return Drawing(
        str(data["svg"]),
        str(data["alt"]),
        data.get("code"),
        data.get("verification"),
        data.get("float64"),
    )
