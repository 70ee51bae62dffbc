"""Last line of defence: the HTML rendered from a page's Markdown must be inert.

Sources are validated when loaded (no raw HTML, safe links, allow-listed TeX), and
templates escape what they insert. This check runs on every rendered page anyway
(MkDocs' ``on_page_content``), so a gap anywhere in that chain fails the build instead
of shipping.

It is an allow-list: every element and attribute must be one the generated pages use
(:data:`ALLOWED_TAGS`, :data:`GLOBAL_ATTRIBUTES`, :data:`SVG_PRESENTATION`), and the
values of the few that can point somewhere or style something are checked too. Anything
else is reported by name, with the reason when it is a known danger. A deny-list cannot
work here: browsers keep adding ways to run script (SVG animation rewriting an ``href``,
MathML switching the parser's namespace, raw-text elements hiding markup from a scanner).

The scanner must never see *less* markup than a browser would. So it reads with no
raw-text mode (the text of ``<style>`` or ``<textarea>`` is scanned as markup), rejects
what browsers and Python's parser end in different places (odd comments, ``<![CDATA[``,
declarations, unfinished tags), and allows no markup at all inside ``<title>``, the one
allowed element a browser may read as raw text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser

# --- the allow-lists ---------------------------------------------------------------------------

GLOBAL_ATTRIBUTES = frozenset(
    {"class", "id", "title", "role", "aria-label", "aria-hidden", "data-search-exclude"}
)
"""Allowed on every allowed element."""

SVG_PRESENTATION = frozenset(
    {
        "fill",
        "stroke",
        "stroke-width",
        "stroke-opacity",
        "text-anchor",
        "font-family",
        "font-size",
        "transform",
    }
)
"""Allowed on every SVG element but ``<title>`` (the plots of ``checker/svgplot.py``)."""

HTML_TAGS: dict[str, frozenset[str]] = {
    # what the templates and Python-Markdown (tables, toc, admonition, md_in_html,
    # pymdownx highlight and arithmatex) write
    **dict.fromkeys(["bdi", "code", "div", "em", "h1", "h2", "li", "ol", "p"], frozenset()),
    **dict.fromkeys(["pre", "span", "strong", "table", "thead", "tbody", "tr", "ul"], frozenset()),
    # what Markdown the loader accepts in prose renders to, unused today
    **dict.fromkeys(["blockquote", "br", "hr", "h3", "h4", "h5", "h6"], frozenset()),
    "a": frozenset({"href"}),
    "figure": frozenset({"data-tex"}),
    "img": frozenset({"src", "alt"}),  # ![alt](src) in prose
    "td": frozenset({"style"}),  # a Markdown table column's alignment
    "th": frozenset({"style"}),
}
"""HTML elements, each with the attributes it may carry besides :data:`GLOBAL_ATTRIBUTES`.
Besides what the pages use today, it holds what Markdown the loader accepts in prose
renders to (blockquote, br, hr, h3–h6, img, aligned table cells), so that a valid source
cannot fail the build here."""

SVG_TAGS: dict[str, frozenset[str]] = {
    "svg": SVG_PRESENTATION | {"xmlns", "viewbox", "width", "height"},
    "g": SVG_PRESENTATION,
    "line": SVG_PRESENTATION | {"x1", "y1", "x2", "y2"},
    "path": SVG_PRESENTATION | {"d"},
    "rect": SVG_PRESENTATION | {"x", "y", "width", "height"},
    "text": SVG_PRESENTATION | {"x", "y"},
    "title": frozenset(),
}
"""SVG elements (see :data:`HTML_TAGS`). HTML lower-cases names: ``viewBox`` is ``viewbox``."""

ALLOWED_TAGS: dict[str, frozenset[str]] = {
    tag: attributes | GLOBAL_ATTRIBUTES for tag, attributes in (HTML_TAGS | SVG_TAGS).items()
}

RAW_TEXT_TAGS = frozenset(
    {
        "title",
        "textarea",
        "style",
        "script",
        "xmp",
        "iframe",
        "noembed",
        "noframes",
        "noscript",
        "plaintext",
    }
)
"""Elements whose content a browser may read as text up to their end tag (in HTML) or as
markup (inside ``<svg>``, or with scripting off). No markup may appear inside them, so
both readings agree."""

URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "xlink:href",
        "action",
        "formaction",
        "poster",
        "background",
        "cite",
        "data",
        "codebase",
        "longdesc",
        "lowsrc",
        "dynsrc",
        "ping",
        "manifest",
        "icon",
        "usemap",
        "profile",
        "archive",
        "classid",
    }
)
"""Attributes whose value is a URL; where one is allowed, its value must be a
:data:`SAFE_SCHEMES` URL, a relative path or a ``#fragment``."""

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
STYLE_PROPERTIES: dict[str, frozenset[str]] = {
    "text-align": frozenset({"left", "right", "center", "justify", "start", "end"})
}
"""The only CSS an inline ``style`` may hold (what Markdown writes for table alignment)."""

SVG_NAMESPACE = "http://www.w3.org/2000/svg"

# --- why not -----------------------------------------------------------------------------------

_RUNS_SCRIPT = "runs script"
_LOADS = "loads another document, plugin or resource"
_TAG_REASONS: dict[str, str] = {
    "script": _RUNS_SCRIPT,
    **dict.fromkeys(
        ["iframe", "frame", "frameset", "object", "embed", "applet", "portal", "fencedframe"],
        _LOADS,
    ),
    **dict.fromkeys(
        ["audio", "video", "source", "track", "picture", "image", "feimage", "use"], _LOADS
    ),
    "link": "loads a stylesheet, an import or a prefetch",
    "style": "brings in CSS (it can load URLs and restyle the page)",
    "base": "changes where every relative link points",
    "meta": "can redirect the page or change its security policy",
    **dict.fromkeys(
        [
            "form",
            "input",
            "button",
            "select",
            "option",
            "textarea",
            "isindex",
            "keygen",
            "fieldset",
        ],
        "a form control submits data, takes focus or fires events",
    ),
    **dict.fromkeys(
        ["animate", "set", "animatetransform", "animatemotion", "animatecolor", "discard"],
        "SVG animation rewrites other elements' attributes (an href to javascript:)",
    ),
    "foreignobject": "embeds HTML inside SVG, a classic mutation-XSS switch",
    "template": "holds markup that scripts copy into the page",
    "math": "MathML switches the parser's namespace (mutation XSS)",
    **dict.fromkeys(
        ["xmp", "noembed", "noframes", "noscript", "plaintext"],
        "a raw-text element hides markup from scanners but not from browsers",
    ),
    "slot": "shadow-DOM plumbing",
}
_ATTRIBUTE_REASONS: dict[str, str] = {
    **dict.fromkeys(URL_ATTRIBUTES, "it loads or links to a URL"),
    "srcset": "it loads URLs",
    "srcdoc": "it holds a whole HTML document",
    **dict.fromkeys(
        ["attributename", "values", "to", "from", "by", "begin"],
        "SVG animation sets another attribute from it",
    ),
    "style": "inline CSS can load URLs and restyle the page",
    "http-equiv": "it can redirect the page",
    "name": "named elements clobber script variables",
    "target": "a new window gets a handle on this page",
    "is": "it turns the element into a custom element",
    "formaction": "it submits a form elsewhere",
    "autofocus": "it fires focus events without a click",
}


_MATHML = frozenset(
    [
        "maction",
        "annotation",
        "annotation-xml",
        "menclose",
        "merror",
        "mfenced",
        "mfrac",
        "mglyph",
        "mi",
        "mlabeledtr",
        "malignmark",
        "mmultiscripts",
        "mn",
        "mo",
        "mover",
        "mpadded",
        "mphantom",
        "mprescripts",
        "mroot",
        "mrow",
        "ms",
        "mspace",
        "msqrt",
        "mstyle",
        "msub",
        "msubsup",
        "msup",
        "mtable",
        "mtd",
        "mtext",
        "mtr",
        "munder",
        "munderover",
        "semantics",
    ]
)


def _not_allowed_tag(tag: str) -> str:
    reason = _TAG_REASONS.get(tag) or (_TAG_REASONS["math"] if tag in _MATHML else None)
    if reason:
        return f"<{tag}> is not allowed: {reason}"
    return (
        f"<{tag}> is not on the allow-list (ALLOWED_TAGS in generator/pages/htmlcheck.py); "
        "add it there only if it can neither run script nor load anything"
    )


def _not_allowed_attribute(tag: str, name: str) -> str:
    if name.startswith("on"):
        return f"{name}= on <{tag}> is not allowed: an event handler runs script"
    if name.startswith("xmlns"):
        return f"{name}= on <{tag}> is not allowed: it declares a namespace"
    reason = _ATTRIBUTE_REASONS.get(name)
    if reason:
        return f"{name}= on <{tag}> is not allowed: {reason}"
    return (
        f"{name}= on <{tag}> is not on the allow-list (ALLOWED_TAGS in "
        "generator/pages/htmlcheck.py); add it there only if it is inert"
    )


# --- values ------------------------------------------------------------------------------------

_SCHEME = re.compile(r"([^/?#:]*):")
_ID = re.compile(r"[\w-]+", re.ASCII)
_SVG_VALUE = re.compile(r"[-\w\s.,#%+']*")
_TRANSFORM = re.compile(
    r"\s*(?:(?:matrix|translate|scale|rotate|skewX|skewY)\s*\([-\d\s.,eE+]*\)[\s,]*)*"
)
_SVG_VALUES = frozenset(
    name for names in SVG_TAGS.values() for name in names if name not in ("xmlns", "transform")
)
_CSS_DANGER = re.compile(r"url\s*\(|expression\s*\(|@import|\\|behavior|binding|javascript:", re.I)


def url_problem(url: str) -> str | None:
    """Why ``url`` (an attribute value, character references decoded) may not be used."""
    # Browsers drop tabs and newlines anywhere in a URL and blanks or control characters
    # around it; drop every invisible character so "jav\tascript:" cannot hide a scheme.
    cleaned = "".join(ch for ch in url if ch.isprintable() and not ch.isspace()).lower()
    if cleaned.startswith(("//", "\\", "/\\")):
        return "a protocol-relative URL: write https:// or a relative path"
    scheme = _SCHEME.match(cleaned)
    if scheme and scheme.group(1) not in SAFE_SCHEMES:
        return f"scheme {scheme.group(1)[:20]!r}: only http, https, mailto, relative or #fragment"
    return None


def style_problem(style: str) -> str | None:
    """Why an inline ``style`` may not be used: only :data:`STYLE_PROPERTIES` are."""
    if _CSS_DANGER.search(style):
        return "url(), expression(), @import, escapes and bindings can load or run code"
    for declaration in style.split(";"):
        if not declaration.strip():
            continue
        name, colon, value = declaration.partition(":")
        allowed = STYLE_PROPERTIES.get(name.strip().lower())
        if not colon or allowed is None or value.strip().lower() not in allowed:
            return f"{declaration.strip()[:40]!r}: only {', '.join(STYLE_PROPERTIES)} is allowed"
    return None


def _value_problem(name: str, value: str) -> str | None:
    if name in URL_ATTRIBUTES:
        return url_problem(value)
    if name == "style":
        return style_problem(value)
    if name == "id":
        return None if _ID.fullmatch(value) else "ids are letters, digits, _ and -"
    if name == "xmlns":
        return None if value == SVG_NAMESPACE else f"only {SVG_NAMESPACE}"
    if name == "aria-hidden":
        return None if value in ("true", "false") else "true or false"
    if name == "role":
        return None if value.isalpha() else "one ARIA role"
    if name == "transform":
        return None if _TRANSFORM.fullmatch(value) else "a list of SVG transform functions"
    if name in _SVG_VALUES:
        return None if _SVG_VALUE.fullmatch(value) else "numbers, colours or keywords"
    return None  # text: class, title, aria-label, alt, data-tex, data-search-exclude


def _element_problems(tag: str, attrs: Iterable[tuple[str, str | None]]) -> list[str]:
    allowed = ALLOWED_TAGS.get(tag)
    if allowed is None:
        problems = [_not_allowed_tag(tag)]
        allowed = frozenset()  # still name its dangerous attributes
    else:
        problems = []
    for name, raw in attrs:
        value = raw or ""
        if name not in allowed:
            if tag in ALLOWED_TAGS or name.startswith("on") or name in _ATTRIBUTE_REASONS:
                problems.append(_not_allowed_attribute(tag, name))
            continue
        problem = _value_problem(name, value)
        if problem:
            problems.append(f"{name}={value[:40]!r} on <{tag}>: {problem}")
    return problems


# --- the fast path: the strict form every generated page is written in ------------------------

_SPACE = "[ \t\n\r\f]"
_TOKEN = re.compile(
    rf"(?P<text>[^<]+)"
    rf"|</(?P<end>[a-zA-Z][a-zA-Z0-9-]*){_SPACE}*>"
    rf'|<(?P<start>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>(?:{_SPACE}+[a-zA-Z][a-zA-Z0-9:_.-]*(?:="[^"]*")?)*)'
    rf"{_SPACE}*/?>"
)
_ATTRIBUTE = re.compile(rf'{_SPACE}+([a-zA-Z][a-zA-Z0-9:_.-]*)(?:="([^"]*)")?')


@lru_cache(maxsize=8192)
def _strict_tag(tag: str, attributes: str) -> tuple[str, ...]:
    attrs = [
        (name.lower(), unescape(value) if "&" in value else value)
        for name, value in _ATTRIBUTE.findall(attributes)
    ]
    return tuple(_element_problems(tag, attrs))


def _strict_scan(html: str) -> list[str] | None:
    """The problems of ``html`` if it is written in the strict form the generator emits:
    text without ``<``, and tags whose attribute values are all double-quoted. In that
    form every browser splits the page into the same tags and attributes this does.
    ``None`` when it is not: the full scan decides."""
    problems: list[str] = []
    raw_text: str | None = None
    match = _TOKEN.match
    position, length = 0, len(html)
    while position < length:
        token = match(html, position)
        if token is None:
            return None
        position = token.end()
        start = token.group("start")
        if start is not None:
            tag = start.lower()
            if raw_text is not None:
                problems.append(_markup_in_raw_text(raw_text))
            problems.extend(_strict_tag(tag, token.group("attrs")))
            if tag in RAW_TEXT_TAGS:
                raw_text = tag
            continue
        end = token.group("end")
        if end is not None and raw_text is not None:
            if end.lower() == raw_text:
                raw_text = None
            else:
                problems.append(_markup_in_raw_text(raw_text))
    if raw_text is not None:
        problems.append(_unclosed_raw_text(raw_text))
    return problems


def _markup_in_raw_text(tag: str) -> str:
    return (
        f"markup inside <{tag}>: a browser may read it as text up to </{tag}> or as markup, "
        "so nothing but text may go there"
    )


def _unclosed_raw_text(tag: str) -> str:
    return f"<{tag}> is not closed: the rest of the page would be read as its text"


# --- the full scan -----------------------------------------------------------------------------

_MARKUP_IN_TEXT = re.compile(r"<[a-zA-Z!/?]")
_PLAIN_COMMENT = re.compile(r"(?!-|>)(?:[^<>-]|-(?!-))*(?<!-)")
"""A comment every parser ends at the same ``-->``: no ``<`` ``>`` ``--``, no leading ``-``
or ``>``, no trailing ``-`` (``<!-->``, ``--!>`` and ``<!--->`` end early in browsers)."""


class _Scanner(HTMLParser):
    """Every start tag, comment and declaration, with no raw-text mode: the text of
    ``<style>``, ``<textarea>`` … is scanned as markup, so nothing hides in it."""

    def __init__(self, report: Callable[[str], None]) -> None:
        super().__init__(convert_charrefs=False)  # text keeps its "<" where markup failed
        self.report = report
        self.raw_text: str | None = None

    def set_cdata_mode(self, *args: object, **kwargs: object) -> None:
        """Never: newer Pythons also read title/textarea/xmp … as raw text."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.raw_text is not None:
            self.report(_markup_in_raw_text(self.raw_text))
        text = self.get_starttag_text() or ""
        if not text.endswith(">"):
            self.report(f"a malformed <{tag}> tag: {text[:40]!r}")
        for problem in _element_problems(tag, attrs):
            self.report(problem)
        if tag in RAW_TEXT_TAGS:
            self.raw_text = tag

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if self.raw_text is not None:
            if tag == self.raw_text:
                self.raw_text = None
            else:
                self.report(_markup_in_raw_text(self.raw_text))

    def handle_data(self, data: str) -> None:
        found = _MARKUP_IN_TEXT.search(data)
        if found:
            snippet = data[found.start() : found.start() + 40]
            self.report(f"markup a browser may read but this scan cannot: {snippet!r}")

    def handle_comment(self, data: str) -> None:
        if self.raw_text is not None:
            self.report(_markup_in_raw_text(self.raw_text))
        if not _PLAIN_COMMENT.fullmatch(data):
            self.report(
                f"comment <!--{data[:40]}-->: browsers may end it elsewhere; "
                "write it without <, > and --"
            )

    def handle_decl(self, decl: str) -> None:
        self.report(f"declaration <!{decl[:40]}> is not allowed in a page's content")

    def unknown_decl(self, data: str) -> None:
        self.report(
            f"<![{data[:40]}: CDATA and marked sections end at ]]> in SVG but at the first > "
            "in HTML"
        )

    def handle_pi(self, data: str) -> None:
        self.report(f"processing instruction <?{data[:40]}> is not allowed")


def _full_scan(html: str) -> list[str]:
    problems: dict[str, None] = {}
    report = problems.setdefault
    scanner = _Scanner(lambda problem: report(problem, None))
    scanner.feed(html)
    if "<" in scanner.rawdata:
        # The page ends inside a tag, a comment or a declaration: in the site it would
        # swallow the theme's markup that follows, which this scan never sees.
        report(f"unfinished markup at the end: {scanner.rawdata[:40]!r}", None)
    scanner.close()
    if scanner.raw_text is not None:
        report(_unclosed_raw_text(scanner.raw_text), None)
    return list(problems)


def unsafe_html(html: str) -> list[str]:
    """Every element, attribute or construct in ``html`` that is not known to be inert,
    each named with the reason (an empty list: the page may ship)."""
    if "\x00" in html:
        return ["a NUL character: browsers and this scan read the markup around it differently"]
    strict = _strict_scan(html)
    if strict is None:
        return _full_scan(html)
    return list(dict.fromkeys(strict))
