"""Write rendered pages to a folder (``derivations render --out DIR``).

The folder can be used as the ``docs_dir`` of a plain MkDocs configuration with
``pymdownx.arithmatex`` (generic) and ``md_in_html``: it holds the pages, the
hand-written pages of ``docs/`` they link to, and the site's CSS and MathJax files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from . import assets
from .render import Page


def write_pages(pages: list[Page], out: Path, docs_dir: Path | None = None) -> int:
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for page in pages:
        target = out / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.markdown, encoding="utf-8")
        count += 1
    if docs_dir is not None and docs_dir.is_dir():
        for source in sorted(docs_dir.rglob("*")):
            if source.is_file():
                target = out / source.relative_to(docs_dir)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                count += 1
    for asset in assets.own_assets() + assets.mathjax_assets():
        target = out / asset.dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(asset.source, target)
        count += 1
    return count
