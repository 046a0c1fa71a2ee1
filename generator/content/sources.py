"""Finding post files and reading each by the reader of its form (Markdown here; notebooks and
executable Markdown in their own modules). The post made of a file's front matter is post_fields.py's."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from ..config import SiteConfig, display_path
from ..errors import Diagnostic, error, warning
from ..files import read_whole
from ..models import Document, Post
from .front_matter import Fields, split_front_matter
from .post_fields import (
    BUNDLE_INDEXES,
    FileDates,
    blog_dates,
    build_document,
    names_its_date,
)

YamlParser = Callable[[str], tuple[Any, dict[str, tuple[int, int]]]]

@dataclass(frozen=True)
class PostRead:
    """What reading one post file gave: its document (None when the front matter is unusable),
    the problems found, and whether the post is a function of its file and the settings alone
    (not when its date came from git history or the file's modification time)."""

    source: Path
    document: Document | None
    problems: tuple[Diagnostic, ...]
    standalone: bool


@dataclass(frozen=True)
class SourceSet:
    """Every post of the blog that is published, plus the diagnostics found while reading."""

    documents: tuple[Document, ...]
    diagnostics: tuple[Diagnostic, ...]
    next_release: datetime | None = None  # the earliest future post held back

    @property
    def posts(self) -> tuple[Post, ...]:
        return tuple(document.post for document in self.documents)


def find_post_files(config: SiteConfig) -> list[Path]:
    """The post files of every posts folder and the drafts folder, in order (see find_sources)."""
    return find_sources(config)[0]


def find_sources(config: SiteConfig) -> tuple[list[Path], list[Diagnostic]]:
    """The post files under each posts folder, then the drafts folder, each sorted by path:
    every file with a suffix of READERS, in sub-folders too, and `<slug>/index.md` (or `index.qmd`) bundles (the
    other files of a bundle are its assets). Any other file there is a warning naming it."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    for folder in config.read_folders:
        _walk_posts(config.root / folder, found, problems)
    return found, problems


def _walk_posts(folder: Path, found: list[Path], problems: list[Diagnostic], within: tuple[str, ...] = ()) -> None:
    """Add the post files under `folder`; `within` holds the real paths of the folders walked
    down to it, so a linked folder that leads back into one of them is an error, not a hang."""
    try:
        with os.scandir(folder) as scanned:  # entries know their type: no stat per post, as glob would
            entries = sorted(scanned, key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return
    within = (*within, os.path.realpath(folder))
    for entry in entries:
        if entry.name.startswith("."):  # .DS_Store, editor swap files, .ipynb_checkpoints
            continue
        try:
            is_dir, is_file = entry.is_dir(), entry.is_file()
        except OSError as exc:  # a link to itself: "too many levels of symbolic links"
            problems.append(error(display_path(Path(entry.path)), 1, 1, f"cannot be read: {_said(exc)}"))
            continue
        if is_dir and entry.is_symlink() and _loops(os.path.realpath(entry.path), within):
            problems.append(error(display_path(Path(entry.path)), 1, 1,
                                  "this link to a folder leads back into a folder that holds it (a loop)"))
        elif is_dir:
            index = next((n for n in BUNDLE_INDEXES if os.path.isfile(os.path.join(entry.path, n))), None)
            if index is not None:
                found.append(Path(entry.path, index))
            else:
                _walk_posts(Path(entry.path), found, problems, within)
        elif is_file:
            suffix = os.path.splitext(entry.name)[1].lower()
            if suffix in READERS:
                found.append(Path(entry.path))
            elif suffix not in RESOURCE_SUFFIXES:
                problems.append(warning(display_path(Path(entry.path)), 1, 1, _UNREAD))
        elif entry.is_symlink():
            problems.append(warning(display_path(Path(entry.path)), 1, 1, "this link leads to nothing; it is left out"))


def _said(exc: OSError) -> str:
    """An OSError's reason as a diagnostic says it: 'too many levels of symbolic links'."""
    return (exc.strerror or str(exc)).lower()


def read_posts(config: SiteConfig, *, drafts: bool, future: bool, now: datetime) -> SourceSet:
    """Read every post of the blog; drafts and future posts are left out unless asked for."""
    paths, unread = find_sources(config)
    dates = blog_dates(config)
    reads = [read_file(config, path, dates=dates) for path in paths]
    documents = {read.source: read.document for read in reads if read.document is not None}
    chosen, next_release = select_posts([d.post for d in documents.values()], drafts=drafts, future=future, now=now)
    return SourceSet(
        tuple(documents[post.source] for post in chosen),
        tuple(unread) + tuple(d for read in reads for d in read.problems),
        next_release,
    )


def select_posts(
    posts: Sequence[Post], *, drafts: bool, future: bool, now: datetime
) -> tuple[list[Post], datetime | None]:
    """The posts to publish, in the order given, and the date of the earliest future post held back."""
    chosen: list[Post] = []
    held: list[datetime] = []
    for post in posts:
        if publishes(post, drafts=drafts, future=future, now=now):
            chosen.append(post)
        elif drafts or not post.draft:  # a future post
            held.append(post.date)
    return chosen, min(held, default=None)


def publishes(post: Post, *, drafts: bool, future: bool, now: datetime) -> bool:
    """Whether a build publishes the post: not a draft unless `drafts`, not dated after `now` unless `future`."""
    return (drafts or not post.draft) and (future or post.date <= now)


def read_post(config: SiteConfig, path: Path) -> tuple[Post | None, list[Diagnostic]]:
    """Read one post file's front matter; None when it is unusable."""
    read = read_file(config, path)
    return (read.document.post if read.document else None), list(read.problems)


def read_file(config: SiteConfig, path: Path, parse_yaml: YamlParser | None = None,
              dates: FileDates | None = None) -> PostRead:
    """Read one post file by the reader READERS names for its suffix. `parse_yaml` parses its
    front matter (default: PyYAML, `front_matter.parse_yaml`); `dates` dates a post that names
    no date by its first commit (default: `blog_dates(config)`, one `git log` for this call)."""
    return READERS.get(path.suffix.lower(), read_markdown)(config, path, parse_yaml, dates)


READ_POOL_LEAST = 256  # posts: fewer are read here (a pool of two costs ~20 ms to fork, 100 posts' reading)


class SharedState(Protocol):
    """A `parse_yaml` or `dates` that keeps state of its own (the build store's: see
    incremental/parsed.py and history.py), so it can be used in forked worker processes."""

    def share(self, paths: Sequence[Path]) -> None: ...  # here, before workers fork to read `paths`

    def notes(self) -> Any: ...  # in a worker, after a batch: what this process must learn of it

    def take(self, notes: Any) -> None: ...  # here: a worker's notes


class BatchWork(Protocol):
    """Work a read worker does on each batch of posts it read, while it has them (a first
    build's rendering: content/render.py's RenderAhead), and what becomes of its result here."""

    def share(self) -> None: ...  # here, before workers fork: what they inherit (Markdown's modules)

    def __call__(self, reads: Sequence[PostRead]) -> tuple[Any, list[PostRead]]: ...  # in the worker: (result, reads sent back)

    def take(self, result: Any) -> None: ...  # here: a batch's result


def read_files(config: SiteConfig, paths: Sequence[Path], parse_yaml: YamlParser | None = None,
               dates: FileDates | None = None, *, jobs: int = 1,
               meanwhile: Callable[[], None] | None = None,
               keep: Callable[[Sequence[PostRead]], None] | None = None,
               ahead: BatchWork | None = None) -> list[PostRead]:
    """`read_file` for each path, in order; many of them (a first build) in `jobs` forked
    workers, while this process does `meanwhile()`. A helper with state of its own
    (`SharedState`) is made ready before they fork, and what each worker's copy learned comes
    back to it here. `keep(reads)` is called on each batch of reads in the process that read
    it (the build stores its post rows there: see Rebuild.keep_reads); then `ahead(reads)` there, in a
    worker (only where they are read in a pool), and `ahead.take(result)` here (`BatchWork`: a first build renders where it reads)."""
    if jobs <= 1 or len(paths) < READ_POOL_LEAST:
        reads = [read_file(config, path, parse_yaml, dates) for path in paths]
        if keep is not None:
            keep(reads)
        return reads
    from ..parallel import parallel_batches

    helpers: list[SharedState] = [h for h in (parse_yaml, dates) if hasattr(h, "notes")]  # type: ignore[misc]
    for helper in helpers:
        helper.share(paths)
    if ahead is not None:
        ahead.share()

    def read_batch(batch: Sequence[Path]) -> list[tuple[list[PostRead], list[Any]]]:  # in a worker
        reads = [read_file(config, path, parse_yaml, dates) for path in batch]
        if keep is not None:
            keep(reads)
        done, reads = ahead(reads) if ahead is not None else (None, reads)
        return [(reads, [helper.notes() for helper in helpers], done)]

    reads: list[PostRead] = []
    for batch, notes, done in parallel_batches(read_batch, paths, jobs=jobs, meanwhile=meanwhile):
        reads.extend(batch)
        for helper, note in zip(helpers, notes, strict=True):
            helper.take(note)
        if ahead is not None:
            ahead.take(done)
    return reads


def read_markdown(config: SiteConfig, path: Path, parse_yaml: YamlParser | None = None,
                  dates: FileDates | None = None) -> PostRead:
    """Read one Markdown post file: its document and every problem with it."""
    shown = display_path(path)
    data = read_whole(path)
    if is_executable_markdown(data):  # a MyST notebook
        return read_executable(config, path, parse_yaml, dates)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = exc.object[: exc.start]  # the bytes before the bad one: its line and column
        line, col = before.count(b"\n") + 1, exc.start - before.rfind(b"\n")
        return PostRead(path, None, (error(shown, line, col, "file is not valid UTF-8"),), True)
    # What reading in text mode did: universal newlines.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    split = split_front_matter(text, shown, parse_yaml)
    if isinstance(split, Diagnostic):
        return PostRead(path, None, (split,), True)
    meta, positions, body, body_line = split
    fields = Fields(shown, positions)
    document = build_document(config, path, shown, meta, fields, body, body_line, dates, hashlib.sha256(data).hexdigest())
    return PostRead(path, document, tuple(fields.problems), names_its_date(meta, path))


def is_executable_markdown(data: bytes) -> bool:
    """Whether a `.md` file is a MyST notebook (see content/executable.py): a plain post pays a
    substring search or two."""
    if b"{code-cell}" not in data and b"myst" not in data:
        return False
    from .executable import is_executable_markdown as is_myst

    return is_myst(data)


def read_notebook(config: SiteConfig, path: Path, parse_yaml: YamlParser | None = None,
                  dates: FileDates | None = None) -> PostRead:
    """A notebook as a post (content/notebook_posts.py)."""
    from .notebook_posts import read_notebook_post

    return read_notebook_post(config, path, parse_yaml, dates)


def read_executable(config: SiteConfig, path: Path, parse_yaml: YamlParser | None = None,
                    dates: FileDates | None = None) -> PostRead:
    """A Quarto, MyST or percent-format post: its own notebook (content/executable.py, which
    brings jupytext: loaded only for such a post)."""
    from . import executable

    return executable.read_file(config, path, parse_yaml, dates)


Reader = Callable[[SiteConfig, Path, "YamlParser | None", "FileDates | None"], PostRead]
# The post file forms journey reads, by suffix (lowercase), and the reader of each: the one
# place a new form (notebooks, executable Markdown) is added.
READERS: dict[str, Reader] = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".mkd": read_markdown,
    ".mkdn": read_markdown,
    ".qmd": read_executable,
    ".py": read_executable,
    ".ipynb": read_notebook,
}
# Files a post or notebook links to (fastpages keeps a notebook's images in `_notebooks/my_icons/`):
# in a posts folder they are resources, not posts journey failed to read.
RESOURCE_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".ico", ".bmp",
    ".mp4", ".webm", ".mp3", ".ogg", ".wav", ".pdf", ".csv", ".json", ".parquet",
})
_UNREAD = ("not a post: journey reads " + ", ".join(sorted(READERS)) + " files as posts; this file is left out"
           " (a post's images and other files go beside it in a <slug>/index.md folder)")


def _loops(target: str, within: tuple[str, ...]) -> bool:
    """Whether a linked folder leads back into the walk: to a folder walked down to here
    (`within`, the real paths, the current folder last), or to one that holds the current one."""
    return target in within or within[-1].startswith(target.rstrip(os.sep) + os.sep)
