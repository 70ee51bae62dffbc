"""SymPy as the worker runs it: faster, and computing exactly what it computed before."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections import defaultdict

import sympy as sp

from generator.checker import sympytuning

sympytuning.install()

x = sp.Symbol("x", real=True)


def test_an_unevaluated_build_never_receives_an_evaluated_result_from_the_cache():
    assert x / x == 1  # cached while evaluating
    with sp.evaluate(False):
        shadow = x / x
        assert sp.srepr(shadow) != "Integer(1)"
        assert shadow.has(sp.Pow(x, -1, evaluate=False))
        assert str(sp.Add(x, x)) == "x + x"
        assert str(sp.sin(0)) == "sin(0)"


def test_an_evaluated_build_never_receives_an_unevaluated_result_from_the_cache():
    with sp.evaluate(False):
        sp.Mul(x, sp.Pow(x, -1))
        sp.exp(sp.log(x))
    assert sp.Mul(x, sp.Pow(x, -1)) == 1
    assert sp.exp(sp.log(x)) == x
    assert sp.Add(x, x) == 2 * x
    assert sp.sin(0) == 0


def test_generated_monomial_code_outlives_the_evaluation_switch():
    from sympy.polys.monomials import MonomialOps

    code = MonomialOps(3).mul()
    with sp.evaluate(False):
        assert MonomialOps(3).mul() is code  # generated once, whatever the switch


def test_other_cached_results_are_reused_only_under_the_switch_they_were_computed_with():
    doubled = 2 * sp.Symbol("t")
    t = sp.Symbol("t")
    assert sp.srepr(doubled.subs(t, 3)) == "Integer(6)"  # Basic._subs remembers it
    with sp.evaluate(False):
        assert sp.srepr(doubled.subs(t, 3)) == "Mul(Integer(2), Integer(3))"
    hits = sp.Basic._subs.cache_info().hits  # the cache of the evaluating switch
    assert sp.srepr(doubled.subs(t, 3)) == "Integer(6)"
    assert sp.Basic._subs.cache_info().hits > hits  # kept across the switch, not recomputed
    with sp.evaluate(False):
        assert sp.srepr(doubled.subs(t, 3)) == "Mul(Integer(2), Integer(3))"


def test_changing_another_global_parameter_empties_the_caches_of_both_switch_values():
    doubled = 2 * (x + 1)
    doubled.subs(x, 3)
    with sp.evaluate(False):
        doubled.subs(x, 3)
    _, caches = sympytuning._CACHES_BY_SWITCH[sp.Basic._subs]
    assert all(cache.cache_info().currsize > 0 for cache in caches.values())
    with sp.core.parameters.distribute(False):
        assert all(cache.cache_info().currsize == 0 for cache in caches.values())


def test_function_classes_are_still_made_by_name():
    f = sp.Function("f")
    assert isinstance(f(x), sp.core.function.AppliedUndef)
    assert f(x).func is f


def test_a_sums_free_symbols_are_remembered_but_each_caller_gets_its_own_set():
    k, n = sp.symbols("k n", integer=True, positive=True)
    total = sp.Sum(x * k, (k, 1, n))
    first = total.free_symbols
    assert first == {x, n}
    first.add(k)
    assert total.free_symbols == {x, n}


def test_assumption_queries_visit_facts_in_a_fixed_order():
    module = importlib.import_module("sympy.core.assumptions")
    facts = ["zero", "positive", "integer", "finite"]
    module.shuffle(facts)
    assert facts == sorted(facts)


def test_factors_of_a_dict_are_the_same_without_converting_the_dict(monkeypatch):
    from sympy.core import numbers
    from sympy.core.exprtools import Factors

    y = sp.Symbol("y")
    given = {sp.S.NegativeOne: sp.S.One, x: sp.Integer(2), y: sp.Integer(-1)}
    converted = []
    original = numbers.Rational.__eq__

    def watched(self, other):  # the comparison that converted the whole dict before
        converted.append(type(other))
        return original(self, other)

    monkeypatch.setattr(numbers.Rational, "__eq__", watched)
    factors = Factors(given)
    assert type(factors.factors) is dict
    assert factors.factors == given and factors.factors is not given
    assert dict not in converted
    assert Factors(given).as_expr() == -(x**2) / y


def test_factors_of_a_dict_tidy_one_minus_one_and_i_as_sympy_does_and_copy_the_rest(
    monkeypatch,
):
    from sympy.core.exprtools import Factors

    y = sp.Symbol("y")
    assert Factors({sp.I: 2, x: 1}).factors == {x: 1, sp.S.NegativeOne: 1}  # I² = −1
    assert Factors({sp.S.One: 3, x: 1}).factors == {x: 1}
    plain = {x: sp.Integer(2), y: sp.Integer(-1)}
    compared = []
    original = sp.Basic.__eq__

    def watched(self, other):
        compared.append(other)
        return original(self, other)

    monkeypatch.setattr(sp.Basic, "__eq__", watched)
    factors = Factors(plain)
    assert compared == []  # no key compared with 1 or −1 to find that none is
    assert factors.factors == plain and factors.factors is not plain
    assert factors.gens == frozenset(plain)


def test_factors_of_numbers_and_dicts_are_what_sympys_own_factors_makes():
    from sympy.core.exprtools import Factors

    y = sp.Symbol("y")
    given = [
        *(sp.Rational(p, q) for p in (-6, -2, -1, 0, 1, 2, 5) for q in (1, 3)),
        {x: 2, y: -1},
        {sp.I: 2, x: 1},
        {sp.S.NegativeOne: 3, y: 1},
        {sp.S.One: 4},
        {1: 2, x: 1},
        defaultdict(int, {x: 2, y: 1}),  # as a Term makes them
        defaultdict(int, {sp.S.NegativeOne: 1, y: 1}),
        x * y**2,
        -3 * x / y,
    ]
    for value in given:
        ours = Factors(value)
        sympys = Factors.__new__(Factors)
        Factors.__init__.__wrapped__(sympys, value)
        assert list(ours.factors.items()) == list(sympys.factors.items()), value
        assert type(ours.factors) is type(sympys.factors)
        assert ours.gens == sympys.gens


def test_remembered_deductions_leave_every_base_as_sympy_derives_it():
    """Each fact, told to bases that already know a few others, must leave the base with the
    same entries in the same order whether SymPy derives it or the memo replays it (the second
    time round); a contradiction still raises, and is not remembered."""
    import itertools

    import pytest
    from sympy.core.assumptions import _assume_rules
    from sympy.core.facts import FactKB, InconsistentAssumptions

    replay = FactKB.deduce_all_facts
    derive = replay.__wrapped__
    # None: a query SymPy could not settle, which a later fact may still settle.
    known = [
        ("real", True),
        ("integer", True),
        ("positive", None),
        ("zero", None),
        ("finite", True),
    ]
    told = [
        (f, v)
        for f in ("positive", "nonnegative", "even", "zero", "extended_real")
        for v in (True, False)
    ]
    compared = 0
    for size in range(3):
        for start in itertools.combinations(known, size):
            for fact in told:
                outcomes = []
                for deduce in (derive, replay, replay):
                    base = FactKB(_assume_rules)
                    derive(base, start)
                    try:
                        deduce(base, (fact,))
                    except InconsistentAssumptions:
                        outcomes.append("inconsistent")
                        continue
                    outcomes.append(list(base.items()))
                assert outcomes[0] == outcomes[1] == outcomes[2], (start, fact)
                compared += 1
    assert compared == 160
    with pytest.raises(InconsistentAssumptions):
        replay(FactKB(_assume_rules), (("zero", True), ("positive", True)))


def test_sums_relations_and_components_are_made_once_for_equal_arguments():
    k = sp.Symbol("k", integer=True, positive=True)
    n = sp.Symbol("n", integer=True, positive=True)
    z = sp.IndexedBase("z")
    assert sp.Sum(x * k, (k, 1, n)) is sp.Sum(x * k, (k, 1, n))
    assert sp.Lt(x, 1) is sp.Lt(x, 1)
    assert z[k] is z[k]
    assert sp.Piecewise((x, x > 0), (0, True)) is sp.Piecewise((x, x > 0), (0, True))
    assert sp.And(x > 0, x < 1) is sp.And(x > 0, x < 1)
    assert sp.Interval(0, 1) is sp.Interval(0, 1)
    assert sp.Derivative(sp.sin(x), x) is sp.Derivative(sp.sin(x), x)


def test_remembered_constructions_never_mix_up_equal_looking_arguments():
    plain = sp.Symbol("x")
    k = sp.Symbol("k", integer=True)
    n = sp.Symbol("n", integer=True)
    # 1 and 1.0 (and True) are equal Python values but make different SymPy objects.
    assert sp.srepr(sp.Lt(x, 1).rhs) == "Integer(1)"
    assert sp.srepr(sp.Lt(x, 1.0).rhs) == "Float('1.0', precision=53)"
    assert sp.Tuple(1) != sp.Tuple(True)
    assert sp.Interval(0, 1) != sp.Interval(0, 1.0)
    assert sp.Interval(0, 1, left_open=True) != sp.Interval(0, 1)
    # x and a real x are different symbols: a relation between them is made for each.
    assert sp.Lt(plain, 1) is not sp.Lt(x, 1)
    assert sp.Sum(plain, (k, 1, n)).function is plain
    assert sp.Sum(x, (k, 1, n)).function is x


def test_a_remembered_construction_follows_the_evaluation_switch_both_ways():
    assert sp.Lt(1, 2) is sp.true
    with sp.evaluate(False):
        unevaluated = sp.Lt(1, 2)
        assert isinstance(unevaluated, sp.StrictLessThan)
        held = sp.Sum(sp.Integer(2) * 3, (sp.Symbol("k"), 1, 3))
    assert sp.Lt(1, 2) is sp.true
    assert sp.Sum(sp.Integer(2) * 3, (sp.Symbol("k"), 1, 3)).function == 6
    assert held.function != 6


_UNITS_PROBE = """
import sys
import generator.checker.worker
import sympy as sp

x = sp.Symbol("x")
assert sp.simplify(sp.sin(x) ** 2 + sp.cos(x) ** 2) == 1
print(type(sys.modules["sympy.physics.units"]).__name__)
print("sympy.physics.units.systems" in sys.modules)
from sympy.physics.units import Quantity  # asked first, and not by simplify: the real one
from sympy.physics.units import meter
from sympy.physics.units.systems import SI
import sympy.physics.units as units
print(sp.simplify(2 * meter + meter) == 3 * meter, Quantity.__module__, units.meter is meter)
"""


def test_simplify_no_longer_imports_the_physical_units_which_still_load_when_asked_for():
    lines = subprocess.run(
        [sys.executable, "-c", _UNITS_PROBE], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert lines[:2] == ["_UnitsWhenUsed", "False"]  # simplify ran on the stand-in
    assert lines[2] == "True sympy.physics.units.quantities True"  # the real units, once asked for


def test_infinity_equals_no_rational_number_and_still_its_own_kind():
    for infinity, number in ((sp.oo, float("inf")), (-sp.oo, float("-inf"))):
        # Both methods, each asked directly: __ne__ is patched as well as __eq__.
        assert infinity.__eq__(infinity) is True and infinity.__ne__(infinity) is False
        assert infinity.__eq__(number) is True and infinity.__ne__(number) is False
        for rational in (sp.Integer(2), sp.Rational(1, 2)):
            assert infinity.__eq__(rational) is False and infinity.__ne__(rational) is True
        assert sp.Integer(0) not in (infinity,)
    assert sp.oo != -sp.oo and sp.oo != sp.zoo
    assert sp.Integer(3) * sp.oo is sp.oo and sp.Integer(-3) * sp.oo is -sp.oo


def test_remembered_constructions_are_made_again_after_another_global_parameter_changes():
    k = sp.Symbol("k", integer=True)
    n = sp.Symbol("n", integer=True)
    total = sp.Sum(2 * (x + 1), (k, 1, n))
    assert sp.Sum(2 * (x + 1), (k, 1, n)) is total
    with sp.core.parameters.distribute(False):
        assert sp.Sum(2 * (x + 1), (k, 1, n)) is not total  # made afresh


def test_a_time_limit_never_strikes_halfway_through_swapping_the_caches():
    """The checks' time limit is a SIGALRM that raises wherever it lands; inside the swap it
    would leave some functions with the other value's cache."""
    import random
    import signal

    from sympy.core.parameters import global_parameters

    class Expired(Exception):
        pass

    def expire(*_: object) -> None:
        raise Expired

    previous = signal.signal(signal.SIGALRM, expire)
    rng = random.Random(1)
    struck = 0
    try:
        for _ in range(300):
            if struck >= 40:
                break
            try:
                signal.setitimer(signal.ITIMER_REAL, rng.uniform(1e-6, 5e-4))
                for _ in range(300):
                    with sp.evaluate(False):
                        pass
                signal.setitimer(signal.ITIMER_REAL, 0)
            except Expired:
                signal.setitimer(signal.ITIMER_REAL, 0)
                struck += 1
                # Wherever it struck (even inside the swap), the caches are in step with the
                # switch as it stands, before anything else runs.
                on = bool(global_parameters.evaluate)
                for cell, caches in sympytuning._CACHES_BY_SWITCH.values():
                    assert cell.cell_contents is caches[on]
                global_parameters.evaluate = True  # as the worker's next check starts
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert struck >= 5  # the alarm did land


def test_a_construction_is_reused_only_for_the_very_objects_it_was_made_of():
    real_line = sp.Interval(-sp.oo, sp.oo)
    assert real_line == sp.S.Reals  # equal, yet not interchangeable
    assert sp.Tuple(sp.S.Reals).args[0] is sp.S.Reals
    assert sp.Tuple(real_line).args[0] is real_line
    i = sp.Symbol("i", integer=True)
    plain, shifted = sp.IndexedBase("B"), sp.IndexedBase("B", offset=5)
    assert plain == shifted
    assert plain[i].base.offset == 0 and shifted[i].base.offset == 5


def test_sympys_clear_cache_empties_both_switch_values_and_the_constructions():
    k = sp.Symbol("k", integer=True)
    n = sp.Symbol("n", integer=True)
    total = sp.Sum(x * k, (k, 1, n))
    doubled = 2 * (x + 3)
    doubled.subs(x, 1)
    with sp.evaluate(False):
        doubled.subs(x, 1)
    sp.core.cache.clear_cache()
    _, caches = sympytuning._CACHES_BY_SWITCH[sp.Basic._subs]
    assert all(cache.cache_info().currsize == 0 for cache in caches.values())
    assert sp.Sum(x * k, (k, 1, n)) is not total
