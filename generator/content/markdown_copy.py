"""A Markdown copy of each post, beside its page, for assistants and search tools (see llms.txt).

The copy is the post's own Markdown under a short header (title, URL, description, tags). A
`value` shortcode becomes its value; a notebook's cells follow the prose as Markdown and fenced
code with their text outputs, so a notebook post reads whole without its HTML.
"""

from __future__ import annotations

import html
import json
import re
import shlex
from collections.abc import Callable, Sequence
from typing import Any

from ..config import SiteConfig
from ..models import Document

_SHORTCODE = re.compile(r"\{\{<\s*(.*?)\s*>\}\}")
_TAGS = re.compile(r"<[^>]+>")


def copy_name(url_path: str) -> str:
    """The copy's file name beside the page: `posts/x/` → `index.md`, `about.html` → `about.md`."""
    if url_path == "" or url_path.endswith("/"):
        return "index.md"
    return re.sub(r"\.html?$", "", url_path.rpartition("/")[2]) + ".md"


def copy_path(url_path: str) -> str:
    """The copy's path in the site."""
    folder = url_path if url_path == "" or url_path.endswith("/") else url_path.rpartition("/")[0] + "/"
    return f"{folder.lstrip('/') if folder != '/' else ''}{copy_name(url_path)}"


def markdown_copy(document: Document, config: SiteConfig, notebooks: Sequence[Any],
                  value: Callable[[list[str], dict[str, str]], str] | None, references: str = "") -> bytes:
    """The copy's bytes. `value(args, kwargs)` formats a `value` shortcode (None: no notebook);
    `references` is the reference list, as Markdown."""
    post = document.post
    header = {"title": post.title, "url": config.absolute_url(post.url_path)}
    if post.description:
        header["description"] = post.description
    lines = ["---", *(f"{key}: {json.dumps(text, ensure_ascii=False)}" for key, text in header.items())]
    if post.tags:
        lines.append(f"tags: {json.dumps(list(post.tags), ensure_ascii=False)}")
    if post.series:
        lines.append(f"series: {json.dumps(post.series, ensure_ascii=False)}")
    lines += ["---", "", f"# {post.title}", "", _shortcodes(document.body, value).strip(), ""]
    for notebook in notebooks:
        lines += _notebook_markdown(notebook.data)
    if references:
        lines += ["", references]
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")


def _shortcodes(body: str, value: Callable[[list[str], dict[str, str]], str] | None) -> str:
    def replace(match: re.Match[str]) -> str:
        try:
            words = shlex.split(match.group(1))
        except ValueError:
            return match.group(0)
        if not words or words[0] != "value" or value is None:
            return ""  # cells and outputs: the notebook follows in full
        args = [w for w in words[1:] if "=" not in w]
        kwargs = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        try:
            return html.unescape(_TAGS.sub("", value(args, kwargs)))
        except Exception:  # noqa: BLE001 - the page's rendering has reported it already
            return match.group(0)

    return _SHORTCODE.sub(replace, body)


def _notebook_markdown(data: dict[str, Any]) -> list[str]:
    """A notebook's cells as Markdown: prose as written, code fenced, text outputs fenced below."""
    language = data.get("metadata", {}).get("kernelspec", {}).get("language", "python")
    lines: list[str] = []
    for cell in data.get("cells", []):
        source = "".join(cell.get("source", "")).strip()
        tags = set(cell.get("metadata", {}).get("tags", []))
        if not source or "remove-cell" in tags:
            continue
        if cell.get("cell_type") == "markdown":
            lines += [source, ""]
        elif cell.get("cell_type") == "code":
            if "remove-input" not in tags:
                lines += [f"```{language}", source, "```", ""]
            text = "" if "remove-output" in tags else _text_outputs(cell.get("outputs", []))
            if text:
                lines += ["```text", text, "```", ""]
    return lines


def _text_outputs(outputs: list[dict[str, Any]]) -> str:
    parts = []
    for output in outputs:
        if output.get("output_type") == "stream":
            parts.append("".join(output.get("text", "")))
        elif output.get("output_type") in ("execute_result", "display_data"):
            plain = output.get("data", {}).get("text/plain")
            if plain and not any(k.startswith("image/") for k in output.get("data", {})):
                parts.append("".join(plain))
    return "\n".join(p.rstrip("\n") for p in parts).strip("\n")
