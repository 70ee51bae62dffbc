"""Expressions written in Python-like syntax, parsed without ever evaluating them.

``ast.parse(text, mode="eval")`` only *reads* the text; every node of the result is
then checked against an allow-list and translated into a :class:`~generator.core.mathast.Node`.
Nothing here calls ``eval``, ``exec``, ``sympify`` or ``parse_expr`` (ARCHITECTURE.md, invariant 1).
"""

from __future__ import annotations

import ast
import keyword as _keyword
import math
import re
import unicodedata
from collections.abc import Callable

from ..core.errors import Reason, SourceError
from ..core.mathast import Node, num, sym
from ..core.scope import BUILTIN_FUNCTIONS, CONSTANTS, FUNCTION_ALIASES, Scope
from .limits import MAX_EXPONENT, MAX_FACTORIAL, literal_value

MAX_LENGTH = 2000
MAX_NODES = 400
MAX_INT_DIGITS = 30
MAX_DEPTH = 60

_KEYWORDS = tuple(k for k in _keyword.kwlist if k not in ("True", "False", "None"))

_BINOPS: dict[type[ast.operator], str] = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.Pow: "pow",
}
_COMPARE: dict[type[ast.cmpop], str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}


def normalize(text: str) -> tuple[str, list[int]]:
    """NFKC-normalise, so look-alike characters cannot smuggle a second spelling of a name.

    Returns the normalised text and, for each of its characters, the offset of the source
    character it came from (``⑽`` becomes four characters that all point at one).
    """
    out: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        normal = unicodedata.normalize("NFKC", ch)
        out.append(normal)
        origin.extend([index] * len(normal))
    origin.append(len(text))
    return "".join(out), origin


def parse_expression(text: str, scope: Scope, *, bound: frozenset[str] = frozenset()) -> Node:
    """Parse ``text`` into a tree, or raise :class:`SourceError` at the offending offset.

    ``bound`` names variables that a surrounding construct binds (a summation index).
    """
    if len(text) > MAX_LENGTH:
        raise SourceError(f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    normalized, origin = normalize(text)
    try:
        return _parse_normalized(normalized, scope, bound)
    except SourceError as exc:
        exc.offset = origin[min(max(exc.offset, 0), len(origin) - 1)]
        raise


def _parse_normalized(text: str, scope: Scope, bound: frozenset[str]) -> Node:
    for i, ch in enumerate(text):
        if ord(ch) > 127 and not ch.isspace():
            raise SourceError(
                f"character {ch!r} (U+{ord(ch):04X}) is not allowed in an expression; "
                "write names in ASCII (sigma, not σ)",
                i,
            )
    comment = text.find("#")
    if comment >= 0:
        raise SourceError("'#' is not allowed: an expression cannot contain a comment", comment)
    # Line breaks inside a YAML block are just spaces; same length keeps offsets exact.
    text = "".join(" " if ch.isspace() else ch for ch in text)
    if text.count("(") > MAX_DEPTH or text.count("[") > MAX_DEPTH:
        raise SourceError(f"expression nests more than {MAX_DEPTH} brackets", 0)
    stripped = text.strip()
    if not stripped:
        raise SourceError("expression is empty", 0)
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        keyword = next((w for w in _KEYWORDS if re.search(rf"\b{w}\b", stripped)), None)
        if keyword is not None:
            raise SourceError(
                f"{keyword!r} is a reserved word and cannot name a symbol: "
                f"use another name with a tex spelling, such as lam with tex: \\lambda",
                text.find(keyword),
            ) from None
        lead = len(text) - len(text.lstrip())
        # Python reports an unexpected end of input at offset 0: point at the end instead.
        column = (exc.offset - 1) if exc.offset else len(stripped)
        offset = lead + min(max(column, 0), len(stripped))
        raise SourceError(f"not a valid expression: {exc.msg}", offset) from None
    except (ValueError, RecursionError, MemoryError):
        raise SourceError("not a valid expression", 0) from None
    lead = len(text) - len(text.lstrip())
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise SourceError(f"expression has {count} parts; the limit is {MAX_NODES}", 0)
    return _Translator(text, scope, lead, bound).node(tree.body, 0)


class _Translator:
    def __init__(self, text: str, scope: Scope, lead: int, bound: frozenset[str]) -> None:
        self.text = text
        self.scope = scope
        self.lead = lead
        self.bound = set(bound)

    def where(self, node: ast.AST) -> int:
        return self.lead + getattr(node, "col_offset", 0)

    def fail(self, node: ast.AST, message: str, *notes: str) -> SourceError:
        return SourceError(message, self.where(node), notes)

    def node(self, n: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(n, f"expression nests deeper than {MAX_DEPTH} levels")
        handler: Callable[[ast.Any, int], Node] | None = getattr(  # type: ignore[name-defined]
            self, "_" + type(n).__name__, None
        )
        if handler is None:
            raise self.fail(n, f"{_describe(n)} is not allowed in an expression", _ALLOWED)
        return handler(n, depth + 1)

    # --- leaves -------------------------------------------------------------------------
    def _Constant(self, n: ast.Constant, depth: int) -> Node:
        value = n.value
        if value is True:
            return Node("true", (), "", self.where(n))  # the otherwise-branch of Piecewise
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(n, f"{_describe(n)} is not allowed in an expression", _ALLOWED)
        if isinstance(value, float):
            literal = ast.get_source_segment(self.text.strip(), n) or repr(value)
            if not math.isfinite(value) or "j" in literal.lower():
                raise self.fail(n, f"number {literal} is not a finite real number")
            return num(literal.replace("_", ""), self.where(n))
        if len(str(abs(value))) > MAX_INT_DIGITS:
            raise self.fail(n, f"integer literal has more than {MAX_INT_DIGITS} digits")
        return num(str(value), self.where(n))

    def _Name(self, n: ast.Name, depth: int) -> Node:
        name = n.id
        if name.startswith("_"):
            raise self.fail(n, f"name {name!r} is not allowed (names may not start with '_')")
        if name in self.bound or self.scope.is_symbol(name):
            if self.scope.is_indexed(name) and name not in self.bound:
                raise self.fail(
                    n, f"{name!r} is an indexed symbol; write it with an index, such as {name}[i]"
                )
            return sym(name, self.where(n))
        if name in CONSTANTS:
            return Node("const", (), CONSTANTS[name], self.where(n))
        if name == "True":
            return Node("true", (), "", self.where(n))
        if name in self.scope.functions or _builtin(name):
            raise self.fail(n, f"function {name!r} needs arguments, such as {name}(x)")
        raise self.fail(
            n,
            f"undeclared symbol {name!r}",
            f"declare it under 'symbols:', for example:  {name}: {{domain: real}}",
        ).because(Reason.UNDECLARED, name)

    # --- operators ----------------------------------------------------------------------
    def _BinOp(self, n: ast.BinOp, depth: int) -> Node:
        op = _BINOPS.get(type(n.op))
        if op is None:
            raise self.fail(n, f"operator {_op_symbol(n.op)} is not allowed", _ALLOWED)
        left = self.node(n.left, depth)
        right = self.node(n.right, depth)
        at = self.where(n)
        if op == "sub":
            return Node("add", (left, Node("neg", (right,), "", right.offset)), "", at)
        if op == "pow":
            _check_power(left, right, lambda msg: self.fail(n, msg))
        if op in ("add", "mul"):
            return Node(op, (left, right), "", at)
        return Node(op, (left, right), "", at)

    def _UnaryOp(self, n: ast.UnaryOp, depth: int) -> Node:
        operand = self.node(n.operand, depth)
        if isinstance(n.op, ast.USub):
            return Node("neg", (operand,), "", self.where(n))
        if isinstance(n.op, ast.UAdd):
            return operand
        raise self.fail(n, f"operator {_op_symbol(n.op)} is not allowed", _ALLOWED)

    def _Compare(self, n: ast.Compare, depth: int) -> Node:
        if len(n.ops) != 1:
            raise self.fail(n, "chained comparisons are not allowed; write one comparison")
        op = _COMPARE.get(type(n.ops[0]))
        if op is None:
            raise self.fail(n, f"comparison {_op_symbol(n.ops[0])} is not allowed")
        return Node(
            "rel", (self.node(n.left, depth), self.node(n.comparators[0], depth)), op, self.where(n)
        )

    def _Subscript(self, n: ast.Subscript, depth: int) -> Node:
        if not isinstance(n.value, ast.Name):
            raise self.fail(n, "only declared indexed symbols can be indexed, such as z[i]")
        base = n.value.id
        if not self.scope.is_indexed(base):
            raise self.fail(n, f"{base!r} is not a declared indexed symbol (add 'indexed: true')")
        index = n.slice
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        if any(isinstance(p, ast.Slice) for p in parts):
            raise self.fail(n, "slices are not allowed; write a single index such as z[i]")
        shape = self.scope.shape_of(base)
        if shape and len(parts) != len(shape):
            raise self.fail(
                n, f"{base} is {' × '.join(shape)}: write it with {len(shape)} index(es)"
            )
        return Node("index", tuple(self.node(p, depth) for p in parts), base, self.where(n))

    # --- calls --------------------------------------------------------------------------
    def _Call(self, n: ast.Call, depth: int) -> Node:
        if not isinstance(n.func, ast.Name):
            raise self.fail(n, "only plain function names can be called, such as exp(x)")
        if n.keywords:
            raise self.fail(n, "keyword arguments are not allowed")
        if any(isinstance(a, ast.Starred) for a in n.args):
            raise self.fail(n, "starred arguments are not allowed")
        name = FUNCTION_ALIASES.get(n.func.id, n.func.id)
        at = self.where(n)
        special = {
            "Sum": self._sum,
            "Integral": self._integral,
            "Derivative": self._derivative,
            "diff": self._derivative,
            "Piecewise": self._piecewise,
        }.get(name)
        if special is not None:
            return special(n, depth)
        if name in self.scope.functions:
            params = self.scope.functions[name].params
            if len(n.args) != len(params):
                raise self.fail(
                    n,
                    f"{name} takes {len(params)} argument(s) ({', '.join(params)}), got {len(n.args)}",
                )
            return Node("call", tuple(self.node(a, depth) for a in n.args), name, at)
        if name in BUILTIN_FUNCTIONS:
            low, high = BUILTIN_FUNCTIONS[name]
            if not low <= len(n.args) <= high:
                raise self.fail(n, f"{name} takes {low}–{high} argument(s), got {len(n.args)}")
            args = tuple(self.node(a, depth) for a in n.args)
            if name == "factorial" and args[0].op == "num" and _too_big_factorial(args[0].value):
                raise self.fail(n, f"factorial of a literal above {MAX_FACTORIAL} is not allowed")
            return Node("call", args, name, at)
        if self.scope.is_symbol(n.func.id):
            raise self.fail(
                n,
                f"{n.func.id!r} is a symbol, not a function; write {n.func.id}*(...) for a product",
            )
        raise self.fail(n, f"unknown function {n.func.id!r}", _FUNCTIONS).because(
            Reason.UNDECLARED, n.func.id
        )

    def _bounds(self, n: ast.AST, what: str) -> tuple[str, list[ast.expr]]:
        if not (isinstance(n, ast.Tuple) and n.elts and isinstance(n.elts[0], ast.Name)):
            raise self.fail(n, f"{what} limits must be a tuple such as (k, 1, n)")
        return n.elts[0].id, n.elts[1:]

    def _sum(self, n: ast.Call, depth: int) -> Node:
        if len(n.args) != 2:
            raise self.fail(n, "Sum takes a body and limits, such as Sum(k**2, (k, 1, n))")
        var, rest = self._bounds(n.args[1], "Sum")
        if len(rest) != 2:
            raise self.fail(n.args[1], "Sum limits need a lower and an upper bound: (k, 1, n)")
        lower, upper = (self.node(r, depth) for r in rest)
        body = self._with_bound(var, lambda: self.node(n.args[0], depth))
        return Node("sum", (body, sym(var), lower, upper), "", self.where(n))

    def _integral(self, n: ast.Call, depth: int) -> Node:
        if len(n.args) != 2:
            raise self.fail(n, "Integral takes a body and a variable or limits (x, 0, 1)")
        rest: list[ast.expr] = []
        if isinstance(n.args[1], ast.Name):
            var = n.args[1].id
        else:
            var, rest = self._bounds(n.args[1], "Integral")
            if len(rest) != 2:
                raise self.fail(n.args[1], "Integral limits need a lower and an upper bound")
        if not self.scope.is_symbol(var) and var not in self.bound:
            raise self.fail(n.args[1], f"undeclared integration variable {var!r}").because(
                Reason.UNDECLARED, var
            )
        body = self.node(n.args[0], depth)
        limits = tuple(self.node(r, depth) for r in rest)
        return Node("integral", (body, sym(var), *limits), "", self.where(n))

    def _derivative(self, n: ast.Call, depth: int) -> Node:
        if len(n.args) not in (2, 3):
            raise self.fail(n, "Derivative takes an expression, a variable and an optional order")
        body = self.node(n.args[0], depth)
        var = self.node(n.args[1], depth)
        if var.op not in ("sym", "index"):
            raise self.fail(n.args[1], "differentiate with respect to a symbol, such as z or z[j]")
        order = self.node(n.args[2], depth) if len(n.args) == 3 else num("1")
        if order.op != "num" or not order.value.isdigit() or not 1 <= int(order.value) <= 10:
            raise self.fail(n, "the order of a derivative must be an integer from 1 to 10")
        return Node("deriv", (body, var, order), "", self.where(n))

    def _piecewise(self, n: ast.Call, depth: int) -> Node:
        pairs = []
        for arg in n.args:
            if not (isinstance(arg, ast.Tuple) and len(arg.elts) == 2):
                raise self.fail(arg, "Piecewise takes pairs such as (x, x > 0), (0, True)")
            value = self.node(arg.elts[0], depth)
            cond = self.node(arg.elts[1], depth)
            if cond.op not in ("rel", "true"):
                raise self.fail(arg.elts[1], "a Piecewise condition must be a comparison or True")
            pairs.append(Node("row", (value, cond)))
        if not pairs:
            raise self.fail(n, "Piecewise needs at least one (value, condition) pair")
        return Node("piecewise", tuple(pairs), "", self.where(n))

    def _with_bound(self, var: str, build: Callable[[], Node]) -> Node:
        had = var in self.bound
        self.bound.add(var)
        try:
            return build()
        finally:
            if not had:
                self.bound.discard(var)


def _builtin(name: str) -> bool:
    name = FUNCTION_ALIASES.get(name, name)
    return name in BUILTIN_FUNCTIONS or name in (
        "Sum",
        "Integral",
        "Derivative",
        "diff",
        "Piecewise",
    )


def _too_big_factorial(text: str) -> bool:
    try:
        return float(text) > MAX_FACTORIAL
    except ValueError:
        return True


def _check_power(base: Node, exponent: Node, fail: Callable[[str], SourceError]) -> None:
    """Reject literal powers that would take unbounded time or memory to evaluate."""
    exp_value = literal_value(exponent)
    if exp_value is None:
        return
    if math.isinf(exp_value) or abs(exp_value) > MAX_EXPONENT:
        raise fail(f"exponent is too large (literal exponents are limited to ±{MAX_EXPONENT})")


def _describe(n: ast.AST) -> str:
    names = {
        "Attribute": "attribute access",
        "Lambda": "lambda",
        "Constant": "a string or non-numeric constant",
        "JoinedStr": "a format string",
        "NamedExpr": "the walrus operator :=",
        "ListComp": "a comprehension",
        "SetComp": "a comprehension",
        "DictComp": "a comprehension",
        "GeneratorExp": "a generator expression",
        "IfExp": "a conditional expression",
        "BoolOp": "and/or",
        "Starred": "a starred expression",
        "Await": "await",
        "Yield": "yield",
        "Dict": "a dictionary",
        "Set": "a set",
        "List": "a list",
        "Tuple": "a tuple",
        "Slice": "a slice",
    }
    if isinstance(n, ast.Constant) and isinstance(n.value, str):
        return "a string"
    return names.get(type(n).__name__, type(n).__name__)


def _op_symbol(op: ast.AST) -> str:
    return {
        "Mod": "%",
        "FloorDiv": "//",
        "MatMult": "@",
        "BitAnd": "&",
        "BitOr": "|",
        "BitXor": "^ (write ** for powers)",
        "LShift": "<<",
        "RShift": ">>",
        "Invert": "~",
        "Not": "not",
        "NotEq": "!=",
        "Is": "is",
        "IsNot": "is not",
        "In": "in",
        "NotIn": "not in",
    }.get(type(op).__name__, type(op).__name__)


_ALLOWED = (
    "allowed: numbers, declared symbols, + - * / **, unary minus, indexing z[i], and calls "
    "to exp, log, sqrt, sin, cos, tan, sinh, cosh, tanh, Abs, Max, Min, sign, Heaviside, "
    "factorial, KroneckerDelta, Piecewise, Sum, Integral, Derivative or a declared function"
)
_FUNCTIONS = _ALLOWED
