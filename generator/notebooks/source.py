"""A notebook's source as plain JSON: an `.ipynb` file, or a text notebook read with jupytext.

Text notebooks are Quarto `.qmd` files (```` ```{python} ```` chunks, read with jupytext's R
Markdown reader: jupytext's own `qmd` format shells out to the `quarto` program), MyST Markdown
(```` ```{code-cell} ```` blocks) and percent-format `.py` files (`# %%` cells). Their YAML
header is the post's front matter, not a cell; what it says about running (Quarto's `jupyter:`
kernel, `execute: {echo, output}`, MyST's `kernelspec:`) is carried into the notebook here, so
the cache key, the executor and the page all see one notebook.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEXT_FORMATS = {".qmd": "Rmd", ".md": "md:myst", ".py": "py:percent"}
_CHUNK = {  # where a code cell starts in each text format, for diagnostics at the post's line
    ".qmd": re.compile(r"^(`{3,}|~{3,})\s*\{[A-Za-z]", re.MULTILINE),
    ".md": re.compile(r"^(`{3,}|~{3,})\s*\{code-cell\}", re.MULTILINE),
    ".py": re.compile(r"^# %%(?!.*\[(?:markdown|md|raw)\])", re.MULTILINE),
}
_OPTION = re.compile(r"^#\|\s?(.*)$")
_PYTHON_NAMES = ("python", "python3", "ipython3")


@dataclass(frozen=True)
class TextNotebook:
    """A text notebook as read: the notebook (plain JSON), its YAML header, and for each cell the
    1-based line where it starts in the file (0 where that is not known)."""

    notebook: dict[str, Any]
    header: dict[str, Any]
    cell_lines: tuple[int, ...]


def read_source_notebook(path: Path) -> dict[str, Any]:
    """The notebook at `path` as plain JSON; ValueError or TypeError when it is not one."""
    if path.suffix in TEXT_FORMATS:
        return read_text_notebook(path.read_bytes().decode("utf-8"), path.suffix).notebook
    data = json.loads(path.read_bytes())
    if isinstance(data, dict) and data.get("nbformat") == 3:
        return upgraded_notebook(data)
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise TypeError("no list of cells")
    return data


def upgraded_notebook(data: dict[str, Any]) -> dict[str, Any]:
    """An nbformat 3 notebook (IPython 2 and earlier) as version 4, converted the way Jupyter
    does it on opening; cell ids are numbered, not nbformat's random ones, so the bytes (and
    the cache key) stay the same build after build. ValueError when it cannot be converted."""
    import nbformat  # only for the rare old notebook

    try:
        converted = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # noqa: BLE001 -- nbformat raises schema, key and type errors alike
        raise ValueError(f"an nbformat 3 notebook that cannot be converted to version 4 ({exc})") from None
    notebook = json.loads(json.dumps(converted))
    for index, cell in enumerate(notebook["cells"]):
        cell["id"] = f"c{index}"
    return notebook


def read_text_notebook(text: str, suffix: str) -> TextNotebook:
    """Read a text notebook (`suffix` is one of TEXT_FORMATS) into a notebook of stable bytes."""
    import jupytext  # ~0.9 s to import: only builds with text notebooks pay

    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    header = front_matter(text, suffix)
    nb = jupytext.reads(text, fmt=TEXT_FORMATS[suffix])
    cells = [dict(c) for c in nb.cells]
    if cells and cells[0]["cell_type"] == "raw" and str(cells[0]["source"]).startswith("---"):
        cells = cells[1:]  # the YAML header: the post's front matter, not a cell
    options = header.get("execute") if isinstance(header.get("execute"), dict) else {}
    for index, cell in enumerate(cells):
        cell["id"] = f"c{index}"  # jupytext gives none; nbformat would make random ones
        if cell["cell_type"] == "code":
            cell["metadata"] = _with_tags(dict(cell.get("metadata", {})), cell["source"], options)
    metadata: dict[str, Any] = {}
    kernelspec = _kernelspec(header, nb.metadata)
    if kernelspec:
        metadata["kernelspec"] = kernelspec
    notebook = {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    notebook = json.loads(json.dumps(notebook, default=str))
    return TextNotebook(notebook, header, _cell_lines(text, suffix, cells))


def front_matter(text: str, suffix: str) -> dict[str, Any]:
    """The YAML header as data ({} when there is none or it is not a mapping)."""
    import yaml

    lines = text.split("\n")
    if suffix == ".py":
        lines = [_uncomment(line) for line in lines]
    if not lines or lines[0].strip() != "---":
        return {}
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
        data = yaml.safe_load("\n".join(lines[1:end]))
    except (StopIteration, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _uncomment(line: str) -> str:
    """A percent-format header line as YAML: `# title: x` is `title: x`."""
    if line.startswith("# "):
        return line[2:]
    return "" if line == "#" else line


def _kernelspec(header: dict[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
    """The kernel the notebook asks for: MyST's `kernelspec:`, a percent file's `jupyter:
    kernelspec:`, or Quarto's `jupyter: NAME`; {} when it names none."""
    found = header.get("jupyter")
    if isinstance(found, str) and found.strip():
        name = found.strip()
        language = "python" if name in _PYTHON_NAMES or name.startswith("python") else name.split("-")[0]
        return {"name": name, "display_name": name, "language": language}
    if isinstance(found, dict) and isinstance(found.get("kernelspec"), dict):
        return dict(found["kernelspec"])
    spec = metadata.get("kernelspec")
    return dict(spec) if isinstance(spec, dict) else {}


def _with_tags(metadata: dict[str, Any], source: str, options: dict[str, Any]) -> dict[str, Any]:
    """Tags from the cell's `#| tags: [...]` option, and the post-wide Quarto `execute:` options
    `echo: false` (no code shown) and `output: false` (no outputs shown) as journey's cell tags."""
    import yaml

    tags = list(metadata.get("tags", []))
    lines = []
    for line in source.split("\n"):
        match = _OPTION.match(line)
        if not match:
            break
        lines.append(match.group(1))
    try:
        cell_options = yaml.safe_load("\n".join(lines)) if lines else None
    except yaml.YAMLError:
        cell_options = None
    if isinstance(cell_options, dict) and isinstance(cell_options.get("tags"), list):
        tags += [str(t) for t in cell_options["tags"]]
    if options.get("echo") is False:
        tags.append("remove-input")
    if options.get("output") is False:
        tags.append("remove-output")
    if tags:
        metadata["tags"] = list(dict.fromkeys(tags))
    return metadata


def _cell_lines(text: str, suffix: str, cells: list[dict[str, Any]]) -> tuple[int, ...]:
    """For each cell, the line its code chunk opens at (0 for other cells, or for every cell when
    the chunks found in the text do not pair up with jupytext's code cells)."""
    starts = [text.count("\n", 0, m.start()) + 1 for m in _CHUNK[suffix].finditer(text)]
    code = [i for i, cell in enumerate(cells) if cell["cell_type"] == "code"]
    lines = [0] * len(cells)
    if len(starts) == len(code):
        for index, line in zip(code, starts, strict=True):
            lines[index] = line
    return tuple(lines)
