"""Plots and NumPy code are drawn from the checked expressions, and the code is verified."""

from __future__ import annotations

import random
from dataclasses import replace
from fractions import Fraction

from generator.checker.context import context_from_payload
from generator.checker.drawing import draw
from generator.core import verdicts as V
from generator.core.jobs import DrawJob, decode
from generator.parse.expr import parse_expression
from generator.source.load import load_source

from .helpers import ROOT


def _source(name: str):
    source, diagnostics = load_source(
        (ROOT / "content" / f"{name}.yaml").read_text(encoding="utf-8"), f"content/{name}.yaml"
    )
    assert source is not None and source.artifacts is not None, [d.format() for d in diagnostics]
    return source


def _job(source) -> DrawJob:
    job = decode(source.artifacts)
    assert isinstance(job, DrawJob)
    return job


def test_plot_and_code_come_from_the_checked_expressions() -> None:
    source = _source("sigmoid-logistic")
    context = context_from_payload(source.context)
    verdict = draw(context, _job(source), random.Random(1))
    assert verdict.status == V.PROVEN, verdict.detail
    svg, code = verdict.drawing.svg, verdict.drawing.code
    assert svg.startswith("<svg") and svg.count("<path") >= 5  # activation + 2 losses + 2 gradients
    assert 'stroke="currentColor"' in svg  # axes follow the page's light or dark scheme
    assert "def loss(z, y):" in code and "def grad(z, y):" in code
    assert "import numpy as np" in code and "np.logaddexp(0, -z)" in code
    assert "finite differences" in verdict.drawing.verification
    assert "y = 0" in verdict.drawing.alt and "y = 1" in verdict.drawing.alt


def test_drawing_is_reproducible() -> None:
    source = _source("tanh-mse")
    context = context_from_payload(source.context)
    first = draw(context, _job(source), random.Random(1))
    second = draw(context, _job(source), random.Random(2))
    assert first.drawing.svg == second.drawing.svg
    assert first.drawing.code == second.drawing.code


def test_a_gradient_that_does_not_match_the_loss_is_caught() -> None:
    source = _source("sigmoid-logistic")
    context = context_from_payload(source.context)
    wrong = parse_expression("a + y", source.scope)
    job = replace(_job(source), gradient=wrong)
    verdict = draw(context, job, random.Random(1))
    assert verdict.status == V.FALSE
    assert verdict.method == "finite differences"
    assert "grad =" in verdict.detail and "finite differences =" in verdict.detail


def test_stable_form_is_printed_for_the_logits_loss() -> None:
    source = _source("bce-logits")
    assert _job(source).loss.key() != ["sym", "L"]  # plot.loss names the stable display
    verdict = draw(context_from_payload(source.context), _job(source), random.Random(1))
    assert verdict.status == V.PROVEN, verdict.detail
    assert "np.maximum(0, z)" in verdict.drawing.code and "np.abs(z)" in verdict.drawing.code


def test_vector_pages_plot_a_concrete_size_and_print_array_code() -> None:
    source = _source("softmax-cross-entropy")
    verdict = draw(context_from_payload(source.context), _job(source), random.Random(1))
    assert verdict.status == V.PROVEN, verdict.detail
    assert "<svg" in verdict.drawing.svg
    assert verdict.drawing.code is not None and "def softmax(u):" in verdict.drawing.code


def test_the_stable_form_stays_accurate_where_the_naive_one_fails() -> None:
    source = _source("bce-logits")
    job = replace(_job(source), x_range=(Fraction(40), Fraction(60)))
    verdict = draw(context_from_payload(source.context), job, random.Random(1))
    assert verdict.status == V.PROVEN, verdict.detail
