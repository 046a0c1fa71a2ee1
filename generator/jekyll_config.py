"""Settings of a Jekyll or fastpages root without [tool.journey]: its `_config.yml` → a SiteConfig."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import JEKYLL_CONFIG, SiteConfig, check_semantics, display_path
from .content.front_matter import join_names, kind_of, parse_yaml
from .errors import Diagnostic, JourneyError, error, warning

# Where Jekyll and fastpages keep things; Jekyll's default permalink style is `date`.
JEKYLL_FOLDERS: dict[str, Any] = {
    "posts_dirs": ("_posts", "_notebooks"),
    "drafts_dir": "_drafts",
    "copy_dirs": ("assets", "images"),
    "permalink": "date",
}
_STRINGS = {"title": "title", "description": "description", "timezone": "timezone", "permalink": "permalink",
            "excerpt_separator": "excerpt_separator", "lang": "language"}


def load_jekyll_config(root: Path, base_url: str | None = None) -> tuple[SiteConfig, list[Diagnostic]]:
    """Read `_config.yml` as Jekyll does; every key is kept in `SiteConfig.extra` (for `site.*`),
    and keys journey has no use for (plugins, theme, kramdown, exclude, …) are no problem."""
    path = root / JEKYLL_CONFIG
    shown = display_path(path)
    data, positions = _read(path, shown)

    def where(key: str) -> tuple[int, int]:
        line, col = positions.get(key, (1, 1))
        return line - 1, col  # parse_yaml counts a front-matter fence above the first line

    values: dict[str, Any] = dict(JEKYLL_FOLDERS)
    problems: list[Diagnostic] = []

    def bad(key: str, expected: str) -> None:
        problems.append(error(shown, *where(key), f"setting '{key}': expected {expected}, got {kind_of(data[key])}"))

    for key, name in _STRINGS.items():
        if data.get(key) is not None:
            if isinstance(data[key], (str, int, float)) and not isinstance(data[key], bool):
                values[name] = str(data[key])  # YAML reads `title: 2048` as a number; Jekyll prints it
            else:
                bad(key, "a string")
    if data.get("author") is not None:
        author = _author(data["author"])
        if author is None:
            bad("author", "a name, a list of names or a mapping with 'name'")
        else:
            values["author"] = author
    if data.get("paginate") is not None:
        pages = data["paginate"]
        if isinstance(pages, bool) or not isinstance(pages, int) or pages <= 0:
            bad("paginate", "a positive integer")
        else:
            values["posts_per_page"] = pages
    for key in ("url", "baseurl"):
        if data.get(key) is not None and not isinstance(data[key], str):
            bad(key, "a string")
    url, baseurl = data.get("url"), data.get("baseurl")
    joined = _base_url(url if isinstance(url, str) else "", baseurl if isinstance(baseurl, str) else "")
    values["base_url"] = base_url if base_url is not None else joined
    problems += _defaults_problems(data, shown, where)
    config = SiteConfig(root=root, extra=data, **values)
    problems += check_semantics(config, shown, lambda key: where({"language": "lang"}.get(key, key)))
    if any(d.is_error for d in problems):
        raise JourneyError(problems)
    return config, problems


def _defaults_problems(data: dict[str, Any], shown: str, where: Any) -> list[Diagnostic]:
    """Jekyll's front matter `defaults` are not applied: a warning names the keys among them that
    would change the site (layout, comments, toc and the like change nothing in journey)."""
    from .content.front_matter import JEKYLL_ACCEPTED

    entries = data.get("defaults")
    if not isinstance(entries, list):
        return []
    keys = {str(k) for entry in entries if isinstance(entry, dict) and isinstance(entry.get("values"), dict)
            for k in entry["values"]}
    matter = sorted(keys - JEKYLL_ACCEPTED - {"layout"})
    if not matter:
        return []
    named = ", ".join(f"'{k}'" for k in matter)
    return [warning(shown, *where("defaults"), f"front matter defaults are not applied; set {named} in the posts")]


def _read(path: Path, shown: str) -> tuple[dict[str, Any], dict[str, tuple[int, int]]]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise JourneyError(error(shown, 1, 1, "_config.yml is not valid UTF-8")) from None
    try:
        data, positions = parse_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise JourneyError(error(shown, line, col, f"invalid YAML: {exc.problem or exc.context}")) from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise JourneyError(error(shown, 1, 1, "_config.yml must be a mapping of settings"))
    return {str(k): v for k, v in data.items()}, positions


def _author(value: Any) -> str | None:
    """Jekyll themes take a name, a list of names, or a mapping such as {name: …, email: …}."""
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return join_names(value)
    return None


def _base_url(url: str, baseurl: str) -> str:
    """Jekyll's `url` + `baseurl` as one base URL: 'https://user.github.io' + '/blog' → '…/blog/'."""
    path = baseurl.strip("/")
    if not url:
        return f"/{path}/" if path else "/"
    return url.rstrip("/") + (f"/{path}/" if path else "/")
