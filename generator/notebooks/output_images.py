"""A notebook's images as files beside the page: an output's PNG, JPEG or SVG (and its dark
twin), and the `attachment:` images of a Markdown cell, each named by its content,
`nb-<sha256[:16]>.<ext>`, and shown linked to itself (a.nb-zoom, the lightbox)."""

from __future__ import annotations

import base64
import hashlib
import html
from typing import Any

from ..strict import NO_ALT
from .linked_images import rewrite_image_links
from .nbtext import joined, source_text

IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}


def image_html(
    mime: str, value: Any, data: dict[str, Any], meta: dict[str, Any], number: int, files: dict[str, bytes],
    problems: list[tuple[int, int, str]], alt_text: str | None = None, scheme: str = "", opens: str = "",
) -> str:
    """The image as a file (added to `files`), linked to itself (or to `opens`): the lightbox
    (figures.js) opens it at full size. An image with neither alt text nor a text/plain output
    is one of `problems`, reported under --strict."""
    raw = _raw(mime, value)
    name = _image_name(mime, raw)
    files[name] = raw
    alt = _default_alt(data, number)
    if alt_text is None and alt == f"Output of cell {number}":
        problems.append((number, 1, NO_ALT))
    alt = alt if alt_text is None else alt_text
    width, height = meta.get("width"), meta.get("height")
    if (width is None or height is None) and mime == "image/png" and raw[12:16] == b"IHDR":
        width, height = int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")
    size = f' width="{int(width)}" height="{int(height)}"' if width and height else ""
    image = f'<img src="{name}" alt="{html.escape(alt)}"{size} loading="lazy">'
    return f'<a class="nb-zoom{" " + scheme if scheme else ""}" href="{opens or name}">{image}</a>'


def twins_html(
    mime: str, light: Any, dark: Any, data: dict[str, Any], meta: dict[str, Any], number: int,
    files: dict[str, bytes], problems: list[tuple[int, int, str]], alt_text: str | None,
) -> str:
    """An image and its dark twin, each shown in its colour scheme (the hidden one is not
    fetched: both load lazily); the twin's link opens the light image, as the lightbox shows it."""
    shown = image_html(mime, light, data, meta, number, files, problems, alt_text, "nb-light")
    alt = _default_alt(data, number) if alt_text is None else alt_text  # its missing alt is reported once
    opens = _image_name(mime, _raw(mime, light))
    return shown + image_html(mime, dark, data, meta, number, files, problems, alt, "nb-dark", opens=opens)


def with_attachments(cell: dict[str, Any], linked: dict[str, tuple[str, bytes]], files: dict[str, bytes]) -> str:
    """A Markdown cell's source with its `attachment:` images, and the images it links to
    (`linked`: link → (file name, bytes), linked_images.py), named as the files they become."""
    source = source_text(cell)
    for name, bundle in sorted(cell.get("attachments", {}).items()):
        mime = next((m for m in IMAGE_TYPES if m in bundle), None)
        if mime is not None:
            raw = _raw(mime, bundle[mime])
            file_name = _image_name(mime, raw)
            files[file_name] = raw
            source = source.replace(f"attachment:{name}", file_name)
    names = {}
    for link, (file_name, data) in linked.items():
        if link in source:
            files[file_name] = data
            names[link] = file_name
    return rewrite_image_links(source, names) if names else source


def _default_alt(data: dict[str, Any], number: int) -> str:
    plain = joined(data.get("text/plain", "")).strip()
    return plain if plain and not plain.startswith("<") else f"Output of cell {number}"


def _raw(mime: str, value: Any) -> bytes:
    return joined(value).encode() if mime == "image/svg+xml" else base64.b64decode(joined(value))


def _image_name(mime: str, raw: bytes) -> str:
    return f"nb-{hashlib.sha256(raw).hexdigest()[:16]}.{IMAGE_TYPES[mime]}"
