"""Interactive notebook outputs, offline: Plotly, Vega-Lite/Vega and Bokeh charts drawn in the page by
their own JavaScript, copied beside the page (never a CDN) and only for pages that show one.

An output becomes `div.nb-interactive[data-nb-kind][data-nb-scripts]` holding its spec as JSON
and its static fallback (the image or text the notebook also saved), which stays for readers
without JavaScript; the theme's interactive.js loads the scripts and draws the chart over it.
Plotly's and Bokeh's bundles come from their installed packages; Vega's are vendored
(vendor/README.md). A Bokeh plot is two outputs: its `<div>` (shown as HTML) and the script that
fills it, whose document JSON becomes the spec (the script itself never runs).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import Any

VENDOR = Path(__file__).parent / "vendor"
KINDS = {  # MIME type → the library that draws it
    "application/vnd.plotly.v1+json": "plotly",
    "application/vnd.vegalite.v6+json": "vega-lite",
    "application/vnd.vegalite.v5+json": "vega-lite",
    "application/vnd.vegalite.v4+json": "vega-lite",
    "application/vnd.vega.v6+json": "vega",
    "application/vnd.vega.v5+json": "vega",
    "application/vnd.bokehjs_exec.v0+json": "bokeh",
}
_PACKAGED = {"plotly": "plotly/package_data/plotly.min.js", "bokeh": "bokeh/server/static/js/bokeh.min.js"}
_BOKEH_ITEMS = re.compile(r"const docs_json = (\{.*?\});\s*const render_items = (\[.*?\]);", re.DOTALL)
_SCRIPTS = {"plotly": ("plotly",), "vega-lite": ("vega", "vega-lite", "vega-embed"), "vega": ("vega", "vega-embed"),
            "bokeh": ("bokeh",)}


@dataclass(frozen=True)
class Interactive:
    html: str
    files: dict[str, bytes]  # the libraries' scripts, by the file name the page loads them from
    problem: str = ""  # why the chart shows only its fallback ('' when it is drawn)


def interactive_output(data: dict[str, Any], fallback: str) -> Interactive | None:
    """An output bundle with a chart spec as a drawn chart over its fallback; None for any other output."""
    mime = next((m for m in KINDS if m in data), None)
    if mime is None:
        return None
    kind = KINDS[mime]
    spec = _bokeh_spec(data) if kind == "bokeh" else data[mime]
    if spec is None:
        return Interactive(fallback, {}, "a Bokeh output without its document is shown as its static fallback")
    scripts = [(name, _script(name)) for name in _SCRIPTS[kind]]
    missing = [name for name, code in scripts if code is None]
    if missing:
        return Interactive(fallback, {}, f"a {kind} chart is shown as its static fallback: "
                                         f"its JavaScript comes from the '{kind}' package, which is not installed")
    files = {f"nb-{name}-{hashlib.sha256(code).hexdigest()[:16]}.js": code for name, code in scripts if code}
    # As saved, in order: Bokeh reads its references in document order.
    spec = json.dumps(spec, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")
    fallback = fallback or f'<p class="nb-no-script">An interactive {kind} chart: it needs JavaScript.</p>'
    html = (f'<div class="nb-interactive" data-nb-kind="{kind}" data-nb-scripts="{" ".join(files)}">'
            f'<script type="application/json">{spec}</script>'
            f'<div class="nb-fallback">{fallback}</div></div>')
    return Interactive(html, files)


def _bokeh_spec(data: dict[str, Any]) -> dict[str, Any] | None:
    """The document and render items of a Bokeh `show()` script, as JSON values."""
    found = _BOKEH_ITEMS.search(str(data.get("application/javascript", "")))
    try:
        return {"docs_json": json.loads(found.group(1)), "render_items": json.loads(found.group(2))} if found else None
    except json.JSONDecodeError:
        return None


def libraries_digest() -> str:
    """What the scripts copied beside a page are a function of: the installed plotly's and
    bokeh's versions, and the vendored widget bundle's (the vendored files are journey's own code too)."""
    from .widgets import BUNDLE_VERSION  # widgets.py builds on this module

    return " ".join([*(_version(name) for name in sorted(_PACKAGED)), f"html-manager {BUNDLE_VERSION}"])


@cache
def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return ""


@cache
def _script(name: str) -> bytes | None:
    if name not in _PACKAGED:
        return (VENDOR / f"{name}.min.js").read_bytes()
    package, _, inside = _PACKAGED[name].partition("/")
    found = find_spec(package)  # where the package is, without importing it
    bundle = Path(found.origin).parent / inside if found and found.origin else None
    return bundle.read_bytes() if bundle is not None and bundle.is_file() else None
