"""On-disk cache of verdicts, so an unchanged claim is never checked twice.

The key hashes everything a verdict depends on: the check itself, the
derivation's declarations, the checker's settings, the checker's version and
SymPy's version. An entry that cannot be read, does not parse, or was stored
under another key is ignored and removed, never trusted. Time-outs and
rejections are not stored: a larger limit or a fixed bug should get a new try.

The folder is bounded (``core/cachedir.py``): a read touches the entry, and after a
build that stored new verdicts the least recently used entries beyond
``VERDICT_LIMIT`` go; the source cache beside it is bounded at the same moment.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
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
    """One JSON file per key under ``root/ab/cdef…``; written atomically."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.written = 0

    def _file(self, key: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key[2:]}.json"

    def get(self, key: str) -> Verdict | None:
        if self.root is None:
            return None
        path = self._file(key)
        try:
            text = cachedir.read_marking_use(path).decode("utf-8")
        except UnicodeDecodeError:
            return self._discard(path)
        except OSError:  # missing: a plain miss
            return None
        try:
            data = json.loads(text)
            if data.get("key") != key or data.get("format") != CACHE_FORMAT:
                raise ValueError("stale entry")
            verdict = Verdict.from_json(data["verdict"])
            if verdict.status not in CACHEABLE:
                raise ValueError("uncacheable status")
        except (ValueError, KeyError, TypeError, AttributeError):
            return self._discard(path)
        return verdict

    @staticmethod
    def _discard(path: Path) -> None:
        """Remove an entry that cannot be trusted (a missing one is a plain miss)."""
        with contextlib.suppress(OSError):
            path.unlink()

    def put(self, key: str, verdict: Verdict) -> None:
        if self.root is None or verdict.status not in CACHEABLE:
            return
        path = self._file(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            payload = json.dumps({"format": CACHE_FORMAT, "key": key, "verdict": verdict.to_json()})
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
            os.replace(tmp, path)
            self.written += 1
        except OSError:
            pass  # a cache that cannot be written only costs time

    def prune(self) -> None:
        """Bound this cache and the source cache, once this build stored something: a
        build that wrote nothing (a warm build) does not even count the entries."""
        if self.root is None or not self.written:
            return
        cachedir.bound(self.root, VERDICT_LIMIT)
        cachedir.bound(SourceCache(self.root).root, SOURCE_LIMIT)
