"""Source files → validated derivations, with every problem at its ``file:line:col``.

Loading never imports SymPy. One file goes through these stages, each reporting into the
file's :class:`FileDiagnostics`; a file keeps going after an error, so every problem of a
file is reported in one run:

1. :func:`generator.source.yamlread.read`: strict YAML, with a position for every value;
2. :mod:`.repair`: the typed model (:mod:`.model`), repaired around invalid items;
3. :mod:`.declarations`: the scope, function and definition bodies, the declarations;
4. :mod:`.displays`: the result and the body, each display with its planned checks;
5. :mod:`.plotplan`: the page's plot and code job.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..core.errors import Diagnostic, Position
from .declarations import Resolved, build_declarations
from .diagnostics import FileDiagnostics, sorted_by_position
from .displays import DisplayPlanner, check_markdown
from .model import Derivation, IndexPage
from .plotplan import plan_plot, plot_position
from .repair import validate, validate_derivation
from .sourcecache import SourceCache, source_key
from .types import Block, CheckSpec, Content, Display, Landing, Source
from .yamlread import read

__all__ = [
    "INDEX_FILE",
    "SLUG",
    "Block",
    "CheckSpec",
    "Content",
    "Display",
    "Landing",
    "Source",
    "load_content",
    "load_landing",
    "load_source",
]

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
INDEX_FILE = "index.yaml"


def load_content(content_dir: Path, root: Path, cache_dir: Path | None = None) -> Content:
    """Load every ``*.yaml`` in ``content_dir`` (sorted by ``order``, then file name).

    With ``cache_dir``, files unchanged since they last loaded cleanly are read back from
    the source cache (:mod:`generator.source.sourcecache`) instead of being parsed again.
    """
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
            source, diags = _load_cached(cache, text, rel)
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


def _load_cached(
    cache: SourceCache, text: str, file: str
) -> tuple[Source | None, list[Diagnostic]]:
    """:func:`load_source`, or the cached result of a file that last loaded without a diagnostic."""
    key = source_key(file, text)
    source = cache.get(key)
    if source is not None:
        return source, []
    source, diags = load_source(text, file)
    if source is not None and not diags:
        cache.put(key, source)
    return source, diags


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


def load_landing(text: str, file: str) -> tuple[Landing | None, list[Diagnostic]]:
    doc = read(text)
    diags = FileDiagnostics(doc, file)
    for problem in doc.problems:
        diags.at(problem.position, problem.message, *problem.notes)
    if doc.problems:
        return None, diags.items
    model = validate(IndexPage, doc.data, (), diags)
    if model is None:
        return None, diags.items
    check_markdown(diags, ("heading",), model.heading, inline_only=True)
    if model.intro:
        check_markdown(diags, ("intro",), model.intro)
    return (None if diags.items else Landing(file, model)), diags.items


def load_source(text: str, file: str) -> tuple[Source | None, list[Diagnostic]]:
    """Load one derivation file; returns the source (None if invalid) and all diagnostics."""
    doc = read(text)
    diags = FileDiagnostics(doc, file)
    for problem in doc.problems:
        diags.at(problem.position, problem.message, *problem.notes)
    if doc.problems and doc.data is None:
        return None, diags.items
    slug = Path(file).stem
    if not SLUG.match(slug):
        diags.at(
            Position(1, 1), f"file name {slug!r} must be lowercase letters, digits and hyphens"
        )
    model = validate_derivation(doc.data, diags)
    if model is None:
        return None, sorted_by_position(diags.items)
    # Keep going after earlier errors: every problem of the file is reported in one run.
    resolved = build_declarations(model, diags)
    planner = DisplayPlanner(resolved, diags)
    result = planner.result(model)  # first: anchors are numbered in this order
    blocks = planner.body(model)
    if model.summary:
        check_markdown(diags, ("summary",), model.summary, inline_only=True)
    source = Source(file, slug, model, resolved.scope, resolved.context, blocks, result)
    source.artifacts = plan_plot(model, resolved, source, diags)
    source.artifacts_position = plot_position(model, diags)
    source.range_checks = _range_checks(model, resolved, diags)
    return (source if not diags.items else None), sorted_by_position(diags.items)


def _range_checks(
    model: Derivation, resolved: Resolved, diags: FileDiagnostics
) -> dict[str, Position]:
    """Every defined symbol declared narrower than the reals: a = σ(z) in (0, 1) is a claim."""
    out = {}
    for name in sorted(resolved.definition_bodies):
        declared = model.symbols.get(name)
        if declared is not None and declared.domain.strip() != "real":
            out[name] = diags.doc.position(("symbols", name))
    return out
