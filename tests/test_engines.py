"""The site is replaced atomically under either engine: MkDocs 1.6 and ProperDocs, its fork.

ProperDocs loads this plugin through the same ``mkdocs.plugins`` entry point but logs (and
counts warnings for ``--strict``) on its own ``properdocs`` logger. A build that fails (a
false claim, a broken link in docs/, a warning of this plugin's own) must leave the previous
``site/`` byte-identical under both, and leave no staging folder behind.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .helpers import ROOT, tree_digest

pytestmark = pytest.mark.slow

ENGINES = ("mkdocs", "properdocs")

# A small project (two derivations' worth of checks would only cost time): the landing page,
# one derivation, the templates and the hand-written docs.
CONTENT = ("index.yaml", "linear-mse.yaml")


def _require(engine: str) -> None:
    if importlib.util.find_spec(engine) is not None:
        return
    reason = (
        f"ENGINE TESTS DID NOT RUN UNDER {engine.upper()}: it is not installed. "
        "Install the dev dependencies: .venv/bin/python -m pip install -c constraints.txt -e '.[dev]'"
    )
    if os.environ.get("CI", "").strip().lower() in ("true", "1"):
        pytest.fail(f"{reason} (CI=true: a missing engine is a failure)", pytrace=False)
    pytest.skip(reason)


def _small_project(destination: Path) -> Path:
    (destination / "content").mkdir(parents=True)
    shutil.copy(ROOT / "mkdocs.yml", destination / "mkdocs.yml")
    for folder in ("templates", "docs"):
        shutil.copytree(ROOT / folder, destination / folder)
    for name in CONTENT:
        shutil.copy(ROOT / "content" / name, destination / "content" / name)
    return destination


def _build(engine: str, project: Path) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        NO_MKDOCS_2_WARNING="1",
        DISABLE_MKDOCS_2_WARNING="true",
        SOURCE_DATE_EPOCH="1700000000",
    )
    return subprocess.run(
        [sys.executable, "-m", engine, "build", "--strict"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module", params=ENGINES)
def published(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """An engine, and a small project it built and published (once per engine)."""
    engine: str = request.param
    _require(engine)
    project = _small_project(tmp_path_factory.mktemp(f"published-{engine}"))
    result = _build(engine, project)
    assert result.returncode == 0, result.stderr
    assert "Site published to" in result.stderr  # the plugin ran, through the entry point
    assert (project / "site" / "linear-mse" / "index.html").is_file()
    return engine, project


def _false_claim(project: Path) -> str:
    path = project / "content" / "linear-mse.yaml"
    text = path.read_text(encoding="utf-8")
    needle = "equation: \\frac{\\partial a}{\\partial z} = 1\n"
    assert needle in text
    path.write_text(text.replace(needle, needle.replace("= 1", "= 2")), encoding="utf-8")
    return "counterexample"


def _broken_link(project: Path) -> str:
    with (project / "docs" / "verification.md").open("a", encoding="utf-8") as handle:
        handle.write("\nSee [nothing](no-such-page.md).\n")
    return "no-such-page.md"


def _plugin_warning(project: Path) -> str:
    # Two derivations with one `order`: a warning this plugin logs itself, before MkDocs'.
    shutil.copy(project / "content" / "linear-mse.yaml", project / "content" / "linear-mse-2.yaml")
    return "pick a unique order"


BREAKAGES: dict[str, Callable[[Path], str]] = {
    "false claim": _false_claim,
    "broken link in docs (a strict warning)": _broken_link,
    "the plugin's own warning": _plugin_warning,
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_failed_build_leaves_the_published_site_byte_identical(
    published: tuple[str, Path], breakage: str, tmp_path: Path
) -> None:
    engine, built = published
    project = tmp_path / "project"
    shutil.copytree(built, project, symlinks=True)
    before = tree_digest(project / "site")
    expected = BREAKAGES[breakage](project)

    result = _build(engine, project)

    assert result.returncode != 0, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert "Site published to" not in result.stderr
    assert tree_digest(project / "site") == before
    assert not list(project.glob(".site-*"))


@pytest.mark.parametrize("engine", ENGINES)
def test_the_warning_counter_listens_where_the_engine_counts(engine: str) -> None:
    """In the engine's own process: the counter is on the logger its ``--strict`` reads."""
    _require(engine)
    probe = (
        "import logging, sys\n"
        f"import {engine}.__main__  # the engine's CLI, as `{engine} build` imports it\n"
        f"state = {engine}.__main__.State()  # and its loggers, as the CLI wires them\n"
        "from generator.pages.plugin import _WarningCounter\n"
        "counter = _WarningCounter()\n"
        "counter.attach()\n"
        "names = sorted(logger.name for logger in counter.loggers())\n"
        f"logging.getLogger('{engine}.commands.build').warning('counted')\n"
        "logging.getLogger('mkdocs.plugins.x').warning('counted once')\n"
        "counter.detach()\n"
        "logging.getLogger('mkdocs').warning('not counted after detach')\n"
        "print(names, counter.count)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    names = sorted({"mkdocs", engine})
    assert result.stdout.strip() == f"{names} 2"
