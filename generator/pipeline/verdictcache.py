"""On-disk cache of verdicts, so an unchanged claim is never checked twice.

The key hashes everything a verdict depends on: the check itself, the
derivation's declarations, the checker's settings, the checker's version and
SymPy's version. An entry that cannot be read, does not parse, or was stored
under another key is ignored (and later overwritten), never trusted. Time-outs
and rejections are not stored: a larger limit or a fixed bug should get a new try.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ..core.verdicts import FALSE, HOLDS_UNEXPECTEDLY, PASSING, Verdict

CACHE_FORMAT = 2

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

    def _file(self, key: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key[2:]}.json"

    def get(self, key: str) -> Verdict | None:
        if self.root is None:
            return None
        try:
            data = json.loads(self._file(key).read_text(encoding="utf-8"))
            if data.get("key") != key or data.get("format") != CACHE_FORMAT:
                raise ValueError("stale entry")
            verdict = Verdict.from_json(data["verdict"])
            if verdict.status not in CACHEABLE:
                raise ValueError("uncacheable status")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return verdict

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
        except OSError:
            pass  # a cache that cannot be written only costs time
