"""Benchmark floor: only the library work of a build (PyYAML, markdown-it-py, Pygments, Jinja2).

One process, no site logic: for every post, split and parse the front matter, render the
Markdown (CommonMark + tables + strike-through + footnotes) with Pygments highlighting fenced
code, put title and body into a trivial Jinja2 page and write it. A generator can hardly do
the same work faster in one process, so its time is the yardstick for `journey build`.

    python -m tests.benchmarks.floor CORPUS_DIR OUT_DIR
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import jinja2
import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1>
{{ body | safe }}
</main></body></html>
"""
# The C loader when PyYAML was built with libyaml: the fastest thing a generator could use.
LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def make_markdown() -> MarkdownIt:
    """CommonMark + table + strikethrough + footnotes; fenced code through Pygments."""
    formatter = HtmlFormatter(cssclass="highlight")
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(footnote_plugin)

    lexers: dict[str, Any] = {}  # one lexer per language, as any sensible generator keeps

    def fence(self: Any, tokens: list, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        lang = token.info.split(maxsplit=1)[0] if token.info.strip() else "text"
        if lang not in lexers:
            try:
                lexers[lang] = get_lexer_by_name(lang)
            except ClassNotFound:
                lexers[lang] = get_lexer_by_name("text")
        return highlight(token.content, lexers[lang], formatter)

    md.add_render_rule("fence", fence)
    return md


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(front matter mapping, Markdown body); no front matter gives an empty mapping."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 3)
    if end < 0:
        return {}, text
    meta = yaml.load(text[4:end], Loader=LOADER) or {}
    return meta, text[end + 5 :]


def render_all(corpus: Path, out: Path) -> int:
    """Render every corpus/posts/*.md to out/<stem>/index.html; return the count."""
    md = make_markdown()
    page = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(PAGE)
    paths = sorted((corpus / "posts").glob("*.md"))
    for path in paths:
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        html = page.render(title=str(meta.get("title", path.stem)), body=md.render(body))
        target = out / path.stem / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    return len(paths)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render a corpus with only library calls.")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    count = render_all(args.corpus, args.out)
    print(f"floor: rendered {count} posts into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
