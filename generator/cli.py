"""The command line: sub-commands, diagnostics on stderr, exit codes (0 ok, 1 problems, 2 usage)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .build import BuildOptions, BuildResult, build_site, build_time, quiet_collector
from .config import display_path, load_config
from .errors import Diagnostic, JourneyError, UsageError, error


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="journey", description="Build a machine-learning blog whose notebooks really run.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    build = commands.add_parser("build", help="build the site into --out (default <source>/site)")
    _source(build)
    build.add_argument("--out", type=Path, help="output folder (default: <source>/site)")
    build.add_argument("--drafts", action="store_true", help="include drafts")
    build.add_argument("--future", action="store_true", help="include future-dated posts")
    build.add_argument("--execute", choices=("auto", "always", "never"), help="notebook execution mode")
    build.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1, help="parallel workers")
    build.add_argument("--base-url", help="site URL or path prefix, e.g. https://user.github.io/repo/")
    build.add_argument("--strict", action="store_true", help="turn every warning into an error")
    build.add_argument("--verbose", action="store_true", help="show tracebacks")

    serve = commands.add_parser("serve", help="build, serve with live reload, rebuild on change")
    _source(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000, help="0 picks a free port")
    serve.add_argument("--drafts", action="store_true", help="accepted; drafts are always shown while serving")
    serve.add_argument("--verbose", action="store_true")

    new = commands.add_parser("new", help="write a new dated post")
    new.add_argument("title")
    _source(new)
    new.add_argument("--notebook", action="store_true", help="also write a notebook stub wired to the post")
    new.add_argument("--tags", default="", help="comma separated tags")
    new.add_argument("--verbose", action="store_true")

    check = commands.add_parser("check", help="check the built site and the sources")
    _source(check)
    check.add_argument("--out", type=Path)
    check.add_argument("--base-url", help="the base URL the site was built with (default: the settings')")
    check.add_argument("--verbose", action="store_true")

    publish = commands.add_parser("publish", help="build, check and push site/ to a gh-pages branch")
    _source(publish)
    publish.add_argument("--remote", default="origin")
    publish.add_argument("--branch", default="gh-pages")
    publish.add_argument("--no-build", action="store_true", help="publish site/ as it is")
    publish.add_argument("--force", action="store_true", help="force-push (replaces the branch's history)")
    publish.add_argument("--verbose", action="store_true")

    fix = commands.add_parser("fix", help="repair pasted posts: front matter, paragraphs, mojibake")
    fix.add_argument("posts", nargs="+", type=Path, metavar="POST")
    fix.add_argument("--write", action="store_true", help="change the files (default: show the diff)")
    fix.add_argument("--verbose", action="store_true")

    cite = commands.add_parser("cite", help="look up a DOI or arXiv id and add it to the .bib (uses the network)")
    cite.add_argument("identifier", metavar="DOI|arXiv-id")
    _source(cite)
    cite.add_argument("--bib", type=Path, help="the .bib file (default: the 'bibliography' setting)")
    cite.add_argument("--verbose", action="store_true")

    status = commands.add_parser("status", help="say which notebook results are fresh or stale, and why")
    _source(status)
    status.add_argument("--verbose", action="store_true")
    return parser


def _source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", type=Path, default=Path("."), help="the blog folder (default: .)")


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got '{text}'")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got '{text}'")
    return int(text)


def report(diagnostics: Sequence[Diagnostic]) -> None:
    """Print diagnostics to stderr, sorted by place."""
    for diagnostic in sorted(diagnostics):
        print(diagnostic, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    quiet_collector(one_shot=True)  # `serve` turns it back on for its long run
    verbose = "--verbose" in (argv if argv is not None else sys.argv[1:])
    try:
        args = _parser().parse_args(argv)
        return _dispatch(args)
    except UsageError as exc:
        print(f"{exc}\nusage: see 'journey --help'", file=sys.stderr)
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


def _build(args: argparse.Namespace, **overrides: object) -> BuildResult:
    options = BuildOptions(
        source=args.source,
        out=getattr(args, "out", None),
        drafts=getattr(args, "drafts", False),
        future=getattr(args, "future", False),
        execute=getattr(args, "execute", None),
        jobs=getattr(args, "jobs", os.cpu_count() or 1),
        base_url=getattr(args, "base_url", None),
        strict=getattr(args, "strict", False),
        verbose=args.verbose,
        progress=True,
    )
    return build_site(replace(options, **overrides))


def _run_build(args: argparse.Namespace) -> int:
    result = _build(args)
    report(result.diagnostics)
    shown = display_path(result.out)
    if result.up_to_date:
        print(f"journey: {shown}/ is up to date; nothing changed since the last build", file=sys.stderr)
    else:
        print(f"journey: built {result.files} files into {shown}/ in {result.seconds:.2f} s "
              f"({result.rendered} pages rendered)", file=sys.stderr)
    return 0


def _run_check(args: argparse.Namespace) -> int:
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
