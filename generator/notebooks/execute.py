"""Notebook execution: papermill runs, per-cell timeouts, parallel jobs, no stray kernels.

We drive papermill's engine layer (`parameterize_notebook` + `papermill_engines`) rather than
`papermill.execute_notebook`, for two reasons: its `cwd=` does a process-wide `os.chdir`, which
races when notebooks run in parallel threads (we give the kernel its folder instead), and its
final error check raises even for cells tagged `raises-exception`, losing the executed notebook.
Every kernel is started by a kernel manager that registers its process with a per-run
`KernelTracker` (kernels.py), so a timeout, a dead kernel or Ctrl-C kills the kernel and its
children. What runs, and for how long, is shown by `Progress` (progress.py). What journey puts
into a notebook around its run (setup and probe cells) and takes out after it is prepare.py's.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from ..progress import Progress
from .dark_figures import is_setup
from .kernels import KernelTracker, manager_class, stop_after
from .prepare import cleaned, language, prepared, run_info

FAILED_TAG = "journey-failed-cell"

@dataclass(frozen=True)
class Job:
    """One notebook run: the source notebook (a dict) and how to run it."""

    label: str  # display path, for progress and messages
    notebook: dict[str, Any]
    cwd: Path
    params: dict[str, Any]
    kernel: str  # kernel name; "" = the Python the build runs in
    timeout: int
    allow_errors: bool
    key_packages: tuple[str, ...] = ()
    deps: tuple[Path, ...] = ()  # absolute paths of the declared input files (shipped to a Dask worker)
    time_budget: int = 0  # seconds for the whole notebook; 0: no limit but the per-cell timeout
    resources: tuple[tuple[str, float], ...] = ()  # Dask worker resources the run needs, e.g. (("GPU", 1),)


CLUSTER_KINDS = ("refused", "lost", "unroutable")  # no kernel's result came back from the cluster


@dataclass(frozen=True)
class Failure:
    kind: str  # raised | timeout | budget | died | start; on a cluster also refused | lost | unroutable
    cell: int  # 1-based position in the source notebook; 0 when no cell was running
    ename: str = ""
    evalue: str = ""
    timeout: int = 0
    log: str = ""  # the kernel process's last stderr line, when it died or did not start

    def describe(self) -> str:
        if self.kind == "raised":
            return f"cell {self.cell} raised {self.ename}" + (
                f": {self.evalue}" if self.evalue else ""
            )
        if self.kind == "timeout":
            return f"cell {self.cell} timed out after {self.timeout} s"
        if self.kind == "budget":
            return f"the notebook ran past its time budget of {self.timeout} s (stopped in cell {self.cell})"
        if self.kind == "died":
            return f"the kernel died while running cell {self.cell}"
        if self.kind in CLUSTER_KINDS:
            return self.evalue  # said in full where the cluster found it (cluster.py)
        return f"the kernel could not be started: {self.evalue}"

    @property
    def has_notebook(self) -> bool:
        """Whether a kernel ran, so that the executed notebook is worth keeping for the author."""
        return self.kind not in ("start", *CLUSTER_KINDS)


@dataclass(frozen=True)
class Outcome:
    job: Job
    notebook: Any  # executed NotebookNode, papermill's timing metadata removed
    failure: Failure | None
    run_info: dict[str, Any]
    worker: str = ""  # the Dask worker that ran it; "" for a kernel of this machine


def execute(job: Job, tracker: KernelTracker) -> Outcome:
    """Run one notebook to completion or to its first failure; never raises for notebook errors."""
    import nbformat
    from papermill.parameterize import parameterize_notebook

    nb = prepared(nbformat.reads(json.dumps(job.notebook), as_version=4), job)  # joins lines
    if job.params:
        nb = parameterize_notebook(
            nb, job.params, kernel_name=job.kernel or "python3", language=language(nb)
        )
        for cell in nb.cells:  # a fixed id, so re-running gives the same bytes
            if "injected-parameters" in cell.metadata.get("tags", []):
                cell["id"] = "injected-parameters"
    running: dict[str, int] = {}
    started = time.monotonic()
    own = KernelTracker(parent=tracker)  # this run's kernel alone, for its time budget
    with tempfile.TemporaryFile() as log, stop_after(job.time_budget, own) as spent:
        failure = _run_engine(nb, job, manager_class(own, not job.kernel, log), running)
        if failure is not None and failure.kind == "start" and _port_taken(log):
            # jupyter_client picks free ports, then the kernel binds them: another process (a
            # second kernel, say) can take one in between. Once more, on ports picked afresh.
            failure = _run_engine(nb, job, manager_class(own, not job.kernel, log), running)
        if failure is not None and spent.is_set():
            failure = Failure("budget", failure.cell, timeout=job.time_budget)
        elif failure is not None and failure.kind in ("died", "start"):
            failure = _with_log(failure, log)
        _settle_tasks()
    info = run_info(nb, job, round(time.monotonic() - started, 2))
    return Outcome(job, cleaned(nb), failure, info)


def _settle_tasks() -> None:
    """Let tasks nbclient cancelled (after a kernel death) finish on this thread's event loop,
    instead of being reported as destroyed while pending when the process exits."""
    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        return
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if pending and not loop.is_running():
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


def _run_engine(nb: Any, job: Job, manager: type, running: dict[str, int]) -> Failure | None:
    from papermill.engines import papermill_engines

    try:
        papermill_engines.execute_notebook_with_engine(
            None,
            nb,
            job.kernel or "python3",
            output_path=None,
            progress_bar=False,
            log_output=False,
            autosave_cell_every=0,
            start_timeout=60,
            execution_timeout=job.timeout,
            allow_errors=job.allow_errors,
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(job.cwd)}},
            kernel_manager_class=manager,
            on_cell_execute=lambda cell, cell_index: running.update(index=cell_index),
        )
    except Exception as exc:  # noqa: BLE001 - nbclient: CellTimeoutError, DeadKernelError; start problems
        stop = clean_stop(nb)
        if stop is None or stop != running.get("index"):
            return _failure_from(exc, nb, running.get("index"), job.timeout)
    stop = clean_stop(nb)
    if stop is not None:  # with allow_errors the cells after it ran; they are not published either
        _stop_at(nb, stop)
    return _raised(nb, job.allow_errors)


def clean_stop(nb: Any) -> int | None:
    """The index of the first cell that ended the notebook with `sys.exit()`, `sys.exit(0)` or
    `SystemExit(0)`: a clean stop, as papermill treats it (any other exit code is an error)."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if (output.get("output_type") == "error" and output.get("ename") == "SystemExit"
                    and output.get("evalue") in ("", "0", "None")):
                return index
    return None


def _stop_at(nb: Any, index: int) -> None:
    """Publish the notebook up to the cell that stopped it, without the SystemExit traceback."""
    cell = nb.cells[index]
    cell.outputs = [o for o in cell.outputs if o.get("output_type") != "error"]
    cell.metadata.get("papermill", {}).pop("exception", None)
    nb.cells = nb.cells[: index + 1]
    nb.metadata["journey_stopped_at"] = _source_number(nb, index)


def _port_taken(log: IO[bytes]) -> bool:
    """Whether the kernel process said a port it was given was in use when it bound it."""
    log.seek(0)
    return b"Address already in use" in log.read()


def _with_log(failure: Failure, log: IO[bytes]) -> Failure:
    """Add the last line the kernel process wrote to its stderr: often why it died."""
    log.seek(0)
    lines = [line for line in log.read().decode(errors="replace").splitlines() if line.strip()]
    lines = [line for line in lines if "without encryption" not in line]
    return replace(failure, log=lines[-1].strip() if lines else "")


def _source_number(nb: Any, index: int) -> int:
    """1-based position of executed cell `index` in the author's notebook (no injected cell, no setup cell)."""
    cells = nb.cells[: index + 1]
    return sum(1 for c in cells if "injected-parameters" not in c.metadata.get("tags", []) and not is_setup(c))


def _raised(nb: Any, allow_errors: bool) -> Failure | None:
    for index, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if allow_errors or "raises-exception" in tags:
            continue
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                cell.metadata["journey_failed"] = True
                return Failure("raised", _source_number(nb, index), output.ename, output.evalue)
        if cell.metadata.get("papermill", {}).get("exception") is True:
            return Failure("raised", _source_number(nb, index), "CellExecutionError", "")
    return None


def _failure_from(exc: Exception, nb: Any, index: int | None, timeout: int) -> Failure:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if index is None:
        return Failure(
            "start", 0, type(exc).__name__, str(exc).strip().splitlines()[0] if str(exc) else ""
        )
    nb.cells[index].metadata["journey_failed"] = True
    cell = _source_number(nb, index)
    if isinstance(exc, CellTimeoutError):
        return Failure("timeout", cell, timeout=timeout)
    if isinstance(exc, DeadKernelError):
        return Failure("died", cell)
    return Failure("raised", cell, type(exc).__name__, str(exc).strip())


def mark_failure(nb: Any, failure: Failure) -> Any:
    """The kept notebook of a failed run: a banner on top, an anchor at the failing cell."""
    import nbformat
    from papermill.execute import ERROR_ANCHOR_MSG, ERROR_MARKER_TAG, ERROR_STYLE

    marked = copy.deepcopy(nb)
    banner = f"<span {ERROR_STYLE}>journey: {failure.describe()} (see below).</span>"
    at = next(
        (i for i, c in enumerate(marked.cells) if c.metadata.pop("journey_failed", False)), None
    )
    if at is not None:
        marked.cells[at].metadata.setdefault("tags", []).append(FAILED_TAG)
        anchor = nbformat.v4.new_markdown_cell(ERROR_ANCHOR_MSG)
        anchor.metadata["tags"] = [ERROR_MARKER_TAG]
        marked.cells.insert(at, anchor)
    top = nbformat.v4.new_markdown_cell(banner)
    top.metadata["tags"] = [ERROR_MARKER_TAG]
    marked.cells.insert(0, top)
    return marked


def run_jobs(jobs: Sequence[Job], workers: int, progress: bool) -> list[Outcome]:
    """Execute `jobs` on `workers` threads (one kernel each); Ctrl-C kills every kernel."""
    tracker = KernelTracker()
    _quiet_logger(logging.getLogger("papermill"))  # nbclient logs through it; we report ourselves
    shown = Progress(sys.stderr, enabled=progress)
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="journey-nb") as pool:
        futures = [pool.submit(_tracked_run, job, tracker, shown) for job in jobs]
        try:
            pending: set[Future[Outcome]] = set(futures)
            while pending:
                _, pending = wait(pending, timeout=shown.interval, return_when=FIRST_COMPLETED)
                shown.tick()
        except BaseException:  # KeyboardInterrupt included: no kernel may outlive the build
            tracker.kill_all()
            pool.shutdown(wait=True, cancel_futures=True)
            shown.clear()
            raise
    tracker.kill_all()  # nbclient has shut each kernel down; this catches any straggler
    shown.clear()
    return [f.result() for f in futures]


def _quiet_logger(logger: logging.Logger) -> None:
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


def _tracked_run(job: Job, tracker: KernelTracker, shown: Progress) -> Outcome:
    shown.start(job.label)
    outcome = execute(job, tracker)
    shown.finish(job.label, outcome.failure is None)
    return outcome
