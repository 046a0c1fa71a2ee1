"""Notebook rendering: an executed notebook → an embeddable HTML fragment, images as files.

Not nbconvert's full page: no nbconvert CSS, no require.js, no CDN. Code uses the same Pygments
classes as Markdown code (`<div class="highlight">`); ANSI colours in streams and tracebacks go
through `ansi.py` (nbconvert's `ansi2html`, ported: classes `ansi-red-fg`, `ansi-bold`, …). Class names the
theme styles:

    div.nb-notebook                      one rendered notebook
      div.nb-cell.nb-code#cell-<id>      a code cell (nb-markdown / nb-raw for the others)
        div.nb-input                     highlighted source; details.nb-input when hide-input
        div.nb-output                    its outputs; details.nb-output when hide-output
          div.nb-output-item.nb-stream.nb-stdout / .nb-stderr   <pre> text
          div.nb-output-item.nb-error                            <pre> traceback
          div.nb-output-item.nb-html / .nb-image / .nb-markdown / .nb-math / .nb-text
    details > summary                    "Show code" / "Show output", one click to open

Tags: remove-input, remove-output, remove-cell, hide-input, hide-output (and Jupyter's
`source_hidden` / `outputs_hidden`); the papermill `injected-parameters` cell is never shown.
fastpages' comment directives and Quarto's `#|` options at the top of a code cell
(conventions.cell_options) do the same and more (open folds, figures with captions); their
lines never show. Images that Markdown cells link to are copied like output images.
Outputs of the journey value MIME type (generator.glue) are collected, never shown. Plotly and
Vega-Lite/Vega outputs are drawn by their own scripts over their static fallback (interactive.py,
div.nb-output-item.nb-chart > div.nb-interactive), widgets with saved state likewise (widgets.py,
div.nb-output-item.nb-chart > div.nb-widget); other outputs that need JavaScript (`<script>` in
HTML) fall back to their static image or text. Images become `nb-<sha256[:16]>.<ext>` files
referenced relatively, each linked to itself (output_images.py); one output as HTML is
outputs_html.py. Folds, long cells, numbered lines and long text outputs: presentation.py.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .conventions import CellOptions, cell_options
from .dark_figures import wanted
from .nbtext import source_text
from .output_images import with_attachments
from .outputs_html import RenderContext, outputs_html
from .presentation import (
    LINE_NUMBERS_TAG,
    Figures,
    Presentation,
    cell_fold,
    code_block,
)
from .widgets import saved_widgets

HIDDEN_TAGS = {"injected-parameters", "papermill-error-cell-tag"}


@dataclass(frozen=True)
class RenderedCell:
    id: str
    tags: frozenset[str]
    html: str  # as shown in the whole-notebook flow ('' when removed)
    cell_html: str  # placed with {{< cell >}}: input and outputs, its tags except remove-cell
    output_html: str  # placed with {{< output >}}: outputs only


@dataclass(frozen=True)
class RenderedNotebook:
    html: str
    cells: tuple[RenderedCell, ...]
    files: tuple[tuple[str, bytes], ...]  # (nb-<hash>.<ext>, bytes), sorted
    values: dict[str, Any] = field(hash=False, compare=False)
    problems: tuple[tuple[int, int, str], ...] = ()  # (cell number, line in the cell, message)
    widgets: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)  # saved models by id


def render_notebook(
    nb: dict[str, Any],
    *,
    markdown: Callable[[str], str],
    highlight: Callable[[str, str], str],
    id_prefix: str = "",
    linked: dict[str, tuple[str, bytes]] | None = None,
    presentation: Presentation | None = None,
) -> RenderedNotebook:
    """Render every cell; `id_prefix` keeps cell ids unique when a post has several notebooks;
    `linked` names the copies of the images Markdown cells link to (linked_images.py);
    `presentation` is how code cells fold and long cells and outputs are cut."""
    language = nb.get("metadata", {}).get("language_info", {}).get("name") or "python"
    ctx = RenderContext(markdown, highlight, language, linked or {}, presentation or Presentation(), saved_widgets(nb))
    cells = []
    for number, cell in enumerate(nb.get("cells", []), start=1):
        tags = frozenset(cell.get("metadata", {}).get("tags", []))
        if tags & HIDDEN_TAGS:
            continue
        rendered = _render_cell(cell, number, tags, ctx, id_prefix)
        if rendered is not None:
            cells.append(rendered)
    body = "".join(c.html for c in cells)
    return RenderedNotebook(
        html=f'<div class="nb-notebook">\n{body}</div>\n',
        cells=tuple(cells),
        files=tuple(sorted(ctx.files.items())),
        values=ctx.values,
        problems=tuple(ctx.problems),
        widgets=ctx.widgets.models,
    )


def _render_cell(
    cell: dict[str, Any], number: int, tags: frozenset[str], ctx: RenderContext, id_prefix: str
) -> RenderedCell | None:
    cell_id = cell.get("id") or f"{number}"
    kind = cell.get("cell_type")
    anchor = f' id="{html.escape(id_prefix)}cell-{html.escape(cell_id)}"'
    if kind == "markdown":
        inner = ctx.markdown(with_attachments(cell, ctx.linked, ctx.files))
        return _cell(cell_id, tags, "nb-markdown", anchor, inner, inner, "")
    if kind == "raw":
        fmt = cell.get("metadata", {}).get("format") or cell.get("metadata", {}).get(
            "raw_mimetype", ""
        )
        inner = source_text(cell) if fmt == "text/html" else ""
        return _cell(cell_id, tags, "nb-raw", anchor, inner, inner, "") if inner else None
    if kind != "code":
        return None
    return _code_cell(cell, number, tags, ctx, cell_id, anchor)


def _code_cell(
    cell: dict[str, Any], number: int, tags: frozenset[str], ctx: RenderContext, cell_id: str, anchor: str
) -> RenderedCell | None:
    """A code cell as its tags, directives and `#|` options ask (conventions.cell_options)."""
    options = cell_options(source_text(cell))
    ctx.problems += [(number, line, message) for line, message in options.problems]
    source = options.source
    figures = Figures(options, twins=wanted(ctx.presentation.dark_figures, options.dark_figure, tags))
    # Outputs of a hidden cell are still read: a value it publishes is placed in prose.
    outputs = "" if options.no_eval else outputs_html(cell.get("outputs", []), number, ctx, figures)
    if not source.strip() and not outputs:
        return None
    meta_hidden = cell.get("metadata", {}).get("jupyter", {})
    fold = cell_fold(tags, options.fold_input, "hide-input" in tags or meta_hidden.get("source_hidden", False),
                     ctx.presentation.code_fold)
    hide_output = "hide-output" in tags or meta_hidden.get("outputs_hidden", False) or options.fold_output
    label = options.summary or "Show code"
    parts_in = (
        ""
        if "remove-input" in tags or options.remove_input or not source.strip()
        else _block("nb-input", _code(source, tags, options, ctx), fold == "hide", label, opened=fold == "show")
    )
    parts_out = (
        ""
        if "remove-output" in tags or options.remove_output or not outputs
        else _block("nb-output", outputs, hide_output, "Show output")
    )
    if options.label and not figures.count and parts_out:  # a label without a figure: on the outputs
        parts_out = parts_out.replace('class="nb-output"', f'class="nb-output" id="{html.escape(options.label)}"', 1)
    flow = "" if options.remove_cell else parts_in + parts_out
    return _cell(
        cell_id,
        tags,
        "nb-code",
        anchor,
        flow,
        parts_in + parts_out,
        _block("nb-output", outputs, hide_output, "Show output") if outputs else "",
    )


def _code(source: str, tags: frozenset[str], options: CellOptions, ctx: RenderContext) -> str:
    numbered = options.line_numbers or LINE_NUMBERS_TAG in tags
    return code_block(ctx.highlight(source, ctx.language), source, numbered, ctx.presentation.code_lines)


def _cell(
    cell_id: str, tags: frozenset[str], kind: str, anchor: str, flow: str, placed: str, outputs: str
) -> RenderedCell:
    shown = (
        ""
        if "remove-cell" in tags or not flow
        else f'<div class="nb-cell {kind}"{anchor}>\n{flow}</div>\n'
    )
    placed_html = f'<div class="nb-cell {kind}">\n{placed}</div>\n' if placed else ""
    return RenderedCell(cell_id, tags, shown, placed_html, outputs)


def _block(cls: str, inner: str, hidden: bool, label: str, *, opened: bool = False) -> str:
    if hidden or opened:
        state = " open" if opened and not hidden else ""
        return f'<details class="{cls}"{state}>\n<summary>{html.escape(label)}</summary>\n{inner}</details>\n'
    return f'<div class="{cls}">\n{inner}</div>\n'
