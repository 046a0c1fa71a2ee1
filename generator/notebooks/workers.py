"""Which Dask worker ran each frozen result, for `journey status`; kept beside the build's other
state (not in `_freeze/`, whose entries are the same whichever worker ran them)."""

from __future__ import annotations

import json
from pathlib import Path

from ..config import SiteConfig
from ..files import CACHE_FOLDER, write_atomically

FILE = "workers.json"  # {frozen entry path from the blog root: the worker's name}


def record_workers(config: SiteConfig, ran: dict[Path, str]) -> None:
    """Remember the worker of each entry just stored; entries run here are forgotten."""
    known = _read(config)
    before = dict(known)
    for entry, worker in ran.items():
        name = entry.relative_to(config.root).as_posix()
        if worker:
            known[name] = worker
        else:
            known.pop(name, None)
    if known == before:  # a local build where no cluster ever ran: no file at all
        return
    write_atomically(config.root / CACHE_FOLDER / FILE, json.dumps(known, indent=1, sort_keys=True).encode())


def worker_of(config: SiteConfig, entry: Path) -> str:
    """The worker that made a frozen entry, "" when it was made here (or is not known)."""
    return _read(config).get(entry.relative_to(config.root).as_posix(), "")


def _read(config: SiteConfig) -> dict[str, str]:
    path = config.root / CACHE_FOLDER / FILE
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or damaged: nothing is known
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(found, dict) else {}
