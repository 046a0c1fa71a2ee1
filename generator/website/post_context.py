"""What a post's page is given besides the post and its neighbours: its `page` facts, tag
links, JSON-LD, its own BibTeX entry, links to its notebooks' runs and its Markdown copy."""

from __future__ import annotations

from json.encoder import encode_basestring  # C: a JSON string, non-ASCII kept
from typing import Any

from ..content.markdown_copy import copy_name
from ..models import RenderedPost
from .assemble import Site, term_slug
from .cite_post import post_bibtex
from .run_links import run_links
from .script_data import script_json, script_safe
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
    """The post's schema.org BlogPosting: `script_json` of `json_ld_data`, written out directly
    when every text is a string (always, for a post journey read): json.dumps with sorted keys
    took ~25 µs of a post page's ~300."""
    post, config = item.post, site.config
    url = config.absolute_url(post.url_path)
    texts = (post.title, post.description or item.summary, post.author or config.author or config.title,
             config.language, config.title, url, *post.tags)
    if not all(type(text) is str for text in texts) or type(item.words) is not int:
        return script_json(json_ld_data(site, item))
    title, description, author, language, blog, url, *tags = map(encode_basestring, texts)
    written = (
        '{"@context":"https://schema.org","@type":"BlogPosting",'
        f'"author":{{"@type":"Person","name":{author}}},'
        f'"dateModified":"{(post.updated or post.date).isoformat()}","datePublished":"{post.date.isoformat()}",'
        f'"description":{description},"headline":{title},"inLanguage":{language},"keywords":[{",".join(tags)}],'
        f'"mainEntityOfPage":{url},"publisher":{{"@type":"Organization","name":{blog}}},"url":{url},'
        f'"wordCount":{item.words}}}'
    )
    return script_safe(written)


def json_ld_data(site: Site, item: RenderedPost) -> dict[str, Any]:
    post = item.post
    return {
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
