"""`journey serve`: real builds, real HTTP on 127.0.0.1, live reload over Server-Sent Events."""

from __future__ import annotations

import http.client
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.build import BuildOptions
from generator.serve.loop import serve, serve_dir
from tests.browser_support import chromium

pytestmark = pytest.mark.timeout(120)

PYPROJECT = """\
[tool.journey]
title = "Serve fixture"
base_url = "https://tester.github.io/repo/"
"""
FIRST = """\
---
title: First post
date: 2024-01-02
tags: [basics]
---

The first version of this post.
"""
DRAFT = "---\ntitle: Unfinished thoughts\ndate: 2024-01-03\ndraft: true\n---\n\nNot yet.\n"
FUTURE = "---\ntitle: From the future\ndate: 2999-01-01\n---\n\nLater.\n"
SCRIPT_TAG = '<script src="/__journey/livereload.js"'


@dataclass(frozen=True)
class Served:
    url: str  # e.g. http://127.0.0.1:PORT/repo/
    host: str
    port: int
    blog: Path


def write_blog(root: Path) -> Path:
    (root / "posts").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "posts/2024-01-02-first.md").write_text(FIRST, encoding="utf-8")
    (root / "posts/2024-01-03-draft.md").write_text(DRAFT, encoding="utf-8")
    (root / "posts/2999-01-01-future.md").write_text(FUTURE, encoding="utf-8")
    return root


@contextmanager
def running(blog: Path) -> Iterator[Served]:
    """Run `serve` on a free port in a thread; always stop it and check it ended cleanly."""
    started: queue.Queue[str | BaseException] = queue.Queue()
    stop = threading.Event()
    codes: list[int] = []

    def target() -> None:
        try:
            options = BuildOptions(source=blog, progress=False)
            codes.append(serve(options, port=0, poll_interval=0.05, ready=started.put, stop=stop))
        except BaseException as exc:  # noqa: BLE001 -- re-raised in the test, not lost in a thread
            started.put(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        url = started.get(timeout=60)
        if isinstance(url, BaseException):
            raise url
        parts = urlsplit(url)
        yield Served(url, parts.hostname or "", parts.port or 0, blog)
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()
    assert codes == [0]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with running(write_blog(tmp_path / "blog")) as server:
        yield server


def fetch(url: str) -> tuple[int, dict[str, str], str]:
    """GET without following redirects: (status, headers, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def raw_get(server: Served, path: str) -> tuple[int, str]:
    """A request whose path goes on the wire exactly as written (no client normalization)."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", f"{server.host}:{server.port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


class EventStream:
    """A live /__journey/events connection, read one event at a time."""

    def __init__(self, server: Served) -> None:
        self.connection = http.client.HTTPConnection(server.host, server.port, timeout=15)
        self.connection.request("GET", "/__journey/events")
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.headers["Content-Type"] == "text/event-stream"

    def next(self) -> tuple[str, str]:
        """(event name, data), skipping keep-alive comments; a socket timeout fails the test."""
        name, data = "", []
        while True:
            line = self.response.readline().decode().rstrip("\n")
            if not line:
                if name:
                    return name, "\n".join(data)
                continue
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data.append(line[len("data: ") :])

    def close(self) -> None:
        self.connection.close()


def wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_the_server_says_where_it_serves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running(write_blog(tmp_path / "blog")) as server:
        assert server.url == f"http://127.0.0.1:{server.port}/repo/"
        assert capsys.readouterr().err == f"Serving on {server.url} (Ctrl-C to stop)\n"
    assert capsys.readouterr().err == "journey: stopped serving\n"


def test_pages_are_served_under_the_base_path_with_the_reload_script(served: Served) -> None:
    origin = f"http://127.0.0.1:{served.port}"

    status, headers, body = fetch(served.url)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert body.count(SCRIPT_TAG) == 1 and body.index(SCRIPT_TAG) < body.rindex("</body>")
    assert "First post" in body

    # Drafts and future posts are visible while serving.
    for slug, title in [
        ("first", "First post"),
        ("draft", "Unfinished thoughts"),
        ("future", "From the future"),
    ]:
        status, _, body = fetch(f"{origin}/repo/posts/{slug}/")
        assert (status, title in body, SCRIPT_TAG in body) == (200, True, True)

    for path, code, location in [
        ("/", 302, "/repo/"),
        ("/repo", 302, "/repo/"),
        ("/repo/posts/first", 301, "/repo/posts/first/"),
    ]:
        status, headers, _ = fetch(origin + path)
        assert (status, headers["Location"]) == (code, location)
    status, _, body = fetch(f"{origin}/repo/no/such/page/")
    assert status == 404 and SCRIPT_TAG in body
    status, headers, script = fetch(f"{origin}/__journey/livereload.js")
    assert status == 200 and "EventSource" in script
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    status, headers, feed = fetch(f"{origin}/repo/feed.xml")
    assert status == 200 and SCRIPT_TAG not in feed

    # The build went to a private folder, and the files on disk never carry the script.
    site = serve_dir(served.blog)
    assert site == served.blog / ".journey-cache" / "serve-site"
    assert not (served.blog / "site").exists()
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 5
    assert not [p for p in pages if "livereload" in p.read_text(encoding="utf-8")]
    assert "/repo/posts/first/" in (site / "index.html").read_text(encoding="utf-8")


def test_requests_outside_the_site_are_refused(served: Served, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    site = serve_dir(served.blog)
    os.symlink(secret, site / "leak.txt")
    os.symlink(tmp_path, site / "leakdir")
    os.symlink(site / "index.html", site / "alias.html")  # a symlink that stays inside is fine
    attempts = [
        "/repo/../pyproject.toml",
        "/repo/../../secret.txt",
        "/repo/%2e%2e/pyproject.toml",
        "/repo/%2E%2E/%2e%2e/secret.txt",
        "/repo/..%2fpyproject.toml",
        "/repo/%2e%2e%2fsecret.txt",
        "/repo/..\\pyproject.toml",
        "/repo/%5c..%5cpyproject.toml",
        "/repo/posts/%00",
        "//etc/passwd",
        "/repo//etc/passwd",
        "/repo/leak.txt",
        "/repo/leakdir/secret.txt",
        "/repo/%252e%252e/pyproject.toml",
        "/../secret.txt",
        "/repo/posts/./../../secret.txt",
        "/repo/%ff%fe",
        "http://evil.example/repo/",
    ]
    for path in attempts:
        status, body = raw_get(served, path)
        assert status in (403, 404), path
        assert "TOP SECRET" not in body and "tool.journey" not in body and "root:" not in body, path
    assert raw_get(served, "/repo/leak.txt")[0] == 403
    assert raw_get(served, "/repo/%2e%2e/pyproject.toml")[0] == 403
    assert raw_get(served, "/repo/alias.html")[0] == 200


def test_a_burst_of_concurrent_requests_is_answered(served: Served) -> None:
    origin = f"http://127.0.0.1:{served.port}"
    paths = [
        "/repo/",
        "/repo/posts/first/",
        "/repo/feed.xml",
        "/repo/tags/basics/",
        "/__journey/livereload.js",
    ] * 10
    stream = EventStream(served)  # an open event stream holds a thread; others still answer
    try:
        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = list(pool.map(lambda p: fetch(origin + p)[0], paths))
    finally:
        stream.close()
    assert statuses == [200] * 50


def test_an_edit_reloads_a_broken_post_shows_the_error_and_a_fix_recovers(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    page = f"http://127.0.0.1:{served.port}/repo/posts/first/"
    post = served.blog / "posts/2024-01-02-first.md"
    stream = EventStream(served)
    try:
        name, hello = stream.next()
        assert name == "hello" and f'data-build="{hello}"' in fetch(page)[2]

        saved = time.monotonic()
        post.write_text(FIRST.replace("first version", "second version"), encoding="utf-8")
        name, build = stream.next()
        reloaded = time.monotonic() - saved
        assert name == "reload" and build != hello
        assert reloaded < 5, f"reload took {reloaded:.2f} s"
        status, _, body = fetch(page)
        assert status == 200 and "second version" in body and f'data-build="{build}"' in body

        post.write_text(FIRST.replace("title: First post", "title: [unclosed"), encoding="utf-8")
        name, text = stream.next()
        assert name == "build-error"
        assert (
            text
            == f"{post}:3:5: error: invalid YAML in front matter: expected ',' or ']', but got ':'"
        )
        status, _, body = fetch(page)  # the last good page is still served
        assert status == 200 and "second version" in body
        late = EventStream(served)  # a page opened now learns of the error straight away
        try:
            assert late.next() == ("hello", build)
            assert late.next() == ("build-error", text)
        finally:
            late.close()
        assert "the build failed; still serving the last good site" in capsys.readouterr().err

        post.write_text(FIRST.replace("first version", "fixed version"), encoding="utf-8")
        name, recovered = stream.next()
        assert name == "reload" and recovered != build
        assert "fixed version" in fetch(page)[2]
    finally:
        stream.close()


def test_touching_a_file_without_changing_it_does_not_rebuild(served: Served) -> None:
    post = served.blog / "posts/2024-01-02-first.md"
    stream = EventStream(served)
    try:
        assert stream.next()[0] == "hello"
        os.utime(post, None)  # new mtime, same bytes
        time.sleep(0.5)
        post.write_text(FIRST.replace("first version", "third version"), encoding="utf-8")
        name, _ = stream.next()
        assert name == "reload"
        assert "third version" in fetch(served.url + "posts/first/")[2]
    finally:
        stream.close()


def test_a_failing_first_build_is_shown_and_recovers(tmp_path: Path) -> None:
    blog = write_blog(tmp_path / "blog")
    post = blog / "posts/2024-01-02-first.md"
    post.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    with running(blog) as server:
        status, _, body = fetch(server.url)
        assert status == 503 and "invalid YAML in front matter" in body and SCRIPT_TAG in body
        stream = EventStream(server)
        try:
            assert stream.next()[0] == "hello"
            assert stream.next()[0] == "build-error"
            post.write_text(FIRST, encoding="utf-8")
            assert stream.next()[0] == "reload"
        finally:
            stream.close()
        assert fetch(server.url)[0] == 200


def test_stopping_ends_the_server_and_its_event_streams(tmp_path: Path) -> None:
    with running(write_blog(tmp_path / "blog")) as server:
        stream = EventStream(server)
        assert stream.next()[0] == "hello"
    # running() has set stop and checked that serve returned 0; the port is closed now.
    assert stream.response.read() == b""  # the stream ended instead of hanging
    stream.close()
    with pytest.raises(OSError):
        http.client.HTTPConnection(server.host, server.port, timeout=2).connect()


def test_template_edits_and_deleted_posts_rebuild(served: Served) -> None:
    origin = f"http://127.0.0.1:{served.port}"
    stream = EventStream(served)
    try:
        assert stream.next()[0] == "hello"
        (served.blog / "templates").mkdir()
        (served.blog / "templates/404.html").write_text(
            '{% extends "base.html" %}{% block content %}<h1>Lost in the woods</h1>{% endblock %}',
            encoding="utf-8",
        )
        assert stream.next()[0] == "reload"
        status, _, body = fetch(f"{origin}/repo/no/such/page/")
        assert status == 404 and "Lost in the woods" in body

        assert fetch(f"{origin}/repo/posts/draft/")[0] == 200
        (served.blog / "posts/2024-01-03-draft.md").unlink()
        assert stream.next()[0] == "reload"
        status, _, body = fetch(f"{origin}/repo/posts/draft/")
        assert status == 404 and "Lost in the woods" in body
        assert "Unfinished thoughts" not in fetch(served.url)[2]
    finally:
        stream.close()


def test_head_requests_send_headers_only(served: Served) -> None:
    connection = http.client.HTTPConnection(served.host, served.port, timeout=10)
    try:
        connection.request("HEAD", "/repo/posts/first/")
        response = connection.getresponse()
        assert response.status == 200
        assert int(response.headers["Content-Length"]) > 0
        assert response.read() == b""
    finally:
        connection.close()


def test_an_open_browser_tab_reloads_itself_and_shows_build_errors(served: Served) -> None:
    post = served.blog / "posts/2024-01-02-first.md"
    with chromium() as browser:
        page = browser.new_page()
        page.goto(served.url + "posts/first/")
        assert "first version" in page.inner_text("body")
        # (While the tab reloads, `document.body` is briefly null: the predicates allow for it.)

        post.write_text(FIRST.replace("first version", "second version"), encoding="utf-8")
        page.wait_for_function("document.body && document.body.innerText.includes('second version')", timeout=15_000)

        post.write_text(FIRST.replace("title: First post", "title: [unclosed"), encoding="utf-8")
        panel = page.wait_for_selector("#journey-build-error", timeout=15_000)
        assert panel is not None
        assert "invalid YAML in front matter" in panel.inner_text()
        assert panel.is_visible()
        assert "second version" in page.inner_text("body")  # the last good page stays

        post.write_text(FIRST.replace("first version", "fixed version"), encoding="utf-8")
        page.wait_for_function("document.body && document.body.innerText.includes('fixed version')", timeout=15_000)
        assert page.query_selector("#journey-build-error") is None


def test_pages_stay_served_while_rebuilds_swap_the_folder(served: Served) -> None:
    post = served.blog / "posts/2024-01-02-first.md"
    page = served.url + "posts/first/"
    statuses: list[int] = []
    done = threading.Event()

    def read_while_rebuilding() -> None:
        while not done.is_set():
            statuses.append(fetch(page)[0])

    readers = [threading.Thread(target=read_while_rebuilding) for _ in range(3)]
    stream = EventStream(served)
    try:
        assert stream.next()[0] == "hello"
        for reader in readers:
            reader.start()
        for number in range(5):
            post.write_text(FIRST.replace("first version", f"version {number}"), encoding="utf-8")
            assert stream.next()[0] == "reload"
    finally:
        done.set()
        for reader in readers:
            reader.join(timeout=15)
        stream.close()
    assert len(statuses) > 20 and set(statuses) == {200}
    assert "version 4" in fetch(page)[2]


def test_ctrl_c_stops_journey_serve_with_status_0(tmp_path: Path) -> None:
    blog = write_blog(tmp_path / "blog")
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--source", str(blog), "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stderr.readline() if process.stderr else ""
        assert first.startswith("Serving on http://127.0.0.1:") and "/repo/" in first
        url = first.split()[2]
        assert fetch(url)[0] == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        assert process.stderr is not None and "stopped serving" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _woken_after(notifier: object, stop: threading.Event, act: object) -> float:
    """Seconds a 10-second wait of `notifier` lasts when `act` runs 0.2 s into it."""
    timer = threading.Timer(0.2, act)  # type: ignore[arg-type]
    started = time.perf_counter()
    timer.start()
    notifier.wait(stop, 10)  # type: ignore[attr-defined]
    timer.join()
    return time.perf_counter() - started


def test_a_saved_file_wakes_the_watcher_at_once_even_in_a_new_folder(tmp_path: Path) -> None:
    """inotify on Linux: serve need not wait for its next poll to see an edit."""
    from generator.serve.notify import Notifier
    from generator.serve.watch import ignored

    posts = tmp_path / "posts"
    posts.mkdir()
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    notifier = Notifier([posts, tmp_path / "templates", tmp_path / "pyproject.toml"], ignored)
    stop = threading.Event()
    try:
        assert notifier.fd >= 0, "inotify is available on Linux"
        assert _woken_after(notifier, stop, lambda: (posts / "a.md").write_text("x", encoding="utf-8")) < 5
        assert _woken_after(notifier, stop, lambda: (posts / "bundle").mkdir()) < 5
        assert _woken_after(notifier, stop, lambda: (posts / "bundle/index.md").write_text("y", encoding="utf-8")) < 5
        # The settings file is watched through the blog's folder; templates/ once it exists.
        assert _woken_after(notifier, stop, lambda: (tmp_path / "pyproject.toml").write_text("z", encoding="utf-8")) < 5
        assert _woken_after(notifier, stop, lambda: (tmp_path / "templates").mkdir()) < 5
        assert _woken_after(notifier, stop, lambda: (tmp_path / "templates/post.html").write_text("t", encoding="utf-8")) < 5
        started = time.perf_counter()
        notifier.wait(stop, 0.3)  # nothing happens: the wait lasts its timeout (serve then polls)
        assert time.perf_counter() - started >= 0.29
    finally:
        notifier.close()


def test_without_inotify_the_watcher_waits_for_its_poll_or_the_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.serve import notify

    # Faked: a system without inotify cannot exist on this Linux machine, so the platform is said to be macOS.
    monkeypatch.setattr(notify.sys, "platform", "darwin")
    notifier = notify.Notifier([tmp_path], lambda name: False)
    stop = threading.Event()
    assert notifier.fd == -1
    assert _woken_after(notifier, stop, stop.set) < 5  # a stop ends the wait at once
    notifier.close()
