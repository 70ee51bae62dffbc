"""Running the printed code: finite differences, accuracy against SymPy, the float64 range.

The code shown on a page is executed here, once, to verify it. It was written by SymPy's
printer (:mod:`generator.checker.numpycode`) from trees built by the allow-list parsers
(names are validated identifiers, functions come from a fixed list) plus the fixed helper
texts of that module, never from source text; and it runs in the bounded worker process.

Three things are measured:

* **accuracy**: the printed loss against the checked loss evaluated by mpmath from exact
  inputs, at rising precision from 40 digits until two levels agree (a float64 result is
  accurate when it is within 1e-9, relative for values above 1 and absolute below);
* **the gradient**: ``grad`` against central finite differences of the printed ``loss``, at
  random points of the plotted range and of −50 ≤ x ≤ 50 (and, on vector pages, on random
  arrays), wherever the loss is accurate;
* **the float64 range**: from 0 outwards along the plotted variable, how far both printed
  functions stay accurate (and why they stop: the loss itself outgrows float64, or the
  printed form loses digits).
"""

from __future__ import annotations

import math
import random
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sympy as sp

from ..core.domains import Domain
from .numpycode import Signature, plain_arguments
from .vectors import fully_expanded

POINTS = 20
RELATIVE_TOLERANCE = 1e-5
ACCURACY = 1e-9
LARGE = 50
"""Finite differences cover −LARGE ≤ x ≤ LARGE besides the plotted range."""
LADDER = (1, 2, 5, 10, 20, 50, 100, 200, 500, 700, 1000)
"""The magnitudes at which the float64 range is measured."""
FLOAT64_MAX = 1.7976931348623157e308
PRECISIONS = (40, 160, 640, 2560)
"""Digits of the reference values (see :func:`_high_precision`)."""
SIZES = (2, 3, 4)
"""Sizes of the random arrays on vector pages."""

Values = dict[Any, Any]
"""A parameter (a SymPy symbol, or the IndexedBase of an array) → a float or a list."""


@dataclass(frozen=True)
class Problem:
    """The printed code and everything needed to judge it."""

    text: str
    signature: Signature
    params: Sequence[Any]
    """SymPy symbols and IndexedBases, in the order of ``signature.names``."""
    loss: Any
    gradient: Any
    wrt: Any
    x_name: str
    component: int | None
    """For an array ``wrt``: the plotted component (z_1 → 1); the gradient's free index
    ``free`` runs over the components."""
    free: Any | None
    size: Any | None
    settings: Sequence[Values]
    """The plotted values of every parameter but the plotted variable."""
    domains: dict[Any, Domain]
    x_range: tuple[float, float]
    sums: dict[Any, Any] = field(default_factory=dict)
    """Given Σₖ vₖ = c: the array v → c (random arrays are scaled to satisfy it)."""
    random_arrays: bool = True


@dataclass(frozen=True)
class Outcome:
    failure: str | None
    verification: str
    float64: str


@dataclass
class _Functions:
    loss: Callable[..., Any]
    grad: Callable[..., Any]


def run(problem: Problem, rng: random.Random) -> Outcome:
    """Verify the printed code, and measure where it is accurate in float64."""
    functions = _load(problem.text)
    low, high, text = _float64_range(problem, functions)
    failure, tried = _finite_differences(problem, functions, rng, (low, high))
    where = f"−{LARGE} ≤ {problem.x_name} ≤ {LARGE} and " if tried else ""
    arrays = (
        " and on random arrays of sizes 2–4"
        if problem.signature.arrays and problem.random_arrays
        else ""
    )
    verification = (
        f"grad matches central finite differences of loss at {POINTS} random points of "
        f"{where}the plotted range{arrays} (relative error below {RELATIVE_TOLERANCE:g})"
    )
    return Outcome(failure, verification, text)


def _load(text: str) -> _Functions:
    namespace = load_printed(text)
    return _Functions(namespace["loss"], namespace["grad"])


def load_printed(text: str) -> dict[str, Any]:
    """The names a printed module defines. Only for text a printer of this package wrote
    (:mod:`.numpycode`, :mod:`.arraycode`) from allow-listed trees, never source text."""
    namespace: dict[str, Any] = {}
    # The one exec of the project: code printed by SymPy (see the module docstring).
    exec(compile(text, "<generated>", "exec"), namespace)  # noqa: S102
    return namespace


# --- evaluating ------------------------------------------------------------------------------


def _call(function: Callable[..., Any], problem: Problem, values: Values) -> Any:
    import numpy as np

    arguments = [
        np.array(values[p], dtype=float) if isinstance(values[p], list) else values[p]
        for p in problem.params
    ]
    with np.errstate(all="ignore"):
        return np.asarray(function(*arguments), dtype=float)


def _exact(expr: Any, problem: Problem, values: Values, component: int | None) -> float | None:
    """The checked expression at ``values``, by mpmath from exact inputs (see :func:`_compiled`):
    compiled once with every parameter as an argument; where that finds no value, compiled
    again for this point with everything but the plotted parameter substituted exactly."""
    import mpmath

    for exact in (False, True):
        compiled = _reference(expr, problem, values, component, exact)
        if compiled is None:
            continue
        function, arguments = compiled
        # A float is exactly an mpf (53 bits fit every working precision): exact inputs.
        inputs = [mpmath.mpf(_entry(values, a)) for a in arguments]
        value = _high_precision(function, inputs)
        if value is not None:
            return value
    return None


def _entry(values: Values, argument: Any) -> float:
    if isinstance(argument, sp.Indexed):
        return float(values[argument.base][int(argument.indices[0]) - 1])
    return float(values[argument])


Compiled = tuple[Callable[..., Any], tuple[Any, ...]]
"""An mpmath function and the parameters (symbols, array entries vₖ) it takes, in order."""

_REFERENCES: OrderedDict[tuple[Any, ...], Compiled | None] = OrderedDict()
"""Compiled references, most recently used last (a page's settings are probed many times)."""


def _reference(
    expr: Any, problem: Problem, values: Values, component: int | None, exact: bool
) -> Compiled | None:
    sizes = {len(v) for v in values.values() if isinstance(v, list)}
    fixed = tuple(
        (p, tuple(v) if isinstance(v, list) else v)
        for p, v in values.items()
        if exact and p != problem.wrt
    )
    size = max(sizes) if sizes else None
    key = (expr, tuple(problem.params), problem.size, problem.free, component, size, fixed)
    if key in _REFERENCES:
        _REFERENCES.move_to_end(key)
    else:
        _REFERENCES[key] = _compiled(expr, problem, values, component, exact)
        if len(_REFERENCES) > 64:  # a page needs a few; exact ones are one per point
            _REFERENCES.popitem(last=False)
    return _REFERENCES[key]


def _compiled(
    expr: Any, problem: Problem, values: Values, component: int | None, exact: bool
) -> Compiled | None:
    """``expr`` as an mpmath function of the parameters, or (``exact``) of the plotted one
    alone, every other parameter substituted first so that SymPy's exact arithmetic settles
    what it can (0 · ln(1 − σ(2000)) is 0, not 0 · (−∞) at too few digits). None when
    something is left symbolic."""
    mapping: dict[Any, Any] = {}
    arguments: list[Any] = []
    size = None
    for p, v in values.items():
        entries = [p[k + 1] for k in range(len(v))] if isinstance(v, list) else [p]
        size = len(v) if isinstance(v, list) else size
        if exact and p != problem.wrt:
            numbers = v if isinstance(v, list) else [v]
            mapping.update({e: sp.Rational(n) for e, n in zip(entries, numbers, strict=True)})
        else:
            arguments += entries
    concrete = _at_size(expr, problem.size, size, problem.free, component).xreplace(mapping)
    names = dict(zip(arguments, plain_arguments(concrete, len(arguments)), strict=True))
    with sp.evaluate(False):
        # Only renamed, as it stands: rebuilt with evaluation, every function call in it would
        # ask SymPy's assumptions about the new names again (a third of a page's code check).
        concrete = concrete.xreplace(names)
    if concrete.free_symbols - set(names.values()) or concrete.has(sp.Indexed, sp.Sum):
        return None
    # docstring_limit=0: the docstring would print the whole expression once more.
    function = sp.lambdify(list(names.values()), concrete, modules="mpmath", docstring_limit=0)
    return function, tuple(arguments)


@lru_cache(maxsize=32)
def _at_size(expr: Any, size: Any, n: int | None, free: Any, component: int | None) -> Any:
    """``expr`` with N = n (its sums written out) and the free index at ``component``."""
    if size is not None and n is not None:
        expr = fully_expanded(expr.xreplace({size: sp.Integer(n)}))
    if free is not None and component is not None:
        expr = expr.xreplace({free: sp.Integer(component)})
    return expr


def _high_precision(function: Callable[..., Any], inputs: list[Any]) -> float | None:
    """The value at rising precision until two levels agree.

    Cancellation (1 − 1/(1 + e⁻⁵⁰⁰)) needs hundreds of digits and shows as 0 or ±∞ at too
    few, so a level that is not finite never counts; SymPy's own evalf can miss it."""
    import mpmath

    previous = None
    for digits in PRECISIONS:
        with mpmath.workdps(digits):
            try:
                value = +mpmath.mpmathify(function(*inputs))  # unary + makes e, π numbers
            except (ZeroDivisionError, ValueError, TypeError, OverflowError):
                previous = None  # undefined at this precision (0/0 where a factor rounds to 0)
                continue
            if not isinstance(value, mpmath.mpf):
                return None  # complex here
            if mpmath.isfinite(value) and previous is not None and _agree(value, previous):
                return float(value)
            previous = value if mpmath.isfinite(value) else None
    return None


def _agree(a: Any, b: Any) -> bool:
    return bool(abs(a - b) <= 1e-20 * max(1, abs(a)))


def _close(value: float, exact: float, tolerance: float = ACCURACY) -> bool:
    return math.isfinite(value) and abs(value - exact) <= tolerance * max(1.0, abs(exact))


def _with_x(problem: Problem, setting: Values, x: float) -> Values:
    values = dict(setting)
    if problem.component is None:
        values[problem.wrt] = x
    else:
        array = list(values[problem.wrt])
        array[problem.component - 1] = x
        values[problem.wrt] = array
    return values


# --- the float64 range -------------------------------------------------------------------------


def _float64_range(problem: Problem, functions: _Functions) -> tuple[float, float, str]:
    """(low, high, the sentence for the page): the range of the plotted variable in which
    loss and grad stay accurate for every plotted setting."""
    sides = {}
    for sign in (1, -1):
        reached, reason = 0.0, ""
        domain = problem.domains[problem.wrt]
        for magnitude in LADDER:
            x = float(sign * magnitude)
            if not domain.contains(x):
                if _outside(domain, x):
                    reason = "domain"
                    break
                continue  # a point left out of the domain, such as a kink
            reason = _inaccurate(problem, functions, x)
            if reason:
                break
            reached = float(magnitude)
        sides[sign] = (reached, reason)
    return -sides[-1][0], sides[1][0], _range_text(problem.x_name, sides)


def _outside(domain: Domain, x: float) -> bool:
    """x lies beyond the domain's end (not merely on a point the domain leaves out)."""
    if domain.values:
        return True
    return not (domain.low <= x <= domain.high)


def _inaccurate(problem: Problem, functions: _Functions, x: float) -> str:
    """Why loss or grad is not accurate at x for some plotted setting, or ''."""
    for setting in problem.settings:
        values = _with_x(problem, setting, x)
        exact = _exact(problem.loss, problem, values, None)
        if exact is None or abs(exact) > FLOAT64_MAX:
            return "the loss itself exceeds the largest float64 number, so no form of it can be evaluated in float64"
        if not _close(float(_call(functions.loss, problem, values)), exact):
            return "this form of the loss loses its accuracy"
        slope = _exact(problem.gradient, problem, values, problem.component)
        grad = _call(functions.grad, problem, values)
        if problem.component is not None:
            grad = grad[..., problem.component - 1]
        if slope is None or abs(slope) > FLOAT64_MAX:
            return "the gradient itself exceeds the largest float64 number"
        if not _close(float(grad), slope, 1e-7):
            return "this form of the gradient loses its accuracy"
    return ""


def _range_text(x: str, sides: dict[int, tuple[float, str]]) -> str:
    bounds = []
    for sign in (-1, 1):
        reached, reason = sides[sign]
        if reason == "domain" and reached:
            continue  # the domain ends before the next magnitude
        bound = (
            "the plotted range" if reason == "domain" else f"{reached * sign:g}".replace("-", "−")
        )
        bounds.append(bound)
    if bounds == ["the plotted range"] * 2:
        return "accurate in float64 on the plotted range"
    if len(bounds) == 2:
        text = f"accurate in float64 for {bounds[0]} ≤ {x} ≤ {bounds[1]}"
    elif bounds:
        text = f"accurate in float64 for {x} {'≥' if sides[-1][1] != 'domain' else '≤'} {bounds[0]}"
    else:
        text = f"accurate in float64 for every {x} of its domain"
    text = text.replace("the plotted range ≤ ", "").replace(" ≤ the plotted range", "")
    limits = [
        f"beyond {x} = {f'{reached * sign:g}'.replace('-', '−')} {reason}"
        for sign, (reached, reason) in sorted(sides.items())
        if reason and reason != "domain"
    ]
    if limits:
        return f"{text}; {', and '.join(limits)}"
    return f"{text} (the widest range tried)"


# --- finite differences ------------------------------------------------------------------------


def _finite_differences(
    problem: Problem, functions: _Functions, rng: random.Random, safe: tuple[float, float]
) -> tuple[str | None, bool]:
    """A failure message, or None; and whether points of ±LARGE were tried."""
    good = plotted_good = plotted_unstable = 0
    large = (max(-LARGE, safe[0]), min(LARGE, safe[1]))
    tried = large[1] > large[0]
    for attempt in range(POINTS * 3):
        if good >= POINTS:
            break
        plotted = not (tried and attempt % 2)
        values = _point(problem, rng, problem.x_range if plotted else large)
        if values is None:
            continue
        exact = _exact(problem.loss, problem, values, None)
        if exact is None or not _close(float(_call(functions.loss, problem, values)), exact):
            plotted_unstable += plotted  # float64 cannot evaluate the printed loss here
            continue
        good += 1
        plotted_good += plotted
        failure = _compare_slopes(problem, functions, values)
        if failure is not None:
            return failure, tried
    # The plotted range is where the author says the loss is used: it must be accurate there.
    if plotted_good < plotted_unstable or good < POINTS // 2:
        return (
            f"the printed loss is inaccurate in float64 at {plotted_unstable} of "
            f"{plotted_good + plotted_unstable} points of the plotted range; print a "
            "numerically stable form (plot: loss: <id of a display>) or narrow plot: range"
        ), tried
    return None, tried


def _compare_slopes(problem: Problem, functions: _Functions, values: Values) -> str | None:
    import numpy as np

    analytic = np.atleast_1d(_call(functions.grad, problem, values))
    x0 = values[problem.wrt]
    components = range(len(x0)) if isinstance(x0, list) else [None]
    for c in components:
        centre = x0[c] if c is not None else x0
        h = 1e-6 * max(1.0, abs(centre))
        coarse, fine = (_central(problem, functions, values, c, step) for step in (h, h / 2))
        # Richardson's extrapolation cancels the h² error term, which a fast oscillation
        # (sin(90 z)²) makes larger than the tolerance; either estimate may confirm the slope.
        extrapolated = (4 * fine - coarse) / 3
        slope = float(analytic[c if c is not None else 0])
        if not any(_slopes_agree(slope, numeric) for numeric in (coarse, extrapolated)):
            numeric = coarse
            where = ", ".join(f"{_name(p)} = {_shown(values[p])}" for p in problem.params)
            return f"at {where}: grad = {slope:.8g}, finite differences = {numeric:.8g}"
    return None


def _central(
    problem: Problem, functions: _Functions, values: Values, component: int | None, h: float
) -> float:
    """(f(x + h) − f(x − h)) / 2h along one component."""
    steps = [_nudged(problem, values, component, d) for d in (h, -h)]
    up, down = (float(_call(functions.loss, problem, v)) for v in steps)
    return (up - down) / (2 * h)


def _slopes_agree(slope: float, numeric: float) -> bool:
    scale = max(1.0, abs(slope), abs(numeric))
    return math.isfinite(slope) and abs(slope - numeric) <= RELATIVE_TOLERANCE * scale


def _nudged(problem: Problem, values: Values, component: int | None, step: float) -> Values:
    moved = dict(values)
    if component is None:
        moved[problem.wrt] = values[problem.wrt] + step
    else:
        array = list(values[problem.wrt])
        array[component] += step
        moved[problem.wrt] = array
    return moved


def _name(p: Any) -> str:
    return str(p.label if isinstance(p, sp.IndexedBase) else p).replace("__", "_")


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(f"{v:.6g}" for v in value) + "]"
    return f"{value:.6g}"


# --- points ----------------------------------------------------------------------------------


def _point(problem: Problem, rng: random.Random, x_range: tuple[float, float]) -> Values | None:
    """Plotted values with a random x, or (on vector pages, every other time) random arrays."""
    x = x_range[0] + (x_range[1] - x_range[0]) * (0.02 + 0.96 * rng.random())
    if not problem.domains[problem.wrt].contains(x):
        return None
    if problem.signature.arrays and problem.random_arrays and rng.random() < 0.5:
        return _random_arrays(problem, rng, x_range)
    setting = rng.choice(list(problem.settings))
    return _with_x(problem, setting, x)


def _random_arrays(
    problem: Problem, rng: random.Random, x_range: tuple[float, float]
) -> Values | None:
    size = rng.choice(SIZES)
    values: Values = {}
    fixed = problem.settings[0]
    for p in problem.params:
        domain = problem.domains[p]
        if isinstance(p, sp.IndexedBase):
            spread = p == problem.wrt
            values[p] = [
                rng.uniform(*x_range) if spread else domain.sample(rng) for _ in range(size)
            ]
            if p in problem.sums:
                values[p] = _scaled(values[p], problem.sums[p])
                if values[p] is None or not all(domain.contains(v) for v in values[p]):
                    return None
        elif p == problem.wrt:
            values[p] = rng.uniform(*x_range)
        else:
            values[p] = (
                fixed[p] if p in fixed and not isinstance(fixed[p], list) else domain.sample(rng)
            )
    return values


def _scaled(array: list[float], total: float) -> list[float] | None:
    current = sum(array)
    if abs(current) < 1e-9:
        return None
    return [v * total / current for v in array]
