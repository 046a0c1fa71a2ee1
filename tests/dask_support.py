"""Real Dask processes for the tests: a scheduler and single-threaded workers on 127.0.0.1,
started with the `dask` command line and stopped by pid."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class DaskProcess:
    process: subprocess.Popen[bytes]
    log: Path
    name: str = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """Stop the process by its pid: politely, then for good."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL, as a machine that vanishes."""
        self.process.kill()
        self.process.wait(timeout=10)


def dask_env(site_dir: Path | None = None) -> dict[str, str]:
    """The environment of every process: this checkout's journey first, then `site_dir` (fake
    package metadata), and a scheduler that re-runs a lost worker's task once."""
    paths = [str(REPO), *([str(site_dir)] if site_dir else []), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p),
            "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}


def _dask(*args: str, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "from dask.__main__ import main; main()", *args]
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=log.parent)


def start_scheduler(folder: Path, env: dict[str, str]) -> tuple[DaskProcess, str]:
    """`dask scheduler` on a free port of 127.0.0.1; (its process, its address)."""
    folder.mkdir(parents=True, exist_ok=True)
    address_file = folder / "scheduler.json"
    process = _dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                    "--scheduler-file", str(address_file), log=folder / "scheduler.log", env=env)
    found = DaskProcess(process, folder / "scheduler.log")
    _wait_for(lambda: address_file.is_file() and address_file.stat().st_size > 0, found, "the scheduler")
    time.sleep(0.2)  # the file is written whole, but give its writer a moment to close it
    return found, json.loads(address_file.read_text())["address"]


def start_worker(folder: Path, address: str, name: str, env: dict[str, str], resources: str = "") -> DaskProcess:
    """`dask worker` with one thread and no nanny (killing its pid kills the worker), registered."""
    return start_workers(folder, address, [name], env, resources)[0]


def start_workers(folder: Path, address: str, names: list[str], env: dict[str, str],
                  resources: str = "") -> list[DaskProcess]:
    """Several workers at once (their start-ups overlap), each registered before this returns."""
    folder.mkdir(parents=True, exist_ok=True)
    extra = ["--resources", resources] if resources else []
    started = []
    for name in names:
        log = folder / f"worker-{name}.log"
        process = _dask("worker", address, "--nthreads", "1", "--no-nanny", "--name", name, "--host", "127.0.0.1",
                        "--no-dashboard", *extra, log=log, env=env)
        started.append(DaskProcess(process, log, name))
    for worker in started:
        _wait_for(lambda w=worker: "Registered to" in w.log.read_text(errors="replace"), worker,  # type: ignore[misc]
                  f"worker {worker.name}")
    return started


def _wait_for(ready: object, process: DaskProcess, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():  # type: ignore[operator]
        if process.process.poll() is not None or time.monotonic() > deadline:
            process.stop()
            raise RuntimeError(f"{what} did not start: {process.log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
