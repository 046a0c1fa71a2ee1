"""Test helpers for the theme: blogs built into tmp, served over real HTTP under /repo/, and Chromium."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from generator.build import BuildOptions, build_site

REPO = Path(__file__).resolve().parent.parent
THEME_FIXTURE = REPO / "tests" / "fixtures" / "theme"
ARTIFACTS = REPO / "test-artifacts"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
BASE_PATH = "/repo/"
# 2026-01-01T00:00:00Z, as in conftest.py: the same "now" for every build of the fixture.
EPOCH = "1767225600"


@dataclass(frozen=True)
class Blog:
    """A blog the theme tests build: its source folder and the notebook execution mode."""

    name: str
    source: Path
    execute: str | None = None


def sample_blog() -> Blog:
    """The repository's own blog, rebuilt from its committed `_freeze/` results."""
    return Blog("sample", REPO, execute="never")


def sample_blog_missing() -> str:
    """Why the sample blog cannot be built yet, or '' when it can."""
    if not any((REPO / "posts").glob("*")):
        return "the sample blog has no posts/ yet"
    if not (REPO / "_freeze").is_dir():
        return "the sample blog has no committed _freeze/ results yet"
    return ""


def blogs() -> list[object]:
    """pytest params: the theme fixture always, the sample blog once it can build offline."""
    reason = sample_blog_missing()
    sample = pytest.param(sample_blog(), id="sample",
                          marks=[pytest.mark.skip(reason=reason)] if reason else [])
    return [pytest.param(Blog("fixture", THEME_FIXTURE), id="fixture"), sample]


def build_blog(blog: Blog, out: Path, base_url: str) -> Path:
    """Build `blog` into `out` with the real pipeline; the fixture is copied first (builds write caches)."""
    source = blog.source
    if blog.name == "fixture":
        source = out.parent / f"{out.name}-source"
        shutil.copytree(blog.source, source, dirs_exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        # The sample blog is built as its publisher builds it: today's posts are out, future ones not.
        if blog.name == "fixture":
            patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        else:
            patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        result = build_site(BuildOptions(source=source, out=out, base_url=base_url,
                                         execute=blog.execute, progress=False))
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    return out


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site under /repo/ only; a missing file gets the site's 404.html."""

    def translate_path(self, path: str) -> str:
        clean = unquote(urlsplit(path).path)
        root = Path(self.directory)
        if not clean.startswith(BASE_PATH):
            return str(root / "\0missing")
        return str(root / clean[len(BASE_PATH):])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet: pytest shows failures
        return None


def pagefind_executable() -> Path | None:
    """The binary of the `pagefind_bin` wheel, None where it is not installed (conftest.py points
    other builds of the suite at no binary)."""
    try:
        from pagefind_bin import get_executable
    except ImportError:
        return None
    return get_executable()


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve `site` at http://127.0.0.1:<free port>/repo/ and yield that origin (no trailing slash).

    Files are read per request, so the site may be built after the server starts: the build
    can then use the server's real origin as its base URL."""
    handler = functools.partial(_SiteHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium, driven by Playwright; skipped with the reason when it is missing."""
    if not CHROMIUM.is_file():
        pytest.skip("Chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Requests:
    """What a page asked for: every URL, and those for another host (refused, as an offline
    reader's browser would)."""

    asked: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


def offline(context: Any, origin: str, refuse: Callable[[str], bool] = lambda url: False) -> Requests:
    """Let the pages of a browser context reach only `origin` (the test server), and not even
    the files of it that `refuse` names; say what they asked for."""
    seen = Requests()

    def route(found: Any) -> None:
        url = found.request.url
        seen.asked.append(url)
        if url.startswith(origin + "/") and not refuse(url):
            found.continue_()
        else:
            if not url.startswith(origin + "/"):
                seen.outside.append(url)
            found.abort()

    context.route("**/*", route)
    return seen


def html_files(site: Path) -> list[str]:
    """Site paths of every built HTML page, as URL paths under /repo/ (index.html → folder)."""
    pages = []
    for path in sorted(site.rglob("*.html")):
        pages.append(BASE_PATH + path.relative_to(site).as_posix().removesuffix("index.html"))
    return pages
