"""Series: posts that share `series:`, in their order, and each post's place among them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from ..models import RenderedPost
from .assemble import Term, term_slug


@dataclass(frozen=True)
class SeriesPlace:
    """Where a post stands in its series: "Part 2 of 4", with the parts before and after it."""

    series: Term
    part: int  # 1-based
    previous: RenderedPost | None
    next: RenderedPost | None

    @property
    def count(self) -> int:
        return len(self.series.posts)

    @property
    def url_path(self) -> str:
        return series_path(self.series)

    def digest(self) -> str:
        """What the post page shows of its series, for the page's fingerprint."""
        shown = (self.series.name, self.url_path, self.part, self.count,
                 *((p.post.url_path, p.post.title) if p else ("", "") for p in (self.previous, self.next)))
        return hashlib.sha256(repr(shown).encode("utf-8")).hexdigest()


def series_path(series: Term) -> str:
    return f"series/{series.slug}/"


def collect_series(posts: Sequence[RenderedPost]) -> tuple[Term, ...]:
    """Every series, by slug, its posts by `order` (those without one after, by date)."""
    grouped: dict[str, list[RenderedPost]] = {}
    for item in posts:
        if item.post.series and term_slug(item.post.series):
            grouped.setdefault(term_slug(item.post.series), []).append(item)
    found = []
    for slug in sorted(grouped):
        members = sorted(grouped[slug], key=lambda r: (r.post.series_order or 1 << 30, r.post.timestamp, r.post.slug))
        found.append(Term(min(m.post.series for m in members), slug, tuple(members)))
    return tuple(found)


def series_places(series: Sequence[Term]) -> dict[str, SeriesPlace]:
    """Each series member's place, by its URL path."""
    places = {}
    for term in series:
        members = term.posts
        for index, item in enumerate(members):
            places[item.post.url_path] = SeriesPlace(
                term, index + 1, members[index - 1] if index else None,
                members[index + 1] if index + 1 < len(members) else None)
    return places
