"""One forked worker process, begun before its work is known (it warms up meanwhile) and sent
that work through a pipe; `in_background` is a pool's work done by one such worker while this
process goes on. Pools of workers are `parallel.py`'s."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn, TypeVar

from .files import write_all
from .parallel import parallel_iter

T = TypeVar("T")
R = TypeVar("R")


def in_background(function: Callable[..., list[R]], items: Sequence[T], *shared: Any) -> Iterator[R]:
    """What `parallel_map` returns, made by one forked process that begins now, while this one
    goes on with other work; iterating waits for the results, in order, and raises what the
    work raised. Where processes do not fork (not Linux), or a fork fails, the work runs here on
    first iteration. The items and `shared` travel to the process pickled, as to a pool's.

    For a little work whose modules this process has not loaded: a one-post rebuild renders its
    post, markdown-it and all, while the parent loads the theme (two cores, ~50 ms sooner)."""
    worker = begin_worker()
    if worker is None:
        return parallel_iter(function, items, *shared, jobs=1)
    return worker.run(function, items, *shared)


def begin_worker(warm_up: Callable[[], None] | None = None) -> Worker[Any] | None:
    """A forked process, begun now, that runs `warm_up()` (imports, say) and then waits for the
    one piece of work `Worker.run` sends it, before that work is even known; None where
    processes do not fork (not Linux) or none can be had (EAGAIN, ENOMEM)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return Worker(warm_up)
    except OSError:
        return None


class Worker(Iterator[R]):
    """One forked process and its results: `run` sends it the work, iterating reads the results
    from a pipe once wanted. A worker never given work is stopped by `dismiss`; one whose results
    a parent gives up on (an error of its own, say) is stopped and reaped when this is dropped."""

    def __init__(self, warm_up: Callable[[], None] | None) -> None:
        import signal

        self._pid, self._pipe, self._results = 0, None, None
        self._job: int | None = None  # the write end of the pipe the work goes down
        for stream in (sys.stdout, sys.stderr):  # or the child would hold this process's pending output too
            if stream is not None:
                stream.flush()
        read_end, write_end = os.pipe()
        job_read, job_write = os.pipe()
        # Ctrl-C reaches the whole process group. In the child it must end the process, never
        # raise KeyboardInterrupt into the parent's code it was forked from: blocked across the
        # fork, then the default action (the parent, interrupted too, is the one that says so).
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            pid = os.fork()
        except BaseException:
            for end in (read_end, write_end, job_read, job_write):
                os.close(end)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            raise
        if pid == 0:
            try:
                if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # ignored stays ignored
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                os.close(read_end)
                os.close(job_write)
                _wait_for_work(job_read, write_end, warm_up)
            finally:
                os._exit(1)  # never back into the code this process was forked from
        self._pid = pid
        os.close(write_end)
        os.close(job_read)
        self._job = job_write
        self._pipe = os.fdopen(read_end, "rb")
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # last: a Ctrl-C held back meanwhile is raised now

    def run(self, function: Callable[..., list[R]], items: Sequence[Any], *shared: Any) -> Iterator[R]:
        """Send the process its work; iterate the result for what it made. Work that cannot be
        pickled is done here instead, on first iteration (the process is stopped)."""
        import pickle

        job, self._job = self._job, None
        if job is None:
            raise RuntimeError("a worker takes one piece of work")
        try:
            data = pickle.dumps((function, items, shared))
        except Exception:  # noqa: BLE001 - a lambda, an open file: not for another process
            os.close(job)
            self._stop(kill=True)
            return parallel_iter(function, items, *shared, jobs=1)
        data = len(data).to_bytes(8, "big") + data  # its length first: the worker reads that much, not to EOF
        _set_pipe_size(job, len(data))  # so this process need not wait while the worker warms up
        try:
            write_all(job, data)
        except BrokenPipeError:
            pass  # it died: collecting its results says how
        finally:
            os.close(job)
        return self

    def dismiss(self) -> None:
        """Stop a worker that is not given work (or whose results are not wanted) at once."""
        if self._job is not None:
            os.close(self._job)
            self._job = None
        if self._pid:
            self._stop(kill=True)

    def __next__(self) -> R:
        if self._job is not None:
            raise RuntimeError("a worker given no work has no results")
        if self._results is None:
            self._results = iter(self._collect())
        return next(self._results)

    def _collect(self) -> list[R]:
        import pickle

        data = None
        try:
            data = self._pipe.read() if self._pipe is not None else b""  # to the end: all is sent
        finally:
            status = self._stop(kill=data is None)  # interrupted while waiting: not wanted any more
        try:
            done, value = pickle.loads(data) if data else (None, None)
        except (pickle.UnpicklingError, EOFError, ValueError):
            done = None  # cut short: killed while it sent them
        if done is None:
            raise ChildProcessError(f"a worker process ended without its results ({_ending(status)})")
        if not done:
            raise value
        return value

    def _stop(self, *, kill: bool) -> int:
        """Close the pipe and reap the process (killed first when `kill`); its wait status."""
        if self._pipe is not None:
            self._pipe.close()
        if not self._pid:
            return 0
        try:
            if kill:
                import signal

                os.kill(self._pid, signal.SIGKILL)
            status = os.waitpid(self._pid, 0)[1]
        except (ProcessLookupError, ChildProcessError):
            status = 0  # reaped already (SIGCHLD ignored, say)
        self._pid = 0  # only once reaped: a wait cut short by Ctrl-C is done again when dropped
        return status

    def __del__(self) -> None:
        if getattr(self, "_job", None) is not None:
            os.close(self._job)
        if getattr(self, "_pid", 0):  # never iterated to the end: its results are not wanted
            self._stop(kill=True)


def _ending(status: int) -> str:
    """How a process ended, from its wait status: 'exit status 3', 'killed by signal 9'."""
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _set_pipe_size(fd: int, size: int) -> None:
    """Make a pipe hold `size` bytes where Linux allows (up to 1 MiB unprivileged): a write of
    that much then returns at once; a bigger one waits for the reader."""
    import fcntl

    if size > 65536 and hasattr(fcntl, "F_SETPIPE_SZ"):
        try:
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, min(size, 1 << 20))
        except OSError:
            pass


def _wait_for_work(job_read: int, write_end: int, warm_up: Callable[[], None] | None) -> NoReturn:
    """In the forked process: warm up, wait for the work, do it and send the results back; end
    when the parent closes the pipe without sending any (not wanted)."""
    import pickle

    if warm_up is not None:
        try:
            warm_up()
        except Exception:  # noqa: BLE001, S110 - the work meets the same problem, and reports it
            pass
    # Read by its length, not to the end: a process this one's parent forks meanwhile holds the
    # pipe's write end open too, and the end would come only when that process exits.
    with os.fdopen(job_read, "rb") as pipe:
        header = pipe.read(8)
        data = pipe.read(int.from_bytes(header, "big")) if len(header) == 8 else b""
    if not data:  # closed unsent: not wanted
        os._exit(0)
    try:
        function, items, shared = pickle.loads(data)
    except Exception as exc:  # noqa: BLE001 - a class that cannot be made again here: said there
        function, items, shared = _raise, [exc], ()
    _send_results(write_end, function, items, shared)


def _raise(exc: BaseException) -> NoReturn:
    raise exc


def _send_results(write_end: int, function: Callable[..., list[R]], items: Sequence[Any],
                  shared: tuple[Any, ...]) -> NoReturn:
    """In the forked process: do the work, send back the results or what was raised, exit."""
    import pickle
    import traceback

    status = 0
    try:
        try:
            outcome: tuple[bool, Any] = (True, [r for item in items for r in function(item, *shared)])
        except BaseException as exc:  # noqa: BLE001 - the parent raises it
            exc.add_note("in a worker process:\n" + "".join(traceback.format_exception(exc)).rstrip())
            outcome = (False, exc)
        try:
            data = pickle.dumps(outcome)
            pickle.loads(data)  # what cannot be made again there (an exception's odd __init__) is caught here
        except Exception as exc:  # noqa: BLE001 - unpicklable: its words
            said = outcome[1] if not outcome[0] else exc
            data = pickle.dumps((False, RuntimeError(f"{type(said).__name__}: {said}")))
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
    except BaseException:  # noqa: BLE001 - the parent sees no results and says so
        status = 1
    finally:
        os._exit(status)  # not the parent's exit handlers
