"""The atomic, contained writer: files go to a staging folder beside the site, swapped in at the end."""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath

from .errors import Diagnostic, JourneyError, error

MARKER = ".nojekyll"  # every site we build has it; a non-empty folder without it is not ours


class Staging:
    """The next site, written file by file beside `out`; a path written twice, or one leaving
    the site, is an error. Pages stream to disk as they are rendered, so no process holds the
    whole site in memory; the old site stays in place until `commit()` swaps it out."""

    def __init__(self, out: Path) -> None:
        self.out = out.resolve()
        self.root = self.out.parent / f".{self.out.name}.new-{os.getpid()}"
        self.origins: dict[str, str] = {}
        self.problems: list[Diagnostic] = []
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)

    def claim(self, path: str, origin: str) -> Path | None:
        """Reserve a site path for `origin`; None (and a diagnostic) when it is taken or unsafe."""
        clean = clean_path(path)
        if clean is None:
            self.problems.append(error(origin, 0, 0, f"output path '{path}' leaves the site folder"))
            return None
        if clean in self.origins:
            self.problems.append(error(origin, 0, 0, f"output '{clean}' is also written by {self.origins[clean]}"))
            return None
        self.origins[clean] = origin
        target = self.root / clean
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def add(self, path: str, data: bytes | str, origin: str) -> None:
        """Write one file now."""
        target = self.claim(path, origin)
        if target is not None:
            target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    def reuse(self, path: str, previous: Path, origin: str) -> None:
        """Take an unchanged file from the previous site: a hard link, or a copy across devices."""
        target = self.claim(path, origin)
        if target is None:
            return
        try:
            os.link(previous, target)
        except OSError:
            shutil.copyfile(previous, target)

    def __contains__(self, path: str) -> bool:
        return clean_path(path) in self.origins

    def __len__(self) -> int:
        return len(self.origins)

    def commit(self) -> None:
        """Swap the staged site in; the old one is removed only after the new one is in place."""
        retired = self.out.parent / f".{self.out.name}.old-{os.getpid()}"
        shutil.rmtree(retired, ignore_errors=True)
        if self.out.exists():
            self.out.rename(retired)
        try:
            self.root.rename(self.out)
        except BaseException:
            if retired.exists():
                retired.rename(self.out)
            raise
        shutil.rmtree(retired, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def clean_path(path: str) -> str | None:
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
