"""SymPy ``srepr`` of a derivation's definitions and result, so other tools can re-verify them."""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..core import verdicts as V
from ..core.jobs import DescribeJob
from ..core.verdicts import Verdict
from .context import Context


def describe(context: Context, job: DescribeJob) -> Verdict:
    """SymPy ``srepr`` of definitions and of a result, so other tools can re-verify them."""
    tr = context.translator
    definitions = {name: sp.srepr(tr.definition_body(name)) for name in tr.definitions}
    functions = {name: sp.srepr(tr.expr(d.body)) for name, d in tr.functions.items()}
    description: dict[str, Any] = {"definitions": definitions, "functions": functions}
    if job.left is not None and job.right is not None:
        wrt = tr.expr(job.wrt) if job.wrt is not None else None
        keep = frozenset({wrt}) if wrt is not None else frozenset()
        if job.left.op == "deriv":
            # Unevaluated, so another tool can differentiate and compare for itself.
            body = tr.expand(tr.expr(job.left.args[0]), keep)
            left = sp.Derivative(body, tr.expr(job.left.args[1]), int(job.left.args[2].value))
        else:
            left = tr.expand(tr.expr(job.left), keep)
        right = tr.expand(tr.expr(job.right), keep)
        description["result"] = {"left": sp.srepr(left), "right": sp.srepr(right)}
    return Verdict(V.PROVEN, "describe", description=description)
