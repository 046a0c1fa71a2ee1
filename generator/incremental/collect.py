"""Clean-up of the build store, so that it does not grow without bound: every run of a
notebook leaves an executed copy and its images, every edit of a code block its old highlighting."""

from __future__ import annotations

from typing import Any

from .bodies import render_format
from .store import Store


def collect_garbage(
    store: Store, tag: str, scope: str, entries: dict[str, dict[str, Any]], live: set[str], sources: set[str],
    *, earlier: set[str] | frozenset[str] = frozenset(),
) -> None:
    """Drop from the store what the last recorded build of this output folder (`tag`) used, or
    `earlier` builds since (a resident session records every few builds), and this one does not
    (`live` render keys, `sources` post files), unless another output folder (serve's, say) still
    uses it; everything unused when nothing is known. `entries` are this build's."""
    uses = store.get_json("uses", tag, "uses-1", _valid_uses) or {"renders": [], "scope": ""}
    others = [store.get_json("uses", other, "uses-1", _valid_uses) for other in sorted(store.keys("uses")) if other != tag]
    kept = live.union(*(set(o["renders"]) for o in others if o))
    scopes = {scope, *(o["scope"] for o in others if o)}
    gone = (set(uses["renders"]) | earlier) - kept if uses["renders"] else store.keys("entry") - kept
    if gone:
        in_use = [entries[k] for k in live if k in entries]
        blobs = {d for e in in_use for _, d, _ in e["files"]}
        blocks = {b for e in in_use for b in e["highlights"]}
        old = store.get_many_json("entry", gone, render_format(), lambda _: True)
        for kind in ("entry", "html", "text"):
            store.delete(kind, gone)
        store.delete("blob", {d for e in old.values() for _, d, _ in e.get("files", ()) if d not in blobs})
        store.delete("highlight", {b for e in old.values() for b in e.get("highlights", ()) if b not in blocks})
    if uses["scope"] != scope or set(uses.get("sources", ())) != sources:
        stale = [k for k in store.keys("post") if k.partition(":")[0] not in scopes
                 or (k.startswith(scope + ":") and k.partition(":")[2] not in sources)]
        store.delete("post", stale)
    if set(uses["renders"]) != live or uses["scope"] != scope or set(uses.get("sources", ())) != sources:
        store.put_json("uses", tag, "uses-1", {"renders": sorted(live), "scope": scope, "sources": sorted(sources)})


def _valid_uses(data: Any) -> bool:
    return (isinstance(data, dict) and isinstance(data.get("renders"), list) and isinstance(data.get("scope"), str)
            and all(isinstance(k, str) for k in data["renders"]))
