"""Notebooks in the build: execute or reuse each request once.

`run_notebooks` decides per request (cache fresh? execution mode?), runs what must run through
`execute.run_jobs`, stores successes in the frozen cache and turns failures into diagnostics at
the post's `notebook:` line; `notebook_status` says which results are fresh or stale, and why.
A result as posts take it (a run's outputs grafted onto the current cells, or the notebook as
saved) is `executed.ExecutedNotebook`. Rendering it into a post is `post_notebooks.PostNotebooks`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .. import requirement
from ..config import SiteConfig
from ..errors import Diagnostic, error, warning
from ..files import write_atomically
from ..models import ClusterOptions, NotebookRequest, NotebookUse
from . import freeze
from .command_params import declared_parameters
from .conventions import without_unevaluated
from .executed import ExecutedNotebook, from_run, from_saved, publishes_saved
from .kernels import chosen_kernel, kernel_to_start, missing_for_execution
from .source import read_source_notebook
from .workers import record_workers, worker_of

__all__ = ["ExecutedNotebook", "notebook_status", "run_notebooks"]


@dataclass(frozen=True)
class _Plan:
    request: NotebookRequest
    uses: tuple[NotebookUse, ...]
    shown: str
    source: dict[str, Any]
    key: freeze.CacheKey
    lookup: freeze.Lookup
    mode: str
    kernel: str = ""  # "" = the Python the build runs in


def run_notebooks(
    uses: Sequence[NotebookUse],
    config: SiteConfig,
    *,
    execute: str | None = None,
    jobs: int = 1,
    progress: bool = True,
    cluster: ClusterOptions | None = None,
) -> tuple[dict[NotebookRequest, ExecutedNotebook], list[Diagnostic]]:
    """Execute (or take from the cache) each distinct request once; problems as diagnostics
    at the posts. `execute` (the CLI's --execute) overrides each request's mode; with `cluster`,
    the notebooks run on Dask workers instead of local kernels."""
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
        if publishes_saved(plan.source, plan.mode, plan.lookup.state):
            results[plan.request] = from_saved(plan.request, plan.source, plan.shown)
        elif plan.mode == "saved":
            problems += _at_uses(plan, error, f"notebook {plan.shown} has 'freeze: saved' but no saved "
                                              "outputs; run it and save it, or remove 'freeze: saved'")
        elif plan.lookup.state == "fresh" and plan.mode != "always":
            results[plan.request] = from_run(plan.request, plan.source, plan.lookup.notebook, plan.key.digest, plan.shown,
                                             from_cache=True)
        elif plan.mode == "never":
            problems += _at_uses(plan, error, _never_message(plan, config))
        elif missing := missing_for_execution():
            problems += _at_uses(plan, error, _extra_message(plan, config, missing))
        else:
            kernel, missing = kernel_to_start(plan.kernel, plan.source, plan.shown)
            if missing:
                problems += _at_uses(plan, error, missing)
            else:
                to_run.append(replace(plan, kernel=kernel))
    stored, found = _execute(to_run, config, jobs, progress, cluster)
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
    shown = freeze.display_path(request.notebook, config.root)
    probe = _Plan(
        request, uses, shown, {}, freeze.CacheKey("", {}), freeze.Lookup("missing", Path()), ""
    )
    try:
        source = read_source_notebook(request.notebook)
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
            f"notebook {shown}: deps file {freeze.display_path(dep, config.root)} does not exist",
        )
    ]
    problems += [
        d
        for text in _param_warnings(source, request, shown)
        for d in _at_uses(probe, warning, text)
    ]
    kernel = chosen_kernel(source, config.kernel)
    key = freeze.compute_key(source, request, config, kernel or "python3")
    found = freeze.lookup(freeze.entry_path(request, config), key)
    # `freeze: saved` is the author's word that the file's outputs are the result; only
    # `--execute always` runs such a notebook.
    mode = "saved" if request.execute == "saved" and execute != "always" else execute or request.execute
    plan = _Plan(request, uses, shown, source, key, found, mode, kernel)
    return (None if problems and any(d.is_error for d in problems) else plan), problems


def _param_warnings(source: dict[str, Any], request: NotebookRequest, shown: str) -> list[str]:
    """A parameter the notebook's `parameters` cell does not assign is most likely a typo."""
    if not request.params:
        return []
    declared = declared_parameters(source)
    if declared is None:
        return [f"notebook {shown} has no cell tagged 'parameters'; params are injected at its top"]
    return [
        f"notebook {shown}: parameter '{name}' is not declared in its cell tagged 'parameters'"
        for name, _ in request.params
        if name not in declared
    ]


def _at_uses(plan: _Plan, make: Any, message: str) -> list[Diagnostic]:
    return [make(use.post, use.line, 1, message) for use in plan.uses]


def _at_cell(plan: _Plan, message: str, cell: int) -> list[Diagnostic]:
    """A failed run's error at each post using the notebook: at its `notebook:` key, naming the
    notebook; in a post that is its own notebook (an executable Markdown post), at the line where
    cell `cell` (1-based) starts, when known."""
    found = []
    for use in plan.uses:
        lines = use.cell_lines
        if not lines:
            found.append(error(use.post, use.line, 1, f"notebook {plan.shown}: {message}"))
            continue
        line = lines[cell - 1] if 0 < cell <= len(lines) and lines[cell - 1] else use.line
        found.append(error(use.post, line, 1, message))
    return found


def _never_message(plan: _Plan, config: SiteConfig) -> str:
    where = freeze.display_path(plan.lookup.path, config.root)
    state = {
        "missing": "missing",
        "stale": f"stale (changed: {plan.lookup.detail})",
        "corrupt": f"corrupt ({plan.lookup.detail})",
    }[plan.lookup.state]
    return (
        f"notebook {plan.shown}: the frozen result {where} is {state} and execution is off "
        f"(execute: never); run 'journey build --execute auto' where the notebook can run"
    )


def _extra_message(plan: _Plan, config: SiteConfig, missing: list[str]) -> str:
    why = "it has no frozen result" if plan.lookup.state == "missing" else \
        f"its frozen result {freeze.display_path(plan.lookup.path, config.root)} is {plan.lookup.state}"
    if plan.mode == "always":
        why = "execute: always"
    return (f"notebook {plan.shown} must run ({why}), and running notebooks needs journey's notebooks extra, "
            f"which is not installed (no {', '.join(missing)}): pip install \"{requirement('notebooks')}\"")


def _execute(
    plans: list[_Plan], config: SiteConfig, jobs: int, progress: bool, cluster: ClusterOptions | None
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
            without_unevaluated(p.source),
            p.request.notebook.parent,
            p.request.params_dict,
            p.kernel,
            p.request.timeout,
            p.request.allow_errors,
            config.key_packages,
            p.request.deps,
            p.request.time_budget,
            p.request.resources,
        )
        for p in distinct.values()
    ]
    if cluster is not None:
        from .cluster import run_on_cluster

        ran = run_on_cluster(work, cluster, config.root, config.root / config.environment, progress)
    else:
        ran = run_jobs(work, jobs, progress)
    outcomes = {k: o for k, o in zip(distinct, ran, strict=True)}
    live = {freeze.entry_path(p.request, config) for p in plans}
    results: dict[NotebookRequest, ExecutedNotebook] = {}
    problems: list[Diagnostic] = []
    stored: dict[tuple[Path, str], dict[str, Any]] = {}
    workers: dict[Path, str] = {}
    for ident, outcome in outcomes.items():
        plan = distinct[ident]
        failed = freeze.failed_path(plan.request, config)
        if outcome.failure is not None:
            kept = ""
            if outcome.failure.has_notebook:
                write_atomically(
                    failed, freeze.serialize(mark_failure(outcome.notebook, outcome.failure))
                )
                kept = f" (executed notebook kept at {freeze.display_path(failed, config.root)})"
            log = f"; the kernel's last words: {outcome.failure.log}" if outcome.failure.log else ""
            message = f"{outcome.failure.describe()}{kept}{log}"
            problems += [
                d
                for p in plans
                if (p.lookup.path, p.key.digest) == ident
                for d in _at_cell(p, message, outcome.failure.cell)
            ]
            continue
        stored[ident] = freeze.store(plan.lookup.path, outcome.notebook, plan.key, outcome.run_info)
        workers[plan.lookup.path] = outcome.worker
        failed.unlink(missing_ok=True)
        freeze.prune_siblings(plan.lookup.path, live)
    record_workers(config, workers)
    for plan in plans:
        entry = stored.get((plan.lookup.path, plan.key.digest))
        if entry is not None:
            results[plan.request] = from_run(plan.request, plan.source, entry, plan.key.digest, plan.shown,
                                             from_cache=False)
    return results, problems


def notebook_status(uses: Sequence[NotebookUse], config: SiteConfig) -> list[str]:
    """One line per distinct request: fresh, stale (and which key parts changed), missing or
    corrupt."""
    lines = []
    for request, its_uses in _group(uses).items():
        plan, problems = _plan(request, its_uses, config, None)
        label = freeze.display_path(request.notebook, config.root)
        if request.params:
            label += " {" + ", ".join(f"{k}={json.dumps(v)}" for k, v in request.params) + "}"
        if plan is None:
            lines.append(f"{label}: unusable ({problems[0].message})")
            continue
        found = plan.lookup
        if publishes_saved(plan.source, plan.mode, found.state):
            state = "saved (the notebook's own outputs are the result)"
        elif found.state == "missing":
            near = freeze.nearest_sibling(found.path, plan.key)
            state = f"stale (changed: {', '.join(near)})" if near else "missing (never executed)"
        elif found.state == "fresh":
            worker = worker_of(config, found.path)
            state = f"fresh (ran on {worker})" if worker else "fresh"
        else:
            prefix = "changed: " if found.state == "stale" else ""
            state = f"{found.state} ({prefix}{found.detail})"
        lines.append(f"{label}: {state}")
    return sorted(lines)
