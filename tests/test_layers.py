"""The package layout is a rule, not a habit: imports point one way (ARCHITECTURE.md).

Every module of ``generator/`` is parsed with ``ast`` (nothing is imported), and every
import, at module level or inside a function, is checked against the layer table.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "generator"

# Which packages each package may import (besides itself). "top" is the modules directly
# in generator/ (cli, report, scaffold, schema). The checker sees only the vocabulary.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "parse": {"core"},
    "source": {"core", "parse"},
    "checker": {"core"},
    "pipeline": {"core", "parse", "source"},
    "pages": {"core", "parse", "source", "pipeline"},
    "top": {"core", "parse", "source", "pipeline", "pages"},
}
# The one sanctioned crossing into the checker: the worker process's entry point.
CHILD_PROCESS_IMPORTS = {
    ("generator.pipeline.pool", "generator.checker.worker"),
    ("generator.pipeline.pool", "generator.checker.collector"),
}
# Pages read the result type; only the plugin (like MkDocs' commands) runs the pipeline.
PIPELINE_RUNNERS = {"generator.pages.plugin", "generator.pages.progressive"}
HEAVY = {"sympy", "numpy", "mpmath"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) >= 3 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()):
        return parts[1]
    return "top"


def _imports(path: Path, module: str | None = None) -> Iterator[tuple[str, int, bool]]:
    """(imported module, line, at module level) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = module or _module_name(path)
    is_package = path.name == "__init__.py"
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, id(node) in top_level
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, is_package, node.module, node.level)
            names = [f"{base}.{a.name}" for a in node.names]
            for name in names:
                # `from . import x` names a module; `from .m import f` names module m.
                target = name if _is_module(name) else base
                yield target, node.lineno, id(node) in top_level


def _absolute(module: str, is_package: bool, name: str | None, level: int) -> str:
    if level == 0:
        return name or ""
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, name] if name else parts)


def _is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    root = PACKAGE.parent
    return (root / relative).with_suffix(".py").exists() or (root / relative).is_dir()


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _edges() -> list[tuple[str, str, int, bool]]:
    out = []
    for path in _modules():
        source = _module_name(path)
        for target, line, top in _imports(path):
            if target.startswith("generator"):
                out.append((source, target, line, top))
    return out


def test_the_walker_sees_the_packages() -> None:
    packages = {_package_of(_module_name(p)) for p in _modules()}
    assert packages == set(ALLOWED), packages  # a new package must be placed in the table
    assert len(_edges()) > 50


def _upward_imports(path: Path, source: str) -> list[str]:
    mine = _package_of(source)
    wrong = []
    for target, line, top in _imports(path, source):
        if not target.startswith("generator") or target == "generator":
            continue
        theirs = _package_of(target)
        runs_pipeline = theirs == "pipeline" and mine == "pages" and not target.endswith(".checked")
        if runs_pipeline and source not in PIPELINE_RUNNERS:
            wrong.append(f"line {line}: {target} (pages read pipeline.checked only)")
        elif (
            theirs == mine
            or theirs in ALLOWED[mine]
            or ((source, target) in CHILD_PROCESS_IMPORTS and not top)
        ):
            continue
        else:
            wrong.append(f"line {line}: {mine} may not import {target} ({theirs})")
    return wrong


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    wrong = _upward_imports(path, _module_name(path))
    assert not wrong, wrong


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_sympy_and_numpy_only_in_the_checker(path: Path) -> None:
    if _package_of(_module_name(path)) == "checker":
        return
    heavy = [
        f"line {line}: {target}"
        for target, line, _ in _imports(path)
        if target.split(".")[0] in HEAVY
    ]
    assert not heavy, heavy


def test_no_import_cycles_even_through_function_level_imports() -> None:
    graph: dict[str, set[str]] = {}
    for source, target, _, _ in _edges():
        graph.setdefault(source, set()).add(target)
    cycles = []
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" → ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, cycles


def test_the_walker_catches_an_upward_import(tmp_path: Path) -> None:
    """The rule itself can fail: a core module importing the pipeline is reported."""
    probe = tmp_path / "probe.py"
    probe.write_text("from ..pipeline import run\nfrom ..checker import worker\n", encoding="utf-8")
    wrong = _upward_imports(probe, "generator.core.probe")
    assert wrong == [
        "line 1: core may not import generator.pipeline.run (pipeline)",
        "line 2: core may not import generator.checker.worker (checker)",
    ]


def test_the_fork_server_preload_names_real_modules() -> None:
    """CPython's fork server swallows an ImportError for a preload: a stale name would
    silently cost SymPy's import in every worker."""
    import importlib

    from generator.pipeline import pool

    assert pool.PRELOAD[:2] == ["generator.checker.collector", "generator.checker.worker"]
    assert callable(importlib.import_module(pool.PRELOAD[1]).run_check)
    for name in [*pool.PRELOAD, pool.WARM_UP]:
        importlib.import_module(name)


def test_no_module_over_600_lines_and_no_class_over_300() -> None:
    too_big = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > 600:
            too_big.append(f"{path.relative_to(PACKAGE)}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                size = node.end_lineno - node.lineno + 1
                if size > 300:
                    too_big.append(f"{path.relative_to(PACKAGE)}: class {node.name} {size} lines")
    assert not too_big, too_big
