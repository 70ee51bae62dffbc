"""The wire protocol between the build process and the checker's workers.

Everything that crosses the process boundary, and everything hashed into a verdict's
cache key, is defined here. Jobs are frozen dataclasses; :func:`encode` is the only
place their JSON shape is written and :func:`decode` the only place it is read.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


# The verdict and source caches are keyed by the package's own source code: any change to
# code that decides claims, loads sources or draws plots invalidates every cached entry,
# with no version number to forget to bump. Every module of every subpackage counts: a
# non-recursive glob would let a checker change ship stale "proven" verdicts.
@lru_cache(maxsize=1)
def code_version() -> str:
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
