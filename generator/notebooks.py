"""Notebooks in the build: execute or reuse each request once, then render them into posts.

`run_notebooks` decides per request (cache fresh? execution mode?), runs what must run through
`execute.run_jobs`, stores successes in the frozen cache and turns failures into diagnostics at
the post's `notebook:` line. `PostNotebooks` renders one post's notebooks and answers its
shortcodes; `notebook_status` says which results are fresh or stale, and why.
"""

from __future__ import annotations

import ast
import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import cache
from .config import SiteConfig
from .errors import Diagnostic, error, warning
from .models import NotebookRequest, NotebookUse, Post
from .notebook_html import RenderedCell, RenderedNotebook, render_notebook

__all__ = [
    "ExecutedNotebook",
    "PostNotebooks",
    "ShortcodeError",
    "notebook_status",
    "run_notebooks",
]


@dataclass(frozen=True)
class ExecutedNotebook:
    request: NotebookRequest
    data: dict[str, Any]  # the current cells with the executed outputs, as plain JSON
    cache_key: str  # hex digest
    from_cache: bool
    run_info: dict[str, Any]  # python, packages, device, wall_time_s, params, kernel
    ipynb_bytes: bytes  # the executed notebook as published for download
    display_path: str = ""  # e.g. notebooks/x.ipynb

    @property
    def notebook(self) -> Any:
        """The executed notebook as an nbformat.NotebookNode (importing nbformat costs ~0.3 s,
        so a build that only renders from the cache never pays for it)."""
        import nbformat

        return nbformat.from_dict(self.data)


@dataclass(frozen=True)
class _Plan:
    request: NotebookRequest
    uses: tuple[NotebookUse, ...]
    shown: str
    source: dict[str, Any]
    key: cache.CacheKey
    lookup: cache.Lookup
    mode: str


def run_notebooks(
    uses: Sequence[NotebookUse],
    config: SiteConfig,
    *,
    execute: str | None = None,
    jobs: int = 1,
    progress: bool = True,
) -> tuple[dict[NotebookRequest, ExecutedNotebook], list[Diagnostic]]:
    """Execute (or take from the cache) each distinct request once; problems as diagnostics
    at the posts. `execute` (the CLI's --execute) overrides each request's mode."""
    problems: list[Diagnostic] = []
    plans: list[_Plan] = []
    for request, its_uses in _group(uses).items():
        plan, found = _plan(request, its_uses, config, execute)
        problems += found
        if plan is not None:
            plans.append(plan)
    results: dict[NotebookRequest, ExecutedNotebook] = {}
    to_run: list[_Plan] = []
    for plan in plans:
        if plan.lookup.state == "fresh" and plan.mode != "always":
            results[plan.request] = _executed(plan, plan.lookup.notebook, from_cache=True)
        elif plan.mode == "never":
            problems += _at_uses(plan, error, _never_message(plan, config))
        else:
            to_run.append(plan)
    stored, found = _execute(to_run, config, jobs, progress)
    problems += found
    results.update(stored)
    return results, sorted(problems)


def _group(uses: Sequence[NotebookUse]) -> dict[NotebookRequest, tuple[NotebookUse, ...]]:
    grouped: dict[NotebookRequest, list[NotebookUse]] = {}
    for use in uses:
        grouped.setdefault(use.request, []).append(use)
    return {request: tuple(found) for request, found in grouped.items()}


def _plan(
    request: NotebookRequest, uses: tuple[NotebookUse, ...], config: SiteConfig, execute: str | None
) -> tuple[_Plan | None, list[Diagnostic]]:
    shown = cache.display_path(request.notebook, config.root)
    probe = _Plan(
        request, uses, shown, {}, cache.CacheKey("", {}), cache.Lookup("missing", Path()), ""
    )
    try:
        source = json.loads(request.notebook.read_bytes())
        if not isinstance(source, dict) or not isinstance(source.get("cells"), list):
            raise TypeError("no list of cells")
    except FileNotFoundError:
        return None, _at_uses(probe, error, f"notebook {shown} does not exist")
    except (OSError, ValueError, TypeError) as exc:
        return None, _at_uses(probe, error, f"notebook {shown} is not a valid notebook: {exc}")
    problems = [
        d
        for dep in request.deps
        if not dep.is_file()
        for d in _at_uses(
            probe,
            error,
            f"notebook {shown}: deps file {cache.display_path(dep, config.root)} does not exist",
        )
    ]
    problems += [
        d
        for text in _param_warnings(source, request, shown)
        for d in _at_uses(probe, warning, text)
    ]
    key = cache.compute_key(source, request, config, config.kernel or "python3")
    found = cache.lookup(cache.entry_path(request, config), key)
    plan = _Plan(request, uses, shown, source, key, found, execute or request.execute)
    return (None if problems and any(d.is_error for d in problems) else plan), problems


def _param_warnings(source: dict[str, Any], request: NotebookRequest, shown: str) -> list[str]:
    """A parameter the notebook's `parameters` cell does not assign is most likely a typo."""
    if not request.params:
        return []
    cell = next(
        (
            c
            for c in source["cells"]
            if c.get("cell_type") == "code"
            and "parameters" in c.get("metadata", {}).get("tags", [])
        ),
        None,
    )
    if cell is None:
        return [f"notebook {shown} has no cell tagged 'parameters'; params are injected at its top"]
    try:
        tree = ast.parse(cache._text(cell.get("source", "")))
    except SyntaxError:
        return []
    declared = {
        t.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(t, ast.Name)
    }
    return [
        f"notebook {shown}: parameter '{name}' is not declared in its cell tagged 'parameters'"
        for name, _ in request.params
        if name not in declared
    ]


def _at_uses(plan: _Plan, make: Any, message: str) -> list[Diagnostic]:
    return [make(use.post, use.line, 1, message) for use in plan.uses]


def _never_message(plan: _Plan, config: SiteConfig) -> str:
    where = cache.display_path(plan.lookup.path, config.root)
    state = {
        "missing": "missing",
        "stale": f"stale (changed: {plan.lookup.detail})",
        "corrupt": f"corrupt ({plan.lookup.detail})",
    }[plan.lookup.state]
    return (
        f"notebook {plan.shown}: the frozen result {where} is {state} and execution is off "
        f"(execute: never); run 'journey build --execute auto' where the notebook can run"
    )


def _execute(
    plans: list[_Plan], config: SiteConfig, jobs: int, progress: bool
) -> tuple[dict[NotebookRequest, ExecutedNotebook], list[Diagnostic]]:
    """Run each distinct (entry, key) once; store successes, keep and report failures."""
    if not plans:
        return {}, []
    from .execute import Job, mark_failure, run_jobs

    distinct: dict[tuple[Path, str], _Plan] = {}
    for plan in plans:
        distinct.setdefault((plan.lookup.path, plan.key.digest), plan)
    work = [
        Job(
            p.shown,
            p.source,
            p.request.notebook.parent,
            p.request.params_dict,
            config.kernel,
            p.request.timeout,
            p.request.allow_errors,
            config.key_packages,
        )
        for p in distinct.values()
    ]
    outcomes = {k: o for k, o in zip(distinct, run_jobs(work, jobs, progress), strict=True)}
    live = {cache.entry_path(p.request, config) for p in plans}
    results: dict[NotebookRequest, ExecutedNotebook] = {}
    problems: list[Diagnostic] = []
    stored: dict[tuple[Path, str], dict[str, Any]] = {}
    for ident, outcome in outcomes.items():
        plan = distinct[ident]
        failed = cache.failed_path(plan.request, config)
        if outcome.failure is not None:
            kept = ""
            if outcome.failure.kind != "start":
                cache.write_atomic(
                    failed, cache.serialize(mark_failure(outcome.notebook, outcome.failure))
                )
                kept = f" (executed notebook kept at {cache.display_path(failed, config.root)})"
            log = f"; the kernel's last words: {outcome.failure.log}" if outcome.failure.log else ""
            message = f"notebook {plan.shown}: {outcome.failure.describe()}{kept}{log}"
            problems += [
                d
                for p in plans
                if (p.lookup.path, p.key.digest) == ident
                for d in _at_uses(p, error, message)
            ]
            continue
        stored[ident] = cache.store(plan.lookup.path, outcome.notebook, plan.key, outcome.run_info)
        failed.unlink(missing_ok=True)
        cache.prune_siblings(plan.lookup.path, live)
    for plan in plans:
        entry = stored.get((plan.lookup.path, plan.key.digest))
        if entry is not None:
            results[plan.request] = _executed(plan, entry, from_cache=False)
    return results, problems


def _executed(plan: _Plan, entry: dict[str, Any], from_cache: bool) -> ExecutedNotebook:
    grafted = cache.graft(plan.source, entry)
    journey = grafted["metadata"]["journey"]
    grafted["metadata"]["journey"] = {"key": journey["key"], "run_info": journey["run_info"]}
    return ExecutedNotebook(
        request=plan.request,
        data=grafted,
        cache_key=plan.key.digest,
        from_cache=from_cache,
        run_info=journey["run_info"],
        ipynb_bytes=cache.serialize(grafted),
        display_path=plan.shown,
    )


def notebook_status(uses: Sequence[NotebookUse], config: SiteConfig) -> list[str]:
    """One line per distinct request: fresh, stale (and which key parts changed), missing or
    corrupt."""
    lines = []
    for request, its_uses in _group(uses).items():
        plan, problems = _plan(request, its_uses, config, None)
        label = cache.display_path(request.notebook, config.root)
        if request.params:
            label += " {" + ", ".join(f"{k}={json.dumps(v)}" for k, v in request.params) + "}"
        if plan is None:
            lines.append(f"{label}: unusable ({problems[0].message})")
            continue
        found = plan.lookup
        if found.state == "missing":
            near = cache.nearest_sibling(found.path, plan.key)
            state = f"stale (changed: {', '.join(near)})" if near else "missing (never executed)"
        elif found.state == "fresh":
            state = "fresh"
        else:
            prefix = "changed: " if found.state == "stale" else ""
            state = f"{found.state} ({prefix}{found.detail})"
        lines.append(f"{label}: {state}")
    return sorted(lines)


class ShortcodeError(Exception):
    """A bad value/notebook/cell/output shortcode; markdown.py turns it into a diagnostic."""


@dataclass(frozen=True)
class _Shown:
    executed: ExecutedNotebook
    rendered: RenderedNotebook
    download: str  # file name of the executed .ipynb beside the post


class PostNotebooks:
    """One post's notebooks while its Markdown renders: shortcodes, the appended notebooks,
    the files to write beside the post and the run cards. Holds only plain data."""

    def __init__(
        self,
        post: Post,
        executed: Sequence[ExecutedNotebook],
        config: SiteConfig,
        *,
        markdown: Callable[[str], str] | None = None,
    ) -> None:
        self.config = config
        render_md = markdown or _markdown_renderer(config.base_path)
        highlight = _highlighter()
        names: set[str] = set()
        self._notebooks: list[_Shown] = []
        for number, found in enumerate(executed, start=1):
            prefix = "" if number == 1 else f"nb{number}-"
            rendered = render_notebook(
                found.data, markdown=render_md, highlight=highlight, id_prefix=prefix
            )
            self._notebooks.append(
                _Shown(found, rendered, _unique(found.request.notebook.stem, names))
            )
        self._whole: set[int] = set()
        self._parts = False

    def shortcode(self, name: str, args: list[str], kwargs: dict[str, str]) -> str:
        """HTML for value / notebook / cell / output; ShortcodeError when it cannot be met."""
        if name == "value":
            return self._value(args, kwargs)
        if name == "notebook":
            index = self._index(args[0] if args else kwargs.get("n", "1"))
            self._whole.add(index)
            return self._notebooks[index].rendered.html
        if name in ("cell", "output"):
            self._parts = True
            cells = self._cells(kwargs)
            return "".join(c.cell_html if name == "cell" else c.output_html for c in cells)
        raise ShortcodeError(f"unknown shortcode '{name}' (known: cell, notebook, output, value)")

    def trailing_html(self) -> str:
        """The notebooks the post did not place; none when it placed only cells or outputs."""
        if self._parts and not self._whole:
            return ""
        return "".join(
            nb.rendered.html for i, nb in enumerate(self._notebooks) if i not in self._whole
        )

    def files(self) -> list[tuple[str, bytes]]:
        """(name beside the post, bytes): extracted images and the executed notebooks."""
        found: dict[str, bytes] = {}
        for nb in self._notebooks:
            found.update(nb.rendered.files)
            found[nb.download] = nb.executed.ipynb_bytes
        return sorted(found.items())

    def run_cards(self) -> list[dict[str, Any]]:
        return [_card(nb, self.config) for nb in self._notebooks]

    def _value(self, args: list[str], kwargs: dict[str, str]) -> str:
        if not args:
            raise ShortcodeError("the value shortcode needs a name: {{< value NAME [FORMAT] >}}")
        values: dict[str, Any] = {}
        for nb in self._notebooks:
            values.update(nb.rendered.values)
        name, spec = args[0], args[1] if len(args) > 1 else kwargs.get("format", "")
        if name not in values:
            hint = (
                f"known values: {', '.join(sorted(values))}"
                if values
                else "the post's notebooks publish none; publish one with glue(name, value)"
            )
            raise ShortcodeError(f"unknown notebook value '{name}' ({hint})")
        try:
            return html.escape(format(values[name], spec))
        except (TypeError, ValueError) as exc:
            kind = type(values[name]).__name__
            raise ShortcodeError(
                f"cannot format value '{name}' ({kind}) with '{spec}': {exc}"
            ) from None

    def _index(self, text: str) -> int:
        count = len(self._notebooks)
        if not text.isdigit() or not 1 <= int(text) <= count:
            raise ShortcodeError(
                f"no notebook {text}: this post has {count} notebook{'s' * (count != 1)}"
            )
        return int(text) - 1

    def _cells(self, kwargs: dict[str, str]) -> list[RenderedCell]:
        pool = self._notebooks
        if "notebook" in kwargs:
            pool = [self._notebooks[self._index(kwargs["notebook"])]]
        cells = [c for nb in pool for c in nb.rendered.cells]
        if "tag" in kwargs:
            found = [c for c in cells if kwargs["tag"] in c.tags]
            known = sorted({t for c in cells for t in c.tags})
            what, wanted = "tag", kwargs["tag"]
        elif "id" in kwargs:
            found = [c for c in cells if c.id == kwargs["id"]]
            known, what, wanted = [c.id for c in cells], "id", kwargs["id"]
        else:
            raise ShortcodeError("cell and output shortcodes need tag=NAME or id=CELLID")
        if not found:
            listed = ", ".join(known) if known else "none"
            raise ShortcodeError(
                f"no notebook cell with {what} '{wanted}' (known {what}s: {listed})"
            )
        return found


def _unique(stem: str, taken: set[str]) -> str:
    name, n = f"{stem}.ipynb", 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}.ipynb"
    taken.add(name)
    return name


def _card(nb: _Shown, config: SiteConfig) -> dict[str, Any]:
    info = nb.executed.run_info
    packages = info.get("packages", {})
    return {
        "notebook": nb.executed.display_path,
        "download": nb.download,
        "cache_key": nb.executed.cache_key,
        "cache_key_short": nb.executed.cache_key[:12],
        "from_cache": nb.executed.from_cache,
        "python": info.get("python", ""),
        "packages": sorted(
            (name, packages[name]) for name in config.key_packages if name in packages
        ),
        "device": info.get("device", "CPU"),
        "params": sorted(info.get("params", {}).items()),
        "wall_time_s": info.get("wall_time_s", 0.0),
        "kernel": info.get("kernel", ""),
    }


@lru_cache(maxsize=4)
def _markdown_renderer(base_path: str) -> Callable[[str], str]:
    """Markdown cells go through the posts' own Markdown (same math, code, links)."""
    from .markdown import create_markdown, render_markdown

    md = create_markdown()

    def render(text: str) -> str:
        return render_markdown(md, text, path="notebook", first_line=1, base_path=base_path).html

    return render


def _highlighter() -> Callable[[str, str], str]:
    from .markdown import highlight_code

    return highlight_code
