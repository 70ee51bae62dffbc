"""An adversarial soundness suite: how far can the checker's verdicts be trusted?

Every claim in ``tests/fixtures/adversarial/*.yaml`` is a display written the way a
contributor writes one; what it must come out as is kept apart, in
``tests/fixtures/adversarial/expected.yaml`` (the display ids encode nothing). Each claim is
checked in-process with the real SymPy through :func:`tests.helpers.verdicts`, and classified:

* **sound**: the verdict is the right one (a counterexample, if any, is real);
* **UNSOUND**: a false claim shown proven (✓) or numerically consistent (≈), a true claim shown
  false or refuted, a mistake that "holds" although it is false, a guessed reading of an
  ambiguous source, or a printed counterexample that does not hold;
* **incomplete**: a true claim left unproven where a proof is expected, or a rejection (or
  time-out) where a verdict was expected.

Counterexamples are verified independently of the checker: both sides are evaluated at the
printed point by a small evaluator over the parsed trees (:class:`_Evaluator`, mpmath at 200
digits, strict about where a side is defined, derivatives by difference quotients so a corner
or a jump is undefined; sign(0) and Heaviside(0) are read both as SymPy's 0 and 1/2 and as
undefined). The point must lie in the declared domains, satisfy the givens, make the sides
differ, and give the printed values.

Every claim the checker gets wrong today is listed in ``KNOWN_HOLES`` and is a strict expected
failure: fixing a hole turns it into an unexpected pass until its entry is removed. The
witness tests check the fixtures themselves: at each false claim's witness the two sides really
differ. ``python -m tests.test_adversarial`` prints the table of results
(tests/fixtures/adversarial/README.md).
"""

from __future__ import annotations

import functools
import random
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import mpmath
import pytest
from ruamel.yaml import YAML

from generator.checker.worker import run_check
from generator.core import verdicts as V
from generator.core.domains import Domain, parse_domain
from generator.core.jobs import RangeJob, encode
from generator.core.mathast import Node, from_key
from generator.core.settings import CheckSettings
from generator.core.verdicts import weakest
from generator.source.load import load_source

from .helpers import verdicts

# fmt: off
KNOWN_HOLES: dict[str, str] = {
    # 1. definedness everywhere
    # 2. sampling
    # 3. dependent-symbol domains
    # 4. givens
    "givens.yaml::c20": "cause 4: rejected, but true (the given x*(-c + y) = 0 cannot be used: solving it for y needs x ≠ 0; solving...",
    # 5. wrong refutations
    # 6. guessing
    # 7. conventions
    # 8. mistakes
    # 9. vacuous claims (#17)
    # 10. indexed definitions (#17)
    # 11. true only for small sizes (#14)
}
# fmt: on

HERE = Path(__file__).resolve().parent
FOLDER = HERE / "fixtures" / "adversarial"
EXPECTED: dict[str, dict[str, dict[str, Any]]] = YAML(typ="safe").load(
    (FOLDER / "expected.yaml").read_text(encoding="utf-8")
)
TIMEOUT = 10.0

EXPECTS = {"proven", "sound", "false", "refuted", "holds-unexpectedly", "rejected", "load-error"}
SOUND, UNSOUND, INCOMPLETE = "sound", "UNSOUND", "incomplete"
ACCEPTABLE = {
    "proven": {V.PROVEN},
    "sound": {V.PROVEN, V.NUMERIC},
    "false": {V.FALSE},
    "refuted": {V.REFUTED},
    "holds-unexpectedly": {V.HOLDS_UNEXPECTEDLY},
    "rejected": {V.REJECTED},
}
# Statuses that are a wrong answer (not merely a missing one) for each expectation.
WRONG = {
    "proven": {V.FALSE, V.REFUTED, V.HOLDS_UNEXPECTEDLY},
    "sound": {V.FALSE, V.REFUTED, V.HOLDS_UNEXPECTEDLY},
    "false": {V.PROVEN, V.NUMERIC, V.HOLDS_UNEXPECTEDLY},
    "refuted": {V.PROVEN, V.NUMERIC, V.HOLDS_UNEXPECTEDLY},
    "holds-unexpectedly": {V.FALSE, V.REFUTED},
    "rejected": {V.PROVEN, V.NUMERIC, V.HOLDS_UNEXPECTEDLY, V.FALSE, V.REFUTED},
}


EXCLUDING = "; except where "
"""How a proof that leaves out a point (a kink, a jump, a convention's value) says so."""


# --- the fixtures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    file: str
    id: str
    spec: Mapping[str, Any]

    @property
    def key(self) -> str:
        return f"{self.file}::{self.id}"

    @property
    def expect(self) -> str:
        return str(self.spec["expect"])

    @property
    def cause(self) -> int:
        return int(self.spec["cause"])


def _cases() -> list[Case]:
    return [Case(file, cid, spec) for file, ids in EXPECTED.items() for cid, spec in ids.items()]


CASES = _cases()


@functools.cache
def _load(file: str) -> tuple[Any, tuple[Any, ...]]:
    path = FOLDER / file
    source, diagnostics = load_source(
        path.read_text(encoding="utf-8"), f"tests/fixtures/adversarial/{file}"
    )
    return source, tuple(diagnostics)


def _display(source: Any, anchor: str) -> Any:
    for display in source.displays:
        if display.anchor == anchor:
            return display
    raise LookupError(f"no display with id {anchor!r}")


def _position(diagnostic: Any) -> tuple[int, int]:
    return int(diagnostic.position.line), int(diagnostic.position.column)


def _line(text: str) -> int:
    return int(str(text).split(":")[0])


# --- declarations, read from the loaded source -------------------------------------------------


@dataclass(frozen=True)
class _Declarations:
    domains: Mapping[str, Domain]
    indexed: frozenset[str]
    functions: Mapping[str, tuple[tuple[str, ...], Node]]
    definitions: Mapping[str, tuple[tuple[str, ...], tuple[str, ...], Node]]
    size: str | None


def _declarations(source: Any) -> _Declarations:
    """The source's symbols, functions and definitions (plain payload or typed declarations)."""
    ctx = source.context
    if isinstance(ctx, Mapping):
        symbols = [(n, d, bool(ix)) for n, d, ix, *_ in ctx["symbols"]]
        functions = {n: (tuple(p), _node(b)) for n, p, b in ctx["functions"]}
        definitions = {n: (tuple(p), tuple(ix), _node(b)) for n, p, ix, b in ctx["definitions"]}
        size = ctx.get("size")
    else:
        symbols = [(s.name, s.domain, bool(s.indexed)) for s in ctx.symbols]
        functions = {f.name: (tuple(f.params), _node(f.body)) for f in ctx.functions}
        definitions = {
            d.name: (tuple(d.params), tuple(d.indices), _node(d.body)) for d in ctx.definitions
        }
        size = ctx.size
    return _Declarations(
        {n: parse_domain(d) for n, d, _ in symbols},
        frozenset(n for n, _, ix in symbols if ix),
        functions,
        definitions,
        size,
    )


def _node(value: Any) -> Node:
    return value if isinstance(value, Node) else from_key(value)


def _check_parts(check: Any) -> tuple[Node, Node, str, list[tuple[Node, Node]]]:
    mode = str(getattr(check, "mode", "equal"))
    mode = getattr(getattr(check, "mode", None), "value", mode)
    givens = [(_node(a), _node(b)) for a, b in getattr(check, "givens", ())]
    return _node(check.left), _node(check.right), str(mode), givens


# --- an independent evaluator ------------------------------------------------------------------

DIGITS = 200
ZERO = mpmath.mpf(10) ** -150
STEP = mpmath.mpf(10) ** -60
WIDE_STEP = mpmath.mpf(10) ** -50
DIFFERENTIABLE = mpmath.mpf(10) ** -40
Key = str | tuple[str, tuple[int, ...]]


class Undefined(Exception):
    """The expression has no real value at the point."""


class Unknown(Exception):
    """The point does not say the value of a symbol (``key``), or, with no key, the evaluator
    cannot evaluate this at all."""

    def __init__(self, key: Any = None, message: str = "") -> None:
        super().__init__(message or str(key))
        self.key = key


class _Evaluator:
    """Evaluates trees at a point, strictly: a side is undefined at a zero denominator, the
    logarithm of a non-positive number, the root of a negative one, a negative base under a
    non-integer exponent, 0 under a negative exponent, a gap between cases, a pole of tan, a
    divergent integral, and a derivative whose one-sided quotients disagree (a corner, a jump).
    Held symbols (given in the point) override their definitions."""

    def __init__(self, decl: _Declarations, point: Mapping[Key, Any], strict: bool = False) -> None:
        self.decl = decl
        self.point: dict[Key, Any] = dict(point)
        # strict: sign(0) and Heaviside(0) are undefined, not SymPy's 0 and 1/2 (cause 7)
        self.strict = strict

    # values at the point
    def value(self, node: Node) -> Any:
        """The value of ``node``, or None where it is undefined (Unknown propagates)."""
        with mpmath.workdps(DIGITS):
            try:
                return self.ev(node, {})
            except (Undefined, ZeroDivisionError, ValueError, OverflowError):
                return None

    def sides(self, left: Node, right: Node, mode: str) -> tuple[Any, Any]:
        if mode.endswith("antiderivative"):
            integral, other = (left, right) if _indefinite(left) else (right, left)
            body, var = integral.args
            with mpmath.workdps(DIGITS):
                f = self.value(body)
                try:
                    held = self._held(var, {})
                    derivative = self._nderiv(lambda t: self._with(held, t, other, {}), held, 1)
                except (Undefined, ZeroDivisionError, ValueError, OverflowError):
                    derivative = None
            return f, derivative
        return self.value(left), self.value(right)

    def ev(self, node: Node, local: Mapping[str, Any]) -> Any:
        op, args = node.op, node.args
        if op == "num":
            value = Fraction(node.value)
            return mpmath.mpf(value.numerator) / value.denominator
        if op == "const":
            return {"pi": mpmath.pi, "E": mpmath.e, "oo": mpmath.inf}[node.value]
        if op == "sym":
            return self._symbol(node.value, local)
        if op == "add":
            return _finite(mpmath.fsum([self.ev(a, local) for a in args]))
        if op == "mul":
            values = [self.ev(a, local) for a in args]
            return _finite(mpmath.fprod(values))
        if op == "neg":
            return -self.ev(args[0], local)
        if op == "div":
            top, bottom = self.ev(args[0], local), self.ev(args[1], local)
            if abs(bottom) <= ZERO:
                raise Undefined("division by zero")
            return _finite(top / bottom)
        if op == "pow":
            if args[0].op == "const" and args[0].value == "E":
                return _finite(mpmath.exp(self.ev(args[1], local)))
            return _power(self.ev(args[0], local), self.ev(args[1], local))
        if op == "fact":
            return _factorial(self.ev(args[0], local))
        if op == "call":
            return self._call(node, local)
        if op == "index":
            return self._component(node, local)
        if op == "deriv":
            body, var, order = args
            held = self._held(var, local)
            return self._nderiv(lambda t: self._with(held, t, body, local), held, int(order.value))
        if op == "sum":
            return self._sum(node, local)
        if op == "integral":
            return self._integral(node, local)
        if op == "det":
            rows = [[self.ev(e, local) for e in row.args] for row in args]
            return _finite(mpmath.det(mpmath.matrix(rows)))
        if op == "piecewise":
            for pair in args:
                value, condition = pair.args
                if self._holds(condition, local):
                    return self.ev(value, local)
            raise Undefined("no case applies")
        raise Unknown(message=f"cannot evaluate {op}")

    def _holds(self, condition: Node, local: Mapping[str, Any]) -> bool:
        if condition.op == "true":
            return True
        if condition.op != "rel":
            raise Unknown(message=f"condition {condition.op}")
        a, b = self.ev(condition.args[0], local), self.ev(condition.args[1], local)
        return {
            "<": a < b,
            "<=": a <= b,
            ">": a > b,
            ">=": a >= b,
            "==": a == b,
        }[condition.value]

    def _symbol(self, name: str, local: Mapping[str, Any]) -> Any:
        if name in local:
            return local[name]
        if name in self.point:
            return self.point[name]
        definition = self.decl.definitions.get(name)
        if definition is not None and not definition[1]:
            return self.ev(definition[2], {})
        raise Unknown(name)

    def _indices(self, node: Node, local: Mapping[str, Any]) -> tuple[int, ...]:
        return tuple(_integer(self.ev(a, local)) for a in node.args)

    def _component(self, node: Node, local: Mapping[str, Any]) -> Any:
        indices = self._indices(node, local)
        key = (node.value, indices)
        if key in self.point:
            return self.point[key]
        definition = self.decl.definitions.get(node.value)
        if definition is not None and definition[1]:
            bound = {i: mpmath.mpf(v) for i, v in zip(definition[1], indices, strict=False)}
            return self.ev(definition[2], bound)
        if node.value in self.point:
            return self.point[node.value]
        raise Unknown(key)

    def _held(self, var: Node, local: Mapping[str, Any]) -> tuple[Key, Any]:
        key: Key = var.value if var.op == "sym" else (var.value, self._indices(var, local))
        return key, self.ev(var, local)

    def _with(self, held: tuple[Key, Any], t: Any, body: Node, local: Mapping[str, Any]) -> Any:
        key = held[0]
        missing = object()
        saved = self.point.get(key, missing)
        self.point[key] = t
        try:
            return self.ev(body, local)
        finally:
            if saved is missing:
                del self.point[key]
            else:
                self.point[key] = saved

    def _nderiv(self, g: Callable[[Any], Any], held: tuple[Key, Any], order: int) -> Any:
        """The derivative at the held value by difference quotients; undefined where the
        one-sided quotients disagree (a corner or a jump) or a side is undefined nearby."""
        t0 = held[1]
        if order == 0:
            return g(t0)

        def lower(t: Any) -> Any:
            return self._nderiv(g, (held[0], t), order - 1)

        f0, plus, minus = lower(t0), lower(t0 + STEP), lower(t0 - STEP)
        right, left = (plus - f0) / STEP, (f0 - minus) / STEP
        if abs(right - left) > DIFFERENTIABLE * (1 + abs(right) + abs(left)):
            raise Undefined("no derivative: the one-sided quotients differ")
        central = (plus - minus) / (2 * STEP)
        # A jump whose value at the point is the mean of both sides (Heaviside(0) = 1/2)
        # has equal one-sided quotients that grow without bound: they must also settle.
        wide = (lower(t0 + WIDE_STEP) - lower(t0 - WIDE_STEP)) / (2 * WIDE_STEP)
        if abs(wide - central) > DIFFERENTIABLE * (1 + abs(central)):
            raise Undefined("no derivative: the difference quotients do not settle")
        return central

    def _call(self, node: Node, local: Mapping[str, Any]) -> Any:
        name = node.value
        values = [self.ev(a, local) for a in node.args]
        if name in self.decl.functions:
            params, body = self.decl.functions[name]
            return self.ev(body, dict(zip(params, values, strict=True)))
        x = values[0]
        if name == "exp":
            return _finite(mpmath.exp(x))
        if name == "log":
            if x <= ZERO:
                raise Undefined("logarithm of a non-positive number")
            return mpmath.log(x)
        if name == "sqrt":
            if x < -ZERO:
                raise Undefined("square root of a negative number")
            return mpmath.sqrt(max(x, 0))
        if name == "tan":
            if abs(mpmath.cos(x)) <= ZERO:
                raise Undefined("pole of tan")
            return mpmath.tan(x)
        simple = {
            "sin": mpmath.sin,
            "cos": mpmath.cos,
            "sinh": mpmath.sinh,
            "cosh": mpmath.cosh,
            "tanh": mpmath.tanh,
            "Abs": abs,
        }
        if name in simple:
            return _finite(simple[name](x))
        if name in ("sign", "Heaviside") and abs(x) <= ZERO:
            if self.strict:  # no convention: the value at 0 is left undefined
                raise Undefined(f"{name}(0) is a convention")
            return mpmath.mpf(0) if name == "sign" else mpmath.mpf(0.5)  # SymPy's
        if name == "sign":
            return mpmath.sign(x)
        if name == "Heaviside":
            return mpmath.mpf(1 if x > 0 else 0)
        if name == "Max":
            return max(values)
        if name == "Min":
            return min(values)
        if name == "factorial":
            return _factorial(x)
        if name == "KroneckerDelta":
            return mpmath.mpf(1 if _integer(values[0]) == _integer(values[1]) else 0)
        raise Unknown(message=f"function {name}")

    def _sum(self, node: Node, local: Mapping[str, Any]) -> Any:
        body, var, low, high = node.args
        lo, hi = self.ev(low, local), self.ev(high, local)
        if not (mpmath.isfinite(lo) and mpmath.isfinite(hi)):
            raise Unknown(message="an infinite sum")
        total = mpmath.mpf(0)
        for k in range(_integer(lo), _integer(hi) + 1):  # empty when hi < lo
            total += self.ev(body, {**local, var.value: mpmath.mpf(k)})
        return _finite(total)

    def _integral(self, node: Node, local: Mapping[str, Any]) -> Any:
        if len(node.args) != 4:
            raise Unknown(message="an indefinite integral inside a row")
        body, var, low, high = node.args
        lo, hi = self.ev(low, local), self.ev(high, local)

        def f(t: Any) -> Any:
            return self.ev(body, {**local, var.value: t})

        with mpmath.workdps(40):
            if mpmath.isfinite(lo) and mpmath.isfinite(hi):
                return _finite(mpmath.quad(f, [lo, hi]))
            # An improper integral: it must settle as the cut-off grows.
            ends = [mpmath.mpf(10) ** 4, mpmath.mpf(10) ** 8]
            parts = []
            for end in ends:
                a = -end if not mpmath.isfinite(lo) else lo
                b = end if not mpmath.isfinite(hi) else hi
                parts.append(mpmath.quad(f, [a, b]))
            if abs(parts[1] - parts[0]) > mpmath.mpf(10) ** -10 * (1 + abs(parts[1])):
                raise Undefined("the integral diverges")
            return parts[1]


def _finite(value: Any) -> Any:
    if isinstance(value, mpmath.mpc):
        if abs(value.imag) > ZERO:
            raise Undefined("not a real number")
        value = value.real
    if not mpmath.isfinite(value):
        raise Undefined("not a finite number")
    return value


def _is_integer(value: Any) -> bool:
    return bool(abs(value - mpmath.nint(value)) <= ZERO)


def _integer(value: Any) -> int:
    if not mpmath.isfinite(value) or not _is_integer(value):
        raise Unknown(message=f"not an integer: {value}")
    return int(mpmath.nint(value))


def _power(base: Any, exponent: Any) -> Any:
    if abs(base) <= ZERO:
        if abs(exponent) <= ZERO:
            return mpmath.mpf(1)  # 0^0 = 1 (the power rule at n = 1, x = 0 needs it)
        if exponent > 0:
            return mpmath.mpf(0)
        raise Undefined("0 to a negative power")
    if base < 0:
        if not _is_integer(exponent):
            raise Undefined("a negative base under a non-integer exponent")
        n = _integer(exponent)
        return _finite((-1) ** (n % 2) * mpmath.power(-base, n))
    return _finite(mpmath.power(base, exponent))


def _factorial(value: Any) -> Any:
    if _is_integer(value):
        if value < 0:
            raise Undefined("factorial of a negative integer")
        return mpmath.factorial(_integer(value))
    return _finite(mpmath.gamma(value + 1))


def _indefinite(node: Node) -> bool:
    return node.op == "integral" and len(node.args) == 2


def _differ(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return (left is None) != (right is None)
    scale = max(abs(left), abs(right))
    return bool(abs(left - right) > mpmath.mpf(10) ** -50 * scale + mpmath.mpf(10) ** -45)


# --- points: witnesses and printed counterexamples ---------------------------------------------


def _number(text: Any) -> list[Any]:
    """Candidate exact values of a written number; a rounded decimal also yields the simple
    values it may be rounding (p/q, p/q·π), so a counterexample printed as 1.5708 is read as π/2."""
    with mpmath.workdps(DIGITS):
        if isinstance(text, int | float) and not isinstance(text, bool):
            text = str(text)
        text = str(text).strip()
        if text.endswith("pi"):
            coefficient = text[:-2].strip() or "1"
            return [
                mpmath.mpf(Fraction(coefficient).numerator)
                / Fraction(coefficient).denominator
                * mpmath.pi
            ]
        exact = Fraction(text)
        value = mpmath.mpf(exact.numerator) / exact.denominator
        out = [value]
        if "." in text or "e" in text.lower():
            tolerance = mpmath.mpf(6e-6) * max(1, abs(value))
            for q in range(1, 25):
                p = mpmath.nint(value * q / mpmath.pi)
                if p and abs(p * mpmath.pi / q - value) <= tolerance:
                    out.append(p * mpmath.pi / q)
                    break
            for q in range(1, 1001):
                p = mpmath.nint(value * q)
                if abs(p / q - value) <= tolerance:
                    if p / q != value:
                        out.append(mpmath.mpf(int(p)) / q)
                    break
        return out


def _point_candidates(decl: _Declarations, written: Mapping[str, Any]) -> list[dict[Key, Any]]:
    """Every reading of a written point (a witness or a printed counterexample)."""
    options: list[tuple[list[Key], list[Any]]] = []
    for name, raw in written.items():
        if isinstance(raw, list):
            for k, item in enumerate(raw, 1):
                options.append(([(name, (k,))], _number(item)[:1]))
            continue
        base, _, rest = str(name).partition("_")
        key: Key = name
        if rest and base in decl.indexed and all(p.isdigit() for p in rest.split("_")):
            key = (base, tuple(int(p) for p in rest.split("_")))
        options.append(([key], _number(raw)))
    points: list[dict[Key, Any]] = [{}]
    for keys, values in options:
        points = [{**p, keys[0]: v} for p in points for v in values][:16]
    return points


def _in_domain(decl: _Declarations, point: Mapping[Key, Any]) -> str | None:
    """Why the point is outside the declared domains of the base symbols, or None."""
    size = point.get(decl.size) if decl.size else None
    for key, value in point.items():
        name = key if isinstance(key, str) else key[0]
        if name in decl.definitions:
            continue  # a held dependent symbol ranges over its definition's range (cause 3)
        domain = decl.domains.get(name)
        if domain is None:
            continue
        number = float(value)
        if domain.index:
            if not (_is_integer(value) and number >= 1 and (size is None or number <= size)):
                return f"{name} = {number:g} is not an index in 1..{size}"
        elif not domain.contains(number):
            return f"{name} = {number:g} is outside {domain.text}"
    return None


def _fill(decl: _Declarations, key: Key, point: Mapping[Key, Any]) -> Any:
    """A value for a symbol the point leaves open (the first simple value of its domain)."""
    name = key if isinstance(key, str) else key[0]
    domain = decl.domains.get(name, parse_domain("real"))
    if domain.index:
        return mpmath.mpf(1)
    nice = domain.nice_values()
    value = nice[0] if nice else Fraction(domain.sample(random.Random(0)))
    return mpmath.mpf(value.numerator) / value.denominator


@dataclass
class _Evaluation:
    left: Any
    right: Any
    point: dict[Key, Any]
    problem: str | None = None


def _evaluate(
    decl: _Declarations, check: Any, point: Mapping[Key, Any], strict: bool = False
) -> _Evaluation:
    """Both sides of ``check`` at ``point``: symbols fixed by a given are solved for, other
    symbols the point leaves open get a simple value of their domain."""
    left, right, mode, givens = _check_parts(check)
    current = dict(point)
    for _ in range(40):
        try:
            problem = _solve_givens(decl, givens, current)
            if problem:
                return _Evaluation(None, None, current, problem)
            ev = _Evaluator(decl, current, strict)
            a, b = ev.sides(left, right, mode)
            return _Evaluation(a, b, current)
        except Unknown as missing:
            key = missing.key
            if key is None or key in current:
                return _Evaluation(None, None, current, f"cannot evaluate: {missing}")
            current[key] = _fill(decl, key, current)
    return _Evaluation(None, None, current, "too many open symbols")


def _solve_givens(
    decl: _Declarations, givens: list[tuple[Node, Node]], point: dict[Key, Any]
) -> str | None:
    """Solve each given for the one symbol the point leaves open; say if a given fails."""
    for lhs, rhs in givens:
        for _ in range(8):
            try:
                ev = _Evaluator(decl, point)
                with mpmath.workdps(DIGITS):
                    a, b = ev.ev(lhs, {}), ev.ev(rhs, {})
                if _differ(a, b):
                    return "the point does not satisfy a given"
                break
            except Unknown as missing:
                key = missing.key
                if key is None or key in point:
                    return f"cannot evaluate a given: {missing}"

                def residual(t: Any, key: Key = key, lhs: Node = lhs, rhs: Node = rhs) -> Any:
                    trial = _Evaluator(decl, {**point, key: t})
                    return trial.ev(lhs, {}) - trial.ev(rhs, {})

                try:
                    with mpmath.workdps(DIGITS):
                        point[key] = mpmath.findroot(residual, mpmath.mpf("0.37"))
                except Unknown as other:
                    if other.key is None or other.key in point:
                        return f"cannot evaluate a given: {other}"
                    point[other.key] = _fill(decl, other.key, point)
                except (Undefined, ValueError, ZeroDivisionError):
                    return "a given cannot be solved for the eliminated symbol"
            except Undefined:
                return "a given is undefined at the point"
    return None


def _printed(text: str) -> Any:
    if text.strip() == "undefined":
        return None
    try:
        value = Fraction(text.strip())
    except ValueError:
        return "unreadable"
    return mpmath.mpf(value.numerator) / value.denominator


def _matches(printed: Any, actual: Any) -> bool:
    if isinstance(printed, str):
        return True  # a complex or otherwise unreadable value: not compared
    if printed is None or actual is None:
        return printed is None and actual is None
    return bool(
        abs(printed - actual)
        <= mpmath.mpf("1e-3") * max(abs(printed), abs(actual)) + mpmath.mpf("1e-6")
    )


def _counterexample_problem(
    decl: _Declarations, check: Any, counterexample: Any, nowhere_defined: bool
) -> str | None:
    """None when the printed counterexample holds; otherwise what is wrong with it."""
    if counterexample is None:
        return "no counterexample was printed"
    problems = []
    readings = [
        (point, strict)
        for point in _point_candidates(decl, counterexample.point)
        for strict in (False, True)  # sign(0), Heaviside(0): SymPy's values, or undefined
    ]
    for point, strict in readings:
        outside = _in_domain(decl, point)
        if outside:
            problems.append(outside)
            continue
        found = _evaluate(decl, check, point, strict)
        if found.problem:
            problems.append(found.problem)
            continue
        outside = _in_domain(decl, found.point)
        if outside:
            problems.append(outside)
            continue
        if not _differ(found.left, found.right) and not (
            nowhere_defined and found.left is None and found.right is None
        ):
            problems.append(f"the sides agree there ({_show(found.left)} = {_show(found.right)})")
            continue
        shown = (_printed(counterexample.left), _printed(counterexample.right))
        mode = _check_parts(check)[2]
        pairs = [(found.left, found.right)]
        if mode.endswith("antiderivative"):
            pairs.append((found.right, found.left))
        if not any(_matches(shown[0], x) and _matches(shown[1], y) for x, y in pairs):
            problems.append(
                f"the sides are {_show(found.left)} and {_show(found.right)}, "
                f"not {counterexample.left} and {counterexample.right}"
            )
            continue
        return None
    where = counterexample.describe()
    return f"the counterexample {where} does not hold: {problems[0] if problems else '?'}"


def _show(value: Any) -> str:
    return "undefined" if value is None else mpmath.nstr(value, 8)


# --- assessing one claim -----------------------------------------------------------------------


@dataclass
class Assessment:
    kind: str  # sound / UNSOUND / incomplete
    said: str  # what the checker said
    detail: str = ""

    def describe(self, case: Case) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"{case.key}: {self.kind}: expected {case.expect}, checker said {self.said}{extra}"


def _declared_domain_refused(source: Any) -> str | None:
    """The detail of the first declared domain its definition leaves, as the build checks it."""
    settings = CheckSettings(timeout=TIMEOUT)
    for name in getattr(source, "range_checks", {}):
        verdict = run_check(source.context, encode(RangeJob(name)), settings)
        if verdict.status == V.FALSE:
            return verdict.detail
    return None


def assess(case: Case) -> Assessment:
    source, diagnostics = _load(case.file)
    spec = case.spec
    if case.expect == "load-error":
        return _assess_load_error(case, source, diagnostics)
    if source is None:
        allowed = spec.get("load_error_at")
        lines = {_position(d)[0] for d in diagnostics}
        if allowed and _line(allowed) in lines:
            return Assessment(SOUND, "load error at the declaration")
        raise AssertionError(
            f"{case.file} does not load:\n" + "\n".join(d.format() for d in diagnostics)
        )
    refused = _declared_domain_refused(source) if spec.get("load_error_at") else None
    if refused:
        # The build fails at the declaration before any display is shown (a RangeJob).
        return Assessment(SOUND, "build error at the declaration: " + refused)
    display = _display(source, case.id)
    found = verdicts(source, display, timeout=TIMEOUT)
    status = weakest([v.status for v in found])
    said = status + "".join(
        f"; {v.status} {v.counterexample.describe()}" for v in found if v.counterexample
    )
    if status == V.REJECTED:
        said += "; " + next(v.detail for v in found if v.status == V.REJECTED)[:160]
    accepted = ACCEPTABLE[case.expect] | set(spec.get("accept", []))
    decl = _declarations(source)
    for verdict, check in zip(found, display.checks, strict=True):
        if not (hasattr(check, "left") and hasattr(check, "right")):
            continue  # not an equation (such as a range check of a definition)
        if verdict.status in (V.FALSE, V.REFUTED) and (
            verdict.status in accepted or case.expect == "rejected"
        ):
            problem = _counterexample_problem(
                decl, check, verdict.counterexample, bool(spec.get("nowhere_defined"))
            )
            if problem:
                return Assessment(UNSOUND, said, problem)
    excluded = [v.detail for v in found if v.status == V.PROVEN and EXCLUDING in v.detail]
    if status == V.PROVEN and "proven-excluding" in accepted and excluded:
        # ✓ with the point named under the display: "Proven except where x = 0: …".
        place = f"{EXCLUDING}{spec['excluded']}" if "excluded" in spec else EXCLUDING
        if all(place in detail for detail in excluded):
            return Assessment(SOUND, said + f" ({place.strip('; ')}…)")
    if status in accepted:
        pattern = spec.get("message")
        if status == V.REJECTED and pattern:
            detail = next(v.detail for v in found if v.status == V.REJECTED)
            if not re.search(pattern, detail, re.IGNORECASE):
                return Assessment(INCOMPLETE, said, f"the refusal does not say why: {detail!r}")
        return Assessment(SOUND, said)
    if status in WRONG[case.expect]:
        return Assessment(UNSOUND, said)
    return Assessment(INCOMPLETE, said)


def _assess_load_error(case: Case, source: Any, diagnostics: tuple[Any, ...]) -> Assessment:
    line = _line(case.spec["at"])
    if source is None:
        at = sorted(_position(d) for d in diagnostics)
        if any(p[0] == line for p in at):
            return Assessment(SOUND, "load error")
        shown = ", ".join(f"{a}:{b}" for a, b in at)
        return Assessment(INCOMPLETE, f"load error at {shown}", f"expected on line {line}")
    statuses = []
    for display in source.displays:
        status = weakest([v.status for v in verdicts(source, display, TIMEOUT)])
        if status == V.REJECTED and display.position.line == line:
            # Refused when checked (the build fails at that line): an overlap of cases needs
            # SymPy to tell whether the values differ, so it cannot be refused while loading.
            return Assessment(SOUND, "refused by the checker at the expected line")
        statuses.append(status)
    return Assessment(UNSOUND, "loaded (a reading was guessed): " + ", ".join(statuses))


# --- the tests ---------------------------------------------------------------------------------


def _claim_params() -> list[Any]:
    params = []
    for case in CASES:
        marks = []
        if case.key in KNOWN_HOLES:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_HOLES[case.key]))
        params.append(pytest.param(case, id=case.key, marks=marks))
    return params


@pytest.mark.parametrize("case", _claim_params())
def test_claim(case: Case) -> None:
    outcome = assess(case)
    assert outcome.kind == SOUND, outcome.describe(case)


def _witness_params() -> list[Any]:
    return [
        pytest.param(case, id=case.key)
        for case in CASES
        if "witness" in case.spec and case.expect != "load-error"
    ]


@pytest.mark.parametrize("case", _witness_params())
def test_witness_is_a_real_counterexample(case: Case) -> None:
    """The fixture's own claim: at the witness the two sides differ (or exactly one is
    undefined), the witness is inside the declared domains and satisfies the givens."""
    source, diagnostics = _load(case.file)
    if source is None and case.spec.get("load_error_at"):
        pytest.skip("the file is refused at load, which this claim allows")
    assert source is not None, [d.format() for d in diagnostics]
    decl = _declarations(source)
    display = _display(source, case.id)
    (point,) = _point_candidates(decl, case.spec["witness"])[:1]
    outside = _in_domain(decl, point)
    assert outside is None, outside
    both_undefined = bool(case.spec.get("nowhere_defined"))
    results = []
    for check in display.checks:
        found = _evaluate(decl, check, point)
        assert found.problem is None, found.problem
        assert set(found.point) == set(point), (
            f"the witness leaves {set(found.point) - set(point)} open"
        )
        strict = _evaluate(decl, check, point, strict=True)
        for a, b in ((found.left, found.right), (strict.left, strict.right)):
            results.append((a, b))
            if _differ(a, b) or (both_undefined and a is None and b is None):
                return
    pytest.fail(f"the sides agree at the witness: {[(_show(a), _show(b)) for a, b in results]}")


def test_false_claims_have_witnesses_and_true_claims_none() -> None:
    for case in CASES:
        if case.expect in ("proven", "sound", "holds-unexpectedly"):
            assert "witness" not in case.spec, case.key
        if case.expect in ("false", "refuted"):
            assert "witness" in case.spec, f"{case.key}: a false claim needs a witness"


def test_expectations_cover_every_display() -> None:
    for path in sorted(FOLDER.rglob("*.yaml")):
        file = path.relative_to(FOLDER).as_posix()
        if file == "expected.yaml":
            continue
        assert file in EXPECTED, f"{file} has no expectations"
        source, _ = _load(file)
        if file.startswith("load_errors/"):
            assert set(EXPECTED[file]) == {"load"}
            continue
        assert source is not None
        anchors = {d.anchor for d in source.displays}
        assert anchors == set(EXPECTED[file]), (file, anchors ^ set(EXPECTED[file]))
    for file, ids in EXPECTED.items():
        assert (FOLDER / file).is_file(), file
        for cid, spec in ids.items():
            assert spec["expect"] in EXPECTS, (file, cid)
            assert 1 <= int(spec["cause"]) <= 11, (file, cid)
            assert set(spec) <= {
                "expect",
                "witness",
                "accept",
                "message",
                "load_error_at",
                "at",
                "nowhere_defined",
                "excluded",
                "cause",
                "note",
            }, (file, cid)


def test_the_suite_is_large_enough() -> None:
    causes = [case.cause for case in CASES]
    assert len(CASES) >= 150
    assert all(causes.count(c) >= 2 for c in range(1, 12))
    vacuous = [c for c in CASES if c.cause == 9 and c.expect == "rejected"]
    assert len(vacuous) >= 10
    small = [c for c in CASES if c.cause == 11 and c.expect == "false"]
    assert len(small) >= 15


def test_known_holes_name_real_cases() -> None:
    keys = {case.key for case in CASES}
    assert set(KNOWN_HOLES) <= keys, set(KNOWN_HOLES) - keys


# --- the report ------------------------------------------------------------------------------

CAUSES = {
    1: "definedness everywhere",
    2: "sampling that does not cover the domain",
    3: "dependent-symbol domains trusted",
    4: "elimination through givens",
    5: "wrong refutations",
    6: "guessing instead of refusing",
    7: "conventions shown as proofs",
    8: "mistakes that are true (or false)",
    9: "vacuous claims (#17)",
    10: "indexed definitions (#17)",
    11: "true only for small sizes (#14)",
}


def _report(cases: list[Case]) -> Iterator[str]:
    rows: dict[int, list[int]] = {}
    lines = []
    for case in cases:
        outcome = assess(case)
        row = rows.setdefault(case.cause, [0, 0, 0])
        row[0] += 1
        row[1] += outcome.kind == UNSOUND
        row[2] += outcome.kind == INCOMPLETE
        if outcome.kind != SOUND:
            lines.append(outcome.describe(case))
        listed = case.key in KNOWN_HOLES
        if listed != (outcome.kind != SOUND):
            lines.append(f"  !! KNOWN_HOLES is out of date for {case.key}")
    yield "| cause | claims | unsound | incomplete |"
    yield "| --- | ---: | ---: | ---: |"
    for cause in sorted(rows):
        total, unsound, incomplete = rows[cause]
        yield f"| {cause}. {CAUSES[cause]} | {total} | {unsound} | {incomplete} |"
    totals = [sum(r[k] for r in rows.values()) for k in range(3)]
    yield f"| all | {totals[0]} | {totals[1]} | {totals[2]} |"
    yield ""
    yield from lines


WORDS = {
    "proven": "true",
    "sound": "true",
    "false": "false",
    "refuted": "a false mistake",
    "holds-unexpectedly": "a true mistake",
    "rejected": "must be refused",
    "load-error": "must not load",
}


def _hole_reason(case: Case, outcome: Assessment) -> str:
    """A one-line reason for KNOWN_HOLES, from what the checker said and why it is wrong."""
    said = outcome.said.split(";")[0]
    if outcome.detail.startswith("the counterexample"):
        why = outcome.detail.split(" does not hold: ")[-1]
        text = f"{said} with a counterexample that does not hold ({why})"
    elif outcome.kind == UNSOUND:
        text = f"{said}, but {WORDS[case.expect]}: {case.spec.get('note', '')}".rstrip(": ")
    else:
        detail = outcome.said.split("; ", 1)[1] if "; " in outcome.said else ""
        text = f"{said}, but {WORDS[case.expect]}" + (f" ({detail})" if detail else "")
    text = f"cause {case.cause}: {text}".replace('"', "'").replace("\\", "")
    return text if len(text) <= 110 else text[:107] + "..."


def _holes(cases: list[Case]) -> Iterator[str]:
    """The KNOWN_HOLES entries for the checker as it is (paste them into the dictionary)."""
    for case in cases:
        outcome = assess(case)
        if outcome.kind != SOUND:
            yield f'    "{case.key}": "{_hole_reason(case, outcome)}",'


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    selected = [c for c in CASES if not arguments or any(a in c.key for a in arguments)]
    for text in (_holes if "--holes" in sys.argv else _report)(selected):
        print(text)
