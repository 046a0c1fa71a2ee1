"""Interactive notebook outputs, offline: Plotly and Vega-Lite/Vega charts drawn in the page by
their own JavaScript, copied beside the page (never a CDN) and only for pages that show one.

An output becomes `div.nb-interactive[data-nb-kind][data-nb-scripts]` holding its spec as JSON
and its static fallback (the image or text the notebook also saved), which stays for readers
without JavaScript; the theme's interactive.js loads the scripts and draws the chart over it.
Plotly's bundle comes from the installed `plotly` package; Vega's are vendored (vendor/README.md).
"""

from __future__ import annotations

import hashlib
import json
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
}
_SCRIPTS = {"plotly": ("plotly",), "vega-lite": ("vega", "vega-lite", "vega-embed"), "vega": ("vega", "vega-embed")}


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
    scripts = [(name, _script(name)) for name in _SCRIPTS[kind]]
    missing = [name for name, code in scripts if code is None]
    if missing:
        return Interactive(fallback, {}, f"a {kind} chart is shown as its static fallback: "
                                         "its JavaScript comes from the 'plotly' package, which is not installed")
    files = {f"nb-{name}-{hashlib.sha256(code).hexdigest()[:16]}.js": code for name, code in scripts if code}
    spec = json.dumps(data[mime], sort_keys=True, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")
    fallback = fallback or f'<p class="nb-no-script">An interactive {kind} chart: it needs JavaScript.</p>'
    html = (f'<div class="nb-interactive" data-nb-kind="{kind}" data-nb-scripts="{" ".join(files)}">'
            f'<script type="application/json">{spec}</script>'
            f'<div class="nb-fallback">{fallback}</div></div>')
    return Interactive(html, files)


def libraries_digest() -> str:
    """What the scripts copied beside a page are a function of: the installed plotly's version
    (the vendored files are journey's own code)."""
    return _plotly_version()


@cache
def _plotly_version() -> str:
    try:
        return metadata.version("plotly")
    except metadata.PackageNotFoundError:
        return ""


@cache
def _script(name: str) -> bytes | None:
    if name != "plotly":
        return (VENDOR / f"{name}.min.js").read_bytes()
    found = find_spec("plotly")  # where the package is, without importing it
    bundle = Path(found.origin).parent / "package_data" / "plotly.min.js" if found and found.origin else None
    return bundle.read_bytes() if bundle is not None and bundle.is_file() else None
