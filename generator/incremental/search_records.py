"""What the site's search index is, as the last build of an output folder recorded it: the JSON
index's layout, the Pagefind bundle or the sharded index, each beside the others in the build
store under the output folder's tag and its `slot`, so the next build copies what is unchanged."""

from __future__ import annotations

from typing import Any

from .store import Store


def _record_class(engine: str) -> Any:
    if engine == "pagefind":
        from ..website.pagefind import PagefindBundle

        return PagefindBundle
    if engine == "sharded":
        from ..website.search_shards import ShardedIndex

        return ShardedIndex
    from ..website.search import SearchLayout

    return SearchLayout


def stored_search(store: Store, tag: str, engine: str) -> Any:
    """The record of this engine's index that the last build stored, or None (none, or damaged)."""
    kind = _record_class(engine)
    data = store.get_json("search", tag + kind.slot, kind.FORMAT, lambda d: kind.from_json(d) is not None)
    return kind.from_json(data) if data is not None else None


def store_search(store: Store, tag: str, record: Any) -> None:
    """Keep the record of the index this build wrote, for the next build."""
    store.put_json("search", tag + record.slot, record.FORMAT, record.to_json())
