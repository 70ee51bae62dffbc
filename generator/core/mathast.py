"""A small, SymPy-free expression tree shared by both parsers.

The Python-syntax parser (:mod:`generator.parse.expr`) and the TeX parser
(:mod:`generator.parse.tex`) both produce :class:`Node` trees. Loading and validating
sources therefore never imports SymPy; only the checker turns trees into SymPy
objects (:mod:`generator.checker.tosympy`). Trees are hashable and have a canonical
:meth:`Node.key`, which is what the result cache hashes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Operators a tree may contain. Anything else is a bug in a parser.
OPS = frozenset(
    {
        "num",  # value: decimal literal such as "2" or "0.5"
        "sym",  # value: declared symbol name
        "const",  # value: "pi", "E", "oo"
        "add",  # args: terms
        "mul",  # args: factors
        "neg",  # args: (operand,)
        "div",  # args: (numerator, denominator)
        "pow",  # args: (base, exponent)
        "fact",  # args: (operand,)  n!
        "call",  # value: function name (built-in or declared); args: arguments
        "index",  # value: indexed base name; args: indices
        "deriv",  # args: (expression, variable, order)  order is a "num" node
        "at",  # args: (expression, variable, value)  the expression with variable = value
        "rate",  # args: (quantity,) its rate of change, or (expression, *changing symbols)
        "sum",  # args: (body, index variable, lower, upper)
        "integral",  # args: (body, variable) or (body, variable, lower, upper)
        "det",  # args: rows, each a "row" node
        "row",  # args: entries of one matrix row
        "rel",  # value: "<", "<=", ">", ">=", "=="; args: (left, right)
        "true",  # the condition that always holds (Piecewise otherwise-branch)
        "piecewise",  # args: pairs, each a "row" (value, condition)
        # Whole vectors and matrices: parse.tex.arrays lowers them to their elements for every
        # check; only the code job (ArrayCodeJob) carries them, to print NumPy as written.
        "array",  # value: a symbol declared with a shape, written without a subscript
        "transpose",  # args: (operand,)
        "hadamard",  # args: (left, right)  the element-by-element product \odot
        "ones",  # \\mathbf{1}: a vector of ones, its length read from what it meets
        "trace",  # args: (square matrix,)
        "diag",  # args: (vector,)  the diagonal matrix with it on the diagonal
        "norm",  # args: (array,)  the 2-norm of a vector, the Frobenius norm of a matrix
    }
)


@dataclass(frozen=True, slots=True)
class Node:
    """One node of an expression tree."""

    op: str
    """What the node is; one of :data:`OPS`."""
    args: tuple[Node, ...] = ()
    """Children, in an order fixed by ``op``."""
    value: str = ""
    """Literal text, symbol or function name, depending on ``op``."""
    offset: int = field(default=0, compare=False, hash=False)
    """Where the node starts in its source string (for error positions); not part of identity."""

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"unknown node op {self.op!r}")

    def key(self) -> Any:
        """A canonical, JSON-friendly form of the tree (positions left out)."""
        if not self.args:
            return [self.op, self.value]
        return [self.op, self.value, [a.key() for a in self.args]]

    def walk(self) -> Iterator[Node]:
        """This node and every descendant, depth first."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.args))

    def names(self) -> set[str]:
        """Names of symbols, indexed bases and called functions in the tree."""
        return {n.value for n in self.walk() if n.op in ("sym", "index", "call")}


def from_key(key: Any) -> Node:
    """Rebuild a tree from :meth:`Node.key` (used by worker processes)."""
    op, value, *rest = key
    args = tuple(from_key(k) for k in rest[0]) if rest else ()
    return Node(op, args, value)


def num(text: str, offset: int = 0) -> Node:
    return Node("num", (), text, offset)


def sym(name: str, offset: int = 0) -> Node:
    return Node("sym", (), name, offset)
