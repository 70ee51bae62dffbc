"""The checker decides every kind of claim, on every kind of domain, with the real SymPy.

Fixtures name what must be concluded through each display's id prefix (see the
header of tests/fixtures/claims/scalar.yaml), so a right claim and its wrong twin
sit side by side.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from generator.checker.everysize import METHOD
from generator.checker.worker import run_check
from generator.core import verdicts as V
from generator.core.jobs import RangeJob, encode
from generator.core.settings import CheckSettings as Settings
from generator.core.verdicts import weakest
from generator.parse.expr import parse_expression
from generator.source.load import load_source

from .helpers import load_fixture, verdicts

EXPECTED = {
    "true": {V.PROVEN},
    "pass": {V.PROVEN, V.NUMERIC},
    "false": {V.FALSE},
    "refuted": {V.REFUTED},
    "holds": {V.HOLDS_UNEXPECTEDLY},
    "rejected": {V.REJECTED},
    # true, but checked only for each size N = 1…12, which is not every N: never ✓
    "sampled": {V.NUMERIC},
}


def _cases(fixture: str) -> list[pytest.param]:
    source = load_fixture(fixture)
    return [
        pytest.param(source, display, id=display.anchor)
        for display in source.displays
        if display.anchor.split("-")[0] in EXPECTED
    ]


@pytest.mark.parametrize(
    ("source", "display"),
    _cases("claims/scalar.yaml")
    + _cases("claims/softmax.yaml")
    + _cases("claims/every-size.yaml")
    + _cases("claims/matrices.yaml")
    + _cases("claims/numerator.yaml"),
)
def test_claim_verdict(source, display):
    found = verdicts(source, display)
    status = weakest([v.status for v in found])
    expected = EXPECTED[display.anchor.split("-")[0]]
    assert status in expected, [(v.status, v.method, v.detail) for v in found]
    if status in (V.FALSE, V.REFUTED):
        failing = next(v for v in found if v.status == status)
        assert failing.counterexample is not None
        assert failing.counterexample.point or "every point" in failing.counterexample.describe()


def test_trap_counterexample_names_the_undefined_point():
    source = load_fixture("claims/scalar.yaml")
    display = next(d for d in source.displays if d.anchor == "false-trap-real")
    (verdict,) = verdicts(source, display)
    assert verdict.counterexample is not None
    assert verdict.counterexample.point == {"x": "1"}
    assert verdict.counterexample.left == "undefined"
    assert verdict.counterexample.right == "2"


def test_refuted_sum_reports_a_small_integer_counterexample():
    source = load_fixture("claims/scalar.yaml")
    display = next(d for d in source.displays if d.anchor == "refuted-sum-k-squared")
    (verdict,) = verdicts(source, display)
    assert verdict.status == V.REFUTED
    ce = verdict.counterexample
    assert ce is not None and set(ce.point) == {"n"}
    n = int(ce.point["n"])
    assert int(ce.left) == n * (n + 1) * (2 * n + 1) // 6
    assert int(ce.right) == n * (n + 1) // 2
    assert ce.left != ce.right


def test_vector_claims_are_proven_for_every_size_not_sampled():
    source = load_fixture("claims/softmax.yaml")
    display = next(d for d in source.displays if d.anchor == "true-jacobian")
    (verdict,) = verdicts(source, display)
    assert verdict.status == V.PROVEN
    assert verdict.method == METHOD
    assert "every N (positive integer) and every i, j in 1…N" in verdict.detail


def test_a_claim_outside_the_symbolic_proof_says_which_sizes_were_sampled():
    source = load_fixture("claims/every-size.yaml")
    display = next(d for d in source.displays if d.anchor == "sampled-geometric-sum")
    (verdict,) = verdicts(source, display)
    assert verdict.status == V.NUMERIC  # a check per size is a sample, not a proof for all N
    assert "N = 1…12" in verdict.method


def test_a_delta_between_free_indices_is_decided_case_by_case():
    source = load_fixture("claims/every-size.yaml")
    display = next(d for d in source.displays if d.anchor == "true-delta-case-split")
    (verdict,) = verdicts(source, display)
    assert verdict.status == V.PROVEN
    assert "case by case: i = j; i ≠ j" in verdict.detail


def test_slow_symbolic_work_is_interrupted_within_the_limit():
    """(x+1)^1000 (x-1)^1000 = (x^2-1)^1000 is true but costly to expand: the symbolic phase
    must be cut off by the deadline, leaving a numeric verdict or a timeout, never a hang."""
    source = load_fixture("claims/scalar.yaml")
    scope = source.scope
    left = parse_expression("(x + 1)**1000 * (x - 1)**1000", scope)
    right = parse_expression("(x**2 - 1)**1000", scope)
    payload = {**source.displays[0].checks[0].payload(), "left": left.key(), "right": right.key()}
    started = time.monotonic()
    verdict = run_check(source.context, payload, Settings(timeout=1.0))
    elapsed = time.monotonic() - started
    assert verdict.status in (V.NUMERIC, V.TIMEOUT), verdict
    assert elapsed < 1.5


def _site_vector_displays(scalar: bool = False) -> list[pytest.param]:
    """The displays with checks of the site's vector pages (``scalar``: of the other pages)."""
    content = Path(__file__).resolve().parent.parent / "content"
    params = []
    for path in sorted(content.glob("*.yaml")):
        source, _ = load_source(path.read_text(encoding="utf-8"), f"content/{path.name}")
        if source is None or (source.model.size is None) != scalar:
            continue
        params += [
            pytest.param(source, d, id=f"{path.stem}:{d.anchor}")
            for d in source.displays
            if d.checks
        ]
    return params


@pytest.mark.parametrize(("source", "display"), _site_vector_displays())
def test_every_vector_claim_on_the_site_is_proven_for_every_size(source, display):
    """No check on a vector page is decided by sampled sizes: each true claim is proven for
    every N and every index value, and each mistake is refuted."""
    for verdict in verdicts(source, display):
        if display.kind == "expected-false":
            assert verdict.status == V.REFUTED, verdict
        else:
            assert (verdict.status, verdict.method) == (V.PROVEN, METHOD), verdict


@pytest.mark.parametrize(("source", "display"), _site_vector_displays(scalar=True))
def test_every_scalar_claim_on_the_site_is_proven(source, display):
    """No ≈ on the site: each true claim of a scalar page is proven symbolically (the leaky
    ReLU's max(αz, z) as cases was the last one only sampled), and each mistake refuted."""
    for verdict in verdicts(source, display):
        expected = V.REFUTED if display.kind == "expected-false" else V.PROVEN
        assert verdict.status == expected, verdict


def _site_declared_domains() -> list[pytest.param]:
    content = Path(__file__).resolve().parent.parent / "content"
    params = []
    for path in sorted(content.glob("*.yaml")):
        source, _ = load_source(path.read_text(encoding="utf-8"), f"content/{path.name}")
        if source is not None:
            params += [pytest.param(source, n, id=f"{path.stem}:{n}") for n in source.range_checks]
    return params


@pytest.mark.parametrize(("source", "name"), _site_declared_domains())
def test_every_declared_domain_on_the_site_is_proven(source, name):
    """A defined symbol's declared domain is proven for every size too, never checked size by
    size (label smoothing's tᵢ ∈ [0, 1] was the last one, until its corners proved it)."""
    verdict = run_check(source.context, encode(RangeJob(name)), Settings())
    assert verdict.status == V.PROVEN, verdict


@pytest.mark.parametrize("fixture", ["claims/every-size.yaml", "claims/matrices.yaml"])
def test_remembered_reductions_do_not_depend_on_the_order_of_checks(fixture):
    """A worker remembers the prover's reductions and names each opaque sum after the sum
    itself; the verdicts must come out the same whichever check met a sum first."""
    from generator.checker import context, opaquesums

    source = load_fixture(fixture)
    checks = [spec.payload() for display in source.displays for spec in display.checks]

    def run(order: list[int]) -> dict[int, tuple[str, str, str]]:
        context._CONTEXTS.clear()
        opaquesums.ATOM_KEYS.clear()
        opaquesums.ATOM_SYMBOLS.clear()
        out = {}
        for n in order:
            v = run_check(source.context, checks[n], Settings())
            out[n] = (v.status, v.method, v.detail)
        return out

    forward = run(list(range(len(checks))))
    assert any(method == METHOD for _, method, _ in forward.values())
    assert run(list(reversed(range(len(checks))))) == forward


def test_two_sums_that_would_get_one_name_prove_nothing():
    """An opaque sum's symbol is named after a hash of the sum; should two sums ever share a
    name, the prover gives up instead of treating them as one unknown."""
    import hashlib

    import sympy as sp

    from generator.checker import opaquesums

    k = sp.Symbol("k", integer=True, positive=True)
    n = sp.Symbol("N", integer=True, positive=True)
    first, second = (sp.Sum(sp.Function(f)(k), (k, 1, n)) for f in ("f", "g"))
    name = "_sum" + hashlib.sha256(sp.srepr(first).encode()).hexdigest()[:16]
    opaquesums.ATOM_SYMBOLS.clear()
    opaquesums.ATOM_KEYS.clear()
    opaquesums.ATOM_KEYS[name] = second  # as if the second sum had hashed to the same name
    try:
        with pytest.raises(opaquesums.NotReducible):
            opaquesums.atom_symbol(first)
        opaquesums.ATOM_KEYS.clear()
        assert opaquesums.atom_symbol(first).name == name
        assert opaquesums.atom_symbol(first) is opaquesums.atom_symbol(first)
    finally:
        opaquesums.ATOM_SYMBOLS.clear()
        opaquesums.ATOM_KEYS.clear()
