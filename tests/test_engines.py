"""The site builds under every engine, and is replaced atomically under both plugin hosts.

MkDocs 1.6 and ProperDocs, its fork, run the plugin; they build the real site byte for byte
alike, apart from the generator tag. Zensical runs no MkDocs plugin: it builds the Markdown
that ``derivations render`` writes, configured by ``zensical.yml`` (README, "Engines").

ProperDocs loads this plugin through the same ``mkdocs.plugins`` entry point but logs (and
counts warnings for ``--strict``) on its own ``properdocs`` logger. A build that fails (a
false claim, a broken link in docs/, a warning of this plugin's own) must leave the previous
``site/`` byte-identical under both, and leave no staging folder behind.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.pages import assets
from generator.source.load import Source, load_content

from .helpers import ROOT, copy_project, run_cli, run_python, small_project, tree_digest

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


def _build(engine: str, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        NO_MKDOCS_2_WARNING="1",
        DISABLE_MKDOCS_2_WARNING="true",
        SOURCE_DATE_EPOCH="1700000000",
    )
    return subprocess.run(
        [sys.executable, "-m", engine, "build", "--strict", *args],
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
    project = small_project(tmp_path_factory.mktemp(f"published-{engine}"), CONTENT)
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
    result = run_python(probe)
    assert result.returncode == 0, result.stderr
    names = sorted({"mkdocs", engine})
    assert result.stdout.strip() == f"{names} 2"


# --- the real site, all of content/ ---------------------------------------------------------

_GENERATOR_TAG = re.compile(rb'<meta name="generator" content="[^"]*">')


def _files(site: Path) -> dict[str, bytes]:
    """Every file of a built site, by path, with the engine's generator tag taken out."""
    return {
        path.relative_to(site).as_posix(): _GENERATOR_TAG.sub(b"", path.read_bytes())
        for path in sorted(site.rglob("*"))
        if path.is_file()
    }


def _derivations(project: Path) -> list[Source]:
    sources = load_content(project / "content", project).sources
    assert len(sources) >= 17
    return sources


def test_the_real_site_is_the_same_under_either_engine(tmp_path: Path) -> None:
    for engine in ENGINES:
        _require(engine)
    project = copy_project(tmp_path / "project")
    sites: dict[str, Path] = {}
    for engine in ENGINES:
        sites[engine] = tmp_path / f"site-{engine}"
        result = _build(engine, project, "--site-dir", str(sites[engine]))
        assert result.returncode == 0, result.stderr
        assert "Site published to" in result.stderr

    landing = (sites["properdocs"] / "index.html").read_text(encoding="utf-8")
    assert 'content="mkdocs-ProperDocs ' in landing  # really built by ProperDocs
    by_mkdocs, by_properdocs = _files(sites["mkdocs"]), _files(sites["properdocs"])
    assert sorted(by_mkdocs) == sorted(by_properdocs)
    assert [path for path in by_mkdocs if by_mkdocs[path] != by_properdocs[path]] == []
    for source in _derivations(project):
        assert f"{source.slug}/index.html" in by_properdocs


# --- Zensical: `derivations render --out build/md`, then `zensical build -f zensical.yml` ---------

_SCRIPT_OR_STYLESHEET = re.compile(
    r'<script src="([^"]+)"|<link rel="(?:stylesheet|icon)" href="([^"]+)"'
)


@pytest.fixture(scope="module")
def zensical_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project, rendered and built by Zensical as the README says."""
    _require("zensical")
    project = copy_project(tmp_path_factory.mktemp("zensical"))
    shutil.copy(ROOT / "zensical.yml", project / "zensical.yml")
    rendered = run_cli("render", "--out", "build/md", cwd=project)
    assert rendered.returncode == 0, rendered.stderr
    built = subprocess.run(
        [sys.executable, "-m", "zensical", "build", "-f", "zensical.yml", "--strict"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return project


def _zensical_page(project: Path, slug: str) -> str:
    return (project / "build" / "zensical" / slug / "index.html").read_text(encoding="utf-8")


def test_zensical_builds_every_derivation_with_its_math_and_verdicts(
    zensical_project: Path,
) -> None:
    landing = _zensical_page(zensical_project, "")
    for source in _derivations(zensical_project):
        assert f'href="{source.slug}/"' in landing
        html = _zensical_page(zensical_project, source.slug)
        displays = html.count('<figure class="dv-eq ')
        assert displays >= 1, source.slug
        # every display is arithmatex markup for MathJax, with its computed verdict
        assert html.count('<div class="arithmatex">\\[') >= displays, source.slug
        assert html.count('class="dv-verdict dv-verdict--') == displays, source.slug
    sigmoid = _zensical_page(zensical_project, "sigmoid-logistic")
    proven = re.findall(
        r'dv-verdict--proven"[^>]*title="checked by SymPy: proven[^"]*">✓</span>', sigmoid
    )
    assert len(proven) == sigmoid.count('dv-verdict--proven"') >= 10
    assert "\\frac{\\partial L}{\\partial z} = a - y" in sigmoid


def test_zensical_pages_load_the_bundled_mathjax_after_its_configuration(
    zensical_project: Path,
) -> None:
    site = zensical_project / "build" / "zensical"
    pages = sorted(site.glob("**/index.html"))
    assert len(pages) >= 20
    for page in pages:
        found = _SCRIPT_OR_STYLESHEET.findall(page.read_text(encoding="utf-8"))
        scripts = [src.rpartition("/")[2] for src, _ in found if src]
        stylesheets = [href.rpartition("/")[2] for _, href in found if href]
        assert "mathjax-config.js" in scripts and "tex-chtml.js" in scripts, page
        assert scripts.index("mathjax-config.js") < scripts.index("tex-chtml.js"), page
        assert "copy-tex.js" in scripts and "derivations.css" in stylesheets, page
    for asset in assets.own_assets():
        assert (site / asset.dest).read_bytes() == asset.source.read_bytes()
    assert (site / assets.MATHJAX_DEST / "tex-chtml.js").stat().st_size > 500_000
    assert (site / assets.MATHJAX_DEST / "ui" / "safe.js").is_file()


def test_zensical_pages_load_nothing_from_another_host_and_link_no_missing_source(
    zensical_project: Path,
) -> None:
    for page in sorted((zensical_project / "build" / "zensical").glob("**/index.html")):
        html = page.read_text(encoding="utf-8")
        for script, link in _SCRIPT_OR_STYLESHEET.findall(html):
            assert "//" not in (script or link), f"{page}: {script or link}"
        # Zensical cannot point "edit" at content/*.yaml; zensical.yml turns the buttons off.
        assert 'rel="edit"' not in html, page
