"""NumPy code for gradients by vectors and matrices, printed from the displays as written.

The page's TeX, arrays kept whole, maps to NumPy one operation at a time: a matrix times a
vector is ``W @ x``, ``\\delta x^\\top`` is ``np.outer(delta, x)``, ``G^\\top X`` is ``G.T @ X``,
``\\odot`` is ``*``, a function of a vector acts element by element, ``\\mathbf{1}`` is
NumPy's broadcasting (``X @ W.T + b``) or a sum (``G.sum(axis=0)``). Vectors are 1-D arrays.

The printed function is verified here, in the worker, against central finite differences of
the checked loss: the loss's definition, made concrete at several sizes by SymPy, evaluated
on random arrays, and differentiated numerically by each element of what the gradient is by.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from ..core.domains import Domain
from ..core.jobs import ArrayCodeJob, Drawing
from ..core.mathast import Node
from ..core.verdicts import FALSE, PROVEN, Verdict
from . import numpycode
from .arraycheck import Forward, finite_differences, input_values
from .codecheck import load_printed
from .context import Context
from .numpycode import scalar_text

Dims = tuple[str, str]
RELATIVE_TOLERANCE = 1e-6
STEP = 1e-6
SHAPES = 3
"""How many size assignments the code is verified at (each size 2, 3 or 4)."""
BUILTINS = {
    "exp": "np.exp",
    "log": "np.log",
    "sqrt": "np.sqrt",
    "sin": "np.sin",
    "cos": "np.cos",
    "tan": "np.tan",
    "sinh": "np.sinh",
    "cosh": "np.cosh",
    "tanh": "np.tanh",
    "Abs": "np.abs",
}
ATOM, PRODUCT, MATMUL, SUM = 4, 3, 2, 1
"""Precedence of a printed expression: parentheses are added below the level needed."""


class NotPrintable(Exception):
    """The display has a part with no NumPy form here (an element, a sum over an index)."""


@dataclass(frozen=True, slots=True)
class Printed:
    text: str
    dims: Dims | None
    level: int = ATOM
    ones: bool = False
    """A vector of ones (\\mathbf{1}), whose printing depends on what it meets."""
    spread: bool = False
    """Broadcast along a missing axis (b for 1 bᵀ): valid only as a term of a sum."""

    def at(self, level: int) -> str:
        return self.text if self.level >= level else f"({self.text})"


def key(loss: str, wrt: str) -> str:
    """The printed function's name for ∂loss/∂wrt in what it returns: ``dL_dW``."""
    return f"d{python_name(loss)}_d{python_name(wrt)}"


IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*")
NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
"""What a name and a number may look like before they are printed into code that runs."""


def python_name(name: str) -> str:
    """A declared name as a Python identifier. The printed module is executed to verify it,
    so nothing reaches it that is not a plain identifier, whatever the tree says."""
    if not IDENTIFIER.fullmatch(name):
        raise NotPrintable(f"not an identifier: {name!r}")
    return f"{name}_" if name == "gradients" else numpycode.python_name(name)


@dataclass
class ArrayPrinter:
    context: Context
    helpers: dict[str, str] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def print(self, node: Node) -> Printed:
        rule: Callable[[Node], Printed] | None = getattr(self, "_" + node.op, None)
        if rule is None:
            raise NotPrintable(node.op)
        return rule(node)

    # --- leaves ---------------------------------------------------------------------------
    def _array(self, node: Node) -> Printed:
        if node.value not in self.context.shapes:
            raise NotPrintable(f"{node.value!r} is not a declared array")
        self.used.add(node.value)
        shape = self.context.shapes[node.value]
        dims = (shape[0], "1") if len(shape) == 1 else (shape[0], shape[1])
        return Printed(python_name(node.value), dims)

    def _sym(self, node: Node) -> Printed:
        if node.value not in self.context.domains:
            raise NotPrintable(f"{node.value!r} is not a declared symbol")
        self.used.add(node.value)
        return Printed(python_name(node.value), None)

    def _num(self, node: Node) -> Printed:
        if not NUMBER.fullmatch(node.value):
            raise NotPrintable(f"not a number: {node.value!r}")
        return Printed(node.value, None)

    def _const(self, node: Node) -> Printed:
        return Printed({"pi": "np.pi", "E": "np.e"}[node.value], None)

    def _ones(self, node: Node) -> Printed:
        return Printed("1", ("?", "1"), ones=True)

    # --- operations -----------------------------------------------------------------------
    def _neg(self, node: Node) -> Printed:
        inner = self.print(node.args[0])
        return Printed("-" + inner.at(PRODUCT), inner.dims, PRODUCT, spread=inner.spread)

    def _add(self, node: Node) -> Printed:
        parts = [self.print(a) for a in node.args]
        text = parts[0].at(SUM)
        for part, arg in zip(parts[1:], node.args[1:], strict=True):
            if arg.op == "neg":
                text += " - " + part.text[1:]
            else:
                text += " + " + part.at(SUM)
        shaped = [p.dims for p in parts if p.dims is not None and not p.spread]
        return Printed(text, shaped[0] if shaped else None, SUM)

    def _mul(self, node: Node) -> Printed:
        printed = [self.print(a) for a in node.args]
        arrays = [p for p in printed if p.dims is not None]
        if not arrays or len(arrays) == len(printed):
            return self._fold(printed)
        # Numbers commute: (1/B) Gᵀ X is printed G.T @ X / B, as it is typed in NumPy.
        product = self._fold(arrays)
        numbers = [(a, p) for a, p in zip(node.args, printed, strict=True) if p.dims is None]
        if product.ones and len(arrays) == 1:  # μ 1: the number, spread by broadcasting
            number = self._fold([p for _, p in numbers])
            return Printed(number.text, product.dims, number.level, spread=True)
        divisors = [self.print(a.args[1]).at(ATOM) for a, _ in numbers if _reciprocal(a)]
        factors = [p.at(PRODUCT) for a, p in numbers if not _reciprocal(a)]
        if not factors and product.level == MATMUL:  # G.T @ X / B
            text = product.text + "".join(" / " + d for d in divisors)
            return Printed(text, product.dims, MATMUL, spread=product.spread)
        text = "*".join([*factors, product.at(PRODUCT)]) + "".join("/" + d for d in divisors)
        return Printed(text, product.dims, PRODUCT, spread=product.spread)

    def _fold(self, printed: list[Printed]) -> Printed:
        result = printed[0]
        for factor in printed[1:]:
            result = self._times(result, factor)
        return result

    def _times(self, left: Printed, right: Printed) -> Printed:
        if (left.spread and right.dims is not None) or (right.spread and left.dims is not None):
            raise NotPrintable("a number spread over a vector, in a product of arrays")
        if left.dims is None and right.ones:  # μ 1: the number, spread by broadcasting
            return Printed(left.text, right.dims, left.level, spread=True)
        if right.dims is None and left.ones:
            return Printed(right.text, left.dims, right.level, spread=True)
        if left.dims is None or right.dims is None:
            dims = left.dims or right.dims
            return Printed(f"{left.at(PRODUCT)}*{right.at(PRODUCT)}", dims, PRODUCT)
        (rows, inner), (_, cols) = left.dims, right.dims
        if inner == "1":  # an outer product; with a 1 it only spreads the other vector
            if left.ones:
                return Printed(right.text, (rows, cols), right.level, spread=True)
            if right.ones:
                return Printed(f"{left.at(ATOM)}[:, None]", (rows, cols), spread=True)
            return Printed(f"np.outer({left.text}, {right.text})", (rows, cols))
        dims = (rows, cols)
        if right.ones:  # A 1 sums A's rows; xᵀ 1 sums x
            axis = "" if rows == "1" else "axis=1"
            return _collapsed(Printed(f"{left.at(ATOM)}.sum({axis})", dims))
        if left.ones:
            axis = "" if cols == "1" else "axis=0"
            return _collapsed(Printed(f"{right.at(ATOM)}.sum({axis})", dims))
        return _collapsed(Printed(f"{left.at(MATMUL)} @ {right.at(ATOM)}", dims, MATMUL))

    def _transpose(self, node: Node) -> Printed:
        inner = self.print(node.args[0])
        if inner.dims is None or inner.spread:
            raise NotPrintable("a transposed number")
        dims = (inner.dims[1], inner.dims[0])
        if "1" in inner.dims:  # a 1-D array is its own transpose
            return Printed(inner.text, dims, inner.level, ones=inner.ones)
        return Printed(f"{inner.at(ATOM)}.T", dims)

    def _hadamard(self, node: Node) -> Printed:
        left, right = (self.print(a) for a in node.args)
        return Printed(f"{left.at(PRODUCT)}*{right.at(PRODUCT)}", left.dims, PRODUCT)

    def _div(self, node: Node) -> Printed:
        top, bottom = (self.print(a) for a in node.args)
        if node.args[0].op == "pow" and bottom.text == f"{top.at(ATOM)}.sum()":
            scores = self.print(node.args[0].args[1])
            if scores.dims is not None:  # e^{s} / 𝟏ᵀe^{s}
                return _softmax_shifted(scores)
        return Printed(f"{top.at(PRODUCT)}/{bottom.at(ATOM)}", top.dims, PRODUCT)

    def _pow(self, node: Node) -> Printed:
        base, exponent = (self.print(a) for a in node.args)
        if exponent.dims is not None:  # e^{s}: element by element
            return Printed(f"np.exp({exponent.text})", exponent.dims)
        return Printed(f"{base.at(ATOM)}**{exponent.at(ATOM)}", None, PRODUCT)

    def _call(self, node: Node) -> Printed:
        args = [self.print(a) for a in node.args]
        name = BUILTINS.get(node.value) or self._helper(node.value)
        dims = next((a.dims for a in args if a.dims is not None), None)
        return Printed(f"{name}({', '.join(a.text for a in args)})", dims)

    def _at(self, node: Node) -> Printed:
        """σ'(z): the helper σ' (SymPy's derivative of σ), at z."""
        derivative, _, value = node.args
        call, _, order = derivative.args
        inner = self.print(value)
        name = self._helper(call.value, int(order.value))
        return Printed(f"{name}({inner.text})", inner.dims)

    def _trace(self, node: Node) -> Printed:
        return Printed(f"np.trace({self.print(node.args[0]).text})", None)

    def _diag(self, node: Node) -> Printed:
        inner = self.print(node.args[0])
        assert inner.dims is not None
        return Printed(f"np.diag({inner.text})", (inner.dims[0], inner.dims[0]))

    def _norm(self, node: Node) -> Printed:
        return Printed(f"np.linalg.norm({self.print(node.args[0]).text})", None)

    # --- declared functions -----------------------------------------------------------------
    def _helper(self, name: str, order: int = 0) -> str:
        """A declared function (or its derivative) as a helper printed by SymPy's NumPy printer."""
        definition = self.context.translator.functions.get(name)
        if definition is None:
            raise NotPrintable(name)
        params = [sp.Symbol(p, real=True) for p in definition.params]
        body = self.context.translator.expr(
            definition.body, {p: s for p, s in zip(definition.params, params, strict=True)}
        )
        if order:
            body = sp.diff(body, params[0], order)
        helper = python_name(name) + "_prime" * order
        if helper not in self.helpers:
            printed = scalar_text(body)
            header = ", ".join(python_name(str(p)) for p in params)
            self.helpers[helper] = f"def {helper}({header}):\n    return {printed}"
        return helper


def _softmax_shifted(scores: Printed) -> Printed:
    """e^{s} / 𝟏ᵀe^{s} printed as NumPy users write a softmax: with the largest score taken
    from every score first. The quotient is the same number (e^{−c} cancels), but e^{s}
    alone overflows float64 once a score passes ~709."""
    exp = f"np.exp({scores.text} - np.max({scores.text}))"
    return Printed(f"{exp}/{exp}.sum()", scores.dims, PRODUCT)


def _reciprocal(node: Node) -> bool:
    """1/B, written as such: printed as a division of what it multiplies."""
    top = node.args[0] if node.op == "div" else None
    return top is not None and top.op == "num" and top.value == "1"


def _collapsed(printed: Printed) -> Printed:
    """A 1×1 product (xᵀy) is a number."""
    if printed.dims == ("1", "1"):
        return Printed(printed.text, None, printed.level)
    return printed


# --- the module ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Module:
    text: str
    inputs: tuple[str, ...]
    gradients: tuple[tuple[str, str], ...]
    """(loss, variable) of each entry the function returns, keyed by the variable."""


def module_text(context: Context, job: ArrayCodeJob) -> Module | None:
    """The printed module, or None when no gradient has a NumPy form here."""
    printer = ArrayPrinter(context)
    defined = dict(job.forward)
    lines: list[str] = []
    kept: list[tuple[str, str, str]] = []
    for loss, wrt, tree in job.gradients:
        try:
            key(loss, wrt)  # both are printed (the returned key, the docstring): identifiers only
            printed = printer.print(tree)
        except NotPrintable:
            continue
        if not printed.spread:  # 1 bᵀ alone has no NumPy shape of its own here
            kept.append((loss, wrt, printed.text))
    if not kept:
        return None
    needed = _needed(printer.used, [name for name, _ in job.forward], defined, context)
    if needed is None:
        return None
    for name in needed:
        lines.append(f"    {python_name(name)} = {printer.print(defined[name]).text}")
    inputs = sorted(
        n
        for n in printer.used
        if n not in defined and n not in context.sizes and n in context.domains
    )
    sizes = [
        _size_line(size, inputs, context) for size in sorted(printer.used & set(context.sizes))
    ]
    header = ", ".join(python_name(n) for n in inputs)
    returns = [f'        "{key(loss, wrt)}": {text},' for loss, wrt, text in kept]
    doc = ", ".join(f"∂{loss}/∂{wrt}" for loss, wrt, _ in kept[:3]) + (
        ", …" if len(kept) > 3 else ""
    )
    shape = "the shape of" if job.layout == "denominator" else "the transposed shape of"
    text = "\n".join(
        [
            "import numpy as np",
            "",
            *(part for _, helper in sorted(printer.helpers.items()) for part in ("", helper, "")),
            "",
            f"def gradients({header}):",
            f'    """{doc}, under the keys {key(*kept[0][:2])}, ….',
            "",
            f"    Vectors are 1-D arrays; a gradient has {shape} what it is by.",
            '    """',
            *sizes,
            *lines,
            "    return {",
            *returns,
            "    }",
            "",
        ]
    )
    return Module(text, tuple(inputs), tuple((loss, wrt) for loss, wrt, _ in kept))


def _needed(
    used: set[str], page: list[str], defined: dict[str, Node], context: Context
) -> list[str] | None:
    """The defined quantities the gradients use, each after those it uses; None when one is
    defined only element by element (it has no whole form to print)."""
    order: list[str] = []
    printer = ArrayPrinter(context)

    def in_page_order(names: set[str]) -> list[str]:
        return sorted(names, key=lambda n: (page.index(n) if n in page else -1, n))

    def visit(name: str) -> bool:
        if name in order:
            return True
        if name not in defined:
            return name not in context.translator.definitions
        printer.used.clear()
        printer.print(defined[name])
        for inner in in_page_order(set(printer.used)):
            if not visit(inner):
                return False
        order.append(name)
        return True

    try:
        if not all(visit(name) for name in in_page_order(used)):
            return None
    except NotPrintable:
        return None
    return order


def _size_line(size: str, inputs: list[str], context: Context) -> str:
    for name in inputs:
        shape = context.shapes.get(name, ())
        if size in shape:
            return f"    {python_name(size)} = {python_name(name)}.shape[{shape.index(size)}]"
    raise NotPrintable(f"no input has the size {size}")


# --- verification ----------------------------------------------------------------------------------


def array_code(context: Context, job: ArrayCodeJob, rng: random.Random) -> Verdict:
    """Print the page's gradient code and verify it by finite differences of the checked loss."""
    try:
        module = module_text(context, job)
    except NotPrintable:
        module = None
    if module is None:
        return Verdict(PROVEN, "artifacts", drawing=Drawing("", ""))
    function = load_printed(module.text)["gradients"]
    tried = []
    for sizes in _size_sets(context, rng):
        failure = _verify(context, job, module, function, sizes, rng)
        if failure is not None:
            return Verdict(
                FALSE, "finite differences", failure, drawing=Drawing("", "", module.text)
            )
        tried.append("(" + ", ".join(f"{k} = {v}" for k, v in sizes.items()) + ")")
    verification = (
        "each gradient matches central finite differences of the checked loss, by every "
        f"element, on random arrays at {'; '.join(tried)} (relative error below "
        f"{RELATIVE_TOLERANCE:g})"
    )
    return Verdict(PROVEN, "artifacts", drawing=Drawing("", "", module.text, verification))


def _size_sets(context: Context, rng: random.Random) -> list[dict[str, int]]:
    names = sorted({d for shape in context.shapes.values() for d in shape})
    out = []
    for shift in range(SHAPES):
        out.append({name: 2 + (k + shift) % 3 for k, name in enumerate(names)})
    return out


def _verify(
    context: Context,
    job: ArrayCodeJob,
    module: Module,
    function: Callable[..., Any],
    sizes: dict[str, int],
    rng: random.Random,
) -> str | None:
    tr = context.translator
    free = [
        name
        for name, domain in sorted(context.domains.items())
        if name not in tr.definitions and not domain.index and name not in context.sizes
    ]
    inputs = {name: _random(context, name, sizes, rng) for name in free}
    got = function(**{python_name(n): inputs[n] for n in module.inputs})
    forward = Forward(context, sizes)
    values = input_values(context, inputs)
    for loss, wrt in module.gradients:
        numeric = finite_differences(context, forward, loss, wrt, values, sizes)
        printed = np.asarray(got[key(loss, wrt)], dtype=float)
        expected = numeric if job.layout == "denominator" else numeric.T
        if printed.shape != expected.shape:
            return f"∂{loss}/∂{wrt} has shape {printed.shape}, expected {expected.shape}"
        scale = np.maximum(1.0, np.abs(expected))
        worst = float(np.max(np.abs(printed - expected) / scale))
        if not worst <= RELATIVE_TOLERANCE:
            where = ", ".join(f"{k} = {v}" for k, v in sizes.items())
            return (
                f"the printed ∂{loss}/∂{wrt} differs from finite differences of {loss} at "
                f"{where} (relative error {worst:.2g})"
            )
    return None


def _random(context: Context, name: str, sizes: dict[str, int], rng: random.Random) -> Any:
    shape = tuple(sizes[d] for d in context.shapes.get(name, ()))
    domain = context.domains[name]
    count = int(np.prod(shape)) if shape else 1
    values = [_sample(domain, rng) for _ in range(count)]
    return np.array(values, dtype=float).reshape(shape) if shape else values[0]


def _sample(domain: Domain, rng: random.Random) -> float:
    """A moderate value of the domain: finite differences with a relative step are accurate
    there (the domain's far samples, 10⁶, would test float64 rather than the gradient)."""
    low, high = (0.5, 2.0) if domain.assumptions().get("positive") else (-1.5, 1.5)
    for _ in range(20):
        value = rng.uniform(low, high)
        if domain.contains(value):
            return value
    return float(domain.sample(rng))  # a narrow domain, such as (0, 0.1) or {0, 1}
