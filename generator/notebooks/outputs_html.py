"""A code cell's outputs as HTML: for each output the richest MIME type that works offline (a
chart or widget drawn by its own script over its static fallback), streams and tracebacks with
their ANSI colours, images as files beside the page (output_images.py), published values
collected and never shown."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..glue import VALUE_MIME
from .conventions import CellOptions
from .dark_figures import twin_of
from .interactive import Interactive, interactive_output
from .nbtext import joined as _text
from .output_cap import capped_text
from .output_images import IMAGE_TYPES, image_html, twins_html
from .presentation import Figures, Presentation, collapse_carriage_returns, figure_html, long_text
from .widgets import SavedWidgets, widget_view

ORDER = (
    "text/html",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/markdown",
    "text/latex",
    "text/plain",
)
SCRIPTED = (
    "application/javascript",
    "application/vnd.jupyter.widget-view+json",
    "application/vnd.plotly.v1+json",
    "application/vnd.bokehjs_exec.v0+json",
)
_PANDAS_STYLE = re.compile(r"<style scoped>.*?</style>\s*", re.DOTALL)
_OBSOLETE = re.compile(r'\s(?:valign|halign)="[^"]*"')


@dataclass
class RenderContext:
    """One notebook's rendering: how it renders Markdown and code, and what its cells and outputs
    add (image files, published values, problems)."""

    markdown: Callable[[str], str]
    highlight: Callable[[str, str], str]
    language: str
    linked: dict[str, tuple[str, bytes]]  # image link in a Markdown cell → (file name, bytes)
    presentation: Presentation
    widgets: SavedWidgets
    files: dict[str, bytes] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[int, int, str]] = field(default_factory=list)


def outputs_html(outputs: list[dict[str, Any]], number: int, ctx: RenderContext, figures: Figures | None = None) -> str:
    figures = figures or Figures(CellOptions(""))
    outputs, note = capped_text(outputs)
    if note:
        ctx.problems.append((number, 0, note))
    return "".join(_output(output, number, ctx, figures) for output in outputs)


def _output(output: dict[str, Any], number: int, ctx: RenderContext, figures: Figures) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        name = output.get("name", "stdout")
        text = collapse_carriage_returns(_text(output.get("text", "")))
        return _item(f"nb-stream nb-{name}", long_text(text, ctx.presentation.output_lines, _ansi))
    if kind == "error":
        return _item("nb-error", f"<pre>{_ansi(chr(10).join(output.get('traceback', [])))}</pre>")
    if kind not in ("display_data", "execute_result"):
        return ""
    data = output.get("data", {})
    if VALUE_MIME in data:
        value = data[VALUE_MIME]
        ctx.values[str(value.get("name"))] = value.get("value")
        return ""
    mime = _choose(data)
    shown = _render_mime(mime, data, output.get("metadata", {}), number, ctx, figures) if mime else ""
    live = _drawn_by_script(data, shown, ctx)
    if live is None:
        return shown
    ctx.files.update(live.files)
    ctx.problems += [(number, 1, live.problem)] if live.problem else []
    return _item("nb-chart", live.html)


def _drawn_by_script(data: dict[str, Any], shown: str, ctx: RenderContext) -> Interactive | None:
    """A chart or a widget drawn in the page over its fallback; None for an output shown as it is."""
    widget = widget_view(data, shown, ctx.widgets)
    return widget if widget is not None else interactive_output(data, shown)


def _choose(data: dict[str, Any]) -> str | None:
    """The richest MIME type that works offline: no script-driven output, its static fallback."""
    scripted = (
        any(m in data for m in SCRIPTED) or "<script" in _text(data.get("text/html", "")).lower()
    )
    for mime in ORDER:
        if mime in data and not (scripted and mime == "text/html"):
            return mime
    return None


def _render_mime(
    mime: str, data: dict[str, Any], meta: dict[str, Any], number: int, ctx: RenderContext, figures: Figures
) -> str:
    value = _text(data[mime]) if mime != "image/png" and mime != "image/jpeg" else data[mime]
    if mime == "text/html":
        return _item(
            "nb-html",
            # pandas writes presentational HTML the Nu checker calls obsolete; the theme styles tables.
            _OBSOLETE.sub("", _PANDAS_STYLE.sub("", value)).replace(
                ' border="1" class="dataframe"', ' class="dataframe"'
            ),
        )
    if mime in IMAGE_TYPES:
        label, caption, alt, scheme = figures.take()
        twin = twin_of(data, mime) if figures.twins else None
        image_meta = meta.get(mime, {})
        image = (image_html(mime, value, data, image_meta, number, ctx.files, ctx.problems, alt, scheme) if twin is None
                 else twins_html(mime, value, twin, data, image_meta, number, ctx.files, ctx.problems, alt))
        return _item("nb-image", figure_html(image, label, caption))
    if mime == "text/markdown":
        return _item("nb-markdown", ctx.markdown(value))
    if mime == "text/latex":
        return _item("nb-math", _latex(value))
    return _item("nb-text", f"<pre>{_ansi(value)}</pre>")


def _latex(source: str) -> str:
    from latex2mathml.converter import convert

    text = source.strip()
    for start, end in (("$$", "$$"), ("\\[", "\\]"), ("$", "$"), ("\\(", "\\)")):
        if text.startswith(start) and text.endswith(end) and len(text) > len(start) + len(end):
            text = text[len(start) : -len(end)].strip()
            break
    try:
        return convert(text, display="block")
    except Exception:  # noqa: BLE001 - latex2mathml raises many types; show the source instead
        return f"<pre>{html.escape(source)}</pre>"


def _item(cls: str, inner: str) -> str:
    return f'<div class="nb-output-item {cls}">{inner}</div>\n'


def _ansi(text: str) -> str:
    if "\x1b[" not in text:
        return html.escape(text, quote=False)
    from .ansi import ansi_to_html  # only for coloured text

    return ansi_to_html(text)
