"""Imported once by the pool's fork server, so that every worker forked from it starts warm.

SymPy and NumPy import much of themselves only when first used: the first sum of terms
loads SymPy's tensors and their combinatorics, ``integrate`` the Risch machinery, a first
assumption query the handlers of every predicate, ``lambdify`` its printers.
(``simplify`` would load the physical units too; :mod:`.sympytuning` spares that.) In
a worker each of those costs its first check about 0.3 s, and every worker pays it again.
Here a few tiny computations touch those paths once, before the fork.

Nothing computed here is kept, and nothing here can stop the fork server: a failure only
means the workers import on first use, as they would without this module.
"""

from __future__ import annotations

import contextlib

import numpy
import sympy as sp


def warm_up() -> None:
    x = sp.Symbol("x", real=True)
    k = sp.Symbol("k", integer=True, positive=True)
    n = sp.Symbol("n", integer=True, positive=True)
    f = sp.exp(-x) / (1 + sp.exp(-x))
    sp.simplify(f * (1 - f) - sp.diff(f, x))
    sp.integrate(x * sp.exp(x), x)
    sp.ask(sp.Q.positive(x**2 + 1))
    sp.solveset(x**2 - 1, x, sp.S.Reals)
    sp.Interval(0, 1).is_subset(sp.Interval(-1, 2))
    sp.Sum(k**2, (k, 1, n)).doit()
    sp.piecewise_fold(sp.Max(x, 0).rewrite(sp.Piecewise) + sp.Abs(x))
    for modules in ([numpy], "mpmath", "math"):  # as drawing, codecheck and arraycheck ask
        sp.lambdify([x], f, modules=modules, docstring_limit=0)(0.5)


with contextlib.suppress(Exception):
    warm_up()
