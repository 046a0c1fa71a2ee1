"""A notebook's result as a post renders it: its current cells with the outputs of a run (from
the frozen cache, or just made), or the notebook as saved when its own outputs are the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..models import NotebookRequest
from . import freeze
from .conventions import has_code, has_saved_outputs
from .dark_figures import without_twins


@dataclass(frozen=True)
class ExecutedNotebook:
    request: NotebookRequest
    data: dict[str, Any]  # the current cells with the executed outputs, as plain JSON
    cache_key: str  # hex digest
    from_cache: bool
    run_info: dict[str, Any]  # python, packages, device, wall_time_s, params, kernel
    ipynb_bytes: bytes  # the executed notebook as published for download
    display_path: str = ""  # e.g. notebooks/x.ipynb

    @property
    def notebook(self) -> Any:
        """The executed notebook as an nbformat.NotebookNode (importing nbformat costs ~0.3 s,
        so a build that only renders from the cache never pays for it)."""
        import nbformat

        return nbformat.from_dict(self.data)


def publishes_saved(source: dict[str, Any], mode: str, lookup_state: str) -> bool:
    """Whether the notebook's saved outputs are its result: nothing to run; `freeze: saved`; or
    execution off (`mode` "never"), no fresh frozen result, and outputs in the file."""
    if not has_code(source):
        return True
    if mode == "saved" or (mode == "never" and lookup_state != "fresh"):
        return has_saved_outputs(source)
    return False


def from_run(request: NotebookRequest, source: dict[str, Any], entry: dict[str, Any], cache_key: str, shown: str,
             *, from_cache: bool) -> ExecutedNotebook:
    """The notebook's current cells (`source`) with the outputs of the run `entry`, a frozen-cache entry."""
    grafted = freeze.graft(source, entry)
    stopped = entry["metadata"]["journey"]["run_info"].get("stopped_at_cell")
    if stopped is not None:  # sys.exit(0) there: the cells after it were never run
        grafted["cells"] = _through_cell(grafted["cells"], stopped)
    journey = grafted["metadata"]["journey"]
    grafted["metadata"]["journey"] = {"key": journey["key"], "run_info": journey["run_info"]}
    return ExecutedNotebook(
        request=request,
        data=grafted,
        cache_key=cache_key,
        from_cache=from_cache,
        run_info=journey["run_info"],
        ipynb_bytes=freeze.serialize(without_twins(grafted)),  # as its author ran it: no dark twins
        display_path=shown,
    )


def from_saved(request: NotebookRequest, source: dict[str, Any], shown: str) -> ExecutedNotebook:
    """The notebook as saved, published as its own result: its cache key is the file's bytes."""
    data = request.notebook.read_bytes()
    metadata = source.get("metadata", {})
    kernel = metadata.get("kernelspec", {}).get("name", "") if isinstance(metadata.get("kernelspec"), dict) else ""
    language = metadata.get("language_info", {}) if isinstance(metadata.get("language_info"), dict) else {}
    python = str(language.get("version", "")) if language.get("name", "python") == "python" else ""
    run_info = {"saved": True, "python": python, "kernel": kernel, "params": {}, "wall_time_s": 0.0}
    return ExecutedNotebook(
        request=request,
        data=freeze.graft(source, source),  # every cell with an id, as a run gives them
        cache_key=freeze.sha256(b"saved\0" + data),
        from_cache=True,  # no kernel ran
        run_info=run_info,
        ipynb_bytes=data,
        display_path=shown,
    )


def _through_cell(cells: list[dict[str, Any]], number: int) -> list[dict[str, Any]]:
    """The cells up to the author's cell `number` (1-based; papermill's injected cell not counted)."""
    kept, seen = [], 0
    for cell in cells:
        if seen == number:
            break
        kept.append(cell)
        seen += "injected-parameters" not in cell.get("metadata", {}).get("tags", [])
    return kept
