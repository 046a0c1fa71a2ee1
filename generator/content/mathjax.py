"""Markdown: MathJax's delimiters, `\\( … \\)` inline and `\\[ … \\]` display, as math tokens."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

# Token types: `math_inline` and `math_block` are dollarmath's own (same rendering as `$…$` and a
# `$$` block); `math_display_inline` is `\[…\]` inside a paragraph, where a <div> may not go.
DISPLAY_INLINE = "math_display_inline"
_PAIRS = {"\\(": "\\)", "\\[": "\\]"}
# `\[1\]` and `\[citation needed\]` are Markdown's escaped brackets, not display math.
_PLAIN = re.compile(r"\s*(?:\d+|[\w,.;:!?']+(?:\s+[\w,.;:!?']+)+)\s*")


def mathjax_plugin(md: MarkdownIt) -> None:
    """`\\(x\\)` is inline math; `\\[x\\]` is display math, a block when it is a paragraph of its
    own. Both come before backslash escapes, which would otherwise eat the backslash; code spans
    and fences never reach these rules."""
    md.inline.ruler.before("escape", "math_mathjax", _math_inline)
    md.block.ruler.before("paragraph", "math_mathjax_block", _math_block)


def _math_inline(state: StateInline, silent: bool) -> bool:
    opener = state.src[state.pos : state.pos + 2]
    closer = _PAIRS.get(opener)
    if closer is None:
        return False
    end = state.src.find(closer, state.pos + 2)
    if end < 0 or not state.src[state.pos + 2 : end].strip():
        return False
    if opener == "\\[" and _PLAIN.fullmatch(state.src[state.pos + 2 : end]):
        return False
    if not silent:
        token = state.push("math_inline" if opener == "\\(" else DISPLAY_INLINE, "math", 0)
        token.content = state.src[state.pos + 2 : end]
        token.markup = opener
    state.pos = end + 2
    return True


def _math_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Lines from one starting `\\[` to one ending `\\]`, with no blank line between."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith("\\[", begin):
        return False
    line = start
    while line < end and not state.isEmpty(line):
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].rstrip()
        stop = state.bMarks[line] + state.tShift[line] + len(text) - 2
        if text.endswith("\\]") and stop >= begin + 2:
            content = state.src[begin + 2 : stop]
            if "\\]" in content or not content.strip() or _PLAIN.fullmatch(content):
                return False  # `\[a\] and \[b\]`: inline math in a paragraph; `\[1\]`: brackets
            if not silent:
                token = state.push("math_block", "math", 0)
                token.block = True
                token.content = content
                token.markup = "\\["
                token.map = [start, line + 1]
            state.line = line + 1
            return True
        line += 1
    return False
