"""The source cache returns exactly what loading returns, and never a stale or corrupt entry."""

from __future__ import annotations

from pathlib import Path

from generator.source.load import load_content, load_source
from generator.source.sourcecache import SourceCache, source_key

from .helpers import ROOT, copy_project


def _fingerprint(source) -> list:
    return [
        source.path,
        source.model.model_dump(mode="json"),
        source.context,
        source.artifacts,
        [
            (d.kind, d.anchor, d.tex, d.position, [c.payload() for c in d.checks], d.rows_tex)
            for d in source.displays
        ],
        [(b.kind, b.text, b.anchor) for b in source.blocks],
    ]


def test_every_content_file_round_trips(tmp_path: Path) -> None:
    cache = SourceCache(tmp_path)
    for path in sorted((ROOT / "content").glob("*.yaml")):
        if path.name == "index.yaml":
            continue
        text = path.read_text(encoding="utf-8")
        rel = f"content/{path.name}"
        source, diagnostics = load_source(text, rel)
        assert source is not None and not diagnostics
        cache.put(source_key(rel, text), source)
        again = cache.get(source_key(rel, text))
        assert again is not None
        assert _fingerprint(again) == _fingerprint(source)


def test_edits_and_corrupt_entries_are_never_served(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    cache_dir = tmp_path / "cache"
    first = load_content(project / "content", project, cache_dir)
    assert list((cache_dir / "sources").rglob("*.json"))
    path = project / "content" / "linear-mse.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "title: Linear activation", "title: A linear activation"
        ),
        encoding="utf-8",
    )
    second = load_content(project / "content", project, cache_dir)
    titles = {s.path: s.model.title for s in second.sources}
    assert titles["content/linear-mse.yaml"].startswith("A linear activation")
    for entry in (cache_dir / "sources").rglob("*.json"):
        entry.write_text("{broken", encoding="utf-8")
    third = load_content(project / "content", project, cache_dir)
    assert [_fingerprint(s) for s in third.sources] == [_fingerprint(s) for s in second.sources]
    assert len(first.sources) == len(third.sources)
