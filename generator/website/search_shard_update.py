"""The sharded search index after a few posts changed: only the shards of their changed terms are
read and made again, and the result is byte for byte what a whole new index would be.

The shard map in the site's meta file gives every shard's size, so the size of the terms under
any prefix is known without reading them: the trie is split or merged where the new sizes say, by
the same rule (`search_shards.split`) a whole build applies. A post's old terms come from what the
last build recorded of it (`post_entry`) and its stored text; where that text is gone, or posts
were removed or renumbered, or many changed, the caller makes the whole index instead.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .search_shards import (
    CHUNK_POSTS,
    FOLDER,
    SHARD_BYTES,
    encode_postings,
    other_files,
    post_counts,
    shard_bytes,
    shard_path,
    split,
    weight,
)

if TYPE_CHECKING:
    from .assemble import Site

MOST_CHANGED = 40  # posts changed beyond which the whole index is made: it reads every post anyway


def updated_files(site: Site, entries: list[list[str]], text: Callable[[str], str],
                  old_text: Callable[[str], str | None], live: Path, old_posts: list[list[str]],
                  old_files: dict[str, str]) -> tuple[dict[str, bytes], set[str]] | None:
    """(the files made again, the unchanged files kept), given this build's `post_entry` of each
    post by number, the last build's, and {site path: SHA-256} of its files, which sit under
    `live`; None when the whole index is to be made. `old_text(render_key)` is a post's stored
    text, None when gone."""
    posts = site.posts[::-1]
    changed = [n for n, entry in enumerate(entries) if n >= len(old_posts) or entry != old_posts[n]]
    if len(posts) < len(old_posts) or len(changed) > MOST_CHANGED:
        return None
    try:
        meta = json.loads((live / FOLDER / "meta.json").read_bytes())
        lengths = json.loads((live / FOLDER / "lengths.json").read_bytes())
        trie = _Trie(meta["shards"], live, set(old_files))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if len(lengths) != len(old_posts):
        return None
    for number in changed:
        old: Counter[str] = Counter()
        if number < len(old_posts):
            found = old_text(old_posts[number][0])
            if found is None:
                return None
            old = post_counts(old_posts[number], found)
        new = post_counts(entries[number], text(posts[number].render_key))
        lengths[number:number + 1] = [new.pop("")]
        old.pop("", None)
        for term in old.keys() | new.keys():
            if old[term] != new[term]:
                trie.change(term, number, new[term])
    files = trie.settle()
    chunks = {number // CHUNK_POSTS for number in changed}  # the other chunks' posts are as they were
    files.update(other_files(site, lengths, trie.shards, chunks))
    kept = {shard_path(prefix) for prefix in trie.shards} - files.keys()
    kept |= {path for path in old_files if path.startswith(f"{FOLDER}posts/")
             and int(path.rpartition("/")[2].removesuffix(".json")) not in chunks}
    return files, kept


class _Trie:
    """The shard map, with the shards read so far and the changes to their terms' postings."""

    def __init__(self, shards: dict[str, int], live: Path, known: set[str]) -> None:
        self.shards = {str(prefix): int(size) for prefix, size in shards.items()}
        if any(shard_path(prefix) not in known for prefix in self.shards):
            raise ValueError("the meta file names a shard the last build did not write")
        self.live = live
        self.inner = {prefix[:n] for prefix in self.shards for n in range(1, len(prefix))}
        self.read: dict[str, dict[str, list[int]]] = {}  # shard prefix → {term: [number, counts, …]} decoded
        self.edits: dict[str, dict[str, dict[int, int]]] = {}  # node → {term: {number: new counts, 0: gone}}

    def home(self, term: str) -> str:
        """The node a term belongs to in the current trie (a shard, or one to be made)."""
        prefix = term[:1]
        while prefix in self.inner and len(term) > len(prefix):
            prefix = term[: len(prefix) + 1]
        return prefix

    def change(self, term: str, number: int, counts: int) -> None:
        self.edits.setdefault(self.home(term), {}).setdefault(term, {})[number] = counts

    def settle(self) -> dict[str, bytes]:
        """Apply the changes: {site path: bytes} of every shard made again; `shards` becomes the
        new map (its sizes stand for the shard files)."""
        made: dict[str, bytes] = {}
        roots = sorted({node[:1] for node in self.edits})
        for root in roots:
            self._settle(root, made)
        return made

    def _settle(self, node: str, made: dict[str, bytes]) -> None:
        under = [prefix for prefix in self.shards if prefix.startswith(node)]
        touched = [edited for edited in self.edits if edited.startswith(node)]
        if node in self.inner:
            size = sum(self.shards[p] - 1 for p in under) + sum(self._growth(n) for n in touched)
            left = [p for p in under if p not in self.edits or self._members(p)]
            left += [n for n in touched if n not in self.shards and self._members(n)]
            if size > SHARD_BYTES and len(left) >= 2:  # then a whole build splits it here too
                if node in self.edits:  # its own shard: the terms as long as the prefix
                    own = self._members(node)
                    self.shards.pop(node, None)
                    if own:
                        made[shard_path(node)] = data = shard_bytes(sorted(own), _encoded(own))
                        self.shards[node] = len(data)
                for child in sorted({n[: len(node) + 1] for n in touched if len(n) > len(node)}):
                    self._settle(child, made)
                return
        self._remake(node, under + [n for n in touched if n not in self.shards], made)

    def _remake(self, node: str, nodes: list[str], made: dict[str, bytes]) -> None:
        """Replace the shards `nodes` (all of those under `node`) by the split of their terms."""
        members: dict[str, list[int]] = {}
        for each in nodes:
            members.update(self._members(each))
            self.shards.pop(each, None)
        postings = _encoded(members)
        self.inner = {p for p in self.inner if not p.startswith(node)}
        for prefix, terms in split(node, sorted(postings), postings).items() if postings else ():
            made[shard_path(prefix)] = data = shard_bytes(terms, postings)
            self.shards[prefix] = len(data)
            self.inner.update(prefix[:n] for n in range(len(node), len(prefix)))

    def _members(self, node: str) -> dict[str, list[int]]:
        """The node's terms with their absolute [number, counts, …], its edits applied."""
        if node not in self.read:
            found: dict[str, list[int]] = {}
            if node in self.shards:
                for term, deltas in json.loads((self.live / shard_path(node)).read_bytes()).items():
                    absolute, number = [], 0
                    for at in range(0, len(deltas), 2):
                        number += deltas[at]
                        absolute += (number, deltas[at + 1])
                    found[term] = absolute
            for term, edits in self.edits.get(node, {}).items():
                pairs = dict(zip(found.get(term, [])[0::2], found.get(term, [])[1::2], strict=True))
                pairs.update(edits)
                kept = [(n, c) for n, c in sorted(pairs.items()) if c]
                if kept:
                    found[term] = [value for pair in kept for value in pair]
                else:
                    found.pop(term, None)
            self.read[node] = found
        return self.read[node]

    def _growth(self, node: str) -> int:
        """How many bytes the node's terms gain (or lose) with its edits."""
        now = sum(weight(term, postings) for term, postings in _encoded(self._members(node)).items())
        return now - (self.shards[node] - 1 if node in self.shards else 0)


def _encoded(members: dict[str, list[int]]) -> dict[str, str]:
    """{term: its postings as a shard has them} for terms with absolute [number, counts, …]."""
    return {term: encode_postings(list(zip(found[0::2], found[1::2], strict=True))) for term, found in members.items()}
