"""Posts and diagnostics as JSON rows, for the build store (never a pickle)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import Diagnostic, SourceLocation
from ..models import NotebookRequest, NotebookUse, Post, restored


def post_to_json(post: Post, tz: Any) -> list[Any]:
    """A post as a row (not an object with named keys: a thousand posts load noticeably faster)."""
    return [
        str(post.source), post.display_path, post.slug, post.url_path, post.title,
        _moment_to_json(post.date, tz), _moment_to_json(post.updated, tz) if post.updated else None,
        post.description, list(post.tags), list(post.categories), post.author, post.pinned, post.draft,
        post.layout, [_use_to_json(use) for use in post.notebooks], list(post.redirects), post.image, post.hidden, post.sticky_rank,
        post.liquid, post.code_fold, [str(p) for p in post.bibliography], post.series, post.series_order, post.dark_figures,
        post.timestamp,
    ]


def post_from_json(row: list[Any], path: Path, digest: str, tz: Any) -> Post:
    (source, shown, slug, url_path, title, moment, updated, description, tags, categories, author, pinned,
     draft, layout, notebooks, redirects, image, hidden, sticky_rank, liquid, code_fold, bibliography, series,
     series_order, dark_figures, timestamp) = row
    if source != str(path) or type(timestamp) is not float:
        raise ValueError(f"the stored row for {path} names {source}")
    # A dict display, not dict(...) with keywords, and no generator for an empty list: rows are
    # decoded by the thousand on every rebuild (9 µs a post, against 18).
    post = restored(Post, {
        "source": path, "display_path": shown, "slug": slug, "url_path": url_path, "title": title,
        "date": _moment_from_json(moment, tz), "updated": _moment_from_json(updated, tz) if updated else None,
        "description": description, "tags": tuple(tags), "categories": tuple(categories), "author": author,
        "pinned": pinned, "draft": draft, "layout": layout,
        "notebooks": tuple(map(_use_from_json, notebooks)) if notebooks else (),
        "digest": digest, "redirects": tuple(redirects), "image": image, "hidden": hidden,
        "sticky_rank": sticky_rank, "liquid": liquid, "code_fold": code_fold,
        "bibliography": tuple(map(Path, bibliography)) if bibliography else (),
        "series": series, "series_order": series_order, "dark_figures": dark_figures,
        "assets": (),  # a bundle's files are listed afresh
    })
    # What a thousand posts' listings and fingerprints ask of each, spelled by the row already
    # (the cached properties' own values: working them out from the dates costs ~12 µs a post).
    post.__dict__["timestamp"] = timestamp
    if moment[1] == "zone" and (not updated or updated[1] == "zone"):
        post.__dict__["stamps"] = f"{moment[0]} {tz}", f"{updated[0]} {tz}" if updated else ""
    return post


def _moment_to_json(moment: datetime, tz: Any) -> list[str]:
    """A date in the blog's time zone is kept as wall time (restored with that zone, as it was
    read); one with its own offset keeps the offset."""
    if moment.tzinfo is tz:
        return [moment.replace(tzinfo=None).isoformat(), "zone"]
    return [moment.isoformat(), ""]


def _moment_from_json(data: list[str], tz: Any) -> datetime:
    moment = datetime.fromisoformat(data[0])
    if data[1] != "zone":
        return moment
    # The constructor, not moment.replace(tzinfo=tz): replace parses keywords for every field (2 µs, not 0.6).
    return datetime(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
                    moment.microsecond, tz)


def _use_to_json(use: NotebookUse) -> dict[str, Any]:
    request = use.request
    return {
        "post": use.post,
        "line": use.line,
        "notebook": str(request.notebook),
        "params": [list(pair) for pair in request.params],
        "timeout": request.timeout,
        "allow_errors": request.allow_errors,
        "deps": [str(d) for d in request.deps],
        "execute": request.execute,
        "resources": [list(pair) for pair in request.resources],
        "time_budget": request.time_budget,
        "cell_lines": list(use.cell_lines),
    }


def _use_from_json(data: dict[str, Any]) -> NotebookUse:
    request = NotebookRequest(
        notebook=Path(data["notebook"]),
        params=tuple((name, value) for name, value in data["params"]),
        timeout=data["timeout"],
        allow_errors=data["allow_errors"],
        deps=tuple(Path(d) for d in data["deps"]),
        execute=data["execute"],
        resources=tuple((name, amount) for name, amount in data.get("resources", ())),
        time_budget=data.get("time_budget", 0),
    )
    return NotebookUse(post=data["post"], line=data["line"], request=request,
                       cell_lines=tuple(data.get("cell_lines", ())))


def diagnostic_to_json(diagnostic: Diagnostic) -> list[Any]:
    where = diagnostic.location
    return [where.path, where.line, where.col, diagnostic.severity, diagnostic.message]


def diagnostic_from_json(data: list[Any]) -> Diagnostic:
    path, line, col, severity, message = data
    if not (type(path) is type(severity) is type(message) is str and type(line) is type(col) is int):
        raise ValueError(f"a stored diagnostic is not path, line, column, severity, message: {data}")
    where = restored(SourceLocation, {"path": path, "line": line, "col": col})
    return restored(Diagnostic, {"location": where, "severity": severity, "message": message})
