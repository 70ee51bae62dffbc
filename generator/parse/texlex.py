"""TeX tokens and the macro allow-list every displayed formula must pass.

Two jobs, both SymPy-free and both needed before anything reaches a page:

* :func:`tokenize` splits TeX into tokens with their offsets, for the parser.
* :func:`lint` rejects what MathJax must never see: macros that link, load or define
  (``\\href``, ``\\require``, ``\\def`` …), macros MathJax does not know (it would draw
  them as red text instead of failing), unbalanced braces or ``\\left``/``\\right``,
  and characters that would break out of a ``$$`` block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..core.errors import Reason, SourceError
from ..core.texvocab import GREEK, GREEK_DRAWN_NOT_NAMED

# Macros that could make a formula link, load code, restyle the page or define new macros.
FORBIDDEN_MACROS = {
    "\\href": "it would turn the formula into a link",
    "\\class": "it would set an HTML class",
    "\\cssId": "it would set an HTML id",
    "\\style": "it would inject CSS",
    "\\unicode": "it can load fonts",
    "\\require": "it loads MathJax extensions",
    "\\def": "it defines a macro",
    "\\gdef": "it defines a macro",
    "\\edef": "it defines a macro",
    "\\let": "it defines a macro",
    "\\newcommand": "it defines a macro",
    "\\renewcommand": "it defines a macro",
    "\\providecommand": "it defines a macro",
    "\\newenvironment": "it defines an environment",
    "\\renewenvironment": "it defines an environment",
    "\\DeclareMathOperator": "it defines a macro",
    "\\input": "it reads files",
    "\\include": "it reads files",
    "\\url": "it would create a link",
    "\\html": "it emits raw HTML",
    "\\data": "it sets HTML attributes",
    "\\csname": "it builds macro names",
    "\\mmlToken": "it emits raw MathML",
}

_OPERATORS = (
    "frac dfrac tfrac cfrac sqrt partial nabla left right big Big bigg Bigg bigl bigr Bigl Bigr "
    "biggl biggr middle cdot times div pm mp ast star circ bullet oplus otimes cdots ldots dots "
    "vdots ddots sum prod int iint iiint oint lim limsup liminf inf sup max min arg det exp ln log "
    "lg sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh coth infty hbar ell Re Im "
    "forall exists in notin subset subseteq supset supseteq cup cap setminus emptyset mathbb "
    "mathbf mathrm mathit mathcal mathsf mathtt mathfrak text textbf textit operatorname "
    "hat bar vec tilde dot ddot overline underline widehat widetilde overbrace underbrace "
    "leq geq le ge neq ne lt gt approx equiv sim simeq propto to rightarrow leftarrow "
    "Rightarrow Leftarrow leftrightarrow Leftrightarrow mapsto implies iff quad qquad "
    "displaystyle textstyle langle rangle lvert rvert lVert rVert vert Vert lfloor rfloor "
    "lceil rceil begin end mid binom tbinom dbinom choose over top bot angle perp parallel "
    "prime limits nolimits substack boxed phantom colon not nonumber notag rm textrm boldsymbol "
    "odot"
)
ALLOWED_MACROS = frozenset(
    "\\" + name for name in (*GREEK, *GREEK_DRAWN_NOT_NAMED, *_OPERATORS.split())
) | {
    "\\,",
    "\\;",
    "\\:",
    "\\!",
    "\\ ",
    "\\\\",
    "\\{",
    "\\}",
    "\\|",
    "\\#",
    "\\%",
    "\\&",
    "\\_",
}
ALLOWED_ENVIRONMENTS = frozenset(
    {"matrix", "pmatrix", "bmatrix", "vmatrix", "Vmatrix", "cases", "aligned", "gathered", "split"}
    | {"align", "align*", "equation", "equation*", "array"}
)

MAX_TEX_LENGTH = 4000
_HTML_TAG = re.compile(r"<[A-Za-z/!?]")


@dataclass(frozen=True, slots=True)
class Token:
    """One TeX token."""

    kind: str
    """``cmd`` (``\\frac``), ``letter``, ``digit``, ``char`` (any other single character) or ``end``."""
    text: str
    offset: int
    """Where the token starts in the source string."""


def tokenize(tex: str) -> list[Token]:
    """Split TeX into tokens; whitespace separates tokens and is dropped."""
    tokens: list[Token] = []
    i, n = 0, len(tex)
    while i < n:
        ch = tex[i]
        if ch.isspace():
            i += 1
        elif ch == "\\":
            j = i + 1
            if j < n and tex[j].isascii() and tex[j].isalpha():
                while j < n and tex[j].isascii() and tex[j].isalpha():
                    j += 1
                tokens.append(Token("cmd", tex[i:j], i))
                i = j
            elif j < n:
                tokens.append(Token("cmd", tex[i : j + 1], i))
                i = j + 1
            else:
                raise SourceError("a lone backslash ends the formula", i)
        elif ch.isascii() and ch.isalpha():
            tokens.append(Token("letter", ch, i))
            i += 1
        elif ch.isascii() and ch.isdigit():
            tokens.append(Token("digit", ch, i))
            i += 1
        else:
            tokens.append(Token("char", ch, i))
            i += 1
    tokens.append(Token("end", "", n))
    return tokens


def spelling(tex: str) -> list[Token]:
    """The tokens of a declared spelling, without the end token. Every display of a page
    matches the page's declared spellings, so each is split once (tokens are immutable)."""
    return list(_spelling(tex))


@lru_cache(maxsize=4096)
def _spelling(tex: str) -> tuple[Token, ...]:
    return tuple(tokenize(tex)[:-1])


def lint(tex: str) -> list[Token]:
    """Reject TeX MathJax would mis-render or that could do more than draw math.

    Returns the tokens so callers need not tokenize twice.
    """
    if len(tex) > MAX_TEX_LENGTH:
        raise SourceError(f"formula is {len(tex)} characters long; the limit is {MAX_TEX_LENGTH}")
    for bad, why in (("$", "a $ would end the math early"), ("<!--", "HTML comments are not math")):
        at = tex.find(bad)
        if at >= 0:
            raise SourceError(
                f"{bad!r} is not allowed inside a formula: {why}", at, reason=Reason.REFUSED
            )
    tag = _HTML_TAG.search(tex)
    if tag:
        raise SourceError(
            "HTML tags are not allowed in a formula (put spaces around <)",
            tag.start(),
            reason=Reason.REFUSED,
        )
    blank = _blank_line(tex)
    if blank >= 0:
        raise SourceError("a formula cannot contain a blank line", blank)
    tokens = tokenize(tex)
    _check_macros(tokens)
    _check_balance(tokens)
    _check_depth(tokens)
    return tokens


MAX_DEPTH = 40


def _check_depth(tokens: list[Token]) -> None:
    """Bound nesting, so parsing (and MathJax) never recurses without limit."""
    depth = 0
    for tok in tokens:
        if tok.text in ("{", "(", "[", "\\left", "\\begin") and tok.kind in ("char", "cmd"):
            depth += 1
            if depth > MAX_DEPTH:
                raise SourceError(
                    f"formula nests more than {MAX_DEPTH} brackets or groups", tok.offset
                )
        elif tok.text in ("}", ")", "]", "\\right", "\\end") and tok.kind in ("char", "cmd"):
            depth = max(depth - 1, 0)


def _blank_line(tex: str) -> int:
    lines = tex.split("\n")
    offset = 0
    for k, line in enumerate(lines):
        if 0 < k < len(lines) - 1 and not line.strip():
            return offset
        offset += len(line) + 1
    return -1


def _check_macros(tokens: list[Token]) -> None:
    for k, tok in enumerate(tokens):
        if tok.kind == "cmd":
            if tok.text in FORBIDDEN_MACROS:
                raise SourceError(
                    f"macro {tok.text} is not allowed: {FORBIDDEN_MACROS[tok.text]}",
                    tok.offset,
                    reason=Reason.REFUSED,
                )
            if tok.text not in ALLOWED_MACROS:
                raise SourceError(
                    f"unknown macro {tok.text}: it is not on the allow-list, so the checker "
                    "cannot read it",
                    tok.offset,
                    (
                        _MACRO_HINTS.get(
                            tok.text,
                            "use a standard macro (\\frac, \\sigma, \\ln, …) or declare the symbol's tex",
                        ),
                    ),
                    reason=Reason.REFUSED,
                )
            if tok.text in ("\\begin", "\\end"):
                name = _environment_name(tokens, k)
                if name not in ALLOWED_ENVIRONMENTS:
                    raise SourceError(
                        f"environment {name or '?'!r} is not allowed; use one of "
                        + ", ".join(sorted(ALLOWED_ENVIRONMENTS)),
                        tok.offset,
                        reason=Reason.REFUSED,
                    )
                if name == "array" and tok.text == "\\begin":
                    _check_columns(tokens, k)
        elif tok.kind == "char" and tok.text == "#":
            raise SourceError(
                "'#' is not allowed in math (write \\# for the character)",
                tok.offset,
                reason=Reason.REFUSED,
            )


def _check_columns(tokens: list[Token], k: int) -> None:
    """An array's column spec may hold only l, c, r and |: ``@{…}``, ``>{…}`` and ``p{…}``
    would put arbitrary TeX into every row."""
    j = k + 2 + len("array") + 1  # \begin { a r r a y } — then the spec's {
    spec: list[Token] = []
    if j < len(tokens) and tokens[j].text == "{":
        j += 1
        while j < len(tokens) and tokens[j].text != "}" and tokens[j].kind != "end":
            spec.append(tokens[j])
            j += 1
    if not spec or any(t.text not in ("l", "c", "r", "|") for t in spec):
        raise SourceError(
            "an array's columns may only be l, c, r and |, as in \\begin{array}{ll}",
            tokens[k].offset,
            reason=Reason.REFUSED,
        )


def _environment_name(tokens: list[Token], k: int) -> str:
    if k + 1 >= len(tokens) or tokens[k + 1].text != "{":
        return ""
    name: list[str] = []
    for tok in tokens[k + 2 :]:
        if tok.text == "}":
            return "".join(name)
        if tok.kind not in ("letter", "char") or tok.text == "{":
            return ""
        name.append(tok.text)
    return ""


def _check_balance(tokens: list[Token]) -> None:
    stack: list[Token] = []
    environments: list[str] = []
    for k, tok in enumerate(tokens):
        if tok.text == "\\begin":
            environments.append(_environment_name(tokens, k))
        elif tok.text == "\\end":
            name = _environment_name(tokens, k)
            if environments and environments[-1] != name:
                raise SourceError(
                    f"\\begin{{{environments[-1]}}} is closed by \\end{{{name}}}", tok.offset
                )
            if environments:
                environments.pop()
        if tok.text == "{" and tok.kind == "char":
            stack.append(tok)
        elif tok.text == "}" and tok.kind == "char":
            if not stack or stack[-1].text != "{":
                raise SourceError("unmatched '}'", tok.offset, reason=Reason.REFUSED)
            stack.pop()
        elif tok.text == "\\left":
            stack.append(tok)
        elif tok.text == "\\right":
            if not stack or stack[-1].text != "\\left":
                raise SourceError("\\right without a matching \\left", tok.offset)
            stack.pop()
        elif tok.text == "\\begin":
            stack.append(tok)
        elif tok.text == "\\end":
            if not stack or stack[-1].text != "\\begin":
                raise SourceError("\\end without a matching \\begin", tok.offset)
            stack.pop()
    if stack:
        opener = stack[-1]
        closer = {"{": "'}'", "\\left": "\\right", "\\begin": "\\end"}[opener.text]
        raise SourceError(
            f"{opener.text} is never closed (expected {closer})",
            opener.offset,
            reason=Reason.REFUSED,
        )


# Old TeX font switches MathJax still draws: say what to write instead.
_MACRO_HINTS = {
    "\\bf": "write \\mathbf{…} instead of {\\bf …}",
    "\\it": "write \\mathit{…} instead of {\\it …}",
    "\\dd": "\\dd is the physics package's d, which the site does not load: write d, as in "
    "\\frac{d}{dx}",
    "\\dv": "write \\frac{d f}{d x} (the physics package is not loaded)",
    "\\pdv": "write \\frac{\\partial f}{\\partial x} (the physics package is not loaded)",
    "\\sech": "write \\operatorname{sech} (LaTeX has no \\sech)",
}
