r"""The search index with math as readable text: ``\(\frac{\partial L}{\partial z}\)`` is
indexed and shown in results as ∂L/∂z.

The search plugin indexes a page's HTML, where arithmatex leaves the TeX between ``\(…\)``
and ``\[…\]`` for MathJax; MathJax never runs on the results list, so the TeX would show
raw. The pages themselves keep the TeX: only the index is rewritten.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path
from typing import Any

INDEX = Path("search") / "search_index.json"
_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)


def readable_math(text: str) -> str:
    """``text`` (HTML) with every ``\\(…\\)`` and ``\\[…\\]`` replaced by plain text."""

    from .plaintext import tex_to_text  # here: a build that reuses its index never needs it

    def plain(match: re.Match[str]) -> str:
        tex = html.unescape(match.group(1) or match.group(2) or "")
        return html.escape(tex_to_text(tex), quote=False)

    return _MATH.sub(plain, text)


def rewrite_search_index(site_dir: Path, known: tuple[str, str] | None = None) -> tuple[str, str]:
    """Rewrite the index under ``site_dir`` in place. ``known`` is an earlier (digest of an
    index as MkDocs wrote it, its rewrite): when this index has that digest, the rewrite is
    reused. Returns the pair for this index (empty strings when there is none)."""
    path = site_dir / INDEX
    if not path.is_file():
        return "", ""
    original = path.read_text(encoding="utf-8")
    digest = hashlib.sha256(original.encode()).hexdigest()
    reused = known is not None and known[0] == digest
    rewritten = known[1] if known is not None and reused else _rewritten(original)
    path.write_text(rewritten, encoding="utf-8")
    return digest, rewritten


def _rewritten(original: str) -> str:
    data: dict[str, Any] = json.loads(original)
    for doc in data.get("docs", []):
        for key in ("title", "text"):
            if isinstance(doc.get(key), str):
                doc[key] = readable_math(doc[key])
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
