"""The atomic, contained writer: collect every output in memory, then swap the folder in."""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath

from .errors import Diagnostic, JourneyError, error

MARKER = ".nojekyll"  # every site we build has it; a non-empty folder without it is not ours


class SiteFiles:
    """Output files by site path; a path written twice, or one leaving the site, is an error."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[bytes, str]] = {}
        self.problems: list[Diagnostic] = []

    def add(self, path: str, data: bytes | str, origin: str) -> None:
        """Add one file; `origin` names its source for the collision message."""
        clean = _clean(path)
        if clean is None:
            self.problems.append(error(origin, 0, 0, f"output path '{path}' leaves the site folder"))
            return
        if isinstance(data, str):
            data = data.encode("utf-8")
        if clean in self._files:
            other = self._files[clean][1]
            self.problems.append(
                error(origin, 0, 0, f"output '{clean}' is also written by {other}")
            )
            return
        self._files[clean] = (data, origin)

    def __contains__(self, path: str) -> bool:
        return _clean(path) in self._files

    def items(self) -> list[tuple[str, bytes]]:
        return [(path, self._files[path][0]) for path in sorted(self._files)]

    def __len__(self) -> int:
        return len(self._files)


def _clean(path: str) -> str | None:
    """A normalized relative POSIX path, or None when it is absolute or climbs out."""
    if not path or path.startswith("/") or "\\" in path or "\0" in path:
        return None
    parts = PurePosixPath(path).parts
    if any(part in ("..", ".", "") for part in parts):
        return None
    return "/".join(parts)


def check_out_folder(source: Path, out: Path) -> None:
    """Refuse an output folder that would swallow the sources or someone else's files."""
    source, out = source.resolve(), out.resolve()
    if out == source or source.is_relative_to(out):
        raise JourneyError(error(str(out), 0, 0, "the output folder must not contain the blog sources"))
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise JourneyError(
            error(str(out), 0, 0, f"refusing to replace '{out}': it is not a site built by journey (no {MARKER})")
        )


def write_site(out: Path, files: SiteFiles) -> None:
    """Write everything beside `out`, then swap it in; on failure the old folder is untouched."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.new-{os.getpid()}"
    retired = out.parent / f".{out.name}.old-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for path, data in files.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if out.exists():
            out.rename(retired)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if retired.exists() and not out.exists():
            retired.rename(out)
        raise
    shutil.rmtree(retired, ignore_errors=True)
