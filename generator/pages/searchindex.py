r"""The search index with math as readable text: ``\(\frac{\partial L}{\partial z}\)`` is
indexed and shown in results as ∂L/∂z.

The search plugin indexes a page's HTML, where arithmatex leaves the TeX between ``\(…\)``
and ``\[…\]`` for MathJax; MathJax never runs on the results list, so the TeX would show
raw. The pages themselves keep the TeX: only the index is rewritten.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from .plaintext import tex_to_text

INDEX = Path("search") / "search_index.json"
_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)


def readable_math(text: str) -> str:
    """``text`` (HTML) with every ``\\(…\\)`` and ``\\[…\\]`` replaced by plain text."""

    def plain(match: re.Match[str]) -> str:
        tex = html.unescape(match.group(1) or match.group(2) or "")
        return html.escape(tex_to_text(tex), quote=False)

    return _MATH.sub(plain, text)


def rewrite_search_index(site_dir: Path) -> bool:
    """Rewrite the index under ``site_dir`` in place; False when there is none."""
    path = site_dir / INDEX
    if not path.is_file():
        return False
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for doc in data.get("docs", []):
        for key in ("title", "text"):
            if isinstance(doc.get(key), str):
                doc[key] = readable_math(doc[key])
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return True
