"""Source files → validated derivations, with every problem at its ``file:line:col``.

Loading never imports SymPy: it reads YAML strictly (:mod:`generator.source.yamlread`),
validates the typed model (:mod:`generator.source.model`), resolves names, parses every
expression and every displayed formula into trees, and plans the checks. All
problems of a file are collected and reported together.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..core.domains import EXAMPLES as DOMAIN_EXAMPLES
from ..core.domains import parse_domain
from ..core.errors import Diagnostic, Position, SourceError
from ..core.mathast import Node
from ..core.scope import FunctionInfo, Scope, SymbolInfo, default_tex
from ..parse.atoms import check_atomic_tex
from ..parse.expr import parse_expression
from ..parse.tex import Chain, parse_chain, parse_definition
from ..parse.texlex import lint
from .model import (
    ANCHOR_PATTERN,
    BLOCK_KINDS,
    NAME_PATTERN,
    PLAIN_TEXT_PATTERN,
    DefineBlock,
    Derivation,
    EquationBlock,
    FunctionDecl,
    IndexPage,
    PlotSpec,
    ProseBlock,
    SymbolDecl,
    kind_of,
)
from .prose import check_prose
from .yamlread import Document, read
from .yamlread import Path as YPath

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_NAME_IN_MESSAGE = re.compile(
    r"(?:undeclared symbol|unknown function|undeclared index|parameter|expected parameter)"
    r" '?\\?([A-Za-z][A-Za-z0-9]*)'?"
)
INDEX_FILE = "index.yaml"


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

    def payload(self) -> dict[str, Any]:
        return {
            "op": "equal",
            "left": self.left.key(),
            "right": self.right.key(),
            "wrt": self.wrt.key() if self.wrt is not None else None,
            "mode": self.mode,
            "expect": self.expect,
            "givens": [[a.key(), b.key()] for a, b in self.givens],
        }


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
    """What the worker plots and prints as code (see generator/artifacts.py), or None."""
    artifacts_position: Position = field(default_factory=lambda: Position(1, 1))

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


def load_content(content_dir: Path, root: Path, cache_dir: Path | None = None) -> Content:
    """Load every ``*.yaml`` in ``content_dir`` (sorted by ``order``, then file name).

    With ``cache_dir``, files unchanged since they last loaded cleanly are read back from
    the source cache (generator/loadcache.py) instead of being parsed again.
    """
    from .sourcecache import SourceCache, source_key  # imported here: it imports this module

    cache = SourceCache(cache_dir)
    sources: list[Source] = []
    landing: Landing | None = None
    diagnostics: list[Diagnostic] = []
    for file in sorted(content_dir.glob("*.yaml")):
        rel = _relative(file, root)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            diagnostics.append(Diagnostic(rel, Position(1, 1), f"cannot read the file: {exc}"))
            continue
        if file.name == INDEX_FILE:
            page, diags = load_landing(text, rel)
            landing = page or landing
        else:
            key = source_key(rel, text)
            source, diags = cache.get(key), []
            if source is None:
                source, diags = load_source(text, rel)
                if source is not None and not diags:
                    cache.put(key, source)
            if source is not None:
                sources.append(source)
        diagnostics.extend(diags)
    for path in sorted(content_dir.glob("*.yml")):
        diagnostics.append(
            Diagnostic(
                _relative(path, root),
                Position(1, 1),
                "rename the file to .yaml; .yml files are not read",
            )
        )
    _check_orders(sources, diagnostics)
    sources.sort(key=lambda s: (s.model.order, s.slug))
    return Content(sources, landing, diagnostics)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _check_orders(sources: list[Source], diagnostics: list[Diagnostic]) -> None:
    seen: dict[int, Source] = {}
    for source in sorted(sources, key=lambda s: s.path):
        other = seen.get(source.model.order)
        if other is not None:
            diagnostics.append(
                Diagnostic(
                    source.path,
                    Position(1, 1),
                    f"order {source.model.order} is also used by {other.path}; pick a unique order",
                    severity="warning",
                )
            )
        seen[source.model.order] = source


# --- one file ----------------------------------------------------------------------------------


class _FileErrors:
    """Collects diagnostics for one file, translating paths and offsets into positions."""

    def __init__(self, doc: Document, file: str) -> None:
        self.doc = doc
        self.file = file
        self.items: list[Diagnostic] = []
        self.broken: set[str] = set()
        """Names whose declaration was invalid (and already reported)."""

    def at(self, position: Position, message: str, *notes: str) -> None:
        if self.broken and _NAME_IN_MESSAGE.search(message):
            match = _NAME_IN_MESSAGE.search(message)
            if match and match.group(1) in self.broken:
                return  # a use of a name whose declaration was already reported as invalid
        self.items.append(Diagnostic(self.file, position, message, tuple(notes)))

    def path(self, path: YPath, message: str, *notes: str, key: bool = False) -> None:
        self.at(self.doc.position(path, key=key), message, *notes)

    def source(self, path: YPath, error: SourceError) -> None:
        if self.broken and self._uses_broken(path):
            return  # the text uses a name whose declaration was already reported as invalid
        self.at(self.doc.offset_position(path, error.offset), error.message, *error.notes)

    def _uses_broken(self, path: YPath) -> bool:
        try:
            text = self.doc.value_text(path)
        except (KeyError, IndexError, TypeError):
            return False
        return any(
            re.search(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z0-9])", text)
            for name in self.broken
        )


def load_landing(text: str, file: str) -> tuple[Landing | None, list[Diagnostic]]:
    doc = read(text)
    errors = _FileErrors(doc, file)
    for problem in doc.problems:
        errors.at(problem.position, problem.message, *problem.notes)
    if doc.problems:
        return None, errors.items
    model = _validate(IndexPage, doc.data, (), errors)
    if model is None:
        return None, errors.items
    _check_markdown(errors, ("heading",), model.heading, inline_only=True)
    if model.intro:
        _check_markdown(errors, ("intro",), model.intro)
    return (None if errors.items else Landing(file, model)), errors.items


def load_source(text: str, file: str) -> tuple[Source | None, list[Diagnostic]]:
    """Load one derivation file; returns the source (None if invalid) and all diagnostics."""
    doc = read(text)
    errors = _FileErrors(doc, file)
    for problem in doc.problems:
        errors.at(problem.position, problem.message, *problem.notes)
    if doc.problems and doc.data is None:
        return None, errors.items
    slug = Path(file).stem
    if not SLUG.match(slug):
        errors.at(
            Position(1, 1), f"file name {slug!r} must be lowercase letters, digits and hyphens"
        )
    model = _validate_derivation(doc.data, errors)
    if model is None:
        return None, _sorted(errors.items)
    # Keep going after earlier errors: every problem of the file is reported in one run.
    source = _Resolver(model, errors, file, slug).resolve()
    return (source if not errors.items else None), _sorted(errors.items)


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.position.line, d.position.column))


def _validate_derivation(data: Any, errors: _FileErrors) -> Derivation | None:
    """Validate the model, item by item where that gives sharper messages.

    Items that fail are reported and left out, and invalid optional keys are dropped, so
    that the rest of the file is still resolved and checked (all errors in one run).
    """
    if not isinstance(data, dict):
        errors.path((), "a derivation file is a mapping with title, order, symbols and body")
        return None
    top = dict(data)
    body = data.get("body")
    if isinstance(body, list):
        blocks: list[BaseModel] = []
        for index, item in enumerate(body):
            kind = kind_of(item)
            if kind is None:
                _block_kind_error(item, ("body", index), errors)
                continue
            block = _validate(BLOCK_KINDS[kind], item, ("body", index), errors)
            if block is not None:
                blocks.append(block)
        if body and not blocks:
            # Every item failed and was reported; validate the rest against a stand-in.
            top["body"] = [ProseBlock(prose="(no valid items)")]
        else:
            top["body"] = blocks
    result = data.get("result")
    if isinstance(result, dict):
        top["result"] = _validate(EquationBlock, result, ("result",), errors)
    elif result is not None and not isinstance(result, str):
        errors.path(("result",), "result: expected TeX, or a mapping with equation and given")
        top.pop("result")
    return _validate_repairing(top, errors)


def _validate_repairing(top: dict[str, Any], errors: _FileErrors) -> Derivation | None:
    """Validate; on failure drop what failed where the model allows it, and try once more."""
    try:
        return Derivation.model_validate(top)
    except ValidationError as exc:
        failures = exc.errors(include_url=False)
    for error in failures:
        _report_validation(error, Derivation, (), errors)
    repaired = _drop_failures(top, failures)
    if repaired is None:
        return None
    errors.broken.update(repaired.pop(_BROKEN))
    try:
        return Derivation.model_validate(repaired)
    except ValidationError:
        return None


def _drop_failures(top: dict[str, Any], failures: list[Any]) -> dict[str, Any] | None:
    """A copy of ``top`` without what failed, or None if a required top-level key failed.

    An invalid optional key of a declaration falls back to its default; a declaration
    that cannot be kept is removed, and its name is remembered (``_BROKEN``) so its uses
    are not reported a second time as undeclared.
    """
    repaired = {k: (dict(v) if isinstance(v, dict) else v) for k, v in top.items()}
    broken: set[str] = set()
    for error in failures:
        loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
        if not loc:
            return None
        head = str(loc[0])
        field = Derivation.model_fields.get(head)
        if head in _DECLARATIONS and len(loc) >= 2:
            container = repaired.get(head)
            if not isinstance(container, dict) or loc[1] not in container:
                continue
            declaration = container[loc[1]]
            model = _DECLARATIONS[head]
            key = str(loc[2]) if len(loc) >= 3 else None
            optional = (
                key is not None
                and key in model.model_fields
                and not model.model_fields[key].is_required()
            )
            if isinstance(declaration, dict) and (optional or error["type"] == "extra_forbidden"):
                container[loc[1]] = {k: v for k, v in declaration.items() if k != key}
            else:
                container.pop(loc[1], None)
                broken.add(str(loc[1]))
        elif len(loc) == 1 and (
            error["type"] == "extra_forbidden" or (field and not field.is_required())
        ):
            repaired.pop(head, None)
        else:
            return None
    repaired[_BROKEN] = sorted(broken)
    return repaired


_BROKEN = "__broken_declarations__"
_DECLARATIONS: dict[str, type[BaseModel]] = {"symbols": SymbolDecl, "functions": FunctionDecl}


def _block_kind_error(item: Any, path: YPath, errors: _FileErrors) -> None:
    kinds = ", ".join(BLOCK_KINDS)
    if isinstance(item, dict):
        present = [k for k in BLOCK_KINDS if k in item]
        if len(present) > 1:
            errors.path(
                path, f"a body item has one kind, found {' and '.join(present)}; split it in two"
            )
            return
        guesses = [
            g for key in item for g in difflib.get_close_matches(str(key), BLOCK_KINDS, 1, 0.6)
        ]
        hint = f" (did you mean {guesses[0]!r}?)" if guesses else ""
        first_key = next(iter(item), None)
        where = (*path, first_key) if first_key is not None else path
        errors.path(
            where,
            f"a body item needs one of: {kinds}{hint}",
            "example:  - equation: a = b",
            key=True,
        )
        return
    errors.path(
        path, f"a body item is a mapping with one of: {kinds}", "example:  - prose: Some text."
    )


def _validate(model: type[Any], data: Any, path: YPath, errors: _FileErrors) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            _report_validation(error, model, path, errors)
        return None


_PATTERN_MESSAGES = {
    NAME_PATTERN: "a name is letters and digits starting with a letter, such as z, a2 or sigma",
    ANCHOR_PATTERN: "an id is lowercase letters, digits and hyphens, such as dl-da",
    PLAIN_TEXT_PATTERN: "<, > and & are not allowed in plain text (write 'and' for &)",
}


def _report_validation(error: Any, model: type[Any], path: YPath, errors: _FileErrors) -> None:
    loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
    full = (*path, *loc)
    if any(full[: len(bad)] == bad for bad in errors.doc.problem_paths):
        return  # the YAML reader already reported this value (an alias, a tag …)
    kind = error["type"]
    name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        fields = _fields_at(model, loc[:-1])
        close = difflib.get_close_matches(name, fields, 1, 0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        allowed = ", ".join(fields)
        errors.path(full, f"unknown key {name!r}{hint}", f"allowed keys here: {allowed}", key=True)
        return
    if kind == "missing":
        errors.path(full[:-1], f"missing required key {name!r}", *_example_for(model, loc))
        return
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
    errors.path(full, f"{name or 'value'}: {msg}", *_example_for(model, loc))


_UNION_TAGS = frozenset({"str", "int", "bool", *(m.__name__ for m in BLOCK_KINDS.values())})


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


# --- names, expressions, displays ---------------------------------------------------------------


class _Resolver:
    """Resolves one validated derivation: scope, expressions, displays and checks."""

    def __init__(self, model: Derivation, errors: _FileErrors, file: str, slug: str) -> None:
        self.model = model
        self.errors = errors
        self.file = file
        self.slug = slug
        self.anchors: dict[str, YPath] = {}
        self.counter = 0

    def resolve(self) -> Source | None:
        scope = self.scope()
        self.scope_ = scope
        functions = self.functions(scope)
        definitions = self.definitions(scope)
        self.function_bodies = dict(functions)
        self.definition_bodies = {name: body for name, _, _, body in definitions}
        context = {
            "symbols": [[n, d.domain, d.indexed] for n, d in sorted(self.model.symbols.items())],
            "functions": [
                [n, list(scope.functions[n].params), body.key()] for n, body in functions
            ],
            "definitions": [
                [n, list(params), list(index), body.key()] for n, params, index, body in definitions
            ],
            "size": self.model.size,
        }
        result = None
        stated = self.model.result
        if isinstance(stated, str):
            result = self.equation(("result",), stated, "result-equation", None, (), None)
        elif stated is not None:
            result = self.equation(
                ("result", "equation"),
                stated.equation,
                stated.id or "result-equation",
                stated.note,
                stated.given,
                stated.wrt,
            )
        blocks = [self.block(("body", k), item) for k, item in enumerate(self.model.body)]
        if self.model.summary:
            _check_markdown(self.errors, ("summary",), self.model.summary, inline_only=True)
        source = Source(self.file, self.slug, self.model, scope, context, blocks, result)
        source.artifacts = self.artifacts(source)
        source.artifacts_position = self.errors.doc.position(
            ("plot",) if self.model.plot else ("result",)
        )
        return source

    # plot and code --------------------------------------------------------------------------
    def artifacts(self, source: Source) -> dict[str, Any] | None:
        """The plot/code job of a page with a checked result and a loss; None otherwise."""
        spec = self.model.plot or PlotSpec()
        result = source.result
        if result is None or not result.checks:
            return None
        gradient = result.checks[-1].right
        loss = self.loss_for_plot(spec, source)
        if loss is None:
            return None
        x = spec.x or self.plot_variable(result)
        if x is None:
            if self.model.plot is not None:  # asked for a plot, so say what is missing
                self.errors.path(("plot",), "plot: give x, the variable of the horizontal axis")
            return None
        for where, names in (
            ("x", [x]),
            ("targets", [k for t in (spec.targets or []) for k in t]),
            ("fixed", list(spec.fixed)),
        ):
            for name in names:
                if not self.plot_name_declared(name):
                    self.errors.path(("plot", where), f"plot: {name!r} is not a declared symbol")
        activation_name = spec.activation or ("a" if "a" in self.definition_bodies else None)
        activation = self.definition_bodies.get(activation_name) if activation_name else None
        targets = spec.targets if spec.targets is not None else self.default_targets()
        return {
            "op": "artifacts",
            "x": x,
            "range": [_number(v) for v in spec.range],
            "loss": loss.key(),
            "gradient": gradient.key(),
            "activation": activation.key() if activation is not None else None,
            "targets": [{k: _number(v) for k, v in t.items()} for t in targets],
            "fixed": {k: _number(v) for k, v in spec.fixed.items()},
            "size": spec.size,
            "indices": dict(spec.indices),
            "code": spec.code and spec.size is None,
        }

    def loss_for_plot(self, spec: Any, source: Source) -> Node | None:
        if spec.loss is not None:
            display = next((d for d in source.displays if d.anchor == spec.loss), None)
            if display is None or not display.checks:
                self.errors.path(("plot", "loss"), f"plot: no checked display has id {spec.loss!r}")
                return None
            return display.checks[-1].right
        if "L" not in self.definition_bodies:
            return None
        return Node("sym", (), "L")

    def plot_name_declared(self, name: str) -> bool:
        """A declared symbol, or one component (z_2) of a declared indexed symbol."""
        base, _, component = name.partition("_")
        if not component:
            return name in self.scope_.symbols
        return self.scope_.is_indexed(base) and component.isdigit()

    def plot_variable(self, result: Display) -> str | None:
        wrt = result.checks[0].wrt
        if wrt is None:
            return None
        if wrt.op == "sym":
            return wrt.value
        return None

    def default_targets(self) -> list[dict[str, str]]:
        """Curves for typical targets: each value of a finite y, the ends of a bounded y, else 0 and 1."""
        info = self.scope_.symbols.get("y")
        if info is None or info.indexed:
            return [{}]
        domain = _domain_or_real(info.domain)
        if domain.values:
            return [{"y": str(v)} for v in domain.values[:4]]
        ends = [domain.low, domain.high]
        if all(math.isfinite(e) for e in ends):
            return [{"y": str(Fraction(e).limit_denominator())} for e in ends]
        return [{"y": "0"}, {"y": "1"}]

    # scope -------------------------------------------------------------------------------
    def scope(self) -> Scope:
        symbols: dict[str, SymbolInfo] = {}
        for name, decl in self.model.symbols.items():
            path: YPath = ("symbols", name)
            # On a bad declaration, report it and carry on with a stand-in, so that the
            # symbol's uses are still checked (and not reported as undeclared).
            try:
                domain = parse_domain(decl.domain)
            except SourceError as exc:
                notes = exc.notes or (f"examples: {DOMAIN_EXAMPLES}",)
                self.errors.path((*path, "domain"), exc.message, *notes)
                domain = parse_domain("real")
            tex = decl.tex or default_tex(name)
            if decl.tex is None and len(name) > 1 and name not in _greek():
                tex = "\\mathrm{" + name + "}"
            try:
                check_atomic_tex(tex)
            except SourceError as exc:
                self.errors.source((*path, "tex"), exc)
                tex = default_tex(name) if len(name) == 1 else "\\mathrm{" + name + "}"
            if domain.index and self.model.size is None:
                self.errors.path(
                    (*path, "domain"), "an index symbol needs the derivation's size (add size: N)"
                )
            if decl.indexed and self.model.size is None:
                self.errors.path(
                    (*path, "indexed"),
                    "an indexed symbol needs the derivation's size (add size: N)",
                )
            symbols[name] = SymbolInfo(name, tex, decl.domain, decl.indexed)
        if self.model.size is not None:
            size = self.model.size
            if size not in self.model.symbols:
                self.errors.path(("size",), f"size {size!r} is not a declared symbol")
            elif not _domain_or_real(self.model.symbols[size].domain).integer:
                self.errors.path(
                    ("symbols", size, "domain"), f"the size {size} must be a positive integer"
                )
        functions: dict[str, FunctionInfo] = {}
        for name, fdecl in self.model.functions.items():
            if name in symbols:
                self.errors.path(
                    ("functions", name),
                    f"{name!r} is declared both as a symbol and a function",
                    key=True,
                )
            for k, param in enumerate(fdecl.params):
                if param not in self.model.symbols:
                    self.errors.path(
                        ("functions", name, "params", k),
                        f"parameter {param!r} is not a declared symbol",
                    )
                    self.errors.broken.add(param)
            tex = fdecl.tex or default_tex(name)
            if fdecl.tex is None and len(name) > 1 and name not in _greek():
                tex = "\\operatorname{" + name + "}"
            try:
                check_atomic_tex(tex)
            except SourceError as exc:
                self.errors.source(("functions", name, "tex"), exc)
                tex = "\\operatorname{" + name + "}"
            functions[name] = FunctionInfo(name, tex, tuple(fdecl.params))
        dependents: dict[str, tuple[str, ...]] = {}
        for k, item in enumerate(self.model.body):
            if isinstance(item, DefineBlock):
                name = item.define
                if name in dependents:
                    self.errors.path(("body", k, "define"), f"{name!r} is defined twice")
                if name in symbols:
                    dependents[name] = tuple(item.params)
                elif name not in functions:
                    self.errors.path(
                        ("body", k, "define"),
                        f"{name!r} is not declared; add it under 'symbols:' (a dependent symbol) "
                        "or 'functions:'",
                    )
        tex_owner: dict[str, str] = {}
        spellings = [(n, i.tex) for n, i in symbols.items()] + [
            (n, f.tex) for n, f in functions.items()
        ]
        for name, tex in spellings:
            other = tex_owner.get(tex)
            if other is not None:
                self.errors.path(
                    ("symbols", name),
                    f"{name!r} and {other!r} are written the same way ({tex})",
                    key=True,
                )
            tex_owner[tex] = name
        return Scope(symbols, functions, dependents)

    def functions(self, scope: Scope) -> list[tuple[str, Node]]:
        out = []
        order = list(self.model.functions)
        for position, (name, decl) in enumerate(self.model.functions.items()):
            earlier = {n: scope.functions[n] for n in order[:position]}
            local = Scope(scope.symbols, earlier, scope.dependents)
            body = self.expression(("functions", name, "expr"), decl.expr, local)
            if body is not None and body.op in ("rel", "true"):
                self.errors.path(
                    ("functions", name, "expr"),
                    "a function's body is an expression, not a comparison",
                )
            elif body is not None:
                out.append((name, body))
        return out

    def definitions(self, scope: Scope) -> list[tuple[str, tuple[str, ...], tuple[str, ...], Node]]:
        out = []
        paths: dict[str, YPath] = {}
        for k, item in enumerate(self.model.body):
            if not isinstance(item, DefineBlock) or item.define not in scope.symbols:
                continue
            path: YPath = ("body", k)
            for j, param in enumerate(item.params):
                if param not in scope.symbols:
                    self.errors.path(
                        (*path, "params", j), f"parameter {param!r} is not a declared symbol"
                    )
            for j, idx in enumerate(item.index):
                info = scope.symbols.get(idx)
                if info is None or not parse_domain(info.domain).index:
                    self.errors.path(
                        (*path, "index", j), f"{idx!r} must be a symbol with domain: index"
                    )
            if item.index and not scope.is_indexed(item.define):
                self.errors.path(
                    (*path, "define"),
                    f"{item.define!r} has an index but is not declared indexed: true",
                )
            body = self.definition_body(path, item)
            if body is not None:
                out.append((item.define, tuple(item.params), tuple(item.index), body))
                paths[item.define] = path
        self.report_cycles({name: body for name, _, _, body in out}, paths)
        return out

    def report_cycles(self, bodies: dict[str, Node], paths: dict[str, YPath]) -> None:
        """Definitions that refer to each other in a circle cannot be expanded."""
        uses = {name: sorted(body.names() & bodies.keys()) for name, body in bodies.items()}
        state: dict[str, str] = {}

        def visit(name: str, trail: list[str]) -> None:
            state[name] = "open"
            for used in uses[name]:
                if state.get(used) == "open":
                    loop = [*trail[trail.index(used) :], used] if used in trail else [name, used]
                    self.errors.path(
                        (*paths[name], "define"),
                        "definitions refer to each other in a circle: " + " → ".join(loop),
                    )
                elif used not in state:
                    visit(used, [*trail, used])
            state[name] = "done"

        for name in sorted(bodies):
            if name not in state:
                visit(name, [name])

    def definition_body(self, path: YPath, item: Any) -> Node | None:
        if item.expr is not None:
            node = self.expression(
                (*path, "expr"), item.expr, self.scope_, bound=frozenset(item.index)
            )
            if node is not None and item.define in node.names():
                self.errors.path((*path, "expr"), f"{item.define} is defined in terms of itself")
                return None
            if node is not None and node.op in ("rel", "true"):
                self.errors.path((*path, "expr"), "a definition is an expression, not a comparison")
                return None
            return node
        chain = self.chain((*path, "tex"), item.tex, definition=item)
        return chain.rows[-1] if chain else None

    def expression(
        self, path: YPath, text: str, scope: Scope, bound: frozenset[str] = frozenset()
    ) -> Node | None:
        try:
            return parse_expression(text, scope, bound=bound)
        except SourceError as exc:
            self.errors.source(path, exc)
            return None

    def chain(self, path: YPath, tex: str, definition: Any = None) -> Chain | None:
        try:
            if definition is not None:
                params = (
                    tuple(definition.params)
                    if definition.define in self.scope_.symbols
                    else tuple(self.scope_.functions[definition.define].params)
                )
                return parse_definition(
                    tex, self.scope_, definition.define, params, tuple(definition.index)
                )
            return parse_chain(tex, self.scope_)
        except SourceError as exc:
            self.errors.source(path, exc)
            hint = "if this display cannot be checked, make it a notation item with a reason"
            if self.errors.items and not _is_lint_or_name_error(exc):
                last = self.errors.items[-1]
                self.errors.items[-1] = Diagnostic(
                    last.file, last.position, last.message, (*last.notes, hint)
                )
            return None

    def row_position(self, path: YPath, offset: int) -> Position:
        return self.errors.doc.offset_position(path, offset)

    # blocks ------------------------------------------------------------------------------
    def anchor(self, path: YPath, given: str | None, prefix: str) -> str:
        self.counter += 1
        anchor = given or f"{prefix}-{self.counter}"
        if anchor in self.anchors:
            self.errors.path((*path, "id"), f"id {anchor!r} is used twice")
        self.anchors[anchor] = path
        return anchor

    def block(self, path: YPath, item: Any) -> Block:
        kind = type(item).__name__.removesuffix("Block").lower()
        if kind == "prose":
            _check_markdown(self.errors, (*path, "prose"), item.prose)
            return Block("prose", item.prose)
        if kind == "step":
            _check_markdown(self.errors, (*path, "step"), item.step, inline_only=True)
            return Block("step", item.step, self.anchor(path, item.id, "step"))
        if getattr(item, "note", None):
            _check_markdown(self.errors, (*path, "note"), item.note)
        if kind == "define":
            return Block("display", display=self.define(path, item))
        if kind == "equation":
            display = self.equation(
                (*path, "equation"), item.equation, item.id, item.note, item.given, item.wrt
            )
            return Block("display", display=display)
        if kind == "notation":
            try:
                lint(item.notation)
            except SourceError as exc:
                self.errors.source((*path, "notation"), exc)
            anchor = self.anchor(path, item.id, "eq")
            display = Display(
                "notation", item.notation, self.row_position((*path, "notation"), 0), anchor
            )
            display.reason, display.note = item.reason, item.note
            return Block("display", display=display)
        # mistake
        _check_markdown(self.errors, (*path, "explanation"), item.explanation)
        display = self.equation(
            (*path, "mistake"), item.mistake, item.id, None, item.given, None, expect="false"
        )
        display.explanation = item.explanation
        return Block("display", display=display)

    def define(self, path: YPath, item: Any) -> Display:
        anchor = self.anchor(path, item.id, "def")
        if item.define not in self.scope_.symbols and item.define not in self.scope_.functions:
            return Display("definition", item.tex, self.row_position((*path, "tex"), 0), anchor)
        tex_path = (*path, "tex")
        display = Display(
            "definition", item.tex, self.row_position(tex_path, 0), anchor, note=item.note
        )
        chain = self.chain(tex_path, item.tex, definition=item)
        if chain is None:
            return display
        head: Node | None = None
        if item.define in self.scope_.functions:
            if item.expr is not None:
                self.errors.path(
                    (*path, "expr"),
                    f"{item.define} is a function: its body is given under functions:, not here",
                )
            body = self.function_bodies.get(item.define)
            params = self.scope_.functions[item.define].params
            head = Node("call", tuple(Node("sym", (), p) for p in params), item.define)
        else:
            body = self.definition_bodies.get(item.define)
        if body is None:
            return display
        rows = list(zip(chain.rows, chain.offsets, strict=True))
        if item.expr is None and head is None:
            rows = rows[:-1]  # the last row *is* the definition
        for number, (row, offset) in enumerate(rows, 1):
            reference = head if head is not None else body
            display.checks.append(
                CheckSpec(
                    reference,
                    row,
                    self.row_position(tex_path, offset),
                    f"row {number} = definition",
                    claim=_row_text(item.tex, chain, number - 1)
                    + f"  (the definition of {item.define})",
                )
            )
        return display

    def equation(
        self,
        path: YPath,
        tex: str,
        given_id: str | None,
        note: str | None,
        given: Sequence[str],
        wrt: str | None,
        expect: str = "true",
    ) -> Display:
        anchor = self.anchor(path if path == ("result",) else path[:-1], given_id, "eq")
        display = Display("chain", tex, self.row_position(path, 0), anchor, note=note)
        display.givens_tex = tuple(given)
        chain = self.chain(path, tex)
        givens = self.givens((*path[:-1], "given"), given)
        if chain is None or givens is None:
            return display
        if len(chain.rows) < 2:
            self.errors.source(
                path,
                SourceError("a checked display needs '=': write it as A = B, or make it notation"),
            )
            return display
        if expect == "false" and len(chain.rows) != 2:
            self.errors.source(
                path, SourceError("a mistake is one false equation A = B", chain.offsets[-1])
            )
            return display
        hold = self.wrt(path, chain, wrt)
        display.kind = _display_kind(chain.rows, expect)
        display.rows_tex = tuple(_row_text(tex, chain, k) for k in range(len(chain.rows)))
        for number, (left, right, offset) in enumerate(
            zip(chain.rows, chain.rows[1:], chain.offsets[1:], strict=False), 1
        ):
            mode = "antiderivative" if _indefinite(left) or _indefinite(right) else "equal"
            display.checks.append(
                CheckSpec(
                    left,
                    right,
                    self.row_position(path, offset),
                    f"row {number + 1} = row {number}",
                    _row_text(tex, chain, number - 1) + " = " + _row_text(tex, chain, number),
                    hold,
                    mode,
                    expect,
                    tuple(givens),
                )
            )
        return display

    def wrt(self, path: YPath, chain: Chain, wrt: str | None) -> Node | None:
        if wrt is not None:
            if wrt not in self.scope_.symbols:
                self.errors.path((*path[:-1], "wrt"), f"wrt {wrt!r} is not a declared symbol")
            return Node("sym", (), wrt)
        first = chain.rows[0]
        return first.args[1] if first.op == "deriv" else None

    def givens(self, path: YPath, given: Sequence[str]) -> list[tuple[Node, Node]] | None:
        out = []
        for k, tex in enumerate(given):
            chain = self.chain((*path, k), tex)
            if chain is None:
                return None
            if len(chain.rows) != 2:
                self.errors.path((*path, k), "a given is one equation A = B")
                return None
            out.append((chain.rows[0], chain.rows[1]))
        return out


def _number(text: str) -> list[int]:
    """A plot number as [numerator, denominator]: the worker builds an exact Rational from it."""
    value = Fraction(text)
    return [value.numerator, value.denominator]


def _is_lint_or_name_error(error: SourceError) -> bool:
    """Errors that marking a display as notation would not fix."""
    return any(
        w in error.message
        for w in ("macro", "undeclared", "not allowed", "never closed", "unmatched")
    )


def _domain_or_real(text: str) -> Any:
    try:
        return parse_domain(text)
    except SourceError:
        return parse_domain("real")


def _row_text(tex: str, chain: Chain, number: int) -> str:
    """The TeX of row ``number`` (0-based) of a parsed display."""
    start = chain.offsets[number]
    end = chain.offsets[number + 1] if number + 1 < len(chain.offsets) else len(tex)
    text = tex[start:end].strip()
    if number + 1 < len(chain.offsets):
        text = text.removesuffix("=").strip()
    return " ".join(text.split())


def _display_kind(rows: Iterable[Node], expect: str) -> str:
    rows = list(rows)
    if expect == "false":
        return "expected-false"
    if rows[0].op == "deriv":
        return "derivative"
    if any(_indefinite(r) for r in rows):
        return "antiderivative"
    if any(n.op in ("sum", "integral", "det") for r in rows for n in r.walk()):
        return "identity"
    return "chain"


def _indefinite(node: Node) -> bool:
    return node.op == "integral" and len(node.args) == 2


def _check_markdown(errors: _FileErrors, path: YPath, text: str, inline_only: bool = False) -> None:
    for problem in check_prose(text, inline_only=inline_only):
        errors.at(errors.doc.offset_position(path, problem.offset), problem.message)


def _greek() -> set[str]:
    from ..core.scope import GREEK

    return set(GREEK)
