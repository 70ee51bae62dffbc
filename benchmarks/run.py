"""`make bench`: cold, warm and one-file-changed builds against the plain-MkDocs floor.

For corpora of 10, 100 and 1,000 synthetic derivations (benchmarks/corpus.py) it measures,
on this machine, in one run:

  (a) cold build: empty verdict cache (this site's own content: the median of five);
  (b) warm build: nothing changed;
  (c) one file changed (its declarations, so all of its claims and only those are stale);
  (d) the floor: plain `mkdocs build` of the Markdown `derivations render` writes, plugin off,

plus peak memory, SymPy checks run, site size per page, and for the 100-file corpus the
time from saving a YAML edit to the edit being served by `derivations serve`.
Results go to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from ruamel.yaml import YAML

from .corpus import ROOT, write_corpus

RESULTS = Path(__file__).parent / "RESULTS.md"
_STATS = re.compile(r"(\d+) derivations, (\d+) checks \((\d+) run, (\d+) cached\)")


@dataclass
class Run:
    seconds: float
    peak_mb: float
    checks_run: int = 0
    checks: int = 0


def _timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[Run, str]:
    """Run a command in a fresh wrapper so RUSAGE_CHILDREN measures only its process tree."""
    wrapper = (
        "import resource, subprocess, sys, time, json\n"
        "start = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "elapsed = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps({'rc': done.returncode, 's': elapsed, 'mb': peak, 'out': done.stdout + done.stderr}))\n"
    )
    environment = dict(
        os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH="1700000000", **(env or {})
    )
    result = subprocess.run(
        [sys.executable, "-c", wrapper, *command],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    data = json.loads(result.stdout)
    if data["rc"] != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{data['out'][-3000:]}")
    run = Run(data["s"], data["mb"])
    match = _STATS.search(data["out"])
    if match:
        run.checks, run.checks_run = int(match.group(2)), int(match.group(3))
    return run, data["out"]


def _derivations(*args: str) -> list[str]:
    return [sys.executable, "-m", "generator.cli", *args]


def _floor_config(project: Path, pages: Path) -> Path:
    """mkdocs.yml for the rendered pages: same theme, extensions, nav and assets; no plugin."""
    from generator.pages.assets import CONFIG_JS, STYLESHEET, mathjax_script
    from generator.pages.plugin import navigation
    from generator.pages.render import Page

    config = YAML(typ="safe").load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    config["plugins"] = ["search"]
    config["docs_dir"] = str(pages)
    config["site_dir"] = str(project / "floor-site")
    config["extra_css"] = [STYLESHEET]
    config["extra_javascript"] = [CONFIG_JS, mathjax_script("bundled")]
    titles = json.loads((pages / ".nav.json").read_text(encoding="utf-8"))
    config["nav"] = navigation([Page(p, t, "", s) for p, t, s in titles], pages / "_no_docs")
    config["nav"] += sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    path = project / "floor.yml"
    YAML(typ="safe").dump(config, path)
    return path


def _pages_nav(project: Path, pages: Path) -> None:
    """Remember each page's title and section for the floor's navigation."""
    from generator.cli import project_options
    from generator.pages.render import render_pages
    from generator.pipeline.run import load_and_check

    # The project's own settings (mkdocs.yml): with the defaults every verdict would have
    # another key, be checked again, and push the build's verdicts out of the bounded cache.
    options = project_options(project)
    checked = load_and_check(options)
    rendered = render_pages(checked, options.templates_dir)
    (pages / ".nav.json").write_text(
        json.dumps([[p.path, p.title, p.section] for p in rendered]), encoding="utf-8"
    )


def _site_size(site: Path) -> tuple[float, int]:
    files = [p for p in site.rglob("*") if p.is_file()]
    pages = sum(1 for p in files if p.name == "index.html")
    return sum(p.stat().st_size for p in files) / 1e6, pages


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_latency(project: Path) -> float:
    """Seconds from saving a YAML edit to `derivations serve` serving the edited page."""
    port = _free_port()
    first = sorted((project / "content").glob("*.yaml"))[0]
    url = f"http://127.0.0.1:{port}/{first.stem}/"
    server = subprocess.Popen(
        _derivations("serve", "--root", str(project), "-a", f"127.0.0.1:{port}"),
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
    )
    try:
        _wait(url, "synthetic benchmark page", 600)
        time.sleep(2)  # let the watcher settle
        text = first.read_text(encoding="utf-8")
        first.write_text(
            text.replace("A synthetic benchmark page", "An edited benchmark page"), encoding="utf-8"
        )
        start = time.perf_counter()
        _wait(url, "An edited benchmark page", 120)
        return time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
        first.write_text(text, encoding="utf-8")


def _wait(url: str, needle: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if needle in response.read().decode("utf-8"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{needle!r} not served at {url}")


def _copy_site(project: Path) -> int:
    """This repository's own site (content, templates, docs, mkdocs.yml) at ``project``."""
    project.mkdir(parents=True)
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    for folder in ("content", "templates", "docs"):
        shutil.copytree(ROOT / folder, project / folder)
    return sum(1 for p in (project / "content").glob("*.yaml") if p.stem != "index")


def bench_site(workdir: Path) -> dict[str, object]:
    """The real site: cold, warm and the floor, side by side in one run.

    A single cold build of this site is at the mercy of the machine's second as much as
    one floor is, and this site's target (#14) is a ratio near 4: its cold builds are
    timed as often as its warm ones, each with an empty cache folder of its own and no
    site/, alternating with floors, and the medians compared."""
    project = workdir / "site-real"
    count = _copy_site(project)
    os.environ["XDG_CACHE_HOME"] = str(workdir / "cache-site")  # warm after the first build
    colds = [_cold_site(project, workdir / "cache-site")]
    floor_command = _floor_command(project)
    floors = []
    for attempt in range(1, COLD_REPEATS):
        floors.append(_timed(floor_command, project)[0])
        colds.append(_cold_site(project, workdir / f"cache-site-cold-{attempt}"))
    warm, floor = _warm_and_floor(project, REPEATS, floor_command, floors)
    size_mb, page_count = _site_size(project / "site")
    return {
        "files": f"this site ({count})",
        "cold": _median(colds),
        "cold_range": (min(r.seconds for r in colds), max(r.seconds for r in colds)),
        "warm": warm,
        "floor": floor,
        "size_mb": size_mb,
        "pages": page_count,
    }


def _cold_site(project: Path, cache: Path) -> Run:
    """One cold build of ``project``: a cache folder never used before, and no site/ yet.
    (The theme's compiled templates, kept in the Python environment as its bytecode is, are
    there for every build but the very first after an install or a change to the code.)"""
    shutil.rmtree(project / "site", ignore_errors=True)
    return _timed(
        _derivations("build", "--root", str(project)), project, {"XDG_CACHE_HOME": str(cache)}
    )[0]


REPEATS = 5
"""Warm builds and floors are timed this many times, alternating, and the medians compared:
one run each is at the mercy of whatever else the machine does in that second."""
COLD_REPEATS = 9
"""This site's cold builds, alternating with floors: a two-core build varies more from one
run to the next than a one-core floor (5.4–7.7 s against 1.5–1.9 s in one run of round 14),
and its target is a ratio near 4."""


def _floor_command(project: Path) -> list[str]:
    """The floor's command, once the project's pages are rendered for it (the cache is warm)."""
    pages = project / "pages"
    _timed(_derivations("render", "--root", str(project), "--out", str(pages)), project)
    _pages_nav(project, pages)
    return [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(_floor_config(project, pages))]


def _warm_and_floor(
    project: Path,
    repeats: int,
    floor_command: list[str] | None = None,
    floors: list[Run] | None = None,
) -> tuple[Run, Run]:
    """Median warm build and median floor, measured alternately (the cache is warm);
    ``floors`` already timed count towards the floor's median."""
    floor_command = floor_command or _floor_command(project)
    warm: list[Run] = []
    floor: list[Run] = list(floors or [])
    for _ in range(repeats):
        warm.append(_timed(_derivations("build", "--root", str(project)), project)[0])
        floor.append(_timed(floor_command, project)[0])
    return _median(warm), _median(floor)


def _median(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]


def bench(count: int, workdir: Path, serve: bool) -> dict[str, object]:
    # A private cache folder for this corpus: the cold build really starts empty.
    os.environ["XDG_CACHE_HOME"] = str(workdir / f"cache-{count}")
    project = workdir / f"corpus-{count}"
    write_corpus(project, count)
    cold, _ = _timed(_derivations("build", "--root", str(project)), project)
    warm, floor = _warm_and_floor(project, REPEATS if count < 1000 else 3)
    changed_file = sorted((project / "content").glob("*.yaml"))[0]
    text = changed_file.read_text(encoding="utf-8")
    # A new domain text for L changes the file's declarations: every claim of this file is
    # stale (the cache key includes the declarations), and nothing else is.
    changed_file.write_text(
        text.replace("L: {domain: real}", "L: {domain: '(-oo, oo)'}", 1), encoding="utf-8"
    )
    one, _ = _timed(_derivations("build", "--root", str(project)), project)
    size_mb, page_count = _site_size(project / "site")
    from generator.source.load import load_source

    source, _ = load_source(changed_file.read_text(encoding="utf-8"), "content/x.yaml")
    file_checks = sum(len(d.checks) for d in source.displays) if source else -1
    result: dict[str, object] = {
        "files": count,
        "cold": cold,
        "warm": warm,
        "one": one,
        "floor": floor,
        "file_checks": file_checks,
        "size_mb": size_mb,
        "pages": page_count,
    }
    if serve:
        result["serve"] = _serve_latency(project)
    return result


def _ratio(run: Run, floor: Run) -> str:
    return f"{run.seconds:.2f} s ({run.seconds / floor.seconds:.2f}×)"


def write_results(rows: list[dict[str, object]], notes: str) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` on {time.strftime('%Y-%m-%d')}: {os.cpu_count()} cores, "
        f"{platform.machine()}, Python {platform.python_version()}, MkDocs {version('mkdocs')}, "
        f"Material {version('mkdocs-material')}, SymPy {version('sympy')}.",
        "",
        "Times are wall-clock seconds for one `derivations build` (check + render + MkDocs) and,",
        "in brackets, the ratio to the floor: a plain `mkdocs build` (plugin off, same theme,",
        "extensions and navigation) of the Markdown that `derivations render` writes. Warm builds",
        f"and floors are medians of {REPEATS} runs taken alternately (3 at 1,000 files). This",
        f"site's cold build is the median of {COLD_REPEATS}, each from an empty cache folder of its",
        f"own and no site/, alternated with {COLD_REPEATS - 1} more floors (its floor is the median",
        f"of all {COLD_REPEATS - 1 + REPEATS}); the corpora's cold and one-file-changed builds are",
        "single runs. Peak memory is the largest resident set of any process of the build (main",
        "process or a check worker), in the median run.",
        "",
        "| files | floor | cold (empty cache) | warm (no change) | one file changed | checks run: cold / warm / changed (that file has) | peak MB cold / warm | site size per page |",
        "| ---: | ---: | ---: | ---: | ---: | :---: | :---: | ---: |",
    ]
    for row in rows:
        floor, cold, warm = (row[k] for k in ("floor", "cold", "warm"))
        one = row.get("one")
        assert isinstance(floor, Run) and isinstance(cold, Run) and isinstance(warm, Run)
        changed = _ratio(one, floor) if isinstance(one, Run) else "—"
        runs = f"{cold.checks_run} / {warm.checks_run} / " + (
            f"{one.checks_run} ({row['file_checks']})" if isinstance(one, Run) else "—"
        )
        lines.append(
            f"| {row['files']} | {floor.seconds:.2f} s | {_ratio(cold, floor)} | {_ratio(warm, floor)} | "
            f"{changed} | {runs} | "
            f"{cold.peak_mb:.0f} / {warm.peak_mb:.0f} | {float(row['size_mb']) * 1000 / max(int(row['pages']), 1):.0f} kB |"  # type: ignore[arg-type]
        )
    for row in rows:
        spread, floor = row.get("cold_range"), row["floor"]
        if isinstance(spread, tuple) and isinstance(floor, Run):
            low, high = float(spread[0]), float(spread[1])
            lines += [
                "",
                f"This site's {COLD_REPEATS} cold builds took {low:.2f}–{high:.2f} s "
                f"({low / floor.seconds:.2f}–{high / floor.seconds:.2f}× the median floor).",
            ]
    serve = [row for row in rows if "serve" in row]
    if serve:
        lines += [
            "",
            "Live reload: saving a YAML edit in the "
            + ", ".join(
                f"{r['files']}-file corpus showed it after {float(r['serve']):.2f} s" for r in serve
            )  # type: ignore[arg-type]
            + " (`derivations serve`, measured from the write to the first response containing the edit).",
        ]
    lines += ["", notes.strip(), ""]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="site,10,100,1000", help="'site' is this repository's own content"
    )
    args = parser.parse_args()
    notes_file = Path(__file__).parent / "NOTES.md"
    notes = notes_file.read_text(encoding="utf-8") if notes_file.exists() else ""
    rows = []
    with tempfile.TemporaryDirectory(prefix="derivations-bench-") as tmp:
        sizes = args.sizes.split(",")
        if "site" in sizes:
            print("benchmarking this site …", flush=True)
            rows.append(bench_site(Path(tmp)))
            print({k: (v.seconds if isinstance(v, Run) else v) for k, v in rows[-1].items()})
        for count in (int(s) for s in sizes if s != "site"):
            print(f"benchmarking {count} files …", flush=True)
            row = bench(count, Path(tmp), serve=count == 100)
            rows.append(row)
            print({k: (v.seconds if isinstance(v, Run) else v) for k, v in row.items()}, flush=True)
    write_results(rows, notes)
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    shutil.rmtree(Path(tempfile.gettempdir()) / "derivations-bench-cache", ignore_errors=True)


if __name__ == "__main__":
    main()
