"""What the last build worked out, kept for the next one, so a one-post edit costs one post.

The memo holds, per output folder:
- each post as read and validated, by the digest of its file;
- each rendered post's listing data (the render store's entry), by render key;
- where each post's document sits in the site's `search.json`, so the next index copies the
  unchanged documents' bytes instead of JSON-encoding megabytes of text again.

Every entry is keyed by content, so a stale entry is never used, only missed. The whole memo is
dropped when its key changes: journey's code, the settings, the build options, the working
folder (diagnostics show paths relative to it) or the Python version. It is JSON (never a
pickle): a cache folder must not be a way to run code. `serve` keeps one memo in memory for its
whole run and writes it when it stops.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import Diagnostic, SourceLocation
from .front_matter import UNCACHEABLE, decode, encode
from .models import NotebookRequest, NotebookUse, Post
from .write import write_atomically

FORMAT = "memo-2"


def memo_key(code: str, config: Any, settings: dict[str, str]) -> str:
    """What every memo entry silently depends on besides its own key."""
    parts = [FORMAT, code, repr(config), json.dumps(settings, sort_keys=True), os.getcwd(), sys.version]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


@dataclass
class Memo:
    key: str = ""
    path: Path | None = None  # where it is kept; None: in memory only
    posts: dict[str, list[Any]] = field(default_factory=dict)  # source → [digest, post, diagnostics]
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # render key → store entry
    # search.json as last written: {"fingerprint": …, "size": bytes, "index": {document key: [start, length]}}
    search: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, key: str) -> Memo:
        """The memo at `path` when it was made under `key`; else an empty one (a full read)."""
        memo = cls(key, path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("key") != key:
                return memo
            memo.posts, memo.entries, memo.search = data["posts"], data["entries"], data["search"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(key, path)  # missing or damaged: start over
        return memo

    def rekey(self, key: str) -> None:
        """A resident memo (serve) whose settings or code changed: forget everything."""
        if key != self.key:
            self.key, self.posts, self.entries, self.search = key, {}, {}, {}

    def save(self) -> None:
        if self.path is None:
            return
        data = {"format": FORMAT, "key": self.key, "posts": self.posts, "entries": self.entries, "search": self.search}
        write_atomically(self.path, json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def keep_only(self, sources: Iterable[str], entry_keys: Iterable[str]) -> None:
        """Forget what the site no longer has, so the memo does not grow without bound."""
        wanted_sources, wanted_entries = set(sources), set(entry_keys)
        self.posts = {s: row for s, row in self.posts.items() if s in wanted_sources}
        self.entries = {k: e for k, e in self.entries.items() if k in wanted_entries}

    # -- posts ---------------------------------------------------------------------------

    def post(self, source: str, digest: str, tz: Any) -> tuple[Post, list[Diagnostic]] | None:
        """(post without its body, its diagnostics) as read from the file with this digest, or None."""
        row = self.posts.get(source)
        if row is None or row[0] != digest:
            return None
        try:
            return _post_from_json(row[1], digest, tz), [_diagnostic_from_json(d) for d in row[2]]
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None

    def remember_post(self, post: Post, problems: list[Diagnostic], tz: Any) -> None:
        """Keep a post read from its file; one with errors, or with a date or front matter the
        memo cannot carry exactly, is read again next time instead."""
        if any(d.is_error for d in problems):
            return
        encoded = _post_to_json(post, tz)
        if encoded is not None:
            self.posts[str(post.source)] = [post.digest, encoded, [_diagnostic_to_json(d) for d in problems]]


# -- posts as JSON -----------------------------------------------------------------------


def _post_to_json(post: Post, tz: Any) -> list[Any] | None:
    """A post as a row (not an object with named keys: a thousand posts load noticeably faster)."""
    front_matter = encode(post.front_matter)
    if front_matter is UNCACHEABLE:
        return None
    return [
        str(post.source), post.display_path, post.slug, post.url_path, post.title,
        _moment_to_json(post.date, tz), _moment_to_json(post.updated, tz) if post.updated else None,
        post.description, list(post.tags), list(post.categories), post.author, post.pinned, post.draft,
        post.layout, post.body_line, [_use_to_json(use) for use in post.notebooks], front_matter,
    ]


def _post_from_json(row: list[Any], digest: str, tz: Any) -> Post:
    (source, shown, slug, url_path, title, moment, updated, description, tags, categories, author, pinned,
     draft, layout, body_line, notebooks, front_matter) = row
    return Post(
        source=Path(source),
        display_path=shown,
        slug=slug,
        url_path=url_path,
        title=title,
        date=_moment_from_json(moment, tz),
        updated=_moment_from_json(updated, tz) if updated else None,
        description=description,
        tags=tuple(tags),
        categories=tuple(categories),
        author=author,
        pinned=pinned,
        draft=draft,
        layout=layout,
        body=None,  # read again only if the post has to be rendered
        body_line=body_line,
        notebooks=tuple(_use_from_json(use) for use in notebooks),
        front_matter=decode(front_matter),
        digest=digest,
    )


def _moment_to_json(moment: datetime, tz: Any) -> list[str]:
    """A date in the blog's time zone is kept as wall time (restored with that zone, as it was
    read); one with its own offset keeps the offset."""
    if moment.tzinfo is tz:
        return [moment.replace(tzinfo=None).isoformat(), "zone"]
    return [moment.isoformat(), ""]


def _moment_from_json(data: list[str], tz: Any) -> datetime:
    moment = datetime.fromisoformat(data[0])
    return moment.replace(tzinfo=tz) if data[1] == "zone" else moment


def _use_to_json(use: NotebookUse) -> dict[str, Any]:
    request = use.request
    return {
        "post": use.post,
        "line": use.line,
        "notebook": str(request.notebook),
        "params": [list(pair) for pair in request.params],
        "timeout": request.timeout,
        "allow_errors": request.allow_errors,
        "deps": [str(d) for d in request.deps],
        "execute": request.execute,
    }


def _use_from_json(data: dict[str, Any]) -> NotebookUse:
    request = NotebookRequest(
        notebook=Path(data["notebook"]),
        params=tuple((name, value) for name, value in data["params"]),
        timeout=data["timeout"],
        allow_errors=data["allow_errors"],
        deps=tuple(Path(d) for d in data["deps"]),
        execute=data["execute"],
    )
    return NotebookUse(post=data["post"], line=data["line"], request=request)


def _diagnostic_to_json(diagnostic: Diagnostic) -> list[Any]:
    where = diagnostic.location
    return [where.path, where.line, where.col, diagnostic.severity, diagnostic.message]


def _diagnostic_from_json(data: list[Any]) -> Diagnostic:
    path, line, col, severity, message = data
    return Diagnostic(SourceLocation(path, line, col), severity, message)
