"""Markdown: Pandoc's citation syntax, `[@a; see @b, p. 3]`, `@key` and `[-@key]`.

A key with a cross-reference prefix (`@fig-…`, `@tbl-…`, `@eq-…`) is a cross-reference, left
for `crossref.number_labels` to resolve once the whole post (notebook outputs too) is HTML.
Citations resolve at once against the post's bibliography (`env["scholar"]`): an unknown key in
brackets is an error at its line and column; a bare `@name` that is no key stays text (a handle,
say) with a warning, and without a bibliography silently.
"""

from __future__ import annotations

import html
import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from ..errors import error, warning
from .citations import CitedItem
from .crossref import CROSSREF_PREFIXES, reference_placeholder

_KEY = r"[A-Za-z0-9_](?:[\w:.#$%&+?~/-]*\w)?"
_BARE = re.compile(rf"@({_KEY})")
_BRACKET = re.compile(r"\[([^\[\]\n]*@[^\[\]\n]*)\]")
_TAGS = re.compile(r"<[^>]+>")
_ITEM = re.compile(rf"^\s*(?P<prefix>(?:[^@]*\s)?)(?P<minus>-?)@(?P<key>{_KEY})\s*(?P<rest>.*?)\s*$")


def cite_plugin(md: MarkdownIt) -> None:
    """An inline rule that reads citations, and a core rule that resolves them where they stand."""
    md.inline.ruler.before("link", "citation", _citation_inline)
    md.core.ruler.push("citations", _resolve_citations)
    md.add_render_rule("citation", _render_citation)


def _citation_inline(state: StateInline, silent: bool) -> bool:
    scholar = state.env.get("scholar")
    if scholar is None:
        return False
    src, pos = state.src, state.pos
    char = src[pos]
    if char == "[":
        match = _BRACKET.match(src, pos)
        if not match or src[match.end() : match.end() + 1] in ("(", "[", ":"):  # a link, or a link definition
            return False
        items = [_ITEM.match(part) for part in match.group(1).split(";")]
        if not all(items):
            return False
        cited = tuple(_item(m) for m in items if m)
        bracketed = True
    elif char == "@":
        if pos and (src[pos - 1].isalnum() or src[pos - 1] in "_@"):  # an e-mail address, hit@1
            return False
        match = _BARE.match(src, pos)
        if not match:
            return False
        cited = (CitedItem(match.group(1)),)
        bracketed = False
    else:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.content = match.group(0)
        token.meta = {"items": cited, "bracketed": bracketed, "line_offset": src[:pos].count("\n")}
    state.pos = match.end()
    return True


def _item(match: re.Match[str]) -> CitedItem:
    rest = match.group("rest")
    return CitedItem(match.group("key"), match.group("prefix").strip(), rest.lstrip(",").strip(), bool(match.group("minus")))


def _resolve_citations(state: StateCore) -> None:
    env = state.env
    scholar = env.get("scholar")
    if scholar is None:
        return
    lines = state.src.split("\n")
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        for child in block.children:
            if child.type == "citation":
                line = (block.map[0] if block.map else 0) + child.meta["line_offset"]
                source = lines[line] if line < len(lines) else ""
                col = source.find(child.content) + 1 or 1
                child.meta["html"] = _resolved(child, scholar, env, env.get("first_line", 1) + line, col)
                if "\x02" not in child.meta["html"]:  # the summary and search text read the citation as shown
                    child.content = html.unescape(_TAGS.sub("", child.meta["html"]))


def _resolved(token: Token, scholar: Any, env: dict[str, Any], line: int, col: int) -> str:
    """The citation's HTML; an error for each key that is neither a label nor in the bibliography."""
    items: tuple[CitedItem, ...] = token.meta["items"]
    bibliography = scholar.bibliography
    if all(item.key.startswith(CROSSREF_PREFIXES) for item in items):
        return ", ".join(reference_placeholder(scholar, item.key, line, col) for item in items)
    if bibliography is None and not token.meta["bracketed"]:
        return html.escape(token.content)  # `@name` in a post that cites nothing
    diagnostics = env.setdefault("diagnostics", [])
    path = env.get("path", "")
    if bibliography is None:
        diagnostics.append(error(path, line, col, f"citation '{token.content}' but the post has no bibliography "
                                                  "(set 'bibliography:' in its front matter or the setting)"))
        return html.escape(token.content)
    unknown = [item.key for item in items if not item.key.startswith(CROSSREF_PREFIXES) and bibliography.find(item.key) is None]
    if unknown and not token.meta["bracketed"]:  # `@name` may be a handle: said, kept as text
        diagnostics.append(warning(path, line, col, f"'@{unknown[0]}' is not a citation key in {bibliography.shown}; "
                                                    f"kept as text (write \\@{unknown[0]} to say it is not one)"))
        return html.escape(token.content)
    for key in unknown:
        diagnostics.append(error(path, line, col, f"unknown citation key '{key}': it is not in {bibliography.shown}"))
    if unknown:
        return html.escape(token.content)
    if any(item.key.startswith(CROSSREF_PREFIXES) for item in items):
        diagnostics.append(error(path, line, col, f"'{token.content}' mixes citations and cross-references; "
                                                  "write them apart"))
        return html.escape(token.content)
    scholar.cited.extend(item.key for item in items)
    return bibliography.in_text(items, bracketed=token.meta["bracketed"])


def _render_citation(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    return str(tokens[idx].meta.get("html", html.escape(tokens[idx].content)))
