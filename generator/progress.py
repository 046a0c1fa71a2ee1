"""Execution progress: which notebooks run and for how long, on stderr."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TextIO


class Progress:
    """Which notebooks run and for how long: a live line on a terminal, plain lines otherwise."""

    def __init__(self, stream: TextIO, enabled: bool, clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.enabled = enabled
        self.live = enabled and stream.isatty()
        self.interval = 0.5 if self.live else None
        self.clock = clock
        self.running: dict[str, float] = {}
        self.places: dict[str, str] = {}  # label → the worker running it
        self._lock = threading.Lock()

    def start(self, label: str, where: str = "") -> None:
        """`label` started running; `where` names the machine (a Dask worker) when not this one."""
        with self._lock:
            self.running[label] = self.clock()
            if where:
                self.places[label] = where
            if self.enabled and not self.live:
                self.stream.write(f"journey: executing {label}{_on(where)}\n")
                self.stream.flush()

    def finish(self, label: str, ok: bool, where: str = "") -> None:
        with self._lock:
            started = self.running.pop(label, None)
            where = where or self.places.get(label, "")
            self.places.pop(label, None)
            now = self.clock()
            seconds = now - started if started is not None else 0.0
            if self.enabled:
                verb = "executed" if ok else "failed"
                prefix = "\r\x1b[K" if self.live else ""
                self.stream.write(f"{prefix}journey: {verb} {label}{_on(where)} in {seconds:.1f} s\n")
                self.stream.flush()

    def tick(self) -> None:
        with self._lock:
            if self.live and self.running:
                now = self.clock()
                items = ", ".join(
                    f"{name}{_on(self.places.get(name, ''))} {now - t:.0f} s"
                    for name, t in sorted(self.running.items())
                )
                self.stream.write(f"\r\x1b[Kjourney: running {items}")
                self.stream.flush()

    def clear(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _on(where: str) -> str:
    return f" on {where}" if where else ""
