"""A defined symbol's declared domain is proven to contain its definition's range, or
refuted at a point (generator/checker/ranges.py), with the real SymPy."""

from __future__ import annotations

import pytest

from generator.checker.worker import run_check
from generator.core import verdicts as V
from generator.core.jobs import RangeJob, encode
from generator.core.settings import CheckSettings

from .helpers import load_fixture

SOURCES = {
    "scalar": load_fixture("claims/ranges.yaml"),
    "vector": load_fixture("claims/vector-ranges.yaml"),
}
EXPECTED = {
    (kind, name): info.description
    for kind, source in SOURCES.items()
    for name, info in source.model.symbols.items()
    if info.description
}


@pytest.mark.parametrize(("kind", "name"), sorted(EXPECTED))
def test_declared_domain_is_checked_against_the_definition(kind: str, name: str) -> None:
    source = SOURCES[kind]
    verdict = run_check(source.context, encode(RangeJob(name)), CheckSettings(timeout=20))
    if EXPECTED[kind, name] == "holds":
        assert verdict.status == V.PROVEN, verdict
    else:
        assert verdict.status == V.FALSE, verdict
        assert verdict.counterexample is not None
