"""Serve's guard against slow clients: a deadline for a request's headers and a bound on connections.

Every connection is served by a thread of its own; a client that opens connections and never
finishes their headers (slowloris) would otherwise hold a thread each, for ever. Here a
connection gets a slot (beyond MAX_CONNECTIONS it is answered 503 at once) and a deadline for
its request line and headers, after which one watchdog thread shuts its socket down.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

MAX_CONNECTIONS = 100  # open browser tabs each hold one (live reload), page loads a few more
HEADER_SECONDS = 10.0  # from connecting to the end of the headers; a browser needs milliseconds
IO_SECONDS = 30.0  # a read or a write that stalls longer ends the connection
_BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\n"
         b"Content-Length: 26\r\nConnection: close\r\n\r\n503 too many connections\r\n")


class ConnectionLimits:
    """The slots and header deadlines of one server's connections."""

    def __init__(self, slots: int = MAX_CONNECTIONS, header_seconds: float = HEADER_SECONDS) -> None:
        self.header_seconds = header_seconds
        self._slots = threading.BoundedSemaphore(slots)
        self._deadlines: dict[socket.socket, float] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._watchdog: threading.Thread | None = None

    def admit(self, connection: socket.socket) -> bool:
        """Take a slot for a new connection; when none is free, answer 503 and say False."""
        if self._slots.acquire(blocking=False):
            return True
        with contextlib.suppress(OSError):
            connection.settimeout(1.0)
            connection.sendall(_BUSY)
        return False

    def release(self) -> None:
        self._slots.release()

    def expect_headers(self, connection: socket.socket) -> None:
        """Start the connection's header deadline."""
        with self._lock:
            self._deadlines[connection] = time.monotonic() + self.header_seconds
            if self._watchdog is None:
                self._watchdog = threading.Thread(target=self._watch, name="journey-serve-deadlines", daemon=True)
                self._watchdog.start()

    def headers_read(self, connection: socket.socket) -> None:
        with self._lock:
            self._deadlines.pop(connection, None)

    def close(self) -> None:
        self._closed.set()

    def _watch(self) -> None:
        """Shut down the sockets whose headers are late; their threads then see the end of input."""
        tick = min(0.25, self.header_seconds / 4)
        while not self._closed.wait(tick):
            now = time.monotonic()
            with self._lock:
                late = [connection for connection, deadline in self._deadlines.items() if deadline <= now]
                for connection in late:
                    del self._deadlines[connection]
            for connection in late:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
