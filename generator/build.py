"""The build, top to bottom: settings → sources → notebooks → Markdown → site → pages → swap.

Each stage is a function of values. What earlier builds made is reused through one seam, the
incremental layer's `BuildSession`: `build_site` asks it whether anything is outdated, and
which posts must be read and rendered; the stages never see it. Heavy modules (Jinja2,
markdown-it, Pygments, papermill) load inside `_build()`, so a build with nothing to do costs a
scan of the inputs, not imports.
"""

from __future__ import annotations

import errno
import gc
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Diagnostic, JourneyError, error, in_order, warning
from .files import display_path
from .incremental.session import BuildSession
from .strict import reported, stop_on_errors

if TYPE_CHECKING:  # a build with nothing to do loads none of these
    from .config import SiteConfig
    from .incremental.rebuild import Rebuild
    from .models import NotebookRequest, Post
    from .worker import Worker


@dataclass(frozen=True)
class BuildOptions:
    source: Path
    out: Path | None = None
    drafts: bool = False
    future: bool = False
    execute: str | None = None  # overrides settings and front matter when given
    jobs: int = 1
    executor: str | None = None  # local | dask; None: the `executor` setting
    scheduler: str | None = None  # a Dask scheduler's address; None: the `scheduler` setting
    base_url: str | None = None
    strict: bool = False
    verbose: bool = False
    progress: bool = True
    params: tuple[Any, ...] = ()  # CommandParam values of `-P` and `--params-file`, over the posts' params
    search: str | None = None  # the search index (auto, pagefind, json, sharded); None: the blog's setting

    def site_options(self) -> dict[str, str]:
        """The options that change the site (not how the build runs or reports), and where
        Pagefind's binary is: `search = "auto"` follows it coming or going."""
        from .website.search_engine import pagefind_binary

        ignored = ("verbose", "progress", "jobs", "source", "executor", "scheduler")
        options = {k: str(v) for k, v in vars(self).items() if k not in ignored}
        return {**options, "pagefind": str(pagefind_binary() or "")}


@dataclass(frozen=True)
class BuildResult:
    out: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    seconds: float = 0.0
    rendered: int = 0  # pages rendered this time; the rest came unchanged from the last build
    up_to_date: bool = False


def quiet_collector(*, one_shot: bool) -> None:
    """Keep the cycle collector out of the way. A build holds a few hundred thousand long-lived
    objects (a thousand posts) and makes no cyclic garbage worth collecting, yet the collector
    would walk them again and again (~30 ms of a one-post rebuild). A one-shot command, which
    exits right after, runs without it (its peak memory is the same: measured, cold builds of
    1,000 posts); `serve`, which lives on, collects rarely."""
    if one_shot:
        gc.disable()
    else:
        gc.enable()
        gc.set_threshold(10_000, 10, 10)


def build_time() -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now; used only to hold back future posts."""
    return pinned_time() or datetime.now(UTC)


def pinned_time() -> datetime | None:
    """SOURCE_DATE_EPOCH as a time, or None when it is not set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else None


def build_site(options: BuildOptions, session: BuildSession | None = None) -> BuildResult:
    """Build the blog at options.source; raise JourneyError with every problem, leaving `out` as it was.
    `session` is what `serve` keeps between rebuilds; a lone build makes its own. A full disk, a
    read-only folder or one the build may not write is a diagnostic too."""
    try:
        return _build_site(options, session)
    except OSError as exc:
        from .faults import fault_diagnostic, is_environmental

        if not is_environmental(exc):
            raise
        source = options.source.resolve()
        raise JourneyError(fault_diagnostic(exc, source, (options.out or source / "site").resolve())) from exc


def _build_site(options: BuildOptions, session: BuildSession | None) -> BuildResult:
    started = time.perf_counter()
    source = options.source.resolve()
    out = (options.out or source / "site").resolve()
    own = session is None
    session = session or BuildSession(source)
    renderer: Worker[Any] | None = None
    try:
        last = session.last_build(out, options.site_options())
        if options.execute != "always" and last.is_current(build_time()):
            replayed = last.warnings()
            stop_on_errors(replayed, options.strict)
            return BuildResult(out, in_order(replayed), len(last.outputs), time.perf_counter() - started,
                               up_to_date=True)
        # Only a build with work to do loads the settings parser, the models and shutil, and
        # begins a worker that loads Markdown's modules while this process reads the sources (a
        # few changed posts are rendered there: see render_posts).
        from .content.render import render_worker

        renderer = render_worker() if options.jobs > 1 else None
        from .config import input_folders, load_config
        from .faults import probe_writable
        from .incremental.bodies import DamagedEntry
        from .website.swap import check_out_folder

        config, settings_problems = load_config(source, options.base_url, session.parse_toml)
        check_out_folder(source, out, input_folders(config))
        probe_writable(session.cache)
        for attempt in range(3):  # a stored rendering found damaged mid-build is rendered anew
            try:
                reuse = last.begin(config, verify=attempt > 0)
                files, rendered, problems = _build(config, options, out, reuse, settings_problems,
                                                   renderer if attempt == 0 else None)
                break
            except DamagedEntry as damaged:
                if attempt == 2:
                    raise JourneyError(session.unusable()) from damaged
                session.forget(damaged)
        # Damage found in the cache and repaired: said, but never an error, not even with --strict.
        notes = [warning(display_path(session.store.path), 1, 1, text) for text in dict.fromkeys(session.store.warnings)]
        session.store.warnings.clear()
        return BuildResult(out, in_order(problems) + notes, files, time.perf_counter() - started, rendered)
    finally:
        if renderer is not None:
            renderer.dismiss()  # not given work, or its results not taken: stopped
        if own:
            session.close()


def _build(
    config: SiteConfig, options: BuildOptions, out: Path, reuse: Rebuild, settings_problems: list[Diagnostic],
    renderer: Worker[Any] | None = None,
) -> tuple[int, int, list[Diagnostic]]:
    """The stages, for a build with something to do: (files in the site, pages rendered, problems).
    `renderer`: a worker begun for the render stage (`render_worker`), or None."""
    from .content.render import RenderAhead, post_notebooks, render_key, render_posts, render_scope
    from .content.sources import find_sources, publishes, read_files, select_posts
    from .website.assemble import assemble_site
    from .website.run_links import source_revision
    from .website.search_engine import search_engine
    from .website.theme import Theme
    from .website.write import Staging

    now = build_time()
    # 1. Sources: only the post files added or changed since the last build are read.
    paths, unread = find_sources(config)
    to_read = reuse.unread(paths)
    # Read in a pool (a first build), the posts are rendered by the workers that read them, which
    # inherit Markdown's modules, while the theme is made and compiled here.
    theme = Theme(config, reuse.syntax_css, reuse.bytecode_cache, then=reuse.commit)
    ahead = RenderAhead(config, reuse.code, reuse.highlighted, reuse.keep, reuse.took,
                        published=lambda post: publishes(post, drafts=options.drafts, future=options.future, now=now))
    reads = read_files(config, to_read, reuse.parse_yaml, reuse.dates, jobs=options.jobs,
                       meanwhile=theme.compile, keep=reuse.keep_reads, ahead=ahead)
    documents = {read.source: read.document for read in reads  # not those rendered ahead: sent back without Markdown
                 if read.document is not None and ahead.rendered(read.document.post) is None}
    catalog, found = reuse.posts(paths, reads)
    problems = settings_problems + unread + found
    posts, next_release = select_posts(catalog, drafts=options.drafts, future=options.future, now=now)
    if options.params:
        from .notebooks.command_params import apply_command_params

        posts = apply_command_params(posts, options.params)  # raises before anything runs when one is unused
    if any(post.notebooks for post in posts):  # every post's front matter is checked before a kernel starts
        stop_on_errors(problems, options.strict)
    # 2. Notebooks: executed, or taken from _freeze/ while their cache key holds.
    executed, found = _run_notebooks(posts, config, options)
    problems += found
    # 3. Liquid, then Markdown: only posts without a stored rendering of the same inputs are rendered.
    liquid = None
    if any(post.liquid for post in posts):
        from .content.liquid import liquid_site  # what Liquid reads: only when a post has some

        liquid = liquid_site(config, posts, pinned_time())
    liquid_digest = liquid.digest if liquid is not None else ""
    scope = render_scope(config, reuse.code)
    work = [(post, notebooks, item.render_key if (item := ahead.rendered(post)) else
             render_key(post, notebooks, config, scope, liquid_digest))
            for post in posts if (notebooks := post_notebooks(post, executed)) is not None]
    todo = [(documents.get(post.source) or _document(config, post, reuse), notebooks, key)
            for post, notebooks, key in reuse.unrendered(work)]
    reuse.commit()  # render workers store what they render themselves
    # A few posts: in a worker, begun now, while the theme loads here. Many: in a pool, which
    # starts at the first result asked for (below, once `env` is made), and meanwhile the theme
    # is compiled here, its bytecode stored and committed at once.
    rendering = render_posts(todo, config, highlighted=reuse.highlighted, keep=reuse.keep, jobs=options.jobs,
                             liquid=liquid, worker=renderer, meanwhile=theme.compile)
    from .website.pages import render_site  # Jinja2 (and Markdown, in the worker) load side by side
    from .website.templates import settings_digest, templates_digest

    assets, env = theme.made()
    # Committed before waiting on the render worker: a write of the theme's still open would make it
    # wait for the lock (30 s) while this process waits for it. Page workers read it too.
    reuse.commit()
    for key, entry, found in rendering:
        if entry is not None:
            reuse.took(key, entry)
        problems += found
    rendered, found = reuse.rendered(work, ahead.rendered)
    problems = list(dict.fromkeys(problems + found))  # a broken site-wide .bib is said once, not per post
    # 4. The site: order, listings, taxonomies, series, URL collisions; the commit notebook links pin.
    revision, noted = source_revision(config) if any(post.notebooks for post in posts) else (None, [])
    site, found = assemble_site(config, rendered, revision)
    problems += noted + found
    # 5. Pages, feeds, search, assets: into a staging folder, swapped in whole.
    staging = Staging(out, reuse.site_record)
    try:
        templates = templates_digest(config)
        engine = search_engine(options.search or config.search)
        pages = render_site(site, env, assets, reuse.bodies, staging, theme=settings_digest(config, assets) + reuse.code,
                            templates=templates, jobs=options.jobs, search_engine=engine,
                            search=reuse.search_record(engine),
                            template_facts=reuse.template_facts(templates))
        problems += pages.problems + staging.problems
        problems = reported(problems, options.strict)
        stop_on_errors(problems, options.strict)
        staging.commit()
    except BaseException as exc:
        # A full disk gets its room back; otherwise the written tree is kept for the next build.
        staging.discard(keep=not (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)))
        raise
    ran_kernels = any(not notebook.from_cache for notebook in executed.values())
    named = {str(p) for post in posts for use in post.notebooks for p in (use.request.notebook, *use.request.deps)}
    named |= {str(p) for post in posts for p in post.bibliography}  # an edited .bib rebuilds its posts
    named |= set(revision.inputs if revision is not None else ())  # a new commit re-pins notebook links
    reuse.finish(posts=site.posts, site=staging.digest(), search=pages.search, templates=(templates, pages.template_facts),
                 release=next_release, warnings=problems, named=named, ran_kernels=ran_kernels)
    staging.settle()  # a first build's spare, linked meanwhile
    return len(staging.outputs()), pages.rendered, problems


def _document(config: SiteConfig, post: Post, reuse: Rebuild) -> Any:
    """A post's document, read again: the last build had the post, but this one must render it."""
    from .content.sources import read_file

    document = read_file(config, post.source, reuse.parse_yaml, reuse.dates).document
    if document is None:  # the file changed since it was scanned: the next build sees it
        raise JourneyError(error(post.display_path, 1, 1, "the file changed while it was being built; build again"))
    return document


def _run_notebooks(
    posts: Sequence[Post], config: SiteConfig, options: BuildOptions
) -> tuple[dict[NotebookRequest, Any], list[Diagnostic]]:
    uses = [use for post in posts for use in post.notebooks]
    if not uses:
        return {}, []
    # papermill and nbconvert load only when a post needs them
    from .notebooks.cluster import cluster_options
    from .notebooks.run import run_notebooks

    cluster = cluster_options(config, executor=options.executor, scheduler=options.scheduler, jobs=options.jobs)
    return run_notebooks(uses, config, execute=options.execute, jobs=options.jobs, progress=options.progress,
                         cluster=cluster)
