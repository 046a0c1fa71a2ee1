"""The build manifest: what the last build read and wrote, so an unchanged build does nothing
and an edit redoes only what depends on it. Content hashes only, never modification times."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .write import write_atomically

FORMAT = "manifest-2"
RACY_NS = 2_000_000_000
_SKIP_DIRS = {".git", "__pycache__", ".ipynb_checkpoints", ".journey-cache"}


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


def scan_inputs(
    folders: list[Path], files: list[Path], known: dict[str, tuple[tuple[int, int, int], bytes]] | None = None
) -> dict[str, bytes]:
    """The content hash of every file under `folders`, of the listed `files` and of journey's code.

    `known` (serve's resident copy, updated here) lets a file whose inode, size and modification
    time are as last seen keep its hash, unless it changed in the last two seconds (a coarse
    file-system clock could hide a second write): git's "racy" rule. A build run from the command
    line passes nothing and reads every file."""
    hashes: dict[str, bytes] = {}
    now = time.time_ns()
    names = [*_walk(Path(__file__).parent), *(name for folder in folders for name in _walk(folder)), *map(str, files)]
    for name in names:
        if name in hashes:
            continue
        try:
            if known is None:
                with open(name, "rb") as stream:  # a folder or a missing file raises: not an input
                    hashes[name] = hashlib.sha256(stream.read()).digest()
                continue
            stat = os.stat(name)
            seen = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
            old = known.get(name)
            if old is not None and old[0] == seen and now - seen[2] >= RACY_NS:
                hashes[name] = old[1]
            else:
                with open(name, "rb") as stream:
                    hashes[name] = hashlib.sha256(stream.read()).digest()
                known[name] = (seen, hashes[name])
        except OSError:
            continue
    return hashes


def code_digest() -> str:
    """A digest of journey's own files: what a cached rendering was made by."""
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for name in _walk(root):
        digest.update(Path(name).relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(Path(name).read_bytes()).digest())
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


def _walk(folder: Path) -> list[str]:
    """Every regular file under `folder` (as strings: a scan makes a thousand of them), in sorted
    order. Directory entries say what they are, so neither a stat per file nor opening a named
    pipe by mistake."""
    found: list[str] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:  # not there, or not a folder
        return found
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):  # as os.walk: a linked folder is not entered
            if entry.name not in _SKIP_DIRS:
                found.extend(_walk(Path(entry.path)))
        elif entry.is_file() and not entry.name.endswith(".pyc"):
            found.append(entry.path)
    return found
