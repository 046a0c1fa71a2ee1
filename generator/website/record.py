"""The site record: which files the live site and its spare hold, with their fingerprints, and
which folders they are (`.journey-cache/site-<out>.json`), so that a tree changed behind the
build's back is never trusted. Read by every build, the one with nothing to do included."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..files import read_sealed, write_sealed

MARKER = ".nojekyll"  # every site we build has it; a non-empty folder without it is not ours
RECORD = "site-record-2"  # {"live": tree, "spare": tree}, each {"identity": [...], "files": {...}}


def identity(folder: Path) -> list[int] | None:
    """What tells this folder from any other, and from itself before a rename or an entry added
    or removed at its top: device, inode, modification and change times. None when absent."""
    try:
        info = os.stat(folder)
    except OSError:
        return None
    return [info.st_dev, info.st_ino, info.st_mtime_ns, info.st_ctime_ns]


@dataclass(frozen=True)
class Tree:
    """One complete site folder as a build left it: its identity (`identity`) and every
    file's fingerprint ("" where unknown: never matched, so always written)."""

    identity: list[int] | None
    files: dict[str, str]


def load_record(path: Path) -> tuple[Tree | None, Tree | None]:
    """The site record's (live, spare); None for a tree it does not describe, and for both when
    the file is missing, damaged, foreign or of another shape: nothing in it is trusted then."""
    data = read_sealed(path, RECORD)
    try:
        return _tree(data["live"]), _tree(data["spare"])
    except (KeyError, TypeError):
        return None, None


def _tree(data: Any) -> Tree | None:
    if data is None:
        return None
    found, files = data["identity"], data["files"]
    if not (isinstance(found, list) and len(found) == 4 and all(type(n) is int for n in found)
            and isinstance(files, dict) and all(type(v) is str for v in files.values())):
        raise TypeError("not a site record")
    return Tree(found, files)


def save_record(path: Path, live: Tree | None, spare: Tree | None) -> None:
    write_sealed(path, RECORD, {"live": vars(live) if live else None, "spare": vars(spare) if spare else None})


def site_is_intact(out: Path, record: Path, digest: str | None = None) -> tuple[bool, list[str]]:
    """Whether `out` is still the very tree the record describes and has the site marker, and
    the files the record lists. With `digest` (what the manifest kept of `Staging.digest()`),
    also whether that build made it: a build killed after writing the record but before its
    manifest must not let the manifest's older inputs pass for this site."""
    live, _ = load_record(record)
    if live is None:
        return False, []
    intact = live.identity == identity(out.resolve()) and (out / MARKER).is_file()
    if digest is not None:
        intact = intact and files_digest(live.files) == digest
    return intact, sorted(live.files)


def recorded_fingerprints(record: Path) -> dict[str, str]:
    """The fingerprint of every file of the live site a record describes ({} when damaged)."""
    live, _ = load_record(record)
    return {path: mark for path, mark in live.files.items() if mark} if live else {}


def files_digest(files: dict[str, str]) -> str:
    """One value for a whole site: every path with its fingerprint."""
    pairs = "\0".join(f"{path}\0{mark}" for path, mark in sorted(files.items()))
    return hashlib.sha256(pairs.encode("utf-8")).hexdigest()
