"""Rendering posts: a document's Markdown (and the post's notebooks) to HTML, in parallel.

Rendering is a function of its inputs, which `render_key` digests: a post with an unchanged
key need not be rendered again, and `build.py` asks the incremental layer which posts those are.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import escape
from typing import TYPE_CHECKING, Any

from ..config import SiteConfig
from ..errors import Diagnostic, warning
from ..models import Document, Heading, NotebookRequest, Post, RenderedPost, restored
from ..parallel import parallel_iter
from . import scholarly
from .highlight import highlight_code, highlight_key
from .markdown import (
    ShortcodeProblem,
    create_markdown,
    render_markdown,
)
from .tables import align_numbers
from .thumbnails import first_figure, image_file, pillow_version, thumbnail

if TYPE_CHECKING:
    from .liquid import LiquidSite

FORMAT = "render-6"  # bump when rendering changes what a stored rendering would contain
_TAGS = re.compile(r"<[^>]+>")
# MathML, heading anchors, chart specs (JSON in <script>) and buttons are not the post's words.
_UNSEARCHABLE = re.compile(r"<math\b.*?</math>|<a class=\"header-anchor\".*?</a>|<script\b.*?</script>"
                           r"|<button\b.*?</button>", re.DOTALL)
_MARKDOWN: Any = None  # one MarkdownIt per process, made on first use

Highlighted = Callable[[str], "str | None"]  # a code block's HTML as highlighted before, by highlight_key


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


def post_notebooks(post: Post, executed: Mapping[NotebookRequest, Any]) -> list[Any] | None:
    """The executed notebooks a post shows, or None when one of them failed (that error is
    reported; the post would only add noise). A page shows the frozen result whether this build
    ran the kernel or found it in _freeze/: a clean build (CI with --execute never) must match."""
    if any(use.request not in executed for use in post.notebooks):
        return None
    return [replace(executed[use.request], from_cache=True) for use in post.notebooks]


def render_scope(config: SiteConfig, code: str) -> Any:
    """What every post's HTML depends on alike, as a digest for `render_key` to continue: the
    settings that shape a rendering (the base path and URL among them: a post's Markdown copy
    names its URL) and the code that renders it (`code`: a digest of journey's files)."""
    digest = hashlib.sha256()
    for part in (FORMAT, code, config.base_path, config.base_url, str(config.summary_words), config.excerpt_separator,
                 config.code_fold, str(config.code_lines), str(config.output_lines), str(config.llms_txt),
                 str(config.dark_figures)):
        digest.update(part.encode("utf-8") + b"\0")
    return digest


def render_key(post: Post, notebooks: Sequence[Any], config: SiteConfig, scope: Any, liquid: str = "") -> str:
    """Everything a post's HTML depends on: `scope` (`render_scope`), its file and place, its
    .bib files and its notebooks' results; for a post with Liquid, also what its Liquid can read
    (`liquid`: `LiquidSite.digest`)."""
    digest = scope.copy()
    for part in (post.display_path, post.url_path, liquid if post.liquid else ""):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(bytes.fromhex(post.digest) if post.digest else post.source.read_bytes())
    for use in post.notebooks:
        digest.update(use.request.notebook.read_bytes())  # markdown cells show even when cached
    if notebooks:
        from ..notebooks.interactive import libraries_digest  # the chart scripts copied beside the page

        digest.update(libraries_digest().encode("utf-8") + b"\0")
    picture = image_file(post, config)  # the card thumbnail is made from its bytes, by Pillow
    if notebooks or picture is not None:
        digest.update(pillow_version().encode("utf-8") + b"\0")
    if picture is not None:
        digest.update(hashlib.sha256(picture.read_bytes()).digest())
    for bib in scholarly.digest_parts(post):  # citations: the .bib files' entries
        digest.update(hashlib.sha256(bib).digest())
    for notebook in notebooks:
        digest.update(notebook.cache_key.encode("ascii") + hashlib.sha256(notebook.ipynb_bytes).digest())
        digest.update(json.dumps(notebook.run_info, sort_keys=True, default=str).encode("utf-8"))
        digest.update(_linked_digest(notebook, config))
    return digest.hexdigest()


def _linked_digest(notebook: Any, config: SiteConfig) -> bytes:
    """The images a notebook's Markdown cells link to (their names and bytes): copied beside the page."""
    if not any(c.get("cell_type") == "markdown" for c in notebook.data.get("cells", [])):
        return b""
    from ..notebooks.conventions import linked_images

    found = linked_images(notebook.data, notebook.request.notebook, config.root)
    return hashlib.sha256(repr(sorted((k, n) for k, (n, _) in found.files.items())).encode()
                          + repr(found.problems).encode()).digest()


def render_posts(
    work: Sequence[tuple[Document, list[Any], str]],
    config: SiteConfig,
    *,
    highlighted: Highlighted,
    keep: Callable[[Rendering], None],
    jobs: int,
    liquid: LiquidSite | None = None,
) -> Iterator[tuple[str, dict[str, Any] | None, list[Diagnostic]]]:
    """Render each (document, its executed notebooks, render key), in order, as each is done:
    (key, the rendering's entry, []) or (key, None, its errors). Each rendering is handed to
    `keep` in the process that made it (a worker, with jobs > 1), so no process ever holds a
    thousand posts' HTML at once. `liquid` is what posts with Liquid read (None: no post has any)."""
    yield from parallel_iter(_render_one, work, config, highlighted, keep, liquid, jobs=jobs, max_chunk=16)


def rendered_post(post: Post, key: str, entry: dict[str, Any]) -> RenderedPost:
    """The rendered post a listing shows, from a rendering's entry."""
    files, run_cards = entry["files"], entry["run_cards"]
    return restored(RenderedPost, {  # a dict display: a thousand a rebuild (dict(...) with keywords costs more)
        "post": post, "toc": tuple(map(Heading._make, entry["toc"])), "words": entry["words"],
        "summary": entry["summary"], "files": tuple((name, digest) for name, digest, _ in files) if files else (),
        "run_cards": tuple(run_cards) if run_cards else (), "render_key": key, "thumbnail": entry["thumbnail"],
        "figure": entry["figure"],
    })


def entry_warnings(entry: dict[str, Any]) -> list[Diagnostic]:
    """The warnings rendering found (a stored rendering repeats them every build)."""
    return [warning(path, line, col, message) for path, line, col, message in entry["warnings"]]


def valid_entry(entry: Any) -> bool:
    """Whether a stored entry has the shape `_render_one` gives it (its checksum already vouches
    for what is inside the lists)."""
    return (type(entry) is dict and type(entry.get("words")) is int and type(entry.get("summary")) is str
            and all(type(entry.get(key)) is list for key in ("toc", "warnings", "files", "run_cards", "highlights"))
            and all(type(entry.get(key)) is str for key in ("thumbnail", "figure")))


def search_text(html: str) -> str:
    """The words a reader sees: tags, MathML and heading anchors removed (entities stay
    encoded; the search index decodes them once)."""
    return " ".join(_TAGS.sub(" ", _UNSEARCHABLE.sub(" ", html)).split())


def _render_one(
    item: tuple[Document, list[Any], str], config: SiteConfig, highlighted: Highlighted,
    keep: Callable[[Rendering], None], liquid: LiquidSite | None,
) -> list[tuple[str, dict[str, Any] | None, list[Diagnostic]]]:
    global _MARKDOWN
    if _MARKDOWN is None:
        _MARKDOWN = create_markdown()
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
