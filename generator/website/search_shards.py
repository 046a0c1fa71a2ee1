"""The sharded search index, `search/index/`: per-term posting lists split by term prefix.

A reader's query fetches the small meta file, the posts' lengths, the shard of each query word
and the metadata of the ten results shown: a few small files, whatever the number of posts.
What is stored are raw counts (per post and term: how often the term occurs in the body, and in
the title and tags), never global scores: the browser computes BM25 from them, so a one-post
edit changes the shards of that post's words and nothing else. Posts are numbered oldest first,
so a new post takes the next number and no other post's number moves.

Files (all JSON, keys sorted, compact):
- `meta.json`: the format, the number of posts, their average length, the posts per metadata
  chunk, and the shard map {prefix: file size in bytes}.
- `lengths.json`: every post's length in terms, by post number.
- `shards/<prefix>.json`: {term: [number, counts, number, counts, …]}, numbers delta-encoded,
  `counts` = body count × 4 + title-and-tag count (at most 3). A shard starts as every term
  beginning with one character; one past `SHARD_BYTES` is split by the next character, and so
  on (a prefix trie); the terms as long as the prefix stay in the parent.
- `posts/<chunk>.json`: [[url, title, date, summary], …] for `CHUNK_POSTS` posts at a time.

Words are runs of Unicode letters and digits, lowercased after NFC, as search.js splits the
query. Chinese and Japanese are written without spaces: a run of Han, Hiragana or Katakana
becomes its character bigrams (a lone character stays itself), and the query is split alike.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .search_engine import SHARDED_FOLDER

if TYPE_CHECKING:
    from ..models import RenderedPost
    from .assemble import Site
    from .write import Staging

FOLDER = SHARDED_FOLDER
FORMAT = 1
SHARD_BYTES = 32_000  # a shard past this is split by the next character of its terms
CHUNK_POSTS = 25  # posts per metadata chunk: ten results may need ten chunks
HEAD_LIMIT = 3  # title-and-tag counts above this rank no higher, and fit in two bits

_WORD = re.compile(r"[^\W_]+")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+")
_PLAIN_NAME = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class ShardedIndex:
    """The index one build wrote: the fingerprint of the posts it was made from, {site path:
    SHA-256} of its files, so a later build of the same posts keeps it unmade, and each post's
    `post_entry` by number, so a build that changed a few posts remakes only their shards."""

    FORMAT = "sharded-1"
    slot = ":sharded"  # beside the other engines' records in the build store

    fingerprint: str
    files: dict[str, str] = field(default_factory=dict)
    posts: list[list[str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"fingerprint": self.fingerprint, "files": self.files, "posts": self.posts}

    @classmethod
    def from_json(cls, data: Any) -> ShardedIndex | None:
        if not (isinstance(data, dict) and isinstance(data.get("fingerprint"), str) and isinstance(data.get("files"), dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in data["files"].items())
                and isinstance(data.get("posts"), list)
                and all(isinstance(e, list) and len(e) == 5 and all(isinstance(v, str) for v in e) for e in data["posts"])):
            return None
        return cls(data["fingerprint"], data["files"], data["posts"])


def terms(text: str) -> list[str]:
    """The index terms of `text`, in order (see the module docstring)."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).lower())
    if text.isascii() or not _CJK.search(text):
        return words
    found: list[str] = []
    for word in words:
        at = 0
        for run in _CJK.finditer(word):
            if run.start() > at:
                found.append(word[at : run.start()])
            chars = run.group()
            found.extend(chars if len(chars) == 1 else [chars[i : i + 2] for i in range(len(chars) - 1)])
            at = run.end()
        if at < len(word):
            found.append(word[at:])
    return found


def shard_name(prefix: str) -> str:
    """A file name for a prefix: ASCII letters and digits as they are, any other character as
    `_` and four hex digits, or `__` and six beyond U+FFFF (`нс` → `_043d_0441`)."""
    if prefix.isascii() and prefix.isalnum():  # terms are lowercase
        return prefix
    return "".join(c if _PLAIN_NAME.fullmatch(c) else f"_{ord(c):04x}" if ord(c) <= 0xFFFF else f"__{ord(c):06x}"
                   for c in prefix)


def post_entry(item: RenderedPost) -> list[str]:
    """What the index holds of a post, as a build's record keeps it: its rendering, date, and the
    front matter the index reads (a later build takes the post's old terms from these)."""
    post = item.post
    return [item.render_key, post.stamps[0], post.title, "\n".join(post.tags), post.description]


def post_counts(entry: list[str], text: str) -> Counter[str]:
    """{term: body count × 4 + title-and-tag count} for a post's `post_entry` and plain text."""
    _, _, title, tags, description = entry
    head = Counter(terms(" ".join((title, *tags.split("\n")))))
    body = Counter(terms(description + " " + html.unescape(text)))  # the summary is in the text
    counts = Counter({term: found * 4 for term, found in body.items()})
    for term, found in head.items():
        counts[term] += min(found, HEAD_LIMIT)
    counts[""] = sum(head.values()) + sum(body.values())  # the post's length, under a name no term has
    return counts


def index_files(site: Site, text: Callable[[str], str]) -> dict[str, bytes]:
    """Every file of the index: {site path: bytes}; `text(render_key)` is a post's plain text."""
    posts = site.posts[::-1]  # oldest first: a new post is appended
    postings: dict[str, list[tuple[int, int]]] = {}
    lengths: list[int] = []
    for number, item in enumerate(posts):
        counts = post_counts(post_entry(item), text(item.render_key))
        lengths.append(counts.pop(""))
        for term in sorted(counts):
            postings.setdefault(term, []).append((number, counts[term]))
    encoded = {term: encode_postings(found) for term, found in postings.items()}
    shards = {prefix: shard_bytes(members, encoded) for prefix, members in _shards(encoded).items()}
    files = {shard_path(prefix): data for prefix, data in shards.items()}
    return {**files, **other_files(site, lengths, {prefix: len(data) for prefix, data in shards.items()})}


def other_files(site: Site, lengths: list[int], shards: dict[str, int], chunks: set[int] | None = None) -> dict[str, bytes]:
    """The metadata chunks (all, or those numbered in `chunks`), lengths and meta file, for
    shards of these sizes ({prefix: bytes})."""
    posts = site.posts[::-1]
    files: dict[str, bytes] = {}
    for start in range(0, len(posts), CHUNK_POSTS):
        if chunks is not None and start // CHUNK_POSTS not in chunks:
            continue
        rows = [[site.config.url(item.post.url_path), item.post.title, item.post.date.date().isoformat(),
                 item.post.description or item.summary] for item in posts[start : start + CHUNK_POSTS]]
        files[f"{FOLDER}posts/{start // CHUNK_POSTS}.json"] = _json(rows)
    files[f"{FOLDER}lengths.json"] = _json(lengths)
    average = round(sum(lengths) / len(lengths), 2) if lengths else 0
    meta = {"format": FORMAT, "posts": len(posts), "average_length": average, "chunk_posts": CHUNK_POSTS,
            "head_limit": HEAD_LIMIT, "shards": dict(sorted(shards.items()))}
    files[f"{FOLDER}meta.json"] = _json(meta)
    return files


def shard_path(prefix: str) -> str:
    return f"{FOLDER}shards/{shard_name(prefix)}.json"


def shard_bytes(members: list[str], encoded: dict[str, str]) -> bytes:
    return ("{" + ",".join(f'"{t}":{encoded[t]}' for t in members) + "}").encode("utf-8")


def write_index(site: Site, staging: Staging, text: Callable[[str], str], old_text: Callable[[str], str | None],
                fingerprint: str, previous: ShardedIndex | None) -> ShardedIndex | None:
    """Write `search/index/` into the staging folder. When `previous` was made from the same
    posts, its files are kept unmade (unless one is gone from both trees), and the result is
    None: the store has it already. When a few posts changed, only the shards of their changed
    terms are made again (`old_text(render_key)`: a post's text as the last build stored it, None
    when gone); otherwise every file is made. Files with the current bytes are kept, not written."""
    from .search_shard_update import updated_files

    if previous is not None and previous.fingerprint == fingerprint:
        claimed = {path: staging.claim(path, "search", digest) for path, digest in sorted(previous.files.items())}
        if missing := {path: target for path, target in claimed.items() if target is not None}:
            made = index_files(site, text)
            for path, target in missing.items():
                target.write_bytes(made.get(path, b""))
        return None
    # Only from the live site's very files, as its record has them.
    live = previous is not None and all(staging.previous.get(p) == d for p, d in previous.files.items())
    entries = [post_entry(item) for item in site.posts[::-1]]
    update = updated_files(site, entries, text, old_text, staging.out, previous.posts, previous.files) if live else None
    made, kept = update if update is not None else (index_files(site, text), set())
    files, whole = {}, None
    for path in sorted(kept):
        digest = files[path] = previous.files[path]  # type: ignore[union-attr]
        if (target := staging.claim(path, "search", digest)) is not None:  # gone from both trees
            whole = whole or index_files(site, text)
            target.write_bytes(whole[path])
    for path, data in sorted(made.items()):
        staging.add(path, data, "search")
        files[path] = hashlib.sha256(data).hexdigest()
    return ShardedIndex(fingerprint, dict(sorted(files.items())), entries)


def encode_postings(found: list[tuple[int, int]]) -> str:
    """`[number, counts, …]` with each number after the first as the step from the one before."""
    parts, last = [], 0
    for number, counts in found:
        parts.append(f"{number - last},{counts}")
        last = number
    return "[" + ",".join(parts) + "]"


def _shards(encoded: dict[str, str]) -> dict[str, list[str]]:
    """{prefix: its terms, sorted}: one shard per first character, split while too big."""
    groups: dict[str, list[str]] = {}
    for term in sorted(encoded):
        groups.setdefault(term[0], []).append(term)
    shards: dict[str, list[str]] = {}
    for prefix, members in sorted(groups.items()):
        shards.update(split(prefix, members, encoded))
    return dict(sorted(shards.items()))


def weight(term: str, postings: str) -> int:
    """A term's bytes in its shard file, its comma included (a file is its terms' weights + 1)."""
    return len(term.encode("utf-8")) + len(postings) + 4


def split(start: str, terms_under: list[str], encoded: dict[str, str]) -> dict[str, list[str]]:
    """{prefix: its terms} for the terms under one prefix: the prefix's own shard while it is at
    most SHARD_BYTES (or cannot be split), else split by the next character, and so on."""
    shards: dict[str, list[str]] = {}
    todo = [(start, sorted(terms_under))]
    while todo:
        prefix, members = todo.pop()
        size = sum(weight(t, encoded[t]) for t in members)
        longer = [t for t in members if len(t) > len(prefix)]
        if size <= SHARD_BYTES or not longer or len(members) == 1:
            shards[prefix] = members
            continue
        if own := [t for t in members if len(t) == len(prefix)]:
            shards[prefix] = own
        children: dict[str, list[str]] = {}
        for term in longer:
            children.setdefault(term[: len(prefix) + 1], []).append(term)
        todo.extend(sorted(children.items(), reverse=True))
    return shards


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
