"""Code for gradients by vectors and matrices (generator/checker/arraycode.py): printed from the
displays as written, idiomatic NumPy, verified by finite differences of the checked loss; a
wrong gradient put in the printed function's place is caught."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from generator.checker.arraycode import array_code
from generator.checker.context import context_from_payload
from generator.core import verdicts as V
from generator.core.jobs import ArrayCodeJob, decode
from generator.core.verdicts import Verdict
from generator.parse.tex import parse_whole
from generator.source.load import load_source

from .helpers import ROOT

ARRAY_PAGES = [
    p.stem
    for p in sorted((ROOT / "content").glob("*.yaml"))
    if "shape:" in p.read_text(encoding="utf-8")
]


def _job(name: str) -> tuple[object, ArrayCodeJob]:
    path = ROOT / "content" / f"{name}.yaml"
    source, diagnostics = load_source(path.read_text(encoding="utf-8"), f"content/{name}.yaml")
    assert source is not None and source.artifacts is not None, [d.format() for d in diagnostics]
    job = decode(source.artifacts)
    assert isinstance(job, ArrayCodeJob)
    return source, job


def _run(source: object, job: ArrayCodeJob) -> Verdict:
    return array_code(context_from_payload(source.context), job, random.Random(7))  # type: ignore[attr-defined]


def test_the_layers_pages_have_array_code() -> None:
    assert {"dense-layer", "mlp-backward", "weight-decay"} <= set(ARRAY_PAGES)


@pytest.mark.parametrize("name", ARRAY_PAGES)
def test_every_array_page_prints_verified_idiomatic_code(name: str) -> None:
    source, job = _job(name)
    verdict = _run(source, job)
    assert verdict.status == V.PROVEN, verdict.detail
    assert verdict.drawing is not None and verdict.drawing.code is not None
    code = verdict.drawing.code
    assert code.startswith("import numpy as np")
    assert "for " not in code and "numpy." not in code  # no element loops
    assert "finite differences" in (verdict.drawing.verification or "")


def test_the_dense_layer_prints_what_a_practitioner_types() -> None:
    source, job = _job("dense-layer")
    code = _run(source, job).drawing.code  # type: ignore[union-attr]
    for expected in ("np.outer(delta, x)", "W.T @ delta", "G.T @ X / B", "G @ W / B"):
        assert expected in code


def _with_gradient(name: str, loss: str, wrt: str, tex: str) -> Verdict:
    source, job = _job(name)
    tree = parse_whole(tex, source.scope).rows[0]  # type: ignore[attr-defined]
    gradients = tuple((f, w, tree if (f, w) == (loss, wrt) else t) for f, w, t in job.gradients)
    assert gradients != job.gradients
    return _run(source, replace(job, gradients=gradients))


@pytest.mark.parametrize(
    ("name", "loss", "wrt", "tex"),
    [
        ("dense-layer", "L", "x", r"W^\top \delta + x"),  # a term too many
        ("dense-layer", "J", "W", r"G^\top X"),  # the batch average missing
        ("dense-layer", "L", "W", r"2 \delta x^\top"),  # a factor 2 too many
        ("mlp-backward", "L", "z1", r"W_2^\top (z_2 - y)"),  # σ' missing
    ],
)
def test_a_wrong_printed_gradient_is_caught(name: str, loss: str, wrt: str, tex: str) -> None:
    verdict = _with_gradient(name, loss, wrt, tex)
    assert verdict.status == V.FALSE, verdict.detail
    assert verdict.method == "finite differences" and "differs from finite differences" in (
        verdict.detail or ""
    )


def test_a_sum_that_starts_with_a_reciprocal_is_not_printed_as_a_division() -> None:
    # (1/1 + λ) W + G − W is the weight-decay gradient G + λW; once printed as W/1 + lam
    verdict = _with_gradient(
        "weight-decay", "L", "W", r"\left(\frac{1}{1} + \lambda\right) W + G - W"
    )
    assert verdict.status == V.PROVEN, verdict.detail
    assert "(1/1 + lam)*W" in (verdict.drawing.code or "")  # type: ignore[union-attr]


def test_nothing_but_identifiers_and_numbers_reaches_the_printed_code(tmp_path) -> None:
    """The printed module is executed to verify it: a tree carrying anything else (a job's
    JSON is data) is not printed, and nothing of it runs."""
    from generator.core.mathast import Node

    canary = tmp_path / "ran"
    payload = f"open({str(canary)!r}, 'w')"
    source, job = _job("dense-layer")
    hostile = (
        ("L", "W", Node("num", (), f"1 + {payload}")),
        ("L", "W", Node("sym", (), payload)),
        ("L", "W", Node("array", (), payload)),
        (f'L": {payload}, "x', "W", Node("array", (), "delta")),
    )
    verdict = _run(source, replace(job, gradients=hostile))
    assert verdict.status == V.PROVEN and verdict.drawing is not None
    assert verdict.drawing.code is None  # nothing printable, so nothing printed or run
    assert not canary.exists()


def test_a_softmax_is_printed_shifted_so_large_scores_do_not_overflow() -> None:
    import numpy as np

    from generator.checker.codecheck import load_printed

    source, job = _job("attention-scores")
    code = _run(source, job).drawing.code  # type: ignore[union-attr]
    assert "np.exp(s - np.max(s))" in code
    gradients = load_printed(code)["gradients"]
    rng = np.random.default_rng(0)
    K, V, g = rng.normal(size=(3, 2)), rng.normal(size=(3, 4)), rng.normal(size=4)
    q = np.array([2000.0, -1500.0])  # scores far beyond e^709, the largest float64 exp
    for value in gradients(K=K, V=V, g=g, q=q).values():
        assert np.all(np.isfinite(value))
