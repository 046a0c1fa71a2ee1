"""Atom feeds, sitemap, robots.txt and the search index: pure functions of the finished site."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring  # C: a JSON string, non-ASCII kept
from typing import Any

from ..models import PostWithBody, RenderedPost
from .assemble import Site

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# xml.sax.saxutils' escape and quoteattr, byte for byte: importing that module costs
# urllib.request, http.client, ssl and email (~17 ms) on every build.
def escape(data: str) -> str:
    """&, < and > as entities (xml.sax.saxutils.escape)."""
    return data.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(data: str) -> str:
    """An escaped, quoted attribute value (xml.sax.saxutils.quoteattr): newline, carriage
    return and tab become character references; '"' quotes unless the value holds one."""
    data = escape(data).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in data:
        return f'"{data}"'
    if "'" not in data:
        return f"'{data}'"
    both = data.replace('"', "&quot;")
    return f'"{both}"'


def _updated(item: RenderedPost) -> datetime:
    return item.post.updated or item.post.date


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_id(site: Site, item: RenderedPost) -> str:
    """A stable Atom id: the post's absolute URL, or a tag URI when the site has no host."""
    if site.config.site_url:
        return site.config.absolute_url(item.post.url_path)
    return f"tag:journey,{item.post.date:%Y-%m-%d}:{item.post.slug}"


def atom_feed(site: Site, posts: Sequence[RenderedPost | PostWithBody], *, feed_path: str, title: str, page_path: str) -> str:
    """An Atom 1.0 document for `posts` (newest first), limited to config.feed_entries."""
    config = site.config
    chosen = list(posts)[: config.feed_entries]
    updated = max((_updated(p) for p in chosen), default=_EPOCH)
    feed_id = config.absolute_url(feed_path) if config.site_url else f"tag:journey,2000:{feed_path}"
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(config.language)}>',
        f"  <title>{escape(title)}</title>",
        f"  <id>{escape(feed_id)}</id>",
        f"  <updated>{_stamp(updated)}</updated>",
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(config.absolute_url(feed_path))}/>',
        f'  <link rel="alternate" type="text/html" href={quoteattr(config.absolute_url(page_path))}/>',
        f"  <author><name>{escape(config.author or config.title)}</name></author>",
        '  <generator uri="https://github.com/journey-blog/journey">journey</generator>',
    ]
    if config.description:
        lines.append(f"  <subtitle>{escape(config.description)}</subtitle>")
    for item in chosen:
        lines.extend(_entry(site, item))
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def _entry(site: Site, item: RenderedPost | PostWithBody) -> list[str]:
    post = item.post
    lines = [
        "  <entry>",
        f"    <title>{escape(post.title)}</title>",
        f"    <id>{escape(entry_id(site, item))}</id>",
        f'    <link rel="alternate" type="text/html" href={quoteattr(site.config.absolute_url(post.url_path))}/>',
        f"    <published>{_stamp(post.date)}</published>",
        f"    <updated>{_stamp(_updated(item))}</updated>",
    ]
    if post.author:
        lines.append(f"    <author><name>{escape(post.author)}</name></author>")
    lines.extend(f"    <category term={quoteattr(tag)}/>" for tag in post.tags)
    summary = post.description or item.summary
    if summary:
        lines.append(f"    <summary>{escape(summary)}</summary>")
    # xml:base: relative links and images in the post ('plot.png') resolve against the post's
    # page, not against the feed's URL.
    base = quoteattr(site.config.absolute_url(post.url_path))
    if isinstance(item, PostWithBody):  # the site feed carries whole posts; tag feeds carry summaries
        lines.append(f'    <content type="html" xml:base={base}>{escape(item.html)}</content>')
    lines.append("  </entry>")
    return lines


def sitemap(site: Site, page_paths: Sequence[str]) -> str:
    """sitemap.xml listing every HTML page; post pages carry their last change."""
    modified = {item.post.url_path: _updated(item) for item in site.posts}
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for path in sorted(page_paths):
        lines.append(f"  <url><loc>{escape(site.config.absolute_url(path))}</loc>")
        if path in modified:
            lines.append(f"    <lastmod>{_stamp(modified[path])}</lastmod>")
        lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots(site: Site) -> str:
    return f"User-agent: *\nAllow: /\nSitemap: {site.config.absolute_url('sitemap.xml')}\n"


def search_document(site: Site, item: RenderedPost, text: str) -> str:
    """One post's JSON document for the client-side search index (title, URL, tags, summary,
    body text); `search.json` is the array of them, newest post first. Written out directly,
    each text by json's C encoder: `json.dumps` of the dict (`search_document_data`), sorted,
    cost ~15 µs a post of a first build's 4,000, in the process that writes the rest."""
    post = item.post
    texts = (post.title, post.description or item.summary, *post.tags)
    if not all(type(piece) is str for piece in texts):
        return json.dumps(search_document_data(site, item, text), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    title, summary, *tags = map(encode_basestring, texts)
    return (f'{{"date":"{post.date.date().isoformat()}","summary":{summary},"tags":[{",".join(tags)}],'
            f'"text":{encode_basestring(html.unescape(text))},"title":{title},'
            f'"url":{encode_basestring(site.config.url(post.url_path))}}}')


def search_document_data(site: Site, item: RenderedPost, text: str) -> dict[str, Any]:
    return {
        "title": item.post.title,
        "url": site.config.url(item.post.url_path),
        "date": item.post.date.date().isoformat(),
        "tags": list(item.post.tags),
        "summary": item.post.description or item.summary,
        # The text comes from HTML with its tags stripped: entities such as MathML's
        # &#x003B7; become the characters a reader searches for.
        "text": html.unescape(text),
    }
