"""Last line of defence: the HTML rendered from a page's Markdown must be inert.

Sources are validated when loaded (no raw HTML, safe links, allow-listed TeX), and
templates escape what they insert. This check runs on every rendered page anyway
(MkDocs' ``on_page_content``), so a gap anywhere in that chain fails the build instead
of shipping: no script-capable elements, no event-handler attributes, no URLs with a
scheme that can run code or smuggle a document.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

FORBIDDEN_TAGS = frozenset(
    {
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "form",
        "base",
        "meta",
        "link",
        "style",
    }
)
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "poster", "xlink:href", "background", "cite"}
)
UNSAFE_SCHEMES = frozenset({"javascript", "data", "vbscript", "file"})


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name}= attribute on <{tag}>")
            elif name in URL_ATTRIBUTES and value and _unsafe_url(value):
                self.problems.append(f"{name}={value[:40]!r} on <{tag}>")
            elif (
                name == "srcset"
                and value
                and any(_unsafe_url(part.strip()) for part in value.split(","))
            ):
                self.problems.append(f"srcset with an unsafe URL on <{tag}>")
            elif (
                name == "style"
                and value
                and ("url(" in value.lower() or "expression(" in value.lower())
            ):
                self.problems.append(f"style with url() on <{tag}>")

    handle_startendtag = handle_starttag


def _unsafe_url(url: str) -> bool:
    cleaned = "".join(ch for ch in url if ch.isprintable() and not ch.isspace()).lower()
    scheme = urlsplit(cleaned).scheme if ":" in cleaned.split("/")[0] else ""
    return scheme in UNSAFE_SCHEMES


# Everything the scanner can object to needs one of these, once character references are
# decoded and whitespace (which browsers ignore inside a URL scheme) is removed. A page with
# none of them is skipped: the full parse is the expensive part of a warm build.
_SUSPECT_MARKUP = re.compile(
    r"<\s*(?:script|iframe|frame|object|embed|applet|form|base|meta|link|style)"
    r"|[\s/\"']on[a-z]|srcset|url\s*\(|expression\s*\("
)
_SUSPECT_SCHEME = re.compile(r"javascript:|vbscript:|data:|file:")
_INVISIBLE = re.compile(r"[\s\x00-\x1f]+")


def unsafe_html(html: str) -> list[str]:
    """Every construct in ``html`` that could run code or load a foreign document."""
    text = unescape(html).lower()
    if not _SUSPECT_MARKUP.search(text) and not _SUSPECT_SCHEME.search(_INVISIBLE.sub("", text)):
        return []
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.problems
