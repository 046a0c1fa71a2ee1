"""The swap: the new site and the live one trade places in one rename; leftovers of killed builds go;
an output folder that is not journey's is refused.

The site is double-buffered. Beside the live `site/` sits a *spare*, the site as it was one build
earlier; a build brings the spare up to date under a staging name, then exchanges it with
`site/` (Linux `renameat2(RENAME_EXCHANGE)`), so that `site/` is at every instant one complete
site, and the tree it replaced becomes the next spare. Copying the whole site per build would
cost more than the rest of a one-post rebuild.
"""

from __future__ import annotations

import errno
import functools
import itertools
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import JourneyError, error
from .record import MARKER

AT_FDCWD = -100
RENAME_EXCHANGE = 2
_STEPS = itertools.count(1)  # calls of crash_point() in this process


def crash_point() -> None:
    """Test hook: with JOURNEY_CRASH_AT=N set, the N-th call in this process kills it (SIGKILL).

    Called after every step of finishing and swapping the site, so tests/test_crash.py can stop
    a build at each of them, as a power cut or `kill -9` would, and check what it leaves."""
    if next(_STEPS) == _crash_at():
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


@functools.cache
def _crash_at() -> int:
    value = os.environ.get("JOURNEY_CRASH_AT", "")
    return int(value) if value.isdigit() else 0


def staging_name(out: Path) -> str:
    return f".{out.name}.new-{os.getpid()}"


def spare_folder(out: Path, home: Path, name: str) -> Path:
    """Where the spare lives: `home/name` (the cache folder), or beside `out` when `home` is on
    another device, since a rename cannot cross devices."""
    home.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    if os.stat(home).st_dev == os.stat(out.parent).st_dev:
        return home / name
    return out.parent / f".{out.name}.spare"


def swap_in(new: Path, out: Path, spare: Path) -> bool:
    """Make the complete tree `new` the live `out`; the tree it replaces moves to `spare`.
    Returns whether it did (False: the old tree could not be kept, and is gone)."""
    crash_point()
    if _exchange(new, out):
        crash_point()
        old = new  # the exchange left the old live tree under the staging name
    else:
        # Two renames: between them `out` does not exist, and recover() puts the aside back.
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.rename(out, old)
        crash_point()
        try:
            os.rename(new, out)
        except OSError:
            os.rename(old, out)
            raise
        crash_point()
    try:
        os.rename(old, spare)
    except OSError:
        shutil.rmtree(old, ignore_errors=True)
        return False
    crash_point()
    return True


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step; False where the system or file system cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    import ctypes

    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False  # an old kernel, or a file system without RENAME_EXCHANGE
    raise OSError(code, os.strerror(code), str(first), None, str(second))


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """libc's renameat2 (glibc 2.28+), or None: Python's os module has no RENAME_EXCHANGE.
    ctypes loads here, on the first swap, not for a build with nothing to do."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def recover(out: Path, folders: list[Path]) -> None:
    """Undo what killed builds left: an aside of the live site (put back when `out` is missing),
    and staging folders (deleted). Those of a build still running are left alone."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(new|old)-(\d+)")
    for folder in dict.fromkeys(folders):
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            found = pattern.fullmatch(entry.name)
            if found is None or _running(int(found[2])):
                continue
            if found[1] == "old" and folder == out.parent and not os.path.lexists(out):
                os.rename(entry.path, out)  # killed between the two renames of swap_in
            else:
                shutil.rmtree(entry.path, ignore_errors=True)


def _running(pid: int) -> bool:
    """Whether another process with this id runs (ours is not "another": it is this build)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return False
    return True


def check_out_folder(source: Path, out: Path, inputs: Iterable[Path] = ()) -> None:
    """Refuse an output folder that would swallow the sources, sit inside one of the build's
    input folders (the next build would read its own output), or hold someone else's files."""
    source, out = source.resolve(), out.resolve()
    if out == source or source.is_relative_to(out):
        raise JourneyError(error(str(out), 0, 0, "the output folder must not contain the blog sources"))
    for folder in inputs:
        if out.is_relative_to(folder.resolve()):
            raise JourneyError(error(str(out), 0, 0, f"the output folder must not be inside the input folder '{folder}'"))
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise JourneyError(
            error(str(out), 0, 0, f"refusing to replace '{out}': it is not a site built by journey (no {MARKER})")
        )
