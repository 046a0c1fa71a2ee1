"""Environmental failures (a full disk, a read-only mount, a folder the build may not write) as diagnostics."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from .files import CACHE_FOLDER, display_path
from .errors import Diagnostic, error

# The errors that come from the machine, not from journey or the blog: said as a diagnostic.
_SAID = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EIO: "input/output error",
    errno.ENAMETOOLONG: "file name too long",
    errno.ELOOP: "too many levels of symbolic links",
}


def is_environmental(exc: BaseException) -> bool:
    """Whether an exception is the machine refusing a file operation (not a bug in journey)."""
    return isinstance(exc, OSError) and exc.errno in _SAID


def fault_diagnostic(exc: OSError, source: Path, out: Path) -> Diagnostic:
    """The failure at the folder it concerns: the site folder (its staging and spare trees are
    beside it or in the cache), the cache folder, or the file itself."""
    said = _SAID.get(exc.errno or 0, (exc.strerror or str(exc)).lower())
    cache = source / CACHE_FOLDER
    named = [Path(name) for name in (exc.filename, exc.filename2) if isinstance(name, str)] or [out]
    if any(_in_site(path, out, cache) for path in named):
        return error(display_path(out) + "/", 0, 0, f"{said}; the previous site is unchanged")
    if any(path.is_relative_to(cache) for path in named):
        return error(display_path(cache) + "/", 0, 0, f"{said}: the build cache cannot be written; nothing was "
                                                     f"changed in the site")
    return error(display_path(named[0]), 0, 0, f"{said}; the previous site is unchanged")


def _in_site(path: Path, out: Path, cache: Path) -> bool:
    """Whether a path is the site's: in `out`, or in a tree being made beside it or in the cache."""
    if path.is_relative_to(out):
        return True
    if path.parent == out.parent and path.name.startswith(f".{out.name}."):
        return True
    return path.is_relative_to(cache) and _is_site_tree(path.relative_to(cache), out)


def _is_site_tree(inside: Path, out: Path) -> bool:
    """Whether a path inside the cache folder is in a tree of the site (its staging or spare)."""
    first = inside.parts[0] if inside.parts else ""
    return first.startswith((f".{out.name}.", "spare-"))


def probe_writable(folder: Path) -> None:
    """Raise the OSError the machine gives when `folder` cannot be made or written, before a
    build starts work it could not keep (the build store would otherwise fail entry by entry)."""
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / f"probe-{os.getpid()}"
    probe.write_bytes(b"")
    probe.unlink()
