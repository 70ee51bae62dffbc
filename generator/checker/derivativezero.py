"""A derivative in one variable, made without asking SymPy whether it is zero.

``Derivative(f, x)`` computes f′ and then asks ``f′.is_zero``, to return f′ at once if so;
otherwise it goes on to return f′ as well (its inner derivatives put in canonical order).
The question goes through SymPy's whole assumption system over the whole of f′, and the
chain rule makes every product, sum and Σ differentiate its parts through ``Derivative``, so
it is asked at every level of every derivative: 7.7 % of the instructions this site's
checks execute (``benchmarks/NOTES.md``, round 14), for an answer that changes nothing.

While a derivative in one variable is made, that one question on the computed f′ is
answered "unknown", read from f′ itself; the answer is taken away again as soon as the
derivative is made, so that f′ answers every later question as SymPy would have. For several
variables the answer decides whether to go on differentiating: it is asked as before.
Installed by :func:`generator.checker.sympytuning.install`, after the remembered
constructions (a derivative made before is reused without any of this).
"""

from __future__ import annotations

from typing import Any

from sympy.core.basic import Basic
from sympy.core.containers import Tuple
from sympy.core.numbers import Integer
from sympy.core.symbol import Symbol
from sympy.tensor.indexed import Indexed

_SINGLE_DERIVATIVES: list[list[Any] | None] = []
"""One entry per derivative being made, innermost last: for one in a single variable, the
objects whose zero question is answered "unknown" until it is made; None for any other."""


def install() -> None:
    """Wrap SymPy's ``Derivative`` (once per worker, from ``sympytuning.install``)."""
    from sympy.core.function import Derivative

    make = Derivative.__new__  # already the remembered construction: a reuse skips all this
    evaluate_n_times = Derivative._dispatch_eval_derivative_n_times.__func__

    def new(kind: Any, *args: Any, **options: Any) -> Any:
        single = options.get("evaluate") and _once_in_one_variable(args[1:])
        hidden: list[Any] | None = [] if single else None
        _SINGLE_DERIVATIVES.append(hidden)
        try:
            return make(kind, *args, **options)
        finally:
            _SINGLE_DERIVATIVES.pop()
            for obj in hidden or ():
                if obj._assumptions.get("zero", False) is None:
                    del obj._assumptions["zero"]

    def dispatch(cls: Any, expr: Any, v: Any, count: Any) -> Any:
        obj = evaluate_n_times(cls, expr, v, count)
        hidden = _SINGLE_DERIVATIVES[-1] if _SINGLE_DERIVATIVES else None
        if hidden is not None and isinstance(obj, Basic) and _zero_unknown_until_asked(obj):
            hidden.append(obj)
        return obj

    new.__wrapped__ = make  # type: ignore[attr-defined]
    dispatch.__wrapped__ = evaluate_n_times  # type: ignore[attr-defined]
    Derivative.__new__ = staticmethod(new)
    Derivative._dispatch_eval_derivative_n_times = classmethod(dispatch)


def _once_in_one_variable(variables: tuple[Any, ...]) -> bool:
    """The variables of a first derivative in one variable, as SymPy accepts them: x, (x, 1)
    or x, 1."""
    count: Any = 1
    if len(variables) == 1 and isinstance(variables[0], (tuple, Tuple)) and len(variables[0]) == 2:
        (variable, count) = variables[0]
    elif len(variables) == 2:
        (variable, count) = variables
    elif len(variables) == 1:
        variable = variables[0]
    else:
        return False
    whole = isinstance(count, (int, Integer)) and not isinstance(count, bool)
    return isinstance(variable, (Symbol, Indexed)) and whole and count == 1


def _zero_unknown_until_asked(obj: Any) -> bool:
    """Make ``obj.is_zero`` answer None, if it would have to be worked out (not known already,
    nor fixed by its class); whether it did."""
    if not isinstance(getattr(type(obj), "is_zero", None), property):
        return False
    known = obj._assumptions
    if "zero" in known:
        return False
    if known is obj.default_assumptions:  # shared by the class: as SymPy's own query does
        obj._assumptions = known = known.copy()
    known["zero"] = None
    return True
