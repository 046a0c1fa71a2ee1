"""Serve's HTTP side: the last good build (the file a path names: site_paths.py), the live-reload
script and events, error pages."""

from __future__ import annotations

import contextlib
import html
import socket
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .limits import IO_SECONDS, ConnectionLimits
from .site_paths import CONTENT_TYPES, content_type, lookup

RELOAD_SCRIPT_PATH = "/__journey/livereload.js"
EVENTS_PATH = "/__journey/events"
KEEPALIVE_SECONDS = 15.0  # an SSE comment this often notices browsers that went away


class Status:
    """What the server shows (the last good build and the latest error), shared with its threads."""

    def __init__(self, session: str) -> None:
        self._changed = threading.Condition()
        self._session = session  # a page from an earlier server run reloads once on reconnect
        self.version = 0  # bumps on every build outcome
        self.generation = 0  # bumps on every good build; 0 until the first one
        self.error: str | None = None
        self.base_path = "/"
        self.closing = False

    @property
    def build_id(self) -> str:
        return f"{self._session}-{self.generation}"

    def succeed(self, base_path: str) -> None:
        with self._changed:
            self.generation += 1
            self.base_path, self.error = base_path, None
            self._bump()

    def fail(self, text: str, base_path: str | None) -> None:
        with self._changed:
            if base_path and not self.generation:  # nothing built yet: the error page's URL
                self.base_path = base_path
            self.error = text
            self._bump()

    def close(self) -> None:
        with self._changed:
            self.closing = True
            self._changed.notify_all()

    def wait(self, version: int, timeout: float) -> bool:
        """Block until the version moves past `version` or the server closes; True if it moved."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != version or self.closing, timeout)
            return self.version != version

    def _bump(self) -> None:
        self.version += 1
        self._changed.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a burst of page loads must not overflow the listen backlog

    def __init__(self, address: tuple[str, int], site_dir: Path, status: Status, limits: ConnectionLimits) -> None:
        self.site_dir = site_dir
        self.status = status
        self.limits = limits
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if self.limits.admit(request):
            super().process_request(request, client_address)
        else:
            self.shutdown_request(request)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.limits.release()

    def server_close(self) -> None:
        self.limits.close()
        super().server_close()


def bind(host: str, port: int, site_dir: Path, status: Status, limits: ConnectionLimits | None = None) -> _Server:
    """A threaded server on host:port for the site folder; a usage error when it cannot listen.
    `limits`: its bound on connections and header deadline (default: limits.py's)."""
    try:
        return _Server((host, port), site_dir, status, limits or ConnectionLimits())
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def url_host(host: str) -> str:
    """The host as it goes in a URL: IPv6 addresses in brackets."""
    return f"[{host}]" if ":" in host else host


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "journey"
    timeout = IO_SECONDS

    def setup(self) -> None:
        super().setup()
        self.server.limits.expect_headers(self.connection)

    def parse_request(self) -> bool:
        parsed = super().parse_request()  # reads the headers
        self.server.limits.headers_read(self.connection)
        return parsed

    def finish(self) -> None:
        self.server.limits.headers_read(self.connection)  # a connection that ended before its headers
        super().finish()

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: one line per request would bury the build's own messages."""

    def _answer(self, head: bool) -> None:
        try:
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            if path == EVENTS_PATH:
                self._events(head)
            elif path == RELOAD_SCRIPT_PATH:
                self._send(200, CONTENT_TYPES[".js"], _reload_script(), head)
            else:
                self._page(path, head)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away mid-answer
        except Exception:  # noqa: BLE001 -- answer 500 rather than drop the connection
            message = traceback.format_exc().encode()
            with contextlib.suppress(OSError):
                self._send(500, CONTENT_TYPES[".txt"], message, head)

    def _page(self, path: str, head: bool) -> None:
        status = self.server.status
        if status.generation == 0:
            self._send(
                503, CONTENT_TYPES[".html"], self._inject(_waiting_page(status.error)), head
            )
            return
        code, where, data = lookup(self.server.site_dir, path, status.base_path)
        if code in (301, 302):
            self.send_response(code)
            self.send_header("Location", where)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif code == 403:
            self._send(403, CONTENT_TYPES[".txt"], b"403 forbidden: outside the site\n", head)
        elif where.endswith(".html") or not where:
            body = data or b"<!doctype html><title>Not found</title><h1>404 not found</h1>"
            self._send(code, CONTENT_TYPES[".html"], self._inject(body), head)
        else:
            self._send(code, content_type(where), data, head)

    def _inject(self, page: bytes) -> bytes:
        """Add the live-reload script to a page as it is served; the files on disk never have it."""
        build = self.server.status.build_id
        tag = f'<script src="{RELOAD_SCRIPT_PATH}" data-build="{build}"></script>'
        at = page.lower().rfind(b"</body>")
        return page[:at] + tag.encode() + page[at:] if at >= 0 else page + tag.encode()

    def _send(self, code: int, content_type: str, data: bytes, head: bool) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _events(self, head: bool) -> None:
        """Server-Sent Events: hello (the current build), then reload or build-error per build."""
        status = self.server.status
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if head:
            return
        version = status.version
        self._event("hello", status.build_id, "retry: 1000\n")
        if status.error:
            self._event("build-error", status.error)
        while not status.closing:
            if not status.wait(version, KEEPALIVE_SECONDS):
                if not status.closing:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                continue
            version = status.version
            if status.error:
                self._event("build-error", status.error)
            else:
                self._event("reload", status.build_id)

    def _event(self, name: str, data: str, prefix: str = "") -> None:
        lines = "".join(f"data: {line}\n" for line in data.split("\n"))
        self.wfile.write(f"{prefix}event: {name}\n{lines}\n".encode())
        self.wfile.flush()


def _waiting_page(error: str | None) -> bytes:
    if error:
        body = f"<h1>The build failed</h1><pre>{html.escape(error)}</pre><p>Fix it and save.</p>"
    else:
        body = "<h1>Building…</h1><p>This page reloads by itself when the site is ready.</p>"
    page = f"<!doctype html><meta charset=utf-8><title>journey serve</title><body>{body}</body>"
    return page.encode()


def _reload_script() -> bytes:
    """The browser side of live reload, shipped beside this module as livereload.js."""
    return files("generator.serve").joinpath("livereload.js").read_bytes()
