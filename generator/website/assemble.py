"""Whole-site logic: ordering, pagination, tags, categories, archive, phases, URL collisions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from ..config import SiteConfig
from ..content.permalinks import NAME_MAX
from ..content.slugs import slugify
from ..errors import Diagnostic, error, warning
from ..models import RenderedPost

if TYPE_CHECKING:
    from .run_links import Revision
    from .series import SeriesPlace


@dataclass(frozen=True)
class Term:
    """A tag or category: its display name, URL slug and posts (newest first)."""

    name: str
    slug: str
    posts: tuple[RenderedPost, ...]


@dataclass(frozen=True)
class ListingPage:
    """One page of the paginated index."""

    number: int
    count: int
    url_path: str
    posts: tuple[RenderedPost, ...]
    previous_url: str | None
    next_url: str | None


@dataclass(frozen=True)
class Site:
    """Every post in reading order plus the groupings derived from them."""

    config: SiteConfig
    posts: tuple[RenderedPost, ...]  # newest first
    pages: tuple[ListingPage, ...]
    tags: tuple[Term, ...]
    categories: tuple[Term, ...]
    years: tuple[tuple[int, tuple[RenderedPost, ...]], ...]
    phases: tuple[Term, ...]
    series: tuple[Term, ...] = ()  # each series' posts in reading order (website/series.py)
    revision: Revision | None = None  # what notebook links are pinned to, None without `repository`

    @cached_property
    def series_places(self) -> dict[str, SeriesPlace]:
        """Each series member's `SeriesPlace`, by URL path."""
        from .series import series_places

        return series_places(self.series)

    def neighbours(self, index: int) -> tuple[RenderedPost | None, RenderedPost | None]:
        """(older, newer) around the post at `index` of `posts`."""
        older = self.posts[index + 1] if index + 1 < len(self.posts) else None
        newer = self.posts[index - 1] if index > 0 else None
        return older, newer


@lru_cache(maxsize=4096)  # a thousand posts name a few dozen tags thousands of times
def term_slug(name: str) -> str:
    """A tag's or category's URL slug, by the rule posts' slugs follow."""
    return slugify(name)


def newest_first(posts: Sequence[RenderedPost]) -> list[RenderedPost]:
    return sorted(posts, key=lambda r: (-r.post.timestamp, r.post.slug))


def assemble_site(
    config: SiteConfig, rendered: Sequence[RenderedPost], revision: Revision | None = None
) -> tuple[Site, list[Diagnostic]]:
    """Order posts and derive listings; two posts with one URL is an error naming both."""
    problems = _collisions(rendered) + _term_clashes(rendered) + _long_terms(rendered)
    # Keep only the first post of each URL, so the page writer does not report it a second time.
    unique = {item.post.url_path: item for item in reversed(_by_path(rendered))}
    posts = tuple(newest_first(list(unique.values())))
    # Pinned first, by sticky rank (fastpages'; unranked after the ranked); stable: else in date order.
    pinned_first = sorted((r for r in posts if not r.post.hidden),
                          key=lambda r: (not r.post.pinned, r.post.sticky_rank or 1 << 30))
    site = Site(
        config=config,
        posts=posts,
        pages=_paginate(config, pinned_first),
        tags=_terms(posts, "tags"),
        categories=_terms(posts, "categories"),
        years=_years(posts),
        phases=_phases(config, posts),
        series=_series(posts),
        revision=revision,
    )
    return site, problems


def _series(posts: Sequence[RenderedPost]) -> tuple[Term, ...]:
    from .series import collect_series

    return collect_series(posts)


def _by_path(rendered: Sequence[RenderedPost]) -> list[RenderedPost]:
    return sorted(rendered, key=lambda r: r.post.display_path)


def _collisions(rendered: Sequence[RenderedPost]) -> list[Diagnostic]:
    seen: dict[str, RenderedPost] = {}
    problems = []
    for item in _by_path(rendered):
        first = seen.setdefault(item.post.url_path, item)
        if first is not item:
            problems.append(
                error(
                    item.post.display_path, 1, 1,
                    f"URL /{item.post.url_path} is also produced by {first.post.display_path}",
                )
            )
    return problems


def _paginate(config: SiteConfig, posts: Sequence[RenderedPost]) -> tuple[ListingPage, ...]:
    size = config.posts_per_page
    chunks = [tuple(posts[i : i + size]) for i in range(0, len(posts), size)] or [()]
    paths = ["" if n == 1 else f"page/{n}/" for n in range(1, len(chunks) + 1)]
    return tuple(
        ListingPage(
            number=n + 1,
            count=len(chunks),
            url_path=paths[n],
            posts=chunk,
            previous_url=paths[n - 1] if n > 0 else None,
            next_url=paths[n + 1] if n + 1 < len(chunks) else None,
        )
        for n, chunk in enumerate(chunks)
    )


def _terms(posts: Sequence[RenderedPost], attribute: str) -> tuple[Term, ...]:
    """Group by slug; the display name is the first spelling in sorted order."""
    grouped: dict[str, list[RenderedPost]] = {}
    names: dict[str, set[str]] = {}
    for item in posts:
        for name in getattr(item.post, attribute):
            slug = term_slug(name)
            if not slug or len(slug.encode("utf-8")) > NAME_MAX:  # too long: _long_terms says so
                continue
            members = grouped.setdefault(slug, [])
            if not members or members[-1] is not item:  # two spellings of one tag on one post
                members.append(item)
            names.setdefault(slug, set()).add(name)
    return tuple(
        Term(min(names[slug]), slug, tuple(grouped[slug])) for slug in sorted(grouped)
    )


def _term_clashes(posts: Sequence[RenderedPost]) -> list[Diagnostic]:
    """Different tags that slug alike ('C++' and 'C#' → /tags/c/) would share one page: say so.
    Spellings of one name ('ML', 'ml', 'machine-learning' / 'machine learning') are fine."""
    if not any(_clash(set().union(*(getattr(item.post, attribute) for item in posts)))
               for attribute in ("tags", "categories")):
        return []  # the names alone show there is none: no need to find the posts
    first: dict[tuple[str, str], tuple[str, str]] = {}
    problems = []
    for item in sorted(posts, key=lambda r: r.post.display_path):
        for attribute, folder in (("tags", "tags"), ("categories", "categories")):
            for name in getattr(item.post, attribute):
                key = (folder, term_slug(name))
                seen_name, seen_post = first.setdefault(key, (name, item.post.display_path))
                if _spelling(seen_name) != _spelling(name):
                    problems.append(warning(
                        item.post.display_path, 1, 1,
                        f"{attribute[:-1] if attribute == 'tags' else 'category'} '{name}' shares the page "
                        f"/{folder}/{key[1]}/ with '{seen_name}' ({seen_post}); rename one of them",
                    ))
    return problems


def _long_terms(posts: Sequence[RenderedPost]) -> list[Diagnostic]:
    """A tag or category whose page folder would have a name longer than a file system allows."""
    return [
        error(item.post.display_path, 1, 1, f"{attribute[:-1] if attribute == 'tags' else 'category'} "
              f"'{name[:20]}…' is too long: its page's folder name would have {size} bytes, at most {NAME_MAX} fit")
        for item in posts for attribute in ("tags", "categories") for name in getattr(item.post, attribute)
        if (size := len(term_slug(name).encode("utf-8"))) > NAME_MAX
    ]


def _clash(names: set[str]) -> bool:
    spellings: dict[str, str] = {}
    return any(spellings.setdefault(term_slug(name), _spelling(name)) != _spelling(name) for name in names)


@lru_cache(maxsize=4096)
def _spelling(name: str) -> str:
    return re.sub(r"[\s_-]+", "-", name.casefold().strip())


def _years(posts: Sequence[RenderedPost]) -> tuple[tuple[int, tuple[RenderedPost, ...]], ...]:
    by_year: dict[int, list[RenderedPost]] = {}
    for item in posts:
        by_year.setdefault(item.post.date.year, []).append(item)
    return tuple((year, tuple(by_year[year])) for year in sorted(by_year, reverse=True))


def _phases(config: SiteConfig, posts: Sequence[RenderedPost]) -> tuple[Term, ...]:
    """The journey view: configured phases in order, each with its posts oldest first."""
    wanted = set(config.phases)
    members: dict[str, list[RenderedPost]] = {}
    for item in posts:
        for category in wanted.intersection(item.post.categories):
            members.setdefault(category, []).append(item)
    phases = []
    for phase in config.phases:
        if phase in members:
            oldest_first = tuple(sorted(members[phase], key=lambda r: (r.post.timestamp, r.post.slug)))
            phases.append(Term(phase, term_slug(phase), oldest_first))
    return tuple(phases)
