"""Rendering posts: Markdown (and the post's notebooks) to HTML, in worker processes when asked."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from .config import SiteConfig
from .errors import Diagnostic
from .markdown import ShortcodeProblem, create_markdown, render_markdown
from .models import NotebookRequest, Post, RenderedPost

_MARKDOWN: Any = None  # one MarkdownIt per process, made on first use


def render_posts(
    posts: Sequence[Post],
    config: SiteConfig,
    executed: Mapping[NotebookRequest, Any],
    jobs: int,
) -> tuple[list[RenderedPost], list[Diagnostic]]:
    """Render every post; with jobs > 1, in a pool of forked processes."""
    work = [(post, [executed[u.request] for u in post.notebooks if u.request in executed]) for post in posts]
    if jobs <= 1 or len(work) < 8:
        results = [_render_one(post, nbs, config) for post, nbs in work]
    else:
        context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        chunk = max(1, len(work) // (jobs * 4))
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            results = list(pool.map(_render_star, work, [config] * len(work), chunksize=chunk))
    rendered = [r for r, _ in results if r is not None]
    problems = [d for _, found in results for d in found]
    return rendered, problems


def _render_star(item: tuple[Post, list[Any]], config: SiteConfig) -> tuple[RenderedPost | None, list[Diagnostic]]:
    return _render_one(item[0], item[1], config)


def _render_one(post: Post, executed: list[Any], config: SiteConfig) -> tuple[RenderedPost | None, list[Diagnostic]]:
    global _MARKDOWN
    if _MARKDOWN is None:
        _MARKDOWN = create_markdown()
    notebooks = _post_notebooks(post, executed, config)
    result = render_markdown(
        _MARKDOWN,
        post.body,
        path=post.display_path,
        first_line=post.body_line,
        base_path=config.base_path,
        shortcode=_shortcode_handler(notebooks),
        summary_words=config.summary_words,
    )
    html = result.html
    files: list[tuple[str, bytes]] = []
    cards: list[dict[str, Any]] = []
    if notebooks is not None:
        html += notebooks.trailing_html()
        files = notebooks.files()
        cards = notebooks.run_cards()
    rendered = RenderedPost(
        post=post,
        html=html,
        toc=result.toc,
        words=result.words,
        summary=result.summary,
        extra_files=tuple(sorted(files)),
        run_cards=tuple(cards),
    )
    return rendered, result.diagnostics


def _post_notebooks(post: Post, executed: list[Any], config: SiteConfig) -> Any:
    """The notebook engine's per-post state, or None for a post without (usable) notebooks."""
    if not post.notebooks or len(executed) != len(post.notebooks):
        return None
    from .notebooks import PostNotebooks  # heavy (nbconvert); only posts with notebooks pay for it

    return PostNotebooks(post, executed, config)


def _shortcode_handler(notebooks: Any) -> Any:
    if notebooks is None:
        return None

    def handle(name: str, args: list[str], kwargs: dict[str, str]) -> str:
        from .notebooks import ShortcodeError

        try:
            return notebooks.shortcode(name, args, kwargs)
        except ShortcodeError as exc:
            raise ShortcodeProblem(str(exc)) from exc

    return handle
