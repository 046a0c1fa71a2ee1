"""Notebook execution on a Dask cluster: the same jobs as `execute.run_jobs`, sent to workers.

The driver (this process) ships self-contained jobs (remote.py), watches them, and turns what
comes back into the same `Outcome`s a local run gives; run.py alone writes `_freeze/` and the
site. Faults become failures, reported with the others at the end: a worker whose environment
differs from the cache key's is refused; a notebook whose worker is lost is re-run once
elsewhere; a job no worker can take (none left, or none with its resources) waits the
`worker_wait` setting's seconds, then fails. Ctrl-C cancels the build's tasks and kills their kernels.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import requirement
from ..config import SiteConfig
from ..errors import JourneyError, error
from ..models import ClusterOptions
from ..progress import Progress
from .execute import Failure, Job, Outcome
from .remote import (
    EVENTS,
    RemoteJob,
    RemoteResult,
    environment_difference,
    environment_report,
    kill_kernels,
    requirement_names,
    run_remote,
    worker_name,
)

CONNECT_TIMEOUT = 4  # seconds to reach a scheduler: an unreachable one fails the build well within 10 s
RUNS = 2  # a notebook whose worker is lost runs once more, elsewhere
EXTRA = f"pip install '{requirement('dask')}'"


def dask_missing() -> bool:
    """Whether Dask distributed is not installed here (the `dask` extra); found, not imported (~1 s)."""
    import importlib.util

    try:
        return importlib.util.find_spec("distributed") is None
    except ImportError:
        return True


def run_on_cluster(
    jobs: Sequence[Job], options: ClusterOptions, root: Path, requirements: Path, progress: bool
) -> list[Outcome]:
    """Run `jobs` on the cluster `options` names; one Outcome per job, in order."""
    if dask_missing():
        raise JourneyError(error(*options.origin, f"the Dask executor needs the 'dask' extra: {EXTRA}"))
    expected = environment_report(requirement_names(requirements))
    build = uuid.uuid4().hex  # names this build's tasks on a shared cluster; never in any output
    shipped = [RemoteJob(_portable(job, root), _files(job, root), expected, build, i) for i, job in enumerate(jobs)]
    shown = Progress(sys.stderr, enabled=progress)
    with _client(options) as client:
        watch = _Watch(client, jobs, shown, build, options.scheduler or "the LocalCluster", options.wait)
        client.subscribe_topic(EVENTS, watch.started)
        futures = [
            client.submit(run_remote, job, key=f"journey-{build}-{job.index}", pure=False,
                          resources=dict(job.job.resources) or None)
            for job in shipped
        ]
        try:
            return watch.collect(futures, expected)
        except BaseException:  # KeyboardInterrupt included: no kernel may outlive the build
            client.cancel(futures, force=True)
            _quietly(lambda: client.run(kill_kernels, build))
            raise
        finally:
            shown.clear()


def cluster_options(config: SiteConfig, *, executor: str | None, scheduler: str | None, jobs: int) -> ClusterOptions | None:
    """Where notebooks run: None for local kernels, else the Dask cluster the command line's
    `--executor` and `--scheduler` (None: not given) or the settings name."""
    address = scheduler if scheduler is not None else config.scheduler
    if (executor or ("dask" if scheduler else config.executor)) != "dask":
        return None
    from ..settings_file import setting_location

    origin = ("<command line>", 0, 0) if executor == "dask" or scheduler is not None else setting_location(config.root, "executor")
    if scheduler is None and config.scheduler:
        origin = setting_location(config.root, "scheduler")
    return ClusterOptions(scheduler=address, workers=jobs, wait=config.worker_wait, origin=origin)


@dataclass
class _Watch:
    """The build's jobs on the cluster: which worker runs each, how often it started, what failed."""

    client: Any
    jobs: Sequence[Job]
    shown: Progress
    build: str
    where: str
    wait: int  # seconds a job may wait with no worker able to take it
    workers: dict[int, list[str]] = field(default_factory=dict)  # job index → workers it started on
    lock: threading.Lock = field(default_factory=threading.Lock)

    def started(self, event: tuple[float, dict[str, Any]]) -> None:
        """A worker's event: job `index` of this build started there (called on Dask's thread)."""
        found = event[1]
        if found.get("build") != self.build:
            return
        with self.lock:
            runs = self.workers.setdefault(found["index"], [])
            runs.append(found["name"])
        label = self.jobs[found["index"]].label
        if len(runs) > 1:
            self.shown.finish(label, False, where=f"{runs[-2]} (the worker was lost; running it again)")
        self.shown.start(label, where=found["name"])

    def collect(self, futures: list[Any], expected: dict[str, Any]) -> list[Outcome]:
        """Each job's Outcome, in order, as the futures finish; a job no worker can take, or one
        started more than `RUNS` times, is cancelled and failed."""
        outcomes: dict[int, Outcome] = {}
        waiting_since: dict[int, float] = {}
        look_at = 0.0  # when to ask the scheduler about its workers again (once a second)
        while len(outcomes) < len(futures):
            time.sleep(0.1)  # a future's state is local (the scheduler tells the client): cheap to look at
            now = time.monotonic()
            takers = _worker_resources(self.client) if now >= look_at else None
            look_at = now + 1 if takers is not None else look_at
            for index, future in enumerate(futures):
                if index in outcomes:
                    continue
                if len(self.workers.get(index, [])) > RUNS:  # a scheduler that retries more than we do
                    self.client.cancel([future], force=True)
                    outcomes[index] = self._failed(index, "lost", self._lost(index))
                elif future.done():
                    outcomes[index] = self._outcome(index, future, expected)
                elif takers is not None and not any(_can_take(have, self.jobs[index].resources) for have in takers):
                    if now - waiting_since.setdefault(index, now) >= self.wait:
                        self.client.cancel([future], force=True)
                        outcomes[index] = self._failed(index, "unroutable", self._unroutable(index, bool(takers)))
                elif takers is not None:
                    waiting_since.pop(index, None)
            self.shown.tick()
        return [outcomes[i] for i in range(len(futures))]

    def _outcome(self, index: int, future: Any, expected: dict[str, Any]) -> Outcome:
        job = self.jobs[index]
        if future.status == "cancelled":  # by the scheduler (restarted, say): not by this build
            return self._failed(index, "lost", "the Dask scheduler cancelled it")
        if future.status != "finished":
            problem = future.exception()
            if type(problem).__name__ == "KilledWorker":
                return self._failed(index, "lost", self._lost(index, _worker_name(problem.last_worker)))
            return self._failed(index, "lost", f"the Dask worker could not run it: {type(problem).__name__}: {problem}")
        result: RemoteResult = future.result()
        difference = environment_difference(expected, result.environment)
        if difference:
            return self._failed(index, "refused", f"worker {result.worker} has another notebook environment than "
                                                  f"the cache key ({difference}); its result was refused")
        self.shown.finish(job.label, result.failure is None, where=result.worker)
        return Outcome(job, result.notebook, result.failure, result.run_info, result.worker)

    def _failed(self, index: int, kind: str, message: str) -> Outcome:
        self.shown.finish(self.jobs[index].label, False)
        return Outcome(self.jobs[index], None, Failure(kind, 0, evalue=message), {})

    def _lost(self, index: int, last: str = "") -> str:
        """A job whose workers were lost `RUNS` times, running it or holding it in their queue."""
        lost = list(dict.fromkeys([*self.workers.get(index, []), *([last] if last else [])]))
        return (f"the Dask workers it was sent to were lost before it finished ({', '.join(lost)}); "
                "it was not run again")

    def _unroutable(self, index: int, any_worker: bool) -> str:
        amounts = ", ".join(f"{name}={amount:g}" for name, amount in self.jobs[index].resources)
        wanted = f" with the resources it needs ({amounts})" if amounts else ""
        lost = self.workers.get(index, [])
        if lost:
            return (f"no Dask worker of {self.where}{wanted} is left to run it (it was running on "
                    f"{', '.join(lost)}, which was lost)")
        if any_worker:
            return f"no Dask worker of {self.where} has the resources it needs ({amounts})"
        return f"no Dask worker of {self.where} is left to run it"


def _worker_name(worker: Any) -> str:
    return worker_name(getattr(worker, "name", None), getattr(worker, "address", ""))


def _can_take(have: dict[str, float], needs: tuple[tuple[str, float], ...]) -> bool:
    return all(have.get(name, 0) >= amount for name, amount in needs)


def _worker_resources(client: Any) -> list[dict[str, float]]:
    """Each live worker's resources, as the scheduler sees them now."""
    info = client.scheduler_info(n_workers=-1)  # all of them, not the first few
    return [dict(worker.get("resources") or {}) for worker in info.get("workers", {}).values()]


@contextmanager
def _client(options: ClusterOptions) -> Iterator[Any]:
    """A client of the scheduler `options` names, or of a LocalCluster started (and stopped) here."""
    import dask
    from distributed import Client, LocalCluster

    _quiet_logs()
    if options.scheduler:
        try:
            client = Client(options.scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError):  # refused, timed out, no such host: all said the same way
            raise JourneyError(error(*options.origin, f"cannot reach the Dask scheduler at {options.scheduler} "
                                                      f"within {CONNECT_TIMEOUT} s")) from None
        with client:
            yield client
        return
    # Workers in this process: each notebook runs in a kernel process of its own anyway, and
    # worker processes would only add their start-up (seconds) to every build. A worker lost
    # mid-notebook (on a real cluster) has its task re-run once elsewhere, then given up.
    with dask.config.set({"distributed.scheduler.allowed-failures": RUNS - 1}):
        cluster = LocalCluster(n_workers=options.workers, threads_per_worker=1, processes=False,
                               dashboard_address=None, silence_logs=logging.CRITICAL)
    with cluster, Client(cluster, set_as_default=False) as client:
        yield client


def _quiet_logs() -> None:
    """Dask logs worker comings and goings; journey reports what matters itself."""
    for name in ("distributed", "distributed.client", "distributed.worker", "distributed.scheduler",
                 "distributed.nanny", "distributed.core", "distributed.comm"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _quietly(action: Any) -> None:
    try:
        action()
    except Exception:  # noqa: BLE001, S110 - a cluster going away while cancelling has nothing more to cancel
        pass


def _portable(job: Job, root: Path) -> Job:
    """The job with its folder relative to the blog root, as the worker recreates it."""
    return replace(job, cwd=Path(_relative(job.cwd, root)), deps=())


def _files(job: Job, root: Path) -> tuple[tuple[str, bytes], ...]:
    """Each declared dep's path from the blog root and its bytes, read once, here."""
    return tuple((_relative(dep, root), dep.read_bytes()) for dep in job.deps)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:  # outside the blog (settings keep notebooks inside it): by its name alone
        return path.name
