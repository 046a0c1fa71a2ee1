"""Listing thumbnails: the post's `image:` or its first figure, resized with Pillow when the post
renders, a file beside the page with the same bytes on every build."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from pathlib import Path

from ..config import SiteConfig
from ..models import Post

WIDTH = 480  # pixels: twice the card's 240 CSS pixels, for high-density screens
_FIGURE = re.compile(r'<img src="(nb-[0-9a-f]{16}\.(?:png|jpg))"')
RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def first_figure(html: str, files: Sequence[tuple[str, bytes]]) -> str:
    """The file name of the first notebook figure the page shows ('' when none)."""
    names = {name for name, _ in files}
    return next((name for name in _FIGURE.findall(html) if name in names), "")


def image_file(post: Post, config: SiteConfig) -> Path | None:
    """The file a post's local `image:` (a path from the site root) is copied from, if it has one."""
    if not post.image or "://" in post.image or not post.image.lower().endswith(RASTER):
        return None
    path = post.image.lstrip("/")
    candidates = [config.root / config.static_dir / path]
    if path.split("/", 1)[0] in config.copy_dirs:
        candidates.append(config.root / path)
    if path.startswith(post.url_path) and post.assets:  # a bundle's own picture: posts/<slug>/cover.png
        candidates.append(post.source.parent / path.removeprefix(post.url_path))
    return next((c for c in candidates if c.is_file()), None)


def make_thumbnail(picture: bytes) -> tuple[str, bytes] | None:
    """(thumb-<sha256[:16]>.png, PNG bytes) of `picture` scaled to WIDTH pixels wide (never
    enlarged); None when Pillow cannot read it."""
    from PIL import Image, UnidentifiedImageError  # only for a post that has a picture

    try:
        with Image.open(io.BytesIO(picture)) as opened:
            image = opened.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    if image.width > WIDTH:
        image = image.resize((WIDTH, max(1, round(image.height * WIDTH / image.width))), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)  # no text chunks, no time: the same bytes every build
    data = out.getvalue()
    return f"thumb-{hashlib.sha256(data).hexdigest()[:16]}.png", data


def thumbnail(post: Post, config: SiteConfig, html: str, files: Sequence[tuple[str, bytes]]) -> tuple[str, bytes] | None:
    """The card picture of a post: its `image:`, else its first figure; None without either."""
    local = image_file(post, config)
    if local is not None:
        return make_thumbnail(local.read_bytes())
    figure = first_figure(html, files)
    return make_thumbnail(dict(files)[figure]) if figure else None


def pillow_version() -> str:
    """Part of what a thumbnail's bytes depend on."""
    try:
        from PIL import __version__
    except ImportError:
        return ""
    return __version__
