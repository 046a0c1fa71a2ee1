"""Cross-references in Quarto's syntax: labelled figures, tables and equations, numbered per post.

`![Caption](x.png){#fig-name}` alone in a paragraph is a figure; a table followed by
`: Caption {#tbl-name}` has a caption; `$$ … $$ {#eq-name}` is a numbered equation. Notebook
outputs labelled with `#| label: fig-…` arrive as `<figure id="fig-…">`. Numbers are given once the
whole post is HTML (`number_labels`), in reading order, so Markdown and notebook figures count
together; `@fig-name` is a placeholder until then, and a label no element has is an error.
"""

from __future__ import annotations

import html
import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..errors import Diagnostic, error

CROSSREF_PREFIXES = ("fig-", "tbl-", "eq-")
_NAMES = {"fig": "Figure", "tbl": "Table", "eq": "Equation"}
_LABEL = r"(?:fig|tbl|eq)-[\w-]+"
_FIGURE_ATTR = re.compile(r"\s*\{#(fig-[\w-]+)\}\s*")
_CAPTION = re.compile(r"(?:Table)?:\s+(?P<caption>.*?)\s*\{#(?P<label>tbl-[\w-]+)\}\s*")
_EQUATION = re.compile(r"\$\$(?P<body>.+?)\$\$\s*\{#(?P<label>eq-[\w-]+)\}\s*", re.DOTALL)
_DEFINED = re.compile(rf'<(?P<tag>figure|table|div)\b(?P<attrs>[^>]*?)\sid="(?P<label>{_LABEL})"')
_PLACEHOLDER = re.compile(r"\x02ref:([^\x03]*)\x03")
_WHERE = {"fig": ("<figcaption>", "</figure>"), "tbl": ("<caption>", "</table>"),
          "eq": ('<span class="equation-number">', "</div>")}


def crossref_plugin(md: MarkdownIt) -> None:
    """A block rule for labelled equations (ahead of the plain `$$` one), a core rule that makes
    figures and table captions."""
    md.block.ruler.before("math_block", "labelled_equation", _equation_block)
    md.core.ruler.after("text_join", "crossref_blocks", _figures_and_tables)
    md.add_render_rule("labelled_equation", _render_equation)


def reference_placeholder(scholar: Any, label: str, line: int, col: int) -> str:
    """What `@label` renders as until `number_labels` knows its number."""
    scholar.references.append((label, line, col))
    return f"\x02ref:{html.escape(label)}\x03"


def number_labels(text: str, references: list[tuple[str, int, int]], path: str) -> tuple[str, list[Diagnostic]]:
    """Number every labelled figure, table and equation in `text` (a post's HTML) in order,
    write the number into its caption, and turn each reference into a link ("Figure 2")."""
    numbers: dict[str, str] = {}
    counts: dict[str, int] = {}
    inserts: list[tuple[int, str]] = []
    for match in _DEFINED.finditer(text):
        label = match.group("label")
        kind = label.partition("-")[0]
        if label in numbers:
            continue
        counts[kind] = counts.get(kind, 0) + 1
        numbers[label] = f"{_NAMES[kind]} {counts[kind]}"
        if not _captioned(kind, match):  # a labelled notebook output without a figure: numbered, no caption
            continue
        opening, closing = _WHERE[kind]
        at, end = text.find(opening, match.end()), text.find(closing, match.end())
        if at != -1 and at < end:
            shown = f"({counts[kind]})" if kind == "eq" else f'<span class="crossref-number">{numbers[label]}:</span> '
            inserts.append((at + len(opening), shown))
    for at, shown in reversed(inserts):
        text = text[:at] + shown + text[at:]
    problems = [error(path, line, col, f"unknown cross-reference '@{label}': no figure, table or equation "
                                       f"in this post has the label '{label}'")
                for label, line, col in references if html.escape(label) not in numbers]

    def link(match: re.Match[str]) -> str:
        label = match.group(1)
        if label not in numbers:
            return f"@{label}"
        return f'<a class="crossref" href="#{label}">{numbers[label]}</a>'

    return _PLACEHOLDER.sub(link, text), problems


def _captioned(kind: str, match: re.Match[str]) -> bool:
    """Whether the labelled element is one whose caption (or number) sits inside it."""
    tag = match.group("tag")
    if kind == "eq":
        return tag == "div" and 'class="equation"' in match.group("attrs")
    return tag == ("figure" if kind == "fig" else "table")


def _equation_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith("$$", begin):
        return False
    for last in range(start, end):
        written = state.src[begin : state.eMarks[last]]
        closes = "$$" in (written[2:] if last == start else state.src[state.bMarks[last] : state.eMarks[last]])
        if not closes:
            continue
        match = _EQUATION.fullmatch(written)
        if not match:
            return False  # a plain `$$` block: the math rule's
        if not silent:
            token = state.push("labelled_equation", "div", 0)
            token.content = match.group("body").strip()
            token.meta = {"label": match.group("label")}
            token.map = [start, last + 1]
            token.block = True
            _define(state.env, match.group("label"), start, state.tShift[start] + 1)
        state.line = last + 1
        return True
    return False


def _render_equation(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    from .markdown import render_math_block  # markdown.py uses this module: imported when used

    token = tokens[idx]
    label = html.escape(token.meta["label"])
    return (f'<div class="equation" id="{label}"><span class="equation-number"></span>\n'
            f'{render_math_block(token.content)}</div>\n')


def _figures_and_tables(state: StateCore) -> None:
    tokens = state.tokens
    index = 0
    while index < len(tokens):  # both insert tokens after `index`: the list grows as it is walked
        if tokens[index].type == "paragraph_open" and index + 2 < len(tokens):
            _figure(state, tokens, index)
        elif tokens[index].type == "table_open":
            _table_caption(state, tokens, index)
        index += 1


def _figure(state: StateCore, tokens: list[Token], index: int) -> bool:
    """`![Caption](x.png){#fig-name}` alone in a paragraph: a <figure> with a <figcaption>."""
    inline = tokens[index + 1]
    children = inline.children or []
    if len(children) != 2 or children[0].type != "image" or children[1].type != "text":
        return False
    match = _FIGURE_ATTR.fullmatch(children[1].content)
    if not match or tokens[index].hidden:
        return False
    image, label = children[0], match.group(1)
    opening, closing = tokens[index], tokens[index + 2]
    opening.type, opening.tag = "figure_open", "figure"
    opening.attrSet("id", label)
    closing.type, closing.tag = "figure_close", "figure"
    inline.children = [image]
    caption = Token("inline", "", 0)
    caption.children, caption.content, caption.map = list(image.children or []), image.content, inline.map
    tokens[index + 2 : index + 2] = [Token("figcaption_open", "figcaption", 1), caption,
                                     Token("figcaption_close", "figcaption", -1)]
    line = opening.map[0] if opening.map else 0
    _define(state.env, label, line, (state.src.split("\n")[line].find("{#") + 1) if opening.map else 1)
    return True


def _table_caption(state: StateCore, tokens: list[Token], index: int) -> None:
    """A table's caption: the paragraph after it, or the row it swallowed when no blank line came between."""
    close = next(i for i in range(index, len(tokens)) if tokens[i].type == "table_close" and tokens[i].level == tokens[index].level)
    after = tokens[close + 1 : close + 4]
    if len(after) == 3 and after[0].type == "paragraph_open" and not after[0].hidden and _CAPTION.fullmatch(after[1].content):
        caption = after[1]
        del tokens[close + 1 : close + 4]
    else:
        row_start = max((i for i in range(index, close) if tokens[i].type == "tr_open"), default=index)
        cells = [t for t in tokens[row_start:close] if t.type == "inline"]
        if not cells or not _CAPTION.fullmatch(cells[0].content) or any(c.content.strip() for c in cells[1:]):
            return
        caption = cells[0]
        row_end = next(i for i in range(row_start, close) if tokens[i].type == "tr_close")
        del tokens[row_start : row_end + 1]
    match = _CAPTION.fullmatch(caption.content)
    assert match is not None
    label = match.group("label")
    children = caption.children or []
    if children and children[0].type == "text":
        children[0].content = re.sub(r"^(?:Table)?:\s+", "", children[0].content)
    if children and children[-1].type == "text":
        children[-1].content = re.sub(r"\s*\{#tbl-[\w-]+\}\s*$", "", children[-1].content)
    tokens[index].attrSet("id", label)
    tokens[index + 1 : index + 1] = [Token("caption_open", "caption", 1), caption, Token("caption_close", "caption", -1)]
    line = caption.map[0] if caption.map else 0
    lines = state.src.split("\n")
    _define(state.env, label, line, lines[line].find("{#") + 1 if line < len(lines) else 1)


def _define(env: dict[str, Any], label: str, line: int, col: int) -> None:
    """Note a label's place; one used twice in a post is an error at the second."""
    scholar = env.get("scholar")
    if scholar is None:
        return
    at = env.get("first_line", 1) + line
    if label in scholar.labels:
        first = scholar.labels[label]
        env.setdefault("diagnostics", []).append(
            error(env.get("path", ""), at, col, f"label '{label}' is used twice in this post (first at line {first})"))
    else:
        scholar.labels[label] = at
