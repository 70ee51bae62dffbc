"""Checks → verdicts. Runs inside a bounded worker process (see :mod:`generator.workers`).

One *check* compares two expressions (two adjacent rows of a display, a display
row and a definition, …). The order of work keeps the common case cheap and the
verdict honest:

1. the cheapest exact normal forms (:mod:`generator.normalforms`) decide most true
   claims outright;
2. otherwise a numeric pre-screen at a few points refutes most false claims, with a
   readable counterexample, before the costlier normal forms and ``simplify`` run;
3. a symbolic zero is *proven* only if no point of the domain makes one side undefined
   while the other is defined (:mod:`generator.definedness`: the ``(x²−1)/(x−1) = x+1``
   trap, read from the source's own denominators, logarithms and roots);
4. otherwise ≥ 20 random points at 30 digits: *numerically consistent*, or *false*
   with the point.

Vector claims (indexed symbols, sums up to a size N) are checked for every
concrete size N = 2…6 and every index value, and say so.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sympy as sp

from . import verdicts as V
from .definedness import Side, guards_of, undefined_mismatch
from .domains import Domain, parse_domain
from .mathast import Node, from_key
from .normalforms import per_value_zero, symbolic_zero
from .numeric import Value, agree, counterexample, evaluate_side, points, reliable
from .tosympy import Definition, Translator
from .vectors import SIZES, concrete, is_vector
from .verdicts import Verdict


@dataclass(frozen=True, slots=True)
class Settings:
    timeout: float = 10.0
    """Seconds one check may take before it ends as *timeout*."""
    points: int = 24
    """Random points for the numeric fallback (at least 20)."""
    digits: int = 30


class CheckTimeout(Exception):
    """The per-check time budget ran out."""


class Deadline:
    """A wall-clock budget enforced with SIGALRM, so runaway SymPy calls are interrupted.

    Phases nest: an inner phase gets a share of what is left, and when it ends the
    outer phase's alarm is re-armed.
    """

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self._ends: list[float] = []

    def remaining(self) -> float:
        current = self._ends[-1] if self._ends else self.end
        return current - time.monotonic()

    @contextmanager
    def phase(self, fraction: float = 1.0) -> Iterator[None]:
        """Run a block with at most ``fraction`` of the remaining time."""
        budget = self.remaining() * fraction
        if budget <= 0:
            raise CheckTimeout()
        if threading.current_thread() is not threading.main_thread():
            yield  # signals only work on the main thread; the pool's hard limit still applies
            return
        self._ends.append(time.monotonic() + budget)
        previous = signal.signal(signal.SIGALRM, _expire)
        signal.setitimer(signal.ITIMER_REAL, budget)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self._ends.pop()
            signal.signal(signal.SIGALRM, previous)
            if self._ends:
                signal.setitimer(signal.ITIMER_REAL, max(self._ends[-1] - time.monotonic(), 1e-3))


def _expire(signum: int, frame: Any) -> None:
    raise CheckTimeout()


# --- building a derivation's translator ------------------------------------------------------


@dataclass
class Context:
    translator: Translator
    domains: dict[str, Domain]
    size: str | None


_CONTEXTS: dict[str, Context] = {}


def context_from_payload(payload: Mapping[str, Any]) -> Context:
    """Rebuild (and memoise) a derivation's declarations from plain data."""
    key = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    if key in _CONTEXTS:
        return _CONTEXTS[key]
    domains = {name: parse_domain(text) for name, text, _ in payload["symbols"]}
    indexed = frozenset(name for name, _, is_indexed in payload["symbols"] if is_indexed)
    functions = {
        name: Definition(name, tuple(params), from_key(body))
        for name, params, body in payload["functions"]
    }
    definitions = {
        name: Definition(name, tuple(params), from_key(body), tuple(indices))
        for name, params, indices, body in payload["definitions"]
    }
    translator = Translator(domains, indexed, functions, definitions)
    context = Context(translator, domains, payload.get("size"))
    if len(_CONTEXTS) > 64:
        _CONTEXTS.clear()
    _CONTEXTS[key] = context
    return context


# --- entry point -------------------------------------------------------------------------------


def run_check(payload: Mapping[str, Any], check: Mapping[str, Any], settings: Settings) -> Verdict:
    """Decide one check; never raises for a user's mistake (that becomes a verdict)."""
    started = time.monotonic()
    deadline = Deadline(settings.timeout)
    seed = int(
        hashlib.sha256(json.dumps([payload, check], sort_keys=True).encode()).hexdigest()[:12], 16
    )
    rng = random.Random(seed)
    try:
        context = context_from_payload(payload)
        with deadline.phase():
            verdict = _dispatch(context, check, settings, deadline, rng)
    except CheckTimeout:
        verdict = Verdict(V.TIMEOUT, "time limit", f"no decision within {settings.timeout:g} s")
    except RecursionError:
        verdict = Verdict(V.REJECTED, "recursion", "the expression is nested too deeply to check")
    except MemoryError:
        verdict = Verdict(V.REJECTED, "memory", "the check ran out of memory")
    except Exception as exc:  # SymPy raises many types; none may crash the build
        verdict = Verdict(
            V.REJECTED, "error", f"SymPy could not process the claim ({type(exc).__name__}: {exc})"
        )
    seconds = round(time.monotonic() - started, 4)
    return Verdict(
        verdict.status,
        verdict.method,
        verdict.detail,
        verdict.counterexample,
        seconds,
        verdict.extra,
    )


def _dispatch(
    context: Context,
    check: Mapping[str, Any],
    settings: Settings,
    deadline: Deadline,
    rng: random.Random,
) -> Verdict:
    op = check["op"]
    if op == "describe":
        return _describe(context, check)
    if op == "artifacts":
        from .artifacts import build_artifacts  # imports NumPy: only when drawing

        return build_artifacts(context, check, rng)
    left, right = from_key(check["left"]), from_key(check["right"])
    wrt = from_key(check["wrt"]) if check.get("wrt") else None
    givens = [(from_key(a), from_key(b)) for a, b in check.get("givens", [])]
    mode = check.get("mode", "equal")
    verdict = compare(context, left, right, wrt, givens, mode, settings, deadline, rng)
    if check.get("expect") == "false":
        return _expected_false(verdict)
    return verdict


def _expected_false(verdict: Verdict) -> Verdict:
    if verdict.status == V.FALSE:
        return Verdict(V.REFUTED, verdict.method, verdict.detail, verdict.counterexample)
    if verdict.status in (V.PROVEN, V.NUMERIC):
        return Verdict(
            V.HOLDS_UNEXPECTEDLY,
            verdict.method,
            "this claim is shown as a mistake, but the checker found it true",
        )
    return verdict


def _describe(context: Context, check: Mapping[str, Any]) -> Verdict:
    """SymPy ``srepr`` of definitions and of a result, so other tools can re-verify them."""
    tr = context.translator
    definitions = {name: sp.srepr(tr.definition_body(name)) for name in tr.definitions}
    functions = {name: sp.srepr(tr.expr(d.body)) for name, d in tr.functions.items()}
    extra: dict[str, Any] = {"definitions": definitions, "functions": functions}
    if check.get("left"):
        wrt = tr.expr(from_key(check["wrt"])) if check.get("wrt") else None
        keep = frozenset({wrt}) if wrt is not None else frozenset()
        left_node = from_key(check["left"])
        if left_node.op == "deriv":
            # Unevaluated, so another tool can differentiate and compare for itself.
            body = tr.expand(tr.expr(left_node.args[0]), keep)
            left = sp.Derivative(body, tr.expr(left_node.args[1]), int(left_node.args[2].value))
        else:
            left = tr.expand(tr.expr(left_node), keep)
        right = tr.expand(tr.expr(from_key(check["right"])), keep)
        extra["result"] = {"left": sp.srepr(left), "right": sp.srepr(right)}
    return Verdict(V.PROVEN, "describe", "", None, 0.0, extra)


# --- comparing two expressions ------------------------------------------------------------------


def compare(
    context: Context,
    left: Node,
    right: Node,
    wrt: Node | None,
    givens: list[tuple[Node, Node]],
    mode: str,
    settings: Settings,
    deadline: Deadline,
    rng: random.Random,
) -> Verdict:
    tr = context.translator
    keep = frozenset({tr.expr(wrt)}) if wrt is not None else frozenset()
    a = Side(tr.expand(tr.expr(left), keep), guards_of(tr.shadow(left, keep)))
    b = Side(tr.expand(tr.expr(right), keep), guards_of(tr.shadow(right, keep)))
    if mode == "antiderivative":
        a, b = _differentiate_antiderivative(a, b)
    given_pairs = [(tr.expand(tr.expr(g)), tr.expand(tr.expr(h))) for g, h in givens]
    size = tr.symbol(context.size) if context.size is not None else None
    if is_vector(size, a, b):
        return _compare_per_size(context, a, b, given_pairs, settings, deadline, rng)
    elimination = _eliminate(given_pairs, a, b)
    if isinstance(elimination, str):
        return Verdict(V.REJECTED, "given", elimination)
    a, b = _substituted(elimination, a, b)
    return _compare_scalar(a, b, _domains_of(context, a, b), settings, deadline, rng)


def _substituted(mapping: dict[Any, Any], a: Side, b: Side) -> tuple[Side, Side]:
    return a.map(lambda e: e.xreplace(mapping)), b.map(lambda e: e.xreplace(mapping))


def _differentiate_antiderivative(a: Side, b: Side) -> tuple[Side, Side]:
    """``∫f dx = F (+ C)`` holds when dF/dx = f: compare derivatives, so constants drop out."""
    integral, other = (a, b) if isinstance(a.expr, sp.Integral) else (b, a)
    (var,) = integral.expr.variables
    return Side(integral.expr.function, integral.guards), Side(
        sp.diff(other.expr, var), other.guards
    )


def _domains_of(context: Context, *sides: Side) -> dict[Any, Domain]:
    out: dict[Any, Domain] = {}
    for side in sides:
        exprs = [side.expr, *(g.expr for g in side.guards)]
        for expr in exprs:
            for atom in expr.free_symbols:
                if isinstance(atom, sp.Symbol) and not isinstance(atom, sp.Dummy):
                    out[atom] = context.domains.get(atom.name.split("__")[0], parse_domain("real"))
    return out


def _compare_scalar(
    a: Side,
    b: Side,
    domains: dict[Any, Domain],
    settings: Settings,
    deadline: Deadline,
    rng: random.Random,
    extra_point: Mapping[str, str] | None = None,
) -> Verdict:
    """Decide ``a = b`` on the domain: cheap proof, pre-screen, full proof, numeric fallback."""
    difference = a.expr - b.expr
    method = symbolic_zero(difference, domains, cheap_only=True)
    if method is None:
        refuted = _search(a, b, domains, settings, rng, nice=True, tries=6, deadline=deadline)
        if isinstance(refuted, tuple):
            return Verdict(
                V.FALSE, "numeric pre-screen", "the two sides differ", _ce(refuted, extra_point)
            )
        method = _full_proof(difference, domains, deadline)
    # With a proof, the domain check decides between proven and false; without one, it can
    # still refute (a point of the domain where only one side is defined, such as a gap
    # between the cases of a piecewise value), which random sampling would never hit.
    verdict = _domain_check(a, b, domains, method, settings, deadline, rng, extra_point)
    if verdict is not None:
        return verdict
    return _numeric_verdict(a, b, domains, method, settings, deadline, rng, extra_point)


def _full_proof(difference: Any, domains: dict[Any, Domain], deadline: Deadline) -> str | None:
    try:
        with deadline.phase(0.7):
            return symbolic_zero(difference, domains) or per_value_zero(difference, domains)
    except CheckTimeout:
        return None


def _domain_check(
    a: Side,
    b: Side,
    domains: dict[Any, Domain],
    method: str | None,
    settings: Settings,
    deadline: Deadline,
    rng: random.Random,
    extra_point: Mapping[str, str] | None,
) -> Verdict | None:
    """Proven (only with a symbolic ``method``), or false at a point where only one side is
    defined; None when undecided."""
    try:
        with deadline.phase(0.5):
            undefined = undefined_mismatch(a, b, domains, settings.digits, rng)
    except CheckTimeout:
        undefined = "unknown"
    if isinstance(undefined, tuple):
        return Verdict(
            V.FALSE,
            f"{method} + domain check" if method else "domain check",
            "the two sides agree where both are defined, but one side is undefined at a point of the domain"
            if method
            else "one side is undefined at a point of the domain where the other is defined",
            _ce(undefined, extra_point),
        )
    if undefined is None and method is not None:
        return Verdict(V.PROVEN, method, "the difference of the two sides simplifies to 0")
    return None


def _numeric_verdict(
    a: Side,
    b: Side,
    domains: dict[Any, Domain],
    method: str | None,
    settings: Settings,
    deadline: Deadline,
    rng: random.Random,
    extra_point: Mapping[str, str] | None,
) -> Verdict:
    outcome = _search(
        a, b, domains, settings, rng, nice=False, tries=settings.points * 8, deadline=deadline
    )
    if isinstance(outcome, tuple):
        return Verdict(V.FALSE, "numeric", "the two sides differ", _ce(outcome, extra_point))
    if outcome < settings.points:
        return Verdict(
            V.REJECTED,
            "numeric",
            f"only {outcome} points were found where both sides are defined; need {settings.points}",
        )
    note = "symbolic simplification did not reach 0"
    if method is not None:
        note = "symbolic difference is 0, but points where only one side is defined could not be ruled out"
    return Verdict(V.NUMERIC, f"numeric ({outcome} points, {settings.digits} digits)", note)


def _ce(
    found: tuple[dict[Any, Any], Value, Value], extra: Mapping[str, str] | None
) -> V.Counterexample:
    point, left, right = found
    return counterexample(point, left, right, extra)


def _search(
    a: Side,
    b: Side,
    domains: dict[Any, Domain],
    settings: Settings,
    rng: random.Random,
    nice: bool,
    tries: int,
    deadline: Deadline,
) -> tuple[dict[Any, Any], Value, Value] | int:
    """A point where the sides differ, or how many reliable points agreed.

    The pre-screen (``nice``) gives up quietly when its share of time runs out; the
    numeric fallback does not (a timeout there is the check's verdict).
    """
    variables = sorted(domains, key=sp.default_sort_key)
    good = 0
    try:
        with deadline.phase(0.3 if nice else 1.0):
            for point in itertools.islice(points(variables, domains, rng, nice=nice), tries):
                left = evaluate_side(a, point, settings.digits)
                right = evaluate_side(b, point, settings.digits)
                if not reliable(left, right):
                    continue  # too ill-conditioned to tell at this point
                if not agree(left, right):
                    return point, left, right
                if left.defined:
                    good += 1
                if not variables or (not nice and good >= settings.points):
                    return settings.points if not variables else good
    except CheckTimeout:
        if not nice:
            raise
    return good


def _eliminate(givens: list[tuple[Any, Any]], *sides: Side) -> dict[Any, Any] | str:
    """Use each given equation to eliminate one symbol (the last one it is linear in)."""
    mapping: dict[Any, Any] = {}
    for lhs, rhs in givens:
        equation = sp.expand((lhs - rhs).doit()).xreplace(mapping)
        used = False
        for var in sorted(equation.free_symbols, key=sp.default_sort_key, reverse=True):
            if isinstance(var, sp.Dummy) or not any(s.expr.has(var) for s in sides):
                continue
            try:
                linear = sp.degree(equation, var) == 1
            except (sp.PolynomialError, ValueError):
                linear = False
            if linear:
                solved = sp.solve(equation, var)
                if len(solved) == 1:
                    mapping = {k: v.xreplace({var: solved[0]}) for k, v in mapping.items()}
                    mapping[var] = solved[0]
                    used = True
                    break
        if not used:
            return (
                f"the given {lhs} = {rhs} cannot be used: a given must be linear in one of the "
                "claim's symbols, which it then eliminates"
            )
    return mapping


def _compare_per_size(
    context: Context,
    a: Side,
    b: Side,
    givens: list[tuple[Any, Any]],
    settings: Settings,
    deadline: Deadline,
    rng: random.Random,
) -> Verdict:
    """Check a claim about indexed symbols for every size N = 2…6 and every index value."""
    tr = context.translator
    assert context.size is not None
    size = tr.symbol(context.size)
    index_symbols = sorted(
        (
            s
            for side in (a, b)
            for s in side.expr.free_symbols
            if isinstance(s, sp.Symbol)
            and s.name in context.domains
            and context.domains[s.name].index
        ),
        key=sp.default_sort_key,
    )
    index_symbols = list(dict.fromkeys(index_symbols))
    statuses: set[str] = set()
    for n in SIZES:
        for values in itertools.product(range(1, n + 1), repeat=len(index_symbols)):
            subs: dict[Any, Any] = {size: sp.Integer(n)}
            subs.update({s: sp.Integer(v) for s, v in zip(index_symbols, values, strict=True)})
            extra = {
                context.size: str(n),
                **{str(s): str(v) for s, v in zip(index_symbols, values, strict=True)},
            }
            given_sides = [Side(g - h) for g, h in givens]
            (ca, cb, *cgivens), domains = concrete(context.domains, [a, b, *given_sides], subs)
            elimination = _eliminate([(g.expr, sp.Integer(0)) for g in cgivens], ca, cb)
            if isinstance(elimination, str):
                return Verdict(V.REJECTED, "given", elimination)
            ca, cb = _substituted(elimination, ca, cb)
            verdict = _compare_scalar(ca, cb, domains, settings, deadline, rng, extra)
            if not verdict.passed:
                return verdict
            statuses.add(verdict.status)
    status = V.PROVEN if statuses == {V.PROVEN} else V.NUMERIC
    indices = ", ".join(str(s) for s in index_symbols)
    every = f" and every value of {indices}" if indices else ""
    return Verdict(
        status,
        f"for each size {context.size} = {SIZES[0]}…{SIZES[-1]}{every}",
        f"checked separately for {context.size} = {', '.join(map(str, SIZES))}",
    )
