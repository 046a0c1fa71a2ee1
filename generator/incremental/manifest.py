"""The build manifest: what the last build read and wrote, so an unchanged build does nothing
and an edit redoes only what depends on it. Every decision is made on content hashes; the stat
cache only spares re-reading a file whose inode, size and times show it untouched (git's rule)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import CACHE_FOLDER
from ..website.write import write_atomically

FORMAT = "manifest-2"
RACY_NS = 2_000_000_000
_SKIP_DIRS = {".git", "__pycache__", ".ipynb_checkpoints", CACHE_FOLDER}


@dataclass
class Manifest:
    inputs: str = ""  # digest of every input file, the options and journey itself
    release: str = ""  # ISO time of the earliest future post held back: the site changes then
    fingerprints: dict[str, str] = field(default_factory=dict)  # site path → what the file was made from
    warnings: list[list[Any]] = field(default_factory=list)  # [path, line, col, message]
    extra_inputs: list[str] = field(default_factory=list)  # files outside the usual folders (deps)
    outputs: list[str] | None = None  # every file the build wrote or kept; None: not known

    def is_current(self, inputs: str, now: datetime, out: Path) -> bool:
        """True when nothing the last build read has changed and its site is still in place."""
        if not self.inputs or self.inputs != inputs or not (out / ".nojekyll").is_file():
            return False
        where = f"{out}{os.sep}"
        if self.outputs is None or not all(os.path.isfile(where + path) for path in self.outputs):
            return False  # a file deleted from site/ by hand is written again
        return not self.release or now < datetime.fromisoformat(self.release)


def manifest_path(cache_dir: Path, out: Path) -> Path:
    """One manifest per output folder, so `--out` elsewhere does not confuse the default site."""
    return cache_dir / f"manifest-{out_tag(out)}.json"


def out_tag(out: Path) -> str:
    """A short name for an output folder, for the caches kept per output folder."""
    return hashlib.sha256(str(out.resolve()).encode("utf-8")).hexdigest()[:12]


def load_manifest(path: Path) -> Manifest:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.pop("format", None) != FORMAT:
            return Manifest()
        return Manifest(**data)
    except (OSError, ValueError, TypeError):
        return Manifest()  # missing or damaged: a full build


def save_manifest(path: Path, manifest: Manifest) -> None:
    data = {"format": FORMAT, **vars(manifest)}  # not asdict(): it deep-copies every value
    write_atomically(path, json.dumps(data, sort_keys=True).encode("utf-8"))


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
        if path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("format") == FORMAT:
                    self.entries = data["entries"]
            except (OSError, ValueError, KeyError, AttributeError):
                self.entries = {}

    def digest(self, name: str, now: int) -> bytes | None:
        """The file's SHA-256, or None when it is not a regular file (or not there)."""
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
        try:
            with open(name, "rb") as stream:
                digest = hashlib.sha256(stream.read()).digest()
        except OSError:
            return None
        if now - max(info.st_mtime_ns, info.st_ctime_ns) >= RACY_NS:
            self.entries[name] = [*seen, digest.hex()]
            self.changed = True
        elif old is not None:
            del self.entries[name]
            self.changed = True
        return digest

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
            data = {"format": FORMAT, "entries": self.entries}
            write_atomically(self.path, json.dumps(data, sort_keys=True).encode("utf-8"))
            self.changed = False


def scan_inputs(folders: list[Path], files: list[Path], known: StatCache) -> dict[str, bytes]:
    """The content hash of every file under `folders`, of the listed `files` and of journey's code."""
    hashes: dict[str, bytes] = {}
    now = time.time_ns()
    names = [*walk_files(Path(__file__).parent.parent), *(name for folder in folders for name in walk_files(folder)), *map(str, files)]
    for name in names:
        if name not in hashes:
            digest = known.digest(name, now)
            if digest is not None:
                hashes[name] = digest
    return hashes


def code_digest(hashes: Mapping[str, bytes]) -> str:
    """A digest of journey's own files (whose hashes every scan has): what a cached rendering
    was made by."""
    digest = hashlib.sha256()
    root = str(Path(__file__).parent.parent)
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
        elif entry.is_file():
            found.append(entry.path)
    return found


def _skipped(name: str) -> bool:
    return name in _SKIP_DIRS or name.endswith(".pyc")
