"""Jupyter widgets saved with their state, drawn offline by the @jupyter-widgets/html-manager
embed bundle (vendored, vendor/README.md), copied beside the page and loaded only where a widget is.

The markup is nbconvert's (its `lab` and `classic` templates): each view stays a
`<script type="application/vnd.jupyter.widget-view+json">` that the bundle replaces with the drawn
control, and the page holds one `<script type="application/vnd.jupyter.widget-state+json">` with
the models its views need, found from the views' ids through the `IPY_MODEL_<id>` references
(children, layout, style). A view is `div.nb-widget[data-nb-script]` around its view script and
its static fallback (the `text/plain` the notebook saved), which stays for readers without
JavaScript; the theme's widgets.js loads the bundle and hides the fallback once the control is
drawn. The bundle knows only the built-in controls and is never given a loader, so it never asks
a CDN for a third-party widget's code: such a view keeps its fallback.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..website.script_data import script_json
from .interactive import VENDOR, Interactive

STATE_MIME = "application/vnd.jupyter.widget-state+json"
VIEW_MIME = "application/vnd.jupyter.widget-view+json"
BUNDLE = "html-manager-embed.js"
BUNDLE_VERSION = "1.0.15"  # @jupyter-widgets/html-manager: widget state version 2 (ipywidgets 7, 8)
# Font Awesome 5's solid face, which icons (a button's `icon`, Play's buttons) are drawn in: the
# bundle asks for it beside itself, by the name its build gave it.
ICON_FONT, ICON_FONT_NAME = "fa-solid-900.woff2", "1551f4f60c37af51121f.woff2"
_LINKS = {"LinkModel", "DirectionalLinkModel"}  # jslink: kept when the page shows both ends
# What the bundle draws (ipywidgets 7's and 8's versions of each); any other module's code would be
# fetched from a CDN, and one model it cannot load stops every widget of the page being drawn.
BUILT_IN = ("@jupyter-widgets/base", "@jupyter-widgets/controls", "@jupyter-widgets/output")
_REFERENCE = "IPY_MODEL_"
_VIEWS = re.compile(rf'<script type="{re.escape(VIEW_MIME)}">(.*?)</script>', re.DOTALL)
_FALLBACK = "a widget is shown as its static fallback"


@dataclass(frozen=True)
class SavedWidgets:
    """A notebook's saved widget models, by model id, or why none of its widgets can be drawn."""

    models: Mapping[str, Any]
    problem: str = ""


def saved_widgets(nb: Mapping[str, Any]) -> SavedWidgets:
    """The widget state Jupyter's "Save Widget State Automatically" keeps in the notebook's metadata."""
    widgets = nb.get("metadata", {}).get("widgets")
    saved = widgets.get(STATE_MIME) if isinstance(widgets, dict) else None
    if saved is None:
        return SavedWidgets({})
    version = (saved.get("version_major"), saved.get("version_minor")) if isinstance(saved, dict) else (None, None)
    if version[0] != 2:
        shown = ".".join(str(part) for part in version if part is not None) or "unknown"
        return SavedWidgets({}, f"the notebook's widget state is version {shown}; journey draws version 2 "
                                "(saved by ipywidgets 7 and 8), so re-save the notebook with a current ipywidgets")
    state = saved.get("state")
    if not isinstance(state, dict) or not all(_is_model(model) for model in state.values()):
        return SavedWidgets({}, "the notebook's widget state is not a map of models "
                                "(model_name, model_module, model_module_version, state)")
    return SavedWidgets(state)


def widget_view(data: Mapping[str, Any], fallback: str, saved: SavedWidgets) -> Interactive | None:
    """An output with a widget view as the control drawn from the saved state over its fallback;
    None for any other output."""
    view = data.get(VIEW_MIME)
    if view is None:
        return None
    model_id = view.get("model_id") if isinstance(view, dict) else None
    if saved.problem:
        return Interactive(fallback, {}, f"{_FALLBACK}: {saved.problem}")
    if not isinstance(model_id, str) or view.get("version_major") != 2:
        return Interactive(fallback, {}, f"{_FALLBACK}: its view is not a version 2 widget view with a model id")
    if model_id not in saved.models:
        return Interactive(fallback, {}, f"{_FALLBACK}: its model is not in the notebook's saved widget state "
                                         '(save the notebook with "Save Widget State Automatically" on)')
    needed = referenced_models(saved.models, [model_id]).values()
    foreign = sorted({module for model in needed for module in _modules(model)} - set(BUILT_IN))
    if foreign:
        return Interactive(fallback, {}, f"{_FALLBACK}: it needs {', '.join(foreign)}, which journey cannot draw "
                                         "offline (it draws the built-in ipywidgets controls)")
    name = _bundle_name()
    files = {name: _vendored(BUNDLE)}
    if _uses_icons(needed):
        files[ICON_FONT_NAME] = _vendored(ICON_FONT)
    fallback = fallback or '<p class="nb-no-script">An interactive widget: it needs JavaScript.</p>'
    shown = {"model_id": model_id, "version_major": 2, "version_minor": 0}  # the bundle's schema: 2.0 only
    html = (f'<div class="nb-widget" data-nb-script="{name}">'
            f'<script type="{VIEW_MIME}">{script_json(shown)}</script>'
            f'<div class="nb-fallback">{fallback}</div></div>')
    return Interactive(html, files)


def page_state(page_html: str, models: Mapping[str, Any]) -> str:
    """The one widget-state script a page needs: the models its views show and those they
    reference, transitively, and the links between them; '' for a page without widget views."""
    needed = referenced_models(models, _shown_models(page_html))
    links = [model_id for model_id, model in models.items() if model.get("model_name") in _LINKS
             and set(_references(model.get("state"))) <= needed.keys()]
    needed = referenced_models(models, [*needed, *links])
    if not needed:
        return ""
    state = {"version_major": 2, "version_minor": 0, "state": needed}
    return f'<script type="{STATE_MIME}">{script_json(state)}</script>\n'


def _shown_models(page_html: str) -> list[str]:
    """The model ids of the widget views in a page (a post's own HTML may hold one that is not JSON)."""
    shown = []
    for found in _VIEWS.findall(page_html):
        try:
            view = json.loads(found)
        except json.JSONDecodeError:
            continue
        if isinstance(view, dict) and isinstance(view.get("model_id"), str):
            shown.append(view["model_id"])
    return shown


def referenced_models(models: Mapping[str, Any], model_ids: list[str]) -> dict[str, Any]:
    """The models named, and every model their state names as `IPY_MODEL_<id>`, by id."""
    found: dict[str, Any] = {}
    waiting = list(model_ids)
    while waiting:
        model_id = waiting.pop()
        if model_id in found or model_id not in models:
            continue
        found[model_id] = models[model_id]
        waiting += _references(models[model_id].get("state"))
    return dict(sorted(found.items()))


def _references(value: Any) -> list[str]:
    """The model ids a saved state names, in lists and dicts at any depth: as `IPY_MODEL_<id>`,
    or as a view among an Output widget's saved outputs."""
    if isinstance(value, str):
        return [value[len(_REFERENCE):]] if value.startswith(_REFERENCE) else []
    if isinstance(value, dict):
        view = value.get(VIEW_MIME)
        shown = [view["model_id"]] if isinstance(view, dict) and isinstance(view.get("model_id"), str) else []
        return shown + [found for item in value.values() for found in _references(item)]
    if isinstance(value, list):
        return [found for item in value for found in _references(item)]
    return []


def _modules(model: Mapping[str, Any]) -> list[str]:
    """The JavaScript modules a model and its view are loaded from."""
    return [module for module in (model["model_module"], model["state"].get("_view_module"))
            if isinstance(module, str) and module]


def _uses_icons(models: Any) -> bool:
    return any(model.get("model_name") == "PlayModel" or model["state"].get("icon") or model["state"].get("icons")
               for model in models)


def _is_model(model: Any) -> bool:
    return (isinstance(model, dict) and isinstance(model.get("state"), dict)
            and all(isinstance(model.get(key), str) for key in ("model_name", "model_module", "model_module_version")))


@cache
def _vendored(name: str) -> bytes:
    return (VENDOR / name).read_bytes()


@cache
def _bundle_name() -> str:
    return f"nb-widgets-{hashlib.sha256(_vendored(BUNDLE)).hexdigest()[:16]}.js"
