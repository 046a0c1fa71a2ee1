"""Executable Markdown posts: Quarto `.qmd`, MyST Markdown notebooks and percent-format `.py`
files, read with jupytext; the post is its own notebook, run like a `notebook:` post's.

The post's body is its Markdown chunks in document order, each code chunk standing in it as
a `cell` shortcode, so the chunk's code and outputs are placed where the author wrote them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import SiteConfig, display_path
from ..errors import Diagnostic, error, warning
from ..models import NotebookRequest, NotebookUse
from .front_matter import Fields, split_front_matter
from .notebook_keys import notebook_request_args
from .post_fields import FileDates, build_document, names_its_date
from .sources import PostRead, YamlParser

SUFFIXES = (".qmd", ".py")  # and `.md` files that `is_executable_markdown` says are MyST notebooks
_MYST_CELL = re.compile(rb"^(`{3,}|~{3,})\s*\{code-cell\}", re.MULTILINE)
_MYST_HEADER = re.compile(rb"^\s*format_name:\s*myst\s*$", re.MULTILINE)
_RUN_KEYS = ("params", "execute", "timeout", "allow_errors", "deps", "resources", "time_budget")
_NOTEBOOK_KEYS = ("jupytext", "kernelspec", "jupyter", "format")  # said to jupytext and Quarto
_QUARTO_EXECUTE = ("echo", "eval", "output", "error")


def is_executable_markdown(data: bytes) -> bool:
    """Whether a `.md` file's bytes are a MyST notebook: jupytext's MyST header, or a line
    opening a ```` ```{code-cell} ```` block (a plain post pays one substring search)."""
    if b"{code-cell}" not in data and b"myst" not in data:
        return False
    return _MYST_CELL.search(data) is not None or _MYST_HEADER.search(data) is not None


def read_file(config: SiteConfig, path: Path, parse_yaml: YamlParser | None = None,
              dates: FileDates | None = None) -> PostRead:
    """Read one executable Markdown post: its document (whose one notebook is the file itself)
    and every problem with it."""
    shown = display_path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = exc.object[: exc.start]
        line, col = before.count(b"\n") + 1, exc.start - before.rfind(b"\n")
        return PostRead(path, None, (error(shown, line, col, "file is not valid UTF-8"),), True)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    suffix = ".md" if path.suffix not in SUFFIXES else path.suffix
    if suffix == ".py" and "# %%" not in text:
        problem = warning(shown, 1, 1, "a .py file in the posts folder is read only as a percent-format "
                          "notebook ('# %%' cells); this one has none, so it is not a post")
        return PostRead(path, None, (problem,), True)
    split = split_front_matter(_header_as_yaml(text) if suffix == ".py" else text, shown, parse_yaml)
    if isinstance(split, Diagnostic):
        return PostRead(path, None, (split,), True)
    found, positions, _, body_line = split
    meta = dict(found or {})
    fields = Fields(shown, positions)
    from ..notebooks.source import read_text_notebook

    try:
        notebook = read_text_notebook(text, suffix)
    except Exception as exc:  # noqa: BLE001 - jupytext's readers raise many kinds on odd input
        return PostRead(path, None, (error(shown, 1, 1, f"cannot be read as a notebook: {exc}"),), True)
    run = {key: meta.pop(key) for key in _RUN_KEYS if key in meta}
    quarto = _quarto_options(run, fields)
    for key in _NOTEBOOK_KEYS:
        meta.pop(key, None)
    if "notebook" in meta:
        fields.fail("notebook", "an executable post is its own notebook: 'notebook' cannot name another")
        meta.pop("notebook")
    evaluated = quarto.get("eval") is not False
    body = _body(notebook.notebook, evaluated)
    document = build_document(config, path, shown, None if found is None else meta, fields, body, body_line, dates)
    # Checked even when the date or URL is unusable: every problem in one run.
    uses = _uses(config, path, shown, run, quarto, fields, notebook.cell_lines) if evaluated else ()
    for key in run if not evaluated else ():
        fields.warn(key, f"'{key}' has no effect: Quarto's 'eval: false' runs nothing")
    if document is not None:
        post = replace(document.post, notebooks=uses, digest=hashlib.sha256(data).hexdigest())
        document = replace(document, post=post)
    return PostRead(path, document, tuple(fields.problems), names_its_date(meta, path))


def _header_as_yaml(text: str) -> str:
    """A percent-format file with its `# ---` header uncommented (the same lines)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "# ---":
        return text
    for index, line in enumerate(lines):
        lines[index] = line[2:] if line.startswith("# ") else "" if line == "#" else line
        if index and line.rstrip() == "# ---":
            break
    return "\n".join(lines)


def _quarto_options(run: dict[str, Any], fields: Fields) -> dict[str, Any]:
    """Quarto's `execute:` mapping (echo, eval, output, error), taken out of `run`, which keeps
    journey's `execute: auto|always|never` as it is."""
    options = run.get("execute")
    if not isinstance(options, dict):
        return {}
    del run["execute"]
    for key, value in options.items():
        if key not in _QUARTO_EXECUTE:
            fields.warn("execute", f"Quarto's execute option '{key}' is not supported; ignored")
        elif not isinstance(value, bool):
            fields.warn("execute", f"Quarto's execute option '{key}' must be true or false; ignored")
    return {k: v for k, v in options.items() if k in _QUARTO_EXECUTE and isinstance(v, bool)}


def _uses(
    config: SiteConfig, path: Path, shown: str, run: dict[str, Any], quarto: dict[str, Any], fields: Fields,
    cell_lines: tuple[int, ...],
) -> tuple[NotebookUse, ...]:
    args = notebook_request_args(config, run, fields)
    if quarto.get("error") is True and "allow_errors" not in run:
        args["allow_errors"] = True
    line = next((fields.at(k)[0] for k in ("jupyter", "kernelspec") if k in fields.positions), 1)
    request = NotebookRequest(notebook=path.resolve(), **args)
    return (NotebookUse(post=shown, line=line, request=request, cell_lines=cell_lines),)


def _body(notebook: dict[str, Any], evaluated: bool) -> str:
    """The post's Markdown: Markdown chunks as written, each code chunk as the shortcode that
    places its cell (or, when nothing is evaluated, as a fenced code block)."""
    language = notebook["metadata"].get("kernelspec", {}).get("language") or "python"
    parts = []
    for cell in notebook["cells"]:
        source = cell["source"]
        if cell["cell_type"] == "markdown":
            parts.append(source)
        elif cell["cell_type"] == "code" and source.strip():
            fence = "`" * max([3, *(len(m) + 1 for m in re.findall(r"`{3,}", source))])
            shown = f"{fence}{language}\n{source}\n{fence}"
            parts.append(f"{{{{< cell id={cell['id']} optional=yes >}}}}" if evaluated else shown)
    return "\n\n".join(parts) + "\n"
