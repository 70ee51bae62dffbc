"""Expression trees → text, fully parenthesised, in both source syntaxes.

The output always parses back to the same meaning (property-tested), which makes the
printers useful for messages and for round-trip tests of the two parsers.
"""

from __future__ import annotations

from generator.core.mathast import Node
from generator.core.scope import Scope
from generator.core.texvocab import MACRO_FOR_FUNCTION


def to_expression(node: Node) -> str:
    """Python-like expression syntax (what ``expr:`` fields hold)."""
    op, args = node.op, node.args
    if op in ("num", "sym"):
        return node.value
    if op == "const":
        return {"E": "E", "pi": "pi", "oo": "oo"}[node.value]
    if op in ("add", "mul"):
        joiner = " + " if op == "add" else " * "
        return "(" + joiner.join(to_expression(a) for a in args) + ")"
    if op == "neg":
        return f"(-{to_expression(args[0])})"
    if op == "div":
        return f"({to_expression(args[0])} / {to_expression(args[1])})"
    if op == "pow":
        return f"({to_expression(args[0])} ** {to_expression(args[1])})"
    if op == "fact":
        return f"factorial({to_expression(args[0])})"
    if op == "call":
        return f"{node.value}({', '.join(to_expression(a) for a in args)})"
    if op == "index":
        return f"{node.value}[{', '.join(to_expression(a) for a in args)}]"
    if op == "deriv":
        body, var, order = args
        return f"Derivative({to_expression(body)}, {to_expression(var)}, {order.value})"
    if op == "sum":
        body, var, low, high = args
        return f"Sum({to_expression(body)}, ({var.value}, {to_expression(low)}, {to_expression(high)}))"
    raise ValueError(f"no expression syntax for {op!r}")


def to_tex(node: Node, scope: Scope) -> str:
    """TeX the display parser reads back to the same meaning."""
    op, args = node.op, node.args
    if op == "num":
        return node.value
    if op == "sym":
        info = scope.symbols.get(node.value)
        return info.tex if info else node.value
    if op == "const":
        return {"E": "e", "pi": "\\pi", "oo": "\\infty"}[node.value]
    if op == "add":
        return "\\left(" + " + ".join(to_tex(a, scope) for a in args) + "\\right)"
    if op == "mul":
        return "\\left(" + " \\cdot ".join(to_tex(a, scope) for a in args) + "\\right)"
    if op == "neg":
        return f"\\left(-{to_tex(args[0], scope)}\\right)"
    if op == "div":
        return f"\\frac{{{to_tex(args[0], scope)}}}{{{to_tex(args[1], scope)}}}"
    if op == "pow":
        return f"\\left({to_tex(args[0], scope)}\\right)^{{{to_tex(args[1], scope)}}}"
    if op == "fact":
        return f"\\left({to_tex(args[0], scope)}\\right)!"
    if op == "call":
        inner = ", ".join(to_tex(a, scope) for a in args)
        if node.value == "sqrt":
            return f"\\sqrt{{{inner}}}"
        if node.value == "Abs":
            return f"\\left|{inner}\\right|"
        if node.value in scope.functions:
            return f"{scope.functions[node.value].tex}\\left({inner}\\right)"
        return f"{MACRO_FOR_FUNCTION[node.value]}\\left({inner}\\right)"
    if op == "index":
        base = scope.symbols[node.value].tex
        return f"{base}_{{{''.join(to_tex(a, scope) for a in args)}}}"
    raise ValueError(f"no TeX for {op!r}")
