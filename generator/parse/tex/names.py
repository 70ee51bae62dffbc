"""Names: declared symbols and functions by their TeX spelling, bound indices, ``e``, and
indices (``a_i``, ``\\delta_{ij}``)."""

from __future__ import annotations

from ...core.errors import Reason
from ...core.mathast import Node, num, sym
from ..texlex import Token
from . import functions, scripts, vectors
from .lookahead import at_arguments, at_differential
from .state import TexState


def parse_declared(state: TexState) -> Node | None:
    """A declared symbol or function whose TeX spelling starts here (longest first)."""
    for pattern, name in state.patterns_here():
        start = state.peek()
        if state.match(pattern):
            return _resolve(state, name, start)
    return None


def match_declared_symbol(state: TexState) -> str | None:
    """Consume a declared symbol's spelling (not a function's) and return its name."""
    for pattern, name in state.patterns_here():
        if name in state.scope.symbols and state.match(pattern):
            return name
    return None


def parse_letter(state: TexState) -> Node:
    """A letter: a declared spelling, a summation index in scope, or Euler's ``e``."""
    tok = state.peek()
    spelled = _run_spelling_a_name(state)
    if spelled is not None:
        return _resolve(state, spelled, tok)
    declared = parse_declared(state)
    if declared is not None:
        return declared
    if tok.text in state.bound:
        state.take()
        return sym(tok.text, tok.offset)
    if tok.text == "e":
        state.take()
        return Node("const", (), "E", tok.offset)
    if tok.text == "d" and at_differential(state):
        raise state.fail("a differential outside an integral", tok)
    if tok.text == "O" and state.peek(1).text in ("(", "\\left"):
        raise state.fail(
            "O(…) is an order term: a series cut off there is an approximation, not an "
            "equation the checker can prove",
            tok,
            "mark the display as notation, or write the closed form",
        ).because(Reason.UNDECLARED, "O")
    raise state.fail(
        f"undeclared symbol {tok.text!r}",
        tok,
        f"declare it under 'symbols:', for example:  {tok.text}: {{domain: real}}",
    ).because(Reason.UNDECLARED, tok.text)


def _run_spelling_a_name(state: TexState) -> str | None:
    """``ab`` (letters with no space between) that spell a declared name: read as that name,
    unless every letter is declared too (then the product a·b is as likely, and guessing would
    check a claim nobody wrote: refused). None when no declared name is spelled here."""
    scope = state.scope
    if scope.longest < 2:
        return None
    run = ""
    offset = state.peek().offset
    k = 0
    # digits continue a run (w1 for a declared w1), but never start one; no further than the
    # longest declared name reaches (from every letter of a long run, the rest is read again)
    while (
        len(run) < scope.longest
        and state.peek(k).kind in ("letter", "digit")
        and state.peek(k).offset == offset + len(run)
    ):
        run += state.peek(k).text
        k += 1
    if len(run) < 2 or state.peek().kind != "letter":
        return None
    for length in range(len(run), 1, -1):  # the longest declared name the run starts with
        name = run[:length]
        if name not in scope.spelled:
            continue
        # Ambiguous only when every letter is a declared name too: with F and L declared,
        # FL could be F·L; with only FL declared it can only be FL.
        letters_declared = all(letter in scope.symbols for letter in name)
        if not letters_declared:
            state.take_run(name)
            return name
        info = scope.symbols.get(name) or scope.functions[name]
        product, dotted = " ".join(name), " \\cdot ".join(name)
        raise state.fail(
            f"{name!r} is ambiguous: the declared {name!r} or the product {product}",
            None,
            f"write {info.tex} for the declared name, or {product} (with spaces) or "
            f"{dotted} for the product",
        )
    return None


def _resolve(state: TexState, name: str, start: Token) -> Node:
    """What a declared spelling means here: a call, an indexed symbol or a symbol."""
    if name in state.scope.functions:
        leading = _subscript_argument(state, name)
        order = _primes(state)
        power = functions.whole_power(state) if not order else None
        if not at_arguments(state):
            raise state.fail(_no_arguments_message(state, name), start)
        call = functions.parse_call_args(state, name, start, leading)
        if power is not None:  # f^2(x) is (f(x))^2
            return Node("pow", (call, power), "", start.offset)
        return _derivative_of_call(state, call, order, start) if order else call
    if state.scope.shape_of(name) and not state.at("_") and not state.vector_indices:
        return Node("array", (), name, start.offset)  # lowered to elements by .arrays
    if state.scope.is_indexed(name):
        sample = _sample_index(state)
        if sample is not None:
            return Node("index", (sample,), name, start.offset)
        if not state.at("_"):
            return _bare_vector(state, name, start)
        state.take()
        indices = parse_indices(state, scripts.script_tokens(state))
        shape = state.scope.shape_of(name)
        if shape and len(indices) != len(shape):
            spelled = state.scope.symbols[name].tex
            kind = "a vector" if len(shape) == 1 else "a matrix"
            raise state.fail(
                f"{spelled} is {kind} ({' × '.join(shape)}): write its elements with "
                f"{len(shape)} index{'es' if len(shape) > 1 else ''}",
                start,
                *(
                    (f"{spelled}_{{ij}} here is an element of {spelled}, not a Kronecker delta",)
                    if len(indices) == 2
                    else ()
                ),
            )
        return Node("index", indices, name, start.offset)
    if state.at("_"):
        raise state.fail(
            f"{name} is not indexed; declare it with 'indexed: true' to write {name}_i"
        )
    if state.at("'"):
        return _primed_symbol(state, name, start)
    _reject_dependent_call(state, name, start)
    return sym(name, start.offset)


def _primed_symbol(state: TexState, name: str, start: Token) -> Node:
    """``u'`` for a symbol defined from one variable, ``u(x) = e^x``: du/dx. With no definition,
    or one of several variables, the prime does not say what it differentiates by."""
    params = state.scope.dependents.get(name, ())
    if len(params) != 1:
        depends = f"depends on {', '.join(params)}" if params else "has no definition"
        raise state.fail(
            f"a prime on {name}, which {depends}, does not say what it differentiates by",
            start,
            f"write \\frac{{d{name}}}{{dx}}, or define {name} from one variable ({name}(x) = …)",
        )
    order = _primes(state)
    (param,) = params
    return Node("deriv", (sym(name, start.offset), sym(param), num(str(order))), "", start.offset)


def _subscript_argument(state: TexState, name: str) -> tuple[Node, ...]:
    """``\\operatorname{swish}_1(x)`` for a declared swish(beta, x): a subscript on a function of
    several parameters is its first argument, as in f_\\theta(x)."""
    if not state.at("_"):
        return ()
    if len(state.scope.functions[name].params) < 2:
        raise state.fail(
            f"a subscript on the function {name}, which takes one argument, is not read",
            None,
            f"declare {name} with the subscript as its first parameter, such as "
            f"params: [beta, x] for {name}_\\beta(x)",
        )
    state.take()
    return (scripts.parse_script(state),)


def _sample_index(state: TexState) -> Node | None:
    """``x^{(i)}``: the i-th sample, as machine-learning texts write an index (consumed);
    None when no such superscript follows."""
    texts = state.texts(state.pos, state.pos + 6)
    if texts[:3] != ["^", "{", "("] or texts[4:6] != [")", "}"]:
        return None
    index = state.peek(3)
    for _ in range(6):
        state.take()
    (node,) = parse_indices(state, [index])
    return node


def _bare_vector(state: TexState, name: str, start: Token) -> Node:
    """A vector without a subscript: a transpose, or a vector inside one or inside a norm."""
    if vectors.at_transpose(state):
        return vectors.dot_product(state, name, start)
    index = vectors.implicit_index(state)
    if index is None:
        raise state.fail(
            f"{name} is indexed: write it with a subscript, such as {name}_i",
            start,
            f"as a whole vector it is read only in {name}^T x (a dot product) and \\|{name}\\| "
            "(a norm)",
        )
    return Node("index", (sym(index, start.offset),), name, start.offset)


def _primes(state: TexState) -> int:
    """``f'``, ``f''`` or ``f^{\\prime}``: how many primes follow a function's name."""
    count = 0
    while state.at("'"):
        state.take()
        count += 1
    if not count and state.at("^") and state.peek(1).text == "\\prime":
        state.take()
        state.take()
        count = 1
    elif (
        not count
        and state.at("^")
        and state.texts(state.pos + 1, state.pos + 4)
        == [
            "{",
            "\\prime",
            "}",
        ]
    ):
        for _ in range(4):
            state.take()
        count = 1
    return count


def _derivative_of_call(state: TexState, call: Node, order: int, start: Token) -> Node:
    """``f'(x)`` is d f(x)/dx for a declared variable x; with an expression inside, the reading
    (the derivative taken at that expression) would need a new variable, so it is refused."""
    (argument, *rest) = call.args
    if rest:
        raise state.fail(
            f"a prime on {call.value}, which takes {len(call.args)} arguments, does not say "
            "which one it differentiates by",
            start,
            f"write \\frac{{\\partial}}{{\\partial x}} {call.value}(…)",
        )
    if argument.op == "sym" and argument.value in state.scope.symbols:
        return Node("deriv", (call, argument, num(str(order))), "", start.offset)
    return _derivative_at(state, call, order, start)


def _derivative_at(state: TexState, call: Node, order: int, start: Token) -> Node:
    """``\\phi'(0.5)``: the derivative of a declared function of one variable, taken at its
    own parameter and then evaluated at the argument."""
    name = str(call.value)
    (param,) = state.scope.functions[name].params
    (argument,) = call.args
    at_param = Node("call", (sym(param, start.offset),), name, start.offset)
    derivative = Node("deriv", (at_param, sym(param), num(str(order))), "", start.offset)
    return Node("at", (derivative, sym(param), argument), "", start.offset)


def _reject_dependent_call(state: TexState, name: str, start: Token) -> None:
    """``a(z)`` where ``a`` is defined from ``z`` reads as a·z: refuse to guess."""
    params = state.scope.dependents.get(name)
    if not params or not state.at("("):
        return
    texts = []
    for k, param in enumerate(params):
        if k:
            texts.append(",")
        texts.extend(t.text for t in state.symbol_pattern(param))
    inside = state.texts(state.pos + 1, state.pos + 1 + len(texts))
    closing = state.peek(1 + len(texts)).text
    single = state.peek(2).text == ")" and state.peek(1).kind in ("letter", "digit", "cmd")
    written_free = not any(p in state.bound or p in state.differentials for p in params)
    if inside == texts and closing == ")" and len(params) > 1 and written_free:
        # J(\theta_0, \theta_1) with J defined from exactly these: the name with its variables
        for _ in range(len(texts) + 2):
            state.take()
        return
    if inside == texts and closing == ")" and len(params) > 1:
        raise state.fail(
            f"{name}({', '.join(params)}) with a variable bound here (by a sum or an "
            f"integral): {name} stands for its definition at the declared variables",
            start,
            f"write {name}'s formula in the bound variable instead",
        )
    if single:
        raise state.fail(
            f"{name}(…) is ambiguous: {name} is a symbol standing for {name}({', '.join(params)}), "
            f"so this would read as the product {name}·(…); write {name} on its own, "
            f"or {name} \\cdot (…) for a product",
            start,
        )


def parse_indices(state: TexState, toks: list[Token]) -> tuple[Node, ...]:
    """The indices of a subscript: digits, declared symbols or summation indices."""
    texts = [t for t in toks if t.text != ","]
    if not (all(t.kind in ("letter", "digit") for t in texts) and texts):
        raise state.fail(
            "an index must be letters or digits, such as i, j or ij", toks[0] if toks else None
        )
    out = []
    for t in texts:
        if t.kind == "digit":
            out.append(num(t.text, t.offset))
        elif t.text in state.bound or state.scope.is_symbol(t.text):
            out.append(sym(t.text, t.offset))
        else:
            raise state.fail(f"undeclared index {t.text!r}", t).because(Reason.UNDECLARED, t.text)
    return tuple(out)


def parse_kronecker(state: TexState) -> Node:
    """``\\delta_{ij}``: two indices."""
    macro = state.take()
    state.expect("_")
    idx = parse_indices(state, scripts.script_tokens(state))
    if len(idx) != 2:
        raise state.fail("\\delta_{ij} needs exactly two indices", macro)
    return Node("call", idx, "KroneckerDelta", macro.offset)


def _no_arguments_message(state: TexState, name: str) -> str:
    """Say exactly what follows the name: a prime or a power is not an argument list."""
    following = state.peek().text
    if following == "'":
        return (
            f"a prime on the function {name} is not read: write the derivative as "
            f"\\frac{{d}}{{dx}} {name}(x), or define it as a function of its own"
        )
    if following == "^":
        return (
            f"a power written on the function name {name} is not read: write ({name}(x))^2 "
            f"rather than {name}^2(x)"
        )
    return f"function {name} needs its arguments in parentheses, as {name}(x)"
