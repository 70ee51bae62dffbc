"""Points where a side's value rests on a convention or a derivative does not exist.

* sign(0) = 0 and Heaviside(0) = ½ are SymPy's conventions. A side whose value at such a
  point changes when the convention does (x·sign(x) does not, sign(x) does) is treated as
  undefined there, so a ✓ never depends on a convention.
* d/dx of a piecewise function at a breakpoint: SymPy differentiates branch by branch and
  forgets the breakpoint, so d/dx (x + step(x)) "is" 1 everywhere. A derivative at a
  breakpoint counts only where the one-sided difference quotients agree.
* A Dirac delta (the derivative of sign or Heaviside) is 0 away from its jump and undefined
  at it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from .sides import KINKED, Guard, Side

JUMPS = (sp.sign, sp.Heaviside)


def with_kink_guards(side: Side) -> Side:
    """The side with its Dirac deltas resolved and guards for conventions added."""
    expr, guards = side.expr, list(side.guards)
    if not expr.has(sp.DiracDelta, *JUMPS):  # most sides (SymPy remembers the answer)
        return Side(expr, tuple(dict.fromkeys(guards)), side.derivative_of)
    deltas = expr.atoms(sp.DiracDelta)
    if deltas:
        # Undefined at the jump, unless the delta's weight vanishes there (x² δ(x) is 0).
        for delta in deltas:
            jump, weight = delta.args[0], sp.expand(expr).coeff(delta)
            if jump.free_symbols:
                guards.append(Guard("holds", sp.Or(sp.Ne(jump, 0), sp.Eq(weight, 0))))
        expr = expr.xreplace({d: sp.Integer(0) for d in deltas})
    if any(call.args[0].free_symbols for call in expr.atoms(*JUMPS)):
        guards.append(Guard("convention", sp.Tuple(expr)))
    return Side(expr, tuple(dict.fromkeys(guards)), side.derivative_of)


CONVENTIONS = {
    sp.sign: (sp.Integer(-1), sp.Integer(0), sp.Integer(1)),
    sp.Heaviside: (sp.Integer(0), sp.Rational(1, 2), sp.Integer(1)),
}
"""Values in use for sign(0) and Heaviside(0): a claim true for only some of them is no theorem."""


def rests_on_convention(left_shadow: Any, right_shadow: Any) -> str | None:
    """Why a claim without variables holds only by convention (sign(0) = 0, H(0) = ½), or None.

    Read off the shadows, where SymPy has not yet replaced sign(0) by its own value."""
    shadows = (left_shadow, right_shadow)
    # The jumps first: most claims have none, and a big shadow's free symbols are costly.
    if not any(s.has(*JUMPS) for s in shadows):
        return None
    calls = {
        call
        for s in shadows
        for call in s.atoms(*JUMPS)
        if not call.args[0].free_symbols and call.args[0].is_zero
    }
    if not calls or any(s.free_symbols for s in shadows):
        return None
    for call in sorted(calls, key=sp.default_sort_key):
        for value in CONVENTIONS[call.func]:
            left, right = (s.xreplace({call: value}).doit() for s in shadows)
            if sp.simplify(left - right) != 0:
                name = "sign" if call.func is sp.sign else "Heaviside"
                values = CONVENTIONS[call.func]
                in_use = ", ".join(str(v) for v in values[:-1]) + f" and {values[-1]}"
                return (
                    f"whether this holds depends on a convention: {name}(0) has no agreed "
                    f"value ({in_use} are all in use), and with {name}(0) = {value} the two "
                    "sides differ"
                )
    return None


def smooth_guard(function: Any, variable: Any) -> Guard | None:
    """A guard that ``function`` is differentiable in ``variable`` (None: nothing to fear)."""
    if not function.has(*KINKED) or not function.has(variable):
        return None
    return Guard("smooth", sp.Tuple(function, variable))


def breakpoints(expr: Any) -> list[Any]:
    """Expressions whose zeros are where ``expr`` may jump or kink."""
    found: dict[Any, None] = {}
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Abs, *JUMPS)):
            found[node.args[0]] = None
        elif isinstance(node, (sp.Max, sp.Min)) and len(node.args) == 2:
            found[node.args[0] - node.args[1]] = None
        elif isinstance(node, sp.Piecewise):
            for _, condition in node.args:
                for relation in condition.atoms(sp.Rel):
                    found[relation.lhs - relation.rhs] = None
    return [b for b in found if b.free_symbols]


def convention_violated(guard: Guard, point: Mapping[Any, Any]) -> bool:
    """True at a point where the side's value depends on sign(0) or Heaviside(0)."""
    (expr,) = guard.expr.args
    calls = [c for c in expr.atoms(*JUMPS) if c.args[0].xreplace(dict(point)) == 0]
    if not calls:
        return False
    values = set()
    for choice in (-1, 0, 1):
        replaced = expr.xreplace({c: _convention(c, choice) for c in calls})
        value = replaced.xreplace(dict(point))
        number = sp.N(value, 20)
        if not number.is_number:
            return True
        values.add(sp.nsimplify(number, rational=True))
    return len(values) > 1


def _convention(call: Any, choice: int) -> Any:
    if isinstance(call, sp.sign):
        return sp.Integer(choice)
    return sp.Rational(choice + 1, 2)  # Heaviside(0) ∈ {0, ½, 1}


def smooth_violated(guard: Guard, point: Mapping[Any, Any]) -> bool:
    """True where ``function`` has a breakpoint at the point and is not differentiable."""
    function, variable = guard.expr.args
    at = {k: v for k, v in point.items() if k != variable}
    if variable not in point:
        return False
    x0 = point[variable]
    if not any(b.xreplace(dict(point)) == 0 for b in breakpoints(function)):
        return False
    f = function.xreplace(at)
    quick = _kinked_by_quotients(f, variable, x0)
    if quick is not None:
        return quick
    h = sp.Dummy("h", positive=True)
    try:
        value = f.xreplace({variable: x0})
        right = sp.limit((f.xreplace({variable: x0 + h}) - value) / h, h, 0)
        left = sp.limit((value - f.xreplace({variable: x0 - h})) / h, h, 0)
    except (NotImplementedError, ValueError, TypeError):
        return True
    if not (right.is_finite and left.is_finite):
        return True
    return bool(sp.simplify(right - left) != 0)


STEPS = (sp.Rational(1, 10**25), sp.Rational(1, 10**35))
"""Steps of the one-sided difference quotients, evaluated exactly at 80 digits: on smooth
branches they settle to ~10⁻²⁵ of the slope, at a corner the two sides stay apart, at a jump
they grow like 1/h."""
SLOPE_TOLERANCE = 1e-10


def _kinked_by_quotients(f: Any, variable: Any, x0: Any) -> bool | None:
    """Whether ``f`` fails to be differentiable at ``x0``, from one-sided difference quotients
    at two tiny steps (symbolic one-sided limits cost a hundred times more). None when the
    quotients cannot be evaluated; then the limits decide."""
    try:
        value = sp.N(f.xreplace({variable: x0}), 80)
        quotients = []
        for direction in (1, -1):
            for step in STEPS:
                moved = sp.N(f.xreplace({variable: x0 + direction * step}), 80)
                quotients.append(complex((moved - value) / (direction * step)))
    except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
        return None
    if not all(abs(q) < 1e15 and abs(q.imag) < SLOPE_TOLERANCE for q in quotients):
        return None if any(q != q for q in quotients) else True  # a jump: 1/h grows
    right, right_finer, left, left_finer = (q.real for q in quotients)
    scale = 1 + abs(right) + abs(left)
    settled = (
        abs(right - right_finer) < SLOPE_TOLERANCE * scale
        and abs(left - left_finer) < SLOPE_TOLERANCE * scale
    )
    if not settled:
        return None
    return abs(right - left) > SLOPE_TOLERANCE * scale


def without_shared_soft_guards(a: Side, b: Side) -> tuple[Side, Side]:
    """A kink or convention both sides carry cannot separate them: drop it from both, which
    also spares the one-sided limits it would cost at every candidate point."""
    shared = {g for g in set(a.guards) & set(b.guards) if g.kind in ("smooth", "convention")}
    if not shared:
        return a, b
    return (
        a.with_guards(tuple(g for g in a.guards if g not in shared)),
        b.with_guards(tuple(g for g in b.guards if g not in shared)),
    )
