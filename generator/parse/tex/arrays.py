r"""Vectors and matrices written whole (``W x + b``, ``\delta x^\top``, ``W^\top \delta \odot
\sigma'(z)``), read as what they are element by element.

A symbol declared with a shape (``W: {shape: [m, n]}``, ``x: {shape: [n]}``) may be written
without a subscript. The parser keeps such a symbol as an ``array`` node, a transpose as
``transpose`` and ``\odot`` as ``hadamard``; :func:`lower_rows` then rewrites each row of a
display into one scalar formula for its element (i, j), with the index algebra spelled out:

* ``W x`` is Σₖ Wᵢₖ xₖ over k = 1…n, ``\delta x^\top`` is δᵢ xⱼ, ``x^\top y`` is Σₖ xₖ yₖ;
* ``A \odot B`` is Aᵢⱼ Bᵢⱼ, a scalar function of an array (σ(z)) acts element by element;
* ``\frac{\partial L}{\partial W}`` in denominator layout has W's shape, element ∂L/∂Wᵢⱼ; in
  numerator layout it has Wᵀ's shape, element ∂L/∂Wⱼᵢ. ``\frac{\partial z}{\partial x}`` of
  two vectors is the Jacobian, ∂zᵢ/∂xⱼ in numerator layout.

A vector of length n is a column (n × 1). Shapes are checked as the rows are lowered: a
product whose inner dimensions differ, a sum of different shapes, or an equation between
different shapes is an error at the operand's position that names both shapes. The element
indices of a row are declared index symbols that run over the right dimension (``i: {domain:
index, upto: m}``), so the checker proves the claim for every size and every index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...core.errors import Reason, SourceError
from ...core.mathast import Node, num, sym
from ...core.scope import Scope
from .state import TexState

Dims = tuple[str, str]
"""(rows, columns): dimension names, or "1"."""
Element = Callable[[Node, Node], Node]

ARRAY_OPS = frozenset({"array", "transpose", "hadamard", "ones", "trace", "diag", "norm"})
UNKNOWN = "?"
"""The length of a \\mathbf{1} until what it meets fixes it."""


def has_arrays(node: Node) -> bool:
    return any(n.op in ARRAY_OPS for n in node.walk())


def unify(a: Dims, b: Dims) -> Dims | None:
    """The one shape both describe (a \\mathbf{1} takes the other's length), or None."""
    out = []
    for x, y in zip(a, b, strict=True):
        if x != y and UNKNOWN not in (x, y):
            return None
        out.append(y if x == UNKNOWN else x)
    return (out[0], out[1])


def shape_text(dims: Dims) -> str:
    rows, cols = (d if d != UNKNOWN else "(not fixed)" for d in dims)
    if cols == "1":
        return "a scalar" if rows == "1" else f"a column of length {rows}"
    if rows == "1":
        return f"a row of length {cols}"
    return f"{rows}×{cols}"


@dataclass(frozen=True, slots=True)
class Lowered:
    """An array's shape and its element at (row, column); ``dims`` is None for a number."""

    dims: Dims | None
    element: Element

    def at(self, row: Node, col: Node) -> Node:
        return self.element(row, col)


def _scalar(node: Node) -> Lowered:
    return Lowered(None, lambda _r, _c: node)


@dataclass
class Lowerer:
    """Lowers the rows of one display; fresh summation indices are numbered across it."""

    scope: Scope
    counter: int = 0

    def fresh(self) -> str:
        self.counter += 1
        return f"_a{self.counter}"

    # --- the rules ------------------------------------------------------------------------
    def lower(self, node: Node) -> Lowered:
        if not has_arrays(node):
            return _scalar(node)
        rule = getattr(self, "_" + node.op, None)
        if rule is None:
            raise shape_error(
                "this construct is not read with a whole vector or matrix inside; write it "
                "element by element (W_{ij}, x_k)",
                node.offset,
            )
        lowered: Lowered = rule(node)
        return lowered

    def _array(self, node: Node) -> Lowered:
        name = node.value
        shape = self.scope.shape_of(name)
        if len(shape) == 1:
            return Lowered((shape[0], "1"), lambda r, _c: Node("index", (r,), name, node.offset))
        return Lowered((shape[0], shape[1]), lambda r, c: Node("index", (r, c), name, node.offset))

    def _transpose(self, node: Node) -> Lowered:
        inner = self.lower(node.args[0])
        if inner.dims is None:
            raise shape_error("a transpose of a number: ^T needs a vector or a matrix", node.offset)
        rows, cols = inner.dims
        return _collapsed((cols, rows), lambda r, c: inner.at(c, r))

    def _mul(self, node: Node) -> Lowered:
        result = self.lower(node.args[0])
        left_node = node.args[0]
        for factor in node.args[1:]:
            right = self.lower(factor)
            result = self._product(result, right, left_node, factor, node.offset)
            left_node = Node("mul", (left_node, factor), "", node.offset)
        return result

    def _product(
        self, left: Lowered, right: Lowered, left_node: Node, right_node: Node, offset: int
    ) -> Lowered:
        if left.dims is None or right.dims is None:
            dims = left.dims or right.dims
            return Lowered(
                dims, lambda r, c: Node("mul", (left.at(r, c), right.at(r, c)), "", offset)
            )
        (rows, inner), (inner_right, cols) = left.dims, right.dims
        inner = inner_right if inner == UNKNOWN else inner
        if inner != inner_right and inner_right != UNKNOWN:
            raise shape_error(
                f"{_named(self.scope, left_node, left.dims)}, {_named(self.scope, right_node, right.dims)}: "
                f"the product needs {_needs(self.scope, right_node, right.dims, inner)}",
                right_node.offset,
            )
        if inner == UNKNOWN:
            raise shape_error(
                "the length of \\mathbf{1} is not fixed by what it multiplies", offset
            )
        if inner == "1":  # an outer product: δ xᵀ
            one = num("1")
            return _collapsed(
                (rows, cols),
                lambda r, c: Node("mul", (left.at(r, one), right.at(one, c)), "", offset),
            )
        k = self.fresh()

        def element(r: Node, c: Node) -> Node:
            term = Node("mul", (left.at(r, sym(k)), right.at(sym(k), c)), "", offset)
            return Node("sum", (term, sym(k), num("1"), dim_node(inner)), "", offset)

        return _collapsed((rows, cols), element)

    def _hadamard(self, node: Node) -> Lowered:
        left, right = (self.lower(a) for a in node.args)
        dims = unify(left.dims, right.dims) if left.dims and right.dims else None
        if dims is None:
            raise shape_error(
                f"{_named(self.scope, node.args[0], left.dims)}, {_named(self.scope, node.args[1], right.dims)}: "
                "\\odot multiplies two arrays of the same shape element by element",
                node.args[1].offset,
            )
        return Lowered(
            dims,
            lambda r, c: Node("mul", (left.at(r, c), right.at(r, c)), "", node.offset),
        )

    def _add(self, node: Node) -> Lowered:
        """Terms of one shape; a literal number among them is that number in every element
        (1 − a for a vector a, as σ(z)(1 − σ(z)) is written)."""
        parts = [self.lower(a) for a in node.args]
        shaped = [p.dims for p in parts if p.dims is not None]
        if not shaped:  # gᵀo + c: every term is a number
            one = num("1")
            return _scalar(Node("add", tuple(p.at(one, one) for p in parts), "", node.offset))
        dims: Dims = shaped[0]
        for part, arg in zip(parts, node.args, strict=True):
            merged = unify(dims, part.dims) if part.dims is not None else None
            if merged is not None:
                dims = merged
            elif is_broadcast(arg):
                _not_square(dims, "a number added to it", arg.offset)
            else:
                term = "a number" if part.dims is None else _named(self.scope, arg, part.dims)
                raise shape_error(
                    f"the terms of a sum have one shape, but the first array is "
                    f"{shape_text(dims)} and {term} (a number is added to every element only "
                    "when it is written as a number, such as 1 - a)",
                    arg.offset,
                )
        return Lowered(
            dims, lambda r, c: Node("add", tuple(p.at(r, c) for p in parts), "", node.offset)
        )

    def _ones(self, node: Node) -> Lowered:
        return Lowered((UNKNOWN, "1"), lambda _r, _c: num("1", node.offset))

    def _trace(self, node: Node) -> Lowered:
        inner = self.lower(node.args[0])
        if inner.dims is None or inner.dims[0] != inner.dims[1] or UNKNOWN in inner.dims:
            raise shape_error(
                f"the trace needs a square matrix; {_named(self.scope, node.args[0], inner.dims)}",
                node.args[0].offset,
            )
        k = self.fresh()
        term = inner.at(sym(k), sym(k))
        total = Node("sum", (term, sym(k), num("1"), dim_node(inner.dims[0])), "", node.offset)
        return _scalar(total)

    def _diag(self, node: Node) -> Lowered:
        inner = self.lower(node.args[0])
        if inner.dims is None or inner.dims[1] != "1" or UNKNOWN in inner.dims:
            raise shape_error(
                f"diag makes a matrix of a column of known length; {_named(self.scope, node.args[0], inner.dims)}",
                node.args[0].offset,
            )
        one = num("1")

        def element(r: Node, c: Node) -> Node:
            delta = Node("call", (r, c), "KroneckerDelta", node.offset)
            return Node("mul", (delta, inner.at(r, one)), "", node.offset)

        return Lowered((inner.dims[0], inner.dims[0]), element)

    def _norm(self, node: Node) -> Lowered:
        """‖x‖ = √(Σₖ xₖ²); for a matrix the Frobenius norm √(Σₖ Σₗ Wₖₗ²)."""
        inner = self.lower(node.args[0])
        if inner.dims is None:
            raise shape_error("\\|…\\| of a number: write |…|", node.offset)
        if UNKNOWN in inner.dims:
            raise shape_error(
                "the length of \\mathbf{1} is not fixed by what it meets", node.offset
            )
        if "1" not in inner.dims and node.value != "F":
            raise shape_error(
                "the norm of a matrix is read only as the Frobenius norm, written \\|W\\|_F "
                "(\\|W\\| or \\|W\\|_2 is often the spectral norm, which is not read)",
                node.offset,
            )
        r, c = self.fresh(), self.fresh()
        rows, cols = inner.dims
        row = sym(r) if rows != "1" else num("1")
        col = sym(c) if cols != "1" else num("1")
        total = Node("pow", (inner.at(row, col), num("2")), "", node.offset)
        for variable, dim in ((r, rows), (c, cols)):
            if dim != "1":
                total = Node(
                    "sum", (total, sym(variable), num("1"), dim_node(dim)), "", node.offset
                )
        return _scalar(Node("call", (total,), "sqrt", node.offset))

    def _neg(self, node: Node) -> Lowered:
        inner = self.lower(node.args[0])
        return Lowered(inner.dims, lambda r, c: Node("neg", (inner.at(r, c),), "", node.offset))

    def _div(self, node: Node) -> Lowered:
        top, bottom = (self.lower(a) for a in node.args)
        if bottom.dims is not None:
            raise shape_error(
                "dividing by a vector or a matrix is not defined; divide element by element "
                "(\\frac{x_i}{y_i})",
                node.args[1].offset,
            )
        return Lowered(
            top.dims, lambda r, c: Node("div", (top.at(r, c), bottom.at(r, c)), "", node.offset)
        )

    def _pow(self, node: Node) -> Lowered:
        base, exponent = (self.lower(a) for a in node.args)
        if node.args[0].op == "const" and node.args[0].value == "E" and exponent.dims:
            _not_square(exponent.dims, "e^{S}", node.offset)
            # e^{s} of a vector: the exponential element by element, as papers write softmax
            return Lowered(
                exponent.dims,
                lambda r, c: Node("call", (exponent.at(r, c),), "exp", node.offset),
            )
        if base.dims is not None or exponent.dims is not None:
            raise shape_error(
                "a power of a vector or a matrix is ambiguous (element by element, or a matrix "
                "product): write x \\odot x, or x^\\top x for the squared length",
                node.offset,
            )
        one = num("1")
        return _scalar(Node("pow", (base.at(one, one), exponent.at(one, one)), "", node.offset))

    def _call(self, node: Node) -> Lowered:
        """σ(z) of a vector z: σ element by element."""
        args = [self.lower(a) for a in node.args]
        shapes = {a.dims for a in args if a.dims is not None}
        if not shapes:  # σ(xᵀw): a function of numbers
            one = num("1")
            return _scalar(
                Node("call", tuple(a.at(one, one) for a in args), node.value, node.offset)
            )
        if len(shapes) != 1:
            raise shape_error(
                f"{node.value} is applied element by element to arrays of one shape",
                node.offset,
            )
        (dims,) = shapes
        if node.value not in self.scope.functions:  # exp, sqrt, |·| of a square matrix
            _not_square(dims, f"{node.value} of it", node.offset)
        return Lowered(
            dims,
            lambda r, c: Node("call", tuple(a.at(r, c) for a in args), node.value, node.offset),
        )

    def _at(self, node: Node) -> Lowered:
        """σ'(z) of a vector z: the derivative taken at each element."""
        derivative, parameter, value = node.args
        inner = self.lower(value)
        return Lowered(
            inner.dims,
            lambda r, c: Node("at", (derivative, parameter, inner.at(r, c)), "", node.offset),
        )

    def _sum(self, node: Node) -> Lowered:
        body, variable, *limits = node.args
        if any(has_arrays(limit) for limit in limits):
            raise shape_error("a sum's limits are numbers, not arrays", node.offset)
        inner = self.lower(body)
        return Lowered(
            inner.dims,
            lambda r, c: Node("sum", (inner.at(r, c), variable, *limits), "", node.offset),
        )

    def _deriv(self, node: Node) -> Lowered:
        body, variable, order = node.args
        top = self.lower(body)
        if variable.op != "array":
            # ∂z/∂b₁ of a vector z: element by element
            return Lowered(
                top.dims,
                lambda r, c: Node("deriv", (top.at(r, c), variable, order), "", node.offset),
            )
        if order.value != "1":
            raise shape_error(
                "a second derivative by a vector or a matrix is not read", node.offset
            )
        by = self._array(variable)
        assert by.dims is not None
        denominator = self.scope.layout == "denominator"
        if top.dims is None:  # a scalar by an array: the gradient
            dims = by.dims if denominator else (by.dims[1], by.dims[0])
            scalar = top.at(num("1"), num("1"))

            def gradient(r: Node, c: Node) -> Node:
                at = by.at(r, c) if denominator else by.at(c, r)
                return Node("deriv", (scalar, at, order), "", node.offset)

            return _collapsed(dims, gradient)
        if top.dims[1] != "1" or by.dims[1] != "1":
            raise shape_error(
                "a derivative of a matrix, or by a matrix, has more than two indices: write it "
                "element by element (\\frac{\\partial z_i}{\\partial W_{jk}})",
                node.offset,
            )
        one = num("1")
        rows, cols = (top.dims[0], by.dims[0]) if not denominator else (by.dims[0], top.dims[0])

        def jacobian(r: Node, c: Node) -> Node:
            out, into = (r, c) if not denominator else (c, r)
            return Node("deriv", (top.at(out, one), by.at(into, one), order), "", node.offset)

        return _collapsed((rows, cols), jacobian)


def _not_square(dims: Dims, what: str, offset: int) -> None:
    """For a square matrix, e^S, √S, |S| and S + 1 are also matrix functions (S + 1 may mean
    S + I): refused there, where element by element is one reading among two."""
    if dims[0] == dims[1] and dims[0] not in ("1", UNKNOWN):
        raise shape_error(
            f"the matrix is square ({shape_text(dims)}), so {what} could be read element by "
            "element or as a function of the matrix: write it element by element "
            "(e^{S_{ij}}, S_{ij} + 1)",
            offset,
        )


def is_broadcast(node: Node) -> bool:
    """A literal number (or its negation): the only scalar a vector's sum spreads."""
    inner = node.args[0] if node.op == "neg" else node
    return inner.op == "num"


def shape_error(message: str, offset: int, notes: tuple[str, ...] = ()) -> SourceError:
    return SourceError(message, offset, notes, reason=Reason.SHAPE)


def _collapsed(dims: Dims, element: Element) -> Lowered:
    """A 1×1 result (xᵀy) is a number."""
    if dims == ("1", "1"):
        one = num("1")
        value = element(one, one)
        return _scalar(value)
    return Lowered(dims, element)


def dim_node(name: str) -> Node:
    return num(name) if name.isdigit() else sym(name)


# --- parse rules for constructs of whole arrays -----------------------------------------------


def is_ones(state: TexState) -> bool:
    """``\\mathbf{1}`` (or ``\\boldsymbol{1}``) at the cursor."""
    return state.texts(state.pos, state.pos + 4) == ["\\mathbf", "{", "1", "}"] or (
        state.texts(state.pos, state.pos + 4) == ["\\boldsymbol", "{", "1", "}"]
    )


def parse_ones(state: TexState) -> Node:
    start = state.peek()
    for _ in range(4):
        state.take()
    return Node("ones", (), "", start.offset)


ARRAY_FUNCTIONS = {"tr": "trace", "Tr": "trace", "trace": "trace", "diag": "diag"}
"""Words of \\operatorname{…} that act on a whole array."""


# --- naming operands in errors -------------------------------------------------------------------


def _named(scope: Scope, node: Node, dims: Dims | None) -> str:
    return f"{_what(scope, node)} is {'a number' if dims is None else shape_text(dims)}"


def _what(scope: Scope, node: Node) -> str:
    if node.op == "array":
        return scope.symbols[node.value].tex
    if node.op == "transpose" and node.args[0].op == "array":
        return scope.symbols[node.args[0].value].tex + "^\\top"
    return "the factor on the left" if node.op == "mul" else "the factor on the right"


def _needs(scope: Scope, node: Node, dims: Dims, inner: str) -> str:
    what = _what(scope, node)
    if dims[1] != "1":
        return f"{what} with {inner} rows"
    if inner == "1":
        return f"{what} as a row (write {what}^\\top)"
    return f"{what} of length {inner}"
