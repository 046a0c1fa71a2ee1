"""Permalink patterns as Jekyll reads them: `/:year/:month/:day/:title.html` → a post's site path."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

# Jekyll's named styles (https://jekyllrb.com/docs/permalinks/#built-in-formats), for the
# site-wide setting.
STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
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
