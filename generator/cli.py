"""The command line: sub-commands, diagnostics on stderr, exit codes (0 ok, 1 problems, 2 usage)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .arguments import command_parser, usage
from .build import BuildOptions, BuildResult, build_site, build_time, quiet_collector
from .errors import Diagnostic, JourneyError, UsageError, error, in_order
from .files import display_path

ALIKE_SHOWN = 3  # a warning said of more than ALIKE_LIMIT files is shown for this many, then counted
ALIKE_LIMIT = 10


def report(diagnostics: Sequence[Diagnostic], *, every: bool = False) -> None:
    """Print diagnostics to stderr, sorted by place. A warning that more than ALIKE_LIMIT places
    share (4,000 undated posts: "no date; using the file's first git commit") is printed for the
    first few and then counted, unless `every` (--verbose); errors are always printed in full."""
    ordered = in_order(diagnostics)
    alike: dict[str, int] = {}
    for diagnostic in ordered:
        if not diagnostic.is_error:
            alike[diagnostic.message] = alike.get(diagnostic.message, 0) + 1
    crowded = set() if every else {message for message, count in alike.items() if count > ALIKE_LIMIT}
    shown: dict[str, int] = {}
    for diagnostic in ordered:
        if diagnostic.is_error or diagnostic.message not in crowded:
            print(diagnostic, file=sys.stderr)
        elif (seen := shown.get(diagnostic.message, 0)) < ALIKE_SHOWN:
            shown[diagnostic.message] = seen + 1
            print(diagnostic, file=sys.stderr)
    for message in sorted(crowded):
        hidden = alike[message] - ALIKE_SHOWN
        print(f"journey: warning: {hidden} more files: {message} (--verbose lists them all)", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    quiet_collector(one_shot=True)  # `serve` turns it back on for its long run
    words = list(argv if argv is not None else sys.argv[1:])
    verbose = "--verbose" in words or "-v" in words
    parser = command_parser()
    try:
        args, unknown = parser.parse_known_args(words)
        if unknown:  # argparse would name `journey`, not the sub-command they were given to
            raise UsageError(f"journey {args.command}: unrecognized arguments: {' '.join(unknown)}")
        return _dispatch(args)
    except UsageError as exc:
        print(f"{exc}\n{usage(parser, words)}", end="", file=sys.stderr)
        return 2
    except JourneyError as exc:
        report(exc.diagnostics)
        errors = sum(d.is_error for d in exc.diagnostics)
        print(f"journey: {errors} error{'s' if errors != 1 else ''}; nothing was written", file=sys.stderr)
        if verbose:
            _print_traceback()
        return 1
    except KeyboardInterrupt:
        print("journey: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug in journey, not in the user's input: say so, no traceback
        if verbose:
            _print_traceback()
        print(f"journey: internal error: {type(exc).__name__}: {exc} (run with --verbose for the traceback)",
              file=sys.stderr)
        return 1


def _print_traceback() -> None:
    import traceback  # only --verbose failures show one

    traceback.print_exc()


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "fix":  # takes post files, not a blog folder
        return _run_fix(args)
    if args.command == "init":  # makes the blog folder
        return _run_init(args)
    if not args.source.is_dir():
        raise UsageError(f"journey {args.command}: --source {args.source}: no such folder")
    base_url = getattr(args, "base_url", None)
    if base_url is not None and _scheme(base_url) not in ("", "http", "https"):
        raise UsageError(f"journey {args.command}: --base-url: expected an http(s) URL or a path such as /repo/, "
                         f"got '{base_url}'")
    return {
        "build": _run_build,
        "serve": _run_serve,
        "new": _run_new,
        "check": _run_check,
        "publish": _run_publish,
        "status": _run_status,
        "cite": _run_cite,
    }[args.command](args)


def _scheme(url: str) -> str:
    from urllib.parse import urlsplit  # ~6 ms, for a build given --base-url only

    return urlsplit(url).scheme


def _finish(diagnostics: Sequence[Diagnostic]) -> int:
    """Report and choose the exit status: 1 when any diagnostic is an error."""
    report(diagnostics)
    return 1 if any(d.is_error for d in diagnostics) else 0


def _command_params(args: argparse.Namespace) -> tuple[object, ...]:
    if not getattr(args, "params", None) and not getattr(args, "params_file", None):
        return ()
    from .notebooks.command_params import command_params

    return command_params(args.params_file, args.params)


def _build(args: argparse.Namespace, **overrides: object) -> BuildResult:
    options = BuildOptions(
        source=args.source,
        out=getattr(args, "out", None),
        drafts=getattr(args, "drafts", False),
        future=getattr(args, "future", False),
        execute=getattr(args, "execute", None),
        jobs=getattr(args, "jobs", os.cpu_count() or 1),
        executor=getattr(args, "executor", None),
        scheduler=getattr(args, "scheduler", None),
        base_url=getattr(args, "base_url", None),
        strict=getattr(args, "strict", False),
        verbose=args.verbose,
        progress=True,
        params=_command_params(args),
    )
    return build_site(replace(options, **overrides))


def _run_build(args: argparse.Namespace) -> int:
    _check_executor(args)
    result = _build(args)
    report(result.diagnostics, every=args.verbose)
    shown = display_path(result.out)
    if result.up_to_date:
        print(f"journey: {shown}/ is up to date; nothing changed since the last build", file=sys.stderr)
    else:
        print(f"journey: built {result.files} files into {shown}/ in {result.seconds:.2f} s "
              f"({result.rendered} pages rendered)", file=sys.stderr)
    return 0


def _check_executor(args: argparse.Namespace) -> None:
    """`--executor dask` (or `--scheduler`) needs Dask; say which extra brings it before building."""
    if args.executor == "local" and args.scheduler:
        raise UsageError("journey build: --scheduler needs --executor dask")
    if args.executor == "dask" or args.scheduler:
        from .notebooks.cluster import EXTRA, dask_missing

        if dask_missing():
            raise UsageError(f"journey build: --executor dask needs the 'dask' extra: {EXTRA}")


def _run_check(args: argparse.Namespace) -> int:
    from .config import load_config
    from .content.sources import read_posts
    from .deploy.check import check_site, preflight_summary

    config, problems = load_config(args.source.resolve(), base_url=args.base_url)
    out = (args.out or config.root / "site").resolve()
    posts = read_posts(config, drafts=True, future=True, now=build_time())
    found = check_site(config, out, posts.documents) if out.is_dir() else [
        error(display_path(out), 0, 0, "no built site here; run 'journey build' first")
    ]
    for line in preflight_summary(out) if out.is_dir() else []:
        print(line, file=sys.stderr)
    return _finish([*problems, *posts.diagnostics, *found])


def _run_publish(args: argparse.Namespace) -> int:
    from .config import load_config
    from .deploy.check import check_site
    from .deploy.publish import publish_site

    config, _ = load_config(args.source.resolve())
    site_dir = config.root / "site"
    if not args.no_build:
        report(_build(args, out=site_dir).diagnostics)
    found = check_site(config, site_dir, None) if site_dir.is_dir() else []
    if any(d.is_error for d in found):
        report(found)
        print("journey: the site failed 'journey check'; nothing was published", file=sys.stderr)
        return 1
    result = publish_site(config.root, site_dir, remote=args.remote, branch=args.branch,
                          cname=config.cname, force=args.force)
    print(f"journey: {result.message}", file=sys.stderr)
    return 0


def _run_status(args: argparse.Namespace) -> int:
    from .config import load_config
    from .content.sources import read_posts
    from .notebooks.run import notebook_status

    config, problems = load_config(args.source.resolve())
    posts = read_posts(config, drafts=True, future=True, now=build_time())
    uses = [use for post in posts.posts for use in post.notebooks]
    for line in notebook_status(uses, config):
        print(line)
    return _finish([*problems, *posts.diagnostics])


def _run_cite(args: argparse.Namespace) -> int:
    from .cite import LookupFailed, bibliography_setting, cite, parse_identifier

    parse_identifier(args.identifier)  # a bad id is a usage error before any settings are read
    bib = args.bib or bibliography_setting(args.source.resolve())
    if bib is None:
        raise UsageError("journey cite: no .bib file: give --bib FILE or set 'bibliography' in [tool.journey]")
    try:
        added = cite(args.identifier, bib)
    except LookupFailed as exc:
        print(f"journey: {exc}", file=sys.stderr)
        return 1
    shown = display_path(added.bib.resolve())
    if added.new:
        print(f"journey: added {added.key} to {shown}; cite it as [@{added.key}]", file=sys.stderr)
    else:
        print(f"journey: {shown} has it already as {added.key}; cite it as [@{added.key}]", file=sys.stderr)
    return 0


def _run_serve(args: argparse.Namespace) -> int:
    from .serve.loop import serve

    options = BuildOptions(source=args.source, drafts=True, future=True, verbose=args.verbose)
    return serve(options, host=args.host, port=args.port)


def _run_new(args: argparse.Namespace) -> int:
    from .new import create_post

    tags = tuple(t.strip() for t in args.tags.split(",") if t.strip())
    created = create_post(args.source.resolve(), args.title, tags=tags, notebook=args.notebook,
                          today=build_time())
    for path in created:
        print(f"journey: wrote {display_path(path)}", file=sys.stderr)
    return 0


def _run_init(args: argparse.Namespace) -> int:
    from .scaffold import create_blog

    folder = args.dir
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"journey init: {folder}: not a folder")
    written, kept = create_blog(folder, folder.resolve().name, build_time())
    for path in written:
        print(f"journey: wrote {display_path(path)}", file=sys.stderr)
    for path in kept:
        print(f"journey: kept {display_path(path)}: it exists, and journey init never overwrites", file=sys.stderr)
    place = "" if folder.resolve() == Path.cwd() else f"cd {display_path(folder.resolve())} && "
    print(f"journey: next: {place}journey serve", file=sys.stderr)
    return 0


def _run_fix(args: argparse.Namespace) -> int:
    """Show (or with --write, make) each post's fix; 1 when any post has one, or cannot be read."""
    from .content.fix import fix_file, write_fix

    problems: list[Diagnostic] = []
    proposed = False
    for path in args.posts:
        shown = display_path(path.resolve())
        fix = fix_file(path, shown)
        if isinstance(fix, Diagnostic):
            problems.append(fix)
            continue
        if not fix.changes:
            print(f"journey: {shown}: nothing to fix", file=sys.stderr)
        elif args.write:
            failed = write_fix(fix)
            if failed:
                problems.append(failed)
            else:
                print(f"journey: fixed {shown}: {'; '.join(fix.changes)}", file=sys.stderr)
        else:
            proposed = True
            sys.stdout.write(fix.diff())
            print(f"journey: {shown}: {'; '.join(fix.changes)} (run 'journey fix --write {shown}' to make "
                  f"the change)", file=sys.stderr)
    return _finish(problems) or int(proposed)
