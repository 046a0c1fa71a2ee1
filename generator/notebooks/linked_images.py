"""The images a notebook's Markdown cells link to by relative path: found, read from beside
the notebook, named by content to be copied beside the post's page, and the links rewritten to
those copies. Plain functions of a notebook's JSON; no nbconvert."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .nbtext import source_text

_MD_IMAGE = re.compile(r"(!\[[^\]\n]*\]\(\s*<?)([^)\s>]+)(>?(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\))")
_HTML_IMAGE = re.compile(r"(<img\b[^>]*?\bsrc\s*=\s*)([\"'])(.*?)\2", re.IGNORECASE | re.DOTALL)
IMAGE_SUFFIXES = {".png": "png", ".jpg": "jpg", ".jpeg": "jpg", ".gif": "gif", ".svg": "svg", ".webp": "webp"}


@dataclass(frozen=True)
class LinkedImages:
    """The image files a notebook's Markdown cells link to: link → (name beside the page, bytes),
    and (cell number, line in the cell, message) for each link that cannot be met."""

    files: dict[str, tuple[str, bytes]]
    problems: tuple[tuple[int, int, str], ...]


def linked_images(nb: dict[str, Any], source: Path, root: Path) -> LinkedImages:
    """Images linked by relative path from Markdown cells, read from beside the notebook at
    `source`. None for a text notebook (Quarto, MyST): its Markdown is the post's own, whose
    links work as a Markdown post's do."""
    files: dict[str, tuple[str, bytes]] = {}
    problems: list[tuple[int, int, str]] = []
    if source.suffix != ".ipynb":
        return LinkedImages(files, ())
    folder = source.parent
    base = root.resolve()
    for number, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "markdown":
            continue
        for line, link in image_links(source_text(cell)):
            if link in files:
                continue
            target = (folder / link.split("#", 1)[0].split("?", 1)[0]).resolve()
            if not target.is_relative_to(base):
                problems.append((number, line, f"linked image '{link}' is outside the blog folder; not copied"))
            elif not target.is_file():
                problems.append((number, line, f"linked image '{link}' does not exist"))
            else:
                data = target.read_bytes()
                suffix = IMAGE_SUFFIXES.get(target.suffix.lower(), target.suffix.lower().lstrip(".") or "bin")
                files[link] = (f"nb-{hashlib.sha256(data).hexdigest()[:16]}.{suffix}", data)
    return LinkedImages(files, tuple(problems))


def image_links(text: str) -> list[tuple[int, str]]:
    """(line, link) of each relative image link in Markdown text: `![..](x)` and `<img src="x">`."""
    found = [(m.start(), m.group(2)) for m in _MD_IMAGE.finditer(text)]
    found += [(m.start(), m.group(3)) for m in _HTML_IMAGE.finditer(text)]
    return [(text.count("\n", 0, start) + 1, link) for start, link in sorted(found) if _relative(link)]


def rewrite_image_links(text: str, names: dict[str, str]) -> str:
    """Markdown text with each linked image pointing at its copy beside the page."""
    text = _MD_IMAGE.sub(lambda m: m.group(1) + names.get(m.group(2), m.group(2)) + m.group(3), text)
    return _HTML_IMAGE.sub(lambda m: m.group(1) + m.group(2) + names.get(m.group(3), m.group(3)) + m.group(2), text)


def _relative(link: str) -> bool:
    return bool(link) and not (re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", link) or link.startswith(("/", "#", "{")))
