"""A real Chromium against the real built site, offline.

The site is built once per session with the real ``derivations build`` and served by a
``ThreadingHTTPServer`` on 127.0.0.1 (random port). The browser is pointed at
``http://127.0.0.1`` + the path of ``site_url``, with no port. Every request is routed:
requests for that address are rewritten to the real server (nothing listens on port 80),
requests to the real server pass, ``data:``/``blob:`` pass, and everything else is
aborted and recorded.

Why not simply ``http://127.0.0.1:<port>/``? Material's instant navigation only takes
over links listed in ``sitemap.xml``, and it maps each ``<loc>`` to the current page by
replacing protocol and hostname only: the port (none) and the path of ``site_url`` stay.
Served anywhere else, every click is a full page load and instant navigation is never
tested (``mkdocs serve`` avoids this by rewriting ``site_url``).

Without Chromium the browser tests are skipped with a loud reason, except when
``CI=true``: then a missing browser is a failure.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NoReturn

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

from ..helpers import ROOT, copy_project, run_cli

DEBIAN_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIRTUAL_ORIGIN = "http://127.0.0.1"
"""Where the browser believes the site is (see the module docstring)."""
FIXTURES_PATH = "/browser-fixtures/"
PAGES = Path(__file__).parent / "pages"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


# --- the browser, or a loud skip --------------------------------------------------------


def find_chromium() -> str | None:
    if Path(DEBIAN_CHROMIUM).is_file() and os.access(DEBIAN_CHROMIUM, os.X_OK):
        return DEBIAN_CHROMIUM
    return shutil.which("chromium")


def in_ci(environ: Mapping[str, str]) -> bool:
    return environ.get("CI", "").strip().lower() in ("true", "1")


def missing_browser(environ: Mapping[str, str]) -> NoReturn:
    reason = (
        "BROWSER TESTS DID NOT RUN: no Chromium at /usr/bin/chromium or on PATH. "
        "Install Debian's browser: apt-get install chromium"
    )
    if in_ci(environ):
        pytest.fail(f"{reason} (CI=true: a missing browser is a failure)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = find_chromium()
    if path is None:
        missing_browser(os.environ)
    return path


@pytest.fixture(scope="session")
def playwright_instance(chromium_executable: str) -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright, chromium_executable: str) -> Iterator[Browser]:
    # A plain launch runs on a fresh temporary profile; contexts are separate on top.
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


def save(path: Path, data: bytes) -> None:
    """Write a screenshot atomically (parallel test workers may write the same page)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_bytes(data)
    partial.replace(path)


# --- the built site and the server ------------------------------------------------------


class _Handler(SimpleHTTPRequestHandler):
    """Serves each mount (URL prefix → folder; the longest prefix wins); anything else
    is a 404."""

    mounts: dict[str, Path]

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        for prefix, folder in sorted(self.mounts.items(), key=lambda m: -len(m[0])):
            if clean.startswith(prefix):
                self.directory = str(folder)
                return super().translate_path("/" + path[len(prefix) :])
        return str(Path(self.directory) / "no such mount")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Server:
    real_origin: str
    """http://127.0.0.1:<port>, where the files really are."""
    mounts: dict[str, Path]

    def real(self, url: str) -> str:
        """The real server's URL for a URL as the browser sees it."""
        if url.startswith(VIRTUAL_ORIGIN + "/"):
            return self.real_origin + url[len(VIRTUAL_ORIGIN) :]
        return url


@dataclass
class Site:
    root: Path
    """The built site/ folder."""
    base: str
    """The site's address in the browser: http://127.0.0.1 + the path of site_url."""
    pages: dict[str, int]
    """Every page (``""`` for the landing page, ``"sigmoid-logistic/"``, …) and the number
    of ``arithmatex`` elements in its HTML."""
    server: Server

    def url(self, page: str) -> str:
        return self.base + page

    @staticmethod
    def name(page: str) -> str:
        """A file name for a page: ``index`` for the landing page."""
        return page.strip("/").replace("/", "-") or "index"


def site_path(site_dir: Path) -> str:
    """The path of site_url, read from the landing page's canonical link."""
    html = (site_dir / "index.html").read_text(encoding="utf-8")
    match = re.search(r'<link rel="canonical" href="[a-z]+://[^/"]+(/[^"]*)"', html)
    path = match.group(1) if match else "/"
    return path if path.endswith("/") else path + "/"


def discover_pages(site_dir: Path) -> dict[str, int]:
    pages = {}
    for index in sorted(site_dir.rglob("index.html")):
        relative = index.parent.relative_to(site_dir).as_posix()
        page = "" if relative == "." else relative + "/"
        html = index.read_text(encoding="utf-8")
        pages[page] = len(re.findall(r'class="arithmatex"', html))
    return pages


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    mounts: dict[str, Path] = {}
    handler = functools.partial(
        type("Handler", (_Handler,), {"mounts": mounts}), directory=str(ROOT)
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Server(f"http://127.0.0.1:{httpd.server_port}", mounts)
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def site(
    tmp_path_factory: pytest.TempPathFactory, server: Server, chromium_executable: str
) -> Site:
    project = copy_project(tmp_path_factory.mktemp("browser-project"))
    result = run_cli("build", "--root", str(project))
    assert result.returncode == 0, result.stderr
    site_dir = project / "site"
    path = site_path(site_dir)
    server.mounts[path] = site_dir
    return Site(site_dir, VIRTUAL_ORIGIN + path, discover_pages(site_dir), server)


@pytest.fixture(scope="session")
def fixture_pages(tmp_path_factory: pytest.TempPathFactory, site: Site) -> str:
    """Our deliberately broken pages next to the built site's own MathJax and config;
    returns their base URL."""
    folder = tmp_path_factory.mktemp("browser-fixtures")
    for page in PAGES.glob("*.html"):
        shutil.copy(page, folder / page.name)
    for asset in ("assets/mathjax", "assets/derivations"):
        shutil.copytree(site.root / asset, folder / asset)
    site.server.mounts[FIXTURES_PATH] = folder
    return VIRTUAL_ORIGIN + FIXTURES_PATH


# --- a guarded browser context ----------------------------------------------------------


@dataclass
class Guarded:
    context: BrowserContext
    blocked: list[str] = field(default_factory=list)
    """Requests to anywhere but our server: aborted."""
    failed: list[str] = field(default_factory=list)
    """Responses with status >= 400."""
    errors: list[str] = field(default_factory=list)
    """Uncaught page errors, console errors and console warnings."""


def open_guarded(browser: Browser, server: Server) -> Guarded:
    """A new context (its own cookies, cache and storage) whose every request is routed."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    context.set_default_timeout(15_000)
    guard = Guarded(context)

    def route(route: Route) -> None:
        url = route.request.url
        if url.startswith(VIRTUAL_ORIGIN + "/"):
            route.continue_(url=server.real(url))
        elif url.startswith((server.real_origin + "/", "data:", "blob:")):
            route.continue_()
        else:
            guard.blocked.append(url)
            route.abort()

    context.route("**/*", route)
    context.on(
        "response",
        lambda r: guard.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )

    def watch(page: Page) -> None:
        page.on("pageerror", lambda e: guard.errors.append(f"{page.url}: uncaught {e}"))
        page.on(
            "console",
            lambda m: (
                guard.errors.append(f"{page.url}: console.{m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )

    context.on("page", watch)
    return guard


@pytest.fixture
def guarded(browser: Browser, server: Server) -> Iterator[Guarded]:
    guard = open_guarded(browser, server)
    yield guard
    guard.context.close()
