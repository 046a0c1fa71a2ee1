"""The search index, `search.json`: one JSON document per post, newest first, streamed.

With a thousand posts it is megabytes. A rebuild copies the documents the previous index
already has (same rendering, same date) byte for byte, runs of them at a time, by the kernel:
a one-post edit neither encodes nor reads the other megabytes. Where each document sits is a
`SearchLayout`, which the caller keeps beside the index it describes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from ..files import write_all
from ..models import RenderedPost
from . import feeds
from .assemble import Site


@dataclass(frozen=True)
class SearchLayout:
    """Where each post's document sits in one search.json: its fingerprint (which file it
    describes), its size, and {search key: [start, length]}."""

    FORMAT = "search-1"
    slot = ""  # its key in the build store is the build's tag itself

    fingerprint: str
    size: int
    spans: dict[str, list[int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"fingerprint": self.fingerprint, "size": self.size, "spans": self.spans}

    @classmethod
    def from_json(cls, data: Any) -> SearchLayout | None:
        """The layout `to_json` wrote, or None when `data` is not of that shape (a span that is not
        two offsets fails the copy, which then makes every document again)."""
        if not (isinstance(data, dict) and isinstance(data.get("fingerprint"), str) and type(data.get("size")) is int
                and isinstance(data.get("spans"), dict)):
            return None
        return cls(data["fingerprint"], data["size"], data["spans"])


def search_key(item: RenderedPost) -> str:
    """What a search document is made of: the rendered post and its date (a post without a
    date in its file takes it from git)."""
    return f"{item.render_key}:{item.post.stamps[0]}"


WRITE_AT_ONCE = 1 << 18  # bytes of documents gathered before one write
TEXTS_AT_ONCE = 200  # posts whose search text is read in one lookup: by key (the store's BY_KEY_MOST), not a scan of every text


def write_search_index(
    site: Site, texts: Callable[[Sequence[str]], Mapping[str, str]], target: Path, fingerprint: str,
    previous: tuple[Path, SearchLayout] | None,
) -> SearchLayout:
    """Write search.json to `target`; `texts(render_keys)` is those posts' plain text, by key;
    `previous` is an earlier index and its layout, whose documents are copied rather than made
    again."""
    old, spans = (previous[0], previous[1].spans) if previous is not None else (None, {})
    index: dict[str, list[int]] = {}
    offset = 1
    text: Mapping[str, str] = {}
    keys = [search_key(item) for item in site.posts]
    with _Pieces(target, old) as out:
        out.write(b"[")
        for number, item in enumerate(site.posts):
            key = keys[number]
            span = spans.get(key)
            if number:
                offset += 1
            if _is_span(span):
                out.copy(span[0], span[1], comma=number > 0)
                size = span[1]
            else:
                if item.render_key not in text:  # this post's and the next ones' that need a document
                    run = range(number, min(number + TEXTS_AT_ONCE, len(keys)))
                    text = texts([site.posts[at].render_key for at in run if not _is_span(spans.get(keys[at]))])
                document = feeds.search_document(site, item, text[item.render_key]).encode("utf-8")
                out.write(b"," + document if number else document)
                size = len(document)
            index[key] = [offset, size]
            offset += size
        out.write(b"]")
    return SearchLayout(fingerprint, offset + 1, index)


def _is_span(span: Any) -> bool:
    """Whether a layout's entry is [start, length] in the previous index."""
    return type(span) is list and len(span) == 2 and type(span[0]) is type(span[1]) is int


def previous_index(path: Path, layout: SearchLayout | None, fingerprint: str | None) -> tuple[Path, SearchLayout] | None:
    """The site's current search.json with its layout, when the layout describes that very file
    (the site's record gives the file's fingerprint) and the file has the size it says."""
    if layout is None or fingerprint != layout.fingerprint:
        return None
    try:
        return (path, layout) if path.stat().st_size == layout.size else None
    except OSError:
        return None


class _Pieces:
    """A file written from bytes and from ranges of another file. Adjacent ranges (with the comma
    between them) are merged and copied with copy_file_range, so the bytes never pass through
    this process; where the file system cannot, they are read and written. Bytes are written a
    quarter MiB at a time (a first build's 4,000 documents: one write each took ~8 ms)."""

    def __init__(self, target: Path, source: Path | None) -> None:
        self.target, self.source = target, source
        self.pending: list[int] | None = None  # [start, end) of the source, not yet copied
        self.kernel_copy = hasattr(os, "copy_file_range")
        self.unwritten: list[bytes] = []
        self.unwritten_size = 0

    def __enter__(self) -> Self:
        self.out = os.open(self.target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.old = os.open(self.source, os.O_RDONLY) if self.source is not None else -1
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self._flush()
                self._write_out()
        finally:
            os.close(self.out)
            if self.old != -1:
                os.close(self.old)

    def write(self, data: bytes) -> None:
        self._flush()
        self.unwritten.append(data)
        self.unwritten_size += len(data)
        if self.unwritten_size >= WRITE_AT_ONCE:
            self._write_out()

    def _write_out(self) -> None:
        if self.unwritten:
            write_all(self.out, b"".join(self.unwritten))
            self.unwritten, self.unwritten_size = [], 0

    def copy(self, start: int, size: int, *, comma: bool) -> None:
        """Copy the source's document at `start`, after a comma when `comma`: with the document
        before it, comma and all, when that one came from just before it in the source."""
        if comma and self.pending is not None and self.pending[1] + 1 == start:
            self.pending[1] = start + size
            return
        if comma:
            self.write(b",")
        self._flush()
        self.pending = [start, start + size]

    def _flush(self) -> None:
        if self.pending is None:
            return
        self._write_out()  # what comes before the copied range
        start, end = self.pending
        self.pending = None
        while start < end:
            if self.kernel_copy:
                try:
                    copied = os.copy_file_range(self.old, self.out, end - start, start)
                except OSError:  # another file system, or one that cannot
                    self.kernel_copy = False
                    continue
            else:
                chunk = os.pread(self.old, min(end - start, 1 << 20), start)
                write_all(self.out, chunk)
                copied = len(chunk)
            if copied == 0:
                raise OSError(f"{self.source} is shorter than its layout says")
            start += copied

