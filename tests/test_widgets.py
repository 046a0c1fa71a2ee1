"""Widgets saved with their state, unit by unit: the saved state read, pruned to what views need,
the view markup and the page's state script. On tests/fixtures/widgets/notebooks/tuning.ipynb,
run by a real kernel with its widget state stored (see make_fixture.py there), and copies of it
changed the ways real notebooks differ (saved without the state, an older state version)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from generator.content.highlight import highlight_code
from generator.notebooks.interactive import libraries_digest
from generator.notebooks.to_html import render_notebook
from generator.notebooks.widgets import (
    BUNDLE,
    BUNDLE_VERSION,
    ICON_FONT,
    ICON_FONT_NAME,
    STATE_MIME,
    VIEW_MIME,
    SavedWidgets,
    page_state,
    referenced_models,
    saved_widgets,
    widget_view,
)

NOTEBOOK = Path(__file__).parent / "fixtures" / "widgets" / "notebooks" / "tuning.ipynb"
VENDOR = Path(__file__).parent.parent / "generator" / "notebooks" / "vendor"


@pytest.fixture(scope="module")
def notebook() -> dict:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))


def view_of(notebook: dict, cell: int) -> dict:
    """The widget-view bundle of a code cell's one output."""
    return notebook["cells"][cell]["outputs"][0]["data"]


def models_named(models: dict, ids: list[str]) -> list[str]:
    return sorted(models[model_id]["model_name"] for model_id in ids)


def render(notebook: dict):
    return render_notebook(notebook, markdown=lambda text: f"<p>{text}</p>", highlight=highlight_code)


def test_the_saved_state_is_read_with_every_model(notebook: dict) -> None:
    saved = saved_widgets(notebook)
    assert saved.problem == ""
    assert saved.models == notebook["metadata"]["widgets"][STATE_MIME]["state"]
    assert "FloatTextModel" in models_named(saved.models, list(saved.models))  # made but never shown


def test_a_view_needs_its_model_and_what_it_references_and_nothing_else(notebook: dict) -> None:
    models = saved_widgets(notebook).models
    slider = view_of(notebook, 1)[VIEW_MIME]["model_id"]
    box = view_of(notebook, 2)[VIEW_MIME]["model_id"]
    assert models_named(models, list(referenced_models(models, [slider]))) == [
        "IntSliderModel", "LayoutModel", "SliderStyleModel"]
    both = referenced_models(models, [box, slider])
    assert models_named(models, list(both)) == [
        "CheckboxModel", "CheckboxStyleModel", "DescriptionStyleModel", "DropdownModel", "IntSliderModel",
        "LayoutModel", "LayoutModel", "LayoutModel", "LayoutModel", "SliderStyleModel", "VBoxModel"]
    assert list(both) == sorted(both)  # the same bytes every build
    assert referenced_models(models, ["not-saved"]) == {}
    output = view_of(notebook, 5)[VIEW_MIME]["model_id"]  # an Output widget showing a progress bar
    assert models_named(models, list(referenced_models(models, [output]))) == [
        "IntProgressModel", "LayoutModel", "LayoutModel", "OutputModel", "ProgressStyleModel"]


def test_a_view_is_nbconverts_markup_over_its_fallback(notebook: dict) -> None:
    data = view_of(notebook, 1)
    model_id = data[VIEW_MIME]["model_id"]
    drawn = widget_view(data, "<pre>IntSlider(value=3)</pre>", saved_widgets(notebook))
    assert drawn is not None and drawn.problem == ""
    [(name, code)] = drawn.files.items()
    assert code == (VENDOR / BUNDLE).read_bytes()
    assert name.startswith("nb-widgets-") and name.endswith(".js")
    assert drawn.html == (
        f'<div class="nb-widget" data-nb-script="{name}">'
        f'<script type="application/vnd.jupyter.widget-view+json">'
        f'{{"model_id":"{model_id}","version_major":2,"version_minor":0}}</script>'
        '<div class="nb-fallback"><pre>IntSlider(value=3)</pre></div></div>')
    assert widget_view({"text/plain": "3"}, "<pre>3</pre>", saved_widgets(notebook)) is None


def test_a_view_without_its_saved_model_keeps_its_fallback(notebook: dict) -> None:
    unsaved = copy.deepcopy(notebook)
    del unsaved["metadata"]["widgets"]  # saved without "Save Widget State Automatically"
    drawn = widget_view(view_of(unsaved, 1), "<pre>IntSlider(value=3)</pre>", saved_widgets(unsaved))
    assert drawn is not None and drawn.files == {}
    assert drawn.html == "<pre>IntSlider(value=3)</pre>"
    assert drawn.problem == ("a widget is shown as its static fallback: its model is not in the notebook's saved "
                             'widget state (save the notebook with "Save Widget State Automatically" on)')


def test_a_state_of_another_version_keeps_every_fallback(notebook: dict) -> None:
    old = copy.deepcopy(notebook)
    old["metadata"]["widgets"][STATE_MIME].update(version_major=1, version_minor=1)
    saved = saved_widgets(old)
    assert saved.models == {}
    drawn = widget_view(view_of(old, 1), "<pre>x</pre>", saved)
    assert drawn is not None and drawn.html == "<pre>x</pre>"
    assert drawn.problem == ("a widget is shown as its static fallback: the notebook's widget state is version 1.1; "
                             "journey draws version 2 (saved by ipywidgets 7 and 8), "
                             "so re-save the notebook with a current ipywidgets")


def test_a_widget_that_needs_another_library_keeps_its_fallback(notebook: dict) -> None:
    third_party = copy.deepcopy(notebook)
    models = third_party["metadata"]["widgets"][STATE_MIME]["state"]
    box = view_of(third_party, 2)[VIEW_MIME]["model_id"]
    child = models[box]["state"]["children"][0].removeprefix("IPY_MODEL_")
    models[child]["state"]["_view_module"] = "bqplot"  # a child drawn by another library's JavaScript
    drawn = widget_view(view_of(third_party, 2), "<pre>VBox()</pre>", saved_widgets(third_party))
    assert drawn is not None and drawn.html == "<pre>VBox()</pre>" and drawn.files == {}
    assert drawn.problem == ("a widget is shown as its static fallback: it needs bqplot, which journey cannot draw "
                             "offline (it draws the built-in ipywidgets controls)")
    assert widget_view(view_of(third_party, 1), "", saved_widgets(third_party)).problem == ""  # the slider still is


def test_a_view_that_is_not_a_view_keeps_its_fallback(notebook: dict) -> None:
    saved = saved_widgets(notebook)
    for view in ([1, 2], {"model_id": 7, "version_major": 2}, {"model_id": "x", "version_major": 3}):
        drawn = widget_view({VIEW_MIME: view}, "<pre>?</pre>", saved)
        assert drawn is not None and drawn.html == "<pre>?</pre>"
        assert drawn.problem == ("a widget is shown as its static fallback: "
                                 "its view is not a version 2 widget view with a model id")


def test_a_state_that_is_not_models_keeps_every_fallback() -> None:
    saved = saved_widgets({"metadata": {"widgets": {STATE_MIME: {"version_major": 2, "version_minor": 0,
                                                                 "state": {"a": {"model_name": "X"}}}}}})
    assert saved == SavedWidgets({}, "the notebook's widget state is not a map of models "
                                     "(model_name, model_module, model_module_version, state)")


def test_the_page_state_holds_only_the_views_models_and_cannot_end_its_script(notebook: dict) -> None:
    models = copy.deepcopy(saved_widgets(notebook).models)
    slider = view_of(notebook, 1)[VIEW_MIME]["model_id"]
    models[slider]["state"]["description"] = "</script><script>alert(1)</script>"
    view = widget_view(view_of(notebook, 1), "", SavedWidgets(models))
    assert view is not None
    state = page_state(f"<p>Before</p>{view.html}", models)
    assert state.startswith(f'<script type="{STATE_MIME}">') and state.endswith("</script>\n")
    body = state[len(f'<script type="{STATE_MIME}">'):-len("</script>\n")]
    assert "<" not in body
    parsed = json.loads(body)
    assert parsed["version_major"] == 2 and parsed["version_minor"] == 0
    assert parsed["state"] == referenced_models(models, [slider])
    assert parsed["state"][slider]["state"]["description"] == "</script><script>alert(1)</script>"
    assert page_state("<p>No widgets</p>", models) == ""
    broken = f'<script type="{VIEW_MIME}">{{not json</script><script type="{VIEW_MIME}">[1]</script>'
    assert page_state(broken, models) == ""  # a post's own raw HTML: ignored, never a crash


def test_a_link_is_kept_when_the_page_shows_both_its_ends(notebook: dict) -> None:
    saved = saved_widgets(notebook)
    slider, play = (widget_view(view_of(notebook, cell), "", saved) for cell in (1, 3))
    assert slider is not None and play is not None

    def names(page_html: str) -> list[str]:
        state = json.loads(page_html[page_html.index(">") + 1:page_html.rindex("</script>")])["state"]
        return sorted(model["model_name"] for model in state.values())

    assert "LinkModel" in names(page_state(slider.html + play.html, saved.models))
    assert "LinkModel" not in names(page_state(slider.html, saved.models))
    assert "LinkModel" not in names(page_state(play.html, saved.models))


def test_the_icon_font_goes_only_with_views_that_draw_icons(notebook: dict) -> None:
    saved = saved_widgets(notebook)
    slider, play = (widget_view(view_of(notebook, cell), "", saved) for cell in (1, 3))
    assert slider is not None and play is not None
    assert ICON_FONT_NAME not in slider.files
    assert play.files[ICON_FONT_NAME] == (VENDOR / ICON_FONT).read_bytes()


def test_a_notebook_renders_each_view_and_keeps_its_models(notebook: dict) -> None:
    rendered = render(notebook)
    assert rendered.html.count('<div class="nb-output-item nb-chart"><div class="nb-widget"') == 4
    assert "IntSlider(value=3, description='Epochs', max=10, min=1)" in rendered.html  # the fallback
    assert rendered.problems == ()
    assert rendered.widgets == saved_widgets(notebook).models
    assert [name for name, _ in rendered.files if name.startswith("nb-widgets-")] != []


def test_a_notebook_saved_without_state_names_each_widget_cell(notebook: dict) -> None:
    unsaved = copy.deepcopy(notebook)
    del unsaved["metadata"]["widgets"]
    rendered = render(unsaved)
    assert 'class="nb-widget"' not in rendered.html and rendered.files == ()
    assert [(cell, line) for cell, line, _ in rendered.problems] == [(2, 1), (3, 1), (4, 1), (6, 1)]


def test_the_bundle_version_is_in_what_pages_depend_on() -> None:
    assert libraries_digest().endswith(f"html-manager {BUNDLE_VERSION}")
    package = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert f"@jupyter-widgets/html-manager@{BUNDLE_VERSION}" in package
