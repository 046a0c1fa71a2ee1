"""Wake serve's watcher with watchfiles (inotify, FSEvents, ReadDirectoryChangesW, by its Rust
`notify` crate) where it is installed; notify.py's own inotify watch, or plain polling, otherwise.

As in notify.py, a notification only says *when* to look: the watcher's scan finds what changed,
and it also runs on every poll interval, so a missed notification costs latency, never a change.
watchfiles groups the changes of up to `debounce` ms (1.6 s by default); serve must show a save
within 300 ms, so it groups for at most `_DEBOUNCE_MS`, returning `_STEP_MS` after the last change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath

_DEBOUNCE_MS = 50  # the longest a burst of changes (an editor's write-and-rename) is grouped
_STEP_MS = 10  # quiet this long after a change: the burst is over
_RUST_TIMEOUT_MS = 100  # how often the watching thread checks that it should stop


def watchfiles_available() -> bool:
    """Whether the watchfiles package can be imported here."""
    try:
        import watchfiles  # noqa: F401
    except ImportError:
        return False
    return True


class WatchfilesNotifier:
    """`wait(stop, timeout)` returns when a watched file or folder changed, or `timeout` seconds
    passed; a thread runs `watchfiles.watch` over the roots that exist, and `watch(roots)`
    starts it again over new ones."""

    def __init__(self, roots: Iterable[Path], skip: Callable[[str], object]) -> None:
        self.skip = skip
        self.woken = threading.Event()
        self.roots: tuple[Path, ...] = ()
        self._watching: tuple[Path, ...] = ()  # the roots the thread watches: those that existed
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.watch(roots)

    def watch(self, roots: Iterable[Path]) -> None:
        """Watch `roots` (folders, or files such as pyproject.toml) from now on; a root that does
        not exist yet is found by the watcher's scan, and watched once `watch` is called again."""
        roots = tuple(roots)
        existing = tuple(root for root in roots if root.exists())
        if self._thread is not None and existing == self._watching:
            self.roots = roots
            return
        self.close()
        self.roots, self._watching = roots, existing
        if not existing:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(existing, self._stop), name="journey-watch", daemon=True)
        self._thread.start()

    def wait(self, stop: threading.Event, timeout: float) -> None:
        if any(root.exists() for root in self.roots if root not in self._watching):
            self.watch(self.roots)  # a root made since (a templates/ folder): watched from now on
        if self.woken.wait(timeout):
            self.woken.clear()

    def close(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self, roots: tuple[Path, ...], stop: threading.Event) -> None:
        from watchfiles import watch

        def wanted(change: object, path: str) -> bool:
            return not self._litter(roots, path)

        try:
            for _ in watch(*roots, watch_filter=wanted, debounce=_DEBOUNCE_MS, step=_STEP_MS, stop_event=stop,
                           rust_timeout=_RUST_TIMEOUT_MS, raise_interrupt=False):
                self.woken.set()
        except (OSError, RuntimeError):  # a root removed as the watch began, a watch limit: serve polls
            return

    def _litter(self, roots: tuple[Path, ...], path: str) -> bool:
        """Whether a changed path is editor or tool litter (a name the watcher skips), judged by
        the names below its root only: the blog may itself sit under a dot-folder."""
        changed = PurePath(path)
        for root in roots:
            if changed == root:
                return False
            if changed.is_relative_to(root):
                return any(self.skip(part) for part in changed.relative_to(root).parts)
        return False
