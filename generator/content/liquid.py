"""Liquid in Markdown posts, as Jekyll renders it: the body through python-liquid before Markdown.

Only a body that holds `{%` or `{{` pays for it (python-liquid loads then, ~0.4 s). Journey's own
shortcodes (`{{< value x >}}`) are not Liquid and pass through untouched. Everything a post's
Liquid can read is one value, `LiquidSite`, made once per build from the published posts and
`_includes/`, and digested into the render key of every post that uses Liquid.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from ..config import SiteConfig, display_path
from ..errors import Diagnostic, error, warning
from ..models import Document, Post

INCLUDES_DIR = "_includes"
_SHORTCODE_OPEN = "{{<"  # see front_matter.uses_liquid
_SHORTCODE_MASK = "\ufdd0\ufdd1<"  # noncharacters: never in a post, and as long as what they hide
_BLOCK = "<!--\ufdd2{}\ufdd2-->"  # where a highlighted block goes back in after Markdown


@dataclass(frozen=True)
class LiquidSite:
    """What a post's Liquid can read: `site.*`, the posts `post_url` and `link` name, and the
    files of `_includes/`. One value per build; `digest` is what Liquid posts' renderings hang on."""

    base_path: str  # "/" or "/repo/"
    origin: str  # "https://user.github.io", or "" when base_url has no host
    site: dict[str, Any] = field(default_factory=dict)  # `site.*`
    time: datetime | None = None  # `site.time`, and the date filter's "now"
    posts: dict[str, str] = field(default_factory=dict)  # post_url name → site path ("posts/x/")
    files: dict[str, str] = field(default_factory=dict)  # blog-relative post file → site path
    includes: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (display path, text)

    @property
    def digest(self) -> str:
        values = [self.base_path, self.origin, self.site, self.time, self.posts, self.files, self.includes]
        encoded = json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()

    def url(self, path: str) -> str:
        """A site path ("posts/x/", "/about/") as a URL under the base path."""
        return self.base_path + path.lstrip("/")


def liquid_site(config: SiteConfig, posts: Sequence[Post], pinned: datetime | None = None) -> LiquidSite:
    """The build's `LiquidSite`: settings, the published posts by name and file, `_includes/`.
    `site.time` is `pinned` (SOURCE_DATE_EPOCH) when given, else the newest post's date: never
    the wall clock, so the same sources give the same pages (and a Liquid post is not rendered
    again every build)."""
    parts = urlsplit(config.base_url)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    time = pinned or max((post.date for post in posts), default=None)
    site = {
        **{str(key): value for key, value in config.extra.items()},
        "title": config.title, "description": config.description, "author": config.author,
        "url": origin, "baseurl": config.base_path.rstrip("/"), "time": time,
    }
    names: dict[str, str] = {}
    files: dict[str, str] = {}
    posts_root = config.root / config.posts_dir
    for post in posts:
        inside = PurePosixPath(post.source.relative_to(posts_root).as_posix()
                               if post.source.is_relative_to(posts_root) else post.source.name)
        name = inside.parent if inside.name == "index.md" else inside.with_suffix("")
        names[str(name)] = post.url_path
        names.setdefault(name.name, post.url_path)  # Jekyll finds a post in a sub-folder by its name too
        if post.source.is_relative_to(config.root):
            files[post.source.relative_to(config.root).as_posix()] = post.url_path
    return LiquidSite(config.base_path, origin, site, time, names, files, _read_includes(config))


def _read_includes(config: SiteConfig) -> dict[str, tuple[str, str]]:
    folder = config.root / INCLUDES_DIR
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        text = path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n")
        found[path.relative_to(folder).as_posix()] = (display_path(path), text)
    return found


@dataclass(frozen=True)
class LiquidResult:
    """A body after Liquid: Markdown with placeholders for the highlighted blocks, the blocks'
    HTML, their code (for the search index) and what Liquid found wrong."""

    text: str
    blocks: tuple[str, ...] = ()
    code: str = ""
    problems: tuple[Diagnostic, ...] = ()

    def restore(self, html: str) -> str:
        """The rendered HTML with each highlighted block put back where its placeholder is."""
        for index, block in enumerate(self.blocks):
            marker = _BLOCK.format(index)
            html = html.replace(f"<p>{marker}</p>\n", block).replace(marker, block)
        return html


def unmask(text: str) -> str:
    """Text as written: the shortcodes hidden from Liquid shown again."""
    return text.replace(_SHORTCODE_MASK, _SHORTCODE_OPEN)


def render_liquid(document: Document, site: LiquidSite, highlight: Callable[[str, str], str]) -> LiquidResult:
    """Render a post body as Liquid; errors and warnings point into the post file (or the include)."""
    from liquid.exceptions import LiquidError

    from .liquid_render import Renderer

    post = document.post
    source = document.body.replace(_SHORTCODE_OPEN, _SHORTCODE_MASK)
    renderer = Renderer(site, highlight, block=_BLOCK)
    try:
        text = renderer.render(source, page=_page(post, document.meta))
    except LiquidError as exc:
        return LiquidResult(document.body, problems=(renderer.diagnostic(exc, source, document),))
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:  # a filter given what it cannot take
        message = f"Liquid: {exc}"
        return LiquidResult(document.body, problems=(error(post.display_path, document.body_line, 1, message),))
    notes = tuple(renderer.undefined_warnings(source, document))
    return LiquidResult(unmask(text), tuple(renderer.blocks),
                        "\n".join(renderer.code), notes)


def _page(post: Post, meta: Mapping[str, Any]) -> dict[str, Any]:
    """`page.*`: the post's front matter as read, and what journey made of it."""
    return {
        **{str(key): value for key, value in meta.items()},
        "title": post.title, "date": post.date, "url": "/" + post.url_path, "slug": post.slug,
        "tags": list(post.tags), "categories": list(post.categories), "author": post.author,
        "description": post.description, "excerpt": post.description, "path": post.display_path,
        "id": "/" + post.url_path.rstrip("/"),
    }


def locate(text: str, index: int) -> tuple[int, int]:
    """(line, column), 1-based, of `index` in `text`; at the `{%` or `{{` that opens the tag or
    output holding it."""
    opening = max(text.rfind("{%", 0, index + 1), text.rfind("{{", 0, index + 1))
    if opening >= 0 and "%}" not in text[opening:index] and "}}" not in text[opening:index]:
        index = opening
    before = text[:index]
    return before.count("\n") + 1, index - before.rfind("\n")


def problem_at(document: Document, site: LiquidSite, source: str, token_source: str, index: int,
               message: str, *, severity: str = "error") -> Diagnostic:
    """A diagnostic at `index` of `token_source`: the post body (lines shifted to the post file)
    or one of the includes."""
    make = error if severity == "error" else warning
    line, col = locate(token_source, max(index, 0))
    if token_source == source:
        return make(document.post.display_path, document.body_line + line - 1, col, message)
    for shown, text in site.includes.values():
        if text == token_source:
            return make(shown, line, col, message)
    return make(document.post.display_path, document.body_line, 1, message)
