"""Notebook authoring conventions other tools defined: fastpages' comment directives and
Quarto's `#|` cell options in code cells, and the front-matter cell of a notebook post (the
images a Markdown cell links to are linked_images.py's). Plain functions of a notebook's JSON; no nbconvert.

Problems are (line within the cell, message) pairs: the caller knows the cell and the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .nbtext import source_text

# fastpages (and nbdev) directives: a comment line of its own at the top of a code cell.
_DIRECTIVE = re.compile(r"^\s*#\s*([a-z_-]+)\s*$", re.IGNORECASE)
_DIRECTIVES = {
    "hide": "remove_cell",
    "hide_input": "remove_input",
    "hide_output": "remove_output",
    "collapse": "fold_input_hide",
    "collapse_hide": "fold_input_hide",
    "collapse_show": "fold_input_show",
    "collapse_output": "fold_output",
}
_QUARTO = re.compile(r"^#\|\s?(.*)$")
_QUARTO_KEYS = ("echo", "output", "include", "eval", "code-fold", "code-summary", "label", "fig-cap", "fig-alt", "tags",
               "code-line-numbers", "renderings", "dark-figure")
_FASTPAGES_TITLE = re.compile(r"^#\s+(\S.*)$")
_FASTPAGES_SUMMARY = re.compile(r"^>\s?(.*)$")
_FASTPAGES_KEY = re.compile(r"^-\s+([A-Za-z_][\w-]*)\s*:(.*)$")


@dataclass
class CellOptions:
    """What a code cell's directive and option lines ask of its rendering."""

    source: str  # the cell's code without those lines
    remove_cell: bool = False
    remove_input: bool = False
    remove_output: bool = False
    no_eval: bool = False  # Quarto `eval: false`: code shown, outputs not
    fold_input: str = ""  # "" (not said) | "none" | "hide" (closed <details>) | "show" (open)
    fold_output: bool = False
    summary: str = ""  # Quarto `code-summary`: the fold's label
    label: str = ""
    captions: list[str] = field(default_factory=list)
    alts: list[str] = field(default_factory=list)
    line_numbers: bool = False  # Quarto `code-line-numbers: true`
    renderings: bool = False  # Quarto 1.7 `renderings: [light, dark]`: the cell's two figures are one, per scheme
    dark_figure: bool | None = None  # `dark-figure`: its figures' dark twins shown or not; None: not said
    problems: list[tuple[int, str]] = field(default_factory=list)


def cell_options(source: str) -> CellOptions:
    """Read fastpages directives and Quarto `#|` lines at the top of a code cell's source."""
    lines = source.split("\n")
    options = CellOptions(source)
    quarto: list[tuple[int, str]] = []
    count = 0
    for number, line in enumerate(lines, start=1):
        option = _QUARTO.match(line)
        directive = _DIRECTIVE.match(line)
        if option:
            quarto.append((number, option.group(1)))
        elif directive and directive.group(1).lower().replace("-", "_") in _DIRECTIVES:
            _apply_directive(options, _DIRECTIVES[directive.group(1).lower().replace("-", "_")])
        else:
            break
        count = number
    if count == 0:
        return options
    options.source = "\n".join(lines[count:]).lstrip("\n")
    if quarto:
        _apply_quarto(options, quarto)
    return options


def _apply_directive(options: CellOptions, effect: str) -> None:
    if effect.startswith("fold_input_"):
        options.fold_input = effect.removeprefix("fold_input_")
    else:
        setattr(options, effect, True)


def _apply_quarto(options: CellOptions, lines: list[tuple[int, str]]) -> None:
    import yaml

    first = lines[0][0]
    try:
        values = yaml.safe_load("\n".join(text for _, text in lines))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first + mark.line if mark is not None else first
        problem = getattr(exc, "problem", None) or "invalid YAML"
        options.problems.append((line, f"invalid YAML in '#|' cell options: {problem}; the options are ignored"))
        return
    if values is None:
        return
    if not isinstance(values, dict):
        options.problems.append((first, "'#|' cell options must be 'key: value' lines; the options are ignored"))
        return
    where = {text.split(":", 1)[0].strip(): number for number, text in lines}
    for key, value in values.items():
        problem = _apply_option(options, str(key), value)
        if problem:
            options.problems.append((where.get(str(key), first), problem))


def _apply_option(options: CellOptions, key: str, value: Any) -> str:
    """Apply one Quarto option; the problem with it, or ''."""
    if key not in _QUARTO_KEYS:
        return f"cell option '{key}' is not supported (supported: {', '.join(_QUARTO_KEYS)}); ignored"
    if key in ("echo", "output", "include", "eval"):
        if value in ("fenced", "asis") and key in ("echo", "output"):
            value = True
        if not isinstance(value, bool):
            return f"cell option '{key}' must be true or false, got {value!r}; ignored"
        if not value:
            attribute = {"echo": "remove_input", "output": "remove_output", "include": "remove_cell", "eval": "no_eval"}
            setattr(options, attribute[key], True)
    elif key == "code-fold":
        if value not in (True, False, "show", "hide"):
            return f"cell option 'code-fold' must be true, false or show, got {value!r}; ignored"
        options.fold_input = {True: "hide", "hide": "hide", "show": "show", False: "none"}[value]
    elif key == "code-line-numbers":
        if not isinstance(value, bool):
            return f"cell option 'code-line-numbers' must be true or false, got {value!r}; ignored"
        options.line_numbers = value
    elif key == "dark-figure":
        if not isinstance(value, bool):
            return f"cell option 'dark-figure' must be true or false, got {value!r}; ignored"
        options.dark_figure = value
    elif key == "renderings":
        if value != ["light", "dark"]:
            return f"cell option 'renderings' must be [light, dark], got {value!r}; ignored"
        options.renderings = True
    elif key == "tags":  # cell tags (`parameters`, say): read where the notebook is run
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            return f"cell option 'tags' must be a list of names, got {value!r}; ignored"
    elif key in ("fig-cap", "fig-alt"):
        texts = value if isinstance(value, list) else [value]
        if not all(isinstance(t, str | int | float) and not isinstance(t, bool) for t in texts):
            return f"cell option '{key}' must be text or a list of texts, got {value!r}; ignored"
        (options.captions if key == "fig-cap" else options.alts).extend(str(t) for t in texts)
    elif not isinstance(value, str | int | float) or isinstance(value, bool):
        return f"cell option '{key}' must be text, got {value!r}; ignored"
    else:
        setattr(options, "summary" if key == "code-summary" else "label", str(value))
    return ""


def _shown_cells(nb: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(index, cell) of the author's cells: papermill's injected-parameters cell is not one."""
    return [(i, c) for i, c in enumerate(nb.get("cells", []))
            if isinstance(c, dict) and "injected-parameters" not in c.get("metadata", {}).get("tags", [])]


@dataclass(frozen=True)
class FrontMatterCell:
    """Where a notebook post's front matter is: the cell (0-based index), its kind ("raw" YAML
    or "fastpages" Markdown) and how many of its lines it takes (a raw cell: all of them)."""

    index: int
    kind: str
    lines: int


def front_matter_cell(nb: dict[str, Any]) -> FrontMatterCell | None:
    """A raw first cell fenced by `---` lines, else a first Markdown cell starting `# Title`."""
    cells = _shown_cells(nb)
    if cells and cells[0][1].get("cell_type") == "raw":
        text = source_text(cells[0][1]).strip("\n")
        if text.split("\n", 1)[0].rstrip() == "---":
            return FrontMatterCell(cells[0][0], "raw", len(text.split("\n")))
    markdown = next(((i, c) for i, c in cells if c.get("cell_type") == "markdown"), None)
    if markdown is None:
        return None
    lines = source_text(markdown[1]).split("\n")
    if not _FASTPAGES_TITLE.match(lines[0].strip()):
        return None
    taken = 1
    for line in lines[1:]:
        stripped = line.strip()
        if stripped and not (_FASTPAGES_SUMMARY.match(stripped) or _FASTPAGES_KEY.match(stripped)):
            break
        taken += 1
    return FrontMatterCell(markdown[0], "fastpages", taken)


def fastpages_front_matter(lines: list[str]) -> tuple[str, str, list[tuple[int, str, str]]]:
    """(title, summary, [(line, key, value text)]) of a fastpages front-matter cell's lines."""
    title = _FASTPAGES_TITLE.match(lines[0].strip()).group(1).strip()  # type: ignore[union-attr]
    summary: list[str] = []
    keys: list[tuple[int, str, str]] = []
    for number, line in enumerate(lines[1:], start=2):
        stripped = line.strip()
        key = _FASTPAGES_KEY.match(stripped)
        if key:
            keys.append((number, key.group(1), key.group(2).strip()))
        elif (quoted := _FASTPAGES_SUMMARY.match(stripped)) and not keys:
            summary.append(quoted.group(1).strip())
    return _unquoted(title), _unquoted(" ".join(s for s in summary if s)), keys


def _unquoted(text: str) -> str:
    """fastpages' template writes `# "Title"` and `> "Awesome summary"`: YAML strings, quotes and all."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def without_front_matter(nb: dict[str, Any]) -> dict[str, Any]:
    """The notebook as its post shows it: the front-matter cell (or lines) taken out."""
    found = front_matter_cell(nb)
    if found is None:
        return nb
    cells = list(nb["cells"])
    cell = dict(cells[found.index])  # emptied, not removed: cell numbers stay those of the file
    cell["source"] = "" if found.kind == "raw" else "\n".join(source_text(cell).split("\n")[found.lines :])
    cells[found.index] = cell
    return {**nb, "cells": cells}


def without_unevaluated(nb: dict[str, Any]) -> dict[str, Any]:
    """The notebook as the kernel runs it: a cell marked `#| eval: false` runs as an empty cell
    (it keeps its place, so the outputs pair up with the author's cells by position)."""
    cells = nb.get("cells", [])
    if not any(c.get("cell_type") == "code" and cell_options(source_text(c)).no_eval for c in cells):
        return nb
    emptied = [{**c, "source": ""} if c.get("cell_type") == "code" and cell_options(source_text(c)).no_eval else c
               for c in cells]
    return {**nb, "cells": emptied}


def has_code(nb: dict[str, Any]) -> bool:
    """Whether anything would run: a code cell with source."""
    return any(c.get("cell_type") == "code" and source_text(c).strip() for _, c in _shown_cells(nb))


def has_saved_outputs(nb: dict[str, Any]) -> bool:
    """Whether the notebook was run and saved: a code cell with outputs or an execution count."""
    return any(c.get("cell_type") == "code" and (c.get("outputs") or c.get("execution_count") is not None)
               for _, c in _shown_cells(nb))
