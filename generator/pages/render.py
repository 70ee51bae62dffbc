"""Checked content + Jinja2 templates → Markdown pages (in memory).

Templates live in the repository's ``templates/`` folder. The environment
autoescapes, so any plain text from a source (a title, a symbol's description, a
counterexample) is HTML-escaped wherever a template puts it; author Markdown
(prose, notes) and TeX have already passed the allow-lists in
:mod:`generator.source.prose` and :mod:`generator.parse.texlex` and are marked safe explicitly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from ..core.texvocab import RENDERED_AS_ALIGNED, UNWRAPPED
from ..core.verdicts import LABELS, Counterexample, Verdict
from ..pipeline.checked import Checked
from ..source.load import Content, Display, Source
from ..source.model import SymbolDecl
from .page import INDEX_PAGE, Page, Repository
from .plaintext import markdown_to_text
from .readable import readable

__all__ = [
    "INDEX_PAGE",
    "Page",
    "Repository",
    "derivation_page",
    "environment",
    "landing_page",
    "page_outlines",
    "page_path",
    "render_pages",
]

_MARKERS = {
    "proven": ("✓", "checked by SymPy: proven"),
    "numeric": ("≈", "sampled, not proven: both sides agree at every point tried"),
    "refuted": ("✗", "a mistake, refuted by SymPy"),
    "definition": ("≔", "definition"),
    "notation": ("∼", "notation: not checked"),
}


def environment(templates_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = _trusted_markdown
    env.filters["tex"] = _trusted_tex
    env.filters["tex_html"] = _tex_in_html
    env.filters["plain"] = plain_markdown_text
    env.filters["yaml"] = yaml_string
    env.filters["plain_text"] = markdown_to_text
    env.filters["plain_md"] = lambda text: plain_markdown_text(markdown_to_text(text))
    env.filters["attr"] = attribute_text
    return env


def _tex_in_html(text: str) -> Markup:
    """TeX placed directly in HTML (not through arithmatex): escaped; the browser decodes it."""
    return escape(" ".join(text.split()))


def yaml_string(text: str) -> Markup:
    """A YAML (JSON-compatible) double-quoted scalar for front matter."""
    return Markup(json.dumps(text, ensure_ascii=False))


def _trusted_markdown(text: str | None) -> Markup:
    """Author Markdown that passed :func:`generator.source.prose.check_prose` at load time."""
    return Markup(text or "")


def _trusted_tex(text: str) -> Markup:
    """TeX that passed :func:`generator.parse.texlex.lint`; arithmatex escapes it into the page.
    An ``align`` is drawn as ``aligned`` and an ``equation`` unwrapped: the page's display
    math is already the equation."""
    return Markup(" ".join(_ENVIRONMENT.sub(_inside_display_math, text).split()))


_ENVIRONMENT = re.compile(r"\\(begin|end)\{(align\*?|equation\*?)\}")


def _inside_display_math(match: re.Match[str]) -> str:
    name = match.group(2)
    if name in UNWRAPPED:
        return " "
    return f"\\{match.group(1)}{{{RENDERED_AS_ALIGNED[name]}}}"


# Characters that start Markdown (or arithmatex) syntax inside a line. Parentheses are left
# alone on purpose: a backslash before "(" would open inline math.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|<>~$])")


def plain_markdown_text(text: str | None) -> Markup:
    """Plain text safe inside Markdown: HTML-escaped and Markdown syntax backslash-escaped."""
    escaped = str(escape(text or ""))
    return Markup(_MD_SPECIAL.sub(r"\\\1", escaped))


_ATTRIBUTE_ENTITIES = str.maketrans({ch: f"&#{ord(ch)};" for ch in "&<>\"'[]()!*_`\\{}$|~#"})


def attribute_text(text: str | None) -> Markup:
    """Text for an HTML attribute inside a Markdown-processed block.

    Besides the usual HTML escaping, Markdown punctuation becomes character references,
    so no Markdown syntax inside an attribute (a link, an image) can ever be rendered.
    """
    return Markup((text or "").translate(_ATTRIBUTE_ENTITIES))


def render_pages(
    checked: Checked, templates_dir: Path, repository: Repository | None = None
) -> list[Page]:
    """Every page of the site: the landing page, then one per derivation in order."""
    env = environment(templates_dir)
    pages = [landing_page(checked, env, repository)]
    for source in checked.content.sources:
        pages.append(derivation_page(source, checked, env))
    return pages


def page_outlines(content: Content) -> list[Page]:
    """The pages :func:`render_pages` will return, in its order, before any is rendered: their
    paths, titles and sections (all the navigation needs), with no Markdown yet."""
    landing = content.landing
    outlines = [
        Page(INDEX_PAGE, _landing_title(content), "", source=landing.path if landing else None)
    ]
    for source in content.sources:
        outlines.append(
            Page(page_path(source), source.model.title, "", source.model.section, source.path)
        )
    return outlines


def page_path(source: Source) -> str:
    return f"{source.slug}.md"


def _landing_title(content: Content) -> str:
    return content.landing.model.title if content.landing else "Derivations"


def landing_page(checked: Checked, env: Environment, repository: Repository | None) -> Page:
    """The landing page: every derivation with its status (so it needs every verdict)."""
    landing = checked.content.landing
    title = _landing_title(checked.content)
    heading = landing.model.heading if landing else title
    intro = landing.model.intro if landing else None
    entries = [
        {
            "title": source.model.title,
            "link": page_path(source),
            "summary": source.model.summary,
            "section": source.model.section,
            "status": _page_status(source, checked),
            "activation": source.model.activation,
            "loss": source.model.loss,
            "gradient": source.result.rows_tex[-1]
            if source.result and source.result.rows_tex
            else None,
            "gradient_of": source.result.rows_tex[0]
            if source.result and source.result.rows_tex
            else None,
        }
        for source in checked.content.sources
    ]
    markdown = env.get_template("index.md.j2").render(
        title=title, heading=heading, intro=intro, entries=entries, repository=repository
    )
    return Page(INDEX_PAGE, title, markdown, source=landing.path if landing else None)


def derivation_page(source: Source, checked: Checked, env: Environment) -> Page:
    """One derivation's page (it reads only that source's verdicts from ``checked``)."""
    views = {d.anchor: _display_view(source, d, checked) for d in source.displays}
    blocks = []
    for block in source.blocks:
        blocks.append(
            {
                "kind": block.kind,
                "text": block.text,
                "anchor": block.anchor,
                "display": views[block.display.anchor] if block.display else None,
            }
        )
    model = source.model
    symbols = [
        {
            "name": name,
            "tex": source.scope.symbols[name].tex,
            "domain": _domain_text(decl),
            "description": decl.description,
        }
        for name, decl in model.symbols.items()
    ]
    shaped = any(decl.shape for decl in model.symbols.values())
    drawn = checked.drawings.get(source.path)
    plot = code = None
    if drawn is not None:
        # Inline SVG written by generator/checker/svgplot.py from numbers and escaped labels only.
        plot = {"svg": Markup(drawn.svg), "alt": drawn.alt} if drawn.svg else None
        if drawn.code:
            code = {
                "text": Markup(drawn.code),
                "verification": drawn.verification,
                "float64": drawn.float64,
            }
    markdown = env.get_template("derivation.md.j2").render(
        plot=plot,
        code=code,
        title=model.title,
        summary=model.summary,
        activation=model.activation,
        loss=model.loss,
        result=views[source.result.anchor] if source.result else None,
        blocks=blocks,
        symbols=symbols,
        layout=LAYOUTS[model.layout] if shaped else None,
        counts=_counts(source, checked),
        source_path=source.path,
    )
    return Page(page_path(source), model.title, markdown, model.section, source.path)


def _counterexample_text(
    display: Display, counterexample: Counterexample | None, source: Source
) -> str | None:
    if counterexample is None:
        return None
    shown = readable(counterexample, source.scope)
    if display.shapes is None:
        return shown.describe()
    # A mistake of shapes was refuted as "a dimension of one side = the other's".
    where = ", ".join(f"{k} = {v}" for k, v in shown.point.items())
    left, right = display.shapes
    return f"at {where} the two sides have different shapes: the left side is {left}, the right side {right}"


LAYOUTS = {
    "denominator": (
        "denominator layout: a derivative by a matrix or a vector has its shape "
        "($\\frac{\\partial L}{\\partial W}$ is shaped like $W$, "
        "$\\frac{\\partial L}{\\partial x}$ is a column)"
    ),
    "numerator": (
        "numerator layout: a derivative by a matrix or a vector has its transpose's shape "
        "($\\frac{\\partial L}{\\partial W}$ is shaped like $W^\\top$, "
        "$\\frac{\\partial L}{\\partial x}$ is a row)"
    ),
}
"""How a page with vectors and matrices states its derivative convention."""


def _domain_text(decl: SymbolDecl) -> str:
    """``real, m × n`` for a matrix, ``index, 1…m`` for an index with its own range."""
    if decl.shape:
        return f"{decl.domain}, {' × '.join(decl.shape)}"
    if decl.upto:
        return f"{decl.domain}, 1…{decl.upto}"
    return decl.domain


def _display_view(source: Source, display: Display, checked: Checked) -> dict[str, Any]:
    status = checked.status(source, display)
    verdicts = checked.verdicts_of(source, display)
    symbol, label = _MARKERS.get(status, ("!", LABELS.get(status, status)))
    title = label
    details = _details(display, verdicts)
    if status == "notation":
        title = f"notation, not checked: {display.reason}"
    elif status == "definition":
        title = "definition (nothing to prove)"
    elif details:
        title = f"{label} — {details}"
    counterexample = next((v.counterexample for v in verdicts if v.counterexample), None)
    return {
        "kind": display.kind,
        "tex": display.tex,
        "anchor": display.anchor,
        "status": status,
        "marker": symbol,
        "title": title,
        "label": LABELS.get(status, status),
        "reason": display.reason,
        "note": display.note,
        "explanation": display.explanation,
        "givens": display.givens_tex,
        "counterexample": _counterexample_text(display, counterexample, source),
        "method": _method_summary(verdicts),
        "per_size": next(
            (v.method for v in verdicts if v.method.startswith("for each size")), None
        ),
        "numeric_note": next((v.detail for v in verdicts if v.status == "numeric"), ""),
        # A proof that excludes a kink or a convention's point says so under the display.
        "excluded": next(
            (v.detail.partition("; ")[2] for v in verdicts if "; except where " in v.detail), ""
        ),
    }


def _details(display: Display, verdicts: list[Verdict]) -> str:
    parts = []
    for spec, verdict in zip(display.checks, verdicts, strict=False):
        parts.append(
            f"{spec.label}: {LABELS.get(verdict.status, verdict.status)} by {verdict.method}"
        )
    return "; ".join(parts)


def _method_summary(verdicts: Iterable[Verdict]) -> str:
    methods = sorted({v.method for v in verdicts})
    return ", ".join(methods)


def _counts(source: Source, checked: Checked) -> dict[str, int]:
    counts = {
        "equations": 0,
        "proven": 0,
        "numeric": 0,
        "refuted": 0,
        "definition": 0,
        "notation": 0,
    }
    for display in source.displays:
        counts["equations"] += 1
        status = checked.status(source, display)
        if status == "definition" or display.kind == "definition":
            counts["definition"] += 1
        elif status in counts:
            counts[status] += 1
    return counts


def _page_status(source: Source, checked: Checked) -> str:
    counts = _counts(source, checked)
    parts = [f"{counts['proven']} proven"]
    if counts["numeric"]:
        parts.append(f"{counts['numeric']} sampled (≈)")
    if counts["refuted"]:
        parts.append(f"{counts['refuted']} mistakes refuted")
    if counts["notation"]:
        parts.append(f"{counts['notation']} notation")
    return ", ".join(parts)
