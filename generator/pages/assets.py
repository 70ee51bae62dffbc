"""Static files the site needs besides its pages: our CSS and MathJax configuration, and
MathJax 3 itself, copied from the pinned ``django-static-mathjax`` wheel so the site
renders math offline. Only the TeX-to-CHTML bundle, the ``ui/safe`` extension, the
CHTML fonts and MathJax's licence are copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

MATHJAX_DEST = "assets/mathjax"
CONFIG_JS = "assets/derivations/mathjax-config.js"
STYLESHEET = "assets/derivations/derivations.css"
COPY_JS = "assets/derivations/copy-tex.js"


@dataclass(frozen=True, slots=True)
class Asset:
    dest: str
    """Path inside the built site."""
    source: Path


def own_assets() -> list[Asset]:
    here = Path(str(files("generator.pages") / "assets"))
    return [
        Asset(CONFIG_JS, here / "mathjax-config.js"),
        Asset(STYLESHEET, here / "derivations.css"),
        Asset(COPY_JS, here / "copy-tex.js"),
    ]


def mathjax_root() -> Path:
    return Path(str(files("mathjax"))) / "static" / "mathjax"


def mathjax_assets() -> list[Asset]:
    root = mathjax_root()
    es5 = root / "es5"
    chosen = [es5 / "tex-chtml.js", es5 / "ui" / "safe.js"]
    chosen += sorted((es5 / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assets = [Asset(f"{MATHJAX_DEST}/{p.relative_to(es5).as_posix()}", p) for p in chosen]
    assets.append(Asset(f"{MATHJAX_DEST}/LICENSE", root / "LICENSE"))
    return assets


def mathjax_script(setting: str) -> str:
    """The script the pages load: the bundled copy, or a URL given in mkdocs.yml."""
    return f"{MATHJAX_DEST}/tex-chtml.js" if setting == "bundled" else setting
