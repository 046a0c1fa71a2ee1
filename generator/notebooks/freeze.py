"""The notebook cache: the content-hash key and the frozen `.ipynb` store under `_freeze/`.

One entry per (notebook, params): `_freeze/<notebook path without .ipynb>/<params hash>.ipynb`,
a plain executed notebook whose `metadata.journey` holds the key, the key's parts (so a status
report can say which part changed), the run card data, and a checksum of the content that
catches truncated or hand-damaged entries. Never mtimes, never pickles.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import SiteConfig
from ..files import write_atomically
from ..models import NotebookRequest
from .dark_figures import setup_digest
from .nbtext import source_text

FORMAT = 1  # bump when the key's recipe or the stored layout changes
FAILED = "failed"  # `_freeze/failed/`: executed notebooks of failed runs, for the author
EXECUTION_TAGS = ("parameters", "raises-exception")  # tags that change what execution does


@dataclass(frozen=True)
class CacheKey:
    digest: str  # sha256 hex of the canonical JSON of `parts`
    parts: dict[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True)
class Lookup:
    """What the store holds for a key: state is fresh, stale, missing or corrupt."""

    state: str
    path: Path
    detail: str = ""  # stale: the changed parts, comma separated; corrupt: why
    notebook: Any = None  # the stored notebook (a dict) when fresh


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def display_path(path: Path, root: Path) -> str:
    """A path as the author writes it: relative to the blog root when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def code_part(nb: dict[str, Any]) -> str:
    """Hash of the code cells in order, with the tags that change execution; not prose."""
    cells = [
        [
            _executed_source(source_text(c)),
            sorted(set(c.get("metadata", {}).get("tags", [])) & set(EXECUTION_TAGS)),
        ]
        for c in nb.get("cells", [])
        if c.get("cell_type") == "code"
        and "injected-parameters" not in c.get("metadata", {}).get("tags", [])
    ]
    return sha256(canonical(cells))


def _executed_source(source: str) -> str:
    """A code cell as the key sees it: fastpages directives and Quarto `#|` options change what a
    page shows, not what runs, so they are left out; `eval: false` stays (the cell runs empty)."""
    from .conventions import cell_options

    options = cell_options(source)
    if options.source == source:
        return source
    return ("#| eval: false\n" if options.no_eval else "") + options.source


def environment_part(config: SiteConfig) -> dict[str, Any]:
    """Python major.minor and the normalised pinned requirements (sorted, comments dropped)."""
    path = config.root / config.environment
    lines: list[str] = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                lines.append(" ".join(line.split()))
    return {
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "requirements": sha256("\n".join(sorted(lines)).encode()) if path.is_file() else None,
    }


def compute_key(
    nb: dict[str, Any], request: NotebookRequest, config: SiteConfig, kernel: str
) -> CacheKey:
    """The key of one run: code, params, kernel, deps bytes, environment, options, journey's setup cell, format."""
    deps = {}
    for dep in request.deps:
        name = display_path(dep, config.root)
        deps[name] = sha256(dep.read_bytes()) if dep.is_file() else "missing"
    parts = {
        "format": FORMAT,
        "code": code_part(nb),
        "params": request.params_dict,
        "kernel": kernel,
        "deps": deps,
        "environment": environment_part(config),
        "options": {"allow_errors": request.allow_errors},
        "setup": setup_digest(),  # the cell journey runs first (dark twins of figures)
    }
    return CacheKey(sha256(canonical(parts)), parts)


def params_hash(request: NotebookRequest) -> str:
    return sha256(canonical(request.params_dict))[:12]


def entry_path(request: NotebookRequest, config: SiteConfig) -> Path:
    """`<root>/_freeze/<notebook path without .ipynb>/<params hash>.ipynb`."""
    return (
        config.root
        / config.freeze_dir
        / _stem_path(request, config)
        / f"{params_hash(request)}.ipynb"
    )


def failed_path(request: NotebookRequest, config: SiteConfig) -> Path:
    """Where a failed run's executed notebook is kept (never read back as a result)."""
    stem = _stem_path(request, config)
    suffix = f".{params_hash(request)}" if request.params else ""
    return config.root / config.freeze_dir / FAILED / stem.parent / f"{stem.name}{suffix}.ipynb"


def _stem_path(request: NotebookRequest, config: SiteConfig) -> Path:
    shown = display_path(request.notebook, config.root)
    if Path(shown).is_absolute():  # outside the blog: keep it apart and unambiguous
        return Path("_external") / f"{request.notebook.stem}-{sha256(shown.encode())[:8]}"
    return Path(shown).with_suffix("")


def changed_parts(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Names of the key parts that differ: code, params, kernel, deps:<file>, environment, …"""
    changed = []
    for name in sorted(set(old) | set(new)):
        if name == "deps":
            before, after = old.get("deps", {}), new.get("deps", {})
            changed += [
                f"deps:{f}"
                for f in sorted(set(before) | set(after))
                if before.get(f) != after.get(f)
            ]
        elif old.get(name) != new.get(name):
            changed.append(name)
    return changed


def lookup(path: Path, key: CacheKey) -> Lookup:
    """Read the entry at `path` and compare it with `key`."""
    if not path.is_file():
        return Lookup("missing", path)
    nb, problem = read_entry(path)
    if nb is None:
        return Lookup("corrupt", path, problem)
    stored = nb["metadata"]["journey"]
    if stored.get("key") != key.digest:
        changed = changed_parts(stored.get("parts", {}), key.parts) or ["format"]
        return Lookup("stale", path, ", ".join(changed))
    return Lookup("fresh", path, notebook=nb)


def read_entry(path: Path) -> tuple[dict[str, Any] | None, str]:
    """(notebook, '') or (None, why it is corrupt): JSON, structure and checksum are checked."""
    try:
        nb = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"not valid JSON: {exc}"
    journey = nb.get("metadata", {}).get("journey") if isinstance(nb, dict) else None
    if not isinstance(journey, dict) or not isinstance(nb.get("cells"), list):
        return None, "not a journey cache entry"
    if journey.get("checksum") != checksum(nb):
        return None, "checksum mismatch"
    return nb, ""


def checksum(nb: dict[str, Any]) -> str:
    """sha256 of the notebook's canonical JSON without the checksum itself."""
    journey = nb["metadata"]["journey"]
    saved = journey.pop("checksum", None)
    try:
        return sha256(canonical(nb))
    finally:
        if saved is not None:
            journey["checksum"] = saved


def serialize(nb: dict[str, Any]) -> bytes:
    """Deterministic notebook bytes: nbformat's own layout (sorted keys, indent 1)."""
    return (json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()


def store(
    path: Path, nb: dict[str, Any], key: CacheKey, run_info: dict[str, Any]
) -> dict[str, Any]:
    """Validate and atomically write an executed notebook as the entry for `key`; return it."""
    import nbformat

    entry = copy.deepcopy(nb)
    entry["metadata"]["journey"] = {
        "format": FORMAT,
        "key": key.digest,
        "parts": key.parts,
        "run_info": run_info,
    }
    nbformat.validate(nbformat.from_dict(entry))
    entry = json.loads(serialize(entry))  # checksum what a reader will parse back
    entry["metadata"]["journey"]["checksum"] = checksum(entry)
    write_atomically(path, serialize(entry))
    return entry


def prune_siblings(path: Path, keep: set[Path]) -> None:
    """Drop other params' entries of the same notebook that no current post uses."""
    for sibling in path.parent.glob("*.ipynb"):
        if sibling != path and sibling not in keep:
            sibling.unlink(missing_ok=True)


def nearest_sibling(path: Path, key: CacheKey) -> list[str] | None:
    """For a missing entry: the changed parts against the closest other entry of the notebook."""
    best: list[str] | None = None
    for sibling in sorted(path.parent.glob("*.ipynb")) if path.parent.is_dir() else []:
        nb, _ = read_entry(sibling)
        if nb is not None:
            changed = changed_parts(nb["metadata"]["journey"].get("parts", {}), key.parts)
            if best is None or len(changed) < len(best):
                best = changed
    return best


def graft(current: dict[str, Any], executed: dict[str, Any]) -> dict[str, Any]:
    """The author's current cells (prose edits, tags) with the executed code cells' outputs.

    Only valid when the key matches, i.e. the code cells are identical and in the same order,
    so they pair up by position; papermill's injected-parameters cell is carried over. The
    result shares outputs with `executed` (no deep copies: this runs on every cached build),
    so treat both as read-only."""
    result = {k: v for k, v in executed.items() if k != "cells"}
    result["metadata"] = dict(executed.get("metadata", {}))
    ran = [c for c in executed["cells"] if c.get("cell_type") == "code"]
    cells: list[dict[str, Any]] = []
    position = 0
    for index, cell in enumerate(current.get("cells", [])):
        new = dict(cell)
        if cell.get("cell_type") == "code":
            while position < len(ran) and _injected(ran[position]):
                cells.append(ran[position])
                position += 1
            if position < len(ran):
                new["outputs"] = ran[position].get("outputs", [])
                new["execution_count"] = ran[position].get("execution_count")
                new.setdefault("id", ran[position].get("id", f"c{index}"))
                position += 1
        new.setdefault("id", f"c{index}")  # nbformat 4.5 wants ids; a stable one, not random
        cells.append(new)
    cells += [c for c in ran[position:] if _injected(c)]
    result["cells"] = cells
    result["nbformat"], result["nbformat_minor"] = 4, max(5, executed.get("nbformat_minor", 5))
    return result


def _injected(cell: dict[str, Any]) -> bool:
    return "injected-parameters" in cell.get("metadata", {}).get("tags", [])
