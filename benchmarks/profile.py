"""CPU time of every check of some YAML files, run in this one process (no pool, no cache).

    python -m benchmarks.profile content/*.yaml            # per-file and total CPU seconds
    python -m benchmarks.profile --slowest 15 content/*.yaml
    python -m benchmarks.profile --cprofile out.prof content/hinge.yaml

The machine is shared, so wall-clock time is noisy; CPU time of one process is what this
reports. Checks run in the order the pipeline plans them (drawing, claims, declared domains);
the worker's per-process memos are shared across files, as in a pool worker. What the pool's
fork server imports and warms up before any check is imported first here too (set
PROFILE_COLD_IMPORTS=1 to leave it out, as before session 8).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import sys
import time
from pathlib import Path
from typing import Any

from generator.pipeline.pool import SYMPY_CACHE_SIZE

# As the pool's workers have it (SymPy reads it when imported, just below).
os.environ.setdefault("SYMPY_CACHE_SIZE", str(SYMPY_CACHE_SIZE))

from generator.checker.collector import set_aside_what_was_imported
from generator.checker.worker import run_check

if os.environ.get("PROFILE_COLD_IMPORTS") != "1":
    # As an early-started fork server has it: what SymPy and NumPy load on first use is
    # loaded before the first check, so that no check pays for an import here either.
    import generator.checker.drawing
    import generator.checker.preload  # noqa: F401
from generator.core.jobs import RangeJob, encode
from generator.core.settings import CheckSettings
from generator.source.load import Source, load_source


def _tasks(source: Source) -> list[tuple[str, dict[str, Any]]]:
    """(label, encoded job) for every check the pipeline would run for ``source``."""
    out: list[tuple[str, dict[str, Any]]] = []
    if source.artifacts is not None:
        out.append(("draw", source.artifacts))
    for display in source.displays:
        for index, spec in enumerate(display.checks):
            out.append((f"{display.anchor}#{index}", spec.payload()))
    out += [(f"range {name}", encode(RangeJob(name))) for name in source.range_checks]
    return out


def _run(paths: list[Path], slowest: int, skip_draw: bool) -> None:
    set_aside_what_was_imported()  # as each pool worker does once it has started
    settings = CheckSettings()
    timings: list[tuple[float, str, str]] = []
    total = 0.0
    for path in paths:
        source, diagnostics = load_source(path.read_text(encoding="utf-8"), path.name)
        if source is None:
            print(f"{path}: not loaded ({len(diagnostics)} problems)", file=sys.stderr)
            continue
        spent = 0.0
        for label, job in _tasks(source):
            if skip_draw and label == "draw":
                continue
            before = time.process_time()
            verdict = run_check(source.context, job, settings)
            seconds = time.process_time() - before
            spent += seconds
            timings.append((seconds, f"{path.name} {label}", f"{verdict.status} {verdict.method}"))
        total += spent
        print(f"{spent:8.2f} s  {path.name}")
    print(f"{total:8.2f} s  total CPU, {len(timings)} checks")
    for seconds, where, verdict in sorted(timings, reverse=True)[:slowest]:
        print(f"{seconds:8.3f} s  {where}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--slowest", type=int, default=10)
    parser.add_argument("--cprofile", type=Path, help="write a cProfile dump here")
    parser.add_argument("--no-draw", action="store_true", help="skip the plot and code jobs")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    if args.cprofile:
        profiler = cProfile.Profile(time.process_time)
        profiler.runcall(_run, args.files, args.slowest, args.no_draw)
        profiler.dump_stats(args.cprofile)
    else:
        _run(args.files, args.slowest, args.no_draw)


if __name__ == "__main__":
    main()
