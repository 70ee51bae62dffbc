"""Two changes to how SymPy runs inside a worker, neither of which changes what it computes.

* The free symbols of a sum (or product, or integral) are remembered. SymPy recomputes them
  on every request by rebuilding the whole body with its variables masked, and the
  every-size prover asks for them thousands of times while reducing a page's sums (they
  were 9 % of this site's checking time). An expression is immutable and compares by
  structure, so the answer for one is the answer for every equal one.
* SymPy's assumption system visits the facts that could settle a query in a random order, to
  expose its own handlers' inconsistencies in SymPy's test suite. Here a fixed order is
  wanted: the same claim must get the same verdict in every run, on every machine.

``install()`` is called once per worker process; calling it again does nothing.
"""

from __future__ import annotations

import functools
from typing import Any

import sympy.core.assumptions as sympy_assumptions
from sympy.concrete.expr_with_limits import ExprWithLimits

_FREE_SYMBOLS_OF_SUMS = 8192
"""Sums remembered per worker: a page's checks meet a few hundred distinct ones."""

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    computed = ExprWithLimits.free_symbols.fget
    remembered = functools.lru_cache(maxsize=_FREE_SYMBOLS_OF_SUMS)(
        lambda expr: frozenset(computed(expr))
    )
    # A fresh set each time: callers of SymPy's free_symbols may add to what they get.
    ExprWithLimits.free_symbols = property(lambda expr: set(remembered(expr)))
    sympy_assumptions.shuffle = _in_fixed_order


def _in_fixed_order(facts: list[Any]) -> None:
    facts.sort()
