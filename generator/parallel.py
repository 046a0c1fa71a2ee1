"""Fan work out to a pool of forked worker processes, or run it in-process for one job or little
work. One worker begun ahead of its work is `worker.py`'s."""

from __future__ import annotations

import io
import pickle
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def parallel_map(
    function: Callable[..., list[R]], items: Sequence[T], *shared: Any, jobs: int, min_items: int = 16,
    max_chunk: int | None = None, meanwhile: Callable[[], None] | None = None,
) -> list[R]:
    """`function(item, *shared)` for each item, each returning a list; the lists concatenated in order."""
    return list(parallel_iter(function, items, *shared, jobs=jobs, min_items=min_items, max_chunk=max_chunk,
                              meanwhile=meanwhile))


def parallel_iter(
    function: Callable[..., list[R]], items: Sequence[T], *shared: Any, jobs: int, min_items: int = 16,
    max_chunk: int | None = None, meanwhile: Callable[[], None] | None = None, window: int = 2,
) -> Iterator[R]:
    """What `parallel_map` returns, yielded in order as the chunks finish, so a consumer can
    store each result and let it go. At most `window` chunks per worker are in flight (of at most
    `max_chunk` items), so big results (rendered HTML) never pile up in this process.
    `meanwhile()` runs here once the workers have their first chunks, before the first result
    is waited for (in-process, before the work): what this process would otherwise do later.

    Workers are forked, so they inherit everything the parent built (Jinja environment, site)
    without pickling it; only the items and results cross process boundaries.
    """
    if not _forks(jobs, len(items), min_items):
        if meanwhile is not None:
            meanwhile()
        for item in items:
            yield from function(item, *shared)
        return
    # Imported only here: concurrent.futures brings logging, threading and more, which an
    # in-process run (one changed post, say) never uses.
    import multiprocessing
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor

    context = multiprocessing.get_context("fork")
    size = -(-len(items) // (jobs * 4))  # a few chunks per worker balances uneven items
    size = min(size, max_chunk) if max_chunk else size
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        pending: deque[Future[list[R]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(_run_chunk, function, chunk, shared))
            if meanwhile is not None and (len(pending) >= window * jobs or len(pending) == len(chunks)):
                meanwhile()  # the workers have their first chunks
                meanwhile = None
            if len(pending) >= window * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


_INHERITED: dict[int, tuple[Callable[..., Any], Sequence[Any]]] = {}  # parallel_batches' work, by call


def parallel_batches(
    function: Callable[[Sequence[T]], list[R]], items: Sequence[T], *, jobs: int, most: int | None = None,
    min_items: int = 1, meanwhile: Callable[[], None] | None = None,
) -> Iterator[R]:
    """`function(batch)` for consecutive batches of `items`, shrinking toward the end (`_guided`,
    at most `most`), the results in order as the batches finish; in-process for fewer than
    `min_items`. The workers inherit `function` and `items` when they fork, so only where each
    batch begins and ends is sent (not four thousand documents pickled), and `function` may be a
    closure; the items come back in the results as this process's own (`_Referring`).
    Every batch is sent at once, its results (small: listing entries, diagnostics) kept here
    until taken: with two per worker in flight, the workers ran dry while this process did
    `meanwhile()` (writing the rest of a site of 4,000 pages: ~0.2 s of both workers idle)."""
    bounds = _guided(len(items), jobs, most)
    if not _forks(jobs, len(items), min_items):  # here: nothing to pickle
        yield from parallel_iter(lambda bound: function(items[bound[0] : bound[1]]), bounds, jobs=1, meanwhile=meanwhile)
        return
    call = id(bounds)  # a key of this call's own, while its workers may still fork
    _INHERITED[call] = (function, items)
    try:
        for results in parallel_iter(_inherited_batch, bounds, call, jobs=jobs, min_items=1, max_chunk=1,
                                     meanwhile=meanwhile, window=len(bounds)):
            yield from pickle.loads(results)
    finally:
        del _INHERITED[call]


def _forks(jobs: int, count: int, least: int) -> bool:
    """Whether `count` items go to forked workers: more than one job, at least `least` items,
    and a system whose processes fork (Linux)."""
    return jobs > 1 and count >= least and sys.platform.startswith("linux")


def _guided(count: int, jobs: int, most: int | None, least: int = 16) -> list[tuple[int, int]]:
    """Where each batch of `count` items begins and ends: each a share of what is left, so the
    first are large and the last small (at least `least`, at most `most`), and the workers end
    together (4,000 posts read in eight batches of 500: one worker idle for the other's last
    ~70 ms)."""
    bounds, start = [], 0
    while start < count:
        size = max(least, -(-(count - start) // (jobs * 2)))
        size = min(size, most) if most else size
        bounds.append((start, min(start + size, count)))
        start += size
    return bounds


def _inherited_batch(bounds: tuple[int, int], call: int) -> list[bytes]:
    """In a worker: the batch's results, pickled with its own items by reference (`_Referring`)."""
    function, items = _INHERITED[call]
    start, end = bounds
    batch = items[start:end]
    out = io.BytesIO()
    _Referring(out, call, start, batch).dump(function(batch))
    return [out.getvalue()]


class _Referring(pickle.Pickler):
    """Pickles a batch's results with each of the batch's own items in them (a post's path in
    what reading it gave) as a reference to this item in the parent, which has it too: a path
    unpickled is a Path made again from its parts, ~16 µs, half of what unpickling a post read
    costs."""

    def __init__(self, out: io.BytesIO, call: int, start: int, batch: Sequence[Any]) -> None:
        super().__init__(out, pickle.HIGHEST_PROTOCOL)
        self.call = call
        self.known = {id(item): index for index, item in enumerate(batch, start)}

    def reducer_override(self, obj: Any) -> Any:  # called for objects other than str, int, list, dict, tuple…
        index = self.known.get(id(obj))
        return NotImplemented if index is None else (_inherited_item, (self.call, index))


def _inherited_item(call: int, index: int) -> Any:
    return _INHERITED[call][1][index]


def _run_chunk(function: Callable[..., list[R]], chunk: Sequence[Any], shared: tuple[Any, ...]) -> list[R]:
    return [result for item in chunk for result in function(item, *shared)]
