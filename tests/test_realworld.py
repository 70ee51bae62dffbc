"""The real-world corpus (issue #13): how much of other people's published TeX we read.

Each file in ``tests/fixtures/realworld/`` transcribes one published derivation. Its
``equation:`` items are the author's displays, verbatim, each with an ``id``; everything else
(``symbols``, ``functions`` and the ``define:`` items) is ours: the declarations those
displays need, written in TeX the parser reads.

A display is checked on its own, in a copy of its file that keeps the declarations and drops
every other display, so a display the parser refuses hides none of its neighbours. It either
*reaches a verdict* (proven, sampled, false) or is *refused* (a load error, a rejected check,
a timeout). ``expected.yaml`` records, per display, the mathematical truth (set by hand: the
author's mistakes are ``false``) and today's outcome; the tests hold the checker to both, as a
ratchet: a display that starts reaching a verdict fails until it is recorded.

    python -m tests.test_realworld            # the per-file table and the refused constructs
    python -m tests.test_realworld --record   # rewrite expected.yaml (and the README's table)
    python -m tests.test_realworld --markdown # print the README's table
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from ruamel.yaml import YAML

from generator.core.verdicts import Status, Verdict
from generator.source.load import load_source
from tests.helpers import verdicts

CORPUS = Path(__file__).resolve().parent / "fixtures" / "realworld"
EXPECTED = CORPUS / "expected.yaml"
TIMEOUT = 20.0
"""Seconds per check; a display that needs longer counts as refused (a timeout)."""

VERDICT = "verdict"
REFUSED = "refused"
FALSE_STATUSES = frozenset({Status.FALSE, Status.REFUTED})
TRUE_STATUSES = frozenset({Status.PROVEN, Status.NUMERIC, Status.HOLDS_UNEXPECTEDLY})
HEADER_FIELDS = ("source", "licence", "read")
"""Lines every corpus file starts with, as ``# source: https://…``."""


@dataclass(frozen=True)
class Outcome:
    """What the checker made of one display today."""

    file: str
    id: str
    truth: bool | None
    """The checker's verdict (true or false) when it reached one, else None."""
    why: str = ""
    """For a refused display: the first error, or why the check was not decided; for a false
    one: the counterexample."""

    @property
    def reached(self) -> bool:
        return self.truth is not None

    @property
    def outcome(self) -> str:
        return VERDICT if self.reached else REFUSED


# --- reading the corpus ------------------------------------------------------------------------


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*.yaml") if p != EXPECTED)


def _yaml() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.width = 4096
    return yaml


@cache
def read_corpus(name: str) -> dict[str, Any]:
    data = _yaml().load((CORPUS / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{name}.yaml is not a mapping"
    return data


def is_display(item: dict[str, Any]) -> bool:
    """An author's display; every other body item is one of our declarations."""
    return "equation" in item


def display_ids(name: str) -> list[str]:
    return [str(item.get("id")) for item in read_corpus(name)["body"] if is_display(item)]


def all_displays() -> list[tuple[str, str]]:
    return [(path.stem, ident) for path in corpus_files() for ident in display_ids(path.stem)]


def header_fields(path: Path) -> dict[str, str]:
    """The ``# key: value`` comment lines at the top of a corpus file."""
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#\s*(\w+):\s*(.+)$", line)
        if not line.startswith("#"):
            break
        if match:
            fields.setdefault(match.group(1), match.group(2).strip())
    return fields


# --- checking one display ----------------------------------------------------------------------


def variant(name: str, ident: str | None) -> str:
    """The file with its declarations and only the display ``ident`` (None: no display), and
    the displays before it that it continues (a display that starts with '=' goes on from
    the last row of the one before it)."""
    data = dict(read_corpus(name))
    keep = _continued_from(data["body"], ident)
    data["body"] = [
        item for item in data["body"] if not is_display(item) or str(item.get("id")) in keep
    ] or [{"prose": "The declarations alone."}]
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def _continued_from(body: list[dict[str, Any]], ident: str | None) -> set[str]:
    displays = [item for item in body if is_display(item)]
    ids = [str(item.get("id")) for item in displays]
    if ident not in ids:
        return set()
    at = ids.index(ident)
    keep = {ident}
    while at > 0 and str(displays[at].get("equation", "")).lstrip(" &").startswith("="):
        at -= 1
        keep.add(ids[at])
    return keep


def load_variant(name: str, ident: str | None) -> tuple[Any, list[str]]:
    source, diagnostics = load_source(variant(name, ident), f"tests/fixtures/realworld/{name}.yaml")
    return source, [d.message for d in diagnostics if d.severity == "error"]


def group(results: list[Verdict]) -> tuple[bool | None, str]:
    """A display's verdict from its checks: any counterexample makes it false."""
    false = [r for r in results if r.status in FALSE_STATUSES]
    if false:
        example = false[0].counterexample
        return False, example.describe() if example else false[0].detail
    undecided = [r for r in results if r.status not in TRUE_STATUSES]
    if undecided:
        first = undecided[0]
        return None, f"{first.status.value}: {first.detail or first.method}"
    return True, ""


@cache
def setup_errors(name: str) -> tuple[str, ...]:
    """Errors of the declarations alone: a corpus bug, never a refusal of the author's TeX."""
    source, errors = load_variant(name, None)
    return tuple(errors) if errors or source is None else ()


@cache
def evaluate(name: str, ident: str) -> Outcome:
    assert not setup_errors(name), (
        f"{name}.yaml: the declarations do not load: {setup_errors(name)}"
    )
    source, errors = load_variant(name, ident)
    if source is None:
        return Outcome(name, ident, None, errors[0] if errors else "the file did not load")
    display = next((d for d in source.displays if d.anchor == ident), None)
    assert display is not None, f"{name}.yaml: no display with id {ident!r}"
    if not display.checks:
        return Outcome(name, ident, None, "nothing to check (a single row)")
    truth, why = group(verdicts(source, display, timeout=TIMEOUT))
    return Outcome(name, ident, truth, why)


def evaluate_all() -> list[Outcome]:
    return [evaluate(name, ident) for name, ident in all_displays()]


# --- the record ------------------------------------------------------------------------------


def read_expected() -> dict[str, dict[str, dict[str, Any]]]:
    if not EXPECTED.exists():
        return {}
    data = _yaml().load(EXPECTED.read_text(encoding="utf-8")) or {}
    assert isinstance(data, dict)
    return data


def record_of(name: str, ident: str) -> dict[str, Any] | None:
    return read_expected().get(name, {}).get(ident)


def _truth_of(name: str, ident: str) -> object:
    return (record_of(name, ident) or {}).get("truth")


CONSTRUCTS: tuple[tuple[str, str], ...] = (
    (r"^(timeout|rejected)", "check not decided ({0})"),
    (r"new line of an aligned chain", "several equations in one align/aligned"),
    (r"unexpected '\\\\\\\\'|found '\\\\\\\\'", "\\\\ line break outside an environment"),
    (r"(\\[A-Za-z]+) cannot appear in a checked formula", "{0} (accent or operator)"),
    (
        r"(\\math[a-z]+)\{[^}]*\} is text",
        "{0}{{…}} read as text, not a name (\\mathrm{{e}}, \\mathrm{{d}}, words)",
    ),
    (r"\\text\{[^}]*\} is text", "\\text{{…}} name"),
    (r"unknown macro (\\[A-Za-z]+)", "unknown macro {0}"),
    (r"environment '(\w+)' is not allowed", "{0} environment"),
    (r"undeclared symbol (\\[A-Za-z]+)", "{0} as a letter (\\delta for d)"),
    (r"undeclared symbol '", "undeclared letters (log/ln without backslash, words, other names)"),
    (r"'\w+' is ambiguous: the declared", "multi-letter name (FL, Tanh, Sig)"),
    (r"is ambiguous: \w+ is a symbol standing for", "defined symbol with arguments, J(θ₀, θ₁)"),
    (
        r"needs its arguments in parentheses",
        "function name without (arguments) (s’, dσ/dx, swish_1)",
    ),
    (r"prime|unexpected \"'\"", "prime on a name (u', φ'(0.5))"),
    (r"sum needs limits|has no range", "\\sum without an index or limits"),
    (r"lower limit", "\\sum_{{i \\neq k}}"),
    (r"condition", "cases condition in words (\\text{{if }}, i = j)"),
    (
        r"is indexed: write it with a subscript",
        "indexed name without a subscript (vector notation)",
    ),
    (r"derivative operator needs something|ambiguous operand", "d/dx without a clear operand"),
    (r"with a power is ambiguous", "\\cosh^2(x) (power on a function name)"),
    (r"expected '\(', found '\\\\\{'", "\\max\\{{…\\}} braces"),
    (r"expected '\)' to close|unexpected '\}'", "unbalanced brackets or empty script"),
)
"""Refusal messages → the construct they are about, for the report (first match wins)."""


def construct(why: str, tex: str) -> str:
    """The construct a refusal is about, for grouping."""
    if tex.lstrip().startswith("="):
        return "a display that continues the previous one (starts with =)"
    for pattern, label in CONSTRUCTS:
        match = re.search(pattern, why)
        if match:
            return label.format(*match.groups())
    return why[:60]


def display_tex(name: str, ident: str) -> str:
    item = next(i for i in read_corpus(name)["body"] if is_display(i) and str(i.get("id")) == ident)
    return str(item["equation"])


# --- tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.stem)
def test_corpus_file_is_documented_and_its_declarations_load(path: Path) -> None:
    fields = header_fields(path)
    missing = [key for key in HEADER_FIELDS if key not in fields]
    assert not missing, f"{path.name}: add the header comment line(s) {missing}"
    assert fields["source"].startswith("https://"), f"{path.name}: the source is a URL"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", fields["read"]), f"{path.name}: read: YYYY-MM-DD"
    ids = display_ids(path.stem)
    assert ids, f"{path.name}: no equation display"
    assert len(set(ids)) == len(ids) and "None" not in ids, (
        f"{path.name}: every display needs an id"
    )
    assert not setup_errors(path.stem), f"{path.name}: the declarations must load"


def test_record_covers_exactly_the_corpus() -> None:
    recorded = {(f, i) for f, displays in read_expected().items() for i in displays}
    current = set(all_displays())
    assert current - recorded == set(), "not recorded: run python -m tests.test_realworld --record"
    assert recorded - current == set(), "stale records: run python -m tests.test_realworld --record"
    unset = [f"{f}:{i}" for f, i in current if not isinstance(_truth_of(f, i), bool)]
    assert not unset, f"set truth: true/false by hand in expected.yaml for {sorted(unset)}"


@pytest.mark.parametrize(("name", "ident"), all_displays(), ids=lambda v: v)
def test_display_outcome_matches_the_record(name: str, ident: str) -> None:
    record = record_of(name, ident)
    if record is None:
        pytest.fail(f"{name}:{ident} is not in expected.yaml: record it (--record)")
    outcome = evaluate(name, ident)
    where = f"{name}.yaml, display {ident!r}"
    if outcome.reached and outcome.truth != record["truth"]:
        pytest.fail(
            f"{where}: the checker says {_word(outcome.truth)}, the mathematics is "
            f"{_word(record['truth'])}: a checker bug (or a wrong truth in expected.yaml)"
        )
    if outcome.reached and record["outcome"] == REFUSED:
        pytest.fail(f"{where} now reaches a verdict: update expected.yaml (--record)")
    if not outcome.reached and record["outcome"] == VERDICT:
        pytest.fail(f"{where} no longer reaches a verdict: {outcome.why}")


def _word(truth: bool | None) -> str:
    return {True: "true", False: "false", None: "undecided"}[truth]


def test_summary() -> None:
    outcomes = evaluate_all()
    reached = sum(o.reached for o in outcomes)
    print(
        f"\nreal-world corpus: {reached}/{len(outcomes)} displays reach a verdict "
        f"({share(reached, len(outcomes))})"
    )
    assert outcomes


# --- the report --------------------------------------------------------------------------------


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def table_rows(outcomes: list[Outcome]) -> list[tuple[str, str, int, int]]:
    """Per file: its name, its source, its displays and how many reach a verdict."""
    return [
        (
            name,
            header_fields(CORPUS / f"{name}.yaml")["source"],
            len(os),
            sum(o.reached for o in os),
        )
        for name, os in sorted(_by_file(outcomes).items())
    ]


def refusals(outcomes: list[Outcome]) -> dict[str, list[Outcome]]:
    grouped: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if not o.reached:
            grouped[construct(o.why, display_tex(o.file, o.id))].append(o)
    return dict(sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def print_report(outcomes: list[Outcome]) -> None:
    rows = table_rows(outcomes)
    width = max(len(r[0]) for r in rows)
    print(f"{'file':<{width}}  displays  reached  share")
    for name, _, total, reached in rows:
        print(f"{name:<{width}}  {total:>8}  {reached:>7}  {share(reached, total):>5}")
    total, reached = len(outcomes), sum(o.reached for o in outcomes)
    print(f"{'total':<{width}}  {total:>8}  {reached:>7}  {share(reached, total):>5}\n")
    print("false (a counterexample):")
    for o in outcomes:
        if o.truth is False:
            print(f"  {o.file}:{o.id}: {o.why}")
    contradicted = [o for o in outcomes if o.reached and o.truth != _truth_of(o.file, o.id)]
    print("\nverdicts that contradict the recorded truth (checker bugs):")
    for o in contradicted:
        print(f"  {o.file}:{o.id}: checker {_word(o.truth)}, truth {_truth_of(o.file, o.id)}")
    if not contradicted:
        print("  none")
    print("\nrefused, by construct:")
    for key, items in refusals(outcomes).items():
        print(f"  {len(items):>3}  {key}")
        for o in items:
            print(f"         {o.file}:{o.id}: {o.why}")


def markdown(outcomes: list[Outcome]) -> str:
    """The README's table and its list of refused constructs."""
    lines = ["| file | source | displays | reached | share |", "| --- | --- | ---: | ---: | ---: |"]
    for name, url, total, reached in table_rows(outcomes):
        host = urlsplit(url).netloc.removeprefix("www.")
        lines.append(
            f"| `{name}` | [{host}](<{url}>) | {total} | {reached} | {share(reached, total)} |"
        )
    total, reached = len(outcomes), sum(o.reached for o in outcomes)
    lines += [f"| **total** | | **{total}** | **{reached}** | **{share(reached, total)}** |", ""]
    lines += [f"- {len(items)} × `{key}`" for key, items in refusals(outcomes).items()]
    return "\n".join(lines) + "\n"


def update_readme(outcomes: list[Outcome]) -> None:
    """Replace the generated part of the corpus README (between its two markers)."""
    path = CORPUS / "README.md"
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    path.write_text(
        f"{head}{README_START}\n{markdown(outcomes)}{README_END}{tail}", encoding="utf-8"
    )


README_START = "<!-- generated: python -m tests.test_realworld --record -->"
README_END = "<!-- end of generated part -->"


def record(outcomes: list[Outcome]) -> list[str]:
    """Rewrite expected.yaml from ``outcomes``; the truth of a display is never changed."""
    old = read_expected()
    warnings: list[str] = []
    lines = [_EXPECTED_HEADER]
    for name, group_ in _by_file(outcomes).items():
        lines.append(f"{name}:\n")
        for o in group_:
            truth = _truth_in(old, o)
            if truth is None:
                warnings.append(f"{o.file}:{o.id}: new display; set its truth by hand")
            elif o.reached and o.truth != truth:
                warnings.append(f"{o.file}:{o.id}: checker says {_word(o.truth)}, truth is {truth}")
            lines.append(f"  {o.id}: {_record_line(truth, o)}\n")
    EXPECTED.write_text("".join(lines), encoding="utf-8")
    return warnings


def _truth_in(old: dict[str, dict[str, dict[str, Any]]], o: Outcome) -> bool | None:
    truth = old.get(o.file, {}).get(o.id, {}).get("truth")
    return truth if isinstance(truth, bool) else None


def _record_line(truth: bool | None, o: Outcome) -> str:
    fields = [f"truth: {_word(truth) if truth is not None else 'null'}", f"outcome: {o.outcome}"]
    if not o.reached:
        why = construct(o.why, display_tex(o.file, o.id))
        fields.append(f"why: {json.dumps(why, ensure_ascii=False)}")
        fields.append(f"error: {json.dumps(o.why, ensure_ascii=False)}")
    return "{" + ", ".join(fields) + "}"


def _by_file(outcomes: list[Outcome]) -> dict[str, list[Outcome]]:
    grouped: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        grouped[o.file].append(o)
    return dict(grouped)


_EXPECTED_HEADER = """\
# The real-world corpus, display by display (file -> display id -> record).
# truth: the mathematics (set by hand; false where the author made a mistake).
# outcome: verdict (proven, sampled or false) or refused (why: the construct refused;
# error: the first error message, or why the check was not decided).
# Rewrite the outcomes with `python -m tests.test_realworld --record`; truth is never changed.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="rewrite expected.yaml")
    parser.add_argument(
        "--markdown", action="store_true", help="print the README table and constructs"
    )
    args = parser.parse_args(argv)
    outcomes = evaluate_all()
    if args.markdown:
        print(markdown(outcomes), end="")
        return 0
    print_report(outcomes)
    if args.record:
        for warning in record(outcomes):
            print(f"warning: {warning}", file=sys.stderr)
        update_readme(outcomes)
        print(f"\nwrote {EXPECTED} and the table in README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
