"""Finding posts and splitting and validating their front matter."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import SiteConfig, display_path
from ..errors import Diagnostic, error, warning
from ..models import Document, Post
from .front_matter import JEKYLL_ACCEPTED, Fields, split_front_matter, uses_liquid
from .notebook_keys import notebook_uses
from .permalinks import redirects, url_path_of
from .slugs import slugify
from .bibliography_series_keys import bibliography_paths, series_of

KNOWN_KEYS = frozenset({
    "title", "date", "updated", "description", "summary", "tags", "categories", "category", "author",
    "pinned", "slug", "permalink", "draft", "published", "notebook", "params", "execute", "timeout",
    "allow_errors", "deps", "layout", "excerpt", "excerpt_separator", "redirect_from", "aliases",
    "last_modified_at", "authors", "image", "hide", "sticky_rank", "freeze", "resources", "time_budget",
    "code_fold", "dark_figures",
    "bibliography", "series",
}) | JEKYLL_ACCEPTED
YamlParser = Callable[[str], tuple[Any, dict[str, tuple[int, int]]]]
FileDates = Callable[[Path], "datetime | None"]  # a file's first commit time (content/git_dates.py)
BUNDLE_INDEXES = ("index.md", "index.qmd")  # `posts/<slug>/index.md`, Quarto's `posts/<slug>/index.qmd`
_DATED_NAME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")  # Jekyll takes 2017-2-5-name.md too

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
    folders = [*config.post_folders, *([config.drafts_dir] if config.drafts_dir else [])]
    for folder in dict.fromkeys(folders):
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
        if post.draft and not drafts:
            continue
        if post.date > now and not future:
            held.append(post.date)
            continue
        chosen.append(post)
    return chosen, min(held, default=None)


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


def blog_dates(config: SiteConfig) -> FileDates:
    """The first-commit dates of the blog's post files: one `git log` at the first question."""
    from .git_dates import git_dates

    folders = [*config.post_folders, *([config.drafts_dir] if config.drafts_dir else [])]
    return git_dates(config.root, [config.root / folder for folder in dict.fromkeys(folders)])


def read_markdown(config: SiteConfig, path: Path, parse_yaml: YamlParser | None = None,
                  dates: FileDates | None = None) -> PostRead:
    """Read one Markdown post file: its document and every problem with it."""
    shown = display_path(path)
    data = path.read_bytes()
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
    document = _build_document(config, path, shown, meta, fields, body, body_line, dates)
    if document is not None:
        document = replace(document, post=replace(document.post, digest=hashlib.sha256(data).hexdigest()))
    stem = path.parent.name if path.name in BUNDLE_INDEXES else path.stem
    dated = bool(meta and meta.get("date") is not None) or _DATED_NAME.match(stem) is not None
    return PostRead(path, document, tuple(fields.problems), dated)


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


def _build_document(
    config: SiteConfig,
    path: Path,
    shown: str,
    meta: dict[str, Any] | None,
    fields: Fields,
    body: str,
    body_line: int,
    dates: FileDates | None = None,
) -> Document | None:
    tz = config.tz
    named = _DATED_NAME.match(path.parent.name if path.name in BUNDLE_INDEXES else path.stem)
    stem = path.parent.name if path.name in BUNDLE_INDEXES else path.stem
    name_slug = named.group(4) if named else stem
    in_drafts = bool(config.drafts_dir) and path.is_relative_to(config.root / config.drafts_dir)
    if meta is None:
        meta = {}
        fields.warn(None, "no front matter; title and date are taken from the file")
        from .fix import pasted_signs  # only for a post without front matter

        signs = pasted_signs(body)
        if signs:
            fields.warn(None, f"this post looks pasted from another platform ({', '.join(signs)}); "
                              f"'journey fix {shown}' shows a fix")
    for key in sorted(set(meta) - KNOWN_KEYS, key=lambda k: fields.at(str(k))):
        fields.warn(str(key), f"unknown front matter key '{key}'")
    title = fields.string(meta, "title")
    if not title:
        title, body, body_line = _title_from_body(body, body_line, name_slug)
    moment = fields.moment(meta, "date", tz)
    if moment is None and meta.get("date") is None:  # no date, or `date:` left empty
        # Jekyll dates a draft by its file: no need to say so.
        moment = _fallback_date(path, named, tz, fields, dates or blog_dates(config), quiet=in_drafts)
    slug = slugify(fields.string(meta, "slug") or name_slug)
    if not slug:
        fields.fail("slug" if "slug" in meta else "title", "the post has no usable slug; set 'slug:'")
    named_as = fields.string(meta, "slug") or name_slug
    categories = fields.words(meta, "categories") or fields.words(meta, "category")
    url_path = url_path_of(config, fields, meta, slug, (named_as, categories), moment) if slug else None
    # Every other key is checked even when the date or URL is unusable: all problems in one run.
    checked = _checked_fields(config, path, shown, meta, fields)
    checked["categories"] = categories
    if in_drafts:
        checked["draft"] = True
    excerpt = _excerpt(config, meta, fields, body)
    if moment is None or url_path is None:
        return None
    post = Post(
        source=path,
        display_path=shown,
        slug=slug,
        url_path=url_path,
        title=title,
        date=moment,
        assets=post_assets(path),
        liquid=uses_liquid(body),
        **checked,
    )
    return Document(post, body, body_line, excerpt, meta)


def _checked_fields(
    config: SiteConfig, path: Path, shown: str, meta: dict[str, Any], fields: Fields
) -> dict[str, Any]:
    """The Post fields read straight from front matter, each validated at its key."""
    updated = "updated" if "updated" in meta else "last_modified_at"  # jekyll-last-modified-at's key
    rank = meta.get("sticky_rank") or 0  # fastpages: pinned, 1 first
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 0:
        fields.fail("sticky_rank", f"'sticky_rank' must be a positive whole number, got {rank!r}")
        rank = 0
    series, series_order = series_of(meta, fields)
    return {
        "updated": fields.moment(meta, updated, config.tz),
        "description": fields.string(meta, "description") or fields.string(meta, "summary"),
        "tags": fields.words(meta, "tags"),
        "author": fields.names(meta, "author" if "author" in meta else "authors", config.author),
        "pinned": fields.boolean(meta, "pinned", False) or rank > 0,
        "sticky_rank": rank,
        "hidden": fields.boolean(meta, "hide", False),
        "draft": fields.boolean(meta, "draft", False) or not fields.boolean(meta, "published", True),
        "layout": fields.string(meta, "layout"),
        "notebooks": notebook_uses(config, shown, meta, fields),
        "redirects": redirects(meta, fields),
        "image": fields.string(meta, "image"),
        "code_fold": _code_fold(meta, fields),
        "bibliography": bibliography_paths(config, path, meta, fields),
        "series": series,
        "series_order": series_order,
        "dark_figures": fields.boolean(meta, "dark_figures", True) if "dark_figures" in meta else None,
    }


def _code_fold(meta: dict[str, Any], fields: Fields) -> str:
    """`code_fold:` as Quarto spells it (none, show, hide; true means hide, false none)."""
    value = meta.get("code_fold")
    if value is None:
        return ""
    value = {True: "hide", False: "none"}.get(value, value) if isinstance(value, bool) else value
    if value not in ("none", "show", "hide"):
        fields.fail("code_fold", f"'code_fold' must be none, show or hide, got {value!r}")
        return ""
    return str(value)


def _excerpt(config: SiteConfig, meta: dict[str, Any], fields: Fields, body: str) -> str | None:
    """The post's summary as Markdown: `excerpt:`, else the body before the excerpt separator
    (`excerpt_separator:`, else the setting); None when neither is there."""
    if meta.get("excerpt") is not None:
        return fields.string(meta, "excerpt")
    separator = fields.string(meta, "excerpt_separator", config.excerpt_separator)
    if separator and separator in body:
        return body.split(separator, 1)[0]
    return None


def _title_from_body(body: str, body_line: int, fallback: str) -> tuple[str, str, int]:
    """The first `# heading` becomes the title (and leaves the body); else the file name."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("# "):
            rest = "\n".join(lines[:index] + [""] + lines[index + 1 :])
            return line[2:].strip().strip("#").strip(), rest, body_line
        if line.strip():
            break
    return fallback.replace("-", " ").replace("_", " ").strip().capitalize(), body, body_line


def _fallback_date(
    path: Path, named: re.Match[str] | None, tz: Any, fields: Fields, dates: FileDates, *, quiet: bool = False
) -> datetime | None:
    if named:
        try:
            return datetime(int(named.group(1)), int(named.group(2)), int(named.group(3)), tzinfo=tz)
        except ValueError:
            fields.fail("date", f"file name date '{named.group(0)[:10]}' is not a real date")
            return None
    source, moment = undated_post_date(path, tz, dates)
    if not quiet:
        fields.warn(None, f"no date; using the file's {source}")
    return moment


def undated_post_date(path: Path, tz: Any, dates: FileDates) -> tuple[str, datetime]:
    """(where it came from, the date) of a post that names no date, not even in its file name:
    its first git commit, else the file's modification time."""
    committed = dates(path)
    if committed is not None:
        return "first git commit", committed.astimezone(tz)
    return "modification time", datetime.fromtimestamp(int(path.stat().st_mtime), tz)


def post_assets(path: Path) -> tuple[Path, ...]:
    """Files beside a `slug/index.md` post, copied next to its page."""
    if path.name not in BUNDLE_INDEXES:
        return ()
    folder = path.parent
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            candidate = Path(dirpath) / name
            if candidate != path and not name.startswith("."):
                found.append(candidate)
    return tuple(found)


def _loops(target: str, within: tuple[str, ...]) -> bool:
    """Whether a linked folder leads back into the walk: to a folder walked down to here
    (`within`, the real paths, the current folder last), or to one that holds the current one."""
    return target in within or within[-1].startswith(target.rstrip(os.sep) + os.sep)
