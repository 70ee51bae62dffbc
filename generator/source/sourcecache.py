"""A cache of loaded sources, so an unchanged file is not parsed and resolved again.

Loading (strict YAML, the model, both parsers) costs about a millisecond per display;
on a large site that is most of a warm build's own work. A file whose bytes, path and
loader code are unchanged is read back from JSON instead. The JSON holds plain data
(no pickle), is keyed by a hash of everything loading depends on, and an unreadable or
mismatched entry is ignored. Only files that loaded without any diagnostic are stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from ..core.codeversion import code_version
from .types import Source, source_from_json, source_to_json

FORMAT = 2


def loader_version() -> str:
    """The package's source code and the YAML parsers' versions: a change to how files are
    loaded invalidates the cache."""
    from .yamlread import PARSERS  # here: asking for a key means loading anyway

    return f"{code_version()} {PARSERS}"


def source_key(path: str, text: str) -> str:
    material = f"{FORMAT}\0{loader_version()}\0{path}\0{text}"
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


class SourceCache:
    def __init__(self, root: Path | None) -> None:
        self.root = root / "sources" if root is not None else None

    def get(self, key: str) -> Source | None:
        if self.root is None:
            return None
        try:
            data = json.loads((self.root / key[:2] / f"{key[2:]}.json").read_text(encoding="utf-8"))
            if data.get("key") != key:
                return None
            return source_from_json(data["source"])
        except (OSError, ValueError, KeyError, TypeError, IndexError, ValidationError):
            return None

    def put(self, key: str, source: Source) -> None:
        if self.root is None:
            return
        folder = self.root / key[:2]
        # dumps, not dump: dump streams through the pure-Python encoder (6× slower here).
        text = json.dumps({"key": key, "source": source_to_json(source)})
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, folder / f"{key[2:]}.json")
        except OSError:
            pass
