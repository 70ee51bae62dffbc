"""The theme's templates, compiled once per process and ahead of need.

MkDocs compiles its theme's Jinja templates on every build: Material's page template, the
error page, the sitemap, and the forty-odd partials they include, about 0.13 s. It does so
when it writes the first page, which in a build that checks claims is after the last check,
while the other core has nothing left to do. Here they are compiled while the build waits for
its first page's checks, into a cache Jinja consults before compiling (its documented
``bytecode_cache``); MkDocs' own environment is given that cache in ``on_env``. Under
``serve`` the cache outlives each rebuild, so a rebuild compiles nothing.

A template is found by its name and the checksum of its source (Jinja's own key and check),
and by what of the environment goes into the code Jinja generates (its syntax, extensions,
policies, code classes, and its filters and tests themselves): a changed template, or an
environment another plugin configured differently, is compiled afresh.
"""

from __future__ import annotations

from typing import Any

import jinja2
from jinja2 import meta
from jinja2.bccache import Bucket

STARTING_POINTS = ("main.html",)
"""The page template; with the theme's static templates (404.html, sitemap.xml) the
templates whose references are followed."""


def _generated_alike(env: jinja2.Environment) -> tuple[Any, ...]:
    """What, besides a template's source, decides the code Jinja compiles it to: the syntax,
    the extensions and their policies, the classes that generate and run the code, and the
    filters and tests themselves (how each is called is compiled in, and a filter applied to
    a constant is run at compile time). Objects, not their names, so that two environments
    share code only when they share these very functions; the key keeps them alive, so no
    new function can take an old one's identity."""
    return (
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        tuple(sorted(env.extensions)),
        repr(sorted(env.policies.items())),
        getattr(env, "newstyle_gettext", None),
        env.optimized,
        env.autoescape,
        env.finalize,
        env.is_async,
        type(env),
        env.code_generator_class,
        env.context_class,
        tuple(sorted(env.filters.items())),
        tuple(sorted(env.tests.items())),
    )


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates in memory, for environments that generate code alike."""

    def __init__(self) -> None:
        self._code: dict[tuple[Any, ...], bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get((_generated_alike(bucket.environment), bucket.key))
        if code is not None:
            bucket.bytecode_from_string(code)  # Jinja checks the source's checksum in it

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[(_generated_alike(bucket.environment), bucket.key)] = bucket.bytecode_to_string()

    def __len__(self) -> int:
        return len(self._code)


CODE = CompiledTemplates()
"""This process's compiled theme templates (one ``serve`` process rebuilds many times)."""


def precompile(theme: Any) -> int:
    """Compile the theme's page, error and sitemap templates, and every template they extend,
    include or import by a constant name, into :data:`CODE`. The number compiled."""
    env = theme.get_env()  # configured as the one MkDocs builds with
    loader = env.loader
    if loader is None:
        return 0
    names = [*STARTING_POINTS, *sorted(theme.static_templates)]
    seen: set[str] = set()
    compiled = 0
    while names:
        name = names.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            source, filename, _ = loader.get_source(env, name)
            tree = env.parse(source, name, filename)
            names.extend(n for n in meta.find_referenced_templates(tree) if n)
            bucket = CODE.get_bucket(env, name, filename, source)
            if bucket.code is None:
                bucket.code = env.compile(tree, name, filename)
                CODE.set_bucket(bucket)
                compiled += 1
        except Exception:
            # Not there, or broken: MkDocs reports it when it needs it. Compiling ahead only
            # saves time, and may never fail a build.
            continue
    return compiled
