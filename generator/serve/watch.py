"""Serve's watcher: poll the blog's inputs and tell a real content change from a touched file."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from ..config import JEKYLL_CONFIG, SiteConfig, source_folders
from ..incremental.scan import StatCache, walk_files

# Editor and tool litter in watched folders: dotfiles, Emacs #autosaves#, backups~, swap files.
_IGNORED_NAMES = re.compile(r"^(\.|#|__pycache__$)|(~|\.swp|\.swx|\.tmp)$")


def watched(source: Path, config: SiteConfig | None) -> tuple[Path, ...]:
    """The files and folders a rebuild depends on; the defaults while the settings are broken."""
    folders = source_folders(config) if config else ["posts", "static"]
    names = (*folders, "notebooks", "templates", "_includes", "pyproject.toml", JEKYLL_CONFIG)
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


def ignored(name: str) -> bool:
    """Whether a file or folder name is editor or tool litter the watcher never looks at."""
    return _IGNORED_NAMES.search(name) is not None


def differs(fresh: Mapping[str, bytes], old: Mapping[str, bytes], key: str) -> bool:
    """Whether the file was added, removed, or changed in content between two scans."""
    return fresh.get(key) != old.get(key)


def _paths(roots: tuple[Path, ...]) -> Iterator[str]:
    """Every file under the roots (a root may be a file), skipping editor and tool litter."""
    for root in roots:
        if root.is_dir():
            yield from walk_files(root, ignored)
        elif root.is_file():
            yield str(root)
