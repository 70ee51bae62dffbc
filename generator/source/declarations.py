"""A validated derivation's names → its scope, function and definition bodies, declarations.

:func:`build_declarations` returns everything later stages read about the names of a file
(:class:`Resolved`); :func:`read_expression` and :func:`read_display` parse one text of the
file and report its errors where they are.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..core.domains import EXAMPLES as DOMAIN_EXAMPLES
from ..core.domains import Domain, parse_domain
from ..core.errors import Reason, SourceError
from ..core.jobs import (
    Declarations,
    DeclaredDefinition,
    DeclaredFunction,
    DeclaredSymbol,
    encode_declarations,
)
from ..core.mathast import Node
from ..core.scope import GREEK, FunctionInfo, Scope, SymbolInfo, default_tex
from ..parse.atoms import check_atomic_tex
from ..parse.expr import parse_expression
from ..parse.tex import Chain, parse_chain, parse_definition
from ..parse.tex.elements import ShapeMismatch
from .diagnostics import FileDiagnostics
from .model import DefineBlock, Derivation
from .yamlread import Path as YPath

NOTATION_HINT = "if this display cannot be checked, make it a notation item with a reason"
Definition = tuple[str, tuple[str, ...], tuple[str, ...], Node]
"""A dependent symbol's definition: name, parameters, indices, body."""


@dataclass(frozen=True)
class Resolved:
    """The names of one derivation, resolved: what displays and the plot are planned from."""

    scope: Scope
    function_bodies: dict[str, Node]
    definition_bodies: dict[str, Node]
    """The body of each dependent symbol (``a`` → σ(z)), where it could be read."""
    context: dict[str, Any]
    """The declarations as plain data, as the checker receives them (``Source.context``)."""


def build_declarations(model: Derivation, diags: FileDiagnostics) -> Resolved:
    scope = build_scope(model, diags)
    functions = _function_bodies(model, scope, diags)
    definitions = _definitions(model, scope, diags)
    declared = Declarations(
        tuple(
            DeclaredSymbol(n, d.domain, d.indexed, tuple(d.shape or ()), d.upto)
            for n, d in sorted(model.symbols.items())
        ),
        tuple(DeclaredFunction(n, scope.functions[n].params, body) for n, body in functions),
        tuple(
            DeclaredDefinition(n, tuple(params), tuple(index), body)
            for n, params, index, body in definitions
        ),
        model.size,
    )
    context = encode_declarations(declared)  # the wire form, written by core.jobs only
    return Resolved(
        scope,
        dict(functions),
        {name: body for name, _, _, body in definitions},
        context,
    )


# --- scope ---------------------------------------------------------------------------------


def build_scope(model: Derivation, diags: FileDiagnostics) -> Scope:
    symbols = {name: _symbol(model, name, diags) for name in model.symbols}
    _check_size(model, diags)
    _check_dimensions(model, diags)
    functions = {name: _function(model, name, symbols, diags) for name in model.functions}
    dependents = _dependents(model, symbols, functions, diags)
    _check_spellings(symbols, functions, diags)
    return Scope(symbols, functions, dependents, model.size, model.layout)


def _symbol(model: Derivation, name: str, diags: FileDiagnostics) -> SymbolInfo:
    decl = model.symbols[name]
    path: YPath = ("symbols", name)
    # On a bad declaration, report it and carry on with a stand-in, so that the
    # symbol's uses are still checked (and not reported as undeclared).
    try:
        domain = parse_domain(decl.domain)
    except SourceError as exc:
        notes = exc.notes or (f"examples: {DOMAIN_EXAMPLES}",)
        diags.path((*path, "domain"), exc.message, *notes)
        domain = parse_domain("real")
    tex = decl.tex or default_tex(name)
    if decl.tex is None and len(name) > 1 and name not in GREEK:
        tex = "\\mathrm{" + name + "}"
    try:
        check_atomic_tex(tex)
    except SourceError as exc:
        diags.source((*path, "tex"), exc)
        tex = default_tex(name) if len(name) == 1 else "\\mathrm{" + name + "}"
    if tex == "e":
        spelled = decl.tex is not None
        diags.path(
            (*path, "tex") if spelled else path,
            "e is Euler's number in the formulas (e^{x}); a symbol written e would change "
            "what every e^{…} on this page means, and readers would still take it for the "
            "exponential",
            "name it differently (r for a residual, err, \\varepsilon), or give it "
            "another spelling with tex:",
            key=not spelled,
        )
    if domain.index and model.size is None and decl.upto is None:
        diags.path(
            (*path, "domain"),
            "an index symbol needs the derivation's size (add size: N) or its own range (upto: m)",
        )
    if decl.upto is not None and not domain.index:
        diags.path((*path, "upto"), f"upto is for index symbols; {name} is not one")
    if decl.indexed and model.size is None:
        diags.path(
            (*path, "indexed"), "an indexed symbol needs the derivation's size (add size: N)"
        )
    shape = tuple(decl.shape or ())
    return SymbolInfo(name, tex, decl.domain, decl.indexed, shape, decl.upto)


def _check_size(model: Derivation, diags: FileDiagnostics) -> None:
    size = model.size
    if size is None:
        return
    if size not in model.symbols:
        diags.path(("size",), f"size {size!r} is not a declared symbol")
    elif not domain_or_real(model.symbols[size].domain).integer:
        diags.path(("symbols", size, "domain"), f"the size {size} must be a positive integer")


def _check_dimensions(model: Derivation, diags: FileDiagnostics) -> None:
    """Every dimension a shape or an index's range names is a declared positive integer."""
    for name, decl in model.symbols.items():
        named: list[tuple[tuple[str | int, ...], str]] = [
            (("shape", j), dim) for j, dim in enumerate(decl.shape or ())
        ]
        if decl.upto is not None:
            named.append((("upto",), decl.upto))
        for tail, dim in named:
            target = model.symbols.get(dim)
            if target is None:
                diags.path(
                    ("symbols", name, *tail),
                    f"the dimension {dim!r} is not a declared symbol",
                    f"declare it: {dim}: {{domain: positive integer}}",
                )
            elif not domain_or_real(target.domain).integer or target.shape:
                diags.path(
                    ("symbols", name, *tail), f"the dimension {dim} must be a positive integer"
                )
        if decl.shape and domain_or_real(decl.domain).index:
            diags.path(("symbols", name, "shape"), f"{name} is an index: it has no shape")
        if decl.shape and decl.indexed:
            diags.path(
                ("symbols", name, "indexed"),
                f"{name} has a shape, which already makes it indexed: drop indexed: true",
            )


def _function(
    model: Derivation, name: str, symbols: dict[str, SymbolInfo], diags: FileDiagnostics
) -> FunctionInfo:
    decl = model.functions[name]
    if name in symbols:
        diags.path(
            ("functions", name), f"{name!r} is declared both as a symbol and a function", key=True
        )
    for k, param in enumerate(decl.params):
        if param in decl.params[:k]:
            # f(x, 0) with params [z, z] would silently take its last argument.
            diags.path(("functions", name, "params", k), f"parameter {param!r} is listed twice")
        elif param not in model.symbols:
            diags.path(
                ("functions", name, "params", k),
                f"parameter {param!r} is not a declared symbol",
                about=param,
            )
            diags.suppress_uses_of([param])  # reported here; its uses are not errors again
    tex = decl.tex or default_tex(name)
    if decl.tex is None and len(name) > 1 and name not in GREEK:
        tex = "\\operatorname{" + name + "}"
    try:
        check_atomic_tex(tex)
    except SourceError as exc:
        diags.source(("functions", name, "tex"), exc)
        tex = "\\operatorname{" + name + "}"
    return FunctionInfo(name, tex, tuple(decl.params))


def _dependents(
    model: Derivation,
    symbols: dict[str, SymbolInfo],
    functions: dict[str, FunctionInfo],
    diags: FileDiagnostics,
) -> dict[str, tuple[str, ...]]:
    """Symbols with a definition in the body, and that definition's parameters."""
    dependents: dict[str, tuple[str, ...]] = {}
    for k, item in enumerate(model.body):
        if not isinstance(item, DefineBlock):
            continue
        name = item.define
        if name in dependents:
            diags.path(("body", k, "define"), f"{name!r} is defined twice")
        if name in symbols:
            dependents[name] = tuple(item.params)
        elif name not in functions:
            diags.path(
                ("body", k, "define"),
                f"{name!r} is not declared; add it under 'symbols:' (a dependent symbol) "
                "or 'functions:'",
            )
    return dependents


def _check_spellings(
    symbols: dict[str, SymbolInfo], functions: dict[str, FunctionInfo], diags: FileDiagnostics
) -> None:
    """Two names written the same way could not be told apart in a display."""
    owner: dict[str, str] = {}
    spellings = [(n, i.tex) for n, i in symbols.items()] + [
        (n, f.tex) for n, f in functions.items()
    ]
    for name, tex in spellings:
        other = owner.get(tex)
        if other is not None:
            diags.path(
                ("symbols", name),
                f"{name!r} and {other!r} are written the same way ({tex})",
                key=True,
            )
        owner[tex] = name


def domain_or_real(text: str) -> Domain:
    try:
        return parse_domain(text)
    except SourceError:
        return parse_domain("real")


# --- bodies --------------------------------------------------------------------------------


def _function_bodies(
    model: Derivation, scope: Scope, diags: FileDiagnostics
) -> list[tuple[str, Node]]:
    out = []
    order = list(model.functions)
    for position, (name, decl) in enumerate(model.functions.items()):
        # A function's body may call only the functions declared before it (no recursion).
        earlier = {n: scope.functions[n] for n in order[:position]}
        local = replace(scope, functions=earlier)
        body = read_expression(diags, ("functions", name, "expr"), decl.expr, local)
        if body is not None and body.op in ("rel", "true"):
            diags.path(
                ("functions", name, "expr"), "a function's body is an expression, not a comparison"
            )
        elif body is not None:
            out.append((name, body))
    return out


def _definitions(model: Derivation, scope: Scope, diags: FileDiagnostics) -> list[Definition]:
    out: list[Definition] = []
    paths: dict[str, YPath] = {}
    for k, item in enumerate(model.body):
        if not isinstance(item, DefineBlock) or item.define not in scope.symbols:
            continue
        path: YPath = ("body", k)
        _check_definition_head(path, item, scope, diags)
        body = _definition_body(path, item, scope, diags)
        if body is not None:
            out.append((item.define, tuple(item.params), tuple(item.index), body))
            paths[item.define] = path
    _report_cycles({name: body for name, _, _, body in out}, paths, diags)
    return out


def _check_definition_head(
    path: YPath, item: DefineBlock, scope: Scope, diags: FileDiagnostics
) -> None:
    for j, param in enumerate(item.params):
        if param in item.params[:j]:
            diags.path((*path, "params", j), f"parameter {param!r} is listed twice")
        elif param not in scope.symbols:
            diags.path(
                (*path, "params", j),
                f"parameter {param!r} is not a declared symbol",
                about=param,
            )
    for j, idx in enumerate(item.index):
        info = scope.symbols.get(idx)
        if info is None or not parse_domain(info.domain).index:
            diags.path((*path, "index", j), f"{idx!r} must be a symbol with domain: index")
    if item.index and not scope.is_indexed(item.define):
        diags.path(
            (*path, "define"), f"{item.define!r} has an index but is not declared indexed: true"
        )
    shape = scope.shape_of(item.define)
    if shape and len(item.index) != len(shape):
        diags.path(
            (*path, "define"),
            f"{item.define} is {' × '.join(shape)}: its definition needs "
            f"{len(shape)} index symbol(s), such as index: [{', '.join('ij'[: len(shape)])}]",
        )


def _definition_body(
    path: YPath, item: DefineBlock, scope: Scope, diags: FileDiagnostics
) -> Node | None:
    """The ``expr`` of a definition, or else the last row of its displayed ``tex``."""
    if item.expr is not None:
        node = read_expression(
            diags, (*path, "expr"), item.expr, scope, bound=frozenset(item.index)
        )
        if node is not None and item.define in node.names():
            diags.path((*path, "expr"), f"{item.define} is defined in terms of itself")
            return None
        if node is not None and node.op in ("rel", "true"):
            diags.path((*path, "expr"), "a definition is an expression, not a comparison")
            return None
        return node
    chain = read_display(diags, scope, (*path, "tex"), item.tex, definition=item)
    return chain.rows[-1] if chain else None


def _report_cycles(
    bodies: dict[str, Node], paths: dict[str, YPath], diags: FileDiagnostics
) -> None:
    """Definitions that refer to each other in a circle cannot be expanded."""
    uses = {name: sorted(body.names() & bodies.keys()) for name, body in bodies.items()}
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for used in uses[name]:
            if state.get(used) == "open":
                loop = [*trail[trail.index(used) :], used] if used in trail else [name, used]
                diags.path(
                    (*paths[name], "define"),
                    "definitions refer to each other in a circle: " + " → ".join(loop),
                )
            elif used not in state:
                visit(used, [*trail, used])
        state[name] = "done"

    for name in sorted(bodies):
        if name not in state:
            visit(name, [name])


# --- reading one text ----------------------------------------------------------------------


def read_expression(
    diags: FileDiagnostics,
    path: YPath,
    text: str,
    scope: Scope,
    bound: frozenset[str] = frozenset(),
) -> Node | None:
    """The tree of the expression at ``path``, or None after reporting why not."""
    try:
        return parse_expression(text, scope, bound=bound)
    except SourceError as exc:
        diags.source(path, exc)
        return None


def read_display(
    diags: FileDiagnostics,
    scope: Scope,
    path: YPath,
    tex: str,
    definition: DefineBlock | None = None,
    shapes_may_differ: bool = False,
    avoid: frozenset[str] = frozenset(),
) -> Chain | None:
    """The rows of the displayed TeX at ``path`` (a definition's, with its head), or None.
    With ``shapes_may_differ`` (a mistake), sides of different shapes are not an error but the
    claim that their dimensions are equal, which the checker refutes (m = n fails at m ≠ n)."""
    try:
        if definition is None:
            return parse_chain(tex, scope, avoid)
        name = definition.define
        params = (
            tuple(definition.params)
            if name in scope.symbols
            else tuple(scope.functions[name].params)
        )
        return parse_definition(tex, scope, name, params, tuple(definition.index))
    except ShapeMismatch as exc:
        if shapes_may_differ:
            return Chain(exc.dimension_claim(), (0, exc.offset), shapes=exc.shape_texts())
        diags.source(path, exc)
        return None
    except SourceError as exc:
        diags.source(path, exc, *_notation_hint(exc))
        return None


def _notation_hint(error: SourceError) -> tuple[str, ...]:
    """Suggest notation, unless the error is one that notation would not fix."""
    if error.reason in (Reason.UNDECLARED, Reason.REFUSED, Reason.SHAPE):
        return ()
    return (NOTATION_HINT,)
