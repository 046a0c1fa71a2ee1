"""Rendering posts: what a post's HTML is a function of (`render_key`), and the stage that
renders those whose stored rendering does not match (one post's work is `render_post.py`).

Rendering is a function of its inputs, which `render_key` digests: a post with an unchanged
key need not be rendered again, and `build.py` asks the incremental layer which posts those are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from ..config import SiteConfig
from ..errors import Diagnostic, warning
from ..models import Document, Heading, NotebookRequest, Post, RenderedPost, restored
from ..parallel import parallel_batches
from ..worker import Worker, begin_worker, in_background
from .thumbnails import image_file, pillow_version

if TYPE_CHECKING:
    from pathlib import Path

    from .liquid import LiquidSite

FORMAT = "render-6"  # bump when rendering changes what a stored rendering would contain
POOL_LEAST = 16  # posts worth a pool of workers (jobs > 1); fewer: one forked worker, begun at once

BATCH = 64  # posts a worker renders before it commits them and sends their results back
Highlighted = Callable[[str], "str | None"]  # a code block's HTML as highlighted before, by highlight_key


class Keep(Protocol):
    """Where each rendering goes, in the process that made it (the incremental layer's store)."""

    def __call__(self, rendering: Any) -> None: ...

    def flush(self) -> None:
        """Make what this process kept readable by the others (after each batch of posts)."""


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
    for path in post.bibliography:  # citations: the .bib files' entries
        digest.update(hashlib.sha256(path.read_bytes() if path.is_file() else b"\0missing").digest())
    for notebook in notebooks:
        digest.update(notebook.cache_key.encode("ascii") + hashlib.sha256(notebook.ipynb_bytes).digest())
        digest.update(json.dumps(notebook.run_info, sort_keys=True, default=str).encode("utf-8"))
        digest.update(_linked_digest(notebook, config))
    return digest.hexdigest()


def _linked_digest(notebook: Any, config: SiteConfig) -> bytes:
    """The images a notebook's Markdown cells link to (their names and bytes): copied beside the page."""
    if not any(c.get("cell_type") == "markdown" for c in notebook.data.get("cells", [])):
        return b""
    from ..notebooks.linked_images import linked_images

    found = linked_images(notebook.data, notebook.request.notebook, config.root)
    return hashlib.sha256(repr(sorted((k, n) for k, (n, _) in found.files.items())).encode()
                          + repr(found.problems).encode()).digest()


def render_posts(
    work: Sequence[tuple[Document, list[Any], str]],
    config: SiteConfig,
    *,
    highlighted: Highlighted,
    keep: Keep,
    jobs: int,
    liquid: LiquidSite | None = None,
    worker: Worker[Any] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[tuple[str, dict[str, Any] | None, list[Diagnostic]]]:
    """Render each (document, its executed notebooks, render key), in order, as each is done:
    (key, the rendering's entry, []) or (key, None, its errors). Each rendering is handed to
    `keep` in the process that made it (a worker, with jobs > 1), so no process ever holds a
    thousand posts' HTML at once; a worker flushes `keep` once per batch of posts, before the
    batch's results go back. `liquid` is what posts with Liquid read (None: no post has any).

    With jobs > 1 and a few posts (a one-post rebuild), one forked worker begins them at once,
    and this process goes on (loading the theme) until it iterates: `worker`
    (`render_worker`), begun earlier with Markdown's modules loaded meanwhile, or a new one.
    A `worker` the work does not go to is dismissed. `meanwhile()` runs here while a pool's
    workers render (before the first result is waited for); not with one worker, nor in-process."""
    shared = (config, highlighted, keep, liquid)
    if jobs > 1 and 0 < len(work) < POOL_LEAST:
        if worker is not None:
            return worker.run(_render_batch, [work], *shared)
        return in_background(_render_batch, [work], *shared)
    if worker is not None:
        worker.dismiss()
    # A pool inherits the work when it forks (at the first result asked for).
    if jobs <= 1 or not work:
        meanwhile = None
    return parallel_batches(lambda batch: _render_batch(batch, *shared), work, jobs=jobs, most=BATCH,
                            meanwhile=meanwhile)


class RenderAhead:
    """A first build's renderings, made by the read workers as they read (`read_files`'
    `ahead`): a post without notebooks or Liquid renders from its file alone, so the worker
    that read it renders it at once, rather than sending it back here for a second pool to
    render. What it misses (a post with notebooks, Liquid or an error) the render stage renders."""

    def __init__(self, config: SiteConfig, code: str, highlighted: Highlighted, keep: Keep,
                 took: Callable[[str, dict[str, Any]], None], *, published: Callable[[Post], bool]) -> None:
        self.config, self.code, self.highlighted, self.keep = config, code, highlighted, keep
        self.took, self.published = took, published  # published: the build's flags (no draft rendered ahead)
        self.made: dict[Path, RenderedPost] = {}  # here: each post rendered ahead, as listings show it

    def share(self) -> None:
        warm_up()  # before the read workers fork: each inherits Markdown's modules

    def __call__(self, reads: Sequence[Any]) -> tuple[list[tuple[Post, str, dict[str, Any]]], list[Any]]:
        """(each post rendered, with its render key and listing entry; the reads, those rendered
        without their Markdown, which this process is done with: a tenth of what unpickling
        them here cost)."""
        scope = render_scope(self.config, self.code)
        work = [(read.document, [], render_key(post, [], self.config, scope)) for read in reads
                if read.document is not None and not any(d.is_error for d in read.problems)
                and not (post := read.document.post).notebooks and not post.liquid and self.published(post)]
        done = _render_batch(work, self.config, self.highlighted, self.keep, None)
        made = [(document.post, key, entry) for (document, _, _), (key, entry, _) in zip(work, done, strict=True)
                if entry is not None]
        rendered = {post.source for post, _, _ in made}
        return made, [_without_markdown(read) if read.source in rendered else read for read in reads]

    def take(self, result: list[tuple[Post, str, dict[str, Any]]]) -> None:
        """Here, as each batch comes back: what a listing shows of its posts, worked out while the
        workers read on (their listing digests, ~9 µs a post, were 36 ms after the last batch)."""
        for post, key, entry in result:
            self.took(key, entry)
            item = self.made[post.source] = rendered_post(post, key, entry)
            item.listing_digest  # noqa: B018  (a cached property: worked out now)

    def rendered(self, post: Post) -> RenderedPost | None:
        """The rendered post made of this very post (the read's own object), if rendered ahead."""
        item = self.made.get(post.source)
        return item if item is not None and item.post is post else None


def _without_markdown(read: Any) -> Any:
    """A read whose document keeps its post but not its Markdown (its body, excerpt and front matter)."""
    document = restored(Document, {**read.document.__dict__, "body": "", "excerpt": None, "meta": {}})
    return restored(type(read), {**read.__dict__, "document": document})


def render_worker() -> Worker[Any] | None:
    """A forked process to render a few posts in (see render_posts), begun as soon as the build
    knows it has work, before it knows which posts: it loads Markdown's modules (~70 ms) while
    this process reads the sources. None where processes do not fork."""
    return begin_worker(warm_up)


def warm_up() -> None:
    """Load Markdown's modules and make its renderer in this process: before a pool forks, so
    its workers need not each do it (~80 ms), while this process waits on other workers."""
    from .render_post import warm_up

    warm_up()


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
    """Whether a stored entry has the shape `render_post.render_one` gives it (its checksum
    already vouches for what is inside the lists)."""
    return (type(entry) is dict and type(entry.get("words")) is int and type(entry.get("summary")) is str
            and all(type(entry.get(key)) is list for key in ("toc", "warnings", "files", "run_cards", "highlights"))
            and all(type(entry.get(key)) is str for key in ("thumbnail", "figure")))


def _render_batch(
    batch: Sequence[tuple[Document, list[Any], str]], config: SiteConfig, highlighted: Highlighted,
    keep: Keep, liquid: LiquidSite | None,
) -> list[tuple[str, dict[str, Any] | None, list[Diagnostic]]]:
    # Markdown's modules load where a post renders: with a few posts, a forked worker, while
    # this process loads the theme (see render_posts).
    from .render_post import render_one

    results = [result for item in batch for result in render_one(item, config, highlighted, keep, liquid)]
    keep.flush()
    return results
