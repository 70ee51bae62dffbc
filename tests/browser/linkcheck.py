"""Internal links: every ``a[href]`` that points into the site answers HTTP 200, and its
``#fragment``, if any, names an element id (or ``<a name>``) of the page it points to."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from html.parser import HTMLParser
from urllib.parse import unquote


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value and (key == "id" or (tag == "a" and key == "name")):
                self.ids.add(value)


def fetch(url: str) -> tuple[int, set[str]]:
    """HTTP status of ``url`` and, for HTML, the ids it defines."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # our own server only
            body = response.read()
            kind = response.headers.get_content_type()
            status = response.status
    except urllib.error.HTTPError as error:
        return error.code, set()
    if kind != "text/html":
        return status, set()
    parser = _Ids()
    parser.feed(body.decode("utf-8", errors="replace"))
    return status, parser.ids


def broken_links(
    links: Mapping[str, Sequence[str]], inside: str, real: Callable[[str], str]
) -> tuple[int, list[str]]:
    """(links checked, broken ones) among ``links`` (page → absolute hrefs on it) whose
    URL starts with ``inside``; ``real`` maps such a URL to where the server answers it."""
    fetched: dict[str, tuple[int, set[str]]] = {}
    broken = []
    checked = 0
    for page, hrefs in links.items():
        for href in sorted(set(hrefs)):
            if not href.startswith(inside):
                continue  # another site: a link, never a request
            target, _, fragment = href.partition("#")
            if target not in fetched:
                fetched[target] = fetch(real(target))
            status, ids = fetched[target]
            checked += 1
            if status != 200:
                broken.append(f"{page}: {href} → HTTP {status}")
            elif fragment and unquote(fragment) not in ids:
                broken.append(f"{page}: {href} → no id {unquote(fragment)!r} on {target}")
    return checked, broken
