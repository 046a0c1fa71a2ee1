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
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import Diagnostic, SourceLocation
from ..models import NotebookRequest, NotebookUse, Post, RenderedPost
from ..website.write import write_atomically

FORMAT = "memo-5"


def memo_key(code: str, config: Any, settings: dict[str, str]) -> str:
    """What every memo entry silently depends on besides its own key."""
    parts = [FORMAT, code, repr(config), json.dumps(settings, sort_keys=True), os.getcwd(), sys.version]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


class Log:
    """A dict kept as a JSON-lines file: a header line (format and memo key), then one
    `[key, value]` line per change, a null value for a deletion, the last line for a key winning.
    Saving appends only what changed since the last load or save, so a one-post edit writes a few
    lines, not the whole memo; the file is rewritten once most of its lines are stale. A line cut
    short by a crash ends the log there, and the next save rewrites it."""

    def __init__(self, path: Path | None, key: str) -> None:
        self.path, self.key = path, key
        self.data: dict[str, Any] = {}
        self.changed: set[str] = set()
        self.lines = 0  # data lines in the file
        self.rewrite = True  # the file does not (yet) match `data` plus appended changes

    def load(self) -> None:
        if self.path is None:
            return
        try:
            with self.path.open("rb") as stream:
                header, *lines = stream.read().split(b"\n")
            if json.loads(header) != {"format": FORMAT, "key": self.key}:
                return
        except (OSError, ValueError):
            return
        torn = lines.pop() != b""  # the file ends with a newline unless a write was cut short
        try:
            rows = json.loads(b"[" + b",".join(lines) + b"]")
        except ValueError:
            rows, torn = _rows_until_bad(lines), True
        for row in rows:
            if not (isinstance(row, list) and len(row) == 2 and isinstance(row[0], str)):
                self.data, torn = {}, True  # not a line this class wrote: start over
                break
            name, value = row
            if value is None:
                self.data.pop(name, None)
            else:
                self.data[name] = value
        self.lines, self.rewrite = len(rows), torn

    def __setitem__(self, name: str, value: Any) -> None:
        self.data[name] = value
        self.changed.add(name)

    def keep_only(self, wanted: set[str]) -> None:
        gone = [name for name in self.data if name not in wanted]
        for name in gone:
            del self.data[name]
        self.changed.update(gone)

    def save(self) -> None:
        if self.path is None or (not self.changed and not self.rewrite):
            return
        if self.rewrite or self.lines + len(self.changed) > 2 * len(self.data) + 64:
            body = b"".join(_line([name, value]) for name, value in self.data.items())
            write_atomically(self.path, _line({"format": FORMAT, "key": self.key}) + body)
            self.lines, self.rewrite = len(self.data), False
        else:
            appended = b"".join(_line([name, self.data.get(name)]) for name in sorted(self.changed))
            with self.path.open("ab") as stream:
                stream.write(appended)
            self.lines += len(self.changed)
        self.changed.clear()


def _line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8") + b"\n"


def _rows_until_bad(lines: list[bytes]) -> list[Any]:
    rows = []
    for line in lines:
        try:
            rows.append(json.loads(line))
        except ValueError:
            break
    return rows


class Memo:
    """The memo of one output folder: `<name>.posts` and `<name>.entries` (logs) and `<name>.json`
    (where each document sits in search.json)."""

    def __init__(self, key: str = "", path: Path | None = None) -> None:
        self.key, self.path = key, path
        self.posts = Log(_beside(path, ".posts"), key)  # source → [digest, post, diagnostics]
        self.entries = Log(_beside(path, ".entries"), key)  # render key → store entry
        # search.json as last written: {"fingerprint": …, "size": bytes, "index": {document key: [start, length]}}
        self.search: dict[str, Any] = {}
        self.templates: dict[str, Any] = {}  # {"templates": digest, "facts": {page template: [sources, reads site]}}
        # The objects made from those rows, for a memo that lives on (serve): never saved.
        self.live_posts: dict[str, tuple[str, Post, list[Diagnostic]]] = {}  # source → (digest, post, problems)
        self.live_rendered: dict[str, RenderedPost] = {}  # render key → the post made of it

    @classmethod
    def load(cls, path: Path, key: str) -> Memo:
        """The memo at `path` when it was made under `key`; else an empty one (a full read)."""
        memo = cls(key, path)
        memo.posts.load()
        memo.entries.load()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") == FORMAT and data.get("key") == key:
                memo.search, memo.templates = _checked_search(data["search"]), _checked_templates(data["templates"])
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            memo.search, memo.templates = {}, {}
        return memo

    def rekey(self, key: str) -> None:
        """A resident memo (serve) whose settings or code changed: forget everything."""
        if key != self.key:
            self.__init__(key, self.path)  # type: ignore[misc]

    def save(self) -> None:
        if self.path is None:
            return
        self.posts.save()
        self.entries.save()
        data = {"format": FORMAT, "key": self.key, "search": self.search, "templates": self.templates}
        write_atomically(self.path, json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def keep_only(self, sources: Iterable[str], entry_keys: Iterable[str]) -> None:
        """Forget what the site no longer has, so the memo does not grow without bound."""
        wanted_sources, wanted_keys = set(sources), set(entry_keys)
        self.posts.keep_only(wanted_sources)
        self.entries.keep_only(wanted_keys)
        self.live_posts = {s: row for s, row in self.live_posts.items() if s in wanted_sources}
        self.live_rendered = {k: item for k, item in self.live_rendered.items() if k in wanted_keys}

    def entry(self, key: str) -> dict[str, Any] | None:
        return self.entries.data.get(key)

    def remember_entry(self, key: str, entry: dict[str, Any]) -> None:
        if key not in self.entries.data:
            self.entries[key] = entry

    def rendered(self, key: str, post: Post) -> RenderedPost | None:
        """The rendered post last made of this entry for this very post object (serve: both
        unchanged since the last rebuild)."""
        item = self.live_rendered.get(key)
        return item if item is not None and item.post is post else None

    def remember_rendered(self, item: RenderedPost) -> None:
        self.live_rendered[item.render_key] = item

    # -- posts ---------------------------------------------------------------------------

    def post(self, source: Path, digest: str, tz: Any) -> tuple[Post, list[Diagnostic]] | None:
        """(post without its body, its diagnostics) as read from the file with this digest, or None."""
        name = str(source)
        live = self.live_posts.get(name)
        if live is not None and live[0] == digest:
            return live[1], list(live[2])
        row = self.posts.data.get(name)
        if row is None or row[0] != digest:
            return None
        try:
            post, problems = _post_from_json(row[1], source, digest, tz), [_diagnostic_from_json(d) for d in row[2]]
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None
        self.live_posts[name] = (digest, post, problems)
        return post, list(problems)

    def remember_post(self, post: Post, problems: list[Diagnostic], tz: Any) -> None:
        """Keep a post read from its file; one with errors is read again next time instead (what
        it names may exist by then)."""
        if not any(d.is_error for d in problems):
            self.posts[str(post.source)] = [post.digest, _post_to_json(post, tz), [_diagnostic_to_json(d) for d in problems]]
            self.live_posts[str(post.source)] = (post.digest, replace(post, body=None), list(problems))


# -- posts as JSON -----------------------------------------------------------------------


def _checked_search(data: Any) -> dict[str, Any]:
    """The search index's layout as saved, or {} when it is not the shape `save` writes."""
    def span(value: Any) -> bool:
        return isinstance(value, list) and len(value) == 2 and all(type(n) is int and n >= 0 for n in value)

    good = (isinstance(data, dict) and isinstance(data.get("fingerprint"), str) and type(data.get("size")) is int
            and isinstance(data.get("index"), dict) and all(span(v) for v in data["index"].values()))
    return data if good else {}


def _checked_templates(data: Any) -> dict[str, Any]:
    """What was worked out about the templates, or {} when it is not the shape `save` writes."""
    good = (isinstance(data, dict) and isinstance(data.get("templates"), str) and isinstance(data.get("facts"), dict)
            and all(isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], bool)
                    for v in data["facts"].values()))
    return data if good else {}


def _beside(path: Path | None, suffix: str) -> Path | None:
    return path.with_suffix(suffix) if path is not None else None


def _post_to_json(post: Post, tz: Any) -> list[Any]:
    """A post as a row (not an object with named keys: a thousand posts load noticeably faster)."""
    return [
        str(post.source), post.display_path, post.slug, post.url_path, post.title,
        _moment_to_json(post.date, tz), _moment_to_json(post.updated, tz) if post.updated else None,
        post.description, list(post.tags), list(post.categories), post.author, post.pinned, post.draft,
        post.layout, post.body_line, [_use_to_json(use) for use in post.notebooks],
    ]


def _post_from_json(row: list[Any], path: Path, digest: str, tz: Any) -> Post:
    (source, shown, slug, url_path, title, moment, updated, description, tags, categories, author, pinned,
     draft, layout, body_line, notebooks) = row
    if source != str(path):
        raise ValueError(f"the memo's row for {path} names {source}")
    return Post(
        source=path,
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
