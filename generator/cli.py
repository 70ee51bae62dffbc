"""The ``derivations`` command: build, serve, check, render (and new).

Heavy imports (MkDocs, SymPy) happen inside the commands that need them, so
``derivations --help`` and cached runs start fast.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

TIMEOUT_HELP = "Seconds one check may take before it ends as a timeout."
PROJECT = click.Path(exists=True, file_okay=False, path_type=Path)
"""A project folder that must exist: a mistyped --root is an error, not an empty site."""


def project_options(
    root: Path, timeout: float | None = None, jobs: int | None = None, no_cache: bool = False
) -> Any:
    """The build's options: command-line flags > environment > mkdocs.yml > defaults."""
    from dataclasses import replace

    from .core.settings import options_from

    options = options_from(root, _plugin_config(root))
    if no_cache:
        options.cache_dir = None
    if timeout is not None:
        options.settings = replace(options.settings, timeout=float(timeout))
    if jobs is not None:
        options.settings = replace(options.settings, jobs=int(jobs))
    return options


def _plugin_config(root: Path) -> dict[str, Any]:
    """The derivations plugin's options in mkdocs.yml, read without loading MkDocs."""
    path = root / "mkdocs.yml"
    if not path.exists():
        return {}
    try:
        data = _yaml_load(path.read_text(encoding="utf-8"))
    except Exception:  # a broken mkdocs.yml is MkDocs' to report; fall back to defaults
        return {}
    for plugin in (data or {}).get("plugins", []) or []:
        if isinstance(plugin, dict) and "derivations" in plugin:
            return dict(plugin["derivations"] or {})
    return {}


def _yaml_load(text: str) -> Any:
    """mkdocs.yml as data, MkDocs' own tags (``!ENV``, ``!!python/name:…``) read as nothing.
    PyYAML, which MkDocs imports anyway: a build that reuses its pages reads this first."""
    import yaml

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    return yaml.load(text, Loader=Loader)  # a safe loader: plain data, unknown tags as None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="derivations")
def main() -> None:
    """Machine-checked derivations: YAML sources, SymPy verdicts, an MkDocs site."""


@main.command()
@click.option("--root", type=PROJECT, default=".", show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--timeout", type=float, default=None, help=TIMEOUT_HELP)
@click.option("--jobs", type=int, default=None, help="Worker processes (default: one per core).")
@click.option("--no-cache", is_flag=True, help="Check everything again, ignoring cached verdicts.")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(
    root: Path,
    fmt: str,
    timeout: float | None,
    jobs: int | None,
    no_cache: bool,
    files: tuple[Path, ...],
) -> None:
    """Verify every equation in content/ (or only FILES) without building the site."""
    from .pipeline.earlystart import start_checkers_if_cold

    root = root.resolve()
    options = project_options(root, timeout, jobs, no_cache)
    _only_sources(files, options.content_dir)
    if not files:  # all of content/: with an empty cache, every check will run
        start_checkers_if_cold(options.cache_dir)  # before the loader's imports
    from .core.errors import summary
    from .pipeline.run import check_content, describe_content
    from .report import file_lines, json_report
    from .source.load import load_content

    content = load_content(options.content_dir, root, options.cache_dir)
    if files:
        wanted = {f.resolve() for f in files}
        content.sources = [s for s in content.sources if (root / s.path).resolve() in wanted]
        content.diagnostics = [
            d for d in content.diagnostics if (root / d.file).resolve() in wanted
        ]
    checked = _or_exit(
        lambda: check_content(content, options, _progress_bar() if fmt == "text" else None)
    )
    if fmt == "json":
        descriptions = describe_content(checked.content, options) if checked.ok else {}
        click.echo(json.dumps(json_report(checked, descriptions), indent=2, ensure_ascii=False))
    else:
        for diagnostic in checked.diagnostics:
            click.echo(diagnostic.format(), err=True)
        for line in file_lines(checked):
            click.echo(line)
        stats = checked.stats
        click.echo(
            f"{stats.checks} checks ({stats.ran} run, {stats.cached} cached) in {stats.seconds:.2f} s"
        )
        if not checked.ok:
            click.echo(summary(checked.diagnostics), err=True)
    sys.exit(0 if checked.ok else 1)


def _or_exit(run: Any) -> Any:
    """Run a pipeline step; problems that stop the whole run are printed, not raised."""
    from .core.errors import DiagnosticsError

    try:
        return run()
    except DiagnosticsError as exc:
        for diagnostic in exc.diagnostics:
            click.echo(diagnostic.format(), err=True)
        sys.exit(1)


def _progress_bar() -> Any:
    """A progress bar on a terminal; nothing (plain lines at the end) otherwise."""
    if not sys.stderr.isatty():
        return None
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if total < 20:
            return
        bar = state.get("bar")
        if bar is None:
            bar = click.progressbar(length=total, label="checking", file=sys.stderr)
            bar.__enter__()
            state["bar"] = bar
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    return update


def _mkdocs_config(root: Path, **overrides: Any) -> Any:
    from mkdocs.config import load_config

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    return load_config(str(root / "mkdocs.yml"), **overrides)


def _apply_plugin_options(config: Any, timeout: float | None, jobs: int | None) -> None:
    plugin = config.plugins.get("derivations")
    if plugin is None:
        raise click.ClickException("mkdocs.yml does not enable the derivations plugin")
    if timeout is not None:
        plugin.config.timeout = timeout
    if jobs is not None:
        plugin.config.jobs = jobs


@main.command()
@click.option("--root", type=PROJECT, default=".", show_default=True)
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option(
    "--strict/--no-strict", default=True, show_default=True, help="Fail on MkDocs warnings."
)
@click.option("--timeout", type=float, default=None, help=TIMEOUT_HELP)
@click.option("--jobs", type=int, default=None)
def build(
    root: Path, site_dir: Path | None, strict: bool, timeout: float | None, jobs: int | None
) -> None:
    """Check every equation and build the site into site/ (replaced only on success)."""
    from .pipeline.earlystart import start_checkers_if_cold

    start_checkers_if_cold(project_options(root.resolve()).cache_dir)  # before MkDocs loads
    _quiet_logging()
    from mkdocs.commands.build import build as mkdocs_build

    overrides: dict[str, Any] = {"strict": strict}
    if site_dir is not None:
        overrides["site_dir"] = str(site_dir.resolve())
    config = _mkdocs_config(root.resolve(), **overrides)
    _apply_plugin_options(config, timeout, jobs)
    config.plugins.on_startup(command="build", dirty=False)
    try:
        mkdocs_build(config)
    finally:
        config.plugins.on_shutdown()


@main.command()
@click.option("--root", type=PROJECT, default=".", show_default=True)
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True)
@click.option("--timeout", type=float, default=None, help=TIMEOUT_HELP)
def serve(root: Path, dev_addr: str, timeout: float | None) -> None:
    """Preview the site with live reload; edits to content/ and templates/ rebuild it."""
    from .pipeline.earlystart import start_checkers

    # Now, whatever the cache holds: an edited equation is then checked by workers that are
    # ready, instead of waiting for SymPy's import after the save.
    start_checkers()
    _quiet_logging()
    from mkdocs.commands.serve import serve as mkdocs_serve

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    if timeout is not None:
        os.environ["DERIVATIONS_TIMEOUT"] = str(timeout)
    mkdocs_serve(config_file=str(root.resolve() / "mkdocs.yml"), livereload=True, dev_addr=dev_addr)


@main.command()
@click.option("--root", type=PROJECT, default=".", show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the Markdown pages into.",
)
@click.option("--timeout", type=float, default=None, help=TIMEOUT_HELP)
def render(root: Path, out: Path, timeout: float | None) -> None:
    """Write the generated Markdown pages (plain MkDocs with arithmatex can build them)."""
    from .core.errors import summary
    from .pages.render import render_pages
    from .pages.write import write_pages
    from .pipeline.run import load_and_check

    root = root.resolve()
    options = project_options(root, timeout, None, False)
    checked = _or_exit(lambda: load_and_check(options))
    for diagnostic in checked.diagnostics:
        click.echo(diagnostic.format(), err=True)
    if not checked.ok:
        raise click.ClickException(summary(checked.diagnostics))
    pages = render_pages(checked, options.templates_dir)
    written = write_pages(pages, out, root / "docs")
    click.echo(f"wrote {written} files to {out}")


@main.command()
@click.argument("slug")
@click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True
)
def new(slug: str, root: Path) -> None:
    """Write content/SLUG.yaml: a commented starter derivation that checks as written."""
    from .scaffold import ScaffoldError, new_derivation

    root = root.resolve()
    options = project_options(root, None, None, False)
    try:
        path = new_derivation(slug, options.content_dir, options.templates_dir, root)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    rel = path.relative_to(root).as_posix()
    click.echo(f"wrote {rel}")
    click.echo(f"next: edit it, then run  derivations check {rel}  and  make serve")


@main.command()
@click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True
)
@click.option(
    "--check", "check_only", is_flag=True, help="Fail if the committed schemas are stale."
)
def schema(root: Path, check_only: bool) -> None:
    """Write the JSON Schemas for source files (schema/*.json) from the typed model."""
    from .schema import stale_schemas, write_schemas

    folder = root.resolve() / "schema"
    if check_only:
        stale = stale_schemas(folder)
        if stale:
            raise click.ClickException(f"stale: {', '.join(stale)}; run `derivations schema`")
        click.echo("schemas are up to date")
        return
    for path in write_schemas(folder):
        click.echo(f"wrote {path.relative_to(root.resolve()).as_posix()}")


def _quiet_logging() -> None:
    """MkDocs' own log format, at INFO, as `mkdocs build` prints it."""
    import logging

    from mkdocs.__main__ import ColorFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(ColorFormatter())
    logger = logging.getLogger("mkdocs")
    if not logger.handlers:
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def run() -> None:
    """The ``derivations`` command: :func:`main`, then the process ends at once.

    Python's own teardown frees every object MkDocs, Markdown, Jinja and pydantic made, one
    by one: 0.1-0.25 s after the site is already published. Nothing is left to do by then:
    every file the command writes is written and closed before :func:`main` returns, and the
    workers are stopped; what the streams and the log still buffer is flushed here, and the
    checkers' fork server is stopped with the command. (``main`` itself, which tests call
    in-process, ends as any function does.)"""
    # Loading sources and MkDocs' rendering make millions of small objects; CPython's collector
    # would pass over the young ones every 700 (a cold build of this site: 4.7 -> 4.5 s).
    gc.set_threshold(50_000, 20, 100)
    code: Any = 0
    try:
        main()
    except SystemExit as stop:
        code = stop.code
    _end_now(code)


def _only_sources(files: tuple[Path, ...], content_dir: Path) -> None:
    """Every FILE must be a source in content/: anything else would be checked as nothing,
    and pass (a mistyped path in CI)."""
    folder = content_dir.resolve()
    for file in files:
        if not file.resolve().is_relative_to(folder) or file.suffix != ".yaml":
            raise click.BadParameter(
                f"{file} is not a source in {content_dir}: only its .yaml files are checked",
                param_hint="FILES",
            )


def _end_now(code: Any) -> None:
    import logging

    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"): shown, and the exit status is 1
        print(code, file=sys.stderr)
        code = 1
    if "multiprocessing.forkserver" in sys.modules:  # the checkers were started
        from .pipeline.pool import stop_fork_server

        stop_fork_server()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe (derivations check | head) has nothing more to receive.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
