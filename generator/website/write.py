"""The atomic, contained writer: files go to a staging folder beside the site, swapped in at the end."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import Diagnostic, JourneyError, error
from ..files import read_sealed, write_sealed

MARKER = ".nojekyll"  # every site we build has it; a non-empty folder without it is not ours


class Staging:
    """The next site's new and changed files, written beside `out` as they are rendered; a path
    written twice, or one leaving the site, is an error. Nothing touches `out` until `commit()`,
    so a build that fails leaves the previous site as it was. Pages stream to disk, so no
    process holds the whole site in memory."""

    def __init__(self, out: Path, record: Path) -> None:
        self.out = out.resolve()
        self.record = record
        self.root = self.out.parent / f".{self.out.name}.new-{os.getpid()}"
        recorded = _read_record(record) if self.out.is_dir() else None
        self.previous = recorded["fingerprints"] if recorded else {}  # of the files now in `out`
        self._previous_outputs = list(recorded["fingerprints"]) if recorded else None
        self.fingerprints: dict[str, str] = {}
        self.origins: dict[str, str] = {}
        self.folders: dict[str, str] = {}  # every folder the claimed files need → who first needed it
        self.problems: list[Diagnostic] = []
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)

    def claim(self, path: str, origin: str, fingerprint: str = "") -> Path | None:
        """Reserve a site path for `origin` and return where to write it. None when the previous
        site already has the file with this fingerprint (it is kept), or when the path is taken
        or unsafe (a diagnostic says so)."""
        clean = self._reserve(path, origin)
        if clean is None:
            return None
        if fingerprint:
            self.fingerprints[clean] = fingerprint
            if self.previous.get(clean) == fingerprint and os.path.isfile(f"{self.out}/{clean}"):
                return None  # kept: commit() leaves it in place
        target = self.root / clean
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def _reserve(self, path: str, origin: str) -> str | None:
        clean = clean_path(path)
        if clean is None:
            self.problems.append(error(origin, 0, 0, f"output path '{path}' leaves the site folder"))
            return None
        if clean in self.origins:
            self.problems.append(error(origin, 0, 0, f"output '{clean}' is also written by {self.origins[clean]}"))
            return None
        parents, at = [], clean.find("/")
        while at != -1:
            parents.append(clean[:at])
            at = clean.find("/", at + 1)
        clash = clean if clean in self.folders else next((p for p in parents if p in self.origins), None)
        if clash is not None:
            other = self.folders.get(clash) or self.origins[clash]
            # Say it at the source file when one of the two is a file (a post), not a generated page.
            where, who = (origin, other) if Path(origin).suffix or not Path(other).suffix else (other, origin)
            self.problems.append(
                error(where, 0, 0, f"'{clash}' would have to be both a file and a folder (also written by {who})")
            )
            return None
        self.origins[clean] = origin
        for parent in parents:
            self.folders.setdefault(parent, origin)
        return clean

    def add(self, path: str, data: bytes | str, origin: str) -> None:
        """Write one file now, unless the previous site has these very bytes there."""
        data = data.encode("utf-8") if isinstance(data, str) else data
        target = self.claim(path, origin, hashlib.sha256(data).hexdigest())
        if target is not None:
            target.write_bytes(data)

    def commit(self) -> None:
        self._commit(self._previous_outputs)
        write_sealed(self.record, RECORD, {"fingerprints": self.fingerprints})

    def _commit(self, previous: Iterable[str] | None = None) -> None:
        """Put the new site in place: a rename for a first build; otherwise move the new and
        changed files over and delete the files the site no longer has (those of `previous`,
        the last build's outputs, that this build did not produce; all unknown files when the
        last build's outputs are not known)."""
        if not self.out.exists():
            self.root.rename(self.out)
            return
        for dirpath, _, filenames in os.walk(self.root):
            for name in filenames:
                staged = Path(dirpath) / name
                target = self.out / staged.relative_to(self.root)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, target)
        if previous is None:
            previous = (
                (Path(d) / name).relative_to(self.out).as_posix()
                for d, _, names in os.walk(self.out) for name in names
            )
        folders: set[Path] = set()
        for path in sorted(set(previous) - set(self.origins)):
            (self.out / path).unlink(missing_ok=True)
            folders.update((self.out / path).parents)
        for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):  # deepest first
            if folder.is_relative_to(self.out) and folder != self.out and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        shutil.rmtree(self.root, ignore_errors=True)

    def outputs(self) -> list[str]:
        return sorted(self.origins)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


RECORD = "site-record-1"


def _read_record(record: Path) -> dict[str, Any] | None:
    data = read_sealed(record, RECORD)
    if not (isinstance(data, dict) and isinstance(data.get("fingerprints"), dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in data["fingerprints"].items())):
        return None
    return data


def site_is_intact(out: Path, record: Path) -> tuple[bool, list[str]]:
    """Whether `out` is the site its record describes, and the files it lists."""
    data = _read_record(record)
    if data is None or not (out / MARKER).is_file():
        return False, []
    return True, sorted(data["fingerprints"])


def recorded_fingerprints(record: Path) -> dict[str, str]:
    """The fingerprint of every file of the site a record describes ({} when it is not trusted)."""
    data = _read_record(record)
    return dict(data["fingerprints"]) if data else {}


def clean_path(path: str) -> str | None:
    """A normalized relative POSIX path, or None when it is absolute or climbs out."""
    if not path or path.startswith("/") or "\\" in path or "\0" in path:
        return None
    parts = [part for part in path.split("/") if part not in ("", ".")]  # as PurePosixPath: 'a//b', 'a/./b'
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


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
