"""The checker's entry point inside a worker process: one job in, one verdict out.

This is the module the pool's fork server preloads (it imports SymPy once, so each
worker starts in milliseconds). It never raises for a user's mistake: that becomes a verdict.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Mapping
from typing import Any

from ..core import verdicts as V
from ..core.mathast import from_key
from ..core.settings import CheckSettings
from ..core.verdicts import Verdict
from .context import Context, context_from_payload
from .deadline import CheckTimeout, Deadline
from .describe import describe
from .equality import compare


def run_check(
    payload: Mapping[str, Any], check: Mapping[str, Any], settings: CheckSettings
) -> Verdict:
    """Decide one check; never raises for a user's mistake (that becomes a verdict)."""
    started = time.monotonic()
    deadline = Deadline(settings.timeout)
    seed = int(
        hashlib.sha256(json.dumps([payload, check], sort_keys=True).encode()).hexdigest()[:12], 16
    )
    rng = random.Random(seed)
    try:
        context = context_from_payload(payload)
        with deadline.phase():
            verdict = _dispatch(context, check, settings, deadline, rng)
    except CheckTimeout:
        verdict = Verdict(V.TIMEOUT, "time limit", f"no decision within {settings.timeout:g} s")
    except RecursionError:
        verdict = Verdict(V.REJECTED, "recursion", "the expression is nested too deeply to check")
    except MemoryError:
        verdict = Verdict(V.REJECTED, "memory", "the check ran out of memory")
    except Exception as exc:  # SymPy raises many types; none may crash the build
        verdict = Verdict(
            V.REJECTED, "error", f"SymPy could not process the claim ({type(exc).__name__}: {exc})"
        )
    seconds = round(time.monotonic() - started, 4)
    return Verdict(
        verdict.status,
        verdict.method,
        verdict.detail,
        verdict.counterexample,
        seconds,
        verdict.extra,
    )


def _dispatch(
    context: Context,
    check: Mapping[str, Any],
    settings: CheckSettings,
    deadline: Deadline,
    rng: random.Random,
) -> Verdict:
    op = check["op"]
    if op == "describe":
        return describe(context, check)
    if op == "artifacts":
        from .drawing import build_artifacts  # imports NumPy: only when drawing

        return build_artifacts(context, check, rng)
    left, right = from_key(check["left"]), from_key(check["right"])
    wrt = from_key(check["wrt"]) if check.get("wrt") else None
    givens = [(from_key(a), from_key(b)) for a, b in check.get("givens", [])]
    mode = check.get("mode", "equal")
    verdict = compare(context, left, right, wrt, givens, mode, settings, deadline, rng)
    if check.get("expect") == "false":
        return _expected_false(verdict)
    return verdict


def _expected_false(verdict: Verdict) -> Verdict:
    if verdict.status == V.FALSE:
        return Verdict(V.REFUTED, verdict.method, verdict.detail, verdict.counterexample)
    if verdict.status in (V.PROVEN, V.NUMERIC):
        return Verdict(
            V.HOLDS_UNEXPECTEDLY,
            verdict.method,
            "this claim is shown as a mistake, but the checker found it true",
        )
    return verdict
