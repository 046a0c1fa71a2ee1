""""Cite this post": a post's own BibTeX entry, shown on its page."""

from __future__ import annotations

import re

from ..config import SiteConfig
from ..models import Post

_SPECIAL = re.compile(r"([&%$#_])")
_AUTHORS = re.compile(r",? and |, ")
_NOT_KEY = re.compile(r"[^a-z0-9]+")


def post_bibtex(config: SiteConfig, post: Post) -> str:
    """An `@online` entry for the post: author, title, date, URL and the blog's name."""
    author = post.author or config.author or config.title
    fields = [
        ("author", " and ".join(_escape(name) for name in _AUTHORS.split(author) if name.strip())),
        ("title", "{" + _escape(post.title) + "}"),  # braces: BibTeX styles keep its capitals
        ("year", str(post.date.year)),
        ("date", post.date.date().isoformat()),
        ("url", config.absolute_url(post.url_path)),
        ("organization", _escape(config.title)),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@online{{{_key(post)},\n{body}\n}}\n"


def _key(post: Post) -> str:
    return f"{_NOT_KEY.sub('', post.slug.lower())[:40] or 'post'}{post.date.year}"


def _escape(text: str) -> str:
    """Text inside a BibTeX value: special characters escaped, stray braces dropped."""
    text = text.replace("\\", "").replace("{", "").replace("}", "")
    return _SPECIAL.sub(r"\\\1", text) if _SPECIAL.search(text) else text  # most titles have none
