"""Rendering posts: Markdown (and the post's notebooks) to HTML, cached by content, in parallel.

A rendered post's HTML is kept in the render store (`.journey-cache/render/`), not in memory:
the main process holds only what listings need, and the page stage loads each post's HTML
when it renders that post's page.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import Any

from ..config import SiteConfig
from ..errors import Diagnostic, warning
from .front_matter import ParsedCache
from .markdown import Highlights, ShortcodeProblem, create_markdown, render_markdown
from ..incremental.memo import Memo
from ..models import Heading, NotebookRequest, Post, RenderedPost
from ..parallel import parallel_map
from .sources import with_body
from ..website.write import write_atomically

FORMAT = "render-2"  # bump when rendering changes what a cached post would contain
_TAGS = re.compile(r"<[^>]+>")
_UNSEARCHABLE = re.compile(r"<math\b.*?</math>|<a class=\"header-anchor\".*?</a>", re.DOTALL)
_MARKDOWN: Any = None  # one MarkdownIt per process, made on first use
_ENTRY_KEYS = frozenset({"toc", "words", "summary", "run_cards", "warnings", "files", "html_size", "text_size"})


class RenderStore:
    """Rendered posts by content key: `<key>.json` (what listings need), `<key>.html` (the body),
    `<key>.txt` (plain text for search), plus content-addressed blobs for notebook images and
    executed notebooks."""

    def __init__(self, cache_dir: Path) -> None:
        self.folder = cache_dir / "render"
        self.blobs = cache_dir / "blobs"
        self.highlights = cache_dir / "highlight"

    def load(self, key: str) -> dict[str, Any] | None:
        """The entry, or None when it or a file it names is missing or damaged: render again."""
        try:
            entry = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return entry if self.intact(key, entry) else None

    def intact(self, key: str, entry: dict[str, Any]) -> bool:
        """Whether the files an entry names are all there. Sizes are checked, not hashes: writes
        are atomic, so damage from outside shows as a truncated or missing file, and a stat per
        file keeps an unchanged build cheap."""
        stem = f"{self.folder}{os.sep}{key}"  # strings, not Paths: a thousand posts, three stats each
        if not isinstance(entry, dict) or not _ENTRY_KEYS <= entry.keys():
            return False
        try:
            if os.stat(f"{stem}.html").st_size != entry["html_size"]:
                return False
            if os.stat(f"{stem}.txt").st_size != entry["text_size"]:
                return False
            return all((self.blobs / digest).stat().st_size == size for _, digest, size in entry["files"])
        except (OSError, KeyError, TypeError, ValueError, AttributeError):
            return False

    def save(self, key: str, entry: dict[str, Any], html: str, files: Sequence[tuple[str, bytes]]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        entry["files"] = []
        for name, data in files:
            digest = hashlib.sha256(data).hexdigest()
            blob = self.blobs / digest
            if not blob.is_file() or blob.stat().st_size != len(data):
                self.blobs.mkdir(parents=True, exist_ok=True)
                write_atomically(blob, data)
            entry["files"].append([name, digest, len(data)])
        body = html.encode("utf-8")
        text = entry.pop("text").encode("utf-8")
        entry["html_size"], entry["text_size"] = len(body), len(text)
        # Plain writes, the entry last: a write cut short leaves a size that load() rejects or no
        # entry at all, and either way the post renders again. (Atomic replaces cost 2× here.)
        (self.folder / f"{key}.html").write_bytes(body)
        (self.folder / f"{key}.txt").write_bytes(text)
        (self.folder / f"{key}.json").write_bytes(json.dumps(entry, sort_keys=True).encode("utf-8"))

    def html(self, item: RenderedPost) -> str:
        return (self.folder / f"{item.render_key}.html").read_text(encoding="utf-8")

    def text(self, key: str) -> str:
        return (self.folder / f"{key}.txt").read_text(encoding="utf-8")

    def blob(self, digest: str) -> bytes:
        return (self.blobs / digest).read_bytes()

    def prune(self, keep: Sequence[RenderedPost]) -> None:
        """Drop entries, blobs and highlighted blocks no current post uses, so the cache does not
        grow without bound (every run of a notebook leaves its executed copy and its images as
        blobs; every edit of a code block leaves its old highlighting)."""
        keys = {item.render_key for item in keep}
        digests, blocks = _in_use(keep)
        if self.folder.is_dir():
            for entry in self.folder.iterdir():
                if entry.suffix in (".json", ".html", ".txt") and entry.stem not in keys:
                    entry.unlink(missing_ok=True)
        for folder, wanted, suffix in ((self.blobs, digests, ""), (self.highlights, blocks, ".html")):
            if folder.is_dir():
                for name in os.listdir(folder):
                    if name.removesuffix(suffix) not in wanted:
                        (folder / name).unlink(missing_ok=True)

    def drop(self, entries: Mapping[str, dict[str, Any]], keep: Sequence[RenderedPost]) -> None:
        """Drop these entries, with their blobs and highlighted blocks unless a kept post uses them:
        what `prune` does, without listing the store, when the build knows what went."""
        digests, blocks = _in_use(keep)
        for key, entry in entries.items():
            for suffix in (".json", ".html", ".txt"):
                (self.folder / f"{key}{suffix}").unlink(missing_ok=True)
            for _, digest, _ in entry.get("files", ()):
                if digest not in digests:
                    (self.blobs / digest).unlink(missing_ok=True)
            for block in entry.get("highlights", ()):
                if block not in blocks:
                    (self.highlights / f"{block}.html").unlink(missing_ok=True)


def _in_use(keep: Sequence[RenderedPost]) -> tuple[set[str], set[str]]:
    """(blob digests, highlighted block keys) the kept posts use."""
    return {digest for item in keep for _, digest in item.files}, {key for item in keep for key in item.highlights}


def render_key(post: Post, executed: Sequence[Any], config: SiteConfig, code: str) -> str:
    """Everything a post's HTML depends on: its file, the base path, its notebooks' results and
    the code that renders it (`code`: a digest of journey's files)."""
    digest = hashlib.sha256()
    parts = (FORMAT, code, config.base_path, str(config.summary_words), post.display_path, post.url_path)
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(bytes.fromhex(post.digest) if post.digest else post.source.read_bytes())
    for use in post.notebooks:
        digest.update(use.request.notebook.read_bytes())  # markdown cells show even when cached
    for notebook in executed:
        digest.update(notebook.cache_key.encode("ascii") + hashlib.sha256(notebook.ipynb_bytes).digest())
        digest.update(json.dumps(notebook.run_info, sort_keys=True, default=str).encode("utf-8"))
    return digest.hexdigest()


def render_posts(
    posts: Sequence[Post],
    config: SiteConfig,
    executed: Mapping[NotebookRequest, Any],
    store: RenderStore,
    jobs: int,
    code: str,
    memo: Memo | None = None,
    cache: ParsedCache | None = None,
) -> tuple[list[RenderedPost], list[Diagnostic]]:
    """Render every post not already in the store; return them without their HTML. Entries the
    memo has are checked against the store's files instead of read from them."""
    work = []
    for post in posts:
        if any(use.request not in executed for use in post.notebooks):
            continue  # its notebook failed: that error is reported; the post would only add noise
        # A page shows the frozen result, whether this build ran the kernel or found it in
        # _freeze/: a clean build of the same sources (CI with --execute never) must match it.
        notebooks = [
            replace(executed[u.request], from_cache=True) for u in post.notebooks if u.request in executed
        ]
        work.append((post, notebooks, render_key(post, notebooks, config, code)))
    cached = {}
    for _, _, key in work:
        entry = memo.entry(key) if memo is not None else None
        cached[key] = entry if entry is not None and store.intact(key, entry) else store.load(key)
    fresh = [(with_body(config, post, cache), notebooks, key) for post, notebooks, key in work if cached[key] is None]
    errors: dict[str, list[Diagnostic]] = {}
    for key, entry, found in parallel_map(_render_one, fresh, config, store, jobs=jobs):
        cached[key], errors[key] = entry, found
    rendered: list[RenderedPost] = []
    problems: list[Diagnostic] = []
    for post, _, key in work:
        entry = cached[key]
        if entry is None:  # it failed to render: its diagnostics say why
            problems.extend(errors[key])
            continue
        if memo is not None:
            memo.remember_entry(key, entry)
        if entry["warnings"]:
            problems.extend(_diagnostics(entry["warnings"]))
        item = memo.rendered(key, post) if memo is not None else None
        if item is None:
            if post.body is not None:
                post = replace(post, body=None)  # the body is rendered: free it
            item = _from_entry(post, key, entry)
            if memo is not None:
                memo.remember_rendered(item)
        rendered.append(item)
    return rendered, problems


def _render_one(
    item: tuple[Post, list[Any], str], config: SiteConfig, store: RenderStore
) -> list[tuple[str, dict[str, Any] | None, list[Diagnostic]]]:
    """Render one post into the store: [(key, its listing entry, [])], or [(key, None, its errors)]."""
    global _MARKDOWN
    if _MARKDOWN is None:
        _MARKDOWN = create_markdown()
    post, executed, key = item
    notebooks = _post_notebooks(post, executed, config)
    highlights = Highlights(store.highlights)
    result = render_markdown(
        _MARKDOWN, post.body, path=post.display_path, first_line=post.body_line,
        base_path=config.base_path, shortcode=_shortcode_handler(notebooks),
        summary_words=config.summary_words, highlight=highlights,
    )
    if any(d.is_error for d in result.diagnostics):
        return [(key, None, result.diagnostics)]
    html = result.html + (notebooks.trailing_html() if notebooks is not None else "")
    entry = {
        "toc": [[h.level, h.text, h.anchor] for h in result.toc],
        "words": result.words,
        "summary": result.summary,
        # The token walk's text is cheaper than stripping HTML; notebook output exists only as HTML.
        "text": search_text(html) if notebooks is not None else escape(result.text, quote=False),
        "run_cards": notebooks.run_cards() if notebooks is not None else [],
        "highlights": sorted(highlights.used),
        "warnings": [[str(d.location.path), d.location.line, d.location.col, d.message] for d in result.diagnostics],
    }
    store.save(key, entry, html, sorted(notebooks.files()) if notebooks is not None else [])
    return [(key, entry, [])]


def search_text(html: str) -> str:
    """The words a reader sees: tags, MathML and heading anchors removed (entities stay
    encoded; the search index decodes them once)."""
    return " ".join(_TAGS.sub(" ", _UNSEARCHABLE.sub(" ", html)).split())


def _from_entry(post: Post, key: str, entry: dict[str, Any]) -> RenderedPost:
    return RenderedPost(
        post=post,
        html="",
        toc=tuple(map(Heading._make, entry["toc"])),
        words=entry["words"],
        summary=entry["summary"],
        files=tuple((name, digest) for name, digest, _ in entry["files"]),
        run_cards=tuple(entry["run_cards"]),
        render_key=key,
        highlights=tuple(entry.get("highlights", ())),
    )


def with_html(item: RenderedPost, store: RenderStore) -> RenderedPost:
    """The post with its HTML loaded from the store, for its page and the feed."""
    return replace(item, html=store.html(item))


def _diagnostics(rows: list[list[Any]]) -> list[Diagnostic]:
    return [warning(path, line, col, message) for path, line, col, message in rows]


def _post_notebooks(post: Post, executed: list[Any], config: SiteConfig) -> Any:
    """The notebook engine's per-post state, or None for a post without (usable) notebooks."""
    if not post.notebooks or len(executed) != len(post.notebooks):
        return None
    # Heavy (nbconvert): only posts with notebooks pay for it.
    from ..notebooks.embed import PostNotebooks

    return PostNotebooks(post, executed, config)


def _shortcode_handler(notebooks: Any) -> Any:
    if notebooks is None:
        return None

    def handle(name: str, args: list[str], kwargs: dict[str, str]) -> str:
        from ..notebooks.embed import ShortcodeError

        try:
            return notebooks.shortcode(name, args, kwargs)
        except ShortcodeError as exc:
            raise ShortcodeProblem(str(exc)) from exc

    return handle
