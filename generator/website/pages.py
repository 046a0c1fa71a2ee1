"""Pages: every HTML page, feed and asset of the assembled site, rendered into the staging folder.

Every file has a fingerprint — for a page, a hash of what its context holds, the templates it
is rendered with and the settings — so a rebuild writes only files whose fingerprint changed
and keeps the rest of the previous site. Post pages receive `post`, `older`, `newer`,
`tag_slugs`, `json_ld` (never `site`: that keeps a one-post edit from touching every other post
page); listing pages receive their listing or term, and `site`, which only the templates that
read it (found by Jinja's parser) depend on.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Self

import jinja2

from . import feeds
from .assemble import ListingPage, Site, Term, term_slug
from ..errors import Diagnostic
from ..incremental.memo import Memo
from ..models import RenderedPost
from ..parallel import parallel_map
from ..content.render import RenderStore, with_html
from .templates import Asset, has_template, render_page
from .write import MARKER, Staging

_WORKER: dict[str, Any] = {}  # what forked page workers inherit: site, environment, store


@dataclass(frozen=True)
class PageJob:
    """One page to render: where it goes, with which template, and what it depends on."""

    path: str
    template: str
    origin: str
    fingerprint: str
    post_index: int = -1  # for post pages: the index into site.posts
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def page_file(url_path: str) -> str:
    """The file behind a site URL path: `posts/x/` → `posts/x/index.html`."""
    return url_path + "index.html" if url_path == "" or url_path.endswith("/") else url_path


def render_site(
    site: Site,
    env: jinja2.Environment,
    assets: Mapping[str, Asset],
    store: RenderStore,
    staging: Staging,
    *,
    theme: str,
    templates: str,
    jobs: int,
    memo: Memo | None = None,
) -> tuple[int, list[Diagnostic]]:
    """Render every page whose fingerprint changed, keep the rest, write derived files.
    `theme` stands for the settings, the assets and journey's code; `templates` for the
    template files. Returns (pages rendered, problems)."""
    planned = _plan(site, env, theme, _TemplateFacts(env, templates, memo))
    todo = [(job, str(target)) for job in planned if (target := staging.claim(job.path, job.origin, job.fingerprint))]
    _WORKER.update(site=site, env=env, store=store)
    try:
        problems = parallel_map(_render_job, todo, jobs=jobs, min_items=64)  # forking costs more below that
    finally:
        _WORKER.clear()
    unique = sorted(set(problems))  # a broken template breaks every page that uses it: say so once
    for item in site.posts:
        _post_files(staging, store, item)
    _derived_files(site, staging, store, [j.path for j in planned], assets, theme, memo)
    return len(todo), unique


def _render_job(item: tuple[PageJob, str]) -> list[Diagnostic]:
    job, target = item
    site: Site = _WORKER["site"]
    if job.post_index >= 0:
        post = site.posts[job.post_index]
        older, newer = site.neighbours(job.post_index)
        context = {**_post_context(site, post), "post": with_html(post, _WORKER["store"]), "older": older, "newer": newer}
    else:
        context = {**job.context, "site": site}
    html, found = render_page(_WORKER["env"], job.template, context, job.origin)
    if not found:
        Path(target).write_text(html, encoding="utf-8")
    return found


def _plan(site: Site, env: jinja2.Environment, theme: str, facts: _TemplateFacts) -> list[PageJob]:
    """Every page of the site in a fixed order: the site's own pages first, so a post whose
    permalink takes one of them is the one reported.

    A page's fingerprint covers the templates it is rendered with (not the others: editing
    post.html leaves the listings alone) and what its context holds. For a listing page, that is
    its own posts' listing rows (a tag page: the tag's posts), or every post's when its
    templates read `site` (the archive, say): a title edit re-renders the pages that list the
    post, not every listing page."""
    site_rows = hashlib.sha256(b"".join(item.listing_digest for item in site.posts)).hexdigest()
    jobs = []

    def page(url_path: str, template: str, origin: str, *, title: str, description: str = "", **extra: Any) -> None:
        context = {"page": {"title": title, "description": description or site.config.description, "path": url_path}, **extra}
        sources, reads_site = facts(template)
        shown = site_rows if reads_site else _context_digest(context)
        fingerprint = _digest(theme, template, sources, url_path, shown)
        jobs.append(PageJob(page_file(url_path), template, origin, fingerprint, -1, context))

    for listing in site.pages:
        # Each listing page gets its own <title>: search engines treat equal titles as duplicates.
        title = site.config.title if listing.number == 1 else f"Page {listing.number}"
        page(listing.url_path, "index.html", "index", listing=listing, title=title)
    for terms, folder, kind in ((site.tags, "tags", "Tag"), (site.categories, "categories", "Category")):
        for term in terms:
            feed_path = f"{folder}/{term.slug}/feed.xml" if folder == "tags" else None
            page(f"{folder}/{term.slug}/", "term.html", f"{folder}/{term.slug}", term=term, kind=kind,
                 feed_path=feed_path, title=f"{kind}: {term.name}", description=f"Posts filed under {term.name}.")
    page("tags/", "terms.html", "tags", title="Tags", description="Every tag and category, with the number of posts in each.")
    page("archive/", "archive.html", "archive", title="Archive", description="Every post, year by year.")
    page("journey/", "journey.html", "journey", title="The journey",
         description="The posts in the order they are meant to be read, phase by phase.")
    page("search/", "search.html", "search", title="Search", description="Search every post.")
    page("404.html", "404.html", "404", title="Page not found")
    for index, item in enumerate(site.posts):
        jobs.append(_post_job(site, env, theme, facts, index, item))
    return jobs


def _context_digest(context: dict[str, Any]) -> str:
    """A listing page's context as a digest, each post in it by its listing digest."""
    digest = hashlib.sha256()

    def add(value: Any) -> None:
        if isinstance(value, RenderedPost):
            digest.update(value.listing_digest)
        elif isinstance(value, (ListingPage, Term)):
            digest.update(type(value).__name__.encode("utf-8"))
            for f in fields(value):
                add(getattr(value, f.name))
        elif isinstance(value, (list, tuple)):
            digest.update(b"[%d" % len(value))
            for item in value:
                add(item)
        elif isinstance(value, dict):
            digest.update(b"{%d" % len(value))
            for key, item in value.items():
                add(key)
                add(item)
        else:
            digest.update(repr(value).encode("utf-8") + b"\0")

    add(context)
    return digest.hexdigest()


class _TemplateFacts:
    """Per page template, what its fingerprint needs: a digest of its source and of every
    template it extends, includes or imports, and whether any of them reads `site` (Jinja's own
    analysis of the sources). A template named only at render time could be any: then every
    template counts, and `site` is taken as read. Remembered in the memo per theme."""

    def __init__(self, env: jinja2.Environment, templates: str, memo: Memo | None) -> None:
        self.env, self.templates = env, templates
        known = memo.templates if memo is not None else {}
        self.facts: dict[str, list[Any]] = dict(known["facts"]) if known.get("templates") == templates else {}
        if memo is not None:
            memo.templates = {"templates": templates, "facts": self.facts}

    def __call__(self, template: str) -> tuple[str, bool]:
        if template not in self.facts:
            self.facts[template] = list(self._work_out(template))
        sources, reads_site = self.facts[template]
        return sources, reads_site

    def _work_out(self, template: str) -> tuple[str, bool]:
        from jinja2 import meta

        digest, reads_site = hashlib.sha256(), False
        seen: set[str] = set()
        todo: list[str | None] = [template]
        while todo:
            name = todo.pop()
            if name is None:
                return self.templates, True
            if name in seen:
                continue
            seen.add(name)
            try:
                source = self.env.loader.get_source(self.env, name)[0]  # type: ignore[union-attr]
                tree = self.env.parse(source)
            except jinja2.TemplateError:  # rendering reports it; until fixed, depend on everything
                return self.templates, True
            digest.update(name.encode("utf-8") + b"\0" + source.encode("utf-8") + b"\0")
            reads_site = reads_site or "site" in meta.find_undeclared_variables(tree)
            todo.extend(sorted(meta.find_referenced_templates(tree), key=lambda n: n or ""))
        return digest.hexdigest(), reads_site


def _post_job(
    site: Site, env: jinja2.Environment, theme: str, facts: _TemplateFacts, index: int, item: RenderedPost
) -> PageJob:
    """A post page's job. Its context (`_post_context`) is made only if the page is rendered:
    the fingerprint stands for it. The render key covers the post's file, rendering and
    notebooks; `theme` the settings, assets and journey's code; `facts` its templates; the dates are
    there because a post without one takes it from git."""
    post = item.post
    layout = f"{post.layout}.html"
    template = layout if post.layout and has_template(env, layout) else "post.html"
    neighbours = [(n.post.url_path, n.post.title) if n else None for n in site.neighbours(index)]
    fingerprint = _digest(theme, template, facts(template)[0], item.render_key, repr((post.stamps, neighbours)))
    return PageJob(page_file(post.url_path), template, post.display_path, fingerprint, index)


def _post_context(site: Site, item: RenderedPost) -> dict[str, Any]:
    post = item.post
    return {
        "page": {"title": post.title, "description": post.description or item.summary, "path": post.url_path},
        "tag_slugs": {name: term_slug(name) for name in post.tags},
        "json_ld": _json_ld(site, item),
    }


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def _posts_digest(theme: str, name: str, items: Sequence[RenderedPost]) -> str:
    """A fingerprint for a file made from whole posts (a feed, the search index)."""
    return _digest(theme, name, repr([(item.render_key, item.post.stamps) for item in items]))


def _post_files(staging: Staging, store: RenderStore, item: RenderedPost) -> None:
    """Assets beside `slug/index.md` and notebook outputs, next to the post's page."""
    folder = page_file(item.post.url_path).rpartition("/")[0]
    prefix = f"{folder}/" if folder else ""  # a permalink such as 'about.html' sits at the top
    post_dir = item.post.source.parent
    for asset in item.post.assets:
        staging.add(f"{prefix}{asset.relative_to(post_dir).as_posix()}", asset.read_bytes(), item.post.display_path)
    for name, digest in item.files:
        # The blob's name is its content hash: an unchanged one is neither read nor written.
        target = staging.claim(f"{prefix}{name}", item.post.display_path, digest)
        if target is not None:
            target.write_bytes(store.blob(digest))


def _derived_files(
    site: Site, staging: Staging, store: RenderStore, page_paths: list[str], assets: Mapping[str, Asset],
    theme: str, memo: Memo | None,
) -> None:
    config = site.config
    newest = site.posts[: config.feed_entries]
    target = staging.claim("feed.xml", "feed", _posts_digest(theme, "feed.xml", newest))
    if target is not None:
        with_text = [with_html(item, store) for item in newest]
        target.write_text(feeds.atom_feed(site, with_text, feed_path="feed.xml", title=config.title, page_path=""),
                          encoding="utf-8")
    for term in site.tags:
        feed_path = f"tags/{term.slug}/feed.xml"
        chosen = term.posts[: config.feed_entries]
        target = staging.claim(feed_path, feed_path, _posts_digest(theme, f"{feed_path}\0{term.name}", chosen))
        if target is not None:
            target.write_text(feeds.atom_feed(site, chosen, feed_path=feed_path, title=f"{config.title}: {term.name}",
                                              page_path=f"tags/{term.slug}/"), encoding="utf-8")
    pages = [_url_of(path) for path in page_paths if path != "404.html"]
    dated = repr([(item.post.url_path, item.post.stamps) for item in site.posts])  # what lastmod shows
    target = staging.claim("sitemap.xml", "sitemap", _digest(theme, repr(pages), dated))
    if target is not None:
        target.write_text(feeds.sitemap(site, pages), encoding="utf-8")
    staging.add("robots.txt", feeds.robots(site), "robots")
    fingerprint = _posts_digest(theme, "search.json", site.posts)
    target = staging.claim("search.json", "search", fingerprint)
    if target is not None:
        _write_search_index(site, store, target, fingerprint, _previous_search_index(staging, memo), memo)
    staging.add(MARKER, b"", "journey")
    if config.cname:
        staging.add("CNAME", config.cname.strip() + "\n", "settings")
    for asset in assets.values():
        staging.add(asset.path, asset.data, "theme")
    static = config.root / config.static_dir
    if static.is_dir():
        for path in sorted(p for p in static.rglob("*") if p.is_file()):
            staging.add(path.relative_to(static).as_posix(), path.read_bytes(), str(path))


def _previous_search_index(staging: Staging, memo: Memo | None) -> tuple[Path | None, dict[str, list[int]]]:
    """The current site's search.json and where each document sits in it, when the memo knows
    (it describes the file of the last committed build: the manifest's fingerprint says so)."""
    known = memo.search if memo is not None else {}
    if not known or staging.previous.get("search.json") != known.get("fingerprint"):
        return None, {}
    path = staging.out / "search.json"
    try:
        if path.stat().st_size == known["size"]:
            return path, known["index"]
    except OSError:
        pass
    return None, {}


def _write_search_index(
    site: Site, store: RenderStore, target: Path, fingerprint: str,
    previous: tuple[Path | None, dict[str, list[int]]], memo: Memo | None,
) -> None:
    """search.json: one JSON document per post, newest first, streamed (with a thousand posts it
    is megabytes). Documents the previous index already has (same rendering, same date) are
    copied from it byte for byte, runs of them at a time, by the kernel: a one-post edit neither
    encodes nor reads the other megabytes."""
    old, spans = previous
    index: dict[str, list[int]] = {}
    offset = 1
    with _Pieces(target, old) as out:
        out.write(b"[")
        for number, item in enumerate(site.posts):
            key = search_key(item)
            span = spans.get(key) if old is not None else None
            if number:
                offset += 1
            if span is not None:
                out.copy(span[0], span[1], comma=number > 0)
                size = span[1]
            else:
                document = feeds.search_document(site, item, store.text(item.render_key)).encode("utf-8")
                out.write(b"," + document if number else document)
                size = len(document)
            index[key] = [offset, size]
            offset += size
        out.write(b"]")
    if memo is not None:
        memo.search = {"fingerprint": fingerprint, "size": offset + 1, "index": index}


class _Pieces:
    """A file written from bytes and from ranges of another file. Adjacent ranges (with the comma
    between them) are merged and copied with copy_file_range, so the bytes never pass through
    this process; where the file system cannot, they are read and written."""

    def __init__(self, target: Path, source: Path | None) -> None:
        self.target, self.source = target, source
        self.pending: list[int] | None = None  # [start, end) of the source, not yet copied
        self.kernel_copy = hasattr(os, "copy_file_range")

    def __enter__(self) -> Self:
        self.out = os.open(self.target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.old = os.open(self.source, os.O_RDONLY) if self.source is not None else -1
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self._flush()
        finally:
            os.close(self.out)
            if self.old != -1:
                os.close(self.old)

    def write(self, data: bytes) -> None:
        self._flush()
        _write_all(self.out, data)

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
                _write_all(self.out, chunk)
                copied = len(chunk)
            if copied == 0:
                raise OSError(f"{self.source} is shorter than the memo says")
            start += copied


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]


def search_key(item: RenderedPost) -> str:
    """What a search document is made of: the rendered post and its date (a post without a
    date in its file takes it from git)."""
    return f"{item.render_key}:{item.post.stamps[0]}"


def _url_of(path: str) -> str:
    return path.removesuffix("index.html")


def _json_ld(site: Site, item: RenderedPost) -> str:
    post = item.post
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "description": post.description or item.summary,
        "datePublished": post.date.isoformat(),
        "dateModified": (post.updated or post.date).isoformat(),
        "url": site.config.absolute_url(post.url_path),
        "mainEntityOfPage": site.config.absolute_url(post.url_path),
        "keywords": list(post.tags),
        "wordCount": item.words,
        "inLanguage": site.config.language,
        "author": {"@type": "Person", "name": post.author or site.config.author or site.config.title},
        "publisher": {"@type": "Organization", "name": site.config.title},
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")

