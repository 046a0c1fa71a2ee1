"""Settings: the `[tool.journey]` table of the blog's pyproject.toml → a frozen SiteConfig."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import Diagnostic, JourneyError, error, warning
from .files import display_path
from .settings_file import key_position, settings_table

EXECUTE_MODES = ("auto", "always", "never")
EXECUTORS = ("local", "dask")
SCHEDULER_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|ucx)://[^\s/:]+(:\d{1,5})?/?$")  # Dask's own address form
SEARCH_MODES = ("auto", "pagefind", "json", "sharded")  # auto: Pagefind where its binary is installed
JEKYLL_CONFIG = "_config.yml"  # a Jekyll or fastpages root without [tool.journey] is read through it
DEFAULT_PHASES = ("Foundations", "Classical ML", "Deep learning", "Production")


@dataclass(frozen=True)
class SiteConfig:
    """The blog's validated settings; every field has a default so a bare folder builds."""

    root: Path
    title: str = "My journey"
    description: str = ""
    author: str = ""
    base_url: str = "/"
    language: str = "en"
    timezone: str = "UTC"
    posts_per_page: int = 10
    cname: str = ""
    posts_dir: str = "posts"
    posts_dirs: tuple[str, ...] = ()  # several posts folders (Jekyll's _posts/, _notebooks/); replaces posts_dir
    drafts_dir: str = ""  # a folder of drafts (Jekyll's _drafts/): its posts are drafts
    static_dir: str = "static"
    copy_dirs: tuple[str, ...] = ()  # folders copied to the same path in the site (Jekyll's assets/, images/)
    freeze_dir: str = "_freeze"
    environment: str = "notebooks/requirements.txt"
    kernel: str = ""
    timeout: int = 300
    execute: str = "auto"
    executor: str = "local"  # where notebooks run: local processes, or a Dask cluster
    scheduler: str = ""  # the Dask scheduler's address; "" with executor "dask": a LocalCluster
    time_budget: int = 0  # seconds for a whole notebook; 0: none (each cell still has `timeout`)
    worker_wait: int = 10  # seconds a notebook waits for a Dask worker that can take it, then fails
    key_packages: tuple[str, ...] = ("numpy", "scikit-learn", "torch", "matplotlib", "pandas")
    phases: tuple[str, ...] = DEFAULT_PHASES
    feed_entries: int = 20
    summary_words: int = 40
    permalink: str = ""  # the site-wide URL pattern of posts (Jekyll's); empty: posts/<slug>/
    excerpt_separator: str = "<!--more-->"
    search: str = "auto"  # the search index: auto, pagefind, json (search.json, the fallback) or sharded
    code_fold: str = "none"  # notebook code cells: none (shown), show (folded open), hide (folded closed)
    code_lines: int = 25  # a notebook code cell longer than this is collapsed with "Show all"
    output_lines: int = 40  # a text output longer than this shows its first and last lines
    bibliography: str = ""  # a .bib file for every post's citations (a post's `bibliography:` replaces it)
    repository: str = ""  # the blog's GitHub repository, owner/name: notebooks' Colab and Binder links
    repository_branch: str = "main"  # what those links follow when the blog is not in a git checkout
    llms_txt: bool = False  # /llms.txt and a Markdown copy beside each post page (Quarto's `llms-txt`)
    dark_figures: bool = True  # notebook matplotlib figures show their dark twin in dark mode
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @cached_property  # asked for per link and per page; a frozen dataclass's __dict__ keeps it
    def base_path(self) -> str:
        """The URL path the site is served under, always starting and ending with '/'."""
        path = urlsplit(self.base_url).path.strip("/")
        return f"/{path}/" if path else "/"

    @cached_property
    def site_url(self) -> str:
        """The absolute origin + base path, or '' when base_url has no host."""
        parts = urlsplit(self.base_url)
        if not parts.scheme or not parts.netloc:
            return ""
        return f"{parts.scheme}://{parts.netloc}{self.base_path}"

    @property
    def post_folders(self) -> tuple[str, ...]:
        """The folders posts are read from, relative to the root, in order."""
        return self.posts_dirs or (self.posts_dir,)

    @property
    def read_folders(self) -> tuple[str, ...]:
        """The folders post files are read from: the posts folders, then the drafts folder, each once."""
        return tuple(dict.fromkeys([*self.post_folders, *([self.drafts_dir] if self.drafts_dir else [])]))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def url(self, path: str) -> str:
        """A root-relative URL for a site path such as 'posts/x/', honouring the base path."""
        return self.base_path + path.lstrip("/")

    def absolute_url(self, path: str) -> str:
        """An absolute URL when the site URL is known, else the root-relative one."""
        site = self.site_url
        return site + path.lstrip("/") if site else self.url(path)


def source_folders(config: SiteConfig) -> list[str]:
    """The folders of the blog's own files, relative to its root: posts, drafts, static files
    and folders copied as they are."""
    return list(dict.fromkeys([*config.read_folders, config.static_dir, *config.copy_dirs]))


def input_folders(config: SiteConfig) -> list[Path]:
    """The folders a build reads (the output folder may be inside none of them)."""
    root = config.root
    return [*(root / folder for folder in source_folders(config)), root / config.freeze_dir, root / "notebooks",
            *theme_dirs(config), root / "_includes"]


_TYPES: dict[str, type] = {
    f.name: f.type for f in fields(SiteConfig) if f.name not in ("root", "extra")  # type: ignore[misc]
}


def load_config(root: Path, base_url: str | None = None,
                parse_toml: Callable[[str], dict[str, Any]] | None = None) -> tuple[SiteConfig, list[Diagnostic]]:
    """Read and validate the blog's settings: (config, warnings); raise JourneyError on any error.
    `parse_toml` reads pyproject.toml's text (default: `tomllib.loads`)."""
    path = root / "pyproject.toml"
    shown = display_path(path)
    table: dict[str, Any] | None = None
    problems: list[Diagnostic] = []
    text = ""
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        table = settings_table(text, shown, parse_toml)
    if table is None and (root / JEKYLL_CONFIG).is_file():
        from .jekyll_config import load_jekyll_config

        return load_jekyll_config(root, base_url)
    table = table or {}
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in _TYPES:
            if name == "extra" and isinstance(value, dict):
                extra = value
                continue
            problems.append(warning(shown, *key_position(text, key), f"unknown setting '{key}'"))
            continue
        checked = _check(name, value)
        if isinstance(checked, str) and checked.startswith("\0"):
            problems.append(error(shown, *key_position(text, key), f"setting '{key}': {checked[1:]}"))
        else:
            values[name] = checked
    if base_url is not None:
        values["base_url"] = base_url
    config = SiteConfig(root=root, extra=extra, **values)
    problems.extend(check_semantics(config, shown, lambda key: key_position(text, key)))
    if any(d.is_error for d in problems):
        raise JourneyError(problems)
    return config, problems


def _check(name: str, value: Any) -> Any:
    """Return the value converted to its field's type, or '\\0reason' when it does not fit."""
    expected = _TYPES[name]
    if expected in ("str", str):
        return value if isinstance(value, str) else "\0expected a string, got " + _kind(value)
    if expected in ("bool", bool):
        return value if isinstance(value, bool) else "\0expected true or false, got " + _kind(value)
    if expected in ("int", int):
        if isinstance(value, bool) or not isinstance(value, int):
            return "\0expected an integer, got " + _kind(value)
        return value if value > 0 else "\0expected a positive integer, got " + str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return "\0expected a list of strings, got " + _kind(value)


def check_semantics(config: SiteConfig, path: str, where: Callable[[str], tuple[int, int]]) -> list[Diagnostic]:
    """What no single value shows: zones, modes, folders, URLs, patterns; `where(key)` places a key."""
    from .content.permalinks import pattern_problem

    problems = []
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            error(path, *where("timezone"), f"setting 'timezone': unknown time zone '{config.timezone}'")
        )
    if config.execute not in EXECUTE_MODES:
        problems.append(
            error(
                path,
                *where("execute"),
                f"setting 'execute': expected one of auto, always, never, got '{config.execute}'",
            )
        )
    if config.executor not in EXECUTORS:
        problems.append(error(path, *where("executor"),
                              f"setting 'executor': expected local or dask, got '{config.executor}'"))
    if config.scheduler and not SCHEDULER_ADDRESS.match(config.scheduler):
        problems.append(error(path, *where("scheduler"), "setting 'scheduler': expected a Dask scheduler "
                              f"address such as tcp://10.0.0.5:8786, got '{config.scheduler}'"))
    if config.search not in SEARCH_MODES:
        problems.append(error(path, *where("search"),
                              f"setting 'search': expected one of auto, pagefind, json, sharded, got '{config.search}'"))
    elif config.search == "pagefind":
        from .website.search_engine import pagefind_binary

        if pagefind_binary() is None:
            problems.append(error(path, *where("search"), "setting 'search': 'pagefind' needs the Pagefind binary, "
                                  "which is not installed (pip install pagefind_bin), or set search = \"auto\""))
    folders = [(key, getattr(config, key)) for key in ("posts_dir", "static_dir", "freeze_dir", "environment")]
    folders += [(key, value) for key in ("posts_dirs", "copy_dirs") for value in getattr(config, key)]
    folders += [("drafts_dir", config.drafts_dir)] if config.drafts_dir else []
    for key, value in folders:
        inside = (config.root / value).resolve().is_relative_to(config.root.resolve())
        if not value or Path(value).is_absolute() or not inside:
            problems.append(error(path, *where(key),
                                  f"setting '{key}': must be a path inside the blog folder, got '{value}'"))
    if config.code_fold not in ("none", "show", "hide"):
        problems.append(error(path, *where("code_fold"),
                              f"setting 'code_fold': expected one of none, show, hide, got '{config.code_fold}'"))
    if config.bibliography and not (config.root / config.bibliography).is_file():
        problems.append(error(path, *where("bibliography"), f"setting 'bibliography': '{config.bibliography}' does not exist"))
    if config.repository and not re.fullmatch(r"[\w.-]+/[\w.-]+", config.repository):
        problems.append(error(path, *where("repository"),
                              f"setting 'repository': expected a GitHub repository as owner/name, got '{config.repository}'"))
    if config.permalink and (problem := pattern_problem(config.permalink)):
        problems.append(error(path, *where("permalink"), f"setting 'permalink': {problem}"))
    parts = urlsplit(config.base_url)
    if parts.scheme not in ("", "http", "https") or (parts.scheme and not parts.netloc):
        problems.append(
            error(
                path,
                *where("base_url"),
                f"setting 'base_url': expected an http(s) URL or a path such as /repo/, got '{config.base_url}'",
            )
        )
    return problems


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def default_theme_dir() -> Path:
    """The theme shipped in the wheel, or `templates/` of a source checkout."""
    packaged = Path(__file__).parent / "theme"
    if (packaged / "base.html").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def theme_dirs(config: SiteConfig) -> list[Path]:
    """The blog's own `templates/` first (overrides), then the default theme."""
    own = config.root / "templates"
    default = default_theme_dir()
    dirs = [own] if own.is_dir() and own.resolve() != default.resolve() else []
    return dirs + [default]
