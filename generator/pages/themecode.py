"""The theme's templates, compiled once per process and ahead of need.

MkDocs compiles its theme's Jinja templates on every build: Material's page template, the
error page, the sitemap, and the forty-odd partials they include, about 0.13 s, while the
workers need the cores. Here they are compiled into a cache Jinja consults before compiling
(its documented ``bytecode_cache``), at the first moment the build would otherwise wait for a
page's checks; MkDocs' own environment is given that cache in ``on_env``, so whatever was not
compiled ahead is compiled once, into the same cache. Under ``serve`` the cache outlives each
rebuild, so a rebuild compiles nothing.

A template is found by its name and the checksum of its source (Jinja's own key and check),
and by what of the environment goes into the code Jinja generates (its syntax, extensions,
policies, code classes, and its filters and tests themselves): a changed template, or an
environment another plugin configured differently, is compiled afresh.

The compiled templates are also kept on disk, in the Python environment the package is
installed in (as Python keeps its own bytecode there): they depend on the installed theme,
Jinja and Python, never on a project's content, and a build with an empty cache of verdicts
then compiles nothing of the theme either. On disk a filter or test is known by its module,
name and code, not by its identity, and Jinja's version and Python's are part of the key;
Jinja itself checks the template's source before it uses what it reads. A folder that cannot be written (a
read-only installation) only means compiling, as before. Each change to a filter's code adds
templates under new names, so the folder is bounded like the verdict cache (least recently
used first, after a build that wrote to it).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.bccache import Bucket

from ..core import cachedir

STARTING_POINTS = ("main.html",)
"""The page template; with the theme's static templates (404.html, sitemap.xml) the
templates whose references are followed."""
SUFFIX = ".jinja"
LIMIT = 2_000
"""Compiled templates kept on disk (about 5 kB each; the theme has some fifty), the least
recently used dropped first; a read marks a template as used once an hour at most."""


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
    """Compiled templates in memory, for environments that generate code alike, and (with a
    ``folder``) on disk for the next process."""

    def __init__(self, folder: Path | None = None) -> None:
        self._code: dict[tuple[Any, ...], bytes] = {}
        self._names: dict[tuple[Any, ...], str] = {}
        self.folder = folder
        self.written = 0
        """Templates this process wrote to the folder since it was last bounded."""

    def load_bytecode(self, bucket: Bucket) -> None:
        key = (_generated_alike(bucket.environment), bucket.key)
        code = self._code.get(key)
        if code is None and self.folder is not None:
            code = self._read(bucket)
            if code is not None:
                self._code[key] = code
        if code is not None:
            bucket.bytecode_from_string(code)  # Jinja checks the source's checksum in it

    def dump_bytecode(self, bucket: Bucket) -> None:
        code = bucket.bytecode_to_string()
        self._code[(_generated_alike(bucket.environment), bucket.key)] = code
        if self.folder is not None:
            self._write(bucket, code)

    def __len__(self) -> int:
        return len(self._code)

    def _path(self, bucket: Bucket) -> Path:
        assert self.folder is not None
        name = hashlib.sha256(f"{self._environment_name(bucket)}\n{bucket.key}".encode())
        return self.folder / f"{name.hexdigest()}{SUFFIX}"

    def _environment_name(self, bucket: Bucket) -> str:
        """What the environment generates alike, as any process reads it. Worked out once per
        environment's settings: hashing every filter's code costs a few milliseconds, and
        MkDocs asks for each template as it writes the pages."""
        alike = _generated_alike(bucket.environment)
        name = self._names.get(alike)
        if name is None:
            # Jinja's own header records only its cache format and Python's major.minor.
            made_by = f"{jinja2.__version__} {sys.implementation.cache_tag}"
            name = self._names[alike] = f"{made_by}\n{_stable(alike)!r}"
        return name

    def _read(self, bucket: Bucket) -> bytes | None:
        try:
            return cachedir.read_marking_use(self._path(bucket))
        except OSError:
            return None

    def _write(self, bucket: Bucket, code: bytes) -> None:
        path = self._path(bucket)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # A complete file or none: another build may be reading the folder.
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as out:
                out.write(code)
            os.replace(temporary, path)
            self.written += 1
        except OSError:
            return

    def prune(self) -> int:
        """Bound the folder once this process wrote to it (a build that compiled nothing does
        not even count the files): each change to a filter's code or to the theme adds a
        generation of templates, and only the recently used ones are worth keeping."""
        if self.folder is None or not self.written:
            return 0
        self.written = 0
        return cachedir.bound_flat(self.folder, SUFFIX, LIMIT)


def _stable(value: Any, depth: int = 0) -> Any:
    """``value`` as it reads in any process: plain functions by module, name, code, defaults
    and what their closure holds; classes by module, name and their functions' code;
    collections item by item; anything else by its representation. Any other callable (a
    partial, a bound method, an object with ``__call__``), a representation that shows where
    the object lives in memory, and a structure too deep key nothing another process finds."""
    here_only = ("here only", os.getpid(), id(value))
    if depth > 8:  # (the environment's settings, a filter and its name, its defaults: 4)
        return here_only
    if isinstance(value, (tuple, list)):
        return tuple(_stable(v, depth + 1) for v in value)
    if isinstance(value, type):
        own = sorted(_code_digest(f.__code__) for f in vars(value).values() if _plain(f))
        return (value.__module__, value.__qualname__, tuple(own))
    if _plain(value):
        cells = value.__closure__ or ()
        return (
            value.__module__,
            value.__qualname__,
            _code_digest(value.__code__),
            _stable(value.__defaults__ or (), depth + 1),
            _stable(sorted((value.__kwdefaults__ or {}).items()), depth + 1),
            tuple(_stable(cell.cell_contents, depth + 1) for cell in cells),
        )
    if isinstance(value, types.BuiltinFunctionType) and _is_module(value.__self__):
        return (value.__module__, value.__qualname__)  # written in C: named, not compiled
    if callable(value):
        return here_only
    text = repr(value)
    return here_only if " at 0x" in text else text


def _is_module(owner: Any) -> bool:
    return owner is None or isinstance(owner, types.ModuleType)


def _plain(value: Any) -> bool:
    return isinstance(value, types.FunctionType)


def _code_digest(code: Any) -> str:
    """A function's code: its instructions and its constants (nested code likewise; a set of
    constants in a fixed order, whatever the process's hash seed)."""
    return hashlib.sha256(code.co_code + repr(_constants(code.co_consts)).encode()).hexdigest()


def _constants(values: Any) -> Any:
    out = []
    for c in values:
        if hasattr(c, "co_code"):
            out.append(_code_digest(c))
        elif isinstance(c, (frozenset, set)):
            out.append(repr(sorted(repr(v) for v in c)))
        elif isinstance(c, tuple):
            out.append(_constants(c))
        else:
            out.append(repr(c))
    return tuple(out)


INSTALLED = Path(sys.prefix) / "share" / "derivations" / "theme-code"
"""Where the compiled theme templates are kept: in the Python environment, with the theme."""

CODE = CompiledTemplates(INSTALLED)
"""This process's compiled theme templates (one ``serve`` process rebuilds many times)."""


def precompile(theme: Any) -> int:
    """Compile the theme's page, error and sitemap templates, and every template they extend,
    include or import by a constant name, into :data:`CODE`. The number compiled.

    A template already compiled (in this process, or on disk by an earlier one) is not read
    for its references: those were compiled with it, and one changed since is compiled when
    MkDocs asks for it."""
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
            bucket = CODE.get_bucket(env, name, filename, source)
            if bucket.code is not None:
                continue
            tree = env.parse(source, name, filename)
            names.extend(n for n in meta.find_referenced_templates(tree) if n)
            bucket.code = env.compile(tree, name, filename)
            CODE.set_bucket(bucket)
            compiled += 1
        except Exception:
            # Not there, or broken: MkDocs reports it when it needs it. Compiling ahead only
            # saves time, and may never fail a build.
            continue
    return compiled
