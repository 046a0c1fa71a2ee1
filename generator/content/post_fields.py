"""A post file's front matter and text made into a validated `Post`: the keys journey knows,
the title, date, slug and URL with their fallbacks (the first heading, a dated file name, the
first git commit, the file's time), and every other field checked at its key. The readers in
sources.py, notebook_posts.py and executable.py split a file; this makes the post of it."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..config import SiteConfig
from ..models import Document, Post, restored
from .bibliography_series_keys import bibliography_paths, series_of
from .front_matter import JEKYLL_ACCEPTED, Fields, uses_liquid
from .notebook_keys import notebook_uses
from .permalinks import redirects, url_path_of
from .slugs import slugify

KNOWN_KEYS = frozenset({
    "title", "date", "updated", "description", "summary", "tags", "categories", "category", "author",
    "pinned", "slug", "permalink", "draft", "published", "notebook", "params", "execute", "timeout",
    "allow_errors", "deps", "layout", "excerpt", "excerpt_separator", "redirect_from", "aliases",
    "last_modified_at", "authors", "image", "hide", "sticky_rank", "freeze", "resources", "time_budget",
    "code_fold", "dark_figures",
    "bibliography", "series",
}) | JEKYLL_ACCEPTED

FileDates = Callable[[Path], "datetime | None"]  # a file's first commit time (content/git_dates.py)
BUNDLE_INDEXES = ("index.md", "index.qmd")  # `posts/<slug>/index.md`, Quarto's `posts/<slug>/index.qmd`
DATED_NAME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")  # Jekyll takes 2017-2-5-name.md too


def blog_dates(config: SiteConfig) -> FileDates:
    """The first-commit dates of the blog's post files: one `git log` at the first question."""
    from .git_dates import git_dates

    return git_dates(config.root, [config.root / folder for folder in config.read_folders])


def build_document(
    config: SiteConfig,
    path: Path,
    shown: str,
    meta: dict[str, Any] | None,
    fields: Fields,
    body: str,
    body_line: int,
    dates: FileDates | None = None,
    digest: str = "",
) -> Document | None:
    """The post file's document (None when its date or URL is unusable: `fields` says why);
    `digest` is the SHA-256 of the file's bytes."""
    tz = config.tz
    stem = path.parent.name if path.name in BUNDLE_INDEXES else path.stem
    named = DATED_NAME.match(stem)
    name_slug = named.group(4) if named else stem
    in_drafts = bool(config.drafts_dir) and f"{path}{os.sep}".startswith(_drafts_folder(config.root, config.drafts_dir))
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
    moment, undated = fields.moment(meta, "date", tz), ""
    if moment is None and meta.get("date") is None:  # no date, or `date:` left empty
        # Jekyll dates a draft by its file: no need to say so.
        moment, undated = _fallback_date(path, named, tz, fields, dates or blog_dates(config), quiet=in_drafts)
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
    # Every field, as restored() wants (the frozen dataclass's __init__ costs ~6 µs more a post).
    post = restored(Post, {"source": path, "display_path": shown, "slug": slug, "url_path": url_path, "title": title,
                           "date": moment, "assets": post_assets(path), "liquid": uses_liquid(body), "digest": digest,
                           **checked})
    return Document(post, body, body_line, excerpt, meta, undated)


@lru_cache(maxsize=8)
def _drafts_folder(root: Path, drafts: str) -> str:
    """The drafts folder as a prefix of the paths inside it."""
    return f"{root / drafts}{os.sep}"


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
) -> tuple[datetime | None, str]:
    """The date of a post whose front matter names none, and where it came from when not its
    file name (`undated_post_date`'s "first git commit" or "modification time")."""
    if named:
        try:
            return datetime(int(named.group(1)), int(named.group(2)), int(named.group(3)), tzinfo=tz), ""
        except ValueError:
            fields.fail("date", f"file name date '{named.group(0)[:10]}' is not a real date")
            return None, ""
    source, moment = undated_post_date(path, tz, dates)
    if not quiet:
        fields.warn(None, f"no date; using the file's {source}")
    return moment, source


def undated_post_date(path: Path, tz: Any, dates: FileDates) -> tuple[str, datetime]:
    """(where it came from, the date) of a post that names no date, not even in its file name:
    its first git commit, else the file's modification time."""
    committed = dates(path)
    if committed is not None:
        return "first git commit", committed.astimezone(tz)
    return "modification time", datetime.fromtimestamp(int(os.stat(path).st_mtime), tz)


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


def names_its_date(meta: dict[str, Any] | None, path: Path) -> bool:
    """Whether a post is dated by its own file (a `date:` or a dated file name), not by git or
    the file's time: then its reading depends on nothing else."""
    return bool(meta and meta.get("date") is not None) or dated_by_name(path)


def dated_by_name(path: Path) -> bool:
    """Whether a post file's name (a bundle's: its folder's) carries its date, as Jekyll's do."""
    return DATED_NAME.match(path.parent.name if path.name in BUNDLE_INDEXES else path.stem) is not None
