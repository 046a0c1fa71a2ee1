"""Every internal link and asset resolves over real HTTP, under /repo/ and at a domain root.

The golden blog is built with the CLI, served by a real ThreadingHTTPServer on 127.0.0.1 that
mounts the site under the base path (the way GitHub Pages serves a project site), and crawled
from its home page: every href and src of every page (plus url() in stylesheets and the
sitemap's locations) must answer 200 without a redirect.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from http.client import HTTPConnection
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urldefrag, urljoin, urlsplit

import pytest
from conftest import run_journey

from tests.golden.regenerate import copy_blog

URL_ATTRIBUTES = {"href", "src", "poster", "data-index"}


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name in URL_ATTRIBUTES:
                self.found.append(value)
            elif value and name == "srcset":
                self.found.extend(part.split()[0] for part in value.split(",") if part.strip())


def references(content_type: str, body: str) -> list[str]:
    if content_type.startswith("text/html"):
        parser = _References()
        parser.feed(body)
        return parser.found
    if content_type.startswith("text/css"):
        return [u.strip("'\"") for u in re.findall(r"url\(([^)]+)\)", body)]
    if "xml" in content_type and "<urlset" in body:
        return re.findall(r"<loc>([^<]+)</loc>", body)
    if content_type.startswith("text/plain"):  # robots.txt names the sitemap
        return re.findall(r"^Sitemap: (\S+)$", body, re.MULTILINE)
    return []


class Mount:
    """A running server: `folder` is served under `prefix` at `origin`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.prefix = "/"
        self.origin = ""


@pytest.fixture
def mount(tmp_path: Path) -> Iterator[Mount]:
    """A ThreadingHTTPServer on 127.0.0.1, port 0, serving tmp_path/site under mount.prefix."""
    mounted = Mount(tmp_path / "site")

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(mounted.folder), **kwargs)

        def do_GET(self) -> None:
            if not self.path.startswith(mounted.prefix):
                self.send_error(404, "outside the mounted site")
                return
            self.path = "/" + self.path[len(mounted.prefix):]
            super().do_GET()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    mounted.origin = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield mounted
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def crawl(origin: str, start: str, public: str) -> tuple[dict[str, int], set[str]]:
    """Fetch every internal URL reachable from `start`: ({url: status}, {pages fetched})."""
    host = urlsplit(origin)
    statuses: dict[str, int] = {}
    pages: set[str] = set()
    queue = [origin + start + "robots.txt", origin + start]
    while queue:
        url = queue.pop()
        if url in statuses:
            continue
        connection = HTTPConnection(host.hostname, host.port, timeout=10)
        connection.request("GET", quote(urlsplit(url).path, safe="/%"))
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        connection.close()
        statuses[url] = response.status
        content_type = response.getheader("Content-Type", "")
        if response.status != 200:
            continue
        if content_type.startswith("text/html"):
            pages.add(urlsplit(url).path)
        for reference in references(content_type, body):
            target = urldefrag(urljoin(url, reference))[0]
            if target.startswith(public):  # an absolute URL of the published site
                target = origin + urlsplit(public).path + target[len(public):]
            if target.startswith(origin + "/") and target not in statuses:
                queue.append(target)
    return statuses, pages


@pytest.mark.parametrize(
    ("base_url", "prefix"),
    [("https://example.github.io/repo/", "/repo/"), ("https://example.com/", "/")],
)
def test_every_internal_link_resolves(mount: Mount, base_url: str, prefix: str) -> None:
    folder, mount.prefix = mount.folder, prefix
    blog = copy_blog(folder.parent / "blog")
    code, _, err = run_journey(
        "build", "--source", str(blog), "--out", str(folder), "--base-url", base_url, cwd=blog
    )
    assert code == 0, err
    statuses, pages = crawl(mount.origin, prefix, base_url)
    broken = {url: status for url, status in statuses.items() if status != 200}
    assert broken == {}
    built_pages = {
        prefix + p.relative_to(folder).as_posix().removesuffix("index.html")
        for p in folder.rglob("index.html")
    }
    assert built_pages <= pages, "pages not reachable by links"
    assert any(url.endswith("/posts/first-plot/rising.svg") for url in statuses)
    assert any("/assets/style." in url for url in statuses)
    assert any(url.endswith("/feed.xml") for url in statuses)
    assert any(url.endswith("/sitemap.xml") for url in statuses)


def test_a_link_missing_the_prefix_is_caught(mount: Mount) -> None:
    """The crawler and the mount really check something: a root link without /repo/ fails."""
    folder, mount.prefix, origin = mount.folder, "/repo/", mount.origin
    folder.mkdir()
    (folder / "index.html").write_text('<a href="/posts/x/">x</a><img src="a.png"><a href="/repo/">me</a>')
    (folder / "a.png").write_bytes(b"png")
    (folder / "robots.txt").write_text("User-agent: *\n")
    statuses, _ = crawl(origin, "/repo/", "https://example.github.io/repo/")
    assert statuses == {
        f"{origin}/repo/robots.txt": 200, f"{origin}/repo/": 200, f"{origin}/repo/a.png": 200,
        f"{origin}/posts/x/": 404,
    }
