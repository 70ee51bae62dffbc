"""Derivatives in one variable, made without asking whether they are zero: exactly what
SymPy makes, and the question no longer asked."""

from __future__ import annotations

import subprocess
import sys

import sympy as sp

from generator.checker import derivativezero, sympytuning

sympytuning.install()

x = sp.Symbol("x", real=True)


_DERIVATIVES_PROBE = """
import sys
import sympy as sp

if sys.argv[1] == "tuned":
    from generator.checker import sympytuning

    sympytuning.install()
x, y = sp.symbols("x y", positive=True)
n = sp.Symbol("n", integer=True)
k = sp.Symbol("k", integer=True)
z = sp.IndexedBase("z")
f, g = sp.Function("f"), sp.Function("g")
cases = [
    sp.exp(x * y) * sp.log(1 + x**2) / (1 + sp.exp(-x)),
    x * (sp.cos(y) ** 2 + sp.sin(y) ** 2 - 1),  # zero, but SymPy cannot tell
    x * sp.sin(sp.pi * n),  # zero, and SymPy can tell
    f(x) * g(x, y),  # derivatives left in it, each put in canonical order
    sp.Sum(z[k] ** 2 * sp.exp(x), (k, 1, n)),
    sp.Piecewise((x**2, x > 1), (y, True)),
    x * sp.Symbol("u", zero=True) * sp.exp(y),  # zero, no literal 0: SymPy returns it early
]
for case in cases:
    for variable in (x, z[2]):
        for made in (sp.diff(case, variable), sp.diff(case, (variable, 1))):
            print(sp.srepr(made), made.is_zero, made.is_positive)
print(sp.srepr(sp.diff(cases[0], x, y)), sp.srepr(sp.diff(cases[2], x, 2)))
"""


def test_a_derivative_in_one_variable_is_exactly_what_sympy_makes():
    made = {
        how: subprocess.run(
            [sys.executable, "-c", _DERIVATIVES_PROBE, how],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for how in ("plain", "tuned")
    }
    assert made["tuned"] == made["plain"]
    assert made["plain"].count("\n") == 29


def test_a_derivative_in_one_variable_is_made_without_asking_whether_it_is_zero():
    y = sp.Symbol("y", positive=True)
    made = sp.diff(sp.exp(x * y) * sp.log(2 + x**4) / (1 + sp.exp(-x * y)), x)
    assert "zero" not in made._assumptions  # SymPy's own construction has asked it
    assert "zero" not in sp.diff(sp.exp(x * y) * sp.log(3 + x**4), (x, 1))._assumptions
    assert "zero" not in sp.Derivative(sp.log(4 + x**4), x, 1, evaluate=True)._assumptions
    assert made.is_zero is None  # asked now, and worked out as SymPy would
    assert made._assumptions["zero"] is None
    assert derivativezero._SINGLE_DERIVATIVES == []


def test_a_derivative_that_fails_leaves_no_answer_hidden():
    class Broken(sp.Function):
        def fdiff(self, argindex: int = 1) -> sp.Expr:
            raise RuntimeError("no derivative here")

    inner = sp.exp(x) + x**5  # its derivative is made, and hidden, before the failure
    try:
        sp.diff(Broken(x) * inner, x)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the derivative should have failed")
    assert derivativezero._SINGLE_DERIVATIVES == []
    assert sp.diff(inner, x).is_zero is False  # e^x + 5x⁴ with x real: no answer left hidden
