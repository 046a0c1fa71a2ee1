"""Serve's watcher: poll the blog's inputs and tell a real content change from a touched file."""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .config import SiteConfig

RACY_NS = 2_000_000_000  # coarse file-system clocks: re-hash files this fresh on every poll
# Editor and tool litter in watched folders: dotfiles, Emacs #autosaves#, backups~, swap files.
_IGNORED_NAMES = re.compile(r"^(\.|#|__pycache__$)|(~|\.swp|\.swx|\.tmp)$")


@dataclass(frozen=True)
class Entry:
    stat: tuple[int, int]  # (mtime_ns, size): cheap to poll
    digest: str  # content hash: what decides whether the file really changed


def watched(source: Path, config: SiteConfig | None) -> tuple[Path, ...]:
    """The files and folders a rebuild depends on; the defaults while the settings are broken."""
    posts = config.posts_dir if config else "posts"
    static = config.static_dir if config else "static"
    names = (posts, "notebooks", "templates", static, "pyproject.toml")
    return tuple(source / name for name in dict.fromkeys(names))


def scan(roots: tuple[Path, ...], previous: Mapping[str, Entry]) -> dict[str, Entry]:
    """Every watched file; only files whose mtime or size moved are hashed again."""
    found: dict[str, Entry] = {}
    now = time.time_ns()
    for path, stat in _stats(roots):
        seen = (stat.st_mtime_ns, stat.st_size)
        old = previous.get(path)
        # A file written within the last RACY_NS may change again without its stat moving.
        if old and old.stat == seen and now - seen[0] >= RACY_NS:
            found[path] = old
            continue
        try:
            found[path] = Entry(seen, _digest(path))
        except OSError:  # deleted between listing and reading: the next scan sees it gone
            continue
    return found


def differs(fresh: Mapping[str, Entry], old: Mapping[str, Entry], key: str) -> bool:
    """Whether the file was added, removed, or changed in content between two scans."""
    a, b = fresh.get(key), old.get(key)
    return a is None or b is None or a.digest != b.digest


def _stats(roots: tuple[Path, ...]) -> Iterator[tuple[str, os.stat_result]]:
    """(path, stat) of every file under the roots, skipping editor and tool litter."""
    pending = [str(root) for root in roots]
    while pending:
        folder = pending.pop()
        try:
            if not os.path.isdir(folder):
                yield folder, os.stat(folder)
                continue
            entries = list(os.scandir(folder))
        except OSError:  # not there (yet): nothing to watch
            continue
        for entry in entries:
            if _IGNORED_NAMES.search(entry.name):
                continue
            try:
                if entry.is_dir():
                    pending.append(entry.path)
                elif entry.is_file():
                    yield entry.path, entry.stat()
            except OSError:
                continue


def _digest(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "blake2b").hexdigest()
