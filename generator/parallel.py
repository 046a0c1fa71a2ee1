"""Fan work out to a pool of forked worker processes, or run it in-process for one job or little
work. One worker begun ahead of its work is `worker.py`'s."""

from __future__ import annotations

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
    if jobs <= 1 or len(items) < min_items or not sys.platform.startswith("linux"):
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
    """`function(batch)` for consecutive batches of `items`, a few per worker (of at most
    `most`), the results in order as the batches finish; in-process for fewer than `min_items`.
    The workers inherit `function` and `items` when they fork, so only where each batch begins
    and ends is sent (not four thousand documents pickled), and `function` may be a closure.
    Every batch is sent at once, its results (small: listing entries, diagnostics) kept here
    until taken: with two per worker in flight, the workers ran dry while this process did
    `meanwhile()` (writing the rest of a site of 4,000 pages: ~0.2 s of both workers idle)."""
    size = max(1, -(-len(items) // (jobs * 4)))
    size = min(size, most) if most else size
    bounds = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    call = id(bounds)  # a key of this call's own, while its workers may still fork
    _INHERITED[call] = (function, items)
    try:
        yield from parallel_iter(_inherited_batch, bounds, call, jobs=jobs if len(items) >= min_items else 1,
                                 min_items=1, max_chunk=1, meanwhile=meanwhile, window=len(bounds))
    finally:
        del _INHERITED[call]


def _inherited_batch(bounds: tuple[int, int], call: int) -> list[Any]:
    function, items = _INHERITED[call]
    return function(items[bounds[0] : bounds[1]])


def _run_chunk(function: Callable[..., list[R]], chunk: Sequence[Any], shared: tuple[Any, ...]) -> list[R]:
    return [result for item in chunk for result in function(item, *shared)]
