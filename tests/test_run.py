"""Checking as the build runs it (generator/pipeline/run.py), with the real pool and SymPy:
the sources in the pages' order, and the background check the MkDocs plugin waits on."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from generator.core.settings import CheckSettings, Options
from generator.core.verdicts import Verdict
from generator.pipeline.run import BackgroundCheck, _plan, check_content, load

from .helpers import small_project

# linear-mse has a plot; latex-examples has none (its first task is no draw job).
CONTENT = ("index.yaml", "linear-mse.yaml", "latex-examples.yaml", "sigmoid-mse.yaml")


@pytest.fixture
def options(tmp_path: Path) -> Options:
    project = small_project(tmp_path / "project", CONTENT)
    return Options.at(project, settings=CheckSettings(jobs=2), cache_dir=tmp_path / "cache")


def _untimed(verdicts: dict[Any, list[Verdict]]) -> dict[Any, list[Verdict]]:
    """Verdicts without the seconds each took (the one thing two runs may not share)."""
    return {key: [replace(v, seconds=0.0) for v in found] for key, found in verdicts.items()}


def test_tasks_come_source_by_source_in_the_order_of_the_pages(options: Options) -> None:
    content = load(options)
    groups = [task.group for task in _plan(content, options.settings).tasks]
    runs = [g for i, g in enumerate(groups) if i == 0 or groups[i - 1] != g]
    assert runs == [source.path for source in content.sources]


def test_the_background_check_gives_what_check_content_gives(
    options: Options, tmp_path: Path
) -> None:
    content = load(options)
    background = BackgroundCheck(content, options)
    # Asked source by source, last one first: each part waits for its own checks only.
    parts = {s.path: background.source(s.path) for s in reversed(content.sources)}
    everything = background.result()
    fresh = Options.at(options.root, settings=options.settings, cache_dir=tmp_path / "other")
    expected = check_content(load(fresh), fresh)
    assert _untimed(everything.verdicts) == _untimed(expected.verdicts)
    assert everything.drawings.keys() == expected.drawings.keys()
    assert [d.format() for d in everything.diagnostics] == [
        d.format() for d in expected.diagnostics
    ]
    assert (everything.stats.checks, everything.stats.ran) == (
        expected.stats.checks,
        expected.stats.ran,
    )
    for source in content.sources:
        part = parts[source.path]
        own = {k: v for k, v in everything.verdicts.items() if k[0] == source.path}
        assert _untimed(part.verdicts) == _untimed(own)
        assert part.drawings.keys() == {source.path} & everything.drawings.keys()


def test_a_false_claim_is_in_the_part_of_its_source_and_in_the_result(options: Options) -> None:
    path = options.content_dir / "linear-mse.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("result: ", "result: 2 + ", 1), encoding="utf-8")
    content = load(options)
    background = BackgroundCheck(content, options)
    (broken,) = [s for s in content.sources if s.path.endswith("linear-mse.yaml")]
    assert not background.source(broken.path).ok
    others = [s for s in content.sources if s is not broken]
    assert all(background.source(s.path).ok for s in others)
    assert not background.result().ok
