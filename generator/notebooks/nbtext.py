"""A notebook's multiline strings: nbformat stores a cell's source and an output's text either as
one string or as a list of lines; every reader of a notebook joins them the same way."""

from __future__ import annotations

from typing import Any


def joined(value: Any) -> str:
    """A multiline string (a string, or a list of lines that keep their newlines) as one string."""
    return "".join(value) if isinstance(value, list) else str(value)


def source_text(cell: dict[str, Any]) -> str:
    """A cell's source as one string."""
    return joined(cell.get("source", ""))
