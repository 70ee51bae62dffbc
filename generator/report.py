"""Reports of a check run: the machine-readable JSON of ``derivations check --format json``,
and the plain per-file lines printed for people and CI logs."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .pipeline.checked import Checked
from .source.load import Display, Source


def json_report(
    checked: Checked, descriptions: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    equations = []
    derivations = []
    for source in checked.content.sources:
        for display in source.displays:
            equations.append(_equation(source, display, checked))
        entry: dict[str, Any] = {"file": source.path, "title": source.model.title}
        described = (descriptions or {}).get(source.path)
        if described is not None:
            entry.update(described)
        derivations.append(entry)
    counts = Counter(e["verdict"] for e in equations)
    return {
        "summary": {
            "equations": len(equations),
            "checks": checked.stats.checks,
            "checks_run": checked.stats.ran,
            "checks_cached": checked.stats.cached,
            "by_verdict": dict(sorted(counts.items())),
            "errors": sum(1 for d in checked.diagnostics if d.severity == "error"),
        },
        "equations": equations,
        "derivations": derivations,
        "diagnostics": [
            {
                "file": d.file,
                "line": d.position.line,
                "column": d.position.column,
                "severity": d.severity,
                "message": d.message,
                "notes": list(d.notes),
            }
            for d in checked.diagnostics
        ],
    }


def _equation(source: Source, display: Display, checked: Checked) -> dict[str, Any]:
    verdicts = checked.verdicts_of(source, display)
    return {
        "file": source.path,
        "line": display.position.line,
        "column": display.position.column,
        "anchor": display.anchor,
        "kind": display.kind,
        "claim": display.tex,
        "verdict": checked.status(source, display),
        "method": ", ".join(sorted({v.method for v in verdicts})) or display.kind,
        "seconds": round(sum(v.seconds for v in verdicts), 4),
        "checks": [
            {
                "line": spec.position.line,
                "column": spec.position.column,
                "label": spec.label,
                "claim": spec.claim,
                "verdict": verdict.status,
                "method": verdict.method,
                "seconds": verdict.seconds,
                "detail": verdict.detail,
                "counterexample": verdict.counterexample.describe()
                if verdict.counterexample
                else None,
            }
            for spec, verdict in zip(display.checks, verdicts, strict=False)
        ],
        **({"reason": display.reason} if display.kind == "notation" else {}),
    }


def file_lines(checked: Checked) -> list[str]:
    """One line per derivation: how many displays, and their verdicts."""
    lines = []
    for source in checked.content.sources:
        counts = Counter(checked.status(source, d) for d in source.displays)
        parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        lines.append(f"{source.path}: {len(source.displays)} displays ({parts})")
    return lines
