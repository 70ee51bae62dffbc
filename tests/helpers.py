"""Shared helpers: load fixture sources and check them in-process with the real SymPy."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from generator.checker.worker import run_check
from generator.core.errors import Diagnostic
from generator.core.settings import CheckSettings as Settings
from generator.core.verdicts import Verdict
from generator.source.load import Display, Source, load_source

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_fixture(relative: str) -> Source:
    path = FIXTURES / relative
    source, diagnostics = load_source(
        path.read_text(encoding="utf-8"), f"tests/fixtures/{relative}"
    )
    assert source is not None, "\n".join(d.format() for d in diagnostics)
    return source


def load_text(
    text: str, name: str = "content/example.yaml"
) -> tuple[Source | None, list[Diagnostic]]:
    return load_source(text, name)


def verdicts(source: Source, display: Display, timeout: float = 20.0) -> list[Verdict]:
    """Run every check of ``display`` in this process (real SymPy, real time limits)."""
    settings = Settings(timeout=timeout)
    return [run_check(source.context, spec.payload(), settings) for spec in display.checks]


def copy_project(destination: Path) -> Path:
    """A copy of what a build reads: mkdocs.yml, content/, templates/, docs/."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "mkdocs.yml", destination / "mkdocs.yml")
    for folder in ("content", "templates", "docs"):
        shutil.copytree(ROOT / folder, destination / folder)
    return destination


def small_project(destination: Path, content: tuple[str, ...]) -> Path:
    """A project with all templates and docs but only the ``content`` files named."""
    (destination / "content").mkdir(parents=True)
    shutil.copy(ROOT / "mkdocs.yml", destination / "mkdocs.yml")
    for folder in ("templates", "docs"):
        shutil.copytree(ROOT / folder, destination / folder)
    for name in content:
        shutil.copy(ROOT / "content" / name, destination / "content" / name)
    return destination


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the real ``derivations`` command in a subprocess."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH="1700000000")
    return subprocess.run(
        [sys.executable, "-m", "generator.cli", *args],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_python(
    code: str,
    *args: str,
    cwd: Path | None = None,
    timeout: float = 300,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (what it imports, and how it ends, are its own),
    with ``env`` added to this process's environment."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd or ROOT,
        env=dict(os.environ, **(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_mkdocs(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real ``mkdocs`` command (our plugin is found through its entry point)."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH="1700000000")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def tree_digest(folder: Path) -> str:
    """One hash of a folder's paths and bytes: equal digests mean byte-identical trees."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(path.relative_to(folder).as_posix().encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()
