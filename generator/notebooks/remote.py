"""What a Dask worker does with a notebook job: check its environment, run the notebook in a
folder of its own, and send the executed notebook back. Nothing here writes the blog's files.

A `RemoteJob` is self-contained: the notebook, its params and timeouts (in `Job`), the bytes of
its declared `deps` and the environment the cache key stands for, so a worker needs journey and
the notebooks' packages but no shared filesystem.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .execute import Failure, Job, execute
from .kernels import KernelTracker

EVENTS = "journey-notebooks"  # the Dask event topic that says which worker started which job

# The kernels of the jobs running in this worker process, by build, so that a cancelled build
# (Ctrl-C on the driver) can kill them: a Dask task cannot be interrupted once it runs. This is
# process-wide state on purpose: `kill_kernels` arrives through `Client.run`, outside any task.
_RUNNING: dict[str, list[KernelTracker]] = {}
_RUNNING_LOCK = threading.Lock()


@dataclass(frozen=True)
class RemoteJob:
    """One notebook run as shipped to a worker: `job.cwd` is the notebook's folder relative to
    the blog root, and `files` holds each dep's path from the root and its bytes."""

    job: Job
    files: tuple[tuple[str, bytes], ...]
    environment: dict[str, Any]  # `environment_report` on the driver: what the worker must match
    build: str  # the build's id, for cancelling its kernels
    index: int  # the job's place in the build, for progress events


@dataclass(frozen=True)
class RemoteResult:
    notebook: Any  # the executed NotebookNode; None when the worker refused the job
    failure: Failure | None
    run_info: dict[str, Any]
    worker: str  # the worker's name (or address) as progress shows it
    environment: dict[str, Any]  # the worker's own `environment_report`


def requirement_names(requirements: Path) -> tuple[str, ...]:
    """The package names of a pinned requirements file (`name==1.2`, comments dropped)."""
    if not requirements.is_file():
        return ()
    names = set()
    for line in requirements.read_text(encoding="utf-8").splitlines():
        found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line.split("#", 1)[0])
        if found and not line.lstrip().startswith("-"):
            names.add(_normal(found.group(1)))
    return tuple(sorted(names))


def environment_report(names: tuple[str, ...]) -> dict[str, Any]:
    """This process's notebook environment as the cache key sees it: Python major.minor and the
    installed version of each pinned package (None when it is not installed)."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {"python": f"{sys.version_info.major}.{sys.version_info.minor}", "packages": versions}


def environment_difference(expected: dict[str, Any], found: dict[str, Any]) -> str:
    """The first way `found` differs from `expected`, in words; "" when they are the same."""
    if found.get("python") != expected["python"]:
        return f"Python {found.get('python')} there, {expected['python']} here"
    theirs = found.get("packages", {})
    for name, version in sorted(expected["packages"].items()):
        if theirs.get(name) != version:
            return f"package {name} is {theirs.get(name) or 'not installed'} there, {version or 'not installed'} here"
    return ""


def run_remote(shipped: RemoteJob) -> RemoteResult:
    """The Dask task: run one notebook on this worker, unless its environment differs."""
    from distributed import get_worker

    worker = get_worker()
    name = worker_name(worker.name, worker.address)
    mine = environment_report(tuple(shipped.environment["packages"]))
    if environment_difference(shipped.environment, mine):  # the driver refuses it, saying why
        return RemoteResult(None, None, {}, name, mine)
    worker.log_event(EVENTS, {"build": shipped.build, "index": shipped.index, "name": name})
    tracker = KernelTracker()
    with _RUNNING_LOCK:
        _RUNNING.setdefault(shipped.build, []).append(tracker)
    try:
        with tempfile.TemporaryDirectory(prefix="journey-job-") as folder:
            root = Path(folder)
            for relative, data in shipped.files:
                target = root / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            cwd = root / shipped.job.cwd
            cwd.mkdir(parents=True, exist_ok=True)
            outcome = execute(replace(shipped.job, cwd=cwd, deps=()), tracker)
    finally:
        tracker.kill_all()
        with _RUNNING_LOCK:
            _RUNNING.get(shipped.build, []).remove(tracker)
    return RemoteResult(outcome.notebook, outcome.failure, outcome.run_info, name, mine)


def worker_name(name: object, address: str) -> str:
    """A worker as progress names it: the name it was started with (`--name gpu-box`); a
    LocalCluster's numbered worker as `local worker N`; else its address."""
    if isinstance(name, int):
        return f"local worker {name}"
    return name if isinstance(name, str) and name and name != address else address


def kill_kernels(build: str) -> int:
    """Kill the kernels of `build`'s jobs running in this worker (sent by `Client.run`)."""
    with _RUNNING_LOCK:
        trackers = list(_RUNNING.get(build, []))
    for tracker in trackers:
        tracker.kill_all()
    return len(trackers)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
