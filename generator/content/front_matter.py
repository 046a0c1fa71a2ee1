"""Front matter: the YAML block at the top of a post, with typed, located access."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from functools import cache
from typing import TYPE_CHECKING, Any

from ..errors import Diagnostic, error, warning
from .plain_yaml import plain_mapping

if TYPE_CHECKING:
    import yaml

_JEKYLL_DATETIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(:\d{2}(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
# Keys of Jekyll, minima and fastpages posts that journey accepts without using them (see
# README.md, "Moving a blog to journey"): no "unknown key" warning.
JEKYLL_ACCEPTED = frozenset({
    "comments", "toc", "badges", "search_exclude", "hide_binder_badge",
    "hide_colab_badge", "hide_github_badge", "hide_deepnote_badge", "hide_comments", "branch", "nb_path",
    "use_math", "show_tags", "sitemap", "render_with_liquid", "share", "math", "mathjax", "header",
    "tagline", "subtitle", "lang",
})
_FENCE = re.compile(r"^(?:---|\.\.\.)\s*$")


def _yaml() -> Any:
    """PyYAML, imported when a YAML block is first parsed (~20 ms): a build that reads no post
    (every post unchanged) never needs it."""
    import yaml

    return yaml


@cache
def _loaders() -> tuple[type, type]:
    """(fast, clear) loaders, made on first use."""
    yaml = _yaml()

    class _FrontMatterLoader(yaml.SafeLoader):  # type: ignore[misc]
        """SafeLoader that keeps an impossible date such as 2024-13-45 as text: PyYAML raises a
        bare ValueError for it, and as text it reaches the 'date' check, which reports it at its
        key."""

    class _FastFrontMatterLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        """The same on libyaml (10× faster); its error messages are terser, so errors are re-read
        with the pure-Python loader for the diagnostic."""

    for loader in (_FrontMatterLoader, _FastFrontMatterLoader):
        loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
    return _FastFrontMatterLoader, _FrontMatterLoader


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


def _compose_and_load(source: str) -> tuple[Any, Any]:
    """The YAML node tree (for key positions) and its value, from one parse."""
    fast, clear = _loaders()
    try:
        return _parse(fast, source)
    except _yaml().YAMLError:
        return _parse(clear, source)  # raises again, with PyYAML's clearer message


def _parse(kind: type, source: str) -> tuple[Any, Any]:
    loader = kind(source)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def parse_yaml(source: str) -> tuple[Any, dict[str, tuple[int, int]]]:
    """(value, line and column of each top-level key in the post file) of a front-matter block;
    raises yaml.MarkedYAMLError like PyYAML. A block of `key: text` lines is read without it."""
    return plain_mapping(source) or pyyaml_mapping(source)


def pyyaml_mapping(source: str) -> tuple[Any, dict[str, tuple[int, int]]]:
    """`parse_yaml` by PyYAML alone."""
    node, meta = _compose_and_load(source)
    positions = {}
    if isinstance(node, _yaml().MappingNode):
        for key_node, _ in node.value:
            positions[str(key_node.value)] = (key_node.start_mark.line + 2, key_node.start_mark.column + 1)
    return meta, positions


def split_front_matter(
    text: str, shown: str, parse: Callable[[str], tuple[Any, dict[str, tuple[int, int]]]] | None = None
) -> tuple[dict[str, Any] | None, dict[str, tuple[int, int]], str, int] | Diagnostic:
    """(front matter or None, key positions, body, body's first line) or a YAML diagnostic;
    `parse` turns the YAML block into (value, key positions) (default: `parse_yaml`)."""
    found = _fences(text)
    if found is None:
        return None, {}, text, 1
    if found is False:
        return error(shown, 1, 1, "front matter starts with '---' but has no closing '---'")
    source, body, end = found
    try:
        meta, positions = (parse or parse_yaml)(source)
    except _yaml().MarkedYAMLError as exc:  # evaluated only when something was raised
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 2, mark.column + 1) if mark else (2, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        return error(shown, line, col, f"invalid YAML in front matter: {problem}")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return error(shown, 2, 1, "front matter must be a mapping of keys to values")
    return meta, positions, body, end + 2


def _fences(text: str) -> tuple[str, str, int] | bool | None:
    """(the YAML between the fences, the body after them, the closing fence's line index), None
    when the text does not begin with `---`, False when no line closes it. Line by line from the
    top, not the whole post split into lines and joined again."""
    newline = text.find("\n")
    if (text if newline == -1 else text[:newline]).rstrip() != "---":
        return None
    start = at = newline + 1
    number = 1
    while newline != -1:
        newline = text.find("\n", at)
        if _FENCE.match(text[at:] if newline == -1 else text[at:newline]):
            return text[start : at - 1] if at > start else "", "" if newline == -1 else text[newline + 1 :], number
        at, number = newline + 1, number + 1
    return False


class Fields:
    """Typed access to front-matter values that records a diagnostic at the key on a bad value."""

    def __init__(self, shown: str, positions: dict[str, tuple[int, int]]) -> None:
        self.shown = shown
        self.positions = positions
        self.problems: list[Diagnostic] = []

    def at(self, key: str) -> tuple[int, int]:
        return self.positions.get(key, (1, 1))

    def fail(self, key: str, message: str) -> None:
        self.problems.append(error(self.shown, *self.at(key), message))

    def warn(self, key: str | None, message: str) -> None:
        line, col = self.at(key) if key else (1, 1)
        self.problems.append(warning(self.shown, line, col, message))

    def string(self, meta: dict[str, Any], key: str, default: str = "") -> str:
        value = meta.get(key, default)
        if value is None:
            return default
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        self.fail(key, f"'{key}' must be a string, got {kind_of(value)}")
        return default

    def names(self, meta: dict[str, Any], key: str, default: str = "") -> str:
        """A name or a list of names (Jekyll's `author: [a, b]`), as one string: 'a and b'."""
        value = meta.get(key)
        if isinstance(value, list) and value and all(_is_name(v) for v in value):
            return join_names([str(v) for v in value])
        if isinstance(value, dict) and _is_name(value.get("name")):  # {name: …, email: …}
            return str(value["name"])
        if value is None or _is_name(value):
            return self.string(meta, key, default)
        self.fail(key, f"'{key}' must be a name or a list of names, got {kind_of(value)}")
        return default

    def boolean(self, meta: dict[str, Any], key: str, default: bool) -> bool:
        value = meta.get(key, default)
        if isinstance(value, bool):
            return value
        self.fail(key, f"'{key}' must be true or false, got {kind_of(value)}")
        return default

    def words(self, meta: dict[str, Any], key: str) -> tuple[str, ...]:
        """A YAML list or a space/comma separated string (Jekyll style)."""
        value = meta.get(key)
        if value is None:
            return ()
        if _is_name(value) and not isinstance(value, str):  # `category: 2013`
            return (str(value),)
        if isinstance(value, str):
            parts = re.split(r"[,\s]+", value) if "," not in value else value.split(",")
            return tuple(p.strip() for p in parts if p.strip())
        if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            return tuple(str(v).strip() for v in value if str(v).strip())
        self.fail(key, f"'{key}' must be a list or a comma separated string, got {kind_of(value)}")
        return ()

    def moment(self, meta: dict[str, Any], key: str, tz: Any) -> datetime | None:
        value = meta.get(key)
        if value is None:
            return None
        parsed = parse_datetime(value, tz)
        if parsed is None:
            self.fail(key, f"'{key}' must be a date like 2026-03-01 or an ISO datetime, got {value!r}")
        elif not _representable(parsed, tz):
            self.fail(key, f"'{key}' is out of range: {parsed.isoformat()} is outside the years 1 to 9999 "
                           f"in UTC or in the blog's time zone")
            return None
        return parsed


def parse_datetime(value: Any, tz: Any) -> datetime | None:
    """A YAML date, datetime or string read in the blog's time zone; None when unreadable."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        text = value.strip()
        jekyll = _JEKYLL_DATETIME.match(text)
        if jekyll:  # Jekyll's forms: 2023-1-29, 2023-01-29 18:30, 2023-01-29 18:30:22 -0800
            year, month, day, hour, minute, seconds, offset = jekyll.groups()
            offset = offset or ""
            if offset and offset != "Z" and ":" not in offset:
                offset = offset[:3] + ":" + offset[3:]
            clock = f"T{int(hour):02d}:{minute}{seconds or ''}" if hour else ""
            text = f"{year}-{int(month):02d}-{int(day):02d}{clock}{offset}"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _representable(moment: datetime, tz: Any) -> bool:
    """Whether a time converts to UTC and to the blog's zone (feeds and permalinks need both):
    0001-01-01T00:00:00+14:00 is a valid ISO datetime that lies before year 1 in UTC."""
    try:
        moment.astimezone(UTC)
        moment.astimezone(tz)
    except OverflowError:
        return False
    return True


def join_names(names: list[str]) -> str:
    """Several authors as one line: 'a', 'a and b', 'a, b and c'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _is_name(value: Any) -> bool:
    """A string or a number (YAML reads `category: 2013` as one), not a boolean."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def kind_of(value: Any) -> str:
    """How a wrong-typed value is named in a diagnostic: "a number", "a list", …"""
    if isinstance(value, bool):
        return "a boolean"
    return {int: "a number", float: "a number", str: "a string", list: "a list", dict: "a mapping"}.get(
        type(value), type(value).__name__
    )


def uses_liquid(body: str) -> bool:
    """Whether a post body holds Liquid: `{%` or `{{` that is not a journey shortcode `{{<`.
    Here, not in liquid.py, so that reading a post without Liquid loads none of it."""
    return "{%" in body or ("{{" in body and body.count("{{") > body.count("{{<"))
