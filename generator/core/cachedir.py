"""A bound on an on-disk cache folder: one JSON file per key, under ``root/ab/cdef….json``
(the source cache; or, for :func:`bound_flat`, one file per key directly in the folder), and
the verdict cache's database file, found without opening it.

Several checkouts share the user's cache folder, so an entry this build did not use may be
live for another one: nothing is deleted for being unused *now*. Instead a folder is kept
below a number of entries, least recently used first: an entry's mtime is when it was last
written, or read by a cache that touches what it reads (the verdict cache does). Past
``limit`` entries, the oldest go until ``keep`` remain, so pruning is rare (once per
``limit - keep`` new entries) and a build that writes nothing never even counts.

Deleting is always safe: a missing entry is a cache miss, and every write is a rename of a
complete file, so a reader never sees half an entry. Two processes pruning at once only
find some files already gone.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

_HEX = frozenset("0123456789abcdef")
_TMP = ".tmp-"
STALE_TMP_SECONDS = 3600.0
"""A temporary file this old belongs to a writer that died; a live one is renamed at once."""
TOUCH_AFTER = 3600.0
"""A read marks an entry as used; within this many seconds of the last mark it is not marked
again, so a warm build reads its entries without writing to the disk."""


def read_marking_use(path: Path) -> bytes:
    """The entry's bytes, its mtime moved to now if the last mark is older than
    :data:`TOUCH_AFTER` (the bound then drops the least recently *used*). Raises OSError for
    a missing or unreadable entry; an entry that can be read but not marked (a read-only
    folder, another user's file) is still read."""
    with path.open("rb") as handle:
        raw = handle.read()
        if time.time() - os.fstat(handle.fileno()).st_mtime > TOUCH_AFTER:
            with contextlib.suppress(OSError):
                os.utime(handle.fileno())
    return raw


def _folders(root: Path) -> list[os.DirEntry[str]]:
    """The two-hex-digit subfolders (a cache may share its root with other folders)."""
    try:
        with os.scandir(root) as it:
            return [e for e in it if len(e.name) == 2 and set(e.name) <= _HEX and e.is_dir()]
    except OSError:
        return []


VERDICT_DATABASE = "verdicts.sqlite3"
"""The verdict cache's database, in the cache folder (``pipeline/verdictcache.py``)."""


def holds_entries(root: Path | None) -> bool:
    """Whether the cache folder holds verdicts: their database, once a build has written one
    (False for no folder, or none yet). Asked before anything heavy is imported."""
    if root is None:
        return False
    try:
        return (root / VERDICT_DATABASE).stat().st_size > 0
    except OSError:
        return False


def drop_entry_folders(root: Path) -> None:
    """Delete the two-hex-digit entry folders directly in ``root``: the verdict cache's layout
    before its database (one file per verdict), never read again."""
    for folder in _folders(root):
        with contextlib.suppress(OSError):
            with os.scandir(folder.path) as it:
                for entry in it:
                    _remove(entry.path)
            os.rmdir(folder.path)


def _files(root: Path) -> tuple[list[str], list[str]]:
    """Paths of the entries and of the temporary files under ``root``."""
    entries: list[str] = []
    temporary: list[str] = []
    for folder in _folders(root):
        try:
            with os.scandir(folder.path) as it:
                for e in it:
                    if e.name.startswith(_TMP):
                        temporary.append(e.path)
                    elif e.name.endswith(".json"):
                        entries.append(e.path)
        except OSError:
            continue
    return entries, temporary


def _mtime(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def _remove(path: str) -> bool:
    try:
        os.unlink(path)
    except OSError:
        return False
    return True


def bound(root: Path | None, limit: int, keep: int | None = None) -> int:
    """If ``root`` holds more than ``limit`` entries, delete the least recently used until
    ``keep`` (default: half of ``limit``) remain; also temporary files left by a writer that
    died. Returns how many entries were deleted."""
    if root is None:
        return 0
    return _prune(*_files(root), limit, keep)


def bound_flat(folder: Path, suffix: str, limit: int, keep: int | None = None) -> int:
    """:func:`bound` for a folder that holds its entries (files ending in ``suffix``) itself."""
    entries: list[str] = []
    temporary: list[str] = []
    try:
        with os.scandir(folder) as it:
            for e in it:
                if e.name.startswith(_TMP):
                    temporary.append(e.path)
                elif e.name.endswith(suffix):
                    entries.append(e.path)
    except OSError:
        return 0
    return _prune(entries, temporary, limit, keep)


def _prune(entries: list[str], temporary: list[str], limit: int, keep: int | None) -> int:
    if len(entries) <= limit:
        return 0
    now = time.time()
    for path in temporary:
        stamp = _mtime(path)
        if stamp is not None and now - stamp > STALE_TMP_SECONDS:
            _remove(path)
    stamped = [(stamp, path) for path in entries if (stamp := _mtime(path)) is not None]
    stamped.sort()
    target = limit // 2 if keep is None else min(keep, limit)
    return sum(_remove(path) for _, path in stamped[: max(0, len(stamped) - target)])
