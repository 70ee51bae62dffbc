"""The warm-up of a fork server started early: workers forked after it import nothing more of
SymPy, NumPy or mpmath on their first checks (each such import cost every worker its first
0.3 s)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
from pathlib import Path
from generator.pipeline.pool import PRELOAD, WARM_UP
for name in PRELOAD + [WARM_UP] if sys.argv[1] == "preloaded" else PRELOAD:
    __import__(name)
before = set(sys.modules)
from generator.checker.worker import run_check
from generator.core.settings import CheckSettings
from generator.source.load import load_source
for path in sys.argv[2:]:
    source, _ = load_source(Path(path).read_text(encoding="utf-8"), path)
    jobs = [source.artifacts] if source.artifacts else []
    jobs += [spec.payload() for display in source.displays for spec in display.checks]
    for job in jobs:
        run_check(source.context, job, CheckSettings())
late = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in ("sympy", "numpy", "mpmath"))
print(json.dumps(late))
"""

PAGES = ["content/softmax-cross-entropy.yaml", "content/huber.yaml", "content/dense-layer.yaml"]


def _late_imports(mode: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode, *PAGES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_checks_after_the_preload_import_nothing_more_of_sympy_numpy_or_mpmath():
    assert _late_imports("preloaded") == []


def test_without_the_warm_up_the_same_checks_import_much_more():
    # The probe can tell: without generator.checker.preload the same checks import SymPy's
    # integrals and assumption handlers late.
    assert len(_late_imports("bare")) > 20
