"""Scanning the inputs: the content hash of every file a build reads, spared a read where
`stat` shows a file untouched (git's rule). Every decision is made on the hashes."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ..config import JEKYLL_CONFIG, SiteConfig, source_folders, theme_dirs
from ..files import CACHE_FOLDER, read_sealed, read_whole, write_sealed

FORMAT = "stats-3"
DEFERRED = b""  # a hash left to the file's reader (no SHA-256 is empty)
POST_SUFFIXES = (".md", ".markdown", ".mkd", ".mkdn")  # what a first build's readers hash for the scan
RACY_NS = 2_000_000_000
_SKIP_DIRS = {".git", "__pycache__", ".ipynb_checkpoints", CACHE_FOLDER}
CODE = Path(__file__).resolve().parent.parent  # journey's own files: a new journey builds anew


def input_paths(config: SiteConfig, named: Iterable[str] = ()) -> tuple[list[Path], list[Path]]:
    """(folders, files) a build of this blog reads: posts, static files, notebook results, the
    theme and Liquid's `_includes/`; the settings, the notebook environment, and the notebooks and deps posts name."""
    root = config.root
    # The blog's own templates/ even before it exists: creating it changes the site.
    themes = list(dict.fromkeys([root / "templates", *theme_dirs(config)]))
    folders = [*(root / folder for folder in source_folders(config)), root / config.freeze_dir, *themes,
               root / "_includes"]  # Liquid's includes
    files = [root / "pyproject.toml", root / JEKYLL_CONFIG, root / config.environment,
             *(Path(p) for p in sorted(named))]
    return folders, files


class StatCache:
    """Content hashes of input files by what `stat` says of them, as git's index keeps them: a
    file whose inode, size, modification and change times (in nanoseconds) are all as recorded
    has the recorded hash, so an unchanged blog costs a stat per file, not a read. The change
    time cannot be set back by any tool, so a rewrite that restores the old modification time is
    still seen. A file written within the last two seconds is not recorded (a coarse file-system
    clock could give a second write in that window the same times): git's "racy" rule.

    Kept in `.journey-cache/stats.json` between builds, and in memory by `serve`. Entries check
    themselves, so builds writing the file concurrently can only lose entries, never mislead."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.entries: dict[str, list[Any]] = {}  # path → [inode, size, mtime_ns, ctime_ns, sha256 hex]
        self.changed = False
        self.awaiting: dict[str, tuple[list[int], bool]] = {}  # deferred files: what stat said, and whether not racy
        if path is not None:
            data = read_sealed(path, FORMAT)
            if isinstance(data, dict) and all(_valid_entry(v) for v in data.values()):
                self.entries = data

    def digest(self, name: str, now: int, *, defer: bool = False) -> bytes | None:
        """The file's SHA-256, or None when it is not a regular file (or not there). `defer`: a
        file that must be read for its hash is not read here but left to its reader: DEFERRED,
        until `learn` is told the hash."""
        try:
            info = os.stat(name)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None  # a folder, or a named pipe that would block a read
        seen = [info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]
        old = self.entries.get(name)
        if old is not None and old[:4] == seen:
            return bytes.fromhex(old[4])
        settled = now - max(info.st_mtime_ns, info.st_ctime_ns) >= RACY_NS
        if defer:
            self.awaiting[name] = (seen, settled)
            return DEFERRED
        try:
            digest = hashlib.sha256(read_whole(name, info.st_size)).digest()
        except OSError:
            return None
        self._record(name, seen, settled, digest)
        return digest

    def learn(self, name: str, digest: bytes) -> None:
        """The hash of a file `digest` left to its reader, as it read it."""
        seen, settled = self.awaiting.pop(name)
        self._record(name, seen, settled, digest)

    def _record(self, name: str, seen: list[int], settled: bool, digest: bytes) -> None:
        if settled:
            self.entries[name] = [*seen, digest.hex()]
            self.changed = True
        elif name in self.entries:
            del self.entries[name]
            self.changed = True

    def save(self, keep: Iterable[str]) -> None:
        """Write the entries of the files just scanned (`keep`), if anything changed. One kept in
        memory only (serve's, which its watcher shares) is left whole."""
        if self.path is None:
            return
        wanted = set(keep)
        if any(name not in wanted for name in self.entries):
            self.entries = {name: entry for name, entry in self.entries.items() if name in wanted}
            self.changed = True
        if self.changed:
            write_sealed(self.path, FORMAT, self.entries)
            self.changed = False


def _valid_entry(value: Any) -> bool:
    """The shape `digest` stores (the file's checksum already vouches for the contents)."""
    return type(value) is list and len(value) == 5 and type(value[4]) is str and len(value[4]) == 64


def scan_inputs(folders: list[Path], files: list[Path], known: StatCache,
                defer: tuple[str, ...] = ()) -> dict[str, bytes]:
    """The content hash of every file under `folders`, of the listed `files` and of journey's
    code. `defer`: folders (as strings ending in a separator) whose Markdown files, when stat
    does not vouch for them, are left to the post reader that reads them anyway (a first build
    would otherwise read and hash 4,000 posts twice, the first time here, alone): DEFERRED
    until `Rebuild.posts` learns their hashes."""
    hashes: dict[str, bytes] = {}
    now = time.time_ns()
    known.awaiting.clear()
    names = [*walk_files(CODE), *(name for folder in folders for name in walk_files(folder)), *map(str, files)]
    for name in names:
        if name not in hashes:
            later = bool(defer) and name.startswith(defer) and name.endswith(POST_SUFFIXES)
            digest = known.digest(name, now, defer=later)
            if digest is not None:
                hashes[name] = digest
    return hashes


def learn_hashes(hashes: dict[str, bytes], known: StatCache, read: dict[str, str]) -> None:
    """Fill in the hashes `scan_inputs` left to the post files' reader: `read` maps each file
    read to the SHA-256 (hex) of what was read; a file that gave none (an error) is hashed here."""
    for name in [name for name, digest in hashes.items() if digest == DEFERRED]:
        if name in read and name in known.awaiting:
            hashes[name] = bytes.fromhex(read[name])
            known.learn(name, hashes[name])
            continue
        known.awaiting.pop(name, None)
        digest = known.digest(name, time.time_ns())
        if digest is None:
            del hashes[name]
        else:
            hashes[name] = digest
    known.awaiting.clear()


def code_digest(hashes: Mapping[str, bytes]) -> str:
    """A digest of journey's own files (whose hashes every scan has): what a cached rendering
    was made by."""
    digest = hashlib.sha256()
    root = str(CODE)
    for name in walk_files(Path(root)):
        digest.update(os.path.relpath(name, root).replace(os.sep, "/").encode("utf-8") + b"\0")
        digest.update(hashes[name] if name in hashes else hashlib.sha256(Path(name).read_bytes()).digest())
    return digest.hexdigest()


def inputs_digest(hashes: dict[str, bytes], options: dict[str, Any]) -> str:
    """One digest over the scanned files (in scan order) and the build options."""
    digest = hashlib.sha256()
    digest.update(json.dumps([FORMAT, sys.version, options], sort_keys=True, default=str).encode("utf-8"))
    for name, content in hashes.items():
        digest.update(name.encode("utf-8") + b"\0" + content)
    return digest.hexdigest()


def changed_while_building(
    before: dict[str, bytes], after: dict[str, bytes], named: set[str], written: Path
) -> bool:
    """Whether an input changed while the build ran (an edit saved during a `serve` rebuild):
    then the build may not have seen it, and the next one must not count as up to date.
    Files under `written` (notebook results the build stores) and files this build was the
    first to name as inputs (`named`: a newly referenced notebook) are the build's own doing."""
    inside = f"{written}{os.sep}"
    for name in before.keys() | after.keys():
        if name.startswith(inside):
            continue
        if name in before and name in after:
            changed = before[name] != after[name]
        elif name in after:
            changed = name not in named  # a new post saved meanwhile, say
        else:
            changed = not Path(name).is_file()  # deleted, not merely no longer named
        if changed:
            return True
    return False


def walk_files(folder: Path, skip: Callable[[str], object] | None = None) -> list[str]:
    """Every regular file under `folder` (as strings: a scan makes a thousand of them), in sorted
    order, leaving out names `skip` is true for (by default: caches, git, bytecode). Directory
    entries say what they are, so neither a stat per file nor opening a named pipe by mistake;
    a linked folder is not entered, as os.walk would not."""
    skip = skip or _skipped
    found: list[str] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:  # not there, or not a folder
        return found
    for entry in entries:
        if skip(entry.name):
            continue
        if entry.is_dir(follow_symlinks=False):
            found.extend(walk_files(Path(entry.path), skip))
        elif _is_file(entry):
            found.append(entry.path)
    return found


def _is_file(entry: os.DirEntry[str]) -> bool:
    """Whether an entry is (or links to) a file; a link loop is not (the build reports it)."""
    try:
        return entry.is_file()
    except OSError:
        return False


def _skipped(name: str) -> bool:
    return name in _SKIP_DIRS or name.endswith(".pyc")
