"""Coloured terminal text (ANSI escape codes) in notebook outputs, as HTML spans.

Ported from nbconvert's `nbconvert/filters/ansi.py` (Copyright (c) IPython Development Team,
Modified BSD License), HTML only, so that rendering frozen outputs needs no notebook extra and
gives the bytes nbconvert gives (tests/test_lean_install.py compares the two).
"""

from __future__ import annotations

import re

from markupsafe import escape

_ANSI = re.compile("\x1b\\[(.*?)([@-~])")
_COLORS = (
    "ansi-black", "ansi-red", "ansi-green", "ansi-yellow", "ansi-blue", "ansi-magenta", "ansi-cyan", "ansi-white",
    "ansi-black-intense", "ansi-red-intense", "ansi-green-intense", "ansi-yellow-intense", "ansi-blue-intense",
    "ansi-magenta-intense", "ansi-cyan-intense", "ansi-white-intense",
)
Color = int | tuple[int, int, int] | None


class _Style:
    """The terminal's current colours and attributes, changed code by code."""

    def __init__(self) -> None:
        self.fg: Color = None
        self.bg: Color = None
        self.bold = self.underline = self.inverse = False

    def apply(self, numbers: list[int]) -> None:
        while numbers:
            n = numbers.pop(0)
            if n == 0:
                self.__init__()  # type: ignore[misc]
            elif n in (1, 5):  # bold; blinking is shown as bold
                self.bold = True
            elif n == 4:
                self.underline = True
            elif n == 7:
                self.inverse = True
            elif n in (21, 22):
                self.bold = False
            elif n == 24:
                self.underline = False
            elif n == 27:
                self.inverse = False
            elif 30 <= n <= 37:
                self.fg = n - 30
            elif n in (38, 48):
                try:
                    color = _extended_color(numbers)
                except ValueError:
                    numbers.clear()
                else:
                    self.fg, self.bg = (color, self.bg) if n == 38 else (self.fg, color)
            elif n == 39:
                self.fg = None
            elif 40 <= n <= 47:
                self.bg = n - 40
            elif n == 49:
                self.bg = None
            elif 90 <= n <= 97:
                self.fg = n - 90 + 8
            elif 100 <= n <= 107:
                self.bg = n - 100 + 8

    def tags(self) -> tuple[str, str]:
        fg = self.fg + 8 if self.bold and isinstance(self.fg, int) and self.fg < 8 else self.fg
        bg = self.bg
        if (fg, bg, self.bold, self.underline, self.inverse) == (None, None, False, False, False):
            return "", ""
        if self.inverse:
            fg, bg = bg, fg
        classes, styles = [], []
        for color, side, css in ((fg, "fg", "color"), (bg, "bg", "background-color")):
            if isinstance(color, int):
                classes.append(f"{_COLORS[color]}-{side}")
            elif color:
                styles.append("{}: rgb({},{},{})".format(css, *color))
            elif self.inverse:
                classes.append(f"ansi-default-inverse-{side}")
        if self.bold:
            classes.append("ansi-bold")
        if self.underline:
            classes.append("ansi-underline")
        start = "<span"
        if classes:
            start += ' class="' + " ".join(classes) + '"'
        if styles:
            start += ' style="' + "; ".join(styles) + '"'
        return start + ">", "</span>"


def ansi_to_html(text: str) -> str:
    """Escaped text with each coloured run in a span; codes other than colours are dropped."""
    text = str(escape(text))
    style, out = _Style(), []
    numbers: list[int] = []
    while text:
        found = _ANSI.search(text)
        if found:
            if found.group(2) == "m":
                try:
                    numbers = [int(n) if n else 0 for n in found.group(1).split(";")]
                except ValueError:
                    pass  # not a colour specification
            chunk, text = text[: found.start()], text[found.end():]
        else:
            chunk, text = text, ""
        if chunk:
            start, end = style.tags()
            out += [start, chunk, end]
        style.apply(numbers)
    return "".join(out)


def _extended_color(numbers: list[int]) -> int | tuple[int, int, int]:
    """`38;5;N` (256 colours) or `38;2;R;G;B` (24-bit); ValueError when malformed."""
    kind = numbers.pop(0) if numbers else None
    if kind == 2 and len(numbers) >= 3:
        r, g, b = numbers.pop(0), numbers.pop(0), numbers.pop(0)
        if not all(0 <= c <= 255 for c in (r, g, b)):
            raise ValueError
        return r, g, b
    if kind != 5 or not numbers:
        raise ValueError
    index = numbers.pop(0)
    if index < 0 or index > 255:
        raise ValueError
    if index < 16:
        return index
    if index >= 232:
        level = (index - 232) * 10 + 8
        return level, level, level
    cube = index - 16  # the 6×6×6 colour cube

    def level_of(step: int) -> int:
        return 55 + step * 40 if step > 0 else 0

    return level_of(cube // 36), level_of(cube % 36 // 6), level_of(cube % 6)
