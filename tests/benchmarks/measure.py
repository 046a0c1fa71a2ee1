"""Benchmark measurement: wall time and peak RSS of one whole process tree.

Peak memory comes from the kernel's own accounting, the number GNU `time -v` prints as
"Maximum resident set size": `wait4()` on the command returns an rusage whose `ru_maxrss`
is the largest RSS of the process itself or of any descendant it waited for (Linux keeps
the max over reaped children, not the sum). So a `--jobs 2` build's figure is its biggest
single process — parent or worker — which is what the "< 100 MiB per process" target asks.
A worker that is never reaped (orphaned to init) would escape this; pools joined normally
do not.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    """One timed run of a command."""

    seconds: float
    cpu_seconds: float  # user + system, the process and every child it reaped
    peak_mib: float
    returncode: int
    stderr_tail: str


def measure(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 1800) -> Measurement:
    """Run cmd to completion (its own session, so a timeout kills the whole tree)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
        timer = threading.Timer(timeout, _kill_group, (proc.pid,))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        tail = err.read()[-4000:].decode("utf-8", "replace")
    # ru_maxrss is in KiB on Linux.
    cpu = usage.ru_utime + usage.ru_stime
    return Measurement(seconds, cpu, usage.ru_maxrss / 1024, proc.returncode, tail)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
