"""The build, top to bottom: settings → sources → notebooks → Markdown → site → pages → write."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .assemble import assemble_site
from .config import SiteConfig, load_config
from .errors import Diagnostic, JourneyError
from .models import NotebookRequest, Post
from .pages import render_site
from .render import render_posts
from .sources import read_posts
from .templates import collect_assets, create_environment
from .write import check_out_folder, write_site


@dataclass(frozen=True)
class BuildOptions:
    source: Path
    out: Path | None = None
    drafts: bool = False
    future: bool = False
    execute: str | None = None  # overrides settings and front matter when given
    jobs: int = 1
    base_url: str | None = None
    strict: bool = False
    verbose: bool = False
    progress: bool = True


@dataclass(frozen=True)
class BuildResult:
    out: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    seconds: float = 0.0


def build_time() -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now; used only to hold back future posts."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), timezone.utc)
    return datetime.now(timezone.utc)


def build_site(options: BuildOptions) -> BuildResult:
    """Build the blog at options.source; raise JourneyError with every problem, leaving `out` as it was."""
    started = time.perf_counter()
    source = options.source.resolve()
    out = (options.out or source / "site").resolve()
    config, problems = load_config(source, options.base_url)
    check_out_folder(source, out)
    sources = read_posts(config, drafts=options.drafts, future=options.future, now=build_time())
    problems += sources.diagnostics
    executed, found = _run_notebooks(sources.posts, config, options)
    problems += found
    rendered, found = render_posts(sources.posts, config, executed, options.jobs)
    problems += found
    site, found = assemble_site(config, rendered)
    problems += found
    assets = collect_assets(config)
    files, found = render_site(site, create_environment(config, assets), assets)
    problems += found + files.problems
    _stop_on_errors(problems, options.strict)
    write_site(out, files)
    return BuildResult(out, sorted(problems), len(files), time.perf_counter() - started)


def _run_notebooks(
    posts: Sequence[Post], config: SiteConfig, options: BuildOptions
) -> tuple[dict[NotebookRequest, Any], list[Diagnostic]]:
    uses = [use for post in posts for use in post.notebooks]
    if not uses:
        return {}, []
    from .notebooks import run_notebooks  # papermill and nbconvert load only when a post needs them

    return run_notebooks(uses, config, execute=options.execute, jobs=options.jobs, progress=options.progress)


def _stop_on_errors(problems: list[Diagnostic], strict: bool) -> None:
    if any(d.is_error or strict for d in problems):
        if strict:
            problems = [
                Diagnostic(d.location, "error", d.message) if not d.is_error else d for d in problems
            ]
        raise JourneyError(problems)
