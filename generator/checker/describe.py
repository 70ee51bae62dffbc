"""SymPy ``srepr`` of a derivation's definitions and result, so other tools can re-verify them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from ..core import verdicts as V
from ..core.mathast import from_key
from ..core.verdicts import Verdict
from .context import Context


def describe(context: Context, check: Mapping[str, Any]) -> Verdict:
    """SymPy ``srepr`` of definitions and of a result, so other tools can re-verify them."""
    tr = context.translator
    definitions = {name: sp.srepr(tr.definition_body(name)) for name in tr.definitions}
    functions = {name: sp.srepr(tr.expr(d.body)) for name, d in tr.functions.items()}
    extra: dict[str, Any] = {"definitions": definitions, "functions": functions}
    if check.get("left"):
        wrt = tr.expr(from_key(check["wrt"])) if check.get("wrt") else None
        keep = frozenset({wrt}) if wrt is not None else frozenset()
        left_node = from_key(check["left"])
        if left_node.op == "deriv":
            # Unevaluated, so another tool can differentiate and compare for itself.
            body = tr.expand(tr.expr(left_node.args[0]), keep)
            left = sp.Derivative(body, tr.expr(left_node.args[1]), int(left_node.args[2].value))
        else:
            left = tr.expand(tr.expr(left_node), keep)
        right = tr.expand(tr.expr(from_key(check["right"])), keep)
        extra["result"] = {"left": sp.srepr(left), "right": sp.srepr(right)}
    return Verdict(V.PROVEN, "describe", "", None, 0.0, extra)
