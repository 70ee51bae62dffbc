"""The last good build's pages, so a build in which nothing changed skips loading and rendering.

A warm build used to load every source, read every verdict, render every page through Jinja
and scan every page's HTML, only to produce the same pages again. The key hashes everything
the pages are made from: every file of ``content/`` and ``templates/``, the check settings,
the repository links, the package's code and SymPy's version. When it matches, the stored
pages are handed to MkDocs as they are, and nothing from ``source``, ``pipeline`` or
``parse`` is imported.

The HTML safety scan is skipped the same way, page by page: a page whose rendered HTML has
the digest of one that passed the scan in the stored build passed it already. Any other HTML
is scanned. The store is one JSON file per project in the cache folder (outside the repository, like the
verdicts), written only after a build was published; a file that cannot be read or has
another key is ignored. The folder is trusted as the verdict cache is: only this machine's
own builds write it (CI restores one that only builds of main saved), so a pull request can
never plant pages or digests in it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ..core.codeversion import code_version
from ..core.settings import Options
from .page import Page, Repository

FORMAT = 2


@dataclass
class StoredBuild:
    """What a build in which nothing changed reuses."""

    pages: list[Page]
    summary: str
    """The line the build logs about its checks (all of them cached, by construction)."""
    safe_html: set[str] = field(default_factory=set)
    """Digests of rendered HTML that passed the safety scan."""
    search_index: tuple[str, str] = ("", "")
    """The digest of the search index MkDocs wrote, and that index with math as text."""


def build_key(options: Options, repository: Repository | None) -> str:
    """A digest of everything the generated pages depend on."""
    digest = hashlib.sha256()
    parts = [
        f"format {FORMAT}",
        code_version(),
        version("sympy"),
        repr(options.settings),
        repr(repository),
    ]
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    for folder in (options.content_dir, options.templates_dir):
        _hash_folder(digest, folder)
    return digest.hexdigest()


def _hash_folder(digest: Any, folder: Path) -> None:
    if not folder.is_dir():
        digest.update(b"missing\0")
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")


def html_digest(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()


def store_path(cache_dir: Path, root: Path) -> Path:
    """One file per project: clones and projects share the cache folder, not their pages."""
    project = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return cache_dir / f"pages-{project}.json"


def load(options: Options, key: str) -> StoredBuild | None:
    """The stored build for ``key``, or None (no file, another key, or unreadable)."""
    if options.cache_dir is None:
        return None
    try:
        path = store_path(options.cache_dir, options.root)
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        digest, index = data["search_index"]
        return StoredBuild(
            [Page(**page) for page in data["pages"]],
            str(data["summary"]),
            {str(h) for h in data["safe_html"]},
            (str(digest), str(index)),
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def save(options: Options, key: str, build: StoredBuild) -> None:
    """Store ``build`` under ``key``, replacing the project's previous one atomically."""
    if options.cache_dir is None:
        return
    data = {
        "key": key,
        "pages": [asdict(page) for page in build.pages],
        "summary": build.summary,
        "safe_html": sorted(build.safe_html),
        "search_index": list(build.search_index),
    }
    with contextlib.suppress(OSError):
        options.cache_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=options.cache_dir, prefix=".pages-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False)
            os.replace(temporary, store_path(options.cache_dir, options.root))
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
