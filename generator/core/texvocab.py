"""The TeX vocabulary: which macros spell what, in one place.

Plain data, no logic. The TeX parser (:mod:`generator.parse.tex`), the macro lint
(:mod:`generator.parse.texlex`), the symbol-spelling rule (:mod:`generator.parse.atoms`),
declared names (:mod:`generator.core.scope`) and plain-text titles
(:mod:`generator.pages.plaintext`) all read these tables, so a macro is added once.

It lives in ``core`` because :mod:`generator.core.scope` needs the Greek letters and
``core`` imports nothing from ``parse``.
"""

from __future__ import annotations

from collections.abc import Mapping

# --- Greek letters ---------------------------------------------------------------------------

GREEK: tuple[str, ...] = (
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "zeta",
    "eta",
    "theta",
    "vartheta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "pi",
    "rho",
    "varrho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "varphi",
    "chi",
    "psi",
    "omega",
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Pi",
    "Sigma",
    "Upsilon",
    "Phi",
    "Psi",
    "Omega",
)
"""Greek letters a declared name may be: ``theta`` is written ``\\theta`` by default, and an
undeclared ``\\theta`` in a checked display is reported as an undeclared symbol."""

GREEK_DRAWN_NOT_NAMED: frozenset[str] = frozenset({"varpi", "varsigma"})
"""Letters MathJax draws, so the lint admits them, but which are not in :data:`GREEK`: a
name ``varpi`` gets no ``\\varpi`` spelling by default, and ``\\varpi`` in a checked
display is an unsupported macro rather than an undeclared symbol."""

GREEK_UNICODE: Mapping[str, str] = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}  # fmt: skip
"""Greek letters as characters, for plain text. ``varrho``, ``Upsilon``, ``varpi`` and
``varsigma`` have no entry, so plain text spells them as words (tests/test_texvocab.py)."""

# --- symbols as characters (plain text) --------------------------------------------------------

SYMBOL_UNICODE: Mapping[str, str] = {
    "\\partial": "∂",
    "\\cdot": "·",
    "\\times": "×",
    "\\infty": "∞",
    "\\sum": "Σ",
    "\\prod": "Π",
    "\\int": "∫",
    "\\iint": "∬",
    "\\iiint": "∭",
    "\\leq": "≤",
    "\\le": "≤",
    "\\geq": "≥",
    "\\ge": "≥",
    "\\neq": "≠",
    "\\approx": "≈",
    "\\to": "→",
    "\\rightarrow": "→",
    "\\pm": "±",
    "\\nabla": "∇",
    "\\hbar": "ħ",
    "\\ell": "ℓ",
    "\\in": "∈",
    "\\ldots": "…",
    "\\cdots": "⋯",
    "\\dots": "…",
    "\\mapsto": "↦",
    "\\top": "ᵀ",
    "\\|": "‖",
    "\\lVert": "‖",
    "\\rVert": "‖",
}
"""Non-letter macros as characters, for plain text."""

# --- functions -------------------------------------------------------------------------------

FUNCTION_MACROS: Mapping[str, str] = {
    "\\ln": "log",
    "\\log": "log",
    "\\exp": "exp",
    "\\sin": "sin",
    "\\cos": "cos",
    "\\tan": "tan",
    "\\sinh": "sinh",
    "\\cosh": "cosh",
    "\\tanh": "tanh",
    "\\coth": "coth",
    "\\sec": "sec",
    "\\csc": "csc",
    "\\cot": "cot",
}
"""One-argument function macros → built-in function names (``\\ln a``, ``\\sin(x)``)."""

MULTI_ARG_MACROS: Mapping[str, str] = {"\\max": "Max", "\\min": "Min"}
"""Function macros that take a parenthesised argument list (``\\max(0, z)``)."""

OPERATOR_NAMES: Mapping[str, str] = {
    "sign": "sign",
    "sgn": "sign",
    "sech": "sech",
    "csch": "csch",
}
"""Words inside ``\\operatorname{…}`` → built-in function names."""

MACRO_FOR_FUNCTION: Mapping[str, str] = {
    name: macro for macro, name in reversed([*FUNCTION_MACROS.items(), *MULTI_ARG_MACROS.items()])
}
"""Built-in function name → its macro; the first spelling listed wins (``log`` → ``\\ln``)."""

# --- constants, fractions, big operators -----------------------------------------------------

CONSTANT_MACROS: Mapping[str, str] = {"\\pi": "pi", "\\infty": "oo"}
"""Macros that are constants, → the tree's ``const`` value."""

FRACTIONS: frozenset[str] = frozenset({"\\frac", "\\dfrac", "\\tfrac"})
"""Fraction macros (``\\cfrac`` is drawn but not checked)."""

INTEGRALS: tuple[str, ...] = ("\\int", "\\iint", "\\iiint")
"""Integral signs; only ``\\int`` can be checked, the others are refused with advice."""

# --- relations, products, brackets ------------------------------------------------------------

COMPARISONS: Mapping[str, str] = {
    "<": "<",
    ">": ">",
    "\\leq": "<=",
    "\\le": "<=",
    "\\geq": ">=",
    "\\ge": ">=",
}
"""Order relations a ``cases`` condition may use, → the tree's ``rel`` value."""

RELATIONS: frozenset[str] = frozenset(COMPARISONS) | {"\\neq", "\\ne", "\\approx"}
"""Every relation the parser recognises: none joins the rows of a checked display (only ``=``
does), and none starts a factor."""

IMPLICATIONS: frozenset[str] = frozenset({"\\Rightarrow", "\\implies", "\\Longrightarrow"})
"""``A = B \\Rightarrow C = D``: two equations, each checked on its own."""

PRODUCT_OPERATORS: frozenset[str] = frozenset({"\\cdot", "\\times"})
"""Explicit multiplication signs."""

BRACKETS: Mapping[str, str] = {"(": ")", "[": "]", "\\{": "\\}"}
"""Opening bracket → its closing bracket (also after ``\\left``)."""

# --- layout only ------------------------------------------------------------------------------

SPACING: frozenset[str] = frozenset({"\\,", "\\;", "\\:", "\\!", "\\ ", "\\quad", "\\qquad"})
"""Spacing macros: they change where things are drawn, not what a formula means."""

STYLES: frozenset[str] = frozenset(
    {"\\displaystyle", "\\nonumber", "\\notag", "\\limits", "\\nolimits"}
)
"""Style switches the parser ignores (``\\textstyle`` is drawn but not checked), and the
marks that keep a line of an ``align`` unnumbered."""

CHAIN_ENVIRONMENTS: frozenset[str] = frozenset(
    {"aligned", "split", "align", "align*", "equation", "equation*", "array"}
)
"""Environments read as one chain of equalities: ``&`` ignored, ``\\\\`` between lines, a line
that starts with ``=`` continuing the chain."""

RENDERED_AS_ALIGNED: Mapping[str, str] = {"align": "aligned", "align*": "aligned"}
"""Top-level environments drawn inside display math under the name MathJax expects there."""
UNWRAPPED: frozenset[str] = frozenset({"equation", "equation*"})
"""Environments whose content is drawn as it stands (display math is already an equation)."""

SIZERS: frozenset[str] = frozenset(
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
"""Delimiter sizes (``\\big(``): drawn larger, read as the bracket they size."""

# --- declared spellings ------------------------------------------------------------------------

ACCENTS: frozenset[str] = frozenset(
    {
        "\\hat",
        "\\bar",
        "\\tilde",
        "\\vec",
        "\\dot",
        "\\ddot",
        "\\mathbf",
        "\\mathrm",
        "\\mathit",
        "\\mathcal",
        "\\mathsf",
        "\\operatorname",
    }
)
"""Accents and fonts that may wrap a declared name: ``\\hat{y}``, ``\\mathrm{lr}``."""

STRUCTURAL_MACROS: frozenset[str] = (
    FRACTIONS
    | frozenset(FUNCTION_MACROS)
    | frozenset(MULTI_ARG_MACROS)
    | frozenset(INTEGRALS)
    | PRODUCT_OPERATORS
    | {"\\infty"}
    | {"\\sqrt", "\\sum", "\\prod", "\\partial", "\\begin", "\\end", "\\left", "\\right"}
    | {"\\text", "\\quad", "\\qquad", "\\lim", "\\inf", "\\sup", "\\det"}
)
"""Macros of the formula language, which therefore cannot be a declared symbol's spelling."""
