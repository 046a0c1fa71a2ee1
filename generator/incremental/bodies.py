"""What the page stage reads from the build store: rendered HTML, search text, files and
highlighted code blocks, by content key. Damage found at that point raises `DamagedEntry`."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .store import Store


class DamagedEntry(Exception):
    """A stored rendering turned out damaged when a page read it: the build starts again
    without it (`BuildSession.forget`), and it is rendered anew."""

    def __init__(self, render_key: str, what: str) -> None:
        super().__init__(render_key, what)
        self.render_key, self.what = render_key, what


def render_format() -> str:
    from ..content.render import FORMAT

    return FORMAT


@dataclass(frozen=True)
class StoredBodies:
    """Rendered HTML, search text and files, from the store; damage raises `DamagedEntry`.
    Picklable (forked page workers open their own connection)."""

    store: Store
    format: str = field(default_factory=render_format)

    def html(self, render_key: str) -> str:
        return self._get("html", render_key, render_key).decode("utf-8")

    def html_many(self, render_keys: Sequence[str]) -> dict[str, str]:
        """The HTML of each rendering, by key, in one lookup (a batch of pages)."""
        return self._many("html", render_keys)

    def text(self, render_key: str) -> str:
        return self._get("text", render_key, render_key).decode("utf-8")

    def text_many(self, render_keys: Sequence[str]) -> dict[str, str]:
        """The search text of each rendering, by key, in one lookup (a run of search documents)."""
        return self._many("text", render_keys)

    def stored_text(self, render_key: str) -> str | None:
        """A rendering's text while the store still has it (an earlier build's), else None."""
        data = self.store.get("text", render_key, self.format)
        return data.decode("utf-8") if data is not None else None

    def blob(self, digest: str, render_key: str) -> bytes:
        data = self._get("blob", digest, render_key)
        if hashlib.sha256(data).hexdigest() != digest:
            raise DamagedEntry(render_key, f"blob {digest[:16]}")
        return data

    def _many(self, kind: str, render_keys: Sequence[str]) -> dict[str, str]:
        found = self.store.get_many(kind, render_keys, self.format)
        for key in render_keys:
            if key not in found:
                raise DamagedEntry(key, f"{kind} {key[:16]}")
        return {key: data.decode("utf-8") for key, data in found.items()}

    def _get(self, kind: str, key: str, render_key: str) -> bytes:
        data = self.store.get(kind, key, self.format)
        if data is None:  # gone or damaged since `unrendered` saw it: render its post again
            raise DamagedEntry(render_key, f"{kind} {key[:16]}")
        return data


@dataclass(frozen=True)
class StoredHighlights:
    """Code blocks as an earlier build highlighted them, by highlight key (picklable)."""

    store: Store
    format: str = field(default_factory=render_format)

    def __call__(self, key: str) -> str | None:
        data = self.store.get("highlight", key, self.format)
        return data.decode("utf-8") if data is not None else None


@dataclass(frozen=True)
class StoredRenderings:
    """Where the render stage puts each rendering, in the process that made it: a forked worker
    writes its renderings' HTML, text and files to the store itself (and commits them, at
    `flush`, before its results go back), so megabytes of HTML never travel back to the parent,
    which gets only the listing entry (picklable)."""

    store: Store
    format: str = field(default_factory=render_format)

    def __call__(self, rendering: Any) -> None:
        store = self.store.local()
        for _, data in rendering.files:
            store.put("blob", hashlib.sha256(data).hexdigest(), self.format, data)
        for block, html in rendering.highlighted.items():
            store.put("highlight", block, self.format, html.encode("utf-8"))
        store.put("html", rendering.key, self.format, rendering.html.encode("utf-8"))
        store.put("text", rendering.key, self.format, rendering.text.encode("utf-8"))
        store.put_json("entry", rendering.key, self.format, rendering.entry)

    def flush(self) -> None:
        """Commit what this process stored, for the others to read (page workers, the parent)."""
        self.store.local().commit()
