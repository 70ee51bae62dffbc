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
from dataclasses import replace
from typing import Any

from sympy.core.parameters import global_parameters

from ..core import verdicts as V
from ..core.jobs import ArrayCodeJob, DescribeJob, DrawJob, Job, RangeJob, decode
from ..core.settings import CheckSettings
from ..core.verdicts import Verdict
from .context import Context, context_from_payload
from .deadline import CheckTimeout, Deadline
from .describe import describe
from .equality import compare
from .ranges import check_range
from .sympytuning import install as install_sympy_tuning
from .sympytuning import realign_caches
from .tosympy import VacuousDerivative

install_sympy_tuning()


def run_check(
    payload: Mapping[str, Any], check: Mapping[str, Any], settings: CheckSettings
) -> Verdict:
    """Decide one check; never raises for a user's mistake (that becomes a verdict)."""
    if not global_parameters.evaluate:
        # The last check's time limit struck while ``with evaluate(False)`` was ending: every
        # check starts with SymPy evaluating, as a fresh worker does.
        global_parameters.evaluate = True
    realign_caches()  # and with every cache in step with that, whatever struck before
    started = time.monotonic()
    deadline = Deadline(settings.timeout)
    seed = int(
        hashlib.sha256(json.dumps([payload, check], sort_keys=True).encode()).hexdigest()[:12], 16
    )
    rng = random.Random(seed)
    try:
        context = context_from_payload(payload)
        with deadline.phase():
            verdict = _dispatch(context, decode(check), settings, deadline, rng)
    except CheckTimeout:
        verdict = Verdict(V.TIMEOUT, "time limit", f"no decision within {settings.timeout:g} s")
    except VacuousDerivative as exc:
        verdict = Verdict(V.REJECTED, "vacuous", str(exc))
    except RecursionError:
        verdict = Verdict(V.REJECTED, "recursion", "the expression is nested too deeply to check")
    except MemoryError:
        verdict = Verdict(V.REJECTED, "memory", "the check ran out of memory")
    except Exception as exc:  # SymPy raises many types; none may crash the build
        verdict = Verdict(
            V.REJECTED, "error", f"SymPy could not process the claim ({type(exc).__name__}: {exc})"
        )
    return replace(verdict, seconds=round(time.monotonic() - started, 4))


def _dispatch(
    context: Context,
    job: Job,
    settings: CheckSettings,
    deadline: Deadline,
    rng: random.Random,
) -> Verdict:
    if isinstance(job, DescribeJob):
        return describe(context, job)
    if isinstance(job, RangeJob):
        return check_range(context, job, deadline, rng)
    if isinstance(job, DrawJob):
        from .drawing import draw  # imports NumPy: only when drawing

        return draw(context, job, rng)
    if isinstance(job, ArrayCodeJob):
        from .arraycode import array_code  # imports NumPy: only when printing code

        return array_code(context, job, rng)
    verdict = compare(context, job, settings, deadline, rng)
    return _expected_false(verdict) if job.expect_false else verdict


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
