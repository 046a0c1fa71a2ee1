"""Check: the built site's links and anchors, the posts' images and notebooks, Pages preflight.

The GitHub Pages preflight (size limits, dotfiles, .nojekyll, CNAME) lives in preflight.py,
the checks of the posts' own files in check_sources.py.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..config import SiteConfig, display_path
from ..errors import Diagnostic, error
from ..models import Document
from .check_sources import check_sources, is_relative
from .leftovers import check_leftover_liquid
from .preflight import check_cname, preflight, preflight_summary, site_files

__all__ = ["check_site", "preflight_summary"]  # the summary is re-exported for the CLI

_URL_ATTRS = frozenset({"href", "src", "poster"})
# Tags with at most a class attribute (Pygments' <span class="n"> by the hundred) can hold no
# URL or id; blanking them with spaces keeps every line:col and makes parsing ~4x faster.
_PLAIN_TAG = re.compile(
    r"<(?!/?(?:script|style|textarea|title)\b)/?[a-zA-Z][a-zA-Z0-9-]*"
    r'(?:[ \t]+class="[^"<>\n]*")?[ \t]*/?>'
)
_REFRESH_URL = re.compile(r"""url\s*=\s*['"]?([^'"]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class _Ref:
    """One URL found in a tag attribute, at the tag's 1-based line and column."""

    url: str
    line: int
    col: int


@dataclass(frozen=True)
class _Page:
    ids: frozenset[str]
    refs: tuple[_Ref, ...]
    base: str | None  # the page's <base href>, if any
    redirect: _Ref | None = None  # where a redirect page (<meta http-equiv="refresh">) sends the reader


@dataclass(frozen=True)
class _Site:
    config: SiteConfig
    files: frozenset[str]  # every file, as a posix path relative to the site folder
    dirs: frozenset[str]
    pages: dict[str, _Page]


class _PageParser(HTMLParser):
    """Collects a page's ids and every URL its tags point at, with positions."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.refs: list[_Ref] = []
        self.base: str | None = None
        self.redirect: _Ref | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, offset = self.getpos()
        found: list[str] = []
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.ids.add(value)
            elif tag == "base" and name == "href":
                self.base = value.strip()
            elif name in _URL_ATTRS:
                found.append(value.strip())
            elif name == "srcset":
                found.extend(c.split()[0] for c in value.split(",") if c.strip())
            elif name == "content" and tag == "meta" and _is_refresh(attrs):
                targets = [m.group(1).strip() for m in _REFRESH_URL.finditer(value)]
                found.extend(targets)
                if targets and self.redirect is None:
                    self.redirect = _Ref(targets[0], line, offset + 1)
        self.refs.extend(_Ref(url, line, offset + 1) for url in found)


def check_site(
    config: SiteConfig, site_dir: Path, documents: Sequence[Document] | None = None
) -> list[Diagnostic]:
    """Every problem with the built site (and, given the posts' documents, their sources), sorted."""
    problems: list[Diagnostic] = []
    if site_dir.is_dir():
        files = site_files(site_dir)
        problems += _check_links(config, site_dir, files)
        problems += check_leftover_liquid(site_dir, files)
        problems += preflight(site_dir, files)
        problems += check_cname(config, site_dir)
    else:
        problems.append(
            error(display_path(site_dir), 0, 0, "no built site here: run 'journey build' first")
        )
    if documents:
        problems += check_sources(config, documents)
    return sorted(set(problems))


# -- links -------------------------------------------------------------------------------


def _check_links(config: SiteConfig, site_dir: Path, files: dict[str, int]) -> list[Diagnostic]:
    pages = {path: _parse_page(site_dir / path) for path in files if path.endswith(".html")}
    dirs = {posixpath.dirname(path) for path in files}
    for path in list(dirs):
        while path:
            path = posixpath.dirname(path)
            dirs.add(path)
    site = _Site(config, frozenset(files), frozenset(dirs), pages)
    problems = []
    for path, page in sorted(pages.items()):
        shown = display_path(site_dir / path)
        broken = _check_ref(site, path, page, page.redirect.url) if page.redirect is not None else None
        if broken and page.redirect is not None:
            # A redirect page (redirect_from) whose target is gone: said once, not for each of its links there.
            problems.append(error(shown, page.redirect.line, page.redirect.col, broken))
            continue
        for ref in page.refs:
            message = _check_ref(site, path, page, ref.url)
            if message:
                problems.append(error(shown, ref.line, ref.col, message))
    return problems


def _check_ref(site: _Site, page_path: str, page: _Page, url: str) -> str | None:
    """The problem with one URL on a page, or None when it resolves (or is external)."""
    kind, target, fragment = _classify(url, _page_dir(site, page_path, page), site.config)
    if kind == "external":
        return None
    if kind == "outside-base":
        return f"link '{url}' is outside the base path {site.config.base_path}"
    if kind == "outside-site":
        return f"link '{url}' points outside the site"
    if page_path == "404.html" and page.base is None and is_relative(url):
        # GitHub Pages serves 404.html at whatever path was missing, so relative URLs break.
        return (
            f"relative link '{url}' in 404.html breaks when served for a missing page; use '/...'"
        )
    found = page_path if target is None else _find(site, target)
    if found is None:
        return f"broken link '{url}' (no such file in the site)"
    if fragment and found in site.pages and not _has_anchor(site.pages[found], fragment):
        return f"missing anchor '#{fragment}' in {found}"
    return None


def _classify(url: str, page_dir: str, config: SiteConfig) -> tuple[str, str | None, str]:
    """(kind, site path or None for this very page, fragment); kind is external, site,
    outside-base or outside-site."""
    parts = urlsplit(url)
    fragment = parts.fragment
    if parts.scheme or parts.netloc:
        site_url = config.site_url
        if not site_url or parts.scheme not in ("http", "https") or not url.startswith(site_url):
            return "external", None, ""
        target = _normalize(unquote(parts.path)[len(config.base_path) :])
        return ("site", target, fragment) if target is not None else ("outside-site", None, "")
    path = unquote(parts.path)
    if not path:
        return "site", None, fragment  # "#anchor" or "?query": this page
    if not path.startswith("/"):
        target = _normalize(page_dir + path)
        return ("site", target, fragment) if target is not None else ("outside-site", None, "")
    normal = _normalize(path)
    base = config.base_path
    if normal is None:
        return "outside-site", None, ""
    if ("/" + normal).startswith(base) or "/" + normal == base.rstrip("/"):
        return "site", normal[len(base) - 1 :], fragment
    return "outside-base", None, ""


def _normalize(path: str) -> str | None:
    """Resolve '.' and '..' in a site path; None when it climbs above the root."""
    parts: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if not parts:
                return None
            parts.pop()
        elif segment not in ("", "."):
            parts.append(segment)
    is_dir = path.endswith(("/", "/.", "/..")) or path in ("", ".", "..")
    joined = "/".join(parts)
    return joined + "/" if is_dir and joined else joined


def _find(site: _Site, target: str) -> str | None:
    """The file GitHub Pages would serve for a site path, or None."""
    if target == "" or target.endswith("/"):
        index = target + "index.html"
        return index if index in site.files else None
    if target in site.files:
        return target
    if target in site.dirs and target + "/index.html" in site.files:
        return target + "/index.html"  # Pages redirects /x to /x/
    if target + ".html" in site.files:
        return target + ".html"  # Pages serves x.html for /x
    return None


def _page_dir(site: _Site, page_path: str, page: _Page) -> str:
    if page.base:
        kind, target, _ = _classify(page.base, "", site.config)
        if kind == "site" and target is not None:
            return target if target.endswith("/") or not target else posixpath.dirname(target) + "/"
    directory = posixpath.dirname(page_path)
    return directory + "/" if directory else ""


def _has_anchor(page: _Page, fragment: str) -> bool:
    if fragment in page.ids or unquote(fragment) in page.ids:
        return True
    return fragment.lower() == "top" or fragment.startswith(":~:")  # browser-defined targets


def _parse_page(path: Path) -> _Page:
    parser = _PageParser()
    text = path.read_text(encoding="utf-8", errors="replace")
    parser.feed(_PLAIN_TAG.sub(lambda found: " " * (found.end() - found.start()), text))
    parser.close()
    return _Page(frozenset(parser.ids), tuple(parser.refs), parser.base, parser.redirect)


def _is_refresh(attrs: list[tuple[str, str | None]]) -> bool:
    return any(n == "http-equiv" and (v or "").lower() == "refresh" for n, v in attrs)
