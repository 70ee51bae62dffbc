"""Checks → verdicts. Runs inside a bounded worker process (see :mod:`generator.workers`).

One *check* compares two expressions (two adjacent rows of a display, a display
row and a definition, …). The order of work keeps the common case cheap and the
verdict honest:

1. a numeric pre-screen at a few points refutes most false claims at once,
   with a readable counterexample;
2. cheap exact normal forms (``cancel``, ``expand(together(·))``) and then
   ``simplify`` try to reduce the difference to 0: *proven* — provided no point of
   the domain makes one side undefined while the other is defined (the
   ``(x²−1)/(x−1) = x+1`` trap);
3. otherwise ≥ 20 random points at 30 digits: *numerically consistent*, or
   *false* with the point.

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
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sympy as sp

from . import verdicts as V
from .domains import Domain, parse_domain
from .mathast import Node, from_key
from .numeric import Value, agree, counterexample, evaluate, points, reliable
from .tosympy import Definition, Translator
from .verdicts import Verdict

SIZES = (2, 3, 4, 5, 6)


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
        from .artifacts import build_artifacts  # imports matplotlib: only when drawing

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
    a = tr.expand(tr.expr(left), keep)
    b = tr.expand(tr.expr(right), keep)
    if mode == "antiderivative":
        a, b = _differentiate_antiderivative(a, b)
    given_pairs = [(tr.expand(tr.expr(g)), tr.expand(tr.expr(h))) for g, h in givens]
    if _is_vector(context, a, b):
        return _compare_per_size(context, a, b, given_pairs, settings, deadline, rng)
    a, b = _apply_givens(a, b, given_pairs)
    domains = _domains_of(context, a, b)
    return _compare_scalar(a, b, domains, settings, deadline, rng)


def _differentiate_antiderivative(a: Any, b: Any) -> tuple[Any, Any]:
    """``∫f dx = F (+ C)`` holds when dF/dx = f: compare derivatives, so constants drop out."""
    integral = a if isinstance(a, sp.Integral) else b
    other = b if integral is a else a
    (var,) = integral.variables
    integrand = integral.function
    return integrand, sp.diff(other, var)


def _domains_of(context: Context, *exprs: Any) -> dict[Any, Domain]:
    out: dict[Any, Domain] = {}
    for expr in exprs:
        for atom in expr.free_symbols:
            if isinstance(atom, sp.Symbol) and not isinstance(atom, sp.Dummy):
                out[atom] = context.domains.get(atom.name.split("__")[0], parse_domain("real"))
    return out


def _compare_scalar(
    a: Any,
    b: Any,
    domains: dict[Any, Domain],
    settings: Settings,
    deadline: Deadline,
    rng: random.Random,
    extra_point: Mapping[str, str] | None = None,
) -> Verdict:
    variables = sorted(domains, key=str)
    difference = a - b
    # 1. The cheapest exact normal forms decide most true claims outright.
    method = _symbolic_zero(difference, domains, cheap_only=True)
    if method is None:
        # 2. Numeric pre-screen: a false claim usually shows itself at the first few points.
        try:
            with deadline.phase(0.3):
                refuted = _search_counterexample(a, b, variables, domains, settings, rng, tries=6)
        except CheckTimeout:
            refuted = None
        if refuted is not None:
            return Verdict(
                V.FALSE, "numeric pre-screen", "the two sides differ", _ce(refuted, extra_point)
            )
        # 3. Symbolic: the costlier normal forms, simplify last.
        try:
            with deadline.phase(0.7):
                method = _symbolic_zero(difference, domains)
                if method is None:
                    method = _per_value_zero(a, b, domains)
        except CheckTimeout:
            method = None
    if method is not None:
        try:
            with deadline.phase(0.5):
                undefined = _undefined_mismatch(a, b, variables, domains, settings, rng)
        except CheckTimeout:
            undefined = "unknown"
        if undefined is None:
            return Verdict(V.PROVEN, method, "the difference of the two sides simplifies to 0")
        if isinstance(undefined, tuple):
            return Verdict(
                V.FALSE,
                method + " + domain check",
                "the two sides agree where both are defined, but one side is undefined at a point of the domain",
                _ce(undefined, extra_point),
            )
    # 3. Numeric verification at many points.
    with deadline.phase():
        outcome = _numeric_verification(a, b, variables, domains, settings, rng)
    if isinstance(outcome, tuple):
        return Verdict(V.FALSE, "numeric", "the two sides differ", _ce(outcome, extra_point))
    if outcome < 20:
        return Verdict(
            V.REJECTED,
            "numeric",
            f"only {outcome} points were found where both sides are defined; need 20",
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


def _search_counterexample(
    a: Any,
    b: Any,
    variables: list[Any],
    domains: dict[Any, Domain],
    settings: Settings,
    rng: random.Random,
    tries: int,
) -> tuple[dict[Any, Any], Value, Value] | None:
    for point in itertools.islice(points(variables, domains, rng), tries):
        left = evaluate(a, point, settings.digits)
        right = evaluate(b, point, settings.digits)
        if reliable(left, right) and not agree(left, right) and (left.defined or right.defined):
            return point, left, right
    return None


def _numeric_verification(
    a: Any,
    b: Any,
    variables: list[Any],
    domains: dict[Any, Domain],
    settings: Settings,
    rng: random.Random,
) -> tuple[dict[Any, Any], Value, Value] | int:
    good = 0
    for attempt, point in enumerate(points(variables, domains, rng, nice=False)):
        if good >= settings.points or attempt >= settings.points * 8:
            break
        left = evaluate(a, point, settings.digits)
        right = evaluate(b, point, settings.digits)
        if not reliable(left, right):
            continue  # too ill-conditioned to tell at this point
        if not agree(left, right):
            return point, left, right
        if left.defined:
            good += 1
        if not variables:
            good = settings.points
    return good


_TRIG = (sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh)


def _via_exponentials(d: Any) -> Any:
    """Trigonometric and hyperbolic functions as exponentials, then a rational normal form:
    much cheaper than simplify's trigsimp, and decisive for identities such as tanh' = 1 − tanh²."""
    if not d.has(*_TRIG):
        return d
    return sp.cancel(sp.powsimp(sp.expand(d.rewrite(sp.exp))))


_NORMAL_FORMS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("identical", lambda d: d),
    ("cancel", sp.cancel),
    ("expand(together)", lambda d: sp.expand(sp.together(d))),
    ("exponential form", _via_exponentials),
    ("simplify", sp.simplify),
)


_CHEAP = frozenset({"identical", "cancel"})


def _symbolic_zero(
    difference: Any, domains: dict[Any, Domain], cheap_only: bool = False
) -> str | None:
    """The name of the first normal form that reduces ``difference`` to 0, or None."""
    if difference.has(sp.Sum, sp.Integral, sp.Derivative):
        if cheap_only:
            return None
        difference = difference.doit()
        if difference.has(sp.Sum, sp.Integral):
            return None
    for name, normal_form in _NORMAL_FORMS:
        if cheap_only and name not in _CHEAP:
            return None
        result = normal_form(difference)
        if result == 0:
            return name
        special = name == "simplify" and result.has(sp.gamma, sp.factorial, sp.Piecewise)
        if special and sp.simplify(sp.gammasimp(result.rewrite(sp.gamma))) == 0:
            return "simplify + gammasimp"
    if difference.has(*_PIECEWISE_LIKE) and _branches_zero(difference, domains):
        return "case by case"
    return None


_PIECEWISE_LIKE = (sp.Piecewise, sp.Heaviside, sp.sign, sp.Max, sp.Min, sp.Abs)


def _branches_zero(difference: Any, domains: dict[Any, Domain]) -> bool:
    """Prove a piecewise difference is 0 branch by branch, on the part of the domain each covers.

    Max, Min, Abs, sign and Heaviside are rewritten as Piecewise and folded into one
    Piecewise; each branch must simplify to 0 under its own condition, unless no point of
    the domain reaches it (a branch for z = 0 when z is declared nonzero).
    """
    folded = sp.piecewise_fold(difference.rewrite(sp.Piecewise))
    if not isinstance(folded, sp.Piecewise):
        return bool(sp.simplify(folded) == 0)
    earlier: Any = sp.false
    for expr, condition in folded.args:
        region = sp.And(condition, sp.Not(earlier))
        earlier = sp.Or(earlier, condition)
        if _unreachable(region, domains):
            continue
        if expr.has(sp.nan) or sp.simplify(sp.refine(expr, region)) != 0:
            return False
    return True


def _unreachable(region: Any, domains: dict[Any, Domain]) -> bool:
    """True when no point of the (one-variable) domain satisfies ``region``."""
    if region is sp.false:
        return True
    symbols = [s for s in region.free_symbols if s in domains]
    if len(symbols) != 1 or len(region.free_symbols) != 1:
        return False
    (symbol,) = symbols
    try:
        points = region.as_set()
    except (NotImplementedError, TypeError, ValueError):
        return False
    return bool(sp.Intersection(points, _as_set(domains[symbol])) is sp.S.EmptySet)


def _per_value_zero(a: Any, b: Any, domains: dict[Any, Domain]) -> str | None:
    """For finite-set symbols (y ∈ {0, 1}), prove the claim for each value in turn."""
    finite = [v for v in domains if domains[v].finite]
    if not finite:
        return None
    combos = list(itertools.product(*(domains[v].values for v in finite)))
    if len(combos) > 64:
        return None
    for combo in combos:
        subs = {
            v: sp.Rational(c.numerator, c.denominator) for v, c in zip(finite, combo, strict=True)
        }
        if _symbolic_zero(a.xreplace(subs) - b.xreplace(subs), domains) is None:
            return None
    names = ", ".join(f"{v} ∈ {domains[v].text}" for v in finite)
    return f"simplify for each {names}"


def _undefined_mismatch(
    a: Any,
    b: Any,
    variables: list[Any],
    domains: dict[Any, Domain],
    settings: Settings,
    rng: random.Random,
) -> tuple[dict[Any, Any], Value, Value] | str | None:
    """A domain point where exactly one side is undefined; "unknown" if that cannot be ruled out."""
    unknown = False
    for factor in _singular_factors(a) | _singular_factors(b):
        candidates = [v for v in factor.free_symbols if v in domains and not domains[v].finite]
        if not candidates:
            continue
        var = sorted(candidates, key=str)[0]
        others = [v for v in variables if v != var]
        solutions = _zeros(factor, var, domains[var])
        if solutions is None:
            unknown = True
            continue
        for solution in solutions:
            for base in itertools.islice(points(others, domains, rng), 6):
                value = solution.xreplace(base)
                if not value.is_number or not value.is_real:
                    continue
                if not domains[var].contains(float(value)):
                    continue
                point = {**base, var: value}
                left = evaluate(a, point, settings.digits)
                right = evaluate(b, point, settings.digits)
                if reliable(left, right) and left.defined != right.defined:
                    return point, left, right
    return "unknown" if unknown else None


@lru_cache(maxsize=4096)
def _factors(base: Any) -> tuple[Any, ...]:
    try:
        return tuple(factor for factor, _ in sp.factor_list(base)[1])
    except sp.PolynomialError:
        return (base,)


def _singular_factors(expr: Any) -> set[Any]:
    """Expressions whose zeros make ``expr`` undefined: denominators and log arguments."""
    found: set[Any] = set()
    for node in sp.preorder_traversal(expr):
        base = None
        if isinstance(node, sp.Pow) and node.exp.is_negative:
            base = node.base
        elif isinstance(node, sp.log):
            base = node.args[0]
        if base is not None and base.free_symbols:
            found.update(_factors(base))
    return found


@lru_cache(maxsize=4096)
def _zeros(factor: Any, var: Any, domain: Domain) -> list[Any] | None:
    """Solutions of factor = 0 for ``var`` inside its domain, or None when SymPy cannot say."""
    if factor.is_positive or factor.is_negative:
        return []
    interval = _as_set(domain)
    try:
        solutions = sp.solveset(factor, var, domain=interval)
    except (NotImplementedError, ValueError, TypeError):
        return None
    if solutions is sp.S.EmptySet:
        return []
    if isinstance(solutions, sp.FiniteSet):
        return list(solutions)
    return None


def _as_set(domain: Domain) -> Any:
    if domain.values:
        return sp.FiniteSet(*(sp.Rational(v.numerator, v.denominator) for v in domain.values))
    low = -sp.oo if domain.low == float("-inf") else sp.nsimplify(domain.low)
    high = sp.oo if domain.high == float("inf") else sp.nsimplify(domain.high)
    interval = sp.Interval(low, high, domain.low_open, domain.high_open)
    if domain.excluded:
        interval = sp.Complement(
            interval,
            sp.FiniteSet(*(sp.Rational(v.numerator, v.denominator) for v in domain.excluded)),
        )
    if domain.integer:
        return sp.Intersection(interval, sp.S.Integers)
    return interval


def _apply_givens(a: Any, b: Any, givens: list[tuple[Any, Any]]) -> tuple[Any, Any]:
    """Use each given equation to eliminate one symbol (the last one it is linear in)."""
    for lhs, rhs in givens:
        equation = sp.expand((lhs - rhs).doit())
        for var in sorted(equation.free_symbols, key=str, reverse=True):
            if isinstance(var, sp.Dummy) or not (a.has(var) or b.has(var)):
                continue
            if sp.degree(equation, var) == 1:
                solved = sp.solve(equation, var)
                if len(solved) == 1:
                    a, b = a.xreplace({var: solved[0]}), b.xreplace({var: solved[0]})
                    break
    return a, b


# --- vectors ---------------------------------------------------------------------------------


def _is_vector(context: Context, a: Any, b: Any) -> bool:
    if context.size is None:
        return False
    size = context.translator.symbol(context.size)
    return bool(a.has(size) or b.has(size) or a.has(sp.Indexed) or b.has(sp.Indexed))


def _compare_per_size(
    context: Context,
    a: Any,
    b: Any,
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
            for s in (a.free_symbols | b.free_symbols)
            if isinstance(s, sp.Symbol)
            and s.name in context.domains
            and context.domains[s.name].index
        ),
        key=str,
    )
    methods: set[str] = set()
    for n in SIZES:
        for values in itertools.product(range(1, n + 1), repeat=len(index_symbols)):
            subs: dict[Any, Any] = {size: sp.Integer(n)}
            subs.update({s: sp.Integer(v) for s, v in zip(index_symbols, values, strict=True)})
            extra = {
                context.size: str(n),
                **{str(s): str(v) for s, v in zip(index_symbols, values, strict=True)},
            }
            ca, cb, domains = _concrete(context, a, b, subs)
            cgivens = [_concrete(context, g, h, subs)[:2] for g, h in givens]
            ca, cb = _apply_givens(ca, cb, cgivens)
            verdict = _compare_scalar(ca, cb, domains, settings, deadline, rng, extra)
            if not verdict.passed:
                return verdict
            methods.add(verdict.status)
    status = V.PROVEN if methods == {V.PROVEN} else V.NUMERIC
    indices = ", ".join(str(s) for s in index_symbols)
    every = f" and every value of {indices}" if indices else ""
    return Verdict(
        status,
        f"for each size {context.size} = {SIZES[0]}…{SIZES[-1]}{every}",
        f"checked separately for {context.size} = {', '.join(map(str, SIZES))}",
    )


def _concrete(
    context: Context, a: Any, b: Any, subs: dict[Any, Any]
) -> tuple[Any, Any, dict[Any, Domain]]:
    """Substitute a size and index values, expand sums, and turn z[k] into plain symbols z__k."""
    out = []
    domains: dict[Any, Domain] = {}
    for expr in (a, b):
        concrete = expr.xreplace(subs).doit()
        mapping = {}
        for atom in concrete.atoms(sp.Indexed):
            name = str(atom.base.label)
            label = name + "__" + "_".join(str(i) for i in atom.indices)
            domain = context.domains.get(name, parse_domain("real"))
            symbol = sp.Symbol(label, **domain.assumptions())
            mapping[atom] = symbol
            domains[symbol] = domain
        concrete = concrete.xreplace(mapping)
        out.append(concrete)
    for atom in out[0].free_symbols | out[1].free_symbols:
        if atom not in domains and isinstance(atom, sp.Symbol):
            domains[atom] = context.domains.get(atom.name, parse_domain("real"))
    return out[0], out[1], domains
