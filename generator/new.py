"""`journey new`: a dated post with front matter, and optionally a notebook stub wired to it."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import yaml

from .config import SiteConfig, display_path, load_config
from .content.slugs import slugify
from .content.sources import find_post_files, read_post
from .errors import JourneyError, UsageError, error


def create_post(
    root: Path, title: str, *, tags: tuple[str, ...], notebook: bool, today: datetime
) -> list[Path]:
    """Write `posts/YYYY-MM-DD-slug.md` (and `notebooks/slug.ipynb`); refuse to overwrite."""
    config, _ = load_config(root)
    slug = slugify(title)
    if not slug:
        raise UsageError(f"journey new: the title '{title}' has no letters or digits to make a slug from")
    day = today.astimezone(config.tz).date()
    post_path = root / config.post_folders[0] / f"{day.isoformat()}-{slug}.md"
    notebook_path = root / "notebooks" / f"{slug}.ipynb"
    targets = [post_path, notebook_path] if notebook else [post_path]
    problems = [error(display_path(p), 0, 0, "already exists; journey new never overwrites")
                for p in targets if p.exists()]
    problems += [error(display_path(p), 0, 0, f"a post with slug '{slug}' already exists; choose another title")
                 for p in _same_slug(config, slug, post_path)]
    if problems:
        raise JourneyError(problems)
    meta: dict[str, object] = {"title": title, "date": day.isoformat(), "description": "", "tags": list(tags)}
    if notebook:
        meta["notebook"] = notebook_path.relative_to(root).as_posix()
        meta["params"] = {"seed": 0}
    post_path.parent.mkdir(parents=True, exist_ok=True)
    post_path.write_text(_post_text(meta, notebook, known_tags(config)), encoding="utf-8")
    if notebook:
        notebook_path.parent.mkdir(parents=True, exist_ok=True)
        notebook_path.write_text(json.dumps(_notebook_stub(), indent=1) + "\n", encoding="utf-8")
    return targets


def known_tags(config: SiteConfig) -> list[str]:
    """Tags the blog already uses, sorted, to offer in the new post."""
    tags: set[str] = set()
    for path in find_post_files(config):
        post, _ = read_post(config, path)
        if post is not None:
            tags.update(post.tags)
    return sorted(tags, key=str.lower)


def _same_slug(config: SiteConfig, slug: str, target: Path) -> list[Path]:
    """Another post with this slug would collide on its URL."""
    taken = []
    for path in find_post_files(config):
        post, _ = read_post(config, path)
        if path != target and post is not None and post.slug == slug:
            taken.append(path)
    return taken


def _post_text(meta: dict[str, object], notebook: bool, tags: list[str]) -> str:
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None)
    hint = f"# tags already used on this blog: {', '.join(tags)}\n" if tags else ""
    body = "Write the post here.\n"
    if notebook:
        body += '\nThe notebook publishes `answer`: {{< value answer >}}.\n\n{{< notebook >}}\n'
    return f"---\n{front}{hint}---\n\n{body}"


def _notebook_stub() -> dict[str, object]:
    return notebook_json([
        ("code", "seed = 0", ("parameters",)),
        ("code", "import random\n\nfrom generator.glue import glue\n\nrandom.seed(seed)\nanswer = random.randint(1, 100)\nglue(\"answer\", answer)", ()),
    ])


def notebook_json(cells: list[tuple[str, str, tuple[str, ...]]]) -> dict[str, object]:
    """A Python 3 notebook (nbformat 4.5) of (kind, source, tags) cells, not yet executed."""
    made = []
    for index, (kind, source, tags) in enumerate(cells):
        cell: dict[str, object] = {"cell_type": kind, "metadata": {"tags": list(tags)} if tags else {}, "source": source}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        cell["id"] = f"cell-{index}"
        made.append(cell)
    return {
        "cells": made,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
