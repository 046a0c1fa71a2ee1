"""The frozen values passed between build stages; no I/O here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class NotebookRequest:
    """One notebook a post asks to run: hashable, so equal requests from several posts run once."""

    notebook: Path  # absolute path of the .ipynb
    params: tuple[tuple[str, Any], ...] = ()  # sorted (name, value) pairs; values are JSON-able
    timeout: int = 300  # seconds per cell
    allow_errors: bool = False
    deps: tuple[Path, ...] = ()  # absolute paths whose bytes belong to the cache key
    execute: str = "auto"  # auto | always | never
    resources: tuple[tuple[str, float], ...] = ()  # sorted Dask worker resources it needs, e.g. (("GPU", 1),)
    time_budget: int = 0  # seconds for the whole notebook; 0: none

    @property
    def params_dict(self) -> dict[str, Any]:
        return dict(self.params)

    def __hash__(self) -> int:
        # Parameter values may be lists or mappings (unhashable); their JSON form is not.
        params = json.dumps(self.params, sort_keys=True, default=str)
        return hash((self.notebook, params, self.timeout, self.allow_errors, self.deps, self.execute,
                     self.resources, self.time_budget))


@dataclass(frozen=True)
class ClusterOptions:
    """Where notebooks run when the executor is Dask: a scheduler's address, or "" for a
    LocalCluster of `workers` single-threaded workers; a notebook no worker can take fails
    after `wait` seconds; `origin` places a problem with the scheduler (the settings' key, or
    the command line)."""

    scheduler: str = ""
    workers: int = 1
    wait: int = 10
    origin: tuple[str, int, int] = ("<command line>", 0, 0)


@dataclass(frozen=True)
class NotebookUse:
    """Where a post names a notebook: for diagnostics that point at the post."""

    post: str  # display path of the post file
    line: int  # line of the `notebook:` key in the post file
    request: NotebookRequest
    cell_lines: tuple[int, ...] = ()  # a post that is its notebook: each cell's line in it (0: unknown)


@dataclass(frozen=True)
class Post:
    """A post's validated front matter and where it lives: what listings, feeds and notebooks
    need. Its Markdown body travels in a `Document`."""

    source: Path  # absolute path of the .md file
    display_path: str  # the path as shown in diagnostics
    slug: str
    url_path: str  # site path without base, e.g. "posts/my-post/"
    title: str
    date: datetime  # timezone-aware
    updated: datetime | None
    description: str
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    author: str
    pinned: bool
    draft: bool
    layout: str
    notebooks: tuple[NotebookUse, ...] = ()
    assets: tuple[Path, ...] = ()  # files beside slug/index.md, copied next to the page
    digest: str = ""  # SHA-256 (hex) of the file's bytes as read
    hidden: bool = False  # fastpages' `hide: true`: left off the index pages (tags, archive, feeds keep it)
    sticky_rank: int = 0  # fastpages' `sticky_rank`: pinned, ordered among the pinned by it (1 first)
    image: str = ""  # the social card image: a URL, or a path from the site root (`image:`)
    redirects: tuple[str, ...] = ()  # site files of redirect pages to the post (redirect_from, aliases)
    liquid: bool = False  # the body holds Liquid (`{%`, `{{`): rendered through it first
    code_fold: str = ""  # `code_fold:` none, show or hide for the post's code cells; "": the setting's
    bibliography: tuple[Path, ...] = ()  # the .bib files its citations come from (absolute)
    series: str = ""  # the series it is a part of (`series:`)
    series_order: int = 0  # its place in the series (0: by date)
    dark_figures: bool | None = None  # `dark_figures:` its figures' dark twins shown or not; None: the setting's

    @cached_property
    def stamps(self) -> tuple[str, str]:
        """(date, updated) for fingerprints, asked for several times per build: wall time and
        zone, which isoformat() would cost ten times more to spell (it asks the zone for its offset)."""
        return _stamp(self.date), _stamp(self.updated) if self.updated else ""

    @cached_property
    def timestamp(self) -> float:
        """The date as POSIX seconds, for sorting (asked for per post by each listing's sort)."""
        return self.date.timestamp()


@dataclass(frozen=True)
class Document:
    """A post file as read: the post and its Markdown body."""

    post: Post
    body: str
    body_line: int  # 1-based line in the file where the body starts
    excerpt: str | None = None  # Markdown of the listing summary (`excerpt:`, or the text before the separator)
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)  # front matter as read: `page.*`
    undated: str = ""  # where the date of a post that names none came from: "first git commit", "modification time"


class Heading(NamedTuple):
    """A heading for the table of contents (a tuple: a thousand posts' worth are made per build)."""

    level: int
    text: str
    anchor: str


def restored(cls: type[T], values: dict[str, Any]) -> T:
    """An instance of the frozen dataclass `cls` from a value for every one of its fields, made
    as unpickling makes one. For the build store's rows, decoded by the thousand: a frozen
    dataclass's `__init__` sets each field through `object.__setattr__` (a post: 10 µs, not 2)."""
    made = object.__new__(cls)
    made.__dict__.update(values)
    return made


def _stamp(moment: datetime) -> str:
    return f"{moment.replace(tzinfo=None).isoformat()} {moment.tzinfo}"


@dataclass(frozen=True)
class RenderedPost:
    """A post after Markdown (and notebook) rendering: what listings and feeds show of it. Its
    HTML body and search text are found by `render_key` (see `PostWithBody`)."""

    post: Post
    toc: tuple[Heading, ...]
    words: int
    summary: str  # plain text for listings and feeds
    files: tuple[tuple[str, str], ...] = ()  # (name beside the page, blob digest): notebook images, .ipynb
    run_cards: tuple[dict[str, Any], ...] = ()
    render_key: str = ""  # a digest of everything the rendering was made from
    thumbnail: str = ""  # the listing card's picture, a file beside the page ('' when none)
    figure: str = ""  # the first notebook figure, beside the page: the social card's picture without `image:`

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.words / 220))

    @property
    def runs_notebook(self) -> bool:
        """Whether a notebook of the post is run by the build (not only published as saved)."""
        return any(not card.get("saved") for card in self.run_cards)

    @cached_property
    def listing_digest(self) -> bytes:
        """A digest of what a listing shows of the post, for listing pages' fingerprints. Its
        rendered body is not in it: a prose edit re-renders the post's page, not the listings
        (a template listing whole posts would need it here)."""
        post = self.post
        shown = (post.url_path, post.title, post.stamps, post.description, self.summary, post.tags,
                 post.categories, post.pinned, post.draft, self.reading_minutes, self.runs_notebook, post.author,
                 post.hidden, post.sticky_rank, self.thumbnail, post.series, post.series_order)
        return hashlib.sha256(repr(shown).encode("utf-8")).digest()


@dataclass(frozen=True)
class PostWithBody:
    """A rendered post with its HTML body: what a post page and the site feed show. Templates
    read it as they read the rendered post (`post.post.title`, `post.toc`, …) plus `post.html`."""

    item: RenderedPost
    html: str

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy and pickle probe for these before `item` exists
            raise AttributeError(name)
        return getattr(self.item, name)
