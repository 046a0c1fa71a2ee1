"""Writing files so that no reader, and no build that dies, ever sees half of one; and sealed
JSON files (a format line, a checksum line, then the JSON they vouch for), so that the build's
small state files (the manifest, the stat cache, the site record) are told from truncated,
emptied, bit-flipped or foreign ones and simply not used."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from pathlib import Path
from typing import Any

CACHE_FOLDER = ".journey-cache"  # in the blog root: everything a build keeps for the next one
_NAMES = itertools.count()


def display_path(path: Path | str) -> str:
    """The path as diagnostics show it: relative to the working folder when inside it. (By
    strings, as `Path.relative_to` compares parts: a build replaying 4,000 warnings asks 4,000 times.)"""
    shown, cwd = str(path), os.getcwd()
    if shown == cwd:
        return "."
    inside = cwd if cwd.endswith(os.sep) else cwd + os.sep
    return shown.removeprefix(inside)


def read_whole(name: str | Path, size: int = 1 << 16) -> bytes:
    """A file's bytes by os calls alone, `size` the bytes expected (its stat's): ~9 µs for a post
    of 1 KB, against ~14 µs through `open()`'s file object, 4,000 times in a first build's scan
    and again in its reading."""
    handle = os.open(name, os.O_RDONLY | os.O_CLOEXEC)
    try:
        parts = [os.read(handle, size + 1)]
        while parts[-1]:
            parts.append(os.read(handle, 1 << 16))
    finally:
        os.close(handle)
    return parts[0] if len(parts) == 2 else b"".join(parts)


def write_all(handle: int, data: bytes) -> None:
    """Write all of `data` to the file descriptor `handle` (os.write may take only part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one rename; the temporary name is this process's own (and
    created exclusively), so two writers cannot collide. (Not `tempfile`: importing it costs
    more than a build with nothing to do spends on writing.)"""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".tmp-{os.getpid()}-{next(_NAMES)}"
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_sealed(path: Path, format: str, data: Any) -> None:
    body = json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
    write_atomically(path, b"%s\n%s\n%s" % (format.encode("ascii"), _checksum(body), body))


def read_sealed(path: Path, format: str) -> Any:
    """The data `write_sealed` wrote with this format, or None (missing, damaged, foreign, older)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head, _, rest = raw.partition(b"\n")
    stored, _, body = rest.partition(b"\n")
    if head != format.encode("ascii") or stored != _checksum(body):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _checksum(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=16).hexdigest().encode("ascii")
