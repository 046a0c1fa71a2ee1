"""The files of a site beside its pages: the posts' own files (assets, notebook outputs), the
feeds, sitemap, robots.txt and llms.txt, the search index, the theme's assets, the static and
copied folders, redirects. Each is claimed in the staging folder under a fingerprint of what it
is made from, so a rebuild writes only those that changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..models import PostWithBody, RenderedPost
from . import feeds
from .assemble import Site
from .copied import copied_files, outside_blog
from .llms import llms_txt
from .record import MARKER
from .redirects import redirect_pages
from .search import SearchLayout, previous_index, write_search_index
from .search_engine import PAGEFIND_FOLDER, SHARDED_FOLDER, pagefind_binary
from .templates import Asset
from .write import Staging

if TYPE_CHECKING:
    from .pagefind import PagefindBundle


def page_file(url_path: str) -> str:
    """The file behind a site URL path: `posts/x/` → `posts/x/index.html`."""
    return url_path + "index.html" if url_path == "" or url_path.endswith("/") else url_path


class Bodies(Protocol):
    """Where a rendered post's HTML, search text and files are found, by content key."""

    def html(self, render_key: str) -> str: ...

    def html_many(self, render_keys: Sequence[str]) -> dict[str, str]: ...  # one lookup for a batch of pages

    def text(self, render_key: str) -> str: ...

    def text_many(self, render_keys: Sequence[str]) -> dict[str, str]: ...  # one lookup for a run of documents

    def stored_text(self, render_key: str) -> str | None: ...  # an earlier build's, None when gone

    def blob(self, digest: str, render_key: str) -> bytes: ...


def digest_of(*parts: str) -> str:
    """A fingerprint of strings, each ended by a NUL."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def site_digest(site: Site) -> str:
    """What every listing shows of every post, in order (llms.txt)."""
    return hashlib.sha256(b"".join(item.listing_digest for item in site.posts)).hexdigest()


def _postsdigest_of(theme: str, name: str, items: Sequence[RenderedPost]) -> str:
    """A fingerprint for a file made from whole posts (a feed, the search index)."""
    return digest_of(theme, name, repr([(item.render_key, item.post.stamps) for item in items]))


def post_files(staging: Staging, bodies: Bodies, item: RenderedPost, root: Path) -> None:
    """Assets beside `slug/index.md` and notebook outputs, next to the post's page."""
    if not item.post.assets and not item.files:
        return
    folder = page_file(item.post.url_path).rpartition("/")[0]
    prefix = f"{folder}/" if folder else ""  # a permalink such as 'about.html' sits at the top
    post_dir = item.post.source.parent
    for asset in item.post.assets:
        if (outside := outside_blog(asset, root)) is not None:
            staging.problems.append(outside)
            continue
        staging.add(f"{prefix}{asset.relative_to(post_dir).as_posix()}", asset.read_bytes(), item.post.display_path)
    for name, digest in item.files:
        # The blob's name is its content hash: an unchanged one is neither read nor written.
        target = staging.claim(f"{prefix}{name}", item.post.display_path, digest)
        if target is not None:
            target.write_bytes(bodies.blob(digest, item.render_key))


def derived_files(
    site: Site, staging: Staging, bodies: Bodies, page_paths: list[str], assets: Mapping[str, Asset],
    theme: str, search: tuple[str, SearchLayout | PagefindBundle | None],
) -> SearchLayout | PagefindBundle | None:
    config = site.config
    newest = site.posts[: config.feed_entries]
    target = staging.claim("feed.xml", "feed", _postsdigest_of(theme, "feed.xml", newest))
    if target is not None:
        whole = [PostWithBody(item, bodies.html(item.render_key)) for item in newest]
        target.write_text(feeds.atom_feed(site, whole, feed_path="feed.xml", title=config.title, page_path=""),
                          encoding="utf-8")
    for term in site.tags:
        feed_path = f"tags/{term.slug}/feed.xml"
        chosen = term.posts[: config.feed_entries]
        target = staging.claim(feed_path, feed_path, _postsdigest_of(theme, f"{feed_path}\0{term.name}", chosen))
        if target is not None:
            target.write_text(feeds.atom_feed(site, chosen, feed_path=feed_path, title=f"{config.title}: {term.name}",
                                              page_path=f"tags/{term.slug}/"), encoding="utf-8")
    pages = [_url_of(path) for path in page_paths if path != "404.html"]
    dated = repr([(item.post.url_path, item.post.stamps) for item in site.posts])  # what lastmod shows
    target = staging.claim("sitemap.xml", "sitemap", digest_of(theme, repr(pages), dated))
    if target is not None:
        target.write_text(feeds.sitemap(site, pages), encoding="utf-8")
    staging.add("robots.txt", feeds.robots(site), "robots")
    if config.llms_txt:
        target = staging.claim("llms.txt", "llms.txt", digest_of(theme, "llms.txt", site_digest(site)))
        if target is not None:
            target.write_text(llms_txt(site), encoding="utf-8")
    engine, known = search
    if engine == "pagefind":
        layout = _pagefind_bundle(site, staging, bodies, theme, known)
    elif engine == "sharded":
        from .search_shards import ShardedIndex, write_index  # only a blog that asked for it

        previous = known if isinstance(known, ShardedIndex) else None
        layout = write_index(site, staging, bodies.text, bodies.stored_text,
                             _postsdigest_of(theme, SHARDED_FOLDER, site.posts), previous)
    else:
        layout = _search_index(site, staging, bodies, theme, known if isinstance(known, SearchLayout) else None)
    staging.add(MARKER, b"", "journey")
    if config.cname:
        staging.add("CNAME", config.cname.strip() + "\n", "settings")
    for asset in assets.values():
        staging.add(asset.path, asset.data, "theme")
    static = config.root / config.static_dir
    files, refused = copied_files(static, config.root, hidden=True)
    staging.problems.extend(refused)
    for path in files:
        staging.add(path.relative_to(static).as_posix(), path.read_bytes(), str(path))
    for folder in config.copy_dirs:  # Jekyll's assets/, images/: at the same path in the site
        files, refused = copied_files(config.root / folder, config.root, hidden=False)
        staging.problems.extend(refused)
        for path in files:
            staging.add(path.relative_to(config.root).as_posix(), path.read_bytes(), str(path))
    redirect_pages(site, staging)
    return layout


def _search_index(site: Site, staging: Staging, bodies: Bodies, theme: str, search: SearchLayout | None) -> SearchLayout | None:
    """search.json, unless the site has it already; the documents of the current one are copied."""
    fingerprint = _postsdigest_of(theme, "search.json", site.posts)
    target = staging.claim("search.json", "search", fingerprint)
    if target is None:
        return None
    previous = previous_index(staging.out / "search.json", search, staging.previous.get("search.json"))
    try:
        return write_search_index(site, bodies.text_many, target, fingerprint, previous)
    except OSError:
        if previous is None:
            raise
        return write_search_index(site, bodies.text_many, target, fingerprint, None)  # the old one changed meanwhile


def _pagefind_bundle(site: Site, staging: Staging, bodies: Bodies, theme: str, previous: object) -> PagefindBundle | None:
    """pagefind/, kept whole while the posts' documents and the indexer are the same."""
    from .pagefind import (  # subprocess, threads: only for Pagefind
        PagefindBundle,
        indexer_version,
        write_bundle,
    )

    previous = previous if isinstance(previous, PagefindBundle) else None
    binary = pagefind_binary()
    version = indexer_version(binary) if binary is not None else ""
    fingerprint = _postsdigest_of(theme + version, PAGEFIND_FOLDER, site.posts)
    return write_bundle(site, staging, bodies.text, fingerprint, previous)


def _url_of(path: str) -> str:
    return path.removesuffix("index.html")
