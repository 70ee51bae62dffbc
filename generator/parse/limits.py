"""Bounds on literal arithmetic, shared by both parsers.

A source may not make the checker compute ``10^{10^{10}}`` or ``5000!``: both the
expression parser (:mod:`generator.parse.expr`) and the TeX parser
(:mod:`generator.parse.tex`) refuse such literals with the same limits.
"""

from __future__ import annotations

import math

from ..core.mathast import Node

MAX_EXPONENT = 1000
MAX_FACTORIAL = 1000


def literal_value(node: Node) -> float | None:
    """The value of a tree made only of numbers, negations and powers, or None. Bounds powers."""
    if node.op == "num":
        return float(node.value)
    if node.op == "neg":
        inner = literal_value(node.args[0])
        return None if inner is None else -inner
    if node.op == "pow":
        base, exp = (literal_value(a) for a in node.args)
        if base is None or exp is None:
            return None
        if abs(exp) > MAX_EXPONENT:
            return math.inf
        try:
            return float(base**exp) if base > 0 or float(exp).is_integer() else None
        except (OverflowError, ZeroDivisionError):
            return math.inf
    return None
