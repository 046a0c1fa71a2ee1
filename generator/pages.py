"""Pages: every HTML page, feed and asset of the assembled site, collected in memory."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import jinja2

from . import feeds
from .assemble import Site, Term, term_slug
from .errors import Diagnostic
from .models import RenderedPost
from .templates import Asset, has_template, render_page
from .write import MARKER, SiteFiles

_TAGS = re.compile(r"<[^>]+>")


def page_file(url_path: str) -> str:
    """The file behind a site URL path: `posts/x/` → `posts/x/index.html`."""
    return url_path + "index.html" if url_path == "" or url_path.endswith("/") else url_path


def render_site(site: Site, env: jinja2.Environment, assets: Mapping[str, Asset]) -> tuple[SiteFiles, list[Diagnostic]]:
    """Render every page and derived file of the site into a SiteFiles collection."""
    files = SiteFiles()
    problems: list[Diagnostic] = []
    renderer = _PageRenderer(site, env, files, problems)
    tag_slugs = {name: term_slug(name) for item in site.posts for name in item.post.tags}
    for listing in site.pages:
        renderer.page(listing.url_path, "index.html", "index", listing=listing, title=site.config.title)
    renderer.terms(site.tags, "tags", "Tag", feeds_too=True)
    renderer.terms(site.categories, "categories", "Category", feeds_too=False)
    renderer.page("tags/", "terms.html", "tags", title="Tags")
    renderer.page("archive/", "archive.html", "archive", title="Archive")
    renderer.page("journey/", "journey.html", "journey", title="The journey")
    renderer.page("search/", "search.html", "search", title="Search")
    renderer.page("404.html", "404.html", "404", title="Page not found")
    # Posts come after the site's own pages, so a permalink that takes one is reported at the post.
    for index, item in enumerate(site.posts):
        older, newer = site.neighbours(index)
        template = f"{item.post.layout}.html" if item.post.layout and has_template(env, f"{item.post.layout}.html") else "post.html"
        renderer.page(item.post.url_path, template, item.post.display_path, post=item, older=older,
                      newer=newer, tag_slugs=tag_slugs, json_ld=_json_ld(site, item),
                      title=item.post.title, description=item.post.description or item.summary)
        _post_files(files, item)
    _derived_files(site, files, renderer.page_paths, assets)
    return files, problems


class _PageRenderer:
    """Renders templates into `files`, remembering page paths for the sitemap."""

    def __init__(self, site: Site, env: jinja2.Environment, files: SiteFiles, problems: list[Diagnostic]):
        self.site, self.env, self.files, self.problems = site, env, files, problems
        self.page_paths: list[str] = []

    def page(self, url_path: str, template: str, origin: str, *, title: str, description: str = "", **extra: Any) -> None:
        context = {
            "site": self.site,
            "page": {"title": title, "description": description or self.site.config.description, "path": url_path},
            **extra,
        }
        html, found = render_page(self.env, template, context, origin)
        # A broken template breaks every page that uses it: say so once, not once per page.
        self.problems.extend(d for d in found if d not in self.problems)
        if not found:
            self.files.add(page_file(url_path), html, origin)
            if url_path != "404.html":
                self.page_paths.append(url_path)

    def terms(self, terms: tuple[Term, ...], folder: str, kind: str, *, feeds_too: bool) -> None:
        for term in terms:
            feed_path = f"{folder}/{term.slug}/feed.xml" if feeds_too else None
            self.page(f"{folder}/{term.slug}/", "term.html", f"{folder}/{term.slug}", term=term, kind=kind,
                      feed_path=feed_path, title=f"{kind}: {term.name}",
                      description=f"Posts filed under {term.name}.")
            if feed_path:
                self.files.add(feed_path, feeds.atom_feed(self.site, term.posts, feed_path=feed_path,
                               title=f"{self.site.config.title}: {term.name}",
                               page_path=f"{folder}/{term.slug}/"), feed_path)


def _post_files(files: SiteFiles, item: RenderedPost) -> None:
    """Assets beside `slug/index.md` and notebook outputs, next to the post's page."""
    folder = page_file(item.post.url_path).rpartition("/")[0]
    prefix = f"{folder}/" if folder else ""  # a permalink such as 'about.html' sits at the top
    post_dir = item.post.source.parent
    for asset in item.post.assets:
        files.add(f"{prefix}{asset.relative_to(post_dir).as_posix()}", asset.read_bytes(), item.post.display_path)
    for name, data in item.extra_files:
        files.add(f"{prefix}{name}", data, item.post.display_path)


def _derived_files(site: Site, files: SiteFiles, page_paths: list[str], assets: Mapping[str, Asset]) -> None:
    config = site.config
    files.add("feed.xml", feeds.atom_feed(site, site.posts, feed_path="feed.xml", title=config.title, page_path=""), "feed")
    files.add("sitemap.xml", feeds.sitemap(site, page_paths), "sitemap")
    files.add("robots.txt", feeds.robots(site), "robots")
    texts = {item.post.url_path: " ".join(_TAGS.sub(" ", item.html).split()) for item in site.posts}
    files.add("search.json", feeds.search_index(site, texts), "search")
    files.add(MARKER, b"", "journey")
    if config.cname:
        files.add("CNAME", config.cname.strip() + "\n", "settings")
    for asset in assets.values():
        files.add(asset.path, asset.data, "theme")
    static = config.root / config.static_dir
    if static.is_dir():
        for path in sorted(p for p in static.rglob("*") if p.is_file()):
            files.add(path.relative_to(static).as_posix(), path.read_bytes(), str(path))


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
    return json.dumps(data, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")

