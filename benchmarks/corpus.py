"""Synthetic corpora: N valid derivation files drawn from the families in benchmarks/families.

Each family is a derivation template with a parameter ``$k``; every file gets its own k,
so no two files share a claim and the cache cannot hide work between files.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from string import Template

FAMILIES = Path(__file__).parent / "families"
ROOT = Path(__file__).resolve().parent.parent


def family_templates() -> list[tuple[str, Template]]:
    return [
        (p.stem, Template(p.read_text(encoding="utf-8"))) for p in sorted(FAMILIES.glob("*.yaml"))
    ]


def write_corpus(project: Path, count: int) -> list[Path]:
    """A project folder (mkdocs.yml, templates/, docs/, content/) with ``count`` derivations."""
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(ROOT / "templates", project / "templates")
    shutil.copytree(ROOT / "docs", project / "docs")
    content = project / "content"
    content.mkdir()
    families = family_templates()
    written = []
    for index in range(count):
        name, template = families[index % len(families)]
        k = 2 + index // len(families)
        path = content / f"{name}-{k}.yaml"
        path.write_text(template.substitute(k=k, order=10 * (index + 1)), encoding="utf-8")
        written.append(path)
    return written
