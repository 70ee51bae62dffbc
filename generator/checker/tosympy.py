"""Expression trees → SymPy, inside the checker only.

Every SymPy object is built by calling SymPy constructors on values the trees
already hold; no string is ever handed to SymPy to interpret.

Semantics that live here (documented in docs/verification.md):

* a call of a declared function is replaced by its body (functions are
  abbreviations);
* a dependent symbol (one with a definition, such as ``a = σ(z)``) stays an atom
  until :meth:`Translator.expand` substitutes its definition;
* ``∂F/∂x`` holds ``x`` as an atom, expands every other definition inside ``F``,
  then differentiates;
* bound variables of sums and integrals become fresh dummies, so a summation
  index ``j`` never collides with a free ``j`` elsewhere in the claim.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy as sp
from sympy.core.parameters import global_parameters

from ..core.domains import Domain
from ..core.mathast import Node
from .sides import DIFFERENTIATED, KINKED

_BUILTINS: dict[str, Any] = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "coth": sp.coth,
    "sec": sp.sec,
    "csc": sp.csc,
    "cot": sp.cot,
    "sech": sp.sech,
    "csch": sp.csch,
    "Abs": sp.Abs,
    "sign": sp.sign,
    "Heaviside": sp.Heaviside,
    "Max": sp.Max,
    "Min": sp.Min,
    "factorial": sp.factorial,
    "KroneckerDelta": sp.KroneckerDelta,
}


def rate_name(name: str) -> str:
    """ṗ for p: the name a rate of change is shown by in a counterexample."""
    return name + "\u0307"


_CONSTANTS: dict[str, Any] = {"pi": sp.pi, "E": sp.E, "oo": sp.oo}
_RELATIONS: dict[str, Any] = {
    "<": sp.Lt,
    "<=": sp.Le,
    ">": sp.Gt,
    ">=": sp.Ge,
    "==": sp.Eq,
    "!=": sp.Ne,
}
MAX_LITERAL_DIGITS = 2000
MAX_MEMOISED = 256
"""Derivatives kept per translator (a page has a few dozen; the worker keeps 64 translators)."""
MAX_DEPTH = 20
"""Definitions nested deeper than this are taken for a cycle."""


@dataclass(frozen=True, slots=True)
class Definition:
    """``name(params) = body``; ``indices`` for a component definition such as ``a_i``."""

    name: str
    params: tuple[str, ...]
    body: Node
    indices: tuple[str, ...] = ()


@dataclass
class Translator:
    """Builds SymPy expressions for one derivation's declarations."""

    domains: Mapping[str, Domain]
    indexed: frozenset[str]
    functions: Mapping[str, Definition]
    definitions: Mapping[str, Definition]
    symbols: dict[str, sp.Symbol] = field(default_factory=dict)
    bases: dict[str, sp.IndexedBase] = field(default_factory=dict)
    _bodies: dict[str, sp.Expr] = field(default_factory=dict)
    _derivatives: dict[tuple[Any, Any, int], Any] = field(default_factory=dict)
    _expanded: dict[tuple[Any, frozenset[Any]], Any] = field(default_factory=dict)
    _built: dict[Node, Any] = field(default_factory=dict)
    _shadows: dict[tuple[Node, frozenset[Any]], Any] = field(default_factory=dict)
    _shadow_atoms: dict[tuple[Any, frozenset[Any]], Any] = field(default_factory=dict)
    _shadow: bool = False

    def shadow(self, node: Node, keep: frozenset[Any] = frozenset()) -> Any:
        """The tree built *without* SymPy's automatic simplification, derivatives replaced by
        what they differentiate, definitions expanded: it still shows every denominator,
        logarithm and root of the source, so guards (where a side is defined) can be read
        off it. ``x/x`` stays ``x·x⁻¹`` here, while ``expr`` would already have made it 1.
        Memoised per translator, as :meth:`expr` is.
        """
        return _memoised(self._shadows, (node, keep), lambda: self._shadow_build(node, keep))

    def _shadow_build(self, node: Node, keep: frozenset[Any]) -> Any:
        self._shadow = True
        try:
            with sp.evaluate(False):
                return self._shadow_expand(self.expr(node), keep, 0)
        finally:
            self._shadow = False

    def _shadow_expand(self, expr: Any, keep: frozenset[Any], depth: int) -> Any:
        """:meth:`expand` for the shadow build: definitions are expanded as written too (their
        bodies built unsimplified), each atom's expansion once per translator and ``keep``:
        every row of a page substitutes the same few definitions."""
        mapping = {}
        for atom in _expandable(expr, keep):
            replacement = self._shadow_replacement(atom, keep, depth)
            if replacement is not None:
                mapping[atom] = replacement
        return expr.xreplace(mapping) if mapping else expr

    def _shadow_replacement(self, atom: Any, keep: frozenset[Any], depth: int) -> Any:
        key = (atom, keep)
        if key not in self._shadow_atoms:
            if depth > MAX_DEPTH:
                raise RecursionError("definitions refer to each other in a cycle")
            body = self._definition_of(atom, lambda name: self.expr(self.definitions[name].body))
            expanded = None if body is None else self._shadow_expand(body, keep, depth + 1)
            if len(self._shadow_atoms) >= MAX_MEMOISED:
                self._shadow_atoms.clear()  # bounded, as the worker's memory is
            self._shadow_atoms[key] = expanded
        return self._shadow_atoms[key]

    def symbol(self, name: str) -> sp.Symbol:
        if name not in self.symbols:
            domain = self.domains.get(name)
            assumptions = domain.assumptions() if domain else {"real": True}
            self.symbols[name] = sp.Symbol(name, **assumptions)
        return self.symbols[name]

    def base(self, name: str) -> sp.IndexedBase:
        if name not in self.bases:
            domain = self.domains.get(name)
            assumptions = domain.assumptions() if domain else {"real": True}
            self.bases[name] = sp.IndexedBase(name, **assumptions)
        return self.bases[name]

    # --- trees → SymPy -------------------------------------------------------------------
    def expr(self, node: Node, env: Mapping[str, Any] | None = None) -> Any:
        if env or self._shadow or not global_parameters.evaluate:
            return self._build(node, dict(env or {}))
        # Memoised (evaluated builds only): a row is one side of the check before it and of
        # the check after it, and a page's checks share their derivatives' variables.
        return _memoised(self._built, node, lambda: self._build(node, {}))

    def _build(self, node: Node, env: dict[str, Any]) -> Any:
        op = node.op
        args = node.args
        if op == "num":
            return _number(node.value)
        if op == "sym":
            if node.value in env:
                return env[node.value]
            return self.symbol(node.value)
        if op == "const":
            return _CONSTANTS[node.value]
        if op == "add":
            return sp.Add(*(self._build(a, env) for a in args))
        if op == "mul":
            return sp.Mul(*(self._build(a, env) for a in args))
        if op == "neg":
            return -self._build(args[0], env)
        if op == "div":
            return self._build(args[0], env) / self._build(args[1], env)
        if op == "pow":
            return self._power(self._build(args[0], env), self._build(args[1], env))
        if op == "fact":
            return sp.factorial(self._build(args[0], env))
        if op == "call":
            return self._call(node, env)
        if op == "index":
            base = self.base(node.value)
            return base[tuple(self._build(a, env) for a in args)]
        if op == "deriv":
            body, var, order = args
            if self._shadow:
                # A derivative is defined at most where its body is, and only where the body
                # is differentiable: the marker lets the guards see a piecewise body's kinks.
                # (Definitions are expanded later, so the marker is always set.)
                built = self._build(body, env)
                return DIFFERENTIATED(built, self._build(var, env))
            variable = self._build(var, env)
            try:
                return self.derivative(self._build(body, env), variable, int(order.value))
            except VacuousDerivative:
                # Vacuous only if the formula as written never involves the variable:
                # step(p) for p > 0 simplifies to 1, yet d step(p)/dp = 0 is a real claim.
                written = self.shadow(body, frozenset({variable}))
                involved = variable.base if isinstance(variable, sp.Indexed) else variable
                if written.has(involved):
                    return sp.Integer(0)
                raise
        if op == "rate":
            return self._rate(node, env)
        if op == "at":
            return _derivative_at(self, node, env)
        if self._shadow and op in ("sum", "integral", "det"):
            # Guards only need the pieces; building the real object unevaluated is costly
            # (a determinant) and pointless (a bound variable's guards are not the claim's).
            return self._shadow_pieces(node, env)
        if op == "sum":
            return self._bound(sp.Sum, node, env)
        if op == "integral":
            return self._bound(sp.Integral, node, env)
        if op == "det":
            rows = [[self._build(e, env) for e in row.args] for row in args]
            return sp.Matrix(rows).det()
        if op == "piecewise":
            pairs = [(self._build(p.args[0], env), self._build(p.args[1], env)) for p in args]
            return sp.Piecewise(*pairs)
        if op == "rel":
            return _RELATIONS[node.value](self._build(args[0], env), self._build(args[1], env))
        if op == "true":
            return sp.true
        raise ValueError(f"cannot translate node {op!r}")

    def _shadow_pieces(self, node: Node, env: dict[str, Any]) -> Any:
        if node.op == "det":
            return sp.Add(*(self._build(e, env) for row in node.args for e in row.args))
        body, var, *limits = node.args
        if node.op == "sum" and limits:
            # A sum keeps its range: a term that is 0/0 for some k in it makes the sum
            # undefined (guards_of turns the term's guards into conditions on the claim).
            dummy = sp.Dummy(var.value, integer=True)
            built = self._build(body, {**env, var.value: dummy})
            return sp.Sum(built, (dummy, *(self._build(b, env) for b in limits)))
        inner = dict(env)
        inner[var.value] = sp.Dummy(var.value)
        return sp.Add(self._build(body, inner), *(self._build(b, env) for b in limits))

    def _rate(self, node: Node, env: dict[str, Any]) -> Any:
        """ṗ is a variable of its own (real); the rate of a formula is the chain rule over the
        quantities that change, Σ ∂f/∂v · v̇ (definitions inside are expanded first)."""
        inner, *changing = node.args
        if not changing:
            return self.symbol(rate_name(str(inner.value)))
        built = self._build(inner, env)
        if not self._shadow:
            built = self.expand(built)
        total = sp.Integer(0)
        for name in changing:
            variable = self.symbol(str(name.value))
            if self._shadow:
                slope = DIFFERENTIATED(built, variable)
            else:  # n·xⁿ/x back to n·xⁿ⁻¹, as for ∂F/∂x (focal loss: γ(1 − p)^{γ−1})
                slope = _recombine_powers(sp.diff(built, variable))
            total += slope * self.symbol(rate_name(str(name.value)))
        return total

    def _power(self, base: Any, exponent: Any) -> Any:
        # Literal powers whose value would be huge stay unevaluated (the parsers bound
        # exponents too; this is the second fence). Plain floats: no SymPy evaluation here.
        if base.is_Number and exponent.is_Number and exponent.is_Integer:
            digits = abs(int(exponent)) * max(1.0, math.log10(abs(float(base)) + 1))
            if digits > MAX_LITERAL_DIGITS:
                return sp.Pow(base, exponent, evaluate=False)
        return sp.Pow(base, exponent)

    def _call(self, node: Node, env: dict[str, Any]) -> Any:
        args = [self._build(a, env) for a in node.args]
        if node.value in self.functions:
            definition = self.functions[node.value]
            inner = {param: arg for param, arg in zip(definition.params, args, strict=True)}
            return self._build(definition.body, inner)
        if node.value in ("Max", "Min"):
            try:
                return _BUILTINS[node.value](*args)
            except ValueError:  # max(0, 0/0), max(0, ln(-1)): no order among them, undefined
                return sp.nan
        return _BUILTINS[node.value](*args)

    def _bound(self, kind: Any, node: Node, env: dict[str, Any]) -> Any:
        body, var, *limits = node.args
        name = var.value
        if not limits:
            # An indefinite integral's variable is free: ∫cos θ dθ = sin θ is about θ.
            return kind(self._build(body, env), self._build(var, env))
        # A bound variable ranges over its limits, not over the domain of a declared symbol
        # that happens to share its name (∫_{-1}^{1} |t| dt must not treat t as positive).
        bounds = [self._build(b, env) for b in limits]
        assumptions = {"integer": True} if kind is sp.Sum else {"real": True}
        if kind is sp.Sum and (bounds[0] - 1).is_nonnegative:
            assumptions["positive"] = True  # so Σ_{j=1}^{k} inside Σ_{k=1}^{N} is never reversed
        dummy = sp.Dummy(name, **assumptions)
        inner = dict(env)
        inner[name] = dummy
        built = self._build(body, inner)
        total = kind(built, (dummy, *bounds))
        return _empty_when_reversed(total) if kind is sp.Sum else total

    # --- definitions -----------------------------------------------------------------------
    def definition_body(self, name: str) -> Any:
        """The right-hand side of a dependent symbol's definition, as SymPy."""
        if name not in self._bodies:
            self._bodies[name] = self.expr(self.definitions[name].body)
        return self._bodies[name]

    def expand(self, expr: Any, keep: frozenset[Any] = frozenset(), depth: int = 0) -> Any:
        """Substitute definitions of dependent symbols, except those in ``keep``, to a fixed point."""
        if depth or self._shadow or not global_parameters.evaluate:
            return self._expand(expr, keep, depth)
        # Memoised (evaluated builds only): a page's checks expand the same definitions.
        return _memoised(self._expanded, (expr, keep), lambda: self._expand(expr, keep, 0))

    def _expand(self, expr: Any, keep: frozenset[Any], depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise RecursionError("definitions refer to each other in a cycle")
        mapping: dict[Any, Any] = {}
        for atom in _expandable(expr, keep):
            replacement = self._definition_of(atom, self.definition_body)
            if replacement is not None:
                mapping[atom] = replacement
        if not mapping:
            return expr
        return self.expand(expr.xreplace(mapping), keep, depth + 1)

    def _definition_of(self, atom: Any, body_of: Callable[[str], Any]) -> Any:
        if isinstance(atom, sp.Indexed):
            name = str(atom.base.label)
            definition = self.definitions.get(name)
            if definition is None or not definition.indices:
                return None
            subs = {
                self.symbol(i): idx
                for i, idx in zip(definition.indices, atom.indices, strict=False)
            }
            return body_of(name).xreplace(subs)
        if not isinstance(atom, sp.Symbol) or isinstance(atom, sp.Dummy):
            return None
        name = atom.name
        definition = self.definitions.get(name)
        if definition is not None and not definition.indices and self.symbols.get(name) == atom:
            return body_of(name)
        return None

    def derivative(self, body: Any, variable: Any, order: int = 1) -> Any:
        """``∂^order body / ∂variable^order`` with ``variable`` held and everything else expanded.

        Memoised per translator: the rows of a display, a row and its neighbour's check, the
        derivative side and its body are built again and again from the same trees, and
        ``diff`` of an expanded loss is a quarter of a page's checking. Only evaluated
        builds are kept: under ``sp.evaluate(False)`` (the guards' shadow build) the same
        body must not receive a result built with SymPy's simplifications."""
        if self._shadow or not global_parameters.evaluate:
            return self._derivative(body, variable, order)
        key = (body, variable, order)
        return _memoised(self._derivatives, key, lambda: self._derivative(body, variable, order))

    def _derivative(self, body: Any, variable: Any, order: int) -> Any:
        expanded = self.expand(body, keep=frozenset({variable}))
        # ∂/∂a_i of Σ_k (a_k − y_k)²: the sum mentions a_k, not a_i, and still depends on it.
        involved = variable.base if isinstance(variable, sp.Indexed) else variable
        if not expanded.has(involved) and expanded.free_symbols:
            # A symbol left undefined would make the derivative 0 by omission; a number's
            # derivative (d/dx 1 in a sum rule) really is 0.
            raise VacuousDerivative(_vacuous_message(body, variable))
        # SymPy writes d/dx xⁿ as n·xⁿ/x, which is 0/0 at x = 0 although the derivative
        # there is n·0ⁿ⁻¹; recombining powers of the same base gives back n·xⁿ⁻¹.
        return _recombine_powers(sp.diff(expanded, variable, order))


class VacuousDerivative(ValueError):
    """∂F/∂x where F does not involve x at all: 0 = 0 would prove nothing."""


def _vacuous_message(body: Any, variable: Any) -> str:
    shown = str(body).replace("__", "_")
    undefined = sorted(
        str(s)
        for s in body.free_symbols
        if isinstance(s, sp.Symbol) and not isinstance(s, sp.Dummy)
    )
    why = (
        f"{', '.join(undefined)} {'has' if len(undefined) == 1 else 'have'} no definition "
        f"that involves {variable}"
        if undefined
        else "it is a constant"
    )
    return (
        f"∂({shown})/∂{variable} is 0 only because {why}: define what it depends on "
        "(define: with params or expr), or mark the display as notation"
    )


def _recombine_powers(expr: Any) -> Any:
    if not any(not p.exp.is_Number for p in expr.atoms(sp.Pow)):
        return expr  # only symbolic exponents produce xⁿ/x
    return sp.powsimp(expr, combine="exp", deep=True)


def _empty_when_reversed(total: Any) -> Any:
    """Σ_{k=a}^{b} with b < a is empty, so 0. SymPy's Karr convention would give it
    −Σ_{k=b+1}^{a−1} instead (Σ_{k=5}^{0} 1 = −4), and a claim may not rest on that."""
    (_, low, high) = total.limits[0]
    nonempty = sp.Ge(high - low + 1, 0)
    if nonempty is sp.true:
        return total
    if nonempty is sp.false:
        return sp.Integer(0)
    return sp.Piecewise((total, nonempty), (0, True))


def _number(text: str) -> Any:
    value = Fraction(text)
    return sp.Rational(value.numerator, value.denominator)


def _derivative_at(tr: Translator, node: Node, env: dict[str, Any]) -> Any:
    """f'(c): f differentiated by a fresh real variable t (not the declared parameter,
    whose domain would bend f: |x| is x for a positive x), then t = c. Undefined where f
    or f' is; a function with a kink or a jump is refused (its derivative may not exist at
    c, and the guards that say where are tied to a variable, not to a value)."""
    derivative, parameter, at = node.args
    call, _, order = derivative.args
    value = tr._build(at, env)
    t = sp.Dummy(str(parameter.value), real=True)
    function = tr._build(call, {**env, str(parameter.value): t})
    if function.has(*KINKED):
        raise ValueError(
            f"{call.value}' at a value: {call.value} has a kink or a jump, so its "
            "derivative may not exist there; write the derivative at a variable"
        )
    slope = sp.diff(function, t, int(order.value))
    if tr._shadow:
        # The guards of f and of f' at c: ln c needs c > 0, (2√c)⁻¹ needs c ≠ 0.
        return sp.Add(function.xreplace({t: value}), slope.xreplace({t: value}))
    here, taken = function.subs(t, value), slope.subs(t, value)
    if any(v.is_number and not (v.is_real and v.is_finite) for v in (here, taken)):
        return sp.nan  # ln'(−1): ln is not defined at −1, so neither is its derivative
    return taken


def _expandable(expr: Any, keep: frozenset[Any]) -> list[Any]:
    """The symbols and components of ``expr`` that a definition may replace."""
    # Holding one component a_i of an indexed definition holds the whole vector a: the
    # other components (a_k inside Σ_k) are variables too, not σ-expressions of z.
    held_bases = {atom.base for atom in keep if isinstance(atom, sp.Indexed)}
    return [
        atom
        for atom in expr.atoms(sp.Symbol, sp.Indexed)
        if atom not in keep and not (isinstance(atom, sp.Indexed) and atom.base in held_bases)
    ]


def _memoised(store: dict[Any, Any], key: Any, compute: Callable[[], Any]) -> Any:
    if key not in store:
        if len(store) >= MAX_MEMOISED:
            store.clear()  # bounded, as the worker's memory is
        store[key] = compute()
    return store[key]
