"""Markdown: kramdown's attribute lists, `{: .class #id key="value"}`, beside a block or a span.

A block's list stands on the line right after the block (paragraph, heading, list, table, block
quote), or else right before it; a span's list follows an image, a link or a code span directly.
Only classes, ids and plain attributes are kept: event handlers and script URLs are dropped with
a warning, and so is a list that touches nothing it can apply to. Nothing of a list is ever
printed.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import validateLink
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..errors import warning

_BLOCK = re.compile(r"\{:(?P<inner>[^{}\n]*)\}[ \t]*")
_DEFINITION = re.compile(r"\{:[A-Za-z][\w-]*:")  # `{:ref: .a}`, which later lists name
_TOC = re.compile(r"\{:\s*toc\s*\}")
_SPAN = re.compile(r"\{:(?P<inner>[^{}\n]*)\}")
_PART = re.compile(
    r"""\.(?P<cls>[\w-]+)|\#(?P<id>[\w-]+)"""
    r"""|(?P<key>[A-Za-z_][\w:.-]*)=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'=<>`]+))"""
    r"""|(?P<other>\S+)"""
)
_SCRIPT_URL = re.compile(r"(?:java|vb)script:|expression\(|data:text/html", re.IGNORECASE)
_URL_KEYS = {"href", "src", "action", "formaction", "xlink:href", "poster", "cite"}
_BLOCK_TARGETS = {"paragraph_close", "heading_close", "bullet_list_close", "ordered_list_close",
                  "table_close", "blockquote_close"}
_SPAN_TARGETS = {"image", "code_inline", "link_close"}
_HINT = ("it must be on the line after or before a paragraph, heading, list, table or block quote, "
         "or right after an image, link or code span")


def attributes_plugin(md: MarkdownIt) -> None:
    """A block rule that ends a paragraph, list or quote at a `{: …}` line, and a core rule that
    applies every list to what it follows (before heading anchors, so `{: #id}` names a heading)."""
    md.block.ruler.before("paragraph", "attr_list", _attr_list_block,
                          {"alt": ["paragraph", "blockquote", "list"]})
    md.core.ruler.push("attr_lists", _apply_attr_lists)


def _attr_list_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    text = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    if not _BLOCK.fullmatch(text):
        return False
    if not silent:
        token = state.push("attr_list", "", 0)
        token.content = text.strip()
        token.map = [start, start + 1]
        token.meta = {"col": state.tShift[start] + 1}
    state.line = start + 1
    return True


def _apply_attr_lists(state: StateCore) -> None:
    if "{:" not in state.src:  # every list starts so: a post without any pays a substring search
        return
    env = state.env
    lines = state.src.split("\n")
    kept: list[Token] = []
    for index, token in enumerate(state.tokens):
        if token.type == "attr_list":
            target = _block_target(state.tokens, index)
            if _TOC.fullmatch(token.content) and target is not None and target.type.endswith("list_open"):
                # kramdown's `* TOC` placeholder list goes with its marker
                del kept[next(i for i, t in enumerate(kept) if t is target):]
                env.setdefault("diagnostics", []).append(warning(
                    env.get("path", ""), env.get("first_line", 1) + token.map[0], token.meta["col"],
                    "kramdown's '{:toc}' table of contents is dropped: the post page shows its own"))
                continue
            target = target or _block_below(state.tokens, index)
            _apply(target, token.content, env, token.map[0], token.meta["col"])
            continue
        if token.type == "inline" and token.children:
            _span_lists(token, lines, env)
        elif token.type == "html_block":
            _html_list(token, env)
        kept.append(token)
    state.tokens[:] = kept


def _html_list(block: Token, env: dict[str, Any]) -> None:
    """A list on the line after raw HTML is part of that HTML block in CommonMark (it ends only at
    a blank line); it cannot set attributes on HTML as written, so it is taken out and dropped."""
    lines = block.content.rstrip("\n").split("\n")
    written = lines[-1].strip()
    if len(lines) > 1 and _BLOCK.fullmatch(written) and block.map:
        line = env.get("first_line", 1) + block.map[0] + len(lines) - 1
        col = len(lines[-1]) - len(lines[-1].lstrip()) + 1
        env.setdefault("diagnostics", []).append(warning(
            env.get("path", ""), line, col, f"attribute list '{written}' follows raw HTML, which it cannot change; dropped"))
        block.content = "\n".join(lines[:-1]) + "\n"


def _block_target(tokens: list[Token], index: int) -> Token | None:
    """The opening token of the block that ends on the line just above the list, if any."""
    before = tokens[index - 1] if index else None
    if before is None or before.type not in _BLOCK_TARGETS:
        return None
    opener = _opener(tokens, index - 1)
    if opener is None or not opener.map or opener.map[1] != tokens[index].map[0]:
        return None
    if opener.hidden:  # a tight list item's paragraph has no tag of its own: the item gets it
        position = next(i for i, t in enumerate(tokens) if t is opener)
        return next(t for t in reversed(tokens[:position]) if t.nesting == 1 and t.level < opener.level)
    return opener


def _block_below(tokens: list[Token], index: int) -> Token | None:
    """The block that starts on the line just below the list (kramdown's other place for one)."""
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    if after is None or after.type.replace("_open", "_close") not in _BLOCK_TARGETS or after.nesting != 1:
        return None
    return after if after.map and after.map[0] == tokens[index].map[1] else None


def _opener(tokens: list[Token], close: int) -> Token | None:
    wanted = tokens[close].type.replace("_close", "_open")
    for token in reversed(tokens[:close]):
        if token.type == wanted and token.level == tokens[close].level:
            return token
    return None


def _span_lists(block: Token, lines: list[str], env: dict[str, Any]) -> None:
    """Lists in the text of an inline block: applied to the span before them, else dropped."""
    children = block.children or []
    line = block.map[0] if block.map else 0
    for index, child in enumerate(children):
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        if child.type != "text" or "{:" not in child.content:
            continue
        source = lines[line] if line < len(lines) else ""
        kept, last = [], 0
        for match in _SPAN.finditer(child.content):
            target = _span_target(children, index) if match.start() == 0 else None
            _apply(target, match.group(0), env, line, source.find(match.group(0)) + 1 or 1)
            kept.append(child.content[last : match.start()])
            last = match.end()
            if match.start() > 0 and child.content[match.start() - 1 : match.start()] == " ":
                last += child.content[last : last + 1] == " "  # "a {: .x} b" leaves "a b"
        text = "".join(kept) + child.content[last:]
        child.content = text.lstrip(" ") if index == 0 else text  # a paragraph starts with no space


def _span_target(children: list[Token], index: int) -> Token | None:
    """The image, code span or link (its opening token) right before the text at `index`."""
    before = children[index - 1] if index else None
    if before is None or before.type not in _SPAN_TARGETS:
        return None
    return _opener(children, index - 1) if before.type == "link_close" else before


def _apply(target: Token | None, written: str, env: dict[str, Any], line: int, col: int) -> None:
    """Set the list's attributes on `target`; a warning for each part dropped."""
    path, at = env.get("path", ""), env.get("first_line", 1) + line
    shown = " ".join(written.split())
    diagnostics = env.setdefault("diagnostics", [])
    if written.startswith(("{::", "{:/")):
        diagnostics.append(warning(path, at, col, f"kramdown extension '{shown}' is not supported; dropped"))
        return
    if _DEFINITION.match(written):
        diagnostics.append(warning(path, at, col, f"attribute list definition '{shown}' is not supported; dropped"))
        return
    if target is None:
        diagnostics.append(warning(path, at, col, f"attribute list '{shown}' matches nothing ({_HINT}); dropped"))
        return
    inner = _BLOCK.fullmatch(written.strip())
    for part in _PART.finditer(inner.group("inner") if inner else ""):
        problem = _set(target, part)
        if problem:
            diagnostics.append(warning(path, at, col, f"'{part.group(0)}' in attribute list '{shown}' {problem}; dropped"))


def _set(target: Token, part: re.Match[str]) -> str | None:
    """Apply one part of a list; what is wrong with it, or None."""
    if part.group("cls"):
        target.attrJoin("class", part.group("cls"))
    elif part.group("id"):
        target.attrSet("id", part.group("id"))
    elif part.group("key"):
        key = part.group("key")
        value = next(v for v in (part.group("dq"), part.group("sq"), part.group("bare"), "") if v is not None)
        if key.lower().startswith("on"):
            return "is an event handler, which is never allowed"
        if _SCRIPT_URL.search(re.sub(r"[\s\x00-\x1f]", "", value)):
            return "holds a script, which is never allowed"
        if key.lower() in _URL_KEYS and not validateLink(value):
            return "is a URL that Markdown links refuse"
        if key.lower() == "class":
            target.attrJoin("class", value)
        else:
            target.attrSet(key, value)
    else:
        return "is not a .class, #id or key=\"value\""
    return None
