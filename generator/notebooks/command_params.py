"""Notebook parameters from the command line (`-P key=value`, `--params-file FILE`).

Like papermill's `-y`/`-f` and Quarto's `quarto render -P`: values are YAML-typed (`-P lr=0.1`
is a float, `-P name=run-2` a string). A parameter goes to every notebook of the build whose
cell tagged `parameters` assigns that name, over the post's `params:`; a name that no notebook
assigns is an error, since a typo would otherwise be silently ignored.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from ..config import display_path
from ..content.notebook_keys import jsonable
from ..errors import Diagnostic, JourneyError, SourceLocation, UsageError, error
from ..models import NotebookUse, Post
from .source import read_source_notebook


@dataclass(frozen=True)
class CommandParam:
    """One parameter given to `journey build`; `origin` is where a params file sets it (None: `-P`)."""

    name: str
    value: Any
    origin: SourceLocation | None = None

    def __str__(self) -> str:
        return f"{self.name}={self.value!r}"


def command_params(params_file: Path | None, assignments: Sequence[str]) -> tuple[CommandParam, ...]:
    """`--params-file`'s parameters, then each `-P`'s (a later one wins, as in papermill);
    JourneyError for a bad file, UsageError for a bad `-P`."""
    found, problems = read_params_file(params_file, display_path(params_file.resolve())) if params_file else ([], [])
    if problems:
        raise JourneyError(problems)
    return (*found, *(parse_assignment(text) for text in assignments))


def parse_assignment(text: str) -> CommandParam:
    """`key=value` from `-P`, the value read as YAML; UsageError when it is not one."""
    name, equals, value = text.partition("=")
    if not equals or not name.strip().isidentifier():
        raise UsageError(f"journey build: -P '{text}': expected KEY=VALUE, KEY a Python name (e.g. -P lr=0.01)")
    try:
        loaded = yaml.safe_load(value) if value.strip() else None
    except yaml.YAMLError as exc:
        problem = str(exc).splitlines()[0]
        raise UsageError(f"journey build: -P '{text}': the value is not YAML ({problem})") from None
    return CommandParam(name.strip(), jsonable(loaded))


def read_params_file(path: Path, shown: str) -> tuple[list[CommandParam], list[Diagnostic]]:
    """The parameters of a YAML file of `name: value` lines, each placed at its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], [error(shown, 1, 1, "no such parameters file")]
    except (OSError, UnicodeDecodeError) as exc:
        return [], [error(shown, 1, 1, f"cannot read the parameters file: {exc}")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return [], [error(shown, line, col, f"not valid YAML: {getattr(exc, 'problem', None) or exc}")]
    if data is None:
        return [], []
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return [], [error(shown, 1, 1, "a parameters file is a mapping of names to values (name: value)")]
    params, problems = [], []
    for key_node, _ in node.value:
        where = SourceLocation(shown, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        name = key_node.value
        if not isinstance(name, str) or not name.isidentifier():
            problems.append(error(where.path, where.line, where.col, f"'{name}' is not a Python name"))
            continue
        params.append(CommandParam(name, jsonable(data[name]), where))
    return params, problems


def declared_parameters(source: dict[str, Any]) -> set[str] | None:
    """The names a notebook's cell tagged `parameters` assigns; None when it has no such cell."""
    cell = next((c for c in source.get("cells", []) if c.get("cell_type") == "code"
                 and "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        return None
    text = cell.get("source", "")
    try:
        tree = ast.parse("".join(text) if isinstance(text, list) else str(text))
    except SyntaxError:
        return set()
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }


def apply_command_params(
    posts: Sequence[Post], params: Sequence[CommandParam]
) -> list[Post]:
    """The posts with each parameter set in the notebooks that declare it. A name no notebook
    declares stops the build before anything runs: UsageError for `-P`, an error at its line for
    a params file's."""
    if not params:
        return list(posts)
    declared: dict[Path, set[str]] = {}
    used: set[str] = set()
    changed = []
    for post in posts:
        uses = tuple(_with_params(use, params, declared, used) for use in post.notebooks)
        changed.append(replace(post, notebooks=uses) if uses != post.notebooks else post)
    unknown = [p for p in params if p.name not in used]
    hint = "no notebook in this build assigns it in its cell tagged 'parameters'"
    if flagged := [p.name for p in unknown if p.origin is None]:
        raise UsageError(f"journey build: -P {', '.join(flagged)}: {hint}")
    if unknown:
        raise JourneyError([error(p.origin.path, p.origin.line, p.origin.col, f"parameter '{p.name}': {hint}")
                            for p in unknown if p.origin is not None])
    return changed


def _with_params(
    use: NotebookUse, params: Sequence[CommandParam], declared: dict[Path, set[str]], used: set[str]
) -> NotebookUse:
    path = use.request.notebook
    if path not in declared:
        try:
            declared[path] = declared_parameters(read_source_notebook(path)) or set()
        except (OSError, ValueError, TypeError):
            declared[path] = set()  # running it reports the problem
    chosen = {p.name: p.value for p in params if p.name in declared[path]}
    if not chosen:
        return use
    used.update(chosen)
    merged = tuple(sorted({**dict(use.request.params), **chosen}.items()))
    return replace(use, request=replace(use.request, params=merged))
