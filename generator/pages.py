"""Pages: every HTML page, feed and asset of the assembled site, rendered into the staging folder.

Each page has a fingerprint — a hash of everything its template receives plus the theme — so a
rebuild renders only pages whose fingerprint changed and takes the rest from the previous site.
Post pages receive `post`, `older`, `newer`, `tag_slugs`, `json_ld` (never `site`: that keeps a
one-post edit from touching every other post page); listing pages receive `site`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from . import feeds
from .assemble import Site, term_slug
from .errors import Diagnostic
from .models import RenderedPost
from .parallel import parallel_map
from .render import RenderStore, with_html
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
    previous: Mapping[str, str],
    previous_out: Path | None,
    jobs: int,
) -> tuple[dict[str, str], list[Diagnostic]]:
    """Render or reuse every page; write derived files. Returns {page path: fingerprint}."""
    planned = _plan(site, env, theme)
    todo: list[tuple[PageJob, str]] = []
    for job in planned:
        old = previous_out / job.path if previous_out is not None else None
        if old is not None and previous.get(job.path) == job.fingerprint and old.is_file():
            staging.keep(job.path, job.origin)
        else:
            target = staging.claim(job.path, job.origin)
            if target is not None:
                todo.append((job, str(target)))
    _WORKER.update(site=site, env=env, store=store)
    try:
        problems = parallel_map(_render_job, todo, jobs=jobs, min_items=64)  # forking costs more below that
    finally:
        _WORKER.clear()
    unique = sorted(set(problems))  # a broken template breaks every page that uses it: say so once
    for item in site.posts:
        _post_files(staging, store, item)
    _derived_files(site, staging, store, [j.path for j in planned], assets)
    return {job.path: job.fingerprint for job in planned}, unique


def _render_job(item: tuple[PageJob, str]) -> list[Diagnostic]:
    job, target = item
    site: Site = _WORKER["site"]
    context = dict(job.context)
    if job.post_index >= 0:
        older, newer = site.neighbours(job.post_index)
        context.update(post=with_html(site.posts[job.post_index], _WORKER["store"]), older=older, newer=newer)
    else:
        context["site"] = site
    html, found = render_page(_WORKER["env"], job.template, context, job.origin)
    if not found:
        Path(target).write_text(html, encoding="utf-8")
    return found


def _plan(site: Site, env: jinja2.Environment, theme: str) -> list[PageJob]:
    """Every page of the site in a fixed order: the site's own pages first, so a post whose
    permalink takes one of them is the one reported."""
    listing_digest = _digest(theme, _site_digest(site))
    jobs = []

    def page(url_path: str, template: str, origin: str, *, title: str, description: str = "", **extra: Any) -> None:
        context = {"page": {"title": title, "description": description or site.config.description, "path": url_path}, **extra}
        jobs.append(PageJob(page_file(url_path), template, origin, _digest(listing_digest, url_path), -1, context))

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
        jobs.append(_post_job(site, env, theme, index, item))
    return jobs


def _post_job(site: Site, env: jinja2.Environment, theme: str, index: int, item: RenderedPost) -> PageJob:
    post = item.post
    layout = f"{post.layout}.html"
    template = layout if post.layout and has_template(env, layout) else "post.html"
    older, newer = site.neighbours(index)
    context = {
        "page": {"title": post.title, "description": post.description or item.summary, "path": post.url_path},
        "tag_slugs": {name: term_slug(name) for name in post.tags},
        "json_ld": _json_ld(site, item),
    }
    neighbours = [(n.post.url_path, n.post.title) if n else None for n in (older, newer)]
    fingerprint = _digest(theme, template, item.render_key, json.dumps([context, neighbours], sort_keys=True))
    return PageJob(page_file(post.url_path), template, post.display_path, fingerprint, index, context)


def _site_digest(site: Site) -> str:
    """What listing pages show of the posts: any change here re-renders every listing page."""
    rows = [
        [p.post.url_path, p.post.title, p.post.date.isoformat(), p.post.updated.isoformat() if p.post.updated else "",
         p.post.description, p.summary, list(p.post.tags), list(p.post.categories), p.post.pinned, p.post.draft,
         p.reading_minutes, bool(p.run_cards), p.post.author]
        for p in site.posts
    ]
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode("utf-8")).hexdigest()


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def _post_files(staging: Staging, store: RenderStore, item: RenderedPost) -> None:
    """Assets beside `slug/index.md` and notebook outputs, next to the post's page."""
    folder = page_file(item.post.url_path).rpartition("/")[0]
    prefix = f"{folder}/" if folder else ""  # a permalink such as 'about.html' sits at the top
    post_dir = item.post.source.parent
    for asset in item.post.assets:
        staging.add(f"{prefix}{asset.relative_to(post_dir).as_posix()}", asset.read_bytes(), item.post.display_path)
    for name, digest in item.files:
        staging.add(f"{prefix}{name}", store.blob(digest), item.post.display_path)


def _derived_files(
    site: Site, staging: Staging, store: RenderStore, page_paths: list[str], assets: Mapping[str, Asset]
) -> None:
    config = site.config
    newest = [with_html(item, store) for item in site.posts[: config.feed_entries]]
    staging.add("feed.xml", feeds.atom_feed(site, newest, feed_path="feed.xml", title=config.title, page_path=""), "feed")
    for term in site.tags:
        feed_path = f"tags/{term.slug}/feed.xml"
        staging.add(feed_path, feeds.atom_feed(site, term.posts, feed_path=feed_path, title=f"{config.title}: {term.name}",
                                               page_path=f"tags/{term.slug}/"), feed_path)
    pages = [_url_of(path) for path in page_paths if path != "404.html"]
    staging.add("sitemap.xml", feeds.sitemap(site, pages), "sitemap")
    staging.add("robots.txt", feeds.robots(site), "robots")
    staging.add_pieces("search.json", feeds.search_index(site, _SearchTexts(site, store)), "search")
    staging.add(MARKER, b"", "journey")
    if config.cname:
        staging.add("CNAME", config.cname.strip() + "\n", "settings")
    for asset in assets.values():
        staging.add(asset.path, asset.data, "theme")
    static = config.root / config.static_dir
    if static.is_dir():
        for path in sorted(p for p in static.rglob("*") if p.is_file()):
            staging.add(path.relative_to(static).as_posix(), path.read_bytes(), str(path))


class _SearchTexts(Mapping[str, str]):
    """Each post's plain text, read from the render store only when the index reaches it."""

    def __init__(self, site: Site, store: RenderStore) -> None:
        self.keys = {item.post.url_path: item.render_key for item in site.posts}
        self.store = store

    def __getitem__(self, url_path: str) -> str:
        return self.store.text(self.keys[url_path])

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys)

    def __len__(self) -> int:
        return len(self.keys)


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

