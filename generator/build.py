"""The build, top to bottom: settings → sources → notebooks → Markdown → site → pages → write.

Heavy modules (Jinja2, markdown-it, Pygments, papermill) are imported inside `_build()`, after
the manifest check: a build with nothing changed then costs a scan of the inputs, not imports.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .config import CACHE_FOLDER, SiteConfig, display_path, load_config, theme_dirs
from .errors import Diagnostic, JourneyError, warning
from .incremental.manifest import (
    Manifest,
    StatCache,
    changed_while_building,
    code_digest,
    inputs_digest,
    load_manifest,
    manifest_path,
    out_tag,
    save_manifest,
    scan_inputs,
)
from .incremental.memo import Memo, memo_key
from .models import NotebookRequest, Post
from .website.write import check_out_folder


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


@dataclass
class BuildSession:
    """What `serve` keeps in memory from one rebuild to the next: the memo (so a rebuild reads,
    renders and indexes only what changed) and the inputs' stat cache (so it hashes only files
    that were written). Saved to disk when serving stops."""

    memo: Memo | None = None
    stats: StatCache = field(default_factory=StatCache)

    def save(self) -> None:
        if self.memo is not None:
            self.memo.save()


@dataclass(frozen=True)
class BuildResult:
    out: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    seconds: float = 0.0
    rendered: int = 0  # pages rendered this time; the rest came unchanged from the last build
    up_to_date: bool = False


def quiet_collector() -> None:
    """Run the cycle collector less often, for the process (the command line, `serve`): a build
    holds a few hundred thousand long-lived objects (the memo, a thousand posts), which the
    default threshold (700 allocations) has it walk a hundred times per rebuild, some 30 ms of
    300. Nothing journey builds is cyclic garbage worth collecting that often."""
    gc.set_threshold(10_000, 10, 10)


def build_time() -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now; used only to hold back future posts."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC)


def cache_dir(config: SiteConfig) -> Path:
    return config.root / CACHE_FOLDER


def build_site(options: BuildOptions, session: BuildSession | None = None) -> BuildResult:
    """Build the blog at options.source; raise JourneyError with every problem, leaving `out` as it was."""
    started = time.perf_counter()
    source = options.source.resolve()
    out = (options.out or source / "site").resolve()
    config, problems = load_config(source, options.base_url)
    inputs = [config.root / d for d in (config.posts_dir, config.static_dir, config.freeze_dir, "notebooks")]
    check_out_folder(source, out, [*inputs, *theme_dirs(config)])
    now = build_time()
    manifest_file = manifest_path(cache_dir(config), out)
    previous = load_manifest(manifest_file)
    stats = session.stats if session is not None else StatCache(cache_dir(config) / "stats.json")
    before = _scan(config, previous, stats)
    current = inputs_digest(before, _settings(options))
    if options.execute != "always" and previous.is_current(current, now, out):
        # Stored with absolute paths, shown as seen from the folder this build runs in.
        replayed = problems + [warning(display_path(Path(path)), line, col, message)
                               for path, line, col, message in previous.warnings]
        _stop_on_errors(replayed, options.strict)
        stats.save(before)
        return BuildResult(out, sorted(replayed), len(previous.outputs or ()), time.perf_counter() - started, 0, True)
    manifest, problems, rendered, ran_kernels = _build(config, options, out, now, previous, problems, before, session)
    # A notebook run refreshes _freeze/, and new notebooks or deps become inputs: scan again.
    # Otherwise the inputs are those read before the build (an edit saved meanwhile is seen next time).
    rescan = ran_kernels or manifest.extra_inputs != previous.extra_inputs
    after = _scan(config, manifest, stats) if rescan else before
    if not changed_while_building(before, after, set(manifest.extra_inputs), config.root / config.freeze_dir):
        manifest.inputs = inputs_digest(after, _settings(options))
    save_manifest(manifest_file, manifest)
    stats.save(after)
    return BuildResult(out, sorted(problems), len(manifest.outputs or ()), time.perf_counter() - started, rendered)


def _build(
    config: SiteConfig,
    options: BuildOptions,
    out: Path,
    now: datetime,
    previous: Manifest,
    problems: list[Diagnostic],
    digests: dict[str, bytes],
    session: BuildSession | None,
) -> tuple[Manifest, list[Diagnostic], int, bool]:
    """The full pipeline: (manifest, problems, pages rendered, whether any kernel ran)."""
    from .website.assemble import assemble_site
    from .content.front_matter import ParsedCache
    from .website.pages import render_site
    from .content.render import RenderStore, render_posts
    from .content.sources import read_posts
    from .website.templates import collect_assets, create_environment, settings_digest, templates_digest
    from .website.write import Staging

    settings = problems
    code = code_digest(digests)  # a new journey renders every post and page again
    memo = _memo(config, options, out, code, session)
    full_read = not memo.posts.data
    parsed = ParsedCache(cache_dir(config) / "front-matter.json")
    sources = read_posts(config, drafts=options.drafts, future=options.future, now=now, cache=parsed,
                         memo=memo, digests=digests)
    problems = problems + list(sources.diagnostics)
    executed, found = _run_notebooks(sources.posts, config, options)
    problems += found
    store = RenderStore(cache_dir(config))
    rendered, found = render_posts(sources.posts, config, executed, store, options.jobs, code, memo, parsed)
    parsed.save(prune=full_read)  # entries of posts the memo had were not looked at: keep them
    problems += found
    site, found = assemble_site(config, rendered)
    problems += found
    assets = collect_assets(config, cache=cache_dir(config))
    env = create_environment(config, assets, bytecode_cache=cache_dir(config) / "jinja")
    staging = Staging(out, previous.fingerprints if out.is_dir() else {})
    try:
        pages, found = render_site(site, env, assets, store, staging, theme=settings_digest(config, assets) + code,
                                   templates=templates_digest(config), jobs=options.jobs, memo=memo)
        problems += found + staging.problems
        _stop_on_errors(problems, options.strict)
        staging.commit(previous.outputs if out.is_dir() else None)
    except BaseException:
        staging.discard()
        raise
    keys = {item.render_key for item in rendered}
    if full_read:
        store.prune(rendered)  # the whole store: whatever earlier builds left behind
    else:
        store.drop({key: entry for key, entry in memo.entries.data.items() if key not in keys}, rendered)
    memo.keep_only(digests, keys)
    if session is None:
        memo.save()
    manifest = Manifest(
        release=sources.next_release.isoformat() if sources.next_release else "",
        fingerprints=staging.fingerprints,
        # The settings' own warnings are found again by every build, the fast path included.
        warnings=[[str(Path(d.location.path).resolve()), d.location.line, d.location.col, d.message]
                  for d in problems if d not in settings],
        extra_inputs=sorted({str(p) for post in sources.posts for use in post.notebooks
                             for p in (use.request.notebook, *use.request.deps)}),
        outputs=staging.outputs(),
    )
    ran_kernels = any(not notebook.from_cache for notebook in executed.values())
    return manifest, problems, pages, ran_kernels


def _memo(config: SiteConfig, options: BuildOptions, out: Path, code: str, session: BuildSession | None) -> Memo:
    """The last build's memo for this output folder: serve's resident one, else the saved one."""
    key = memo_key(code, config, _settings(options))
    if session is not None and session.memo is not None:
        session.memo.rekey(key)
        return session.memo
    memo = Memo.load(cache_dir(config) / f"memo-{out_tag(out)}.json", key)
    if session is not None:
        session.memo = memo
    return memo


def _scan(config: SiteConfig, manifest: Manifest, known: StatCache) -> dict[str, bytes]:
    root = config.root
    folders = [root / config.posts_dir, root / config.static_dir, root / config.freeze_dir, *theme_dirs(config)]
    files = [root / "pyproject.toml", root / config.environment, *(Path(p) for p in manifest.extra_inputs)]
    return scan_inputs(folders, files, known)


def _settings(options: BuildOptions) -> dict[str, str]:
    """The options that change the site (not how the build runs or reports)."""
    return {k: str(v) for k, v in vars(options).items() if k not in ("verbose", "progress", "jobs", "source")}


def _run_notebooks(
    posts: Sequence[Post], config: SiteConfig, options: BuildOptions
) -> tuple[dict[NotebookRequest, Any], list[Diagnostic]]:
    uses = [use for post in posts for use in post.notebooks]
    if not uses:
        return {}, []
    from .notebooks.run import run_notebooks  # papermill and nbconvert load only when a post needs them

    return run_notebooks(uses, config, execute=options.execute, jobs=options.jobs, progress=options.progress)


def _stop_on_errors(problems: list[Diagnostic], strict: bool) -> None:
    if any(d.is_error or strict for d in problems):
        if strict:
            problems = [
                Diagnostic(d.location, "error", d.message) if not d.is_error else d for d in problems
            ]
        raise JourneyError(problems)
