"""What a post's page is given besides the post and its neighbours: its `page` facts, tag
links, JSON-LD, its own BibTeX entry, links to its notebooks' runs and its Markdown copy."""

from __future__ import annotations

from typing import Any

from ..content.markdown_copy import copy_name
from ..models import RenderedPost
from .assemble import Site, term_slug
from .cite_post import post_bibtex
from .run_links import run_links
from .script_data import script_json
from .templates import PageFacts


def post_context(site: Site, item: RenderedPost) -> dict[str, Any]:
    post = item.post
    return {
        "page": PageFacts(post.title, post.description or item.summary, post.url_path),
        "tag_slugs": {name: term_slug(name) for name in post.tags},
        "json_ld": _json_ld(site, item),
        "cite_bibtex": post_bibtex(site.config, post),
        "run_links": run_links(site.revision, post),
        "markdown_copy": copy_name(post.url_path) if site.config.llms_txt else "",
    }


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
    return script_json(data)
