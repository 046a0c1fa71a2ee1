"""Which search index a build writes: Pagefind's where its binary is installed, else search.json.

Asked by every build, even one with nothing to do (whether the binary came or went is part of
what a build depends on), so this module imports next to nothing."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

PAGEFIND_FOLDER = "pagefind/"  # where the bundle sits in the site
SHARDED_FOLDER = "search/index/"  # where journey's sharded index sits (website/search_shards.py)


def pagefind_binary() -> Path | None:
    """Pagefind's executable: `PAGEFIND_BINARY_PATH` when set (Pagefind's own convention), else
    the one the `pagefind_bin` wheel ships, else `pagefind` on PATH; None when there is none."""
    named = os.environ.get("PAGEFIND_BINARY_PATH")
    if named is not None:
        return Path(named) if _runnable(named) else None
    spec = importlib.util.find_spec("pagefind_bin")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        if _runnable(shipped := os.path.join(folder, "pagefind")):
            return Path(shipped)
    for folder in os.get_exec_path():
        if _runnable(found := os.path.join(folder, "pagefind")):
            return Path(found)
    return None


def search_engine(mode: str) -> str:
    """`pagefind`, `json` or `sharded`: what a `search` setting comes to here (auto: Pagefind
    where its binary is installed, else json)."""
    if mode == "auto":
        return "pagefind" if pagefind_binary() is not None else "json"
    return mode


def _runnable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)
