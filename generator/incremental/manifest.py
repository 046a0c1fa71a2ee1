"""The manifest: what the last build of one output folder read, so a build with nothing changed
does nothing. It is checked before the settings are even parsed: it names the folders and files
the last build scanned, and an unchanged `pyproject.toml` among them means the same ones again."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..files import read_sealed, write_sealed

if TYPE_CHECKING:
    from ..errors import Diagnostic

FORMAT = "manifest-4"


@dataclass(frozen=True)
class Manifest:
    inputs: str = ""  # digest of every input file, the options and journey itself
    folders: list[str] = field(default_factory=list)  # the folders the build scanned
    files: list[str] = field(default_factory=list)  # single files it scanned (settings, environment, deps)
    release: str = ""  # ISO time of the earliest future post held back: the site changes then
    warnings: list[list[Any]] = field(default_factory=list)  # [path, line, col, message], absolute paths
    site: str = ""  # the digest of the site this build made (a record of another build is not ours)

    def is_current(self, inputs: str, now: datetime, out: Path, outputs: list[str] | None) -> bool:
        """True when nothing the last build read has changed and its site is still in place
        (`outputs`: the files the site's record lists, None when the record is not trusted)."""
        if not self.inputs or self.inputs != inputs or outputs is None:
            return False
        where = f"{out}{os.sep}"
        if not all(os.path.isfile(where + path) for path in outputs):
            return False  # a file deleted from site/ by hand is written again
        return not self.release or now < datetime.fromisoformat(self.release)


def manifest_path(cache_dir: Path, out: Path) -> Path:
    """One manifest per output folder, so `--out` elsewhere does not confuse the default site."""
    return cache_dir / f"manifest-{out_tag(out)}.json"


def out_tag(out: Path) -> str:
    """A short name for an output folder, for the state kept per output folder."""
    return hashlib.sha256(str(out.resolve()).encode("utf-8")).hexdigest()[:12]


def load_manifest(path: Path) -> Manifest:
    data = read_sealed(path, FORMAT)
    if not _valid(data):
        return Manifest()  # missing, damaged or foreign: a full build
    return Manifest(**data)


def save_manifest(path: Path, manifest: Manifest) -> None:
    # Its fields as they are (asdict would copy, deeply, a list per warning: 4,000 of them for undated posts).
    write_sealed(path, FORMAT, {f.name: getattr(manifest, f.name) for f in fields(manifest)})


def _valid(data: Any) -> bool:
    if not isinstance(data, dict) or set(data) != {"inputs", "folders", "files", "release", "warnings", "site"}:
        return False
    return (isinstance(data["inputs"], str) and isinstance(data["release"], str) and isinstance(data["site"], str)
            and all(isinstance(p, str) for p in (*data["folders"], *data["files"]))
            and all(isinstance(w, list) and len(w) == 4 for w in data["warnings"]))


def manifest_warnings(warnings: Sequence[Diagnostic]) -> list[list[Any]]:
    """The warnings a build said, as the manifest keeps them (replayed by a build with nothing to
    do): [absolute path, line, column, message] each."""
    here = os.getcwd()  # once: os.path.abspath asks the system again for each of 4,000 warnings
    return [[os.path.normpath(os.path.join(here, d.location.path)), d.location.line, d.location.col, d.message]
            for d in warnings]
