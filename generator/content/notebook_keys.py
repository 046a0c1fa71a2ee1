"""What a post's front matter asks of notebooks: `notebook:` and the keys saying how to run it
(`params`, `execute`, `freeze`, `timeout`, `allow_errors`, `deps`, `resources`, `time_budget`), each
checked at its key."""

from __future__ import annotations

import keyword
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..config import EXECUTE_MODES, SiteConfig
from ..models import NotebookRequest, NotebookUse
from .front_matter import Fields, kind_of


def notebook_uses(config: SiteConfig, shown: str, meta: dict[str, Any], fields: Fields) -> tuple[NotebookUse, ...]:
    """The notebooks a post's `notebook:` key names, with how to run them; warnings for run
    keys without it."""
    if "notebook" not in meta:
        for key in ("params", "execute", "timeout", "allow_errors", "deps", "freeze", "resources", "time_budget"):
            if key in meta:
                fields.warn(key, f"'{key}' has no effect without 'notebook'")
        return ()
    names = meta["notebook"] if isinstance(meta["notebook"], list) else [meta["notebook"]]
    if not names or not all(isinstance(n, str) and n.endswith(".ipynb") for n in names):
        fields.fail("notebook", "'notebook' must be a .ipynb path or a list of them")
        return ()
    request_args = notebook_request_args(config, meta, fields)
    notebooks = [_resolve_inside(config, n, fields, "notebook") for n in names]
    line = fields.at("notebook")[0]
    return tuple(
        NotebookUse(post=shown, line=line, request=NotebookRequest(notebook=n, **request_args))
        for n in notebooks
        if n is not None
    )


def notebook_request_args(config: SiteConfig, meta: dict[str, Any], fields: Fields) -> dict[str, Any]:
    """How to run a post's notebook (a NotebookRequest's fields but the notebook), from the
    `params`, `execute`, `timeout`, `allow_errors` and `deps` keys, each checked at its key."""
    params = meta.get("params") or {}
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        fields.fail("params", f"'params' must be a mapping of names to values, got {kind_of(params)}")
        params = {}
    for name in sorted(k for k in params if not k.isidentifier() or keyword.iskeyword(k)):
        fields.fail("params", f"'params' key '{name}' is not a Python name (letters, digits and '_', not starting "
                              f"with a digit, not a keyword), so it cannot be passed to the notebook")
    execute = fields.string(meta, "execute", config.execute)
    if execute not in EXECUTE_MODES:
        fields.fail("execute", f"'execute' must be one of auto, always, never, got '{execute}'")
        execute = config.execute
    freeze = meta.get("freeze", "auto")
    if freeze == "saved":
        execute = "saved"  # the notebook's saved outputs are the result (notebooks/run.py)
    elif freeze != "auto":
        fields.fail("freeze", f"'freeze' must be 'saved' or 'auto', got {freeze!r}")
    timeout = meta.get("timeout", config.timeout)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        fields.fail("timeout", f"'timeout' must be a positive number of seconds, got {timeout!r}")
        timeout = config.timeout
    deps = tuple(_resolve_inside(config, d, fields, "deps") for d in fields.words(meta, "deps"))
    time_budget = meta.get("time_budget", config.time_budget)
    if "time_budget" in meta and (isinstance(time_budget, bool) or not isinstance(time_budget, int)
                                  or time_budget <= 0):
        fields.fail("time_budget", f"'time_budget' must be a positive number of seconds, got {time_budget!r}")
        time_budget = config.time_budget
    return {
        "params": tuple(sorted(jsonable(params).items())),
        "timeout": timeout,
        "allow_errors": fields.boolean(meta, "allow_errors", False),
        "deps": tuple(sorted(d for d in deps if d is not None)),
        "execute": execute,
        "resources": _resources(meta, fields),
        "time_budget": time_budget,
    }


def _resources(meta: dict[str, Any], fields: Fields) -> tuple[tuple[str, float], ...]:
    """`resources: {GPU: 1}`: Dask worker resource names and the amounts a run takes."""
    found = meta.get("resources") or {}
    amounts_ok = isinstance(found, dict) and all(
        isinstance(k, str) and k and not isinstance(v, bool) and isinstance(v, int | float) and v > 0
        for k, v in found.items()
    )
    if not amounts_ok:
        fields.fail("resources", "'resources' must map Dask resource names to positive amounts, such as "
                                 f"{{GPU: 1}}, got {found!r}")
        return ()
    return tuple(sorted(found.items()))


def _resolve_inside(config: SiteConfig, name: str, fields: Fields, key: str) -> Path | None:
    """A path relative to the blog root that must exist and stay inside it."""
    root = config.root.resolve()
    target = (root / name).resolve()
    if not target.is_relative_to(root):
        fields.fail(key, f"'{name}' is outside the blog folder")
        return None
    if target.is_dir():
        fields.fail(key, f"'{name}' is a folder; '{key}' names files (list the files in it that the notebook reads)"
                    if key == "deps" else f"'{name}' is a folder, not a notebook")
        return None
    if not target.is_file():
        fields.fail(key, f"'{name}' does not exist")
        return None
    return target


def jsonable(value: Any) -> Any:
    """Front-matter values as JSON-able data (YAML dates become ISO strings)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
