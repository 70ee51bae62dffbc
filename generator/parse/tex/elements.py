"""Rows of a display with whole arrays → one claim about their element (i, j).

:mod:`.arrays` reads each row as a shape and an element; here the rows of one equation must
agree on the shape (a mistake whose sides do not is turned into the claim that their
dimensions are equal, which the checker refutes), a definition must have its declared shape,
and the element is taken at index symbols that run over the right dimensions and that neither
the display nor its givens use.
"""

from __future__ import annotations

from ...core.errors import Reason, SourceError
from ...core.mathast import Node, num, sym
from ...core.scope import Scope
from .arrays import (
    UNKNOWN,
    Dims,
    Lowerer,
    dim_node,
    has_arrays,
    is_broadcast,
    shape_error,
    shape_text,
    unify,
)


def lower_rows(
    rows: tuple[Node, ...],
    offsets: tuple[int, ...],
    scope: Scope,
    used: set[str],
    indices: tuple[str, ...] = (),
    defined: str | None = None,
) -> tuple[Node, ...]:
    """The rows of one equation, each as its element at the display's free indices; rows with
    no array are returned as they are. ``used`` names everything the display writes and the
    indices its givens name (an element index must be none of those); ``indices`` and
    ``defined`` are a definition's own index symbols and name."""
    if not any(has_arrays(row) for row in rows):
        return rows
    lowerer = Lowerer(scope)
    lowered = [lowerer.lower(row) for row in rows]
    shaped = [part.dims for part in lowered if part.dims is not None]
    dims = shaped[0] if shaped else None
    for part, row, offset in zip(lowered, rows, offsets, strict=True):
        if part.dims is None and dims is not None and is_broadcast(row):
            continue  # ∂L/∂x = 0: the number in every element, as in 1 - a
        merged = unify(dims, part.dims) if dims and part.dims else None
        if merged is None and part.dims != dims:
            if UNKNOWN in (*(dims or ()), *(part.dims or ())):
                raise shape_error("the length of \\mathbf{1} is not fixed by what it meets", offset)
            left, right = (dims, part.dims) if row is not rows[0] else (part.dims, dims)
            raise ShapeMismatch(left, right, offset)
        dims = merged or dims
    if dims is None:
        return tuple(part.at(num("1"), num("1")) for part in lowered)
    if UNKNOWN in dims:
        raise shape_error("the length of \\mathbf{1} is not fixed by what it meets", offsets[0])
    if defined is not None:
        _check_defined_shape(dims, defined, scope, offsets[0])
    row, col = _element_indices(dims, scope, used, indices, offsets[0])
    return tuple(part.at(row, col) for part in lowered)


def _check_defined_shape(dims: Dims, name: str, scope: Scope, offset: int) -> None:
    """A definition written whole has the shape its symbol is declared with."""
    shape = scope.shape_of(name)
    declared = (shape[0], "1") if len(shape) == 1 else tuple(shape) if shape else None
    if declared != dims:
        what = "a number" if declared is None else shape_text(declared)  # type: ignore[arg-type]
        raise shape_error(
            f"{scope.symbols[name].tex} is declared {what}, but the display is {shape_text(dims)}",
            offset,
        )


class ShapeMismatch(SourceError):
    """Two sides of an equation with different shapes (in a mistake, that is what is wrong)."""

    def __init__(self, left: Dims | None, right: Dims | None, offset: int) -> None:
        def text(d: Dims | None) -> str:
            return "a number" if d is None else shape_text(d)

        super().__init__(
            f"the two sides have different shapes: {text(left)} and {text(right)}",
            offset,
            reason=Reason.SHAPE,
        )
        self.left = left
        self.right = right

    def shape_texts(self) -> tuple[str, str]:
        return tuple(  # type: ignore[return-value]
            "a number" if d is None else shape_text(d) for d in (self.left, self.right)
        )

    def dimension_claim(self) -> tuple[Node, Node]:
        """The first dimension the sides disagree on, as a claim ``m = n`` (false for some
        sizes, which is what the checker shows)."""
        left, right = self.left or ("1", "1"), self.right or ("1", "1")
        for a, b in zip(left, right, strict=True):
            if a != b:
                return dim_node(a), dim_node(b)
        raise AssertionError("a shape mismatch between equal shapes")


def _element_indices(
    dims: Dims, scope: Scope, used: set[str], indices: tuple[str, ...], offset: int
) -> tuple[Node, Node]:
    wanted = [d for d in dims if d != "1"]
    if indices:
        if len(indices) != len(wanted):
            raise shape_error(
                f"the display is {shape_text(dims)}, but the definition has "
                f"{len(indices)} index(es)",
                offset,
            )
        for index, dim in zip(indices, wanted, strict=True):
            if index in used:
                raise shape_error(
                    f"the display uses {index}, which is the definition's own index: the "
                    "element it defines would be confused with it (rename the summation index)",
                    offset,
                )
            if scope.range_of(index) != dim:
                raise shape_error(
                    f"the definition's index {index} runs over 1…{scope.range_of(index)}, but "
                    f"the display is {shape_text(dims)}: its index there runs over 1…{dim}",
                    offset,
                )
        chosen = list(indices)
    else:
        chosen = []
        for dim in wanted:
            pick = _free_index(dim, scope, used | set(chosen))
            if pick is None:
                raise shape_error(
                    f"the display is {shape_text(dims)}: it is checked element by element, "
                    f"which needs an index over {dim} that neither the display nor its givens use",
                    offset,
                    (f"declare one, such as p: {{domain: index, upto: {dim}}}",),
                )
            chosen.append(pick)
    picks = iter(chosen)
    return tuple(num("1") if d == "1" else sym(next(picks)) for d in dims)  # type: ignore[return-value]


def _free_index(dim: str, scope: Scope, used: set[str]) -> str | None:
    for name in sorted(scope.symbols):
        if scope.is_index(name) and scope.range_of(name) == dim and name not in used:
            return name
    return None
