"""The background worker (`worker.in_background`, `worker.begin_worker`): real forked processes,
real pipes and signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from generator.errors import JourneyError, error
from generator.worker import begin_worker, in_background

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="processes fork only on Linux")


def _worker_pid(pid_file: Path) -> int:
    """The id the worker wrote to `pid_file` once it began (waited for up to 10 s, whole)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = pid_file.read_text(encoding="utf-8") if pid_file.exists() else ""
        if text.isdigit():
            return int(text)
        time.sleep(0.01)
    raise AssertionError(f"the worker never wrote {pid_file}")


def _slow_pids(item: int, seconds: float) -> list[tuple[int, int]]:
    time.sleep(seconds)
    return [(item, os.getpid())]


def _timed(item: int, seconds: float) -> list[tuple[int, int, float, float]]:
    started = time.monotonic()  # the system's monotonic clock: the same in every process
    time.sleep(seconds)
    return [(item, os.getpid(), started, time.monotonic())]


def test_the_work_runs_in_another_process_while_this_one_goes_on() -> None:
    """Told by the clock readings on both sides, not by a wall-time budget a loaded machine
    could overrun: the work ran in another process, during this one's own work."""
    results = in_background(_timed, [1, 2, 3], 0.3)
    returned = time.monotonic()
    time.sleep(0.6)  # this process's own work, meanwhile
    slept = time.monotonic()
    done = list(results)
    assert [item for item, *_ in done] == [1, 2, 3]
    assert {pid for _, pid, *_ in done} != {os.getpid()} and len({pid for _, pid, *_ in done}) == 1
    first_began, last_ended = done[0][2], done[-1][3]
    assert returned < last_ended  # it did not wait for the work to end
    assert first_began < slept  # and the work began before this sleep ended: they overlapped


def _fails(item: int) -> list[int]:
    raise JourneyError([error("posts/a.md", 3, 7, f"bad thing {item}")])


def test_what_the_work_raises_is_raised_here_with_its_diagnostics() -> None:
    with pytest.raises(JourneyError) as raised:
        list(in_background(_fails, [5]))
    assert [str(d) for d in raised.value.diagnostics] == ["posts/a.md:3:7: error: bad thing 5"]


class _Unpicklable(Exception):
    def __reduce__(self) -> str:
        raise TypeError("not this one")


def _fails_oddly(item: int) -> list[int]:
    raise _Unpicklable(f"odd {item}")


def test_an_exception_that_cannot_travel_comes_back_as_its_words() -> None:
    with pytest.raises(RuntimeError, match=r"^_Unpicklable: odd 1$"):
        list(in_background(_fails_oddly, [1]))


def _dies(item: int) -> list[int]:
    os._exit(3)  # as a process the kernel kills (out of memory) ends: no answer


def test_a_worker_that_dies_without_answering_is_an_error_not_a_hang() -> None:
    with pytest.raises(ChildProcessError, match=r"^a worker process ended without its results \(exit status 3\)$"):
        list(in_background(_dies, [1]))


def _big(item: int, pid_file: str) -> list[bytes]:
    Path(pid_file).write_text(str(os.getpid()), encoding="utf-8")
    return [os.urandom(4 << 20)]  # far more than a pipe holds: the send waits for the reader


def test_a_worker_killed_while_it_sends_is_an_error_naming_the_signal(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    results = in_background(_big, [1], str(pid_file))
    worker = _worker_pid(pid_file)
    time.sleep(0.3)  # the first 64 KiB are in the pipe; the rest waits
    os.kill(worker, signal.SIGKILL)
    with pytest.raises(ChildProcessError, match=r"^a worker process ended without its results \(killed by signal 9\)$"):
        list(results)


class _TwoArgs(Exception):
    def __init__(self, name: str, line: int) -> None:
        super().__init__(f"{name} at line {line}")  # pickles, but cannot be made again from its args


def _fails_twice(item: int) -> list[int]:
    raise _TwoArgs("posts/a.md", item)


def test_an_exception_that_cannot_be_made_again_comes_back_as_its_words() -> None:
    with pytest.raises(RuntimeError, match=r"^_TwoArgs: posts/a.md at line 4$"):
        list(in_background(_fails_twice, [4]))


def test_a_fork_that_fails_runs_the_work_here_and_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    open_before = sorted(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(os, "fork", no_fork)
    assert list(in_background(_slow_pids, [1, 2], 0.0)) == [(1, os.getpid()), (2, os.getpid())]
    assert sorted(os.listdir("/proc/self/fd")) == open_before  # both ends of the pipe closed
    assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == set()  # Ctrl-C not left blocked


def _waits(item: int, pid_file: str) -> list[int]:
    Path(pid_file).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(60)
    return [item]


def test_results_given_up_on_stop_the_worker(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    results = in_background(_waits, [1], str(pid_file))
    pid = _worker_pid(pid_file)
    del results  # an error of the parent's own, say: the results are never read
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped at once, not left running for a minute or as a zombie


def test_where_processes_do_not_fork_the_work_runs_here_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    results = in_background(_slow_pids, [1, 2], 0.0)
    assert list(results) == [(1, os.getpid()), (2, os.getpid())]


def _sigint_action(item: int) -> list[object]:
    return [signal.getsignal(signal.SIGINT)]


def test_in_the_worker_ctrl_c_is_the_default_action_not_an_exception() -> None:
    """An exception raised in the worker at the wrong moment (on its way out, say) would return
    into the code it was forked from and run the rest of the build a second time."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as a build run from a terminal has it
    assert list(in_background(_sigint_action, [1])) == [signal.SIG_DFL]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # this process's, as it was
    assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == set()  # and nothing left blocked here


def test_ctrl_c_ends_the_worker_without_running_the_code_it_was_forked_from(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group: the parent says it was interrupted, once; the
    worker just ends (it never raises KeyboardInterrupt into the caller's code, which would go on
    as a second parent)."""
    pid_file = tmp_path / "pid"
    script = textwrap.dedent(f"""
        import signal, sys
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from generator.worker import begin_worker, in_background
        from tests.test_parallel import _waits
        try:
            results = in_background(_waits, [1], {str(pid_file)!r})
            print("waiting", flush=True)
            list(results)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        print("after", flush=True)
    """)
    repo = Path(__file__).resolve().parent.parent
    run = subprocess.Popen([sys.executable, "-c", script], cwd=repo, stdout=subprocess.PIPE, text=True,
                           start_new_session=True)
    try:
        assert run.stdout is not None and run.stdout.readline() == "waiting\n"
        worker = _worker_pid(pid_file)
        os.killpg(run.pid, signal.SIGINT)
        out, _ = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
    assert out == "interrupted\nafter\n"  # the parent's lines alone, once each
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)


def test_a_ctrl_c_during_the_fork_is_raised_after_it_and_the_worker_is_reaped(monkeypatch: pytest.MonkeyPatch) -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    real_fork, children = os.fork, []

    def fork_under_ctrl_c() -> int:
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)  # to this thread: held back, blocked across the fork
        pid = real_fork()
        if pid:
            children.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork_under_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        in_background(_slow_pids, [1], 5.0)
    assert len(children) == 1
    with pytest.raises(ProcessLookupError):
        os.kill(children[0], 0)  # killed and reaped, not left working for 5 s
    assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == set()


# -- a worker begun before its work is known (`begin_worker`) ------------------------------------

_WARMED: list[str] = []  # what the warm-up did, in the worker's copy of this module


def _warm_slowly() -> None:
    time.sleep(0.6)
    _WARMED.append(f"warmed in {os.getpid()}")


def _what_the_worker_warmed(item: int) -> list[tuple[int, list[str]]]:
    return [(item, list(_WARMED))]


def _warm_and_say_so(pid_file: str) -> None:
    Path(pid_file).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(30)


def _warm_up_fails() -> None:
    raise OSError("the warm-up failed")


def test_a_worker_warms_up_while_this_process_goes_on_and_then_does_the_work_it_is_sent() -> None:
    started = time.monotonic()
    worker = begin_worker(_warm_slowly)
    assert worker is not None and time.monotonic() - started < 0.4  # it did not wait for the warm-up
    results = worker.run(_what_the_worker_warmed, [7, 8])
    assert time.monotonic() - started < 0.4  # sending the work does not wait for the warm-up either
    assert [item for item, _ in results] == [7, 8]
    assert time.monotonic() - started >= 0.6  # the results came after the warm-up
    assert _WARMED == []  # the warm-up ran there, not here


def test_the_work_sees_what_the_warm_up_did_there(tmp_path: Path) -> None:
    worker = begin_worker(_warm_slowly)
    assert worker is not None
    done = list(worker.run(_what_the_worker_warmed, [1, 2]))
    assert [item for item, _ in done] == [1, 2]
    assert len({tuple(warmed) for _, warmed in done}) == 1
    (said,) = done[0][1]
    assert said.startswith("warmed in ") and said != f"warmed in {os.getpid()}"


def test_a_worker_given_no_work_is_stopped_at_once_when_dismissed(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    worker = begin_worker(lambda: _warm_and_say_so(str(pid_file)))  # the warm-up is inherited, never pickled
    assert worker is not None
    pid = _worker_pid(pid_file)
    started = time.monotonic()
    worker.dismiss()
    assert time.monotonic() - started < 1.0  # not the 30 s of its warm-up
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped
    worker.dismiss()  # twice is harmless
    with pytest.raises(RuntimeError, match="^a worker takes one piece of work$"):
        worker.run(_what_the_worker_warmed, [1])


def test_a_worker_dropped_unused_is_stopped(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    worker = begin_worker(lambda: _warm_and_say_so(str(pid_file)))
    pid = _worker_pid(pid_file)
    del worker
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_iterating_a_worker_given_no_work_is_an_error_not_a_hang() -> None:
    worker = begin_worker()
    assert worker is not None
    try:
        with pytest.raises(RuntimeError, match="^a worker given no work has no results$"):
            next(worker)
    finally:
        worker.dismiss()


def test_work_that_cannot_be_pickled_is_done_here_and_the_worker_stopped() -> None:
    worker = begin_worker()
    assert worker is not None
    pid = worker._pid
    results = worker.run(lambda item: [(item, os.getpid())], [3])  # a lambda: not for another process
    assert list(results) == [(3, os.getpid())]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_failed_warm_up_does_not_keep_the_work_from_being_done() -> None:
    worker = begin_worker(_warm_up_fails)
    assert worker is not None
    assert [item for item, _ in worker.run(_what_the_worker_warmed, [5])] == [5]


def _length(item: bytes) -> list[int]:
    return [len(item)]


def test_work_bigger_than_a_pipe_reaches_the_worker_whole() -> None:
    """Up to 1 MiB of work goes into the pipe at once, even while the worker warms up; more
    waits for the worker to read it."""
    import fcntl

    probe_read, probe_write = os.pipe()
    try:
        fcntl.fcntl(probe_write, fcntl.F_SETPIPE_SZ, 1 << 20)
        enlarged = True
    except OSError:  # the user's pipe allowance is spent (pipe-user-pages-soft): writes wait
        enlarged = False
    finally:
        os.close(probe_read)
        os.close(probe_write)
    for size in (200_000, 3_000_000):
        worker = begin_worker(_warm_slowly)
        assert worker is not None
        started = time.monotonic()
        results = worker.run(_length, [b"x" * size, b"y" * 10])
        sent_in = time.monotonic() - started
        assert list(results) == [size, 10]
        if size < 1 << 20 and enlarged:
            assert sent_in < 0.4, sent_in  # not the 0.6 s of the warm-up


def test_a_process_forked_meanwhile_does_not_hold_the_work_back() -> None:
    """A process forked between `begin_worker` and `run` holds the job pipe's write end too: the
    worker reads its work by length, not to an end that comes only when that process exits."""
    worker = begin_worker()
    assert worker is not None
    holder = os.fork()
    if holder == 0:
        time.sleep(5)
        os._exit(0)
    try:
        started = time.monotonic()
        assert [item for item, _ in worker.run(_what_the_worker_warmed, [9])] == [9]
        assert time.monotonic() - started < 3.0  # not the holder's 5 s
    finally:
        os.kill(holder, signal.SIGKILL)
        os.waitpid(holder, 0)


def test_a_pool_s_meanwhile_runs_here_once_while_its_workers_work() -> None:
    from generator.parallel import parallel_map

    ran: list[tuple[int, float, float]] = []

    def meanwhile() -> None:
        began = time.monotonic()
        time.sleep(0.4)  # this process's own work, while the workers have their first chunks
        ran.append((os.getpid(), began, time.monotonic()))

    done = parallel_map(_timed, list(range(8)), 0.2, jobs=2, min_items=1, meanwhile=meanwhile)
    assert [item for item, *_ in done] == list(range(8))
    assert len(ran) == 1 and ran[0][0] == os.getpid() and os.getpid() not in {pid for _, pid, *_ in done}
    first_began, last_ended = min(began for *_, began, _ in done), max(ended for *_, ended in done)
    assert ran[0][1] < last_ended  # it did not wait for the work to end
    assert first_began < ran[0][2]  # and the work began before this process's own ended: they overlapped


def test_in_process_meanwhile_runs_once_before_the_work() -> None:
    from generator.parallel import parallel_map

    order: list[str] = []
    assert parallel_map(lambda item: [order.append(f"item {item}") or item], [1, 2], jobs=1,
                        meanwhile=lambda: order.append("meanwhile")) == [1, 2]
    assert order == ["meanwhile", "item 1", "item 2"]


def test_batches_run_in_workers_that_inherit_a_closure_and_its_items() -> None:
    from generator.parallel import parallel_batches

    seen = {"offset": 1000}  # a closure over this: it could not be pickled to a pool
    done = list(parallel_batches(lambda batch: [(len(batch), os.getpid(), item + seen["offset"]) for item in batch],
                                 list(range(40)), jobs=2, most=3))
    assert [item for *_, item in done] == [1000 + n for n in range(40)]
    assert max(size for size, *_ in done) == 3 and os.getpid() not in {pid for _, pid, _ in done}
    here = list(parallel_batches(lambda batch: [os.getpid()] * len(batch), list(range(5)), jobs=2, min_items=6))
    assert here == [os.getpid()] * 5  # fewer than min_items: in this process


def test_batches_keep_the_workers_busy_while_this_process_does_its_own_work(tmp_path: Path) -> None:
    """parallel_batches sends every batch at once: while `meanwhile` runs here, the workers go on
    through all of them (with two per worker in flight they stopped after four: a site's pages
    waited ~0.2 s on its feeds and search index)."""
    from generator.parallel import parallel_batches

    def batch(items: list[int]) -> list[int]:
        for item in items:
            (tmp_path / f"done-{item}").touch()
        return list(items)

    finished: list[int] = []

    def meanwhile() -> None:  # waits (10 s at most) for the workers to do every batch without it
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(list(tmp_path.glob("done-*"))) < 30:
            time.sleep(0.01)
        finished.append(len(list(tmp_path.glob("done-*"))))

    assert list(parallel_batches(batch, list(range(30)), jobs=2, most=1, meanwhile=meanwhile)) == list(range(30))
    assert finished == [30]


def test_batches_shrink_toward_the_end_so_the_workers_finish_together() -> None:
    from generator.parallel import _guided

    bounds = _guided(4000, 2, None)
    sizes = [end - start for start, end in bounds]
    assert bounds[0] == (0, 1000) and bounds[-1][1] == 4000
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))  # consecutive, none left out
    assert sizes == sorted(sizes, reverse=True) and min(sizes[:-1]) == 16  # the last may be a remainder
    assert {end - start for start, end in _guided(1000, 2, 64)[:3]} == {64}  # `most` caps them


def test_a_batch_s_own_items_come_back_as_this_process_s_objects_not_copies() -> None:
    """A worker's results name its batch's items (a read names its path) by their place in the
    batch; everything else in them is a copy, as pickling makes."""
    from generator.parallel import parallel_batches

    items = [Path(f"/posts/{n}.md") for n in range(64)]
    done = list(parallel_batches(lambda batch: [(os.getpid(), path, Path(str(path)), {"path": path}) for path in batch],
                                 items, jobs=2, most=8))
    assert os.getpid() not in {pid for pid, *_ in done}
    assert all(same is item and inner["path"] is item for (_, same, _, inner), item in zip(done, items, strict=True))
    assert all(copy == item and copy is not item for (_, _, copy, _), item in zip(done, items, strict=True))
