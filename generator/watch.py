"""Serve's watcher: poll the blog's inputs and tell a real content change from a touched file."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from .config import SiteConfig
from .manifest import StatCache

# Editor and tool litter in watched folders: dotfiles, Emacs #autosaves#, backups~, swap files.
_IGNORED_NAMES = re.compile(r"^(\.|#|__pycache__$)|(~|\.swp|\.swx|\.tmp)$")


def watched(source: Path, config: SiteConfig | None) -> tuple[Path, ...]:
    """The files and folders a rebuild depends on; the defaults while the settings are broken."""
    posts = config.posts_dir if config else "posts"
    static = config.static_dir if config else "static"
    names = (posts, "notebooks", "templates", static, "pyproject.toml")
    return tuple(source / name for name in dict.fromkeys(names))


def scan(roots: tuple[Path, ...], hashes: StatCache) -> dict[str, bytes]:
    """The content hash of every watched file. `hashes` is the stat cache serve shares with its
    builds: only a file whose stat moved (or that was written in the last two seconds) is read,
    and a build finds the files the watcher just read already hashed."""
    now = time.time_ns()
    found = {}
    for path in _paths(roots):
        digest = hashes.digest(path, now)
        if digest is not None:  # deleted between listing and reading: the next scan sees it gone
            found[path] = digest
    return found


def differs(fresh: Mapping[str, bytes], old: Mapping[str, bytes], key: str) -> bool:
    """Whether the file was added, removed, or changed in content between two scans."""
    return fresh.get(key) != old.get(key)


def _paths(roots: tuple[Path, ...]) -> Iterator[str]:
    """Every file under the roots, skipping editor and tool litter."""
    pending = [str(root) for root in roots]
    while pending:
        folder = pending.pop()
        try:
            if not os.path.isdir(folder):
                if os.path.exists(folder):
                    yield folder
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
                    yield entry.path
            except OSError:
                continue
