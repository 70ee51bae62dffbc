"""A generated page: the one type the plugin, the page cache and the renderer share."""

from __future__ import annotations

from dataclasses import dataclass

INDEX_PAGE = "index.md"
"""The landing page's path."""


def reading_order(pages: list[Page]) -> list[Page]:
    """The order in which MkDocs is given the pages: the derivations as the workers check
    them, then the landing page, which shows every page's status (so waits for every check).
    The navigation keeps its own order."""
    return [p for p in pages if p.path != INDEX_PAGE] + [p for p in pages if p.path == INDEX_PAGE]


@dataclass(frozen=True, slots=True)
class Page:
    """A generated Markdown page and where it goes in the site."""

    path: str
    """Path relative to the docs root, such as ``sigmoid-logistic.md``."""
    title: str
    markdown: str
    section: str | None = None
    source: str | None = None
    """The file it is generated from, relative to the project root: its "edit" link."""


@dataclass(frozen=True, slots=True)
class Repository:
    """Where the landing page sends contributors: the repository and its CONTRIBUTING.md."""

    url: str
    contributing: str
