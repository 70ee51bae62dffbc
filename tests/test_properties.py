"""Property tests (Hypothesis): parsers round-trip printed trees and never fail with a foreign error."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.checker.context import context_from_payload
from generator.core.errors import SourceError
from generator.core.mathast import Node
from generator.core.scope import FunctionInfo, Scope, SymbolInfo
from generator.parse.expr import parse_expression
from generator.parse.tex import parse_chain, parse_math
from generator.source.load import load_source
from tests.printer import to_expression, to_tex

SCOPE = Scope(
    {
        "x": SymbolInfo("x", "x"),
        "y": SymbolInfo("y", "y"),
        "a": SymbolInfo("a", "a", "(0, 1)"),
        "theta": SymbolInfo("theta", "\\theta"),
    },
    {"sigma": FunctionInfo("sigma", "\\sigma", ("x",))},
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

numbers = st.one_of(
    st.integers(0, 999).map(str),
    st.tuples(st.integers(0, 99), st.integers(1, 99)).map(lambda p: f"{p[0]}.{p[1]}"),
).map(lambda text: Node("num", (), text))
leaves = st.one_of(
    numbers,
    st.sampled_from(["x", "y", "a", "theta"]).map(lambda n: Node("sym", (), n)),
    st.sampled_from(["pi", "E"]).map(lambda c: Node("const", (), c)),
)


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    small_power = st.integers(0, 5).map(lambda k: Node("num", (), str(k)))
    return st.one_of(
        st.tuples(st.sampled_from(["add", "mul", "div"]), children, children).map(
            lambda t: Node(t[0], (t[1], t[2]))
        ),
        st.tuples(children, small_power).map(lambda t: Node("pow", t)),
        children.map(lambda c: Node("neg", (c,))),
        st.tuples(
            st.sampled_from(["exp", "log", "sin", "cos", "tanh", "sqrt", "Abs", "sigma"]), children
        ).map(lambda t: Node("call", (t[1],), t[0])),
        st.tuples(children, children).map(lambda t: Node("call", t, "Max")),
    )


trees = st.recursive(leaves, _extend, max_leaves=12)


@FAST
@given(trees)
def test_expression_syntax_round_trips(tree: Node) -> None:
    assert parse_expression(to_expression(tree), SCOPE).key() == tree.key()


TRANSLATOR = context_from_payload(
    {
        "symbols": [
            ["x", "real", False, [], None],
            ["y", "real", False, [], None],
            ["a", "(0, 1)", False, [], None],
            ["theta", "real", False, [], None],
        ],
        "functions": [["sigma", ["x"], parse_expression("1/(1 + exp(-x))", SCOPE).key()]],
        "definitions": [],
        "size": None,
    }
).translator


@FAST
@given(trees)
@example(Node("call", (Node("num", (), "0"), Node("div", (Node("num", (), "0"),) * 2)), "Max"))
@example(Node("call", (Node("num", (), "0"), Node("call", (Node("num", (), "0"),), "log")), "Max"))
@example(
    Node(
        "call",
        (Node("num", (), "0"), Node("call", (Node("neg", (Node("num", (), "1"),)),), "log")),
        "Max",
    )
)
def test_tex_round_trips_to_the_same_meaning(tree: Node) -> None:
    parsed = parse_math(to_tex(tree, SCOPE), SCOPE)
    assert TRANSLATOR.expr(parsed) == TRANSLATOR.expr(tree)


@FAST
@given(st.text(max_size=200))
def test_expression_parser_raises_only_its_own_error(text: str) -> None:
    with contextlib.suppress(SourceError):  # any other exception fails the test
        parse_expression(text, SCOPE)


@FAST
@given(
    st.text(
        alphabet=st.sampled_from(
            list("\\{}^_()[]|=+-*/.,!&$ 0123456789abxyzdefrac ln sigma partial")
        ),
        max_size=120,
    )
)
def test_tex_parser_raises_only_its_own_error(text: str) -> None:
    with contextlib.suppress(SourceError):  # any other exception fails the test
        parse_chain(text, SCOPE)


@FAST
@given(st.binary(max_size=2000))
def test_loader_never_raises_on_random_bytes(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    source, diagnostics = load_source(text, "content/fuzz.yaml")
    assert source is not None or diagnostics


yaml_scalars = st.one_of(
    st.text(max_size=30),
    st.integers().map(str),
    st.sampled_from(["NO", "on", "1.10", "12:30", "~", "true"]),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@FAST
@given(
    st.dictionaries(
        st.sampled_from(["title", "order", "symbols", "body", "result", "size", "functions", "x"]),
        yaml_values,
    )
)
def test_loader_never_raises_on_random_structures(data: dict) -> None:
    import io

    from ruamel.yaml import YAML

    buffer = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, buffer)
    source, diagnostics = load_source(buffer.getvalue(), "content/fuzz.yaml")
    assert source is not None or diagnostics
