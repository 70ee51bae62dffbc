r"""Displayed TeX → expression trees, so the build can prove a display denotes what was checked.

A strict recursive-descent parser over a small grammar, resolved against the
derivation's declared symbols and functions. It reads TeX the way a textbook is
written (``\frac``, ``\ln a``, ``e^{-z}``, implicit products such as ``ay`` and
``a(1-a)``, ``\sigma(z)``, ∂-fractions, ``\sum``, ``\int … dx``, ``vmatrix``) and
refuses anything it would have to guess: an ambiguous reading is an error that says
how to write it unambiguously, never a silent choice.

SymPy's own TeX parsers are not used: they misread ordinary input (parse_latex_lark reads
-(y \ln(a) + (1 - y) \ln(1 - a)) as -y·log(1 − a)·log(a − y + 1)).

The grammar, with the module of this package that owns each alternative::

    chain      → row ('=' row)* ['.' | ',']                                        chain
               | \begin{aligned|align|align*|split|equation|array} row ('&'? '=' row  chain
                   | '\\' '&'? '=' row)* \end{…}   (one chain over several lines)
               | row ('\\' | \Rightarrow) row …   (several equations, each checked)   chain
    definition → name ['_' index] ['(' params ')'] '=' chain                       chain
    row        → sum                                                               chain
    sum        → sign? term (('+' | '-') sign? term)*                              expressions
    term       → factor ( ('\cdot' | '\times' | ' . ') sign? factor                expressions
                        | '/' factor
                        | factor )*                 (an implicit product)
    factor     → primary '!'* ['^' script]   ({-e}^{x} is -(e^x), as drawn)         expressions
    script     → '{' sum '}' | digit | a one-token name | \frac… | \sqrt…          scripts
    primary    → number | '(' sum ')' | '[' sum ']' | '\{' sum '\}' | '{' sum '}'  primary
               | '|' sum '|' | \left( sum \right) | \left| sum \right|             primary
               | letter                                                            names
               | command                                                           primary
    letter     → declared spelling | summation index | 'e'                         names
               | vector ('^T' | '^\top') factor   (a dot product Σₖ wₖ·…ₖ)         vectors
    command    → declared spelling: x, x_0, a_i, \sigma(z), \sigma'(z)             names
               | \text{name} \operatorname{name} \mathrm{name} {\rm name}         spellings
               | log(x) ln(x) \text{sech}(x): function names written as words      words
               | f_\beta(x) (a subscript as f's first argument), u' (du/dx), f'(0.5)  names
               | x^{(i)} (the i-th sample), J(\theta_0, \theta_1) (J with its variables) names
               | \nabla f(x)_i  \nabla_x f_i  \nabla^2 f(x)_{i,j}                   gradients
               | \dot p | \dot{F}(p)   (rates: the chain rule over what is dotted)      rates
               | \|sum\| | \lVert sum \rVert   (a vector norm)                    vectors
               | \frac \dfrac \tfrac: a fraction, or a derivative                  fractions
               | \ln \log \exp \sin … \tanh | \max \min | \operatorname{sign}      functions
               | \sqrt{sum}                                                        functions
               | \sum_{k=a}^{b} term | \sum_k term (k an index: 1…N)               bigops
               | \sum_{i \neq k} term | \sum_k^{ } term | \sum_j -term              bigops
               | \int_a^b … term dx                                               bigops
               | \begin{cases} … | \begin{vmatrix} …                               environments
               | \delta_{ij}                                                       names
               | \pi | \infty                                                      primary

Every rule is a function ``parse_x(state)`` over one :class:`~.state.TexState` (the
tokens, the cursor, what surrounding constructs have opened); :mod:`.lookahead` holds
the predicates that look at the next tokens without consuming them. Spacing,
``\displaystyle`` and ``\big``-style sizes are dropped before parsing. Which macro goes
to which rule is the table :data:`.primary.COMMANDS`; the macros themselves are listed
once, in :mod:`generator.core.texvocab`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ...core.errors import SourceError
from ...core.mathast import Node
from ...core.scope import Scope
from ..texlex import lint
from . import expressions, primary
from .arrays import has_arrays
from .chain import Chain, parse_head, parse_rows
from .elements import lower_rows
from .rates import resolve_rates
from .state import Grammar, TexState

__all__ = ["Chain", "parse_chain", "parse_definition", "parse_math", "parse_whole"]

GRAMMAR = Grammar(
    sum=expressions.parse_sum,
    term=expressions.parse_term,
    factor=expressions.parse_factor,
    primary=primary.parse_primary,
)
"""Where nested constructs start again (see :class:`.state.Grammar`)."""


def parse_chain(tex: str, scope: Scope, avoid: frozenset[str] = frozenset()) -> Chain:
    """Parse a display ``A = B = C`` into its rows. ``avoid``: names its givens use, which a
    display of arrays must not take as the index of its element."""
    state = TexState(lint(tex), scope, GRAMMAR)
    chain = _with_rates(_bounded(lambda: parse_rows(state)), scope)
    return _with_arrays(chain, scope, avoid=avoid)


def parse_definition(
    tex: str, scope: Scope, name: str, params: tuple[str, ...], indices: tuple[str, ...] = ()
) -> Chain:
    """Parse ``a(z) = \\sigma(z) = …``: a head naming the defined symbol, then rows."""
    state = TexState(lint(tex), scope, GRAMMAR)
    parse_head(state, name, params, indices)
    chain = _with_rates(_bounded(lambda: parse_rows(state)), scope)
    return _with_arrays(chain, scope, indices, defined=name)


def parse_whole(
    tex: str, scope: Scope, definition: tuple[str, tuple[str, ...], tuple[str, ...]] | None = None
) -> Chain:
    """The rows as written, vectors and matrices kept whole (``W x + b`` stays a product and a
    sum of arrays): what the NumPy printer reads. ``definition`` is (name, params, indices)."""
    state = TexState(lint(tex), scope, GRAMMAR)
    if definition is not None:
        parse_head(state, *definition)
    return _with_rates(_bounded(lambda: parse_rows(state)), scope)


def _with_arrays(
    chain: Chain,
    scope: Scope,
    indices: tuple[str, ...] = (),
    defined: str | None = None,
    avoid: frozenset[str] = frozenset(),
) -> Chain:
    """Rows that write whole vectors or matrices become their element (i, j); each equation
    (rows between breaks) is lowered on its own, with one shape."""
    if not any(has_arrays(row) for row in chain.rows):
        return chain
    used = set(avoid).union(*(row.names() for row in chain.rows))
    starts = sorted({0, *chain.breaks})
    rows: list[Node] = []
    for first, end in zip(starts, [*starts[1:], len(chain.rows)], strict=True):
        rows.extend(
            lower_rows(
                chain.rows[first:end], chain.offsets[first:end], scope, used, indices, defined
            )
        )
    return replace(chain, rows=tuple(rows))


def _with_rates(chain: Chain, scope: Scope) -> Chain:
    """Dotted formulas learn which quantities change: those the display writes with a dot."""
    return replace(chain, rows=resolve_rates(chain.rows, dict(scope.dependents)))


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
