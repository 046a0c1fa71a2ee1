"""One post rendered: its Liquid, then its Markdown (code highlighted, citations and
cross-references resolved, notebook outputs embedded) to HTML, search text and the entry a
listing shows; what it made is handed to `keep` in the process that rendered it.

The heavy modules (markdown-it and its plugins, Pygments on first use) load here, in the
process that renders: `render.render_posts` decides which that is.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from ..config import SiteConfig
from ..errors import Diagnostic
from ..models import Document, Post
from . import scholarly
from .highlight import highlight_code, highlight_key
from .markdown import ShortcodeProblem, create_markdown, render_markdown
from .tables import align_numbers
from .thumbnails import first_figure, thumbnail

if TYPE_CHECKING:
    from .liquid import LiquidSite
    from .render import Highlighted

_TAGS = re.compile(r"<[^>]+>")
# MathML, heading anchors, chart specs (JSON in <script>) and buttons are not the post's words.
_UNSEARCHABLE = re.compile(r"<math\b.*?</math>|<a class=\"header-anchor\".*?</a>|<script\b.*?</script>"
                           r"|<button\b.*?</button>", re.DOTALL)
_MARKDOWN: Any = None  # one MarkdownIt per process, made on first use


@dataclass(frozen=True)
class Rendering:
    """What rendering one post made. `entry` is what listings need (JSON-able); the HTML body,
    the search text and the files beside the page (notebook images, the executed notebook) are
    the rest."""

    key: str
    entry: dict[str, Any]
    html: str
    text: str
    files: tuple[tuple[str, bytes], ...] = ()
    highlighted: dict[str, str] = field(default_factory=dict)  # code blocks highlighted afresh, by key


def search_text(html: str) -> str:
    """The words a reader sees: tags, MathML and heading anchors removed (entities stay
    encoded; the search index decodes them once)."""
    return " ".join(_TAGS.sub(" ", _UNSEARCHABLE.sub(" ", html)).split())


def warm_up() -> None:
    """Make this process's MarkdownIt now, its plugins loaded, ahead of the first post."""
    global _MARKDOWN
    if _MARKDOWN is None:
        _MARKDOWN = create_markdown()


def render_one(
    item: tuple[Document, list[Any], str], config: SiteConfig, highlighted: Highlighted,
    keep: Callable[[Rendering], None], liquid: LiquidSite | None,
) -> list[tuple[str, dict[str, Any] | None, list[Diagnostic]]]:
    warm_up()
    document, executed, key = item
    post = document.post
    notebooks = _embedded_notebooks(post, executed, config)
    highlighter = _Highlighter(highlighted)
    templated = None
    if post.liquid and liquid:
        from .liquid import render_liquid  # python-liquid, only for a post that has Liquid

        templated = render_liquid(document, liquid, highlighter)
    if templated is not None and any(d.is_error for d in templated.problems):
        return [(key, None, list(templated.problems))]
    scholar, found = scholarly.begin(post)
    if scholar is None:
        return [(key, None, found)]
    result = render_markdown(
        _MARKDOWN, templated.text if templated else document.body, path=post.display_path,
        first_line=document.body_line, base_path=config.base_path, shortcode=_shortcode_handler(notebooks),
        summary_words=config.summary_words, highlight=highlighter, scholar=scholar,
    )
    if templated is not None:
        result.html, result.text = templated.restore(result.html), " ".join(f"{result.text} {templated.code}".split())
        result.diagnostics[:0] = templated.problems
    html = result.html + (notebooks.trailing_html() if notebooks is not None else "")
    html, found = scholarly.finish(scholar, html, post.display_path)  # numbers, references, the reference list
    result.diagnostics += found
    if any(d.is_error for d in result.diagnostics):
        return [(key, None, result.diagnostics)]
    html = align_numbers(html)
    html += notebooks.widget_state(html) if notebooks is not None else ""  # after every rewrite of the prose
    outline = result
    if notebooks is not None and not document.body.strip() and notebooks.own_markdown:
        # A notebook post: its table of contents, length and summary are its Markdown cells'.
        outline = render_markdown(_MARKDOWN, notebooks.own_markdown, path=post.display_path, first_line=1,
                                  base_path=config.base_path, summary_words=config.summary_words, highlight=highlighter)
    files = tuple(sorted(notebooks.files())) if notebooks is not None else ()
    card = thumbnail(post, config, html, files)
    figure = first_figure(html, files)
    files = tuple(sorted({*files, card})) if card else files
    if config.llms_txt:  # the Markdown copy beside the page, that llms.txt lists
        files = tuple(sorted([*files, _markdown_copy(document, config, executed if notebooks is not None else [],
                                                     notebooks, scholarly.references_markdown(scholar))]))
    entry = {
        "toc": [[h.level, h.text, h.anchor] for h in outline.toc],
        "words": outline.words,
        "summary": outline.summary if document.excerpt is None else _excerpt_text(document),
        "run_cards": notebooks.run_cards() if notebooks is not None else [],
        "highlights": sorted(highlighter.used),
        "warnings": [[str(d.location.path), d.location.line, d.location.col, d.message]
                     for d in [*result.diagnostics, *(notebooks.warnings() if notebooks is not None else [])]],
        "files": [[name, hashlib.sha256(data).hexdigest(), len(data)] for name, data in files],
        "thumbnail": card[0] if card else "",  # the listing card's picture, beside the page
        "figure": figure,  # the first figure: the social card's picture when there is no `image:`
    }
    # The token walk's text is cheaper than stripping HTML; notebook output exists only as HTML.
    text = search_text(html) if notebooks is not None else escape(result.text, quote=False)
    keep(Rendering(key, entry, html, text, files, highlighter.made))
    return [(key, entry, [])]


def _excerpt_text(document: Document) -> str:
    """The plain text of a post's excerpt (Markdown), for listings and feeds."""
    shown = render_markdown(_MARKDOWN, document.excerpt or "", path=document.post.display_path,
                            first_line=document.body_line, highlight=lambda code, language: "")
    return " ".join(shown.text.split())


class _Highlighter:
    """Pygments HTML for a code block, or the block as an earlier build highlighted it: Pygments
    compiles a lexer's regular expressions on first use in each process (~40 ms for Python's),
    so a post whose prose changed renders again without loading a lexer."""

    def __init__(self, highlighted: Highlighted) -> None:
        self.highlighted = highlighted
        self.used: set[str] = set()
        self.made: dict[str, str] = {}

    def __call__(self, code: str, language: str) -> str:
        key = highlight_key(code, language)
        self.used.add(key)
        found = self.made.get(key) or self.highlighted(key)
        if not found:
            found = self.made[key] = highlight_code(code, language)
        return found


def _markdown_copy(document: Document, config: SiteConfig, executed: list[Any], notebooks: Any,
                   references: str) -> tuple[str, bytes]:
    """The post's Markdown copy, as a file beside its page (llms.txt lists them)."""
    from .markdown_copy import copy_name, markdown_copy

    value = (lambda args, kwargs: notebooks.shortcode("value", args, kwargs)) if notebooks is not None else None
    return copy_name(document.post.url_path), markdown_copy(document, config, executed, value, references)


def _embedded_notebooks(post: Post, executed: list[Any], config: SiteConfig) -> Any:
    """The notebook engine's per-post state, or None for a post without (usable) notebooks."""
    if not post.notebooks or len(executed) != len(post.notebooks):
        return None
    # Heavy (nbconvert): only posts with notebooks pay for it.
    from ..notebooks.embed import PostNotebooks

    return PostNotebooks(post, executed, config)


def _shortcode_handler(notebooks: Any) -> Any:
    if notebooks is None:
        return None

    def handle(name: str, args: list[str], kwargs: dict[str, str]) -> str:
        from ..notebooks.embed import ShortcodeError

        try:
            return notebooks.shortcode(name, args, kwargs)
        except ShortcodeError as exc:
            raise ShortcodeProblem(str(exc)) from exc

    return handle
