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
    function: Callable[..., list[R]], items: Sequence[T], *shared: Any, jobs: int, min_items: int = 16
) -> Iterator[R]:
    """What `parallel_map` returns, yielded in order as the chunks finish, so a consumer can
    store each result and let it go.

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
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork")
    size = -(-len(items) // (jobs * 4))  # a few chunks per worker balances uneven items
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        for piece in pool.map(_run_chunk, [function] * len(chunks), chunks, [shared] * len(chunks)):
            yield from piece


def _run_chunk(function: Callable[..., list[R]], chunk: Sequence[Any], shared: tuple[Any, ...]) -> list[R]:
    return [result for item in chunk for result in function(item, *shared)]
