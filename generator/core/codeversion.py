"""The hash of the package's own source code, which every cache key includes.

The verdict, source and page caches are keyed by it: any change to code that decides claims,
loads sources, draws plots or renders pages invalidates every cached entry, with no version
number to forget to bump. Every module of every subpackage counts: a non-recursive glob would
let a checker change ship stale "proven" verdicts. Standard library only, so a build that
reuses everything imports nothing else to compute it.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def code_version() -> str:
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
