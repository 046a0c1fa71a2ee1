"""Markdown: the one configured markdown-it-py instance, Pygments, math, shortcodes, headings and TOC."""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.normalize import normalize
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from ..errors import Diagnostic, error
from ..models import Heading
from .attributes import attributes_plugin
from .cite_syntax import cite_plugin
from .crossref import crossref_plugin
from .highlight import highlight_code
from .mathjax import DISPLAY_INLINE, mathjax_plugin

ShortcodeHandler = Callable[[str, list[str], dict[str, str]], str]
_SHORTCODE = re.compile(r"\{\{<\s*(.*?)\s*>\}\}")


class ShortcodeProblem(Exception):
    """Raised by a shortcode handler; its message becomes a diagnostic at the shortcode."""


@dataclass
class RenderResult:
    html: str
    toc: tuple[Heading, ...]
    words: int
    summary: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    text: str = ""  # plain text of prose and code, for the search index


def create_markdown() -> MarkdownIt:
    """CommonMark plus tables, strikethrough, footnotes, task lists, definition lists,
    admonitions, math as MathML, heading anchors, Pygments and shortcodes."""
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.core.ruler.at("normalize", _normalize)
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.use(tasklists_plugin, label=True)  # a <label> per checkbox: axe calls unlabeled inputs critical
    md.use(deflist_plugin)
    md.use(admon_plugin)
    # Pandoc's rule: no space inside the dollars, no digit after the closing one, so that
    # "costs $5 and $10" stays prose.
    md.use(dollarmath_plugin, renderer=_render_math, allow_space=False, allow_digits=False,
           double_inline=True)
    md.use(mathjax_plugin)
    md.use(attributes_plugin)  # before anchors: `{: #id}` names a heading
    md.use(anchors_plugin, min_level=2, max_level=4, permalink=True, permalinkSymbol="#")
    md.block.ruler.before("paragraph", "shortcode_block", _shortcode_block)
    md.inline.ruler.before("html_inline", "shortcode", _shortcode_inline)
    md.core.ruler.push("base_path_links", _rewrite_root_links)
    md.use(crossref_plugin)  # figures, table captions, labelled equations: `{#fig-…}`, `{#tbl-…}`, `{#eq-…}`
    md.use(cite_plugin)  # `[@key]`, `@key`, `@fig-…`: needs `scholar` in the render's env
    md.add_render_rule("math_inline_double", _render_math_inline_double)
    md.add_render_rule(DISPLAY_INLINE, _render_math_display_inline)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_fence)
    md.add_render_rule("shortcode", _render_shortcode)
    md.add_render_rule("shortcode_block", _render_shortcode)
    return md


def _normalize(state: StateCore) -> None:
    """markdown-it's first rule, which makes every line end `\n` and a NUL U+FFFD, by two regular
    expressions over the whole text: only run when the text has a CR or a NUL (a post read from
    its file has no CR left), a substring search instead of ~12 µs a post."""
    if "\r" in state.src or "\0" in state.src:
        normalize(state)


def render_markdown(
    md: MarkdownIt,
    text: str,
    *,
    path: str,
    first_line: int,
    base_path: str = "/",
    shortcode: ShortcodeHandler | None = None,
    summary_words: int = 40,
    highlight: Callable[[str, str], str] | None = None,
    scholar: Any = None,
) -> RenderResult:
    """Render a post body; problems become diagnostics at `path`, lines shifted by `first_line`.
    `highlight` turns a code block into HTML (default: `highlight_code`); `scholar` collects the
    post's citations and cross-references (`scholarly.Scholar`)."""
    env: dict[str, Any] = {
        "path": path,
        "first_line": first_line,
        "base_path": base_path,
        "shortcode": shortcode,
        "diagnostics": [],
        "highlight": highlight or highlight_code,
        "scholar": scholar,  # citations and cross-references (content/scholarly.py); None: left as text
    }
    tokens = md.parse(text, env)
    body = md.renderer.render(tokens, md.options, env)
    toc, words, summary, plain = _outline(tokens, summary_words)
    return RenderResult(body, toc, words, summary, env["diagnostics"], plain)


def _render_fence(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    info = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    return env.get("highlight", highlight_code)(token.content, info)


def _render_math(content: str, config: dict[str, Any]) -> str:
    from latex2mathml.converter import convert  # 20-40 ms of imports, paid only by posts with math

    display = "block" if config.get("display_mode") else "inline"
    try:
        return convert(content, display=display)
    except Exception:  # noqa: BLE001 - latex2mathml raises many types; show the source, not fail the page
        return f'<code class="math-error">{html.escape(content)}</code>'


def render_math_block(content: str) -> str:
    """Display math as a `$$` block shows it."""
    return f'<div class="math block">\n{_render_math(content, {"display_mode": True})}\n</div>\n'


def _render_math_inline_double(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    """`$$x$$` inside a paragraph is inline math, as kramdown reads it (a `$$` paragraph of its
    own is a math block)."""
    content = _render_math(tokens[idx].content.strip(), {"display_mode": False})
    return f'<span class="math inline">{content}</span>'


def _render_math_display_inline(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    """`\\[x\\]` inside a paragraph: display math in a <span>, since a <div> may not sit in a <p>."""
    content = _render_math(tokens[idx].content.strip(), {"display_mode": True})
    return f'<span class="math display">{content}</span>'


def _parse_shortcode(inner: str) -> tuple[str, list[str], dict[str, str]]:
    words = shlex.split(inner)
    if not words:
        raise ShortcodeProblem("empty shortcode")
    args = [w for w in words[1:] if "=" not in w]
    kwargs = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    return words[0], args, kwargs


def _shortcode_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    begin = state.bMarks[start] + state.tShift[start]
    line = state.src[begin : state.eMarks[start]]
    match = _SHORTCODE.fullmatch(line.strip())
    if not match or state.sCount[start] - state.blkIndent >= 4:
        return False
    if silent:
        return True
    token = state.push("shortcode_block", "", 0)
    token.content = match.group(1)
    token.map = [start, start + 1]
    token.meta = {"col": state.tShift[start] + 1}
    token.block = True
    state.line = start + 1
    return True


def _shortcode_inline(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("{{<", state.pos):
        return False
    match = _SHORTCODE.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("shortcode", "", 0)
        token.content = match.group(1)
        before = state.src[: state.pos]
        token.meta = {"line_offset": before.count("\n"), "col": state.pos - before.rfind("\n")}
    state.pos = match.end()
    return True


def _render_shortcode(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    line = env["first_line"] + _token_line(tokens, idx) + token.meta.get("line_offset", 0)
    col = token.meta.get("col", 1)
    handler = env["shortcode"]
    try:
        name, args, kwargs = _parse_shortcode(token.content)
        if handler is None:
            raise ShortcodeProblem(f"shortcode '{name}' needs a notebook: this post has none")
        return handler(name, args, kwargs)
    except ValueError as exc:  # shlex: unbalanced quotes
        env["diagnostics"].append(error(env["path"], line, col, f"bad shortcode: {exc}"))
    except ShortcodeProblem as exc:
        env["diagnostics"].append(error(env["path"], line, col, str(exc)))
    return ""


def _token_line(tokens: list[Token], idx: int) -> int:
    """0-based source line of the token, from the nearest block token's map."""
    if tokens[idx].map:
        return tokens[idx].map[0]
    parent_line = tokens[idx].meta.get("parent_line")
    return parent_line if parent_line is not None else 0


def _rewrite_root_links(state: Any) -> None:
    """Root-relative links and images (`/about/`) get the base path, so sub-path sites work (one
    already under it, as Liquid's `{{ site.baseurl }}/x` gives, stays as it is);
    inline tokens also learn their block's source line, for diagnostics."""
    base = state.env.get("base_path", "/")
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        for child in block.children:
            kind = child.type
            if kind == "shortcode" and block.map:
                child.meta["parent_line"] = block.map[0]
            elif kind == "link_open" or kind == "image":
                attr = "href" if kind == "link_open" else "src"
                value = child.attrs.get(attr)
                if isinstance(value, str) and value.startswith("/") and not value.startswith(("//", base)):
                    child.attrs[attr] = base + value[1:]


def _outline(tokens: list[Token], summary_words: int) -> tuple[tuple[Heading, ...], int, str, str]:
    """Headings for the table of contents, the number of prose words, a plain-text summary,
    and the searchable text (prose and code; no markup)."""
    headings = []
    words = 0
    summary = ""
    texts: list[str] = []  # every word of the text, in order
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.attrGet("id") and not _no_toc(token):
            text = _plain_text(tokens[index + 1])
            headings.append(Heading(int(token.tag[1]), text, str(token.attrGet("id"))))
        elif token.type == "inline":
            plain = _plain_text(token)
            split = plain.split()
            texts += split
            words += len(split)
            if not summary and tokens[index - 1].type == "paragraph_open" and split:
                summary = _truncate(plain, summary_words)
        elif token.type in ("fence", "code_block", "math_block"):
            texts += token.content.split()
    return tuple(headings), words, summary, " ".join(texts)


def _no_toc(heading: Token) -> bool:
    """kramdown's `{:.no_toc}`: a heading kept out of the table of contents."""
    return "no_toc" in str(heading.attrGet("class") or "").split()


def _plain_text(token: Token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "math_inline", "math_inline_double", DISPLAY_INLINE, "citation"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def _truncate(text: str, limit: int) -> str:
    words = text.split()
    return " ".join(words[:limit]) + ("…" if len(words) > limit else "")
