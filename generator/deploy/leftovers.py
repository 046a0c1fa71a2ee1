"""Check: Liquid left unrendered in built pages (`{%`, `{{` outside code), as another tool or an
older journey printed it."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from ..config import display_path
from ..errors import Diagnostic, error

# Text inside these shows code or is code: `{{ x }}` there is what the author meant to show.
_CODE = frozenset({"code", "pre", "script", "style", "textarea", "kbd", "samp"})
_OPENERS = ("{%", "{{")


def check_leftover_liquid(site_dir: Path, files: dict[str, int]) -> list[Diagnostic]:
    """An error at each `{%` or `{{` in a page's text or attributes, outside code."""
    problems = []
    for path in sorted(files):
        if not path.endswith(".html"):
            continue
        text = (site_dir / path).read_text(encoding="utf-8", errors="replace")
        if "{%" not in text and "{{" not in text:
            continue  # nearly every page: no parse
        finder = _Finder()
        finder.feed(text)
        finder.close()
        shown = display_path(site_dir / path)
        problems += [error(shown, line, col, f"unrendered Liquid '{snippet}' in the page")
                     for line, col, snippet in finder.found]
    return problems


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)  # data arrives as written: its offsets hold
        self.depth = 0
        self.found: list[tuple[int, int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CODE:
            self.depth += 1
        elif not self.depth:
            self._scan(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _CODE and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self._scan(data)

    def _scan(self, data: str) -> None:
        line, offset = self.getpos()
        index = _next_opener(data, 0)
        while index >= 0:
            before = data[:index]
            row = line + before.count("\n")
            col = (offset if row == line else 0) + index - (before.rfind("\n") + 1) + 1
            self.found.append((row, col, _snippet(data, index)))
            index = _next_opener(data, index + 2)


def _next_opener(data: str, start: int) -> int:
    found = [i for i in (data.find(opener, start) for opener in _OPENERS) if i >= 0]
    return min(found, default=-1)


def _snippet(data: str, index: int) -> str:
    """The tag or output from its opening to its closing delimiter (on that line, 60 characters at most)."""
    line = data[index:].split("\n", 1)[0]
    ends = [i + 2 for i in (line.find("%}"), line.find("}}")) if i >= 0]
    return line[: min(ends)] if ends and min(ends) <= 60 else line[:60]
