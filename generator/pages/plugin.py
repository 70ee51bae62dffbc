"""MkDocs glue: load → check → render, then hand the pages to MkDocs. Nothing else.

Pages reach MkDocs in memory (``File.generated``); ``content/`` and ``templates/``
are only read. ``mkdocs build`` writes into a staging folder that replaces
``site/`` only when the whole build, strict checks included, succeeded.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files

from ..core.errors import DiagnosticsError, summary
from ..core.settings import DEFAULT_CHECKS, DEFAULT_PATHS, Options, options_from
from . import assets, pagecache, searchindex, sitedir, themecode
from .htmlcheck import unsafe_html
from .page import Page, Repository, reading_order

if TYPE_CHECKING:
    from .progressive import Progressive

log = get_plugin_logger(__name__)
T = TypeVar("T")


class DerivationsConfig(Config):  # type: ignore[no-untyped-call]
    content_dir = c.Type(str, default=DEFAULT_PATHS.content_dir)
    templates_dir = c.Type(str, default=DEFAULT_PATHS.templates_dir)
    cache_dir = c.Type(str, default=DEFAULT_PATHS.cache_dir)
    """Where verdicts are cached; empty means the user's cache folder (~/.cache/derivations)."""
    timeout = c.Type((int, float), default=DEFAULT_CHECKS.timeout)
    """Seconds per check before it ends as a timeout."""
    jobs = c.Type(int, default=DEFAULT_CHECKS.jobs)
    """Worker processes for checking (0: one per core)."""
    memory_mb = c.Type(int, default=DEFAULT_CHECKS.memory_mb)
    """Memory cap of each worker process."""
    mathjax = c.Type(str, default="bundled")
    """'bundled' (served from the site, offline) or the URL of tex-chtml.js on a CDN."""


class _WarningCounter(logging.Handler):
    """Counts what the engine's ``--strict`` counts: WARNING+ records on the engine's logger.

    MkDocs counts on the ``mkdocs`` logger; ProperDocs (which serves ``mkdocs.*`` imports
    from ``properdocs.*``) counts on ``properdocs``, the parent it gives ``mkdocs``. Both
    CLIs stop those loggers from propagating, so the root logger sees nothing. The counter
    listens on the top logger of the engine that defined ``BasePlugin`` and on ``mkdocs``;
    a record that reaches both is counted once.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self._last: logging.LogRecord | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record is not self._last:
            self._last = record
            self.count += 1

    @staticmethod
    def loggers() -> list[logging.Logger]:
        engine = BasePlugin.__module__.partition(".")[0]
        return [logging.getLogger(name) for name in dict.fromkeys(("mkdocs", engine))]

    def attach(self) -> None:
        for logger in self.loggers():
            logger.addHandler(self)  # idempotent

    def detach(self) -> None:
        for logger in self.loggers():
            logger.removeHandler(self)


class DerivationsPlugin(BasePlugin[DerivationsConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        self.command = "build"
        self.pages: list[Page] = []
        self.build_options: Options | None = None
        self.stored = pagecache.StoredBuild([], "")
        """The build to store once published (or the stored one this build reuses)."""
        self.progressive: Progressive | None = None
        """The pages being checked and rendered, until the last check is done (None: a reused
        build)."""
        self.read_twice = False
        """Whether a page whose checks are running is read as a placeholder, then read again
        just before it is written (see :mod:`.progressive`)."""
        self.placeholders: set[str] = set()
        """Pages read as placeholders and not yet read again."""
        self.reread: set[str] = set()
        """Pages read again: the second time, a page waits for its checks."""
        self.files: Files | None = None
        self.failure: PluginError | None = None
        """A build error found once every page was read again, raised in on_post_build."""
        self.dirty = False
        self.key = ""
        self.passed_html: set[str] = set()
        self.staging: Path | None = None
        self.final_site: Path | None = None
        self.warnings = _WarningCounter()

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        self.dirty = dirty
        if command in ("build", "gh-deploy"):
            # From the start, so that no warning the engine counts (this plugin's own among
            # them) is missed: a strict build that will fail must not publish.
            self.warnings = _WarningCounter()
            self.warnings.attach()

    def on_shutdown(self) -> None:
        # The checkers' fork server, ended now rather than left to free SymPy while it holds
        # the command's output open (see pipeline.pool.stop_fork_server).
        if "multiprocessing.forkserver" in sys.modules:
            from ..pipeline.pool import stop_fork_server

            stop_fork_server()

    def options(self, config: MkDocsConfig) -> Options:
        root = Path(config.config_file_path or ".").resolve().parent
        return options_from(root, dict(self.config))

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        options = self.options(config)
        config.watch.extend([str(options.content_dir), str(options.templates_dir)])
        config.extra_css.append(assets.STYLESHEET)
        config.extra_javascript.append(assets.CONFIG_JS)
        config.extra_javascript.append(assets.mathjax_script(self.config.mathjax))
        config.extra_javascript.append(assets.COPY_JS)
        self.build_options = options
        self.key = pagecache.build_key(options, repository(config))
        stored = pagecache.load(options, self.key)
        self.progressive = None
        self.read_twice = False
        if stored is not None:
            log.info(f"{stored.summary}; nothing changed since the last build")
            self.stored = stored
            self.pages = stored.pages
        else:
            # The checks run while MkDocs goes on; each page waits for its own (see
            # on_page_read_source and on_page_context). A false claim fails the build once
            # the last check is done, and the site folder is only ever replaced by a build
            # that passed.
            from .progressive import Progressive, may_read_twice  # (a reused build skips it)

            theme = config.theme
            self.progressive = _reported(
                lambda: Progressive(
                    options, repository(config), meanwhile=lambda: themecode.precompile(theme)
                )
            )
            self.stored = pagecache.StoredBuild([], "")
            self.pages = self.progressive.pages
            self.read_twice = may_read_twice(config, self.dirty)
        self.placeholders = set()
        self.reread = set()
        self.failure = None
        self.passed_html = set()
        if config.nav is None:
            config.nav = navigation(self.pages, Path(config.docs_dir))
        if self.command in ("build", "gh-deploy"):
            self.final_site = Path(config.site_dir)
            self.staging = sitedir.make_staging(self.final_site)
            config.site_dir = str(self.staging)
            self.warnings.attach()  # already done, unless the caller skipped on_startup
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        # MkDocs reads the pages in this order: the derivations as the workers check them,
        # the landing page (every page's status) last. The navigation keeps its own order.
        for page in reading_order(self.pages):
            if files.get_file_from_path(page.path) is not None:
                raise PluginError(
                    f"{page.path} is generated from content/; remove it from {config.docs_dir}"
                )
            generated = File.generated(config, page.path, content=page.markdown)
            if page.source is not None:
                generated.edit_uri = edit_uri(config, page.source)
            files.append(generated)
        static = assets.own_assets()
        if self.config.mathjax == "bundled":
            static += assets.mathjax_assets()
        for asset in static:
            files.append(File.generated(config, asset.dest, abs_src_path=str(asset.source)))
        self.files = files
        return files

    def on_page_read_source(self, *, page: Any, config: MkDocsConfig) -> str | None:
        if self.progressive is None:
            return None  # every page's Markdown is already in its file
        progressive = self.progressive
        path = page.file.src_uri
        if self.read_twice and path not in self.reread and not progressive.ready(path):
            self.placeholders.add(path)  # read again, complete, before it is written
            return progressive.placeholder(path)
        return _reported(lambda: progressive.markdown(path))

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        # After MkDocs read every page and before it writes any. Unless some pages were read
        # as placeholders, the last checks are done here, and a build with a false claim
        # stops. The theme's templates come compiled.
        if env.bytecode_cache is None:
            env.bytecode_cache = themecode.CODE
        if not self.placeholders:
            self._finish()
        return env

    @event_priority(100)  # before the search plugin reads the page
    def on_page_context(self, context: Any, *, page: Any, config: MkDocsConfig, nav: Any) -> Any:
        path = page.file.src_uri
        if path in self.placeholders:
            from .progressive import read_again

            self.placeholders.discard(path)
            self.reread.add(path)
            read_again(page, config, self.files)  # waits for the page's checks
            if not self.placeholders:  # every page read whole: every check is done
                try:
                    self._finish()
                except PluginError as failure:
                    # Raised here, MkDocs would blame the page it is writing: the build
                    # stops in on_post_build instead, before anything is published.
                    self.failure = failure
        return context

    def _finish(self) -> None:
        """Every verdict: the diagnostics logged, and the build stopped if any is an error
        (before anything is published)."""
        if self.progressive is not None:
            progressive, self.progressive = self.progressive, None
            self.stored = _finished(progressive)
            self.pages = self.stored.pages

    def on_page_content(self, html: str, *, page: Any, config: MkDocsConfig, files: Files) -> str:
        if page.file.src_uri in self.placeholders:
            return html  # only a title, read again before it is written
        digest = pagecache.html_digest(html)
        if digest not in self.stored.safe_html:  # the same HTML passed in the stored build
            problems = unsafe_html(html)
            if problems:
                raise PluginError(
                    f"{page.file.src_uri}: the rendered page contains unsafe HTML: {'; '.join(problems[:5])}"
                )
        self.passed_html.add(digest)
        return html

    @event_priority(-100)  # last, so that warnings from other plugins' post_build count too
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        failure, self.failure = self.failure, None
        if failure is not None:
            raise failure
        self._finish()  # (done already, unless a placeholder page was never written)
        self.warnings.detach()
        themecode.CODE.prune()  # under serve too, which publishes nothing
        if self.staging is None or self.final_site is None:
            return
        if config.strict and self.warnings.count:
            sitedir.discard(self.staging)
            self.staging = None
            # An error, which the engine counts too: it aborts, and the old site stays.
            log.error(
                f"strict mode and {self.warnings.count} warning(s): {self.final_site} is unchanged"
            )
            return
        # readable math in search results (the same index as last time: the same rewrite)
        index = searchindex.rewrite_search_index(self.staging, self.stored.search_index)
        sitedir.publish(self.staging, self.final_site)
        if self.build_options is not None and self.stored.summary:
            build = pagecache.StoredBuild(self.pages, self.stored.summary, self.passed_html, index)
            pagecache.save(self.build_options, self.key, build)
        config.site_dir = str(self.final_site)
        self.staging = None
        log.info(f"Site published to {self.final_site}")

    def on_build_error(self, *, error: Exception) -> None:
        self.warnings.detach()
        self.failure = None
        if self.progressive is not None:
            # No check may outlive its build (under serve, the next build starts its own).
            with contextlib.suppress(Exception):
                self.progressive.checks.result()
            self.progressive = None
        if self.staging is not None:
            sitedir.discard(self.staging)
            self.staging = None


def _reported(make: Callable[[], T]) -> T:
    """``make()``, with the checker's own errors (no content folder, workers that cannot
    start) logged and turned into the engine's build error."""
    try:
        return make()
    except DiagnosticsError as exc:
        for diagnostic in exc.diagnostics:
            log.error(diagnostic.format())
        raise PluginError(str(exc)) from None


def _finished(progressive: Progressive) -> pagecache.StoredBuild:
    """Every verdict and every page, once the last check is done: the diagnostics logged, the
    build stopped if any is an error, and what a later build may reuse."""
    checked = _reported(progressive.finish)
    for diagnostic in checked.diagnostics:
        (log.error if diagnostic.severity == "error" else log.warning)(diagnostic.format())
    if not checked.ok:
        raise PluginError(summary(checked.diagnostics))
    stats = checked.stats
    line = (
        f"{len(checked.content.sources)} derivations, {stats.checks} checks "
        f"({stats.ran} run, {stats.cached} cached)"
    )
    log.info(f"{line} in {stats.seconds:.2f} s")
    # What a later build that reuses these pages reports: every check cached. A build with
    # warnings (a duplicate order) is not stored at all (empty line): they must show each time.
    reused = (
        f"{len(checked.content.sources)} derivations, {stats.checks} checks "
        f"(0 run, {stats.checks} cached)"
    )
    return pagecache.StoredBuild(progressive.pages, "" if checked.diagnostics else reused)


def edit_uri(config: MkDocsConfig, source: str) -> str:
    """The YAML a page is generated from, as a path from the docs folder: MkDocs joins it to
    ``repo_url`` + ``edit_uri`` (which point at the docs folder), so "edit this page" opens
    ``content/x.yaml`` and not a generated Markdown file that exists nowhere."""
    root = Path(config.config_file_path or ".").resolve().parent
    return Path(os.path.relpath(root / source, Path(config.docs_dir).resolve())).as_posix()


def repository(config: MkDocsConfig) -> Repository | None:
    """The repository's address and its CONTRIBUTING.md, both from ``repo_url`` and
    ``edit_uri``: the guide is viewed where "edit" would edit it (Material's view link)."""
    if not config.repo_url:
        return None
    if not config.edit_uri:
        return Repository(config.repo_url, config.repo_url)
    base = config.repo_url.rstrip("/") + "/"
    edit = urljoin(base, config.edit_uri + edit_uri(config, "CONTRIBUTING.md"))
    return Repository(config.repo_url, edit.replace("/edit/", "/blob/", 1))


def navigation(pages: list[Page], docs_dir: Path) -> list[Any]:
    """Landing page, derivations (grouped by section where given), then hand-written docs."""
    nav: list[Any] = []
    groups: dict[str, list[Any]] = {}
    for page in pages:
        entry = {page.title: page.path}
        if page.section:
            if page.section not in groups:
                groups[page.section] = []
                nav.append({page.section: groups[page.section]})
            groups[page.section].append(entry)
        else:
            nav.append(entry)
    extra = (
        sorted(p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.md"))
        if docs_dir.is_dir()
        else []
    )
    nav.extend(extra)
    return nav
