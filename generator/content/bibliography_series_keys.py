"""Front matter for citations and series: `bibliography:` and `series:`, each checked at its key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import SiteConfig
from .front_matter import Fields, kind_of


def bibliography_paths(config: SiteConfig, path: Path, meta: dict[str, Any], fields: Fields) -> tuple[Path, ...]:
    """The `.bib` files a post cites from: its `bibliography:` (a path or a list, relative to the
    post's folder, as Quarto reads it), else the `bibliography` setting (relative to the blog root)."""
    if "bibliography" not in meta:
        return (config.root / config.bibliography,) if config.bibliography else ()
    value = meta["bibliography"]
    names = value if isinstance(value, list) else [value]
    if not names or not all(isinstance(n, str) and n.strip() for n in names):
        fields.fail("bibliography", f"'bibliography' must be a .bib path or a list of them, got {kind_of(value)}")
        return ()
    root = config.root.resolve()
    found = []
    for name in names:
        target = (path.parent / name).resolve()
        if not target.is_relative_to(root):
            fields.fail("bibliography", f"'{name}' is outside the blog folder")
        elif not target.is_file():
            fields.fail("bibliography", f"'{name}' does not exist")
        else:
            found.append(target)
    return tuple(found)


def series_of(meta: dict[str, Any], fields: Fields) -> tuple[str, int]:
    """(series name, order) from `series: Name` or `series: {name: Name, order: 2}`; order 0
    means by date."""
    value = meta.get("series")
    if value is None:
        return "", 0
    if isinstance(value, dict):
        name, order = value.get("name"), value.get("order", 0)
        unknown = sorted(set(map(str, value)) - {"name", "order"})
        if unknown:
            fields.warn("series", f"unknown key '{unknown[0]}' in 'series' (it takes name and order)")
    else:
        name, order = value, 0
    if not isinstance(name, (str, int)) or isinstance(name, bool) or not str(name).strip():
        fields.fail("series", f"'series' must be a name or {{name: …, order: n}}, got {kind_of(value)}")
        return "", 0
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        fields.fail("series", f"'series' order must be a positive whole number, got {order!r}")
        order = 0
    return str(name).strip(), order
