"""NumPy code a practitioner can paste, printed by SymPy from the checked expressions.

The printer is SymPy's NumPy printer with the spelling people write by hand:
``import numpy as np``, ``1/(1 + np.exp(-z))`` rather than ``(…)**(-1.0)``, ``y/2``
rather than ``(1/2)*y``, ``np.maximum`` and ``np.where`` rather than ``functools.reduce``
and ``numpy.select``. The stable functions of :mod:`generator.checker.stableforms` print as
``np.logaddexp`` or as short helpers written out above the loss.

Vector pages print whole arrays: an indexed symbol ``z[k]`` is the array ``z`` whose last
axis runs over k = 1…N, and Σₖ is ``np.sum(…, axis=-1)``. Only sums whose terms use
their own index alone can be printed that way (:func:`printable`); anything else gets no code.
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE

from .stableforms import LogSumExp, Softmax

RESERVED = frozenset(
    {"np", "math", "loss", "grad", "logsumexp", "softmax", "gammaln", *keyword.kwlist}
)
"""Names a parameter may not take: they would shadow Python, the imported modules, or the
functions the printed module defines."""

HELPERS = {
    "logsumexp": '''def logsumexp(u):
    """ln Σ exp(u) over the last axis, shifted by the maximum so that no exp overflows."""
    m = np.max(u, axis=-1, keepdims=True)
    return m + np.log(np.sum(np.exp(u - m), axis=-1, keepdims=True))''',
    "softmax": '''def softmax(u):
    """exp(u) / Σ exp(u) over the last axis, shifted by the maximum so that no exp overflows."""
    e = np.exp(u - np.max(u, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)''',
    "gammaln": '''def gammaln(x):
    """ln Γ(x), element-wise (what scipy.special.gammaln computes)."""
    return np.vectorize(math.lgamma, otypes=[float])(x)''',
}


class NotPrintable(Exception):
    """The expression has no array form this printer can write."""


@dataclass(frozen=True, slots=True)
class Signature:
    """The printed functions' parameters: names in order, which are arrays, and ∂L/∂ what."""

    names: tuple[str, ...]
    arrays: frozenset[str]
    wrt: str
    rename: Mapping[str, str] = field(default_factory=dict)
    """A SymPy symbol's name → its printed name, where they differ."""
    size: Any | None = None
    """The SymPy symbol of the size N (vector pages), printed as the arrays' last axis."""


class _Printer(NumPyPrinter):  # type: ignore[misc]
    def __init__(self, signature: Signature) -> None:
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False})
        self.signature = signature
        self.in_array = False
        self.helpers: set[str] = set()

    def _module_format(self, fqn: str, register: bool = True) -> str:
        text = str(super()._module_format(fqn, register))
        return "np." + text[len("numpy.") :] if text.startswith("numpy.") else text

    def _print_Symbol(self, expr: Any) -> str:
        if expr == self.signature.size:
            return f"np.shape({self._first_array()})[-1]"
        return self.signature.rename.get(expr.name, expr.name)

    def _first_array(self) -> str:
        return next(n for n in self.signature.names if n in self.signature.arrays)

    def _print_Indexed(self, expr: Any) -> str:
        return self._print_Symbol(expr.base.label)

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        if _negative(expr.exp):
            positive = sp.Pow(expr.base, -expr.exp)
            return "1/" + str(self.parenthesize(positive, PRECEDENCE["Mul"]))
        return str(super()._print_Pow(expr, rational))

    def _print_Mul(self, expr: Any) -> str:
        if expr.could_extract_minus_sign():
            return "-" + str(self.parenthesize(-expr, PRECEDENCE["Mul"], strict=True))
        numerator, denominator = _split(expr)
        if denominator == 1:
            return str(super()._print_Mul(expr))
        top = self.parenthesize(numerator, PRECEDENCE["Mul"], strict=True)
        return f"{top}/{self.parenthesize(denominator, PRECEDENCE['Mul'])}"

    def _print_Piecewise(self, expr: Any) -> str:
        text = "np.nan"
        for value, condition in reversed(expr.args):
            printed = self._print(value)
            text = (
                printed
                if condition == sp.true
                else f"np.where({self._print(condition)}, {printed}, {text})"
            )
        return text

    def _print_Relational(self, expr: Any) -> str:
        level = PRECEDENCE["Relational"]
        left, right = (self.parenthesize(a, level) for a in (expr.lhs, expr.rhs))
        return f"{left} {expr.rel_op} {right}"

    def _print_And(self, expr: Any) -> str:
        return self._logical("np.logical_and", expr.args)

    def _print_Or(self, expr: Any) -> str:
        return self._logical("np.logical_or", expr.args)

    def _logical(self, function: str, args: Any) -> str:
        text = str(self._print(args[0]))
        for arg in args[1:]:
            text = f"{function}({text}, {self._print(arg)})"
        return text

    def _print_Max(self, expr: Any) -> str:
        return self._logical("np.maximum", sorted(expr.args, key=sp.default_sort_key))

    def _print_Min(self, expr: Any) -> str:
        return self._logical("np.minimum", sorted(expr.args, key=sp.default_sort_key))

    def _print_Abs(self, expr: Any) -> str:
        return f"np.abs({self._print(expr.args[0])})"

    def _print_LogAddExp(self, expr: Any) -> str:
        return f"np.logaddexp({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_LogGamma(self, expr: Any) -> str:
        self.helpers.add("gammaln")
        return f"gammaln({self._print(expr.args[0])})"

    def _print_LogSumExp(self, expr: Any) -> str:
        self.helpers.add("logsumexp")
        text = f"logsumexp({self._array(expr.args[0].function)})"
        return text if self.in_array else f"{text}[..., 0]"

    def _print_Softmax(self, expr: Any) -> str:
        if not self.in_array:
            raise NotPrintable("a softmax component outside an array expression")
        self.helpers.add("softmax")
        return f"softmax({self._array(expr.args[0].function)})"

    def _print_Sum(self, expr: Any) -> str:
        keep = ", keepdims=True" if self.in_array else ""
        return f"np.sum({self._array(expr.function)}, axis=-1{keep})"

    def _array(self, expr: Any) -> str:
        """``expr`` printed as an array over the last axis."""
        outer, self.in_array = self.in_array, True
        try:
            return str(self._print(expr))
        finally:
            self.in_array = outer


def _negative(exponent: Any) -> bool:
    return bool(exponent.is_negative or exponent.could_extract_minus_sign())


def _split(product: Any) -> tuple[Any, Any]:
    """A product as numerator and denominator: powers with a negative exponent and the
    denominator of a rational coefficient go below the line; e⁻ˢ stays where it is."""
    top, bottom = [], []
    for factor in product.args:
        if factor.is_Rational:
            top.append(sp.Integer(factor.p))
            bottom.append(sp.Integer(factor.q))
        elif isinstance(factor, sp.Pow) and _negative(factor.exp):
            bottom.append(sp.Pow(factor.base, -factor.exp))
        else:
            top.append(factor)
    return sp.Mul(*top), sp.Mul(*bottom)


def printable(expr: Any, size: Any | None, free: Any | None) -> bool:
    """Every indexed symbol is indexed by the variable of the sum around it (or by the
    free index ``free``, outside sums), and every sum runs from 1 to the size N."""
    if isinstance(expr, sp.Indexed):
        return len(expr.indices) == 1 and free is not None and expr.indices[0] == free
    if isinstance(expr, sp.Sum):
        if len(expr.limits) != 1:
            return False
        variable, low, high = expr.limits[0]
        return low == 1 and high == size and printable(expr.function, size, variable)
    if isinstance(expr, (LogSumExp, Softmax)):
        return all(printable(a, size, free) for a in expr.args)
    return all(printable(a, size, free) for a in expr.args if isinstance(a, sp.Basic))


def python_name(name: str) -> str:
    """A symbol's name as a Python parameter (``lambda`` → ``lambda_``)."""
    name = name.replace("__", "_")
    return f"{name}_" if name in RESERVED else name


def scalar_text(expr: Any) -> str:
    """One scalar expression, printed as the page code prints its loss (``1/(1 + np.exp(-t))``):
    NumPy functions act element by element, so it serves arrays too."""
    names = tuple(sorted(str(s) for s in expr.free_symbols))
    return str(_Printer(Signature(names, frozenset(), "")).doprint(expr))


def module_text(signature: Signature, loss: Any, gradient: Any, free: Any | None) -> str:
    """The module: imports, any helpers, ``loss`` and ``grad``. Raises :class:`NotPrintable`."""
    printer = _Printer(signature)
    loss_body = printer.doprint(loss)
    printer.in_array = free is not None
    grad_body = printer.doprint(gradient)
    header = ", ".join(signature.names)
    imports = (["import math"] if "gammaln" in printer.helpers else []) + ["import numpy as np"]
    helpers = [HELPERS[name] for name in sorted(printer.helpers)]
    axis = " over the last axis" if free is not None else ""
    lines = [
        *imports,
        "",
        *(part for helper in helpers for part in ("", helper, "")),
        "",
        f"def loss({header}):",
        f'    """{_loss_doc(signature)}"""',
        f"    return {loss_body}",
        "",
        "",
        f"def grad({header}):",
        f'    """∂L/∂{signature.wrt}{axis}, with the shapes of the arguments."""',
        f"    return {grad_body}",
        "",
    ]
    return "\n".join(lines)


def _loss_doc(signature: Signature) -> str:
    if not signature.arrays:
        return "The loss, element-wise over NumPy arrays."
    names = ", ".join(n for n in signature.names if n in signature.arrays)
    return f"The loss; the last axis of {names} runs over k = 1…N."


def plain_arguments(expr: Any, count: int, **assumptions: bool) -> list[Any]:
    """Arguments for lambdify: plain symbols (a Dummy costs lambdify a substitution of its
    own) with a prefix that no name in ``expr`` has."""
    taken = {s.name for s in expr.atoms(sp.Symbol)}
    prefix = "_a"
    while any(name.startswith(prefix) for name in taken):
        prefix = "_" + prefix
    return [sp.Symbol(f"{prefix}{k}", **assumptions) for k in range(count)]
