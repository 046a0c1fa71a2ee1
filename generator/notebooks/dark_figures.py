"""Dark twins of matplotlib figures, drawn by the kernel and shown by the colour scheme.

Run side: `setup_cell` is the code cell execute.py puts first in every Python notebook it runs;
it installs dark_kernel.py's formatters, so each displayed Figure's output bundle holds, next to
its `image/png` (or `image/svg+xml`), the same figure drawn dark under DARK_PNG (DARK_SVG). The
cell is tagged SETUP_TAG and taken out of the executed notebook before anything else sees it.

Page side: `wanted` says whether a cell's figures show their twin (the setting, the post's front
matter, the cell's tag or option); `twin_of` finds it in an output. The downloadable notebook
drops the twins (`without_twins`): readers get the notebook as its author ran it.
"""

from __future__ import annotations

import copy
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from .dark_kernel import DARK_PNG, DARK_SVG

SETUP_TAG = "journey-setup"
OPT_OUT_TAG = "no-dark-figure"  # a cell tag: its figures show in light only
DARK_OF = {"image/png": DARK_PNG, "image/svg+xml": DARK_SVG}


@lru_cache(maxsize=1)
def kernel_code() -> str:
    return (Path(__file__).parent / "dark_kernel.py").read_text(encoding="utf-8")


def setup_cell() -> str:
    """The setup cell's source: the kernel code run in a namespace of its own (the notebook's
    names stay the author's), with no output."""
    return f'exec(compile({kernel_code()!r}, "journey-dark-figures", "exec"), {{"__name__": "journey_dark_figures"}})\n'


@lru_cache(maxsize=1)
def setup_digest() -> str:
    """What a change to the setup cell must invalidate: part of every executed notebook's key."""
    return hashlib.sha256(setup_cell().encode("utf-8")).hexdigest()


def is_setup(cell: Any) -> bool:
    return SETUP_TAG in cell.get("metadata", {}).get("tags", [])


def wanted(post: bool, cell: bool | None, tags: frozenset[str]) -> bool:
    """Whether a cell's figures show their dark twin: the cell's `#| dark-figure` option, else its
    OPT_OUT_TAG, else the post's choice (its `dark_figures`, else the setting)."""
    if cell is not None:
        return cell
    return OPT_OUT_TAG not in tags and post


def twin_of(data: dict[str, Any], mime: str) -> Any:
    """The dark twin of the image `data[mime]` in an output bundle, or None."""
    dark = DARK_OF.get(mime)
    return data.get(dark) if dark else None


def without_twins(nb: dict[str, Any]) -> dict[str, Any]:
    """The notebook with no dark twin in any output (a copy when there were some)."""
    if not any(set(DARK_OF.values()) & set(output.get("data", {}))
               for cell in nb.get("cells", []) for output in cell.get("outputs", [])):
        return nb
    stripped = copy.deepcopy(nb)
    for cell in stripped["cells"]:
        for output in cell.get("outputs", []):
            for dark in DARK_OF.values():
                output.get("data", {}).pop(dark, None)
    return stripped
