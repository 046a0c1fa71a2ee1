"""What journey puts into a notebook for a run, and takes out of it after: papermill's
bookkeeping, the setup cell on top (dark twins of figures, dark_figures.py), the probe cell at
the end that reports the environment for the run card, and papermill's per-run timestamps, so
that an executed notebook's bytes depend on its results only. Running it is execute.py's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .dark_figures import SETUP_TAG, is_setup, setup_cell

if TYPE_CHECKING:
    from .execute import Job

RUN_MIME = "application/vnd.journey.run+json"
PROBE_TAG = "journey-probe"
PROBE = """def _journey_probe(names):
    import importlib.metadata, platform, sys
    from IPython.display import display
    def version(name):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None
    torch = sys.modules.get("torch")  # only a notebook that used torch can have used a GPU
    device = "CPU"
    if torch is not None and torch.cuda.is_available():
        device = "GPU (" + torch.cuda.get_device_name(0) + ")"
    packages = {n: version(n) for n in names}
    info = {"python": platform.python_version(), "device": device,
            "packages": {n: v for n, v in packages.items() if v}}
    display({%r: info}, raw=True)
_journey_probe(%r)
del _journey_probe
"""


def prepared(nb: Any, job: Job) -> Any:
    """Papermill's bookkeeping metadata, the setup cell on top (dark twins of figures,
    dark_figures.py) and the probe cell at the end that reports the environment."""
    import nbformat
    from papermill import __version__

    nb = nbformat.v4.upgrade(nb)
    nb.metadata.setdefault(
        "papermill",
        {
            "default_parameters": {},
            "parameters": {},
            "environment_variables": {},
            "version": __version__,
        },
    )
    for index, (cell, original) in enumerate(zip(nb.cells, job.notebook["cells"], strict=False)):
        cell.metadata.setdefault("papermill", {})  # as papermill's own loader leaves them
        cell.metadata.setdefault("tags", [])
        if "id" not in original:  # nbformat's upgrade made a random one: results must not vary
            cell["id"] = f"c{index}"
    if language(nb) == "python":
        probe = nbformat.v4.new_code_cell(PROBE % (RUN_MIME, tuple(job.key_packages)))
        probe.metadata["tags"] = [PROBE_TAG, "raises-exception"]
        probe.metadata["papermill"] = {}
        nb.cells.append(probe)
        setup = nbformat.v4.new_code_cell(setup_cell())
        setup.metadata["tags"] = [SETUP_TAG, "raises-exception"]
        setup.metadata["papermill"] = {}
        setup["id"] = SETUP_TAG
        nb.cells.insert(0, setup)
    return nb


def language(nb: Any) -> str:
    meta = nb.metadata
    return (
        meta.get("kernelspec", {}).get("language")
        or meta.get("language_info", {}).get("name")
        or "python"
    )


def run_info(nb: Any, job: Job, wall: float) -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": nb.metadata.get("language_info", {}).get("version", ""),
        "device": "CPU",
        "packages": {},
    }
    for cell in nb.cells:
        for output in cell.get("outputs", []) if PROBE_TAG in cell.metadata.get("tags", []) else []:
            info.update(output.get("data", {}).get(RUN_MIME, {}))
    info.update(kernel=job.kernel or "python3", params=job.params, wall_time_s=wall)
    stopped = nb.metadata.pop("journey_stopped_at", None)
    if stopped is not None:
        info["stopped_at_cell"] = stopped  # the author's cells after it are not shown
    return info


def cleaned(nb: Any) -> Any:
    """Drop the probe, the setup cell and papermill's per-run timestamps, so stored bytes depend on results only."""
    nb.cells = [c for c in nb.cells if PROBE_TAG not in c.metadata.get("tags", [])]
    _without_setup(nb)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    papermill = nb.metadata.get("papermill", {})
    for name in ("start_time", "end_time", "duration", "exception", "input_path", "output_path"):
        papermill.pop(name, None)
    return nb


def _without_setup(nb: Any) -> None:
    """Take the setup cell out; the cells after it count from where they would without it."""
    at = next((i for i, c in enumerate(nb.cells) if is_setup(c)), None)
    if at is None:
        return
    ran = nb.cells.pop(at).get("execution_count") is not None
    for cell in nb.cells[at:] if ran else []:
        if isinstance(cell.get("execution_count"), int):
            cell["execution_count"] -= 1
        for output in cell.get("outputs", []):
            if isinstance(output.get("execution_count"), int):
                output["execution_count"] -= 1
