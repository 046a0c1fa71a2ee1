"""Check, on the posts' sources: the local images a body shows, and the notebooks and deps a
post names, must exist (the built site's links are deploy/check.py's)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt

from ..config import SiteConfig
from ..errors import Diagnostic, error
from ..models import Document
from ..notebooks import freeze

_IMG_SRC = re.compile(
    r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE
)


def check_sources(config: SiteConfig, documents: Sequence[Document]) -> list[Diagnostic]:
    """Every problem with the posts' sources, in the posts' order."""
    markdown = MarkdownIt("commonmark").enable("table")
    return [problem for document in documents for problem in _check_post(config, document, markdown)]


def is_relative(url: str) -> bool:
    """A URL that names a file beside the page (no scheme, host or leading '/')."""
    parts = urlsplit(url)
    return not (parts.scheme or parts.netloc or url.startswith("/") or not parts.path)


def _check_post(config: SiteConfig, document: Document, markdown: MarkdownIt) -> list[Diagnostic]:
    """Missing local images in the post's body, and missing notebooks and deps it names."""
    problems = []
    post = document.post
    lines = document.body.splitlines()
    for src, block_line in _post_images(document.body, markdown):
        written = unquote(src)
        if not is_relative(src):
            continue  # external, or root-relative: the built-site check follows those
        target = post.source.parent / unquote(urlsplit(src).path)
        if not target.is_file():
            line, col = _position(lines, (written, src), block_line)
            shown = freeze.display_path(target, config.root)
            message = f"missing image '{written}' (no file at {shown})"
            problems.append(error(post.display_path, document.body_line + line, col, message))
    for use in post.notebooks:
        request = use.request
        if not request.notebook.is_file():
            shown = freeze.display_path(request.notebook, config.root)
            problems.append(error(use.post, use.line, 0, f"missing notebook '{shown}'"))
        for dep in request.deps:
            if not dep.exists():
                shown = freeze.display_path(dep, config.root)
                problems.append(
                    error(use.post, use.line, 0, f"missing notebook dependency '{shown}'")
                )
    return problems


def _post_images(body: str, markdown: MarkdownIt) -> Iterator[tuple[str, int]]:
    """Each image URL in a Markdown body, with the 0-based line where its block starts."""
    for token in markdown.parse(body):
        start = token.map[0] if token.map else 0
        if token.type == "html_block":
            yield from ((src, start) for src in _html_img_srcs(token.content))
        for child in token.children or []:
            if child.type == "image":
                yield str(child.attrGet("src") or ""), start
            elif child.type == "html_inline":
                yield from ((src, start) for src in _html_img_srcs(child.content))


def _html_img_srcs(html: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None) for m in _IMG_SRC.finditer(html)]


def _position(lines: list[str], needles: tuple[str, ...], start: int) -> tuple[int, int]:
    """0-based line and 1-based column of the first needle at or after line start."""
    for index in range(start, len(lines)):
        for needle in needles:
            col = lines[index].find(needle)
            if needle and col >= 0:
                return index, col + 1
    return start, 0
