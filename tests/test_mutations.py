"""Any change that alters the meaning of a checked equation fails at that equation's line."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from generator.pipeline.run import verdict_diagnostics
from generator.source.load import load_source

from .helpers import FIXTURES, ROOT, verdicts

MUTATIONS = YAML(typ="safe").load((FIXTURES / "mutations.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m["why"] for m in MUTATIONS])
def test_meaning_changing_edit_fails_at_its_line(mutation):
    path = ROOT / mutation["file"]
    original = path.read_text(encoding="utf-8")
    assert original.count(mutation["find"]) == 1, "the fixture must name a unique text"
    start = original.index(mutation["find"])
    first_line = original.count("\n", 0, start) + 1
    last_line = first_line + mutation["replace"].count("\n")
    mutated = original.replace(mutation["find"], mutation["replace"])

    source, diagnostics = load_source(mutated, mutation["file"])
    assert source is not None, [d.format() for d in diagnostics]
    errors = []
    for display in source.displays:
        for spec, verdict in zip(display.checks, verdicts(source, display), strict=True):
            errors.extend(verdict_diagnostics(source, display, spec, verdict))
    assert errors, "the mutated file must not check"
    lines = {e.position.line for e in errors}
    assert lines & set(range(first_line, last_line + 2)), (first_line, [e.format() for e in errors])
    assert all(Path(e.file).as_posix() == mutation["file"] for e in errors)


def test_unmutated_content_checks():
    path = ROOT / "content" / "sigmoid-logistic.yaml"
    source, diagnostics = load_source(
        path.read_text(encoding="utf-8"), "content/sigmoid-logistic.yaml"
    )
    assert source is not None and not diagnostics
    for display in source.displays:
        assert all(v.passed for v in verdicts(source, display)), display.anchor
