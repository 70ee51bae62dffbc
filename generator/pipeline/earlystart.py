"""Starting the checkers before anything else, when every check will run.

Imported by ``derivations build`` and ``serve`` before MkDocs, and by ``check`` before the
loader. It imports nothing heavy itself (the pool, with multiprocessing, only when it does
start something), so a build that reuses its pages pays almost nothing for asking.
"""

from __future__ import annotations

from pathlib import Path

from ..core import cachedir


def start_checkers_if_cold(cache_dir: Path | None) -> None:
    """When the verdict cache holds nothing, every check will run: start the fork server now,
    so that its imports and warm-up overlap whatever the build does meanwhile (loading MkDocs,
    reading the sources) instead of following it."""
    if not cachedir.holds_entries(cache_dir):
        start_checkers()


def start_checkers() -> None:
    """Start the fork server now, whatever the cache holds (``serve``: an edit will need it)."""
    from .pool import start_early

    start_early()
