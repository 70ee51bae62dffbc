"""A build in which something changed: each page rendered as soon as its own checks are done.

The checks run in the background (:class:`generator.pipeline.run.BackgroundCheck`); MkDocs asks
for the pages in order and converts each one while the workers check the next. The landing
page, which shows every page's status, comes last. :meth:`Progressive.finish` waits for the
last check and returns everything, as :func:`generator.pipeline.run.load_and_check` would.

MkDocs reads every page before it writes any. So that it does not wait for the last check
to begin writing, a page whose checks are still running is first read as its front matter
alone (:meth:`Progressive.placeholder`), and read again, now complete, just before MkDocs
writes it (:func:`read_again`): each page is converted and written as soon as its checks are
done, and after the last check only the last pages remain to write. This needs MkDocs' own
reading step and no other plugin that could look at a page between reading and writing
(:func:`may_read_twice`); otherwise every page waits for its checks when it is read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.settings import Options
from ..pipeline.checked import Checked
from ..pipeline.run import BackgroundCheck, load
from .page import INDEX_PAGE, Page, Repository
from .render import (
    derivation_page,
    environment,
    landing_page,
    page_outlines,
    page_path,
    yaml_string,
)

PLUGINS_THAT_ALLOW_READING_TWICE = frozenset({"derivations", "search", "material/search"})
"""Plugins known to look at a page only when it is written (search) or to be this one."""


class Progressive:
    """The pages of one build, each rendered when MkDocs asks for it (in any order), or at the
    end if it never does."""

    def __init__(
        self,
        options: Options,
        repository: Repository | None,
        meanwhile: Callable[[], object] | None = None,
    ) -> None:
        """``meanwhile``: work to do the first time a page has to wait for its checks, in time
        this process would otherwise spend waiting (the workers have the cores)."""
        content = load(options)
        self.checks = BackgroundCheck(content, options)
        self._env = environment(options.templates_dir)
        self._repository = repository
        self._sources = {page_path(source): source for source in content.sources}
        self.pages = page_outlines(content)
        """Every page, in the navigation's order; Markdown filled in as each is rendered."""
        self._rendered: set[str] = set()
        self._meanwhile = meanwhile

    def markdown(self, path: str) -> str | None:
        """The Markdown of the page at ``path`` (None if it is not one of these pages), once
        the checks it shows are done."""
        waits = path in self._sources and not self.checks.done(self._sources[path].path)
        if self._meanwhile is not None and (waits or path == INDEX_PAGE):
            meanwhile, self._meanwhile = self._meanwhile, None
            meanwhile()
            self._env.get_template("derivation.md.j2")  # this package's templates too
            self._env.get_template("index.md.j2")
        if path == INDEX_PAGE:
            page = landing_page(self.checks.result(), self._env, self._repository)
        elif path in self._sources:
            source = self._sources[path]
            page = derivation_page(source, self.checks.source(source.path), self._env)
        else:
            return None
        self._keep(page)
        return page.markdown

    def ready(self, path: str) -> bool:
        """Whether :meth:`markdown` would not wait for any check."""
        if path == INDEX_PAGE:
            return self.checks.finished()
        return path not in self._sources or self.checks.done(self._sources[path].path)

    def placeholder(self, path: str) -> str:
        """What a page is first read as while its checks run: its front matter (the title)."""
        title = next((p.title for p in self.pages if p.path == path), "")
        return f"---\ntitle: {yaml_string(title)}\n---\n"

    def finish(self) -> Checked:
        """Every verdict, after the last check; every page rendered, even one MkDocs did
        not ask for."""
        checked = self.checks.result()
        for page in list(self.pages):
            if page.path not in self._rendered:
                self.markdown(page.path)
        return checked

    def _keep(self, page: Page) -> None:
        self.pages = [page if p.path == page.path else p for p in self.pages]
        self._rendered.add(page.path)


def may_read_twice(config: Any, dirty: bool) -> bool:
    """Whether pages may be read first as placeholders and again before they are written:
    only MkDocs' own reading step is used, and no other plugin could see a placeholder.
    (A dirty build reads only the pages it thinks changed.)"""
    return (
        not dirty
        and _reading_step() is not None
        and set(config.plugins) <= PLUGINS_THAT_ALLOW_READING_TWICE
    )


def read_again(page: Any, config: Any, files: Any) -> None:
    """Read, convert and check ``page`` again, as MkDocs read it the first time (its plugins'
    events included), leaving the engine's notion of the current page as it found it."""
    step = _reading_step()
    assert step is not None
    current = config._current_page
    try:
        step(page, config, files)
    finally:
        config._current_page = current


def _reading_step() -> Callable[..., None] | None:
    try:
        from mkdocs.commands.build import _populate_page
    except ImportError:  # an engine without it: every page waits for its checks when read
        return None
    return _populate_page
