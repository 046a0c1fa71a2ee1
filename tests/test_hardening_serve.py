"""Slow clients cannot hold `journey serve`: headers have a deadline and connections are bounded.

Real sockets against the real server object (issue 13: 300 connections that never finished
their headers once left 302 threads running). The deadline is shortened to 1 s here so the
test need not wait the default 10 s; the limits are the server's own code, not a stand-in.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from pathlib import Path

from generator.serve.http import Status, bind
from generator.serve.limits import ConnectionLimits

SLOTS = 50


def _handler_threads() -> int:
    return sum("process_request_thread" in thread.name for thread in threading.enumerate())


def test_connections_that_never_finish_their_headers_are_closed_and_bounded(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title><body>served</body>\n", encoding="utf-8")
    status = Status("test")
    status.succeed("/")
    server = bind("127.0.0.1", 0, tmp_path, status, ConnectionLimits(slots=SLOTS, header_seconds=1.0))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    port = server.server_address[1]
    slow = []
    try:
        for _ in range(300):
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            connection.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")  # and never the rest
            slow.append(connection)
            assert _handler_threads() <= SLOTS
        connected = time.monotonic()
        # Each is answered 503 at once (no slot free) or cut off at its deadline: none is left hanging.
        answers = {connection.recv(64)[:34] for connection in slow}
        assert time.monotonic() - connected < 1.0 + 3.0  # the deadline, and time to notice it
        assert answers == {b"", b"HTTP/1.0 503 Service Unavailable\r\n"}
        deadline = time.monotonic() + 3
        while _handler_threads() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _handler_threads() == 0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert response.status == 200 and b"served" in response.read()
    finally:
        for connection in slow:
            connection.close()
        server.shutdown()
        server.server_close()
