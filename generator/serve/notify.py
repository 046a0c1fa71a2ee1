"""Wake serve's watcher the moment a watched file is saved (Linux inotify), so an edit is seen
at once rather than at the next poll. It only says *when* to look: what changed is still found
by the watcher's scan, which also runs on every poll interval, so a missed or unsupported
notification costs latency, never a change.

inotify watches one folder at a time, so every folder under the watched roots gets a watch, and
a folder created later gets one when its creation is seen. Elsewhere (no inotify, or its watch
limit reached) the watcher simply polls, as before. Where watchfiles is installed, its watcher
(watchfiles_notify.py) is used instead: `make_notifier` chooses."""

from __future__ import annotations

import ctypes
import os
import select
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .watchfiles_notify import WatchfilesNotifier

# From <sys/inotify.h>. A file is complete when it is closed after writing or renamed into place
# (editors do one or the other); IN_MODIFY would wake us mid-write.
_IN_ATTRIB, _IN_CLOSE_WRITE, _IN_MOVED_FROM, _IN_MOVED_TO = 0x4, 0x8, 0x40, 0x80
_IN_CREATE, _IN_DELETE, _IN_DELETE_SELF, _IN_MOVE_SELF = 0x100, 0x200, 0x400, 0x800
_IN_ONLYDIR, _IN_ISDIR = 0x01000000, 0x40000000
_IN_NONBLOCK, _IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
_MASK = (_IN_ATTRIB | _IN_CLOSE_WRITE | _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE
         | _IN_DELETE_SELF | _IN_MOVE_SELF | _IN_ONLYDIR)
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, length of the name that follows


def make_notifier(roots: Iterable[Path], skip: Callable[[str], object]) -> Notifier | WatchfilesNotifier:
    """watchfiles' watcher where it is installed, else this module's inotify one (which polls
    where there is no inotify)."""
    from .watchfiles_notify import WatchfilesNotifier, watchfiles_available

    return WatchfilesNotifier(roots, skip) if watchfiles_available() else Notifier(roots, skip)


class Notifier:
    """`wait(stop, timeout)` returns when a watched folder changed, `stop` is set, or `timeout`
    seconds passed, whichever is first."""

    def __init__(self, roots: Iterable[Path], skip: Callable[[str], object]) -> None:
        self.skip = skip
        self.fd = -1
        self._watched: set[str] = set()
        self.roots: tuple[Path, ...] = tuple(roots)
        if not sys.platform.startswith("linux"):
            return
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            self._add_watch = libc.inotify_add_watch
            self._add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
            fd = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        except (OSError, AttributeError):
            return
        if fd >= 0:
            self.fd = fd
            self.watch(self.roots)

    def watch(self, roots: Iterable[Path]) -> None:
        """Watch every folder under `roots` not watched yet; a root that is a file is watched
        through its folder (`pyproject.toml`: the blog's folder, not below it)."""
        self.roots = tuple(roots)
        if self.fd < 0:
            return
        for root in self.roots:
            if root.is_dir():
                self._watch_tree(str(root))
            elif root.parent.is_dir():
                self._watch_one(str(root.parent))

    def wait(self, stop: threading.Event, timeout: float) -> None:
        if self.fd < 0:
            stop.wait(timeout)
            return
        deadline = time.monotonic() + timeout
        while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready and self._drain():
                return

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def _drain(self) -> bool:
        """Read the pending events; whether one is worth a look. A file just created is not
        (it is being written: its closing wakes us); a new folder is, and gets its watches
        (events inside it before that are found by the scan the wake-up triggers)."""
        new_folders = worth_a_look = False
        while True:
            try:
                data = os.read(self.fd, 64 * 1024)
            except BlockingIOError:
                break
            if not data:
                break
            offset = 0
            while offset + _EVENT.size <= len(data):
                _, mask, _, length = _EVENT.unpack_from(data, offset)
                offset += _EVENT.size + length
                new_folders = new_folders or bool(mask & _IN_ISDIR and mask & (_IN_CREATE | _IN_MOVED_TO))
                worth_a_look = worth_a_look or mask & (_IN_CREATE | _IN_ISDIR) != _IN_CREATE
        if new_folders:
            self.watch(self.roots)
        return worth_a_look

    def _watch_tree(self, folder: str) -> None:
        if not self._watch_one(folder):
            return
        # Every folder again, not only new ones: a folder made inside a new folder before its
        # watch was added raised no event.
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if not self.skip(entry.name) and entry.is_dir(follow_symlinks=False):
                self._watch_tree(entry.path)

    def _watch_one(self, folder: str) -> bool:
        """Watch one folder; False when it cannot be (gone, or the system's watch limit reached:
        then that folder is only polled)."""
        if folder in self._watched:
            return True
        if self._add_watch(self.fd, os.fsencode(folder), _MASK) < 0:
            return False
        self._watched.add(folder)
        return True
