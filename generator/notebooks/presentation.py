"""How notebook cells read on the page: code folds (Quarto's `code-fold`), long code cells
collapsed with "Show all", line numbers, long text outputs cut to head and tail, figure captions
and paired light/dark figures (Quarto 1.7's `renderings: [light, dark]`). Plain functions of
strings; to_html.py calls them per cell.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from .conventions import CellOptions

# Cell tags that set a cell's fold, as Quarto's `code-fold` values; `line-numbers` numbers its lines.
FOLD_TAGS = {"code-fold-none": "none", "code-fold-show": "show", "code-fold-hide": "hide"}
LINE_NUMBERS_TAG = "line-numbers"
LONG_OUTPUT_KEEP = 10  # lines kept at each end of a long text output
MIN_FOLDED = 5  # a long cell is collapsed only when this many of its lines or more would be hidden


@dataclass(frozen=True)
class Presentation:
    """The post's and the blog's choices for its code cells (settings `code_fold`, `code_lines`,
    `output_lines`, `dark_figures`; front matter `code_fold`, `dark_figures`)."""

    code_fold: str = "none"  # a cell that says nothing: shown ("none"), folded open ("show") or closed ("hide")
    code_lines: int = 25  # a code cell longer than this is collapsed, with a "Show all" button
    output_lines: int = 40  # a text output longer than this shows its first and last lines
    dark_figures: bool = True  # figures show their dark twin in dark mode (setting or front matter `dark_figures`)


def cell_fold(tags: frozenset[str], asked: str, hidden: bool, default: str) -> str:
    """A code cell's fold: "none", "show" or "hide". The cell's own word (`#| code-fold`, a fold
    tag, hide-input or Jupyter's source_hidden) wins over the post's and the blog's."""
    if hidden:
        return "hide"
    if asked:
        return asked
    tagged = [FOLD_TAGS[t] for t in sorted(tags) if t in FOLD_TAGS]
    return tagged[0] if tagged else default


def code_block(highlighted: str, source: str, line_numbers: bool, limit: int) -> str:
    """A highlighted cell's code: numbered when asked, collapsed to `limit` lines with "Show all"
    when that hides MIN_FOLDED lines or more. The collapse needs JavaScript (the button): without
    it, the whole cell shows."""
    lines = source.rstrip("\n").count("\n") + 1
    if line_numbers:
        highlighted = number_lines(highlighted)
    if lines < limit + MIN_FOLDED:
        return highlighted
    return (f'<div class="nb-long" style="--nb-lines: {limit}">\n{highlighted}'
            f'<button type="button" class="nb-show-all" aria-expanded="false">Show all {lines} lines</button>\n'
            "</div>\n")


_CODE = re.compile(r"(<code>)(.*?)(</code>)", re.DOTALL)
_OPEN_SPAN = re.compile(r'<span class="[^"]*">')


def number_lines(highlighted: str) -> str:
    """Pygments HTML with each line in `<span class="ln">`, numbered by CSS counters (so a copy
    takes only the code). A token spanning lines (a docstring) is closed and reopened around each break."""
    found = _CODE.search(highlighted)
    if found is None:
        return highlighted
    lines, still_open = [], []
    for line in found.group(2).rstrip("\n").split("\n"):
        reopened = "".join(still_open)
        for tag in re.findall(r'<span class="[^"]*">|</span>', line):
            if tag == "</span>":
                if still_open:
                    still_open.pop()
            else:
                still_open.append(tag)
        lines.append(f'<span class="ln">{reopened}{line}{"</span>" * len(still_open)}</span>')
    body = "\n".join(lines) + "\n"
    return (highlighted[: found.start()] + '<code class="nb-numbered">' + body + "</code>"
            + highlighted[found.end():])


def long_text(text: str, limit: int, escape: Callable[[str], str]) -> str:
    """A text output's `<pre>`; past `limit` lines, its head and tail with the middle one click
    away (a `<details>`: no script needed)."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    if len(lines) <= limit:
        return f"<pre>{escape(text)}</pre>"
    keep = min(LONG_OUTPUT_KEEP, max(1, limit // 2))
    head, middle, tail = lines[:keep], lines[keep:-keep], lines[-keep:]
    return (f'<pre class="nb-head">{escape(chr(10).join(head))}</pre>'
            f'<details class="nb-more"><summary>Show {len(middle)} more lines</summary>'
            f"<pre>{escape(chr(10).join(middle))}</pre></details>"
            f'<pre class="nb-tail">{escape(chr(10).join(tail))}</pre>')


def figure_html(image: str, label: str, caption: str) -> str:
    """An image output, in a `<figure>` when it has a label or a caption."""
    if not label and not caption:
        return image
    anchor = f' id="{html.escape(label)}"' if label else ""
    text = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f"<figure{anchor}>{image}{text}</figure>"


class Figures:
    """A cell's Quarto figure options, handed out to its image outputs in order: the label goes
    on the first figure, captions and alt texts one per image (a single one to the first).
    `twins`: each image is shown with the dark twin its output holds (dark_figures.py), unless
    the cell pairs its own renderings."""

    def __init__(self, options: CellOptions, twins: bool = False) -> None:
        self.label, self.captions, self.alts = options.label, options.captions, options.alts
        self.paired = options.renderings  # two images, light then dark, are one figure
        self.twins = twins and not self.paired
        self.count = 0

    def take(self) -> tuple[str, str, str | None, str]:
        """(id, caption, alt text or None, scheme class) for the next image."""
        index, self.count = self.count, self.count + 1
        scheme = ""
        if self.paired and index < 2:
            index, scheme = 0, "nb-dark" if index else "nb-light"
        return (
            self.label if self.count == 1 else "",
            self.captions[index] if index < len(self.captions) else "",
            self.alts[index] if index < len(self.alts) else None,
            scheme,
        )


def collapse_carriage_returns(text: str) -> str:
    """What a terminal would show for progress bars that redraw with '\\r'."""
    if "\r" not in text:
        return text
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n"))
