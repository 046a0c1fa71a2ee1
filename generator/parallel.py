"""Fan work out to forked worker processes, or run it in-process for one job or little work."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def parallel_map(
    function: Callable[..., list[R]], items: Sequence[T], *shared: Any, jobs: int, min_items: int = 16
) -> list[R]:
    """`function(item, *shared)` for each item, each returning a list; the lists concatenated in order."""
    return list(parallel_iter(function, items, *shared, jobs=jobs, min_items=min_items))


def parallel_iter(
    function: Callable[..., list[R]], items: Sequence[T], *shared: Any, jobs: int, min_items: int = 16,
    max_chunk: int | None = None,
) -> Iterator[R]:
    """What `parallel_map` returns, yielded in order as the chunks finish, so a consumer can
    store each result and let it go. At most two chunks per worker are in flight (of at most
    `max_chunk` items), so big results (rendered HTML) never pile up in this process.

    Workers are forked, so they inherit everything the parent built (Jinja environment, site)
    without pickling it; only the items and results cross process boundaries.
    """
    if jobs <= 1 or len(items) < min_items or not sys.platform.startswith("linux"):
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
            if len(pending) >= 2 * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _run_chunk(function: Callable[..., list[R]], chunk: Sequence[Any], shared: tuple[Any, ...]) -> list[R]:
    return [result for item in chunk for result in function(item, *shared)]
