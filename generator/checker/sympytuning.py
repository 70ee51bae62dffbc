"""Nine changes to how SymPy runs inside a worker, none of which changes what it computes.

* The free symbols of a sum (or product, or integral) are remembered. SymPy recomputes them
  on every request by rebuilding the whole body with its variables masked, and the
  every-size prover asks for them thousands of times while reducing a page's sums (they
  were 9 % of this site's checking time). An expression is immutable and compares by
  structure, so the answer for one is the answer for every equal one.
* SymPy's assumption system visits the facts that could settle a query in a random order, to
  expose its own handlers' inconsistencies in SymPy's test suite. Here a fixed order is
  wanted: the same claim must get the same verdict in every run, on every machine.
* Switching SymPy's automatic evaluation off and on again (the guards' shadow build, a few
  hundred times per site) no longer empties SymPy's whole cache. SymPy empties it because a
  cached result may depend on the switch (Add, Mul, Pow and function calls build
  differently); here each cached function keeps one cache for each value of the switch,
  and the switch puts the matching one in place, so that an unevaluated build can never
  receive an evaluated result or the reverse, and what was computed with evaluation on is
  still there when it is on again. The caches of numbers, symbols, generated code and fixed
  tables do not depend on the switch and stay as they are. (Emptying the caches cost 18 %
  of this site's checking time: every object was built again and its assumptions derived
  again.) ``tests/test_sympytuning.py`` checks both directions.
* ``Factors`` (behind ``gcd_terms`` and ``together``) no longer converts a dict it is given
  into a SymPy ``Dict`` only to learn that the dict is not the number 1, nor compares every
  key with the Python numbers 1 and −1 (a dict or a ``Term``'s defaultdict without SymPy's
  1, −1 and I, found by identity, is only copied), nor a rational number with ``None``.
* What a new fact implies (x positive ⇒ x nonzero, real, …) is worked out once for each state
  of knowledge and remembered. SymPy derives it again for every new object, by forward
  chaining in Python, whenever a query settles a fact or a symbol is made.
* Sums, derivatives, relations (z > 0) and their conjunctions, piecewise expressions, sets,
  indexed components and tuples are remembered as they are made, as SymPy already
  remembers sums of terms, products, powers and function calls: it makes these again on
  every request (a page's checks rebuild the same sums and conditions thousands of times,
  at each substitution); making one already made was 6 % of this site's checking time. An
  object is reused only for arguments built alike, class by class all the way down: equal
  SymPy objects are not always interchangeable (``S.Reals`` equals ``Interval(-oo, oo)``).
* ``simplify`` imports SymPy's physical units (a tenth of a second, in the fork server
  before any worker can start) only to ask whether the expression holds a physical
  quantity. Until something else asks for the units, the module answers ``simplify`` with a
  class nothing is an instance of; anything else that asks it anything loads the real
  units, which then answer every later import. No checked expression can hold a quantity
  without that import, so the answer is the same.
* Every product SymPy makes asks whether its numeric coefficient is ∞ or −∞, and ∞ answers
  by comparing the coefficient with the float ``inf``, which converts that float to a SymPy
  number each time. A rational coefficient is never infinite: the answer is no at once.
* A derivative in one variable (d/dx, as every level of a chain rule asks for it) is no longer
  asked whether it is zero once computed, a question whose answer changes nothing
  (:mod:`generator.checker.derivativezero`).

``install()`` is called once per worker process; calling it again does nothing.
"""

from __future__ import annotations

import functools
import importlib
import signal
import sys
import types
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sympy.concrete.expr_with_limits import ExprWithLimits
from sympy.core import parameters
from sympy.core.basic import Basic
from sympy.core.cache import CACHE, clear_cache
from sympy.core.numbers import Integer, Rational
from sympy.core.singleton import S
from sympy.tensor.indexed import IndexedBase

from . import derivativezero

_FREE_SYMBOLS_OF_SUMS = 8192
"""Sums remembered per worker: a page's checks meet a few hundred distinct ones."""

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    computed = ExprWithLimits.free_symbols.fget
    remembered = functools.lru_cache(maxsize=_FREE_SYMBOLS_OF_SUMS)(
        lambda expr: frozenset(computed(expr))
    )
    # A fresh set each time: callers of SymPy's free_symbols may add to what they get.
    ExprWithLimits.free_symbols = property(lambda expr: set(remembered(expr)))
    # The module, not the function of the same name that sympy.core exports.
    assumptions: Any = importlib.import_module("sympy.core.assumptions")
    assumptions.shuffle = _in_fixed_order
    parameters._global_parameters.__setattr__ = _set_parameter
    _factors_without_converting_dicts()
    _deductions_remembered()
    _constructions_remembered()
    _units_imported_when_used()
    _infinity_compared_without_floats()
    derivativezero.install()


def _in_fixed_order(facts: list[Any]) -> None:
    facts.sort()


_BUILT_THE_SAME_EITHER_WAY = frozenset(
    {
        "Integer.__new__",
        "Rational.__new__",
        "Symbol.__xnew_cached_",
        "Symbol._canonical_assumptions",
        "Wild.__xnew__",
        # The code SymPy's polynomial rings generate (and exec) for their monomials, per
        # number of generators, and its fixed tables of facts and dispatch by type.
        "MonomialOps.__new__",
        "MonomialOps.mul",
        "MonomialOps.pow",
        "MonomialOps.mulpow",
        "MonomialOps.ldiv",
        "MonomialOps.div",
        "MonomialOps.lcm",
        "MonomialOps.gcd",
        "get_all_known_facts",
        "get_all_known_matrix_facts",
        "get_all_known_number_facts",
        "get_known_facts_dict",
        "KindDispatcher.dispatch_kinds",
        "_get_postprocessors",
        "_get_postprocessors_for_type",
        "_MadeObjects",  # this module's own, kept per value of the switch already
    }
)
"""The caches of numbers, symbols, generated code and fixed tables: what they hold does not
depend on the switch."""

_kept_across_the_switch: frozenset[str] = _BUILT_THE_SAME_EITHER_WAY


def _set_parameter(self: Any, name: str, value: Any) -> None:
    # A check's time limit is a SIGALRM that raises wherever the check is: not halfway through
    # swapping the caches, which would leave them out of step with the switch for the worker's
    # next checks. Held back until the switch and its caches agree, it is raised then.
    # An alarm the interpreter had already caught before it was held back still raises at
    # its next chance: then the caches are put back in step with the switch as it stands.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    try:
        current = getattr(self, name)
        if current != value:
            if name == "evaluate":
                _switch_caches(bool(current), bool(value))
            else:
                clear_cache()  # distribute, exp_is_pow: as SymPy does (both caches of each)
        super(parameters._global_parameters, self).__setattr__(name, value)
    except BaseException:
        realign_caches()
        raise
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def realign_caches() -> None:
    """Every cached function's cache for the value the switch has now."""
    on = bool(parameters.global_parameters.evaluate)
    for cell, caches in _CACHES_BY_SWITCH.values():
        cell.cell_contents = caches[on]


_CACHES_BY_SWITCH: dict[Any, tuple[Any, dict[bool, Any]]] = {}
"""Each cached SymPy function whose results depend on the switch → the closure cell that
holds its cache, and its cache for each value of the switch."""


def _switch_caches(leaving: bool, entering: bool) -> None:
    """Every other cached function of SymPy gets its cache for the value the switch takes:
    what it computed with evaluation on is kept for when evaluation is on again, instead of
    being emptied, and never seen while it is off (nor the reverse)."""
    for cached in CACHE:
        if cached.__qualname__ in _kept_across_the_switch:
            continue
        entry = _CACHES_BY_SWITCH.get(cached)
        if entry is None:
            cell = _cell_of_cache(cached)
            if cell is None:  # not SymPy's usual decorator: emptied, as SymPy does
                _empty(cached)
                continue
            used = cell.cell_contents  # filled while the switch had the value it leaves
            fresh = functools.lru_cache(**used.cache_parameters())(used.__wrapped__)
            entry = _CACHES_BY_SWITCH[cached] = (cell, {leaving: used, entering: fresh})
            # SymPy's clear_cache() (which other code may call) empties both, and
            # cache_info() reports the one in place.
            cached.cache_clear = _both_cleared(used, fresh)
            cached.cache_info = _in_place(cell)
        cell, caches = entry
        cell.cell_contents = caches[entering]


def _both_cleared(*caches: Any) -> Callable[[], None]:
    def cache_clear() -> None:
        for cache in caches:
            cache.cache_clear()

    return cache_clear


def _in_place(cell: Any) -> Callable[[], Any]:
    return lambda: cell.cell_contents.cache_info()


def _cell_of_cache(cached: Any) -> Any:
    """The closure cell of SymPy's ``cacheit`` wrapper that holds its ``lru_cache``, or None."""
    target = getattr(getattr(cached, "cache_info", None), "__self__", None)
    for cell in getattr(cached, "__closure__", None) or ():
        if target is not None and cell.cell_contents is target:
            return cell
    return None


def _empty(cached: Any) -> None:
    inner: Any = cached
    while hasattr(inner, "__wrapped__"):
        if hasattr(inner, "cache_clear"):
            inner.cache_clear()
            break
        inner = inner.__wrapped__


class _FactorItems:
    """A dict's items for ``Factors``: unequal to every number without a conversion, and
    copied back into a plain dict (the only other thing ``Factors`` does with a dict)."""

    __slots__ = ("items",)
    __hash__ = None  # type: ignore[assignment]
    __sympy__ = True
    """SymPy's comparison then takes this object as it is, without trying every conversion
    first; it is not a number, so the answer is no (``Factors`` copies it before any use)."""

    def __init__(self, items: dict[Any, Any]) -> None:
        self.items = items

    def __eq__(self, other: object) -> bool:
        return False

    def copy(self) -> dict[Any, Any]:
        return dict(self.items)


def _factors_without_converting_dicts() -> None:
    """``Factors(d)`` for a dict d first asks whether d is 1, and SymPy answers that by
    converting the whole dict into a SymPy ``Dict`` (every key and exponent sympified) only
    to find that it is not a number: 31 of the 35 µs the call takes. The answer is always
    no; an object that says so directly is passed instead, and ``Factors`` copies it into
    the same dict as before. It then tidies the factors 1, −1 and I, which it finds by
    comparing every key with the Python numbers 1 and −1 (each comparison converts them);
    those three are SymPy's singletons, so a dict without them, found by identity, is only
    copied, as SymPy would have done."""
    from sympy.core.exprtools import Factors

    original = Factors.__init__
    one, minus_one, imaginary = S.One, S.NegativeOne, S.ImaginaryUnit

    def init(self: Any, factors: Any = None) -> None:
        kind = type(factors)
        if kind is dict or kind is defaultdict:  # a Term's factors come as a defaultdict
            for key in factors:
                if key is one or key is minus_one or key is imaginary or not isinstance(key, Basic):
                    break
            else:
                self.factors = factors.copy()  # as SymPy keeps it: a defaultdict stays one
                self.gens = frozenset(self.factors)
                return
            if kind is dict:
                factors = _FactorItems(factors)
        elif isinstance(factors, Rational):
            # SymPy's own first test, ``factors in (None, S.One)``, costs a number a failed
            # conversion of None; the factors of a rational number are read off directly.
            self.factors = _rational_factors(factors)
            self.gens = frozenset(self.factors)
            return
        original(self, factors)

    init.__wrapped__ = original  # type: ignore[attr-defined]
    Factors.__init__ = init


def _rational_factors(n: Any) -> dict[Any, Any]:
    """What SymPy's ``Factors`` makes of a rational number: 0 as {0: 1}; −1 for a negative
    sign; an integer as itself; a fraction as its numerator (unless 1) and its denominator
    with exponent −1."""
    if n is S.Zero:
        return {S.Zero: S.One}
    factors = {}
    if n.p < 0:
        factors[S.NegativeOne] = S.One
        n = -n
    if n is S.One:
        return factors
    if n.q == 1:
        factors[n] = S.One
    else:
        if n.p != 1:
            factors[Integer(n.p)] = S.One
        factors[Integer(n.q)] = S.NegativeOne
    return factors


_DEDUCTIONS = 65536
"""States of knowledge remembered with what a fact adds to them (a worker meets a few
thousand)."""


def _deductions_remembered() -> None:
    """``FactKB.deduce_all_facts(facts)`` depends only on what the knowledge base holds and on
    ``facts``: the same call on an equal base makes the same changes. They are recorded once
    (the entries that changed, in the order SymPy made them) and replayed; a call that finds a
    contradiction raises as before, and nothing is recorded for it."""
    from sympy.core.facts import FactKB

    derive = FactKB.deduce_all_facts
    remembered: dict[tuple[Any, ...], tuple[tuple[Any, Any], ...]] = {}

    def deduce_all_facts(self: Any, facts: Any) -> None:
        given = tuple(facts.items()) if isinstance(facts, dict) else tuple(facts)
        key = (frozenset(self.items()), given)
        changes = remembered.get(key)
        if changes is None:
            before = dict(self)
            derive(self, given)
            changes = tuple(
                (k, v) for k, v in self.items() if k not in before or before[k] is not v
            )
            if len(remembered) >= _DEDUCTIONS:
                remembered.clear()
            remembered[key] = changes
        else:
            for k, v in changes:
                self[k] = v

    deduce_all_facts.__wrapped__ = derive  # type: ignore[attr-defined]
    FactKB.deduce_all_facts = deduce_all_facts


_CONSTRUCTIONS = 20_000
"""Objects remembered with the arguments they were made from (this site's checks make
about 11,000 distinct ones in one process)."""

_PLAIN = frozenset({bool, int, str, type(None)})
"""Arguments other than SymPy objects that a key may hold, tagged with their type: 1, 1.0
and True are equal in Python but make different SymPy objects (a float never keys)."""


def _constructions_remembered() -> None:
    """The classes SymPy leaves out of its cache: each ``__new__`` is made to look up what it
    made from equal arguments under the same value of the evaluation switch. SymPy's objects are immutable
    and compare by structure and type (2 and 2.0 differ, and so do x and a positive x), so
    an equal call gets an equal object; an argument that cannot key (a float, a dict, any
    other object) makes the call go to SymPy as before."""
    from sympy.concrete.products import Product
    from sympy.concrete.summations import Sum
    from sympy.core.containers import Tuple
    from sympy.core.function import Derivative
    from sympy.core.operations import LatticeOp
    from sympy.core.relational import Equality, Unequality, _Inequality
    from sympy.functions.elementary.piecewise import ExprCondPair, Piecewise
    from sympy.sets.sets import Complement, FiniteSet, Intersection, Interval, Union
    from sympy.tensor.indexed import Indexed

    classes: tuple[type, ...] = (Sum, Product, Tuple, Indexed, Derivative)
    classes += (Equality, Unequality, _Inequality, LatticeOp, Piecewise, ExprCondPair)
    classes += (Interval, FiniteSet, Union, Intersection, Complement)
    for cls in classes:
        _remember_construction(cls)
    CACHE.append(_MadeObjects)


_MADE: dict[bool, dict[Any, Any]] = {True: {}, False: {}}
"""What the remembered constructions made, and of what, for each value of the evaluation
switch (emptied, with every cache, by SymPy's ``clear_cache``)."""


class _MadeObjects:
    """Stands in SymPy's list of caches for :data:`_MADE`, so that ``clear_cache`` empties it
    too; the switch leaves it alone (its entries are already kept per value)."""

    __wrapped__ = None  # SymPy's clear_cache looks for a cache_clear along __wrapped__

    @staticmethod
    def cache_clear() -> None:
        for made in _MADE.values():
            made.clear()


def _remember_construction(cls: type) -> None:
    constructor = cls.__dict__["__new__"]
    constructor = constructor.__func__ if isinstance(constructor, staticmethod) else constructor
    switches = parameters.global_parameters

    def new(kind: Any, *args: Any, **options: Any) -> Any:
        key: Any = args  # the common case, SymPy objects only: they are the key
        for arg in args:
            if not isinstance(arg, Basic):
                key = None
                break
        if key is None or options:
            key = _key((args, tuple(sorted(options.items()))))
            if key is None:
                return constructor(kind, *args, **options)
        key = (kind, key)
        made = _MADE[switches.evaluate]
        try:
            found = made.get(key)
        except TypeError:  # an unhashable argument: SymPy makes it, as without the memo
            return constructor(kind, *args, **options)
        if found is not None and _identical(found[1], args):
            return found[0]
        obj = constructor(kind, *args, **options)
        if len(made) >= _CONSTRUCTIONS:
            made.clear()
        made[key] = (obj, args)
        return obj

    new.__wrapped__ = constructor  # type: ignore[attr-defined]
    cls.__new__ = staticmethod(new)  # type: ignore[assignment]


_ARGS_ONLY = Basic._hashable_content


def _identical(made_from: Any, given: Any) -> bool:
    """The same objects, or objects of the same classes all the way down with equal parts:
    equal SymPy objects are not always interchangeable (``S.Reals`` equals
    ``Interval(-oo, oo)``; an ``IndexedBase`` is equal whatever its offset and strides), so
    an object is reused only for arguments built alike."""
    if made_from is given:
        return True
    kind = type(made_from)
    if kind is not type(given):
        return False
    if kind is tuple or kind is list or isinstance(made_from, Basic):
        if isinstance(made_from, IndexedBase) and (
            made_from.offset != given.offset or made_from.strides != given.strides
        ):
            return False
        parts = made_from.args if isinstance(made_from, Basic) else made_from
        others = given.args if isinstance(given, Basic) else given
        if not parts or (isinstance(made_from, Basic) and kind._hashable_content is not _ARGS_ONLY):
            # An atom, or a class that compares more than its arguments (a Poly's domain):
            # SymPy's own comparison first.
            if made_from != given:
                return False
            if not parts:
                return True
        return len(parts) == len(others) and all(
            _identical(a, b) for a, b in zip(parts, others, strict=True)
        )
    return kind in _PLAIN and made_from == given


def _key(value: Any) -> Any:
    """``value`` as part of a key, or None when it cannot be one."""
    if isinstance(value, Basic):
        return value
    kind = type(value)
    if kind in _PLAIN:
        return (kind, value)
    if kind is tuple or kind is list:
        parts = tuple(_key(part) for part in value)
        return None if any(part is None for part in parts) else (kind, parts)
    return None


_UNITS = "sympy.physics.units"


class _NotAQuantity(Basic):  # type: ignore[misc]  # SymPy is untyped
    """What ``simplify`` is told a physical quantity is, until the units are imported: no
    expression holds one."""


class _UnitsWhenUsed(types.ModuleType):
    """Stands for ``sympy.physics.units`` until anything but ``simplify`` asks it for anything:
    then the real units are imported, and they answer."""

    def __getattr__(self, name: str) -> Any:
        if _asked_by_simplify() and isinstance(sys.modules.get(_UNITS), _UnitsWhenUsed):
            if name == "Quantity":
                return _NotAQuantity
            # ``from … import Quantity`` asks for ``__path__`` first: not a package, then.
            raise AttributeError(name)
        return getattr(_real_units(), name)


def _asked_by_simplify() -> bool:
    # 0: this function, 1: __getattr__, 2: the code that asked (Python's import machinery
    # and getattr run in C, without frames of their own).
    return sys._getframe(2).f_globals.get("__name__") == "sympy.simplify.simplify"


def _units_imported_when_used() -> None:
    if _UNITS in sys.modules or "sympy.physics" in sys.modules:
        return  # imported already: nothing to spare
    sys.modules[_UNITS] = _UnitsWhenUsed(_UNITS)


def _real_units() -> Any:
    if isinstance(sys.modules.get(_UNITS), _UnitsWhenUsed):
        del sys.modules[_UNITS]
    return importlib.import_module(_UNITS)


def _infinity_compared_without_floats() -> None:
    from sympy.core.numbers import Infinity, NegativeInfinity

    for cls in (Infinity, NegativeInfinity):
        _rationals_are_finite(cls)


def _rationals_are_finite(cls: Any) -> None:
    equal, unequal = cls.__eq__, cls.__ne__

    def eq(self: Any, other: Any) -> Any:
        return False if isinstance(other, Rational) else equal(self, other)

    def ne(self: Any, other: Any) -> Any:
        return True if isinstance(other, Rational) else unequal(self, other)

    cls.__eq__ = eq
    cls.__ne__ = ne
