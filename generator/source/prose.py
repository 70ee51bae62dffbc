"""Validate the Markdown an author writes (prose, step titles, notes) before it reaches a page.

Prose is Markdown with inline math. It may not carry raw HTML, links to anything
but http(s), mailto, relative paths and anchors, or math that fails the TeX
allow-list. markdown-it-py (with the dollarmath plugin) finds each construct and
its line; link validation is turned *off* in markdown-it so that every link is
seen and judged here: Python-Markdown, which renders the page, does not refuse
``javascript:`` links itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

from ..core.errors import SourceError
from ..parse.texlex import lint

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


@dataclass(frozen=True, slots=True)
class ProseProblem:
    offset: int
    message: str


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False})
    # Read math exactly as pymdownx.arithmatex (smart_dollar) will when the page is built:
    # "$x$" is math, "$ x $" and an inline "$$x$$" are not. If the two disagreed, text the
    # page renders as Markdown would be checked here only as TeX.
    md.use(dollarmath_plugin, allow_space=False, allow_digits=True, double_inline=False)
    md.validateLink = _accept_every_link  # type: ignore[method-assign]  # judged here instead
    return md


def _accept_every_link(url: str) -> bool:
    return True


def check_prose(text: str, *, inline_only: bool = False) -> list[ProseProblem]:
    """Every problem in ``text``, each at a character offset of ``text``."""
    problems: list[ProseProblem] = []
    if inline_only:
        blank = re.search(r"\n[ \t]*\n", text)
        if blank:
            problems.append(
                ProseProblem(
                    blank.start() + 1, "a blank line is not allowed here: write one paragraph"
                )
            )
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    try:
        tokens = _parser().parse(text)
    except RecursionError:
        return [ProseProblem(0, "the text nests too deeply to read")]
    for token in tokens:
        base = starts[token.map[0]] if token.map else 0
        problems.extend(_check_token(token, text, base, inline_only))
    for offset in _stray_dollars(text)[:1]:
        problems.append(
            ProseProblem(
                offset,
                "a $ that does not open or close math: write $x$ (no space inside), or \\$ for a dollar sign",
            )
        )
    for match in _ENTITY.finditer(text):
        problems.append(
            ProseProblem(
                match.start(),
                "character references such as &lt; are not allowed; type the character",
            )
        )
    return problems


def _check_token(token: Token, text: str, base: int, inline_only: bool) -> list[ProseProblem]:
    out: list[ProseProblem] = []
    if token.type == "html_block":
        out.append(ProseProblem(base, "raw HTML is not allowed in prose; write Markdown"))
    if inline_only and token.type in ("heading_open", "fence", "code_block", "hr", "table_open"):
        out.append(ProseProblem(base, "only inline Markdown is allowed here"))
    if token.type in ("math_block", "math_block_label"):
        out.extend(_math(token.content, text, base))
    for child in token.children or []:
        if child.type == "html_inline":
            out.append(
                ProseProblem(
                    _find(text, child.content, base),
                    "raw HTML is not allowed in prose; write Markdown",
                )
            )
        elif child.type in ("link_open", "image"):
            attr = "href" if child.type == "link_open" else "src"
            url = str(child.attrGet(attr) or "")
            if not _safe_url(url):
                out.append(
                    ProseProblem(
                        _find(text, url, base),
                        f"link target {url[:60]!r} is not allowed; use http(s), mailto, a relative path or #anchor",
                    )
                )
        elif child.type in ("math_inline", "math_inline_double"):
            out.extend(_math(child.content, text, base))
    return out


def _math(tex: str, text: str, base: int) -> list[ProseProblem]:
    try:
        lint(tex)
    except SourceError as exc:
        return [ProseProblem(_find(text, tex, base) + exc.offset, exc.message)]
    return []


def _find(text: str, fragment: str, base: int) -> int:
    at = text.find(fragment, base) if fragment else -1
    return at if at >= 0 else base


_ENTITY = re.compile(r"&[#A-Za-z]")
# What pymdownx.arithmatex (generic, smart_dollar) takes for math: "$…$" without inner
# spaces at the ends, and "$$" blocks on lines of their own. Code spans are not math.
_INLINE_MATH = re.compile(r"(?<!\\)(?:\\\\)*\$(?!\s)(?:\\.|[^\\$])+?(?<!\s)\$")
_BLOCK_MATH = re.compile(r"^[ \t]*\$\$[ \t]*\n.*?\n[ \t]*\$\$[ \t]*$", re.M | re.S)
_CODE = re.compile(r"`+[^`]*`+")


def _stray_dollars(text: str) -> list[int]:
    """Offsets of unescaped $ signs that are part of no math: the page would show them raw."""
    masked = text
    for pattern in (_CODE, _BLOCK_MATH, _INLINE_MATH):
        masked = pattern.sub(lambda m: " " * len(m.group()), masked)
    return [m.start() for m in re.finditer(r"(?<!\\)\$", masked)]


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def _safe_url(url: str) -> bool:
    cleaned = "".join(ch for ch in url if ch.isprintable() and not ch.isspace())
    if not _SCHEME.match(cleaned):
        return not cleaned.startswith("//")  # relative path or #anchor, not protocol-relative
    return urlsplit(cleaned).scheme.lower() in SAFE_SCHEMES
