"""The typed model of a derivation source file. The JSON Schema is generated from it.

Each field carries a description and an example: editors show them as you type
(through ``schema/derivation.schema.json``) and ``derivations new`` relies on them.
Nothing in this model can state a verdict: verdicts come from the checker only.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9]*$"
ANCHOR_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


def _strict_bool(value: Any) -> Any:
    """YAML 1.2 booleans only: ``true``/``false``, never ``yes``/``on``/``1``."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("expected true or false")


StrictBool = Annotated[bool, BeforeValidator(_strict_bool)]
Name = Annotated[str, Field(pattern=NAME_PATTERN, examples=["z", "sigma", "L"])]
Anchor = Annotated[
    str,
    Field(
        pattern=ANCHOR_PATTERN,
        description="Anchor for links to this item (lowercase letters, digits, hyphens).",
        examples=["dl-da"],
    ),
]
TeX = Annotated[str, Field(min_length=1, max_length=4000)]
# Plain text that MkDocs' own templates insert without escaping (titles, navigation labels):
# <, > and & are refused outright (write "and" for &).
PLAIN_TEXT_PATTERN = r"^[^<>&\n]*$"
PlainText = Annotated[str, Field(min_length=1, max_length=200, pattern=PLAIN_TEXT_PATTERN)]
Prose = Annotated[str, Field(min_length=1, max_length=20000)]


def _id_field() -> Any:
    return Field(
        default=None,
        description="Anchor for links to this item (lowercase letters, digits, hyphens); generated if omitted.",
        examples=["dl-da"],
    )


def _note_field() -> Any:
    return Field(
        default=None,
        description="A remark shown under the display (Markdown, inline math allowed).",
        examples=["The factor $\\frac{1}{2}$ cancels the exponent."],
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class SymbolDecl(_Strict):
    """A symbol the formulas may use, with the domain its values range over."""

    domain: str = Field(
        default="real",
        description=(
            "Where the symbol's values lie: real, positive, negative, nonnegative, integer, "
            "positive integer, nonnegative integer, index (1…size), an interval such as (0, 1) or "
            "[0, 1], or a finite set such as {0, 1}. Quote intervals and sets in YAML."
        ),
        examples=["real", "(0, 1)", "{0, 1}", "nonnegative integer"],
    )
    tex: str | None = Field(
        default=None,
        description="How the symbol is written in formulas; defaults to its name (Greek names get a backslash).",
        examples=["\\theta", "x_0", "\\hat{y}"],
    )
    description: str | None = Field(
        default=None,
        description="What the symbol means, in a few words.",
        examples=["the target label"],
    )
    indexed: StrictBool = Field(
        default=False,
        description="true for a vector written with a subscript, such as z_i.",
        examples=[True],
    )
    shape: list[Name] | None = Field(
        default=None,
        min_length=1,
        max_length=2,
        description=(
            "A vector's or a matrix's dimensions, each a declared positive integer symbol: [n] "
            "for a column vector of length n, [m, n] for an m×n matrix. Written bare (W x, "
            "W^\\top, \\delta x^\\top) or by element (W_{ij})."
        ),
        examples=[["m", "n"], ["n"]],
    )
    upto: Name | None = Field(
        default=None,
        description="For an index symbol: the dimension it runs over (1…upto), when not the size.",
        examples=["m"],
    )


class FunctionDecl(_Strict):
    """A named function, such as the sigmoid, usable in expressions and formulas as name(args)."""

    params: list[Name] = Field(
        min_length=1, description="Parameter names (declared symbols).", examples=[["z"]]
    )
    expr: str = Field(
        description="The function's body in expression syntax (Python-like: * for products, ** for powers).",
        examples=["1/(1 + exp(-z))"],
    )
    tex: str | None = Field(
        default=None, description="How the function is written in formulas.", examples=["\\sigma"]
    )
    description: str | None = Field(
        default=None,
        description="What the function is, in a few words.",
        examples=["the logistic sigmoid"],
    )


class ProseBlock(_Strict):
    """Markdown text with inline math ($…$). No raw HTML."""

    prose: Prose = Field(
        description="Markdown paragraph(s); inline math between $ signs; no raw HTML.",
        examples=["By the chain rule, the loss reaches $z$ only through $a$:"],
    )


class StepBlock(_Strict):
    """A step heading; readers can link to it."""

    step: str = Field(
        min_length=1,
        max_length=300,
        description="The step's title (inline math allowed).",
        examples=["Step 1: Solve for $\\frac{\\partial L}{\\partial a}$"],
    )
    id: Anchor | None = _id_field()


class DefineBlock(_Strict):
    """A definition, displayed as name(params) = … ; every displayed row is checked against it."""

    define: Name = Field(description="The symbol or function being defined.", examples=["a"])
    params: list[Name] = Field(
        default_factory=list, description="What the defined symbol depends on.", examples=[["z"]]
    )
    index: list[Name] = Field(
        default_factory=list,
        description="Index symbols for a component definition such as a_i.",
        examples=[["i"]],
    )
    expr: str | None = Field(
        default=None,
        description="The definition in expression syntax. Defaults to the last row of the display.",
        examples=["sigma(z)"],
    )
    tex: TeX = Field(
        description="The display, starting with the defined name: a(z) = \\sigma(z) = …",
        examples=["a(z) = \\sigma(z) = \\frac{1}{1 + e^{-z}}"],
    )
    id: Anchor | None = _id_field()
    note: Prose | None = _note_field()


class EquationBlock(_Strict):
    """A checked display: each row joined by = must equal the previous one.

    If the first row is a derivative ∂F/∂x, x is held fixed and every other definition
    is expanded (the chain rule is applied for you). An indefinite integral row is
    checked as an antiderivative (up to a constant).
    """

    equation: TeX = Field(
        description="Rows joined by =, as TeX.",
        examples=["\\frac{\\partial L}{\\partial a} = \\frac{-y}{a} + \\frac{1 - y}{1 - a}"],
    )
    id: Anchor | None = _id_field()
    note: Prose | None = _note_field()
    given: list[TeX] = Field(
        default_factory=list,
        description="Equations assumed by this claim (each is used to eliminate one symbol).",
        examples=[["\\sum_{j=1}^{N} y_j = 1"]],
    )
    wrt: Name | None = Field(
        default=None,
        description="Hold this symbol fixed and expand every other definition (default: the derivative's variable).",
        examples=["a"],
    )


class NotationBlock(_Strict):
    """A display that is not a checkable claim (a PDE, a limit symbol, a convention)."""

    notation: TeX = Field(description="The display, as TeX.", examples=["\\lim_{x \\to +\\infty}"])
    reason: str = Field(
        min_length=3,
        max_length=500,
        description="Why this display is not checked.",
        examples=["a limit symbol on its own states nothing to check"],
    )
    id: Anchor | None = _id_field()
    note: Prose | None = _note_field()


class MistakeBlock(_Strict):
    """A common mistake: the checker must refute it, and the page shows its counterexample."""

    mistake: TeX = Field(
        description="The false claim, as TeX.",
        examples=["\\sum_{k=1}^n k^2 = \\frac{1}{2}n(n+1)"],
    )
    explanation: Prose = Field(
        description="Why it is wrong and what is right (Markdown).",
        examples=["$\\frac{1}{2}n(n+1)$ is the sum of $k$, not of $k^2$."],
    )
    id: Anchor | None = _id_field()
    given: list[TeX] = Field(
        default_factory=list,
        description="Equations assumed by the claim (as for an equation).",
        examples=[["y_i = 1"]],
    )


NUMBER_PATTERN = r"^-?\d+(\.\d+)?(/\d+)?$"
Number = Annotated[
    str,
    BeforeValidator(
        lambda v: str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
    ),
    Field(pattern=NUMBER_PATTERN),
    # Editors read YAML's own types: 2 is a number there, 1/2 a string.
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string", "pattern": NUMBER_PATTERN}],
            "examples": [1, 0.5, "1/2"],
        }
    ),
]
PlotName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9]*(_[0-9]+)?$", examples=["y", "z_2"])]


class PlotSpec(_Strict):
    """What the page's plot shows; every curve is computed from the checked expressions."""

    x: PlotName | None = Field(
        default=None,
        description="The variable on the horizontal axis (default: the result's derivative variable).",
        examples=["z"],
    )
    range: tuple[Number, Number] = Field(
        default=("-6", "6"), description="The plotted interval of x.", examples=[["-6", "6"]]
    )
    activation: Name | None = Field(
        default=None,
        description="The dependent symbol plotted as the activation (default: a, when defined).",
        examples=["a"],
    )
    loss: Anchor | None = Field(
        default=None,
        description=(
            "The id of a display whose last row is the loss to plot and to print as code "
            "(default: the definition of L). Use it to print a numerically stable form."
        ),
        examples=["stable-form"],
    )
    targets: list[dict[PlotName, Number]] | None = Field(
        default=None,
        description="One curve of the loss and gradient per entry (default: from the domain of y).",
        examples=[[{"y": "0"}, {"y": "1"}]],
    )
    fixed: dict[PlotName, Number] = Field(
        default_factory=dict,
        description="Values for the remaining parameters.",
        examples=[{"delta": "1"}],
    )
    size: int | None = Field(
        default=None, ge=2, le=6, description="Vector pages: the size N to plot.", examples=[2]
    )
    indices: dict[Name, int] = Field(
        default_factory=dict,
        description="Vector pages: values of the free indices.",
        examples=[{"i": 1}],
    )
    code: StrictBool = Field(
        default=True,
        description="Print verified NumPy functions for the loss and the gradient.",
        examples=[True],
    )


Block = ProseBlock | StepBlock | DefineBlock | EquationBlock | NotationBlock | MistakeBlock
BLOCK_KINDS: dict[str, type[_Strict]] = {
    "prose": ProseBlock,
    "step": StepBlock,
    "define": DefineBlock,
    "equation": EquationBlock,
    "notation": NotationBlock,
    "mistake": MistakeBlock,
}


class Derivation(_Strict):
    """One page of the site: a derivation (or a page of examples) whose every display is checked."""

    title: PlainText = Field(
        description="Page title, plain text (no <, > or &).",
        examples=["Sigmoid activation with Logistic loss"],
    )
    order: int = Field(
        ge=0,
        le=1_000_000,
        description="Position in the navigation and the table of contents (smaller first).",
        examples=[10],
    )
    section: PlainText | None = Field(
        default=None,
        description="Navigation group, such as an activation family.",
        examples=["Sigmoid"],
    )
    activation: PlainText | None = Field(
        default=None,
        description="The activation function, for the index table.",
        examples=["Sigmoid"],
    )
    loss: PlainText | None = Field(
        default=None,
        description="The loss function, for the index table.",
        examples=["Logistic (binary cross-entropy)"],
    )
    summary: str | None = Field(
        default=None,
        max_length=500,
        description="One sentence for the index (inline math allowed).",
        examples=[
            "Why $\\frac{\\partial L}{\\partial z} = a - y$ for a sigmoid and a logistic loss."
        ],
    )
    symbols: dict[Name, SymbolDecl] = Field(
        default_factory=dict,
        description="Every symbol the formulas use.",
        examples=[{"z": {"domain": "real"}, "a": {"domain": "(0, 1)"}}],
    )
    functions: dict[Name, FunctionDecl] = Field(
        default_factory=dict,
        description="Named functions (abbreviations), such as the sigmoid; always replaced by their body when checking.",
        examples=[{"sigma": {"params": ["z"], "expr": "1/(1 + exp(-z))"}}],
    )
    size: Name | None = Field(
        default=None,
        description="The symbol for the length of indexed vectors (proven for every N where the sums allow it, otherwise sampled at sizes 1…12 and shown as ≈).",
        examples=["N"],
    )
    layout: Literal["denominator", "numerator"] = Field(
        default="denominator",
        description=(
            "How derivatives by a vector or a matrix are laid out: denominator (∂L/∂W has the "
            "shape of W, ∂L/∂x is a column) or numerator (∂L/∂W has the shape of Wᵀ, ∂L/∂x is a row)."
        ),
        examples=["denominator"],
    )
    result: TeX | EquationBlock | None = Field(
        default=None,
        description=(
            "The result, stated at the top of the page and checked like an equation: a TeX string, "
            "or a mapping with `equation` and `given` when the result needs assumptions."
        ),
        examples=["\\frac{\\partial L}{\\partial z} = a - y"],
    )
    plot: PlotSpec | None = Field(
        default=None,
        description="Plot and code options; pages with a result and a loss L get both by default.",
        examples=[{"x": "z", "range": ["-6", "6"], "targets": [{"y": "0"}, {"y": "1"}]}],
    )
    body: list[Block] = Field(
        min_length=1,
        description="The page, in order: prose, step, define, equation, notation and mistake items.",
        examples=[
            [
                {"prose": "By the chain rule,"},
                {"equation": "\\frac{\\partial L}{\\partial z} = a - y"},
            ]
        ],
    )


class IndexPage(_Strict):
    """The landing page (content/index.yaml): heading, introduction, then the table of contents."""

    title: PlainText = Field(
        description="Plain-text title (browser tab, navigation, search).",
        examples=["Derivations of ∂L/∂z"],
    )
    heading: str = Field(
        min_length=1,
        max_length=300,
        description="The page heading (inline math allowed).",
        examples=["Derivations of $\\frac{\\partial L}{\\partial z}$"],
    )
    intro: Prose | None = Field(
        default=None,
        description="Markdown shown above the table of contents.",
        examples=[
            "Each page derives $\\frac{\\partial L}{\\partial z}$ for one activation and loss."
        ],
    )


def kind_of(item: Any) -> str | None:
    """Which block kind a body item is, from the key it carries."""
    if not isinstance(item, dict):
        return None
    kinds = [k for k in BLOCK_KINDS if k in item]
    return kinds[0] if len(kinds) == 1 else None


BlockKind = Literal["prose", "step", "define", "equation", "notation", "mistake"]
