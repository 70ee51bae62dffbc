"""The code on a page: pasteable NumPy, stable forms proven by SymPy, verified where it is
accurate in float64 (#16.2). Every feature is also shown to catch its wrong input."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from fractions import Fraction

import pytest
import sympy as sp

from generator.checker import codecheck, numpycode, pagecode, stableforms
from generator.checker.context import context_from_payload
from generator.core.domains import parse_domain
from generator.core.jobs import DrawJob, decode
from generator.source.load import load_source

from .helpers import ROOT

SCALAR_PAGES = [
    p.stem
    for p in sorted((ROOT / "content").glob("*.yaml"))
    if p.stem not in ("index", "latex-examples") and "shape:" not in p.read_text(encoding="utf-8")
]
"""Pages whose code is a loss and its gradient (pages with matrices: tests/test_arraycode.py)."""


def _prepared(
    name: str, folder: str = "content", **changes: object
) -> tuple[codecheck.Problem, str]:
    path = ROOT / folder / f"{name}.yaml"
    source, diagnostics = load_source(path.read_text(encoding="utf-8"), f"{folder}/{name}.yaml")
    assert source is not None and source.artifacts is not None, [d.format() for d in diagnostics]
    job = decode(source.artifacts)
    assert isinstance(job, DrawJob)
    prepared = pagecode.prepare(context_from_payload(source.context), replace(job, **changes))
    assert prepared is not None
    return prepared


def _naive(problem: codecheck.Problem) -> codecheck.Problem:
    """The same page printed from the checked expressions as written, without stable forms."""
    text = numpycode.module_text(problem.signature, problem.loss, problem.gradient, problem.free)
    return replace(problem, text=text)


# --- pasteable code ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCALAR_PAGES)
def test_every_page_prints_code_a_practitioner_can_paste(name: str) -> None:
    problem, _ = _prepared(name)
    code = problem.text
    assert "import numpy as np" in code
    assert "numpy." not in code and "**(-1" not in code and "functools" not in code
    assert "def loss(" in code and "def grad(" in code
    outcome = codecheck.run(problem, random.Random(3))
    assert outcome.failure is None, outcome.failure
    assert f"−{codecheck.LARGE} ≤" in outcome.verification  # finite differences out to ±50


def test_natural_operators() -> None:
    code = _prepared("sigmoid-mse")[0].text
    assert "1/(1 + np.exp(-z))" in code and "/2" in code and "(1/2)" not in code
    hinge = _prepared("hinge")[0].text
    assert "np.maximum(0, " in hinge and "np.where(y*z < 1, -y," in hinge


# --- stable forms ------------------------------------------------------------------------------


def test_the_logistic_loss_is_printed_with_logaddexp_and_proven_equal() -> None:
    problem, proofs = _prepared("sigmoid-logistic")
    assert "np.logaddexp(0, -z)" in problem.text and "np.log(" not in problem.text
    assert "printed loss is proven equal to the checked one by SymPy" in proofs


def test_a_stable_form_that_is_not_the_loss_is_refuted() -> None:
    z = sp.Symbol("z", real=True)
    y = sp.Symbol("y", real=True)
    domains = {z: parse_domain("real"), y: parse_domain("[0, 1]")}
    loss = -(y * sp.log(1 / (1 + sp.exp(-z))) + (1 - y) * sp.log(1 - 1 / (1 + sp.exp(-z))))
    right = y * stableforms.LogAddExp(0, -z) + (1 - y) * stableforms.LogAddExp(0, z)
    wrong = y * stableforms.LogAddExp(0, z) + (1 - y) * stableforms.LogAddExp(0, -z)
    assert stableforms.stabilized(loss) == right
    assert stableforms.prove_equal(loss, right, domains, None) is not None
    assert stableforms.prove_equal(loss, wrong, domains, None) is None


def _scope(name: str) -> stableforms.VectorScope:
    source, _ = load_source(
        (ROOT / "content" / f"{name}.yaml").read_text(encoding="utf-8"), f"content/{name}.yaml"
    )
    assert source is not None
    scope = pagecode._vector_scope(context_from_payload(source.context))
    assert scope is not None
    return scope


def test_a_vector_stable_form_that_is_not_the_loss_is_refuted() -> None:
    problem, proofs = _prepared("softmax-cross-entropy")
    loss, size = problem.loss, problem.size
    scope = _scope("softmax-cross-entropy")
    stable = stableforms.stabilized(loss)
    assert stable.has(stableforms.LogSumExp)
    assert stableforms.prove_equal(loss, stable, {}, size, scope) == (
        "proven for every N (positive integer)"
    )
    assert "proven for every N" in proofs
    # Without the declared domains only the sizes N = 1…4 are tried, as the fallback.
    assert stableforms.prove_equal(loss, stable, {}, size) == "proven for N = 1…4"
    # ln Σ e^z where the loss has ln e^{z_k}: no longer the cross entropy.
    wrong = stable.replace(
        lambda e: isinstance(e, stableforms.LogSumExp), lambda e: e.args[0].function
    )
    assert stableforms.prove_equal(loss, wrong, {}, size, scope) is None
    assert stableforms.prove_equal(loss, wrong, {}, size) is None


@pytest.mark.parametrize("name", ["softmax-cross-entropy", "label-smoothing"])
def test_a_wrong_softmax_is_refuted_for_every_size(name: str) -> None:
    problem, _ = _prepared(name)
    gradient, size, free = problem.gradient, problem.size, problem.free
    scope = _scope(name)
    stable = stableforms.stabilized(gradient)
    assert stable.has(stableforms.Softmax)
    assert stableforms.prove_equal(gradient, stable, {}, size, scope) is not None
    # e^{z_i} over Σⱼ e^{2 z_j}: right at no N but equal where every z is 0.
    doubled = stable.replace(
        lambda e: isinstance(e, stableforms.Softmax),
        lambda e: stableforms.Softmax(sp.Sum(2 * e.args[0].function, *e.args[0].limits), e.args[1]),
    )
    assert stableforms.prove_equal(gradient, doubled, {}, size, scope) is None
    # The component of another index: the softmax of z_1 is not that of z_i.
    other = stable.xreplace({free: sp.Integer(1)})
    assert stableforms.prove_equal(gradient, other, {}, size, scope) is None


def test_a_logistic_stable_form_with_a_sign_error_is_refuted_for_every_size() -> None:
    problem, _ = _prepared("logistic-regression")
    loss, size = problem.loss, problem.size
    scope = _scope("logistic-regression")
    stable = stableforms.stabilized(loss)
    assert stableforms.prove_equal(loss, stable, {}, size, scope) is not None
    flipped = stable.replace(
        lambda e: isinstance(e, stableforms.LogAddExp),
        lambda e: stableforms.LogAddExp(e.args[0], -e.args[1]),
    )
    assert stableforms.prove_equal(loss, flipped, {}, size, scope) is None


# --- verification ------------------------------------------------------------------------------


def _failure_with(problem: codecheck.Problem, right: str, wrong: str) -> str:
    """The verification failure of the page's code with ``right`` replaced by ``wrong``."""
    text = problem.text.replace(right, wrong)
    assert text != problem.text
    failure = codecheck.run(replace(problem, text=text), random.Random(1)).failure
    assert failure is not None
    return failure


def test_a_wrong_gradient_in_the_printed_code_fails_verification() -> None:
    problem, _ = _prepared("sigmoid-logistic")
    failure = _failure_with(
        problem, "return -y + 1/(1 + np.exp(-z))", "return -y + 1/(1 + np.exp(z))"
    )
    assert "finite differences =" in failure


def test_a_fast_oscillation_is_verified_far_out_and_a_slightly_wrong_slope_is_not() -> None:
    problem, _ = _prepared("fast-oscillation", "tests/fixtures/pagecode")
    assert codecheck.run(problem, random.Random(1)).failure is None
    assert "finite differences =" in _failure_with(problem, "np.cos(88*z)", "np.cos(88.001*z)")


def test_a_wrong_softmax_gradient_fails_on_random_arrays() -> None:
    problem, _ = _prepared("softmax-cross-entropy")
    failure = _failure_with(problem, "return softmax(z) - y", "return softmax(z)[..., ::-1] - y")
    assert "grad =" in failure


def test_the_naive_logistic_loss_is_reported_as_inaccurate_far_out() -> None:
    """1 − σ(z) rounds to 0 in float64 from z ≈ 37: the naive form cannot be verified there."""
    problem, _ = _prepared("sigmoid-logistic", x_range=(Fraction(40), Fraction(60)))
    outcome = codecheck.run(_naive(problem), random.Random(1))
    assert outcome.failure is not None and "inaccurate in float64" in outcome.failure
    stable = codecheck.run(problem, random.Random(1))
    assert stable.failure is None, stable.failure


# --- the float64 range --------------------------------------------------------------------------


def _bounds(text: str) -> tuple[str, str]:
    match = re.search(r"for (\S+) ≤ \S+ ≤ ([^\s;]+)", text)
    assert match is not None, text
    return match.group(1), match.group(2)


@pytest.mark.parametrize("name", ["sigmoid-logistic", "softplus-mse", "log-cosh"])
def test_stable_forms_widen_the_float64_range(name: str) -> None:
    problem, _ = _prepared(name)
    stable = codecheck.run(problem, random.Random(1)).float64
    naive = codecheck.run(_naive(problem), random.Random(1)).float64
    assert _bounds(stable) == ("−1000", "1000") and "widest range tried" in stable
    assert _bounds(naive) != ("−1000", "1000") and "loses its accuracy" in naive


def test_softmax_with_the_max_shift_survives_large_logits() -> None:
    problem, _ = _prepared("softmax-cross-entropy")
    assert "np.max(u, axis=-1, keepdims=True)" in problem.text
    stable = codecheck.run(problem, random.Random(1)).float64
    naive = codecheck.run(_naive(problem), random.Random(1)).float64
    assert _bounds(stable) == ("−1000", "1000")
    assert "loses its accuracy" in naive


def test_a_loss_that_outgrows_float64_says_so() -> None:
    """eᶻ passes the largest float64 at z ≈ 709.8: no form of the Poisson loss helps there."""
    problem, _ = _prepared("poisson-nll")
    text = codecheck.run(problem, random.Random(1)).float64
    assert _bounds(text) == ("−1000", "700")
    assert "beyond z = 700 the loss itself exceeds the largest float64 number" in text


def _reference_by_sympy(problem: codecheck.Problem, values: codecheck.Values) -> float:
    """The loss at ``values`` the slow way: exact rationals into SymPy, then 6,000 digits
    (SymPy's evalf gives 0 for 1 − 1/(1 + e⁻²⁰⁰⁰) at any precision asked)."""
    import mpmath

    expr = problem.loss
    mapping: dict[object, object] = {}
    for p, v in values.items():
        if isinstance(v, list):
            expr = expr.xreplace({problem.size: len(v)}).doit()
            mapping.update({p[k + 1]: sp.Rational(x) for k, x in enumerate(v)})
        else:
            mapping[p] = sp.Rational(v)
    with mpmath.workdps(6000):
        return float(sp.lambdify((), expr.xreplace(mapping), modules="mpmath")())


@pytest.mark.parametrize(
    ("w", "x3"),
    [(0.75, 2.0), (-30.0, 2.0), (1000.0, 2.0), (-1000.0, 2.0), (1000.0, 10.0)],
)
def test_the_reference_values_agree_with_exact_sympy(w: float, x3: float) -> None:
    """Compiled once and evaluated by mpmath, or (0 · ln(1 − σ(10⁴)), beyond any working
    precision) with every other parameter exact first: SymPy's value, to well within the
    accuracy asked of the code (the last case's e⁻⁵⁰⁰ is lost at 40 and 160 digits alike)."""
    problem, _ = _prepared("logistic-regression")
    setting = dict(problem.settings[0])
    x = next(p for p in problem.params if str(p) == "x")
    setting[x] = [1.0, -0.5, x3]
    values = codecheck._with_x(problem, setting, w)
    value = codecheck._exact(problem.loss, problem, values, None)
    assert value is not None
    assert value == pytest.approx(_reference_by_sympy(problem, values), rel=1e-15, abs=1e-100)


def test_a_reference_beyond_float64_is_not_taken_for_a_number() -> None:
    """The Poisson loss at z = 1000 (e¹⁰⁰⁰) exceeds every float64: no value the code can match."""
    problem, _ = _prepared("poisson-nll")
    values = codecheck._with_x(problem, problem.settings[0], 1000.0)
    exact = codecheck._exact(problem.loss, problem, values, None)
    assert exact is None or abs(exact) > codecheck.FLOAT64_MAX


def test_the_printed_code_is_the_only_thing_the_project_executes() -> None:
    """Invariant 1: one exec in all of generator/, the one that runs the printed code."""
    import ast

    calls = []
    for path in sorted((ROOT / "generator").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = (
                node.func.id
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                else ""
            )
            if name in ("exec", "eval", "sympify", "parse_expr"):
                calls.append((path.relative_to(ROOT).as_posix(), name))
    assert calls == [("generator/checker/codecheck.py", "exec")]
