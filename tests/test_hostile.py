"""Hostile input: nothing runs, nothing hangs, nothing leaks.

Every source file is written by a stranger. The payload lists in
``tests/fixtures/hostile/`` (one payload a line) are pasted, one at a time, into
each field of ``template.yaml`` that parses them; every other placeholder keeps a
harmless default, so whatever happens is the payload's doing. A payload must end

* rejected at load, with every diagnostic on the lines of the field it was pasted
  into, in under a second, and without having run (the canary file stays absent); or
* where loading it is legitimate (well-formed math, plain text), harmless downstream:
  its checks end within the time limit through the real worker pool, or the real site
  built from it carries no script, event handler, ``javascript:``/``data:`` URL,
  iframe or evaluated Jinja.

Tokens inside payloads: ``{canary}`` is a per-test path that no payload may create,
``{newline}`` a line break, ``{U+XXXX}`` that code point, and ``{longtex}``,
``{nestedbraces}``, ``{nestedparens}`` long or deeply nested TeX.

Holes found by this suite are kept as ``xfail(strict=True)`` tests (see KNOWN_HOLES).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.core import verdicts as V
from generator.core.errors import Diagnostic
from generator.core.settings import CheckSettings as Settings
from generator.core.verdicts import Verdict
from generator.pipeline.pool import Task, WorkerPool
from generator.pipeline.run import verdict_diagnostics
from generator.source.load import Display, Source, load_source

from .helpers import FIXTURES, copy_project, run_cli

HOSTILE = FIXTURES / "hostile"
TEMPLATE = (HOSTILE / "template.yaml").read_text(encoding="utf-8")
FILE = "content/hostile-probe.yaml"
LOAD_SECONDS = 1.0
TIMEOUT = 2.0
"""Per-check time limit for every worker pool in this file."""
MARGIN = 1.0
"""What a check may take beyond TIMEOUT (process start, pipe, scheduling)."""
MEMORY_MB = 256
"""Worker address-space cap: a worker needs about 100 MB, so a memory bomb hits the cap."""

# --- the template ------------------------------------------------------------------------------

PLACEHOLDERS: dict[str, str] = {
    "title": "Hostile input probe",
    "order": "900",
    "section": "Probes",
    "activation": "Sigmoid",
    "loss": "Logistic",
    "summary_math": "a - y",
    "summary_text": "a plain sentence.",
    "description": "the pre-activation",
    "function_expr": "1/(1 + exp(-z))",
    "result": r"\frac{\partial L}{\partial z} = a - y",
    "define_expr": "sigma(z)",
    "define_tex": r"\sigma(z) = \frac{1}{1 + e^{-z}}",
    "prose_math": r"\sigma(z)",
    "prose_text": "Plain prose.",
    "step_math": r"\frac{\partial L}{\partial a}",
    "step_text": "of the probe",
    "equation": r"\frac{\partial L}{\partial a} = \frac{-y}{a} + \frac{1 - y}{1 - a}",
    "note_math": "a(1 - a)",
    "note_text": "Plain note.",
    "given": "x = 1 - w",
    "notation": r"\lim_{z \to +\infty} \sigma(z) = 1",
    "reason": "a limit symbol states nothing to check here",
    "mistake": "(x + w)^2 = x^2 + w^2",
    "explanation_math": "2xw",
    "explanation_text": "Plain explanation.",
    "upto": "n",
    "shape_dim": "n",
    "layout": "denominator",
    "matrix_equation": r"M u + M u = 2 M u",
}
"""Every placeholder of template.yaml with its harmless default."""

EXPRESSION_FIELDS = ("function_expr", "define_expr")
CHECKED_TEX_FIELDS = ("define_tex", "result", "equation", "given", "mistake", "matrix_equation")
NAME_FIELDS = ("upto", "shape_dim", "layout")
"""Declarations that name a dimension, or choose a layout: only a declared name (or a known
layout) is accepted."""
INLINE_MATH_FIELDS = ("summary_math", "prose_math", "step_math", "note_math", "explanation_math")
TEX_FIELDS = (*CHECKED_TEX_FIELDS, "notation", *INLINE_MATH_FIELDS)
PLAIN_FIELDS = ("title", "section", "activation", "loss", "reason", "description")
"""Text that is not Markdown: it must appear on the page as typed, or be refused."""
MARKDOWN_FIELDS = ("summary_text", "prose_text", "step_text", "note_text", "explanation_text")
TEXT_FIELDS = (*PLAIN_FIELDS, *MARKDOWN_FIELDS)
NOT_RENDERED = ("activation", "loss")
"""Fields the templates currently never show (checked for injection all the same)."""
ARTICLE_FIELDS = ("title", "reason", "description", *MARKDOWN_FIELDS)
"""Fields shown in the page's article (section is shown in the navigation only)."""

_TOKEN = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Filled:
    """The template with one field's payload pasted in, and where that field is."""

    text: str
    field: str
    first: int
    """Line of the payload's first character."""
    last: int
    """Line of the payload's last character."""
    key: int
    """Line of the field's key (``expr: |-``, ``- |-`` …): errors about the whole value go here."""
    item: int
    """First line of the block the field belongs to (where a failed check may be reported)."""

    @property
    def lines(self) -> range:
        return range(self.key, self.last + 1)


def fill(field: str | None = None, payload: str = "", **overrides: str) -> Filled:
    """template.yaml with ``payload`` in ``field`` and defaults (or ``overrides``) elsewhere."""
    values = {**PLACEHOLDERS, **overrides}
    if field is not None:
        values[field] = payload
    out: list[str] = []
    cursor = 0
    spans: dict[str, tuple[int, int]] = {}
    for match in _TOKEN.finditer(TEMPLATE):
        name = match.group(1)
        assert name in values, f"template.yaml has an unknown placeholder {name!r}"
        out.append(TEMPLATE[cursor : match.start()])
        so_far = "".join(out)
        line_start = so_far.rfind("\n") + 1
        current = so_far[line_start:]
        indent = current[: len(current) - len(current.lstrip(" "))]
        parts = values[name].split("\n")
        value = "\n".join([parts[0], *((indent + p) if p else "" for p in parts[1:])])
        first = so_far.count("\n") + 1
        spans[name] = (first, first + value.count("\n"))
        out.append(value)
        cursor = match.end()
    out.append(TEMPLATE[cursor:])
    text = "".join(out)
    assert set(spans) == set(values), "every placeholder appears exactly once"
    if field is None:
        return Filled(text, "", 1, 1, 1, 1)
    first, last = spans[field]
    lines = text.split("\n")
    key = next(n for n in range(first - 1, 0, -1) if lines[n - 1].rstrip().endswith("|-"))
    item = next(
        n
        for n in range(first, 0, -1)
        if lines[n - 1].startswith("  - ") or re.match(r"^[a-z]", lines[n - 1])
    )
    return Filled(text, field, first, last, key, item)


_SPECIAL = re.compile(r"\{(canary|newline|longtex|nestedbraces|nestedparens|U\+[0-9A-F]{4,6})\}")


def expand(raw: str, canary: Path) -> str:
    """Replace the tokens of a payload line (module docstring) by what they stand for."""

    def one(match: re.Match[str]) -> str:
        token = match.group(1)
        if token.startswith("U+"):
            return chr(int(token[2:], 16))
        return {
            "canary": str(canary),
            "newline": "\n",
            "longtex": " + x" * 1300,
            "nestedbraces": "{" * 300 + "x" + "}" * 300,
            "nestedparens": "(" * 300 + "x" + ")" * 300,
        }[token]

    return _SPECIAL.sub(one, raw)


def payload_lines(name: str) -> list[tuple[int, str]]:
    """(line number, payload) for every non-empty line of a fixture (split on \\n only)."""
    text = (HOSTILE / name).read_text(encoding="utf-8")
    return [(n, line) for n, line in enumerate(text.split("\n"), 1) if line]


# --- assertions ----------------------------------------------------------------------------


def load_timed(filled: Filled) -> tuple[Source | None, list[Diagnostic], float]:
    started = time.perf_counter()
    source, diagnostics = load_source(filled.text, FILE)
    return source, diagnostics, time.perf_counter() - started


def assert_rejected_at_field(
    source: Source | None, diagnostics: list[Diagnostic], seconds: float, filled: Filled
) -> None:
    shown = "\n".join(d.format() for d in diagnostics)
    assert source is None, f"accepted a hostile {filled.field}\n{shown}"
    errors = [d for d in diagnostics if d.severity == "error"]
    assert errors, "rejected without a diagnostic"
    lines = filled.text.split("\n")
    for d in errors:
        assert d.file == FILE, d.format()
        assert d.position.line in filled.lines, (
            f"diagnostic at line {d.position.line}, the field spans lines "
            f"{filled.key}–{filled.last}\n{shown}"
        )
        length = len(lines[d.position.line - 1])
        assert 1 <= d.position.column <= length + 1, f"column outside its line\n{shown}"
    assert seconds < LOAD_SECONDS, f"rejection took {seconds:.2f} s"


def run_pool(
    tasks: list[Task], memory_mb: int = MEMORY_MB, timeout: float = TIMEOUT
) -> tuple[dict[str, Verdict], float]:
    """Run tasks through the real worker pool; returns verdicts and the pool's hard limit."""
    pool = WorkerPool(2, Settings(timeout=timeout), memory_mb=memory_mb)
    return pool.run(tasks), pool.hard_limit


def display_tasks(source: Source, display: Display, prefix: str) -> list[Task]:
    return [
        Task(f"{prefix}/{display.anchor}/{k}", source.context, spec.payload())
        for k, spec in enumerate(display.checks)
    ]


def assert_bounded(verdict: Verdict, what: str) -> None:
    assert verdict.seconds <= TIMEOUT + MARGIN, (
        f"{what}: took {verdict.seconds} s with a {TIMEOUT} s limit ({verdict})"
    )


# --- expressions --------------------------------------------------------------------------------

EXPRESSIONS = payload_lines("expressions.txt")

KNOWN_HOLES: dict[tuple[str, str], tuple[str, type[BaseException]]] = {}
"""(payload as written in the fixture or below, field) → (what goes wrong, exception raised)."""


def _hole(payload: str, fields: tuple[str, ...], reason: str, raises: type[BaseException]) -> None:
    for field in fields:
        KNOWN_HOLES[(payload, field)] = (reason, raises)


def _marks(payload: str, field: str) -> list[pytest.MarkDecorator]:
    hole = KNOWN_HOLES.get((payload, field))
    if hole is None:
        return []
    reason, raises = hole
    return [pytest.mark.xfail(strict=True, raises=raises, reason=reason)]


def _params(lines: list[tuple[int, str]], fields: tuple[str, ...], prefix: str) -> list[object]:
    return [
        pytest.param(raw, field, id=f"{prefix}{number}-{field}", marks=_marks(raw, field))
        for number, raw in lines
        for field in fields
    ]


@pytest.mark.parametrize(("raw", "field"), _params(EXPRESSIONS, EXPRESSION_FIELDS, "L"))
def test_hostile_expression_is_rejected_at_its_line(raw: str, field: str, tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    filled = fill(field, expand(raw, canary))
    source, diagnostics, seconds = load_timed(filled)
    if source is not None:  # the real checker runs on anything that loads
        tasks = [
            task
            for display in source.displays
            for task in display_tasks(source, display, "expression")
        ]
        run_pool(tasks)
    assert not canary.exists(), "the payload ran"
    assert_rejected_at_field(source, diagnostics, seconds, filled)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        pytest.param(raw, field, id=f"L{number}-{field}")
        for number, raw in EXPRESSIONS[::6]
        for field in NAME_FIELDS
    ],
)
def test_hostile_dimension_or_layout_is_rejected_at_its_line(
    raw: str, field: str, tmp_path: Path
) -> None:
    """A shape's dimension, an index's range and the layout take a declared name or a known
    word: anything else is an error at that line, and nothing of it runs."""
    canary = tmp_path / "canary"
    filled = fill(field, expand(raw, canary))
    source, diagnostics, seconds = load_timed(filled)
    assert not canary.exists(), "the payload ran"
    assert_rejected_at_field(source, diagnostics, seconds, filled)


def test_every_expression_payload_is_distinct_and_enough() -> None:
    payloads = [raw for _, raw in EXPRESSIONS]
    assert len(payloads) >= 60
    assert len(set(payloads)) == len(payloads)
    assert sum("{canary}" in p for p in payloads) >= 30


# --- TeX ------------------------------------------------------------------------------------------

TEX = payload_lines("tex.txt")

TEX_MAY_LOAD = frozenset(
    {
        # well-formed math: fine as notation or inline math; a checked display must end
        # with a bounded verdict through the worker pool
        "10^{10^{10}}",
        "x = 10^{10^{10}}",
        "x = 2^{2^{2^{2^{2^{2}}}}}",
        "x = 99999999999999999999999999999999999999",
        "x = (10^{999})!",
        "x = {nestedbraces}",
        "x = {nestedparens}",
        r"\text{&lt;script&gt;} = x",
        r"\operatorname{javascript:alert(1)} = x",
        "[x](javascript:alert(1))",
        "![onmouseover=alert(1) x](y)",
        # Markdown structure around inline math ($ or a blank line ends the math early):
        # only harmless text may come of it (checked in the built site)
        "x $$",
        "x = x{newline}{newline}y = y",
        "x{newline}   {newline}= x",
        "x \\ = x \\",
    }
)
"""TeX payloads that some field may accept; every other TeX payload is refused everywhere."""


def test_template_with_defaults_loads_and_checks() -> None:
    filled = fill()
    source, diagnostics, _ = load_timed(filled)
    assert source is not None and not diagnostics, [d.format() for d in diagnostics]
    tasks = [t for d in source.displays for t in display_tasks(source, d, "default")]
    verdicts, _ = run_pool(tasks)
    assert len(verdicts) == len(tasks) == 8
    assert all(v.passed for v in verdicts.values()), verdicts


@pytest.mark.parametrize(("raw", "field"), _params(TEX, TEX_FIELDS, "L"))
def test_hostile_tex(raw: str, field: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    canary = tmp_path / "canary"
    filled = fill(field, expand(raw, canary))
    source, diagnostics, seconds = load_timed(filled)
    if source is None or raw not in TEX_MAY_LOAD:
        assert_rejected_at_field(source, diagnostics, seconds, filled)
        return
    assert seconds < LOAD_SECONDS
    if field in CHECKED_TEX_FIELDS:
        assert_checks_end_within_the_limit(source, filled)
    else:
        site: Site = request.getfixturevalue("site")
        site.assert_clean((raw, field))


def assert_checks_end_within_the_limit(source: Source, filled: Filled) -> None:
    """Every check of the source ends within the limit; failures point into the field's block."""
    keyed = [
        (display, spec, f"{display.anchor}/{k}")
        for display in source.displays
        for k, spec in enumerate(display.checks)
    ]
    tasks = [Task(key, source.context, spec.payload()) for _, spec, key in keyed]
    verdicts, _ = run_pool(tasks)
    assert set(verdicts) == {key for *_, key in keyed}
    for display, spec, key in keyed:
        verdict = verdicts[key]
        assert_bounded(verdict, key)
        for d in verdict_diagnostics(source, display, spec, verdict):
            assert filled.item <= d.position.line <= filled.last, (
                f"failed check reported outside the block (lines {filled.item}–{filled.last})\n"
                + d.format()
            )


def test_every_tex_payload_is_distinct_and_enough() -> None:
    payloads = [raw for _, raw in TEX]
    assert len(payloads) >= 30
    assert len(set(payloads)) == len(payloads)
    assert TEX_MAY_LOAD.issubset(payloads)


# --- positions ---------------------------------------------------------------------------------

PRECISE = [
    ("function_expr", "z + __import__('os')", "__import__", None),
    ("define_expr", "sigma(z) * exp(z).real", "exp(z).real", None),
    ("equation", r"x = x + \href{x}{y}", r"\href", None),
    ("given", r"x = \def\y{1} y", r"\def", None),
    ("prose_math", r"x + \href{x}{y}", r"\href", None),
    ("prose_text", "Plain <b>bold</b>", "<b>", None),
    ("function_expr", "⑽*__import__('os')", "__import__", None),  # NFKC widens ⑽ to (10)
    ("function_expr", "{newline}__import__('os')", "__import__", None),  # value after a blank line
    ("equation", "{newline}\\href{x}{y} = x", r"\href", None),
]


@pytest.mark.parametrize(
    ("field", "raw", "culprit"),
    [
        pytest.param(
            field,
            raw,
            culprit,
            id=f"{field}-{k}",
            marks=[pytest.mark.xfail(strict=True, reason=hole)] if hole else [],
        )
        for k, (field, raw, culprit, hole) in enumerate(PRECISE)
    ],
)
def test_diagnostic_points_at_the_offending_token(
    field: str, raw: str, culprit: str, tmp_path: Path
) -> None:
    filled = fill(field, expand(raw, tmp_path / "canary"))
    source, diagnostics, _ = load_timed(filled)
    assert source is None
    lines = filled.text.split("\n")
    start = sum(len(line) + 1 for line in lines[: filled.first - 1])
    at = filled.text.index(culprit, start)
    line = filled.text.count("\n", 0, at) + 1
    column = at - (filled.text.rfind("\n", 0, at) + 1) + 1
    first = diagnostics[0].position
    assert (first.line, first.column) == (line, column), diagnostics[0].format()


# --- exhaustion ---------------------------------------------------------------------------------

REJECTED_AT_LOAD = [
    ("power-tower", "function_expr", "10**10**10", None),
    ("power-tower-of-twos", "function_expr", "2**2**2**2**2", None),
    ("nested-parentheses", "function_expr", "(" * 200 + "z" + ")" * 200, None),
    ("long-expression", "function_expr", "z + " * 25_000 + "z", None),
    ("long-tex", "equation", "x = " + "x + " * 1200 + "x", None),
    ("tex-power-tower", "equation", r"\frac{\partial L}{\partial a} = 10^{10^{10}}", None),
    ("tex-power-tower-of-twos", "result", r"a - y = 2^{2^{2^{2^{2^{2}}}}}", None),
    ("nested-parentheses-tex", "equation", "x = " + "(" * 200 + "x" + ")" * 200, None),
    ("nested-braces-tex", "result", "a - y = " + "{" * 300 + "a - y" + "}" * 300, None),
]


@pytest.mark.parametrize(
    ("field", "payload"),
    [
        pytest.param(
            field,
            payload,
            id=name,
            marks=[pytest.mark.xfail(strict=True, raises=RecursionError, reason=hole)]
            if hole
            else [],
        )
        for name, field, payload, hole in REJECTED_AT_LOAD
    ],
)
def test_exhausting_input_is_rejected_at_load(field: str, payload: str) -> None:
    filled = fill(field, payload)
    source, diagnostics, seconds = load_timed(filled)
    assert_rejected_at_field(source, diagnostics, seconds, filled)


def test_ten_megabyte_source_is_rejected_at_once() -> None:
    filled = fill("prose_text", "A sentence of prose. " * 500_000)
    assert len(filled.text.encode()) > 10_000_000
    source, diagnostics, seconds = load_timed(filled)
    assert source is None
    assert [(d.position.line, d.position.column) for d in diagnostics] == [(1, 1)]
    assert "larger than" in diagnostics[0].message
    assert seconds < LOAD_SECONDS


_DETERMINANT = (
    r"\begin{vmatrix} "
    r"x & w & 1 & 2 & 3 & 4 & 5 & 6 \\ "
    r"w & x & 1 & 2 & 3 & 4 & 5 & 6 \\ "
    r"1 & 2 & x & w & 3 & 4 & 5 & 6 \\ "
    r"x & 2 & 3 & w & x & 4 & 5 & 6 \\ "
    r"1 & x & w & 2 & 3 & x & 5 & 6 \\ "
    r"w & w & x & 2 & 3 & 4 & x & 6 \\ "
    r"x & 1 & w & x & 3 & 4 & 5 & x \\ "
    r"1 & x & 2 & w & x & w & x & w \end{vmatrix}"
)
"""An 8×8 determinant of two symbols: SymPy needs far longer than TIMEOUT to decide it."""

CHECKED_TO_THE_END = [
    # (name, field, payload, display anchor whose checks run it)
    ("factorial", "function_expr", "1/(1 + exp(-z)) + factorial(10**7)", "def-2"),
    ("memory-bomb", "function_expr", "1/(1 + exp(-z)) + (((2**1000)**1000)**1000)**8", "def-2"),
    ("tiny-literal", "define_expr", "sigma(z) + 1e-999999999", "def-2"),
    ("tex-factorial", "equation", r"x = (10^{999})!", "eq-5"),
    ("tex-determinant", "equation", "x = " + _DETERMINANT, "eq-5"),
    ("runaway", "equation", r"(x + 1)^{1000} (x - 1)^{1000} = (x^2 - 1)^{1000}", "eq-5"),
    ("runaway-two", "equation", r"(x + w)^{999} (x - w)^{999} = (x^2 - w^2)^{999}", "eq-5"),
]


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


class MemoryWatch(threading.Thread):
    """Samples every descendant process: peak resident memory and its address-space limit."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.done = threading.Event()
        self.peaks: dict[int, tuple[int, int | None]] = {}

    def run(self) -> None:
        while not self.done.is_set():
            for pid in _descendants(os.getpid()):
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    limits = Path(f"/proc/{pid}/limits").read_text()
                except OSError:
                    continue
                peak = next(
                    (
                        int(x.split()[1]) * 1024
                        for x in status.splitlines()
                        if x.startswith("VmHWM:")
                    ),
                    0,
                )
                soft = next(x for x in limits.splitlines() if x.startswith("Max address space"))
                limit = None if soft.split()[3] == "unlimited" else int(soft.split()[3])
                old, _ = self.peaks.get(pid, (0, None))
                self.peaks[pid] = (max(old, peak), limit)
            time.sleep(0.02)

    def assert_capped(self, megabytes: int) -> None:
        """Some worker ran under an address-space cap of ``megabytes``, and none went past it."""
        capped = {pid: peak for pid, (peak, limit) in self.peaks.items() if limit is not None}
        assert capped, "no worker process was seen with an address-space limit"
        for pid, (peak, limit) in self.peaks.items():
            if limit is not None:
                assert limit == megabytes * 1024 * 1024, (pid, limit)
                assert peak <= limit, (pid, peak, limit)


@pytest.mark.skipif(not Path("/proc/self/limits").exists(), reason="needs /proc")
def test_exhausting_checks_end_within_the_limit_and_the_others_still_pass() -> None:
    tasks: list[Task] = []
    hostile: dict[str, str] = {}
    for name, field, payload, anchor in CHECKED_TO_THE_END:
        source, diagnostics, seconds = load_timed(fill(field, payload))
        assert source is not None, [d.format() for d in diagnostics]
        assert seconds < LOAD_SECONDS
        display = next(d for d in source.displays if d.anchor == anchor)
        for task in display_tasks(source, display, name):
            tasks.append(task)
            hostile[task.key] = name
    normal, _, _ = load_timed(fill())
    assert normal is not None
    for display in normal.displays:
        tasks.extend(display_tasks(normal, display, "normal"))
    # hostile checks first, so the ordinary ones queue behind them on both workers
    tasks.sort(key=lambda t: (t.key in hostile, t.key), reverse=True)

    watch = MemoryWatch()
    watch.start()
    started = time.monotonic()
    try:
        verdicts, hard_limit = run_pool(tasks)
    finally:
        watch.done.set()
        watch.join()
    elapsed = time.monotonic() - started

    assert set(verdicts) == {t.key for t in tasks}, "every check gets a verdict"
    for key, verdict in verdicts.items():
        assert_bounded(verdict, key)
        if key in hostile:
            assert verdict.status in (V.TIMEOUT, V.NUMERIC, V.REJECTED, V.FALSE), (key, verdict)
        else:
            assert verdict.passed, (key, verdict)
    by_case = {
        name: [verdicts[k].status for k in verdicts if hostile.get(k) == name]
        for name in hostile.values()
    }
    for case in ("factorial", "memory-bomb", "tiny-literal", "tex-determinant"):
        assert set(by_case[case]) <= {V.TIMEOUT, V.REJECTED}, (case, by_case[case])
    assert elapsed < len(tasks) / 2 * (TIMEOUT + MARGIN) + hard_limit
    watch.assert_capped(MEMORY_MB)


@pytest.mark.skipif(not Path("/proc/self/limits").exists(), reason="needs /proc")
def test_the_memory_cap_turns_a_memory_bomb_into_a_rejection() -> None:
    """With time to spare, a 1 GB integer runs into the worker's RLIMIT_AS, not the machine's."""
    name, field, payload, anchor = next(c for c in CHECKED_TO_THE_END if c[0] == "memory-bomb")
    source, _, _ = load_timed(fill(field, payload))
    assert source is not None
    display = next(d for d in source.displays if d.anchor == anchor)
    tasks = display_tasks(source, display, name)
    watch = MemoryWatch()
    watch.start()
    try:
        verdicts, _ = run_pool(tasks, memory_mb=192, timeout=20.0)
    finally:
        watch.done.set()
        watch.join()
    for verdict in verdicts.values():
        assert verdict.status == V.REJECTED and verdict.method in ("memory", "worker"), verdict
        assert verdict.seconds < 20.0
    watch.assert_capped(192)


# --- markup: the real site --------------------------------------------------------------------

MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<iframe src="https://example.org"></iframe>',
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    '[x](javascript:alert(1) "t")',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](javascript:alert(1))",
    "![onmouseover=alert(1) x](y)",
    "<javascript:alert(1)>",
    "[x][r]{newline}{newline}[r]: javascript:alert(1)",
    "[x](jav&#x61;script:alert(1))",
    "jav&#x61;script:alert(1)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "{{ 7*7 }}",
    "{% for x in y %}{{ x }}{% endfor %}",
    "{# hidden #}",
    'x" onmouseover="alert(1)',
    "x' onmouseover='alert(1)",
    "`<img src=x onerror=alert(1)>`",
    '{: onclick="alert(1)" }',
    "x{newline}{newline}<script>alert(1)</script>",
    "x{newline}{newline}[x](javascript:alert(1))",
    "$ [x](javascript:alert(1)) $",
    "$$ [x](javascript:alert(1)) $$",
    "$ ![x](data:image/svg+xml;base64,PHN2Zz4=) $",
    "First paragraph.{newline}{newline}Second paragraph.",
]
JINJA = ("{{ 7*7 }}", "{% for x in y %}{{ x }}{% endfor %}", "{# hidden #}")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        pytest.param(raw, field, id=f"M{k}-{field}", marks=_marks(raw, field))
        for k, raw in enumerate(MARKUP, 1)
        for field in TEXT_FIELDS
    ],
)
def test_markup_is_rejected_or_harmless(
    raw: str, field: str, request: pytest.FixtureRequest
) -> None:
    filled = fill(field, expand(raw, Path("/nonexistent")))
    source, diagnostics, seconds = load_timed(filled)
    if source is None:
        assert_rejected_at_field(source, diagnostics, seconds, filled)
        return
    site: Site = request.getfixturevalue("site")
    site.assert_clean((raw, field))


class _Page(HTMLParser):
    """Every tag with its attributes, every script, and the text outside scripts and styles."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[tuple[str | None, str]] = []
        self.chunks: list[str] = []
        self._script: list[str] | None = None
        self._src: str | None = None
        self._skip = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        if tag == "script":
            self._script, self._src = [], dict(attrs).get("src")
        elif tag == "style":
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._src, "".join(self._script)))
            self._script = None
        elif tag == "style":
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
        elif not self._skip:
            self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.chunks).split())


_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "data"}
_BAD_SCHEME = re.compile(r"^(javascript|data|vbscript):", re.IGNORECASE)
_BAD_TAGS = {"iframe", "frame", "object", "embed", "applet", "base"}


def problems(html: str, allowed_scripts: set[tuple[str | None, str]]) -> list[str]:
    """What a hostile source could have smuggled into ``html``."""
    page = _Page(html)
    found = []
    for tag, attrs in page.tags:
        if tag in _BAD_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs:
            if name.lower().startswith("on"):
                found.append(f"<{tag} {name}={value!r}>")
            cleaned = re.sub(r"[\x00-\x20]", "", value or "")
            if name.lower() in _URL_ATTRS and _BAD_SCHEME.match(cleaned):
                found.append(f"<{tag} {name}={value!r}>")
    for script in page.scripts:
        if script not in allowed_scripts:
            found.append(f"<script src={script[0]!r}>{script[1][:60]}")
    return found


def _article(html: str) -> str:
    start = html.index("<article")
    return html[start : html.index("</article>", start)]


@dataclass
class Site:
    root: Path
    pages: dict[tuple[str, str], str]
    """(raw payload, field) → slug of the page built from it."""
    allowed_scripts: set[tuple[str | None, str]]
    sources: dict[str, bytes]
    """content/ and templates/ of the built project as they were before the build."""

    def assert_clean(self, combo: tuple[str, str]) -> None:
        raw, field = combo
        slug = self.pages[combo]
        html = (self.root / slug / "index.html").read_text(encoding="utf-8")
        found = problems(html, self.allowed_scripts)
        if field in ("summary_text", "summary_math"):
            found += [
                f"landing page: {p}" for p in problems(self.entry(slug), self.allowed_scripts)
            ]
        assert not found, f"{slug} ({field}): {found}"
        if raw in JINJA:
            where = _Page(_article(html) if field in ARTICLE_FIELDS else html).text
            if field not in NOT_RENDERED:
                assert raw in where, f"{raw!r} does not appear literally on {slug}"
            assert not re.search(r"\b49\b", _Page(_article(html)).text), f"Jinja ran on {slug}"
        if field in PLAIN_FIELDS and field not in NOT_RENDERED and "{newline}" not in raw:
            visible = _Page(html).text
            assert " ".join(raw.split()) in visible, f"{raw!r} is not shown as typed on {slug}"

    def landing(self) -> str:
        return _article((self.root / "index.html").read_text(encoding="utf-8"))

    def entry(self, slug: str) -> str:
        """The landing page's HTML from this page's link to the next page's link."""
        landing = self.landing()
        start = landing.index(f'href="{slug}/"')
        end = landing.find('href="hostile-', start + 1)
        return landing[start : end if end >= 0 else len(landing)]


def _site_combos() -> Iterator[tuple[str, str, str]]:
    """(raw, field, expanded payload) of every combination the site build may need."""
    nowhere = Path("/nonexistent")
    for raw in MARKUP:
        for field in TEXT_FIELDS:
            yield raw, field, expand(raw, nowhere)
    for _, raw in TEX:
        if raw in TEX_MAY_LOAD:
            for field in ("notation", *INLINE_MATH_FIELDS):
                yield raw, field, expand(raw, nowhere)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """One real build with a page for every accepted payload (the default page as a baseline)."""
    project = copy_project(tmp_path_factory.mktemp("hostile-site"))
    for old in (project / "content").glob("*.yaml"):
        if old.name not in ("sigmoid-logistic.yaml", "index.yaml"):
            old.unlink()  # work in progress elsewhere must not break this build
    pages: dict[tuple[str, str], str] = {}
    for n, (raw, field, payload) in enumerate(_site_combos()):
        filled = fill(field, payload, order=str(2000 + n))
        source, _ = load_source(filled.text, FILE)
        if source is None:
            continue
        slug = f"hostile-{n:03d}"
        (project / "content" / f"{slug}.yaml").write_text(filled.text, encoding="utf-8")
        pages[(raw, field)] = slug
    sources = _snapshot(project)
    result = run_cli("build", "--root", str(project), "--timeout", str(TIMEOUT * 5))
    assert result.returncode == 0, result.stderr[-4000:]
    root = project / "site"
    baseline = _Page((root / "sigmoid-logistic" / "index.html").read_text(encoding="utf-8"))
    assert not problems(
        (root / "sigmoid-logistic" / "index.html").read_text(encoding="utf-8"),
        set(baseline.scripts),
    )
    return Site(root, pages, set(baseline.scripts), sources)


def _snapshot(project: Path) -> dict[str, bytes]:
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for folder in ("content", "templates")
        for path in sorted((project / folder).rglob("*"))
        if path.is_file()
    }


def test_the_site_build_leaves_the_sources_alone(site: Site) -> None:
    """Invariant 5: building 300-odd hostile pages wrote nothing into content/ or templates/."""
    assert _snapshot(site.root.parent) == site.sources
    assert {f"content/{slug}.yaml" for slug in site.pages.values()} <= set(site.sources)


def test_the_landing_page_lists_every_page_as_one_item(site: Site) -> None:
    items = re.findall(r"<li>.*?</li>", site.landing(), re.S)
    listed = {slug for item in items for slug in re.findall(r'href="(hostile-\d+)/"', item)}
    missing = sorted(set(site.pages.values()) - listed)
    assert not missing, f"{len(missing)} pages are no longer list items, from {missing[0]} on"
