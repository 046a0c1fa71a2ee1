"""A post's URL: its permalink, Jekyll's patterns (`/:year/:month/:day/:title.html`), and its old URLs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from .front_matter import Fields, kind_of

if TYPE_CHECKING:
    from ..config import SiteConfig

# Jekyll's named styles (https://jekyllrb.com/docs/permalinks/#built-in-formats), for the
# site-wide setting.
STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
NAME_MAX = 255  # bytes in one file or folder name on Linux, macOS and Windows file systems
_PLACEHOLDER = re.compile(r":([a-z_]+)")
_DATE_FORMATS = {
    "year": "%Y", "short_year": "%y", "month": "%m", "short_month": "%b", "long_month": "%B", "day": "%d",
    "y_day": "%j", "week": "%V", "short_day": "%a", "long_day": "%A", "hour": "%H", "minute": "%M",
    "second": "%S",
}
PLACEHOLDERS = (*_DATE_FORMATS, "i_month", "i_day", "title", "slug", "categories", "slugified_categories",
                "output_ext")
_PRETTY = re.compile(r"(?:[^\w.~!$&'()+,;=@]|_)+")  # Jekyll's slugify mode "pretty" keeps these
_DEFAULT = re.compile(r"(?:\W|_)+")  # mode "default": letters and digits only


def too_long(parts: Sequence[str]) -> str | None:
    """What is wrong with the first part longer than a file or folder name may be, or None:
    "'aaaaaaaaaaaaaaaaaaaa…' is 300 bytes long; a file or folder name may have at most 255"."""
    long = next((part for part in parts if len(part.encode("utf-8")) > NAME_MAX), None)
    if long is None:
        return None
    return f"'{long[:20]}…' is {len(long.encode('utf-8'))} bytes long; a file or folder name may have at most {NAME_MAX}"


def expand_style(pattern: str) -> str:
    """A named style (`date`, `pretty`, `ordinal`, `weekdate`, `none`) as its pattern."""
    return STYLES.get(pattern.strip(), pattern)


def is_pattern(permalink: str) -> bool:
    """Whether a permalink has `:placeholders` (otherwise it is a literal path)."""
    return _PLACEHOLDER.search(permalink) is not None


def pattern_problem(pattern: str) -> str | None:
    """What is wrong with a permalink pattern (an unknown placeholder), or None."""
    for name in _PLACEHOLDER.findall(expand_style(pattern)):
        if name not in PLACEHOLDERS:
            known = ", ".join(f":{p}" for p in PLACEHOLDERS)
            return f"unknown placeholder ':{name}' in permalink '{pattern}' (known: {known})"
    return None


def expand(pattern: str, *, date: datetime, name: str, categories: Sequence[str]) -> str:
    """The site path a pattern gives a post: `name` is its slug as written (the file name after
    the date, or `slug:`), `date` in the blog's time zone. Jekyll's rules: `:title` keeps case
    and most punctuation, `:slug` is lowercase words, `:categories` the lowercased categories
    as folders (nothing when there are none), and empty segments collapse."""
    values = {key: date.strftime(form) for key, form in _DATE_FORMATS.items()}
    values.update(
        i_month=str(date.month),
        i_day=str(date.day),
        title=_PRETTY.sub("-", name).strip("-"),
        slug=_DEFAULT.sub("-", name).strip("-").lower(),
        categories="/".join(dict.fromkeys(c.lower() for c in categories)),
        slugified_categories="/".join(dict.fromkeys(_DEFAULT.sub("-", c).strip("-").lower() for c in categories)),
        output_ext=".html",
    )
    path = _PLACEHOLDER.sub(lambda found: values[found.group(1)], expand_style(pattern))
    return re.sub(r"/{2,}", "/", path)


def url_path_of(
    config: SiteConfig, fields: Fields, meta: dict[str, Any], slug: str, named: tuple[str, tuple[str, ...]],
    moment: datetime | None,
) -> str | None:
    """`posts/<slug>/`, or the post's permalink (a path, or a Jekyll pattern such as
    `/:year/:month/:day/:title.html`), else the site's permalink pattern, when it stays inside
    the site. A path ending in .html or .xml is that file; any other is a folder. `named` is the
    post's name as written (for `:title`) and its categories."""
    permalink = fields.string(meta, "permalink")
    key = "permalink"
    if not permalink and config.permalink:
        permalink, key = config.permalink, ""
    if not permalink:
        if (long := too_long([slug])) is not None:
            fields.fail("slug" if "slug" in meta else "title", f"the slug {long}")
            return None
        return f"posts/{slug}/"
    if key and is_pattern(permalink) and (problem := pattern_problem(permalink)):
        fields.fail(key, problem)
        return None
    if is_pattern(permalink) or not key:
        if moment is None:
            return None  # the date's problem is reported
        permalink = expand(permalink, date=moment.astimezone(config.tz), name=named[0], categories=named[1])
    parts = PurePosixPath("/" + permalink.strip()).parts[1:]
    if any(p in ("..", ".") or "\\" in p for p in parts) or not parts:
        fields.fail(key, f"permalink '{permalink}' must stay inside the site")
        return None
    if (long := too_long(parts)) is not None:
        fields.fail(key, f"permalink part {long}")
        return None
    clean = "/".join(parts)
    return clean if clean.endswith((".html", ".xml")) else clean + "/"


def redirects(meta: dict[str, Any], fields: Fields) -> tuple[str, ...]:
    """The old site paths of `redirect_from` (jekyll-redirect-from) and `aliases` (Hugo)."""
    found: list[str] = []
    for key in ("redirect_from", "aliases"):
        value = meta.get(key)
        if value is None:
            continue
        olds = [value] if isinstance(value, str) else value
        if not isinstance(olds, list) or not all(isinstance(old, str) for old in olds):
            fields.fail(key, f"'{key}' must be a path or a list of paths, got {kind_of(value)}")
            continue
        for old in olds:
            parts = PurePosixPath("/" + old.strip()).parts[1:]
            if not parts or any(p in ("..", ".") or "\\" in p for p in parts):
                fields.fail(key, f"redirect '{old}' must be a path inside the site")
                continue
            if (long := too_long(parts)) is not None:
                fields.fail(key, f"redirect part {long}")
                continue
            clean = "/".join(parts)  # the redirect page's file: old.html itself, else old/index.html
            found.append(clean if clean.endswith((".html", ".htm")) else clean + "/index.html")
    return tuple(dict.fromkeys(found))
