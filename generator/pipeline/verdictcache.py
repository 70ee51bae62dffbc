"""On-disk cache of verdicts, so an unchanged claim is never checked twice.

The key hashes everything a verdict depends on: the check itself, the
derivation's declarations, the checker's settings, the checker's version and
SymPy's version. An entry that does not parse, or was stored under another key
or format, is ignored and deleted, never trusted. Time-outs and rejections are
not stored: a larger limit or a fixed bug should get a new try.

The entries live in one SQLite database (:class:`VerdictCache`). It is bounded:
a read marks the entry as used (at most once per ``cachedir.TOUCH_AFTER``), and
after a build that stored new verdicts the least recently used entries beyond
``VERDICT_LIMIT`` go; the source cache beside it is bounded at the same moment.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ..core import cachedir
from ..core.verdicts import FALSE, HOLDS_UNEXPECTEDLY, PASSING, Verdict
from ..source.sourcecache import SourceCache

CACHE_FORMAT = 2

# Entries of about 2 kB (verdicts) and 10 kB (sources): some 20 MB each at the limit. Each
# change to the code starts a new generation of keys, so the limits hold many generations
# of a large site's live entries; pruning keeps the newest half.
VERDICT_LIMIT = 10_000
SOURCE_LIMIT = 2_000

# Time-outs and rejections are retried: a larger limit or a fixed bug deserves a new try.
CACHEABLE = PASSING | {FALSE, HOLDS_UNEXPECTEDLY}


@lru_cache(maxsize=1)
def sympy_version() -> str:
    return version("sympy")


def cache_key(
    context: dict[str, Any], check: dict[str, Any], settings: Any, checker_version: str
) -> str:
    """A hex digest identifying one check's inputs completely."""
    material = json.dumps(
        {
            "format": CACHE_FORMAT,
            "checker": checker_version,
            "sympy": sympy_version(),
            "context": context,
            "check": check,
            # The time limit matters: a longer one can turn "numeric" into "proven".
            "settings": {
                "points": settings.points,
                "digits": settings.digits,
                "timeout": settings.timeout,
            },
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(material.encode()).hexdigest()


class VerdictCache:
    """The verdicts in one SQLite database, ``verdicts.sqlite3`` in the cache folder: each key
    with its verdict's JSON and when it was last used. New verdicts are kept in memory and
    written in one transaction every :data:`FLUSH_EVERY` verdicts and when the run ends (one
    file per verdict cost 0.27 s of CPU for 370 verdicts on an ext4 disk, one transaction
    0.015 s). A database that cannot be opened, read or written (locked for longer than
    :data:`BUSY_SECONDS`, read-only) only costs time: its entries are misses, or go
    unwritten; a file that is not a database is replaced."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.written = 0
        self._new: dict[str, str] = {}
        self._used: set[str] = set()
        self._bad: set[str] = set()
        self._database: sqlite3.Connection | None = None
        self._unusable = False

    def get(self, key: str) -> Verdict | None:
        if key in self._new:
            return _verdict(self._new[key], key)
        database = self._open()
        if database is None:
            return None
        try:
            row = database.execute(
                "SELECT body, used FROM verdicts WHERE key = ?", (key,)
            ).fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        body, used = row
        verdict = _verdict(body, key)
        if verdict is None:
            self._bad.add(key)  # never trusted, and deleted with the next write
        elif time.time() - float(used) > cachedir.TOUCH_AFTER:
            self._used.add(key)
        return verdict

    def put(self, key: str, verdict: Verdict) -> None:
        if self.root is None or verdict.status not in CACHEABLE:
            return
        self._new[key] = json.dumps(
            {"format": CACHE_FORMAT, "key": key, "verdict": verdict.to_json()}
        )
        self.written += 1
        if len(self._new) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Write what this run added, marked as used or found bad, in one transaction."""
        if not (self._new or self._used or self._bad):
            return
        database = self._open()
        now = time.time()
        try:
            if database is not None:
                with database:
                    database.executemany(
                        "INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?)",
                        [(key, body, now) for key, body in self._new.items()],
                    )
                    database.executemany(
                        "UPDATE verdicts SET used = ? WHERE key = ?",
                        [(now, key) for key in self._used],
                    )
                    database.executemany(
                        "DELETE FROM verdicts WHERE key = ?", [(key,) for key in self._bad]
                    )
        except sqlite3.Error:
            pass  # a cache that cannot be written only costs time
        self._new.clear()
        self._used.clear()
        self._bad.clear()

    def prune(self) -> None:
        """Write what is pending; then, once this run stored something, bound this cache and
        the source cache beside it (a warm build does not even count the entries), and drop
        the one-file-per-verdict folders of the layout before this one."""
        self.flush()
        if self.root is None or not self.written:
            return
        database = self._open()
        if database is not None:
            with contextlib.suppress(sqlite3.Error):
                _bound(database, VERDICT_LIMIT)
        cachedir.bound(SourceCache(self.root).root, SOURCE_LIMIT)
        cachedir.drop_entry_folders(self.root)

    def close(self) -> None:
        self.flush()
        if self._database is not None:
            self._database.close()
            self._database = None

    def _open(self) -> sqlite3.Connection | None:
        if self._database is None and self.root is not None and not self._unusable:
            self._database = _connect(self.root / cachedir.VERDICT_DATABASE)
            self._unusable = self._database is None
        return self._database


FLUSH_EVERY = 64
"""New verdicts held in memory before they are written: an interrupted run loses at most these."""
BUSY_SECONDS = 5.0
"""How long a write waits for another build that holds the database."""
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS verdicts "
    "(key TEXT PRIMARY KEY, body TEXT NOT NULL, used REAL NOT NULL) WITHOUT ROWID"
)


def _connect(path: Path) -> sqlite3.Connection | None:
    """The database at ``path``, made if missing and made again if the file is not one."""
    for attempt in range(2):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            database = sqlite3.connect(path, timeout=BUSY_SECONDS)
            database.execute(_SCHEMA)
            return database
        except sqlite3.OperationalError:
            return None  # locked, read-only, or not there to open: no cache this run
        except sqlite3.DatabaseError:
            if attempt:
                return None
            with contextlib.suppress(OSError):
                path.unlink()  # not a database (a corrupt or foreign file): start afresh
        except OSError:
            return None
    return None


def _verdict(body: str, key: str) -> Verdict | None:
    """The verdict stored as ``body`` under ``key``, or None if it cannot be trusted."""
    try:
        data = json.loads(body)
        if data.get("key") != key or data.get("format") != CACHE_FORMAT:
            return None
        verdict = Verdict.from_json(data["verdict"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return verdict if verdict.status in CACHEABLE else None


def _bound(database: sqlite3.Connection, limit: int) -> None:
    """Past ``limit`` entries, the least recently used go until half of ``limit`` remain."""
    (count,) = database.execute("SELECT count(*) FROM verdicts").fetchone()
    if count > limit:
        with database:
            database.execute(
                "DELETE FROM verdicts WHERE key IN "
                "(SELECT key FROM verdicts ORDER BY used LIMIT ?)",
                (count - limit // 2,),
            )
