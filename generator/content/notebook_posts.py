"""Notebook posts: a `.ipynb` file in the posts folder is a post, and its own notebook.

Its front matter comes from the first of: a raw first cell fenced by `---` lines (Quarto,
nbdev), fastpages' first Markdown cell (`# Title`, `> summary`, `- key: value` lines), or the
notebook's top-level metadata (the front-matter keys journey knows: `title`, `date`, …). Its
body is the notebook, rendered as a `notebook:` post renders its notebook (and executed or
published as saved by the same rules). Problems in front matter read from a cell are placed at
the line and column inside that cell, the message ending `(cell N)`; in notebook metadata at
1:1, ending `(notebook metadata)`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..config import SiteConfig, display_path
from ..errors import Diagnostic, error
from ..notebooks.conventions import fastpages_front_matter, front_matter_cell
from ..notebooks.nbtext import source_text
from ..notebooks.source import upgraded_notebook
from .front_matter import Fields, _yaml, parse_yaml, split_front_matter
from .post_fields import KNOWN_KEYS, FileDates, build_document, names_its_date
from .sources import PostRead, YamlParser

# fastpages display switches journey needs no word for: a table of contents is always shown,
# and there are no notebook badges or comment threads to switch on.
FASTPAGES_DISPLAY = ("toc", "badges", "comments", "hide_binder_badge", "hide_colab_badge",
                     "hide_github_badge", "hide_deepnote_badge", "nb_path", "branch")
_METADATA_KEYS = KNOWN_KEYS - {"notebook"}

Found = tuple[dict[str, Any] | None, dict[str, tuple[int, int]], str]  # meta, key positions, where


class _NotebookFields(Fields):
    """Fields whose problems at a key say which cell (or the metadata) the key is in."""

    def __init__(self, shown: str, positions: dict[str, tuple[int, int]], where: str) -> None:
        super().__init__(shown, positions)
        self.where = where

    def fail(self, key: str, message: str) -> None:
        super().fail(key, self._placed(key, message))

    def warn(self, key: str | None, message: str) -> None:
        super().warn(key, self._placed(key, message))

    def _placed(self, key: str | None, message: str) -> str:
        return f"{message} ({self.where})" if key in self.positions and self.where else message


def read_notebook_post(config: SiteConfig, path: Path, parse_yaml: YamlParser | None = None,
                       dates: FileDates | None = None) -> PostRead:
    """Read one `.ipynb` post: its document (an empty body; the notebook is the post's own) and
    every problem with its front matter. The signature of `sources.read_file`."""
    shown = display_path(path)
    data = path.read_bytes()
    try:
        nb = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return PostRead(path, None, (error(shown, 1, 1, "file is not valid UTF-8"),), True)
    except json.JSONDecodeError as exc:
        return PostRead(path, None, (error(shown, exc.lineno, exc.colno, f"not a notebook: invalid JSON ({exc.msg})"),), True)
    if isinstance(nb, dict) and nb.get("nbformat") == 3:
        try:
            nb = upgraded_notebook(nb)
        except ValueError as exc:
            return PostRead(path, None, (error(shown, 1, 1, f"not a notebook: {exc}"),), True)
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return PostRead(path, None, (error(shown, 1, 1, "not a notebook: it has no list of cells"),), True)
    found = _front_matter(nb, shown, parse_yaml)
    if isinstance(found, Diagnostic):
        return PostRead(path, None, (found,), True)
    meta, positions, where = found
    fields = _NotebookFields(shown, positions, where)
    if meta is None:
        meta = {}
        fields.warn(None, "no front matter (a raw '---' first cell, a fastpages '# Title' cell or notebook "
                          "metadata); title and date are taken from the file")
    if "notebook" in meta:
        fields.warn("notebook", "'notebook' has no effect in a notebook post: the post is its own notebook")
    meta = {**meta, "notebook": _inside_root(config, path)}
    document = build_document(config, path, shown, meta, fields, "", 1, dates, hashlib.sha256(data).hexdigest())
    return PostRead(path, document, tuple(fields.problems), names_its_date(meta, path))


def _inside_root(config: SiteConfig, path: Path) -> str:
    """The notebook as a `notebook:` value names it: relative to the blog root."""
    try:
        return path.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _front_matter(nb: dict[str, Any], shown: str, parse: YamlParser | None) -> Found | Diagnostic:
    cell = front_matter_cell(nb)
    if cell is not None:
        where = f"cell {cell.index + 1}"
        lines = source_text(nb["cells"][cell.index]).strip("\n").split("\n")
        if cell.kind == "raw":
            return _raw_cell(lines, shown, where, parse)
        return _fastpages_cell(lines[: cell.lines], shown, where, parse)
    metadata = nb.get("metadata")
    if isinstance(metadata, dict) and any(key in _METADATA_KEYS for key in metadata):
        meta = {key: value for key, value in metadata.items() if key in _METADATA_KEYS}
        return meta, {key: (1, 1) for key in meta}, "notebook metadata"
    return None, {}, ""


def _raw_cell(lines: list[str], shown: str, where: str, parse: YamlParser | None) -> Found | Diagnostic:
    split = split_front_matter("\n".join(lines), shown, parse)
    if isinstance(split, Diagnostic):
        return Diagnostic(split.location, split.severity, f"{split.message} ({where})")
    meta, positions, _, _ = split
    return meta, positions, where


def _fastpages_cell(lines: list[str], shown: str, where: str, parse: YamlParser | None) -> Found | Diagnostic:
    """`# Title`, `> summary`, `- key: value`: the values are YAML, read as one mapping whose
    lines sit where they are in the cell (so a YAML error has its line)."""
    title, summary, keys = fastpages_front_matter(lines)
    text = [""] * len(lines)
    for number, key, value in keys:
        text[number - 2] = f"{key}: {value}"  # a front-matter parser counts lines after a '---'
    try:
        meta, _ = (parse or parse_yaml)("\n".join(text))
    except _yaml().MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark else 1
        column = lines[line - 1].index("-") + 3 + mark.column if mark and line <= len(lines) else 1
        return error(shown, line, column, f"invalid YAML in fastpages front matter: {exc.problem or 'invalid YAML'} ({where})")
    meta = dict(meta) if isinstance(meta, dict) else {}
    positions = {key: (number, lines[number - 1].index(key) + 1) for number, key, _ in keys}
    for key in FASTPAGES_DISPLAY:
        meta.pop(key, None)
    if "title" not in meta:
        meta["title"], positions["title"] = title, (1, 1)
    if summary and "description" not in meta and "summary" not in meta:
        meta["description"], positions["description"] = summary, (2, 1)
    return meta, positions, where
