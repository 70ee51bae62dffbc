"""Displayed TeX → expression trees, so the build can prove a display denotes what was checked.

A strict recursive-descent parser over a small grammar, resolved against the
derivation's declared symbols and functions. It reads TeX the way a textbook is
written (``\\frac``, ``\\ln a``, ``e^{-z}``, implicit products such as ``ay`` and
``a(1-a)``, ``\\sigma(z)``, ∂-fractions, ``\\sum``, ``\\int … dx``, ``vmatrix``) and
refuses anything it would have to guess: an ambiguous reading is an error that says
how to write it unambiguously, never a silent choice.

SymPy's own TeX parsers are not used: they misread ordinary input (DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...core.errors import SourceError
from ...core.mathast import Node, num, sym
from ...core.scope import BUILTIN_FUNCTIONS, GREEK, Scope
from ..expr import MAX_EXPONENT, MAX_FACTORIAL, literal_value
from ..texlex import Token, lint, tokenize

# TeX function macros → built-in function names.
_FUNCTION_MACROS = {
    "\\ln": "log",
    "\\log": "log",
    "\\exp": "exp",
    "\\sin": "sin",
    "\\cos": "cos",
    "\\tan": "tan",
    "\\sinh": "sinh",
    "\\cosh": "cosh",
    "\\tanh": "tanh",
}
_MULTI_ARG_MACROS = {"\\max": "Max", "\\min": "Min"}
_OPERATOR_NAMES = {"sign": "sign", "sgn": "sign"}
_SPACING = frozenset({"\\,", "\\;", "\\:", "\\!", "\\ ", "\\quad", "\\qquad", "\\displaystyle"})
_FRACS = frozenset({"\\frac", "\\dfrac", "\\tfrac"})
_SIZERS = frozenset(
    {
        "\\big",
        "\\Big",
        "\\bigg",
        "\\Bigg",
        "\\bigl",
        "\\bigr",
        "\\Bigl",
        "\\Bigr",
        "\\biggl",
        "\\biggr",
    }
)
_OPEN_CLOSE = {"(": ")", "[": "]", "\\{": "\\}"}
_RELATIONS = {"<": "<", ">": ">", "\\leq": "<=", "\\le": "<=", "\\geq": ">=", "\\ge": ">="}


@dataclass(frozen=True, slots=True)
class Chain:
    """A parsed display: rows joined by ``=``, with where each row starts."""

    rows: tuple[Node, ...]
    offsets: tuple[int, ...]


def parse_chain(tex: str, scope: Scope) -> Chain:
    """Parse a display ``A = B = C`` into its rows."""
    parser = _Parser(lint(tex), scope)
    return _bounded(parser.chain)


def parse_definition(
    tex: str, scope: Scope, name: str, params: tuple[str, ...], indices: tuple[str, ...] = ()
) -> Chain:
    """Parse ``a(z) = \\sigma(z) = …``: a head naming the defined symbol, then rows."""
    parser = _Parser(lint(tex), scope)
    parser.definition_head(name, params, indices)
    return _bounded(parser.chain)


def _bounded(parse: Callable[[], Chain]) -> Chain:
    try:
        return parse()
    except RecursionError:  # lint bounds nesting; this is the second fence
        raise SourceError("the formula nests too deeply to read") from None


def parse_math(tex: str, scope: Scope) -> Node:
    """Parse one expression (no ``=``)."""
    chain = parse_chain(tex, scope)
    if len(chain.rows) != 1:
        raise SourceError("expected one expression, found an equation", chain.offsets[1])
    return chain.rows[0]


class _Parser:
    def __init__(self, tokens: list[Token], scope: Scope) -> None:
        self.tokens = [t for t in tokens if t.text not in _SPACING and t.text not in _SIZERS]
        self.i = 0
        self.scope = scope
        self.bound: list[str] = []
        self.differentials: list[str] = []  # integration variables awaiting their d<var>
        self.abs_depth = 0
        self.patterns = _symbol_patterns(scope)

    # --- token helpers -----------------------------------------------------------------
    def peek(self, k: int = 0) -> Token:
        j = min(self.i + k, len(self.tokens) - 1)
        return self.tokens[j]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "end":
            self.i += 1
        return tok

    def at(self, text: str) -> bool:
        return self.peek().text == text and self.peek().kind != "end"

    def expect(self, text: str, what: str = "") -> Token:
        tok = self.peek()
        if tok.text != text or tok.kind == "end":
            found = "the end of the formula" if tok.kind == "end" else repr(tok.text)
            raise SourceError(f"expected {what or repr(text)}, found {found}", tok.offset)
        return self.take()

    def fail(self, message: str, tok: Token | None = None, *notes: str) -> SourceError:
        return SourceError(message, (tok or self.peek()).offset, notes)

    # --- top level ---------------------------------------------------------------------
    def chain(self) -> Chain:
        offsets = [self.peek().offset]
        rows = [self.row()]
        while self.at("="):
            self.take()
            offsets.append(self.peek().offset)
            rows.append(self.row())
        if self.peek().text in (".", ",") and self.peek(1).kind == "end":
            self.take()  # closing punctuation of a sentence
        tok = self.peek()
        if tok.kind != "end":
            if tok.text in ("<", ">", "\\leq", "\\geq", "\\le", "\\ge", "\\neq", "\\approx"):
                raise self.fail(f"only '=' can join the rows of a checked display, not {tok.text}")
            raise self.fail(f"unexpected {tok.text!r}")
        return Chain(tuple(rows), tuple(offsets))

    def row(self) -> Node:
        if self.peek().kind == "end" or self.at("="):
            raise self.fail("expected an expression")
        return self.sum()

    def definition_head(
        self, name: str, params: tuple[str, ...], indices: tuple[str, ...] = ()
    ) -> None:
        start = self.peek()
        info = self.scope.symbols.get(name) or self.scope.functions.get(name)
        if info is None:
            raise self.fail(f"{name!r} is not declared", start)
        if not self.match_pattern(tokenize(info.tex)[:-1]):
            raise self.fail(f"a definition display starts with {info.tex}", start)
        if self.scope.is_indexed(name):
            if not self.at("_"):
                raise self.fail(f"{info.tex} is indexed; write its index, such as {info.tex}_i")
            self.take()
            written = [t.text for t in self.script_tokens() if t.text != ","]
            if indices and written != list(indices):
                raise self.fail(
                    f"the definition is for index {', '.join(indices)}, but the display writes "
                    f"{info.tex}_{''.join(written)}",
                    start,
                )
        if params and self.at("("):
            self.take()
            for k, param in enumerate(params):
                if k:
                    self.expect(",")
                pinfo = self.scope.symbols.get(param)
                if pinfo is None or not self.match_pattern(tokenize(pinfo.tex)[:-1]):
                    raise self.fail(f"expected parameter {param}")
            self.expect(")")
        self.expect("=", "'=' after the defined name")

    def match_pattern(self, pattern: list[Token]) -> bool:
        texts = [t.text for t in pattern]
        if [t.text for t in self.tokens[self.i : self.i + len(texts)]] == texts:
            self.i += len(texts)
            return True
        return False

    # --- sums and products ---------------------------------------------------------------
    def sum(self) -> Node:
        start = self.peek()
        terms: list[Node] = []
        sign = self.sign()
        term = self.term()
        terms.append(Node("neg", (term,), "", start.offset) if sign else term)
        while self.at("+") or self.at("-"):
            op = self.take()
            negative = (op.text == "-") != self.sign()  # a - -b is a + b
            term = self.term()
            terms.append(Node("neg", (term,), "", op.offset) if negative else term)
        return terms[0] if len(terms) == 1 else Node("add", tuple(terms), "", start.offset)

    def sign(self) -> bool:
        negative = False
        while self.at("+") or self.at("-"):
            if self.take().text == "-":
                negative = not negative
        return negative

    def term(self) -> Node:
        start = self.peek()
        plain_bars = int(start.text == "|")
        factors = [self.factor()]
        while True:
            if self.at("|") and plain_bars and self.starts_factor():
                raise self.fail(
                    "several |…| in one product are ambiguous; write \\left| … \\right|"
                )
            tok = self.peek()
            if tok.text in ("\\cdot", "\\times"):
                self.take()
                negative = self.sign()
                factor = self.factor()
                factors.append(Node("neg", (factor,), "", factor.offset) if negative else factor)
            elif tok.text == "/":
                self.take()
                denominator = self.factor()
                if self.starts_factor():
                    raise self.fail(
                        "ambiguous division: write \\frac{…}{…} or add parentheses", tok
                    )
                left = (
                    factors[0]
                    if len(factors) == 1
                    else Node("mul", tuple(factors), "", start.offset)
                )
                factors = [Node("div", (left, denominator), "", start.offset)]
            elif self.starts_factor():
                plain_bars += int(self.at("|"))
                factors.append(self.factor())
            else:
                break
        return factors[0] if len(factors) == 1 else Node("mul", tuple(factors), "", start.offset)

    def starts_factor(self) -> bool:
        tok = self.peek()
        if tok.kind == "end" or self.at_differential():
            return False
        if tok.kind in ("letter", "digit"):
            return True
        if tok.kind == "cmd":
            return tok.text not in (
                "\\right",
                "\\cdot",
                "\\times",
                "\\end",
                "\\\\",
                "\\}",
            ) and not (
                tok.text.startswith("\\")
                and tok.text[1:] in ("leq", "geq", "le", "ge", "neq", "approx")
            )
        if tok.text == "|":
            return self.abs_depth == 0
        return tok.text in ("(", "[")

    def at_differential(self) -> bool:
        """``d x`` (or ``\\mathrm{d} x``) closing the innermost open integral."""
        if not self.differentials:
            return False
        texts = [t.text for t in self.symbol_pattern(self.differentials[-1])]
        if self.peek().text == "d" and self.peek().kind == "letter":
            return [self.peek(1 + k).text for k in range(len(texts))] == texts
        if self.peek().text == "\\mathrm" and [self.peek(k).text for k in (1, 2, 3)] == [
            "{",
            "d",
            "}",
        ]:
            return [self.peek(4 + k).text for k in range(len(texts))] == texts
        return False

    # --- factors -------------------------------------------------------------------------
    def factor(self) -> Node:
        base = self.postfix(self.primary())
        if self.at("^"):
            caret = self.take()
            exponent = self.script()
            if (
                exponent.op == "num"
                and self.peek().kind == "digit"
                and self.adjacent(caret.offset + 2)
            ):
                raise self.fail("x^12 means x^1 times 2 in TeX: write x^{12}", caret)
            self.bound_power(exponent, caret)
            base = Node("pow", (base, exponent), "", base.offset)
            if self.at("^"):
                raise self.fail("double superscript: add braces, such as {x^a}^b", caret)
            if self.at("!"):
                raise self.fail("ambiguous factorial after a power: write (x^n)! or x^{n!}")
        return base

    def bound_power(self, exponent: Node, caret: Token) -> None:
        """Literal exponents are bounded as in expressions (no 10^{10^{10}})."""
        value = literal_value(exponent)
        if value is not None and not abs(value) <= MAX_EXPONENT:
            raise self.fail(
                f"exponent is too large (literal exponents are limited to ±{MAX_EXPONENT})", caret
            )

    def postfix(self, node: Node) -> Node:
        while self.at("!"):
            bang = self.take()
            if node.op == "num" and float(node.value) > MAX_FACTORIAL:
                raise self.fail(
                    f"factorial of a literal above {MAX_FACTORIAL} is not allowed", bang
                )
            node = Node("fact", (node,), "", node.offset)
        return node

    def script(self) -> Node:
        """The argument of ``^`` or ``_``: a braced group or one token."""
        if self.at("{"):
            self.take()
            node = self.sum()
            self.expect("}")
            return node
        tok = self.peek()
        if tok.kind == "digit":
            self.take()
            return num(tok.text, tok.offset)
        if tok.kind in ("letter", "cmd"):
            return self.single_token_script(tok)
        if tok.text == "-":
            raise self.fail("a negative exponent needs braces: e^{-z}", tok)
        raise self.fail("expected an exponent", tok)

    def single_token_script(self, tok: Token) -> Node:
        """TeX takes exactly one token as an unbraced script: ``e^z``, ``x^\\alpha``.

        Anything longer (a subscripted symbol, a function) must be braced, or the page
        would show a different formula from the one checked (``e^y_0`` is e₀^y in TeX).
        """
        name = next((n for p, n in self.patterns if [t.text for t in p] == [tok.text]), None)
        nxt = self.peek(1)
        if name is not None and name in self.scope.symbols and not self.scope.is_indexed(name):
            if nxt.text != "_" or nxt.kind == "end":
                self.take()
                return sym(name, tok.offset)
        elif tok.text in self.bound and nxt.text != "_":
            self.take()
            return sym(tok.text, tok.offset)
        elif tok.text == "e" and tok.kind == "letter" and nxt.text != "_":
            self.take()
            return Node("const", (), "E", tok.offset)
        elif tok.text in ("\\pi", "\\infty"):
            self.take()
            return Node("const", (), "pi" if tok.text == "\\pi" else "oo", tok.offset)
        elif tok.text in ("\\frac", "\\dfrac", "\\tfrac", "\\sqrt"):
            return self.primary()  # TeX takes the macro with its arguments: x^\\frac{1}{2}
        raise self.fail("put this exponent in braces, such as e^{y_0} or e^{\\sigma(z)}", tok)

    def script_tokens(self) -> list[Token]:
        """The raw tokens of a subscript (for indices): ``i``, ``{ij}`` or ``{i,j}``."""
        if self.at("{"):
            self.take()
            out = []
            depth = 0
            while not (self.at("}") and depth == 0):
                tok = self.take()
                if tok.kind == "end":
                    raise self.fail("unclosed subscript", tok)
                depth += {"{": 1, "}": -1}.get(tok.text, 0)
                out.append(tok)
            self.take()
            return out
        tok = self.take()
        if tok.kind == "end":
            raise self.fail("expected a subscript", tok)
        return [tok]

    def primary(self) -> Node:
        tok = self.peek()
        if tok.kind == "digit":
            return self.number()
        if tok.text in _OPEN_CLOSE:
            return self.group(_OPEN_CLOSE[tok.text])
        if tok.text == "\\left":
            return self.left_right()
        if tok.text == "|":
            return self.bars("|")
        if tok.text == "{":
            self.take()
            node = self.sum()
            self.expect("}")
            return node
        if tok.kind == "cmd":
            return self.command()
        if tok.kind == "letter":
            return self.name()
        if tok.kind == "end":
            raise self.fail("the formula ends where an expression was expected", tok)
        raise self.fail(f"unexpected {tok.text!r}", tok)

    def number(self) -> Node:
        start = self.peek()
        digits = [self.take().text]
        end = start.offset + 1
        while self.adjacent(end) and (
            self.peek().kind == "digit" or (self.decimal_point() and "." not in digits)
        ):
            digits.append(self.take().text)
            end += 1
        if len(digits) > 30:
            raise self.fail("number has more than 30 digits", start)
        if self.peek().kind == "digit":
            raise self.fail("two numbers side by side: write \\cdot between them")
        return num("".join(digits), start.offset)

    def adjacent(self, offset: int) -> bool:
        """The next token starts right at ``offset`` (no space in between)."""
        return self.peek().offset == offset and self.peek().kind != "end"

    def decimal_point(self) -> bool:
        return (
            self.at(".")
            and self.peek(1).kind == "digit"
            and self.peek(1).offset == self.peek().offset + 1
        )

    def group(self, close: str) -> Node:
        opener = self.take()
        node = self.sum()
        if not self.at(close):
            raise self.fail(
                f"expected {close!r} to close {opener.text!r} at offset {opener.offset}"
            )
        self.take()
        return node

    def left_right(self) -> Node:
        left = self.take()
        delim = self.take()
        if delim.text == "|":
            return self.bars("\\right", left)
        close = _OPEN_CLOSE.get(delim.text)
        if close is None:
            raise self.fail(f"\\left{delim.text} is not supported in a checked formula", delim)
        node = self.sum()
        self.expect("\\right", "\\right" + close)
        self.expect(close)
        return node

    def bars(self, closer: str, start: Token | None = None) -> Node:
        opener = start or self.take()
        plain = closer == "|"
        if plain and self.abs_depth:
            raise self.fail("nested |…| is ambiguous; use \\left| … \\right|", opener)
        saved = self.abs_depth
        self.abs_depth = 1 if plain else 0  # inside \left| … \right| a plain |…| may open
        node = self.sum()
        self.abs_depth = saved
        if closer == "\\right":
            self.expect("\\right")
        self.expect("|", "'|' closing the absolute value")
        return Node("call", (node,), "Abs", opener.offset)

    # --- commands ------------------------------------------------------------------------
    def command(self) -> Node:
        tok = self.peek()
        name = tok.text
        handlers: dict[str, Callable[[], Node]] = {
            "\\frac": self.fraction,
            "\\dfrac": self.fraction,
            "\\tfrac": self.fraction,
            "\\sqrt": self.root,
            "\\sum": self.summation,
            "\\int": self.integral,
            "\\iint": self.integral,
            "\\iiint": self.integral,
            "\\begin": self.environment,
            "\\infty": lambda: Node("const", (), "oo", self.take().offset),
        }
        pattern_match = self.declared_at_cursor()
        if pattern_match is not None:
            return pattern_match
        if name in handlers:
            return handlers[name]()
        if name in _FUNCTION_MACROS:
            return self.function_macro(_FUNCTION_MACROS[name])
        if name == "\\operatorname":
            return self.operator_name()
        if name in _MULTI_ARG_MACROS:
            self.take()
            return self.call_args(_MULTI_ARG_MACROS[name], tok)
        if name == "\\delta" and self.peek(1).text == "_":
            return self.kronecker()
        if name == "\\pi":
            return Node("const", (), "pi", self.take().offset)
        if name[1:] in GREEK:
            raise self.fail(
                f"undeclared symbol {name}",
                tok,
                f"declare it under 'symbols:', for example:  {name[1:]}: {{domain: real}}",
            )
        if name == "\\partial":
            raise self.fail("a lone \\partial: write \\frac{\\partial L}{\\partial a}", tok)
        raise self.fail(
            f"{name} cannot appear in a checked formula; mark the display as notation", tok
        )

    def declared_at_cursor(self) -> Node | None:
        """A declared symbol or function whose TeX spelling starts here (longest first)."""
        for pattern, name in self.patterns:
            start = self.peek()
            if self.match_pattern(pattern):
                return self.resolve_name(name, start)
        return None

    def name(self) -> Node:
        tok = self.peek()
        declared = self.declared_at_cursor()
        if declared is not None:
            return declared
        if tok.text in self.bound:
            self.take()
            return sym(tok.text, tok.offset)
        if tok.text == "e":
            self.take()
            return Node("const", (), "E", tok.offset)
        if tok.text == "d" and self.at_differential():
            raise self.fail("a differential outside an integral", tok)
        raise self.fail(
            f"undeclared symbol {tok.text!r}",
            tok,
            f"declare it under 'symbols:', for example:  {tok.text}: {{domain: real}}",
        )

    def resolve_name(self, name: str, start: Token) -> Node:
        if name in self.scope.functions:
            if not (self.at("(") or (self.at("\\left") and self.peek(1).text == "(")):
                raise self.fail(f"function {name} needs its arguments in parentheses", start)
            return self.call_args(name, start)
        if self.scope.is_indexed(name):
            if not self.at("_"):
                raise self.fail(
                    f"{name} is indexed: write it with a subscript, such as {name}_i", start
                )
            self.take()
            indices = self.indices(self.script_tokens())
            return Node("index", indices, name, start.offset)
        if self.at("_"):
            raise self.fail(
                f"{name} is not indexed; declare it with 'indexed: true' to write {name}_i"
            )
        self.reject_dependent_call(name, start)
        return sym(name, start.offset)

    def reject_dependent_call(self, name: str, start: Token) -> None:
        """``a(z)`` where ``a`` is defined from ``z`` reads as a·z: refuse to guess."""
        params = self.scope.dependents.get(name)
        if not params or not self.at("("):
            return
        texts = []
        for k, param in enumerate(params):
            if k:
                texts.append(",")
            info = self.scope.symbols.get(param)
            texts.extend(t.text for t in tokenize(info.tex if info else param)[:-1])
        inside = [t.text for t in self.tokens[self.i + 1 : self.i + 1 + len(texts)]]
        closing = self.peek(1 + len(texts)).text
        single = self.peek(2).text == ")" and self.peek(1).kind in ("letter", "digit", "cmd")
        if (inside == texts and closing == ")") or single:
            raise self.fail(
                f"{name}(…) is ambiguous: {name} is a symbol standing for {name}({', '.join(params)}), "
                f"so this would read as the product {name}·(…); write {name} on its own, "
                f"or {name} \\cdot (…) for a product",
                start,
            )

    def indices(self, toks: list[Token]) -> tuple[Node, ...]:
        texts = [t for t in toks if t.text != ","]
        if all(t.kind in ("letter", "digit") for t in texts) and texts:
            out = []
            for t in texts:
                if t.kind == "digit":
                    out.append(num(t.text, t.offset))
                elif t.text in self.bound or self.scope.is_symbol(t.text):
                    out.append(sym(t.text, t.offset))
                else:
                    raise self.fail(f"undeclared index {t.text!r}", t)
            return tuple(out)
        raise self.fail(
            "an index must be letters or digits, such as i, j or ij", toks[0] if toks else None
        )

    def call_args(self, name: str, start: Token) -> Node:
        sized = self.at("\\left")
        if sized:
            self.take()
        self.expect("(")
        args = [self.sum()]
        while self.at(","):
            self.take()
            args.append(self.sum())
        if sized:
            self.expect("\\right")
        self.expect(")")
        if name in self.scope.functions:
            params = self.scope.functions[name].params
            if len(args) != len(params):
                raise self.fail(f"{name} takes {len(params)} argument(s), got {len(args)}", start)
        elif name in BUILTIN_FUNCTIONS:
            low, high = BUILTIN_FUNCTIONS[name]
            if not low <= len(args) <= high:
                raise self.fail(
                    f"{start.text} takes {low} to {high} arguments, got {len(args)}", start
                )
        return Node("call", tuple(args), name, start.offset)

    def function_macro(self, name: str) -> Node:
        macro = self.take()
        if self.at("_"):
            raise self.fail(f"{macro.text} with a base is not supported: write \\ln(x) / \\ln(2)")
        if self.at("^"):
            raise self.fail(
                f"{macro.text} with a power is ambiguous: write ({macro.text} x)^2 or {macro.text}(x^2)"
            )
        if self.at("(") or (self.at("\\left") and self.peek(1).text == "("):
            return self.call_args(name, macro)
        if not self.starts_factor():
            raise self.fail(f"{macro.text} needs an argument", macro)
        argument = self.factor()
        if self.starts_factor():
            raise self.fail(
                f"ambiguous argument of {macro.text}: write {macro.text}(…) around the whole argument, "
                f"or ({macro.text} …) for a product",
                macro,
            )
        return Node("call", (argument,), name, macro.offset)

    def operator_name(self) -> Node:
        """``\\operatorname{sign}(x)``: a built-in function without a macro of its own."""
        macro = self.take()
        self.expect("{")
        word = ""
        while self.peek().kind == "letter":
            word += self.take().text
        self.expect("}")
        builtin = _OPERATOR_NAMES.get(word)
        if builtin is None:
            raise self.fail(
                f"\\operatorname{{{word}}} is not a known function; declare it under 'functions:' with its tex",
                macro,
            )
        return self.call_args(builtin, macro)

    def kronecker(self) -> Node:
        macro = self.take()
        self.expect("_")
        idx = self.indices(self.script_tokens())
        if len(idx) != 2:
            raise self.fail("\\delta_{ij} needs exactly two indices", macro)
        return Node("call", idx, "KroneckerDelta", macro.offset)

    def root(self) -> Node:
        macro = self.take()
        if self.at("["):
            raise self.fail("only square roots \\sqrt{…} are supported in checked formulas", macro)
        self.expect("{")
        inner = self.sum()
        self.expect("}")
        return Node("call", (inner,), "sqrt", macro.offset)

    def braced_span(self) -> tuple[int, int]:
        """Token index range of the braced group starting at the cursor (braces excluded)."""
        if not self.at("{"):
            raise self.fail("expected '{'")
        depth, j = 0, self.i
        while True:
            text = self.tokens[j].text
            if self.tokens[j].kind == "end":
                raise self.fail("unclosed '{'")
            depth += {"{": 1, "}": -1}.get(text, 0)
            if depth == 0:
                return self.i + 1, j
            j += 1

    def fraction(self) -> Node:
        macro = self.take()
        n_start, n_end = self.braced_span()
        numerator = self.tokens[n_start:n_end]
        after_num = n_end + 1
        saved = self.i
        self.i = after_num
        d_start, d_end = self.braced_span()
        denominator = self.tokens[d_start:d_end]
        self.i = saved
        operator = _derivative_operator(numerator)
        if operator and denominator and denominator[0].text == operator:
            if operator == "d" and self.scope.is_symbol("d"):
                raise self.fail(
                    "\\frac{d…}{d…} is ambiguous when d is a declared symbol; use \\partial", macro
                )
            return self.derivative(macro, operator, n_start, n_end, d_start, d_end)
        self.expect("{")
        top = self.sum()
        self.expect("}")
        self.expect("{")
        bottom = self.sum()
        self.expect("}")
        return Node("div", (top, bottom), "", macro.offset)

    def derivative(self, macro: Token, op: str, n0: int, n1: int, d0: int, d1: int) -> Node:
        # numerator: op [^order] [F]
        self.i = n0 + 1
        order = 1
        if self.at("^"):
            self.take()
            order = self.small_int()
        body: Node | None = None
        if self.i < n1:
            body = self.sum()
            if self.i != n1:
                raise self.fail("unexpected token in the derivative's numerator")
        # denominator: op var [^order]
        self.i = d0
        if self.peek().text != op:
            raise self.fail(f"expected {op} in the denominator")
        self.take()
        var_tok = self.peek()
        variable = self.primary()
        if variable.op not in ("sym", "index"):
            raise self.fail("differentiate with respect to a declared symbol", var_tok)
        denom_order = 1
        if self.at("^"):
            self.take()
            denom_order = self.small_int()
        if self.i != d1:
            raise self.fail("only one variable per derivative: \\frac{\\partial L}{\\partial a}")
        if denom_order != order:
            raise self.fail(f"derivative orders differ: {order} above, {denom_order} below", macro)
        self.i = d1 + 1
        if body is None:
            if not self.starts_factor():
                raise self.fail("the derivative operator needs something to act on", macro)
            body = self.factor()
            if self.starts_factor():
                raise self.fail(
                    "ambiguous operand: put the differentiated expression in parentheses", macro
                )
        return Node("deriv", (body, variable, num(str(order))), "", macro.offset)

    def small_int(self) -> int:
        tok = self.take()
        if tok.text == "{":
            tok = self.take()
            self.expect("}")
        if tok.kind != "digit" or tok.text == "0":
            raise self.fail("the order must be a digit from 1 to 9", tok)
        return int(tok.text)

    def summation(self) -> Node:
        macro = self.take()
        var: str | None = None
        lower: Node | None = None
        upper: Node | None = None
        for _ in range(2):
            if self.at("_") and var is None:
                self.take()
                var, lower = self.sum_lower()
            elif self.at("^") and upper is None:
                self.take()
                upper = self.script()
        if var is None or lower is None or upper is None:
            raise self.fail("a checked sum needs limits: \\sum_{k=1}^{n}", macro)
        self.bound.append(var)
        try:
            body = self.term()
        finally:
            self.bound.pop()
        return Node("sum", (body, sym(var), lower, upper), "", macro.offset)

    def sum_lower(self) -> tuple[str, Node]:
        self.expect("{", "{k=1} after \\sum_")
        var_tok = self.take()
        if var_tok.kind != "letter":
            raise self.fail("expected the summation index, such as k", var_tok)
        self.expect("=", "'=' in the lower limit, such as k=1")
        self.bound.append(var_tok.text)
        try:
            lower = self.sum()
        finally:
            self.bound.pop()
        self.expect("}")
        return var_tok.text, lower

    def integral(self) -> Node:
        signs: list[tuple[Token, str | None, Node | None, Node | None]] = []
        while self.peek().text in ("\\int", "\\iint", "\\iiint"):
            macro = self.take()
            if macro.text != "\\int":
                raise self.fail(f"{macro.text} cannot be checked; write nested \\int", macro)
            named: str | None = None
            lower = upper = None
            for _ in range(2):
                if self.at("_") and lower is None:
                    self.take()
                    named, lower = self.integral_lower()
                elif self.at("^") and upper is None:
                    self.take()
                    upper = self.script()
            if (lower is None) != (upper is None):
                raise self.fail("a definite integral needs both limits", macro)
            signs.append((macro, named, lower, upper))
        # The differentials follow the body, innermost integral's first.
        variables = self.lookahead_differentials(len(signs))
        for (macro, named, _, _), var in zip(reversed(signs), variables, strict=True):
            if named is not None and named != var:
                raise self.fail(f"the limits name {named} but the differential is d{var}", macro)
        self.differentials.extend(reversed(variables))
        try:
            body = num("1", self.peek().offset) if self.at_differential() else self.term()
        finally:
            del self.differentials[-len(variables) :]
        for var in variables:
            self.take_differential(var)
        node = body
        for (macro, _, lower, upper), var in zip(reversed(signs), variables, strict=True):
            limits = (lower, upper) if lower is not None and upper is not None else ()
            node = Node("integral", (node, sym(var), *limits), "", macro.offset)
        return node

    def integral_lower(self) -> tuple[str | None, Node]:
        """``_0``, ``_{a}`` or ``_{\\theta=0}`` (naming the variable)."""
        if self.at("{"):
            start, end = self.braced_span()
            texts = [t.text for t in self.tokens[start:end]]
            if "=" in texts:
                self.take()
                var_tok = self.peek()
                name = self.declared_name_at_cursor()
                if name is None:
                    raise self.fail("expected the integration variable before '='", var_tok)
                self.expect("=")
                lower = self.sum()
                self.expect("}")
                return name, lower
        return None, self.script()

    def declared_name_at_cursor(self) -> str | None:
        for pattern, name in self.patterns:
            if name in self.scope.symbols and self.match_pattern(pattern):
                return name
        return None

    def symbol_pattern(self, name: str) -> list[Token]:
        info = self.scope.symbols.get(name)
        return tokenize(info.tex if info else name)[:-1]

    def lookahead_differentials(self, count: int) -> list[str]:
        """Find the ``d x`` markers after the integrand, scanning without consuming."""
        found: list[str] = []
        depth = 0
        j = self.i
        names = [n for _, n in self.patterns if n in self.scope.symbols]
        while self.tokens[j].kind != "end" and len(found) < count:
            tok = self.tokens[j]
            if tok.text in ("{", "(", "\\left"):
                depth += 1
            elif tok.text in ("}", ")", "\\right"):
                depth -= 1
            elif depth == 0 and tok.text in ("+", "-", "=") and not found:
                break
            after = j + 1
            if (
                depth == 0
                and tok.text == "\\mathrm"
                and [t.text for t in self.tokens[j + 1 : j + 4]] == ["{", "d", "}"]
            ):
                after = j + 4
            if depth == 0 and (after > j + 1 or (tok.text == "d" and tok.kind == "letter")):
                for name in names:
                    pattern = [t.text for t in self.symbol_pattern(name)]
                    if [t.text for t in self.tokens[after : after + len(pattern)]] == pattern:
                        found.append(name)
                        j = after + len(pattern) - 1
                        break
            j += 1
        if len(found) != count:
            raise self.fail(f"expected {count} differential(s) such as dx after the integrand")
        return found

    def take_differential(self, var: str) -> None:
        if self.at("\\mathrm"):
            for _ in range(4):
                self.take()
        else:
            self.expect("d", f"the differential d{var}")
        if not self.match_pattern(self.symbol_pattern(var)):
            raise self.fail(f"expected d{var}")

    def environment(self) -> Node:
        begin = self.take()
        self.expect("{")
        name = ""
        while not self.at("}"):
            name += self.take().text
        self.take()
        if name == "cases":
            node = self.cases(begin)
        elif name == "vmatrix":
            node = self.determinant(begin)
        else:
            raise self.fail(
                f"the {name} environment cannot be checked; only vmatrix (a determinant) and cases",
                begin,
            )
        end = self.expect("\\end")
        self.expect("{")
        closing = ""
        while not self.at("}") and self.peek().kind != "end":
            closing += self.take().text
        self.expect("}")
        if closing != name:
            raise self.fail(f"\\begin{{{name}}} is closed by \\end{{{closing}}}", end)
        return node

    def determinant(self, begin: Token) -> Node:
        rows: list[Node] = []
        entries: list[Node] = []
        while True:
            entries.append(self.sum())
            if self.at("&"):
                self.take()
                continue
            rows.append(Node("row", tuple(entries)))
            entries = []
            if not self.another_row():
                break
        width = len(rows[0].args)
        if any(len(r.args) != width for r in rows) or width != len(rows):
            raise self.fail("a determinant needs a square matrix", begin)
        return Node("det", tuple(rows), "", begin.offset)

    def cases(self, begin: Token) -> Node:
        """``\\begin{cases} v_1 & c_1 \\\\ v_2 & \\text{otherwise} \\end{cases}``: a piecewise value."""
        pairs: list[Node] = []
        while True:
            value = self.sum()
            self.expect("&", "'&' between a value and its condition")
            pairs.append(Node("row", (value, self.condition())))
            if not self.another_row():
                break
        return Node("piecewise", tuple(pairs), "", begin.offset)

    def another_row(self) -> bool:
        """After a row of an environment: take its ``\\\\`` and say whether a row follows."""
        if not self.at("\\\\"):
            return False
        self.take()
        return not self.at("\\end")

    def condition(self) -> Node:
        """``z > 0``, ``|r| \\leq \\delta`` or ``\\text{otherwise}``."""
        start = self.peek()
        if start.text == "\\text":
            self.take()
            self.expect("{")
            words = ""
            while not self.at("}") and self.peek().kind != "end":
                words += self.take().text
            self.expect("}")
            if words not in ("otherwise", "else"):
                raise self.fail(
                    "a condition is a comparison such as z > 0, or \\text{otherwise}", start
                )
            return Node("true", (), "", start.offset)
        left = self.sum()
        relation = _RELATIONS.get(self.peek().text)
        if relation is None:
            raise self.fail("expected a comparison such as z > 0 in the condition")
        self.take()
        right = self.sum()
        if self.peek().text in _RELATIONS:
            raise self.fail(
                "one comparison per condition: write a < z as two cases or use \\text{otherwise}"
            )
        return Node("rel", (left, right), relation, start.offset)


def _derivative_operator(numerator: list[Token]) -> str | None:
    if not numerator:
        return None
    first = numerator[0]
    if first.text == "\\partial":
        return "\\partial"
    if first.text == "d" and first.kind == "letter":
        return "d"
    return None


def _symbol_patterns(scope: Scope) -> list[tuple[list[Token], str]]:
    """Declared TeX spellings, longest first, so ``x_0`` wins over ``x``."""
    patterns: list[tuple[list[Token], str]] = []
    for name, info in scope.symbols.items():
        patterns.append((tokenize(info.tex)[:-1], name))
    for name, finfo in scope.functions.items():
        patterns.append((tokenize(finfo.tex)[:-1], name))
    patterns.sort(key=lambda p: -len(p[0]))
    return patterns
