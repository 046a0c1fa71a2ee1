"""The command line's grammar: journey's sub-commands, their options and how values are checked.
What each sub-command does is in cli.py."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def command_parser() -> argparse.ArgumentParser:
    """The parser of `journey` and every sub-command; a usage error raises UsageError."""
    parser = _Parser(prog="journey", description="Build a machine-learning blog whose notebooks really run.")
    parser.add_argument("--version", action="version", version=f"journey {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    init = commands.add_parser("init", help="make a ready blog: settings, a sample post and notebook, a workflow")
    init.add_argument("dir", nargs="?", type=Path, default=Path("."), metavar="DIR",
                      help="the blog folder, made if missing (default: .)")
    _verbose(init)

    build = commands.add_parser("build", help="build the site into --out (default <source>/site)")
    _source(build)
    build.add_argument("-o", "--out", type=Path, help="output folder (default: <source>/site)")
    build.add_argument("--drafts", action="store_true", help="include drafts")
    build.add_argument("--future", action="store_true", help="include future-dated posts")
    build.add_argument("--execute", choices=("auto", "always", "never"), help="notebook execution mode")
    build.add_argument("-j", "--jobs", type=_positive, default=os.cpu_count() or 1, help="parallel workers")
    build.add_argument("-P", "--param", action="append", default=[], metavar="KEY=VALUE", dest="params",
                       help="a notebook parameter (YAML-typed), for every notebook whose cell tagged "
                            "'parameters' assigns KEY; repeatable")
    build.add_argument("--params-file", type=Path, metavar="FILE", help="notebook parameters from a YAML file")
    build.add_argument("--executor", choices=("local", "dask"), help="run notebooks here, or on a Dask cluster")
    build.add_argument("--scheduler", type=_scheduler, help="a Dask scheduler's address, e.g. tcp://10.0.0.5:8786")
    build.add_argument("--base-url", help="site URL or path prefix, e.g. https://user.github.io/repo/")
    build.add_argument("--strict", action="store_true", help="turn every warning into an error")
    _verbose(build)

    serve = commands.add_parser("serve", help="build, serve with live reload, rebuild on change")
    _source(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("-p", "--port", type=_port, default=8000, help="0 picks a free port")
    serve.add_argument("--drafts", action="store_true", help="accepted; drafts are always shown while serving")
    _verbose(serve)

    new = commands.add_parser("new", help="write a new dated post")
    new.add_argument("title")
    _source(new)
    new.add_argument("--notebook", action="store_true", help="also write a notebook stub wired to the post")
    new.add_argument("--tags", default="", help="comma separated tags")
    _verbose(new)

    check = commands.add_parser("check", help="check the built site and the sources")
    _source(check)
    check.add_argument("-o", "--out", type=Path)
    check.add_argument("--base-url", help="the base URL the site was built with (default: the settings')")
    _verbose(check)

    publish = commands.add_parser("publish", help="build, check and push site/ to a gh-pages branch")
    _source(publish)
    publish.add_argument("--remote", default="origin")
    publish.add_argument("--branch", default="gh-pages")
    publish.add_argument("--no-build", action="store_true", help="publish site/ as it is")
    publish.add_argument("--force", action="store_true", help="force-push (replaces the branch's history)")
    _verbose(publish)

    fix = commands.add_parser("fix", help="repair pasted posts: front matter, paragraphs, mojibake")
    fix.add_argument("posts", nargs="+", type=Path, metavar="POST")
    fix.add_argument("--write", action="store_true", help="change the files (default: show the diff)")
    _verbose(fix)

    cite = commands.add_parser("cite", help="look up a DOI or arXiv id and add it to the .bib (uses the network)")
    cite.add_argument("identifier", metavar="DOI|arXiv-id")
    _source(cite)
    cite.add_argument("--bib", type=Path, help="the .bib file (default: the 'bibliography' setting)")
    cite.add_argument("--verbose", action="store_true")

    status = commands.add_parser("status", help="say which notebook results are fresh or stale, and why")
    _source(status)
    _verbose(status)
    return parser


def _source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-s", "--source", type=Path, default=Path("."), help="the blog folder (default: .)")


def _verbose(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-v", "--verbose", action="store_true", help="show tracebacks")


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got '{text}'")
    return int(text)


def _scheduler(text: str) -> str:
    from .config import SCHEDULER_ADDRESS

    if not SCHEDULER_ADDRESS.match(text):
        raise argparse.ArgumentTypeError(f"expected an address such as tcp://10.0.0.5:8786, got '{text}'")
    return text


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got '{text}'")
    return int(text)


def usage(parser: argparse.ArgumentParser, words: Sequence[str]) -> str:
    """The usage of the sub-command named in `words`, else journey's own."""
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    named = next((commands.choices[w] for w in words if w in commands.choices), parser)
    return named.format_usage()
