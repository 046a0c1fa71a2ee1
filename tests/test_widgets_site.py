"""Widgets saved with their state, in a built site and in Chromium: tests/fixtures/widgets built once
through the CLI, with two copies of its notebook changed as real notebooks differ (saved without
the widget state; a state version older than ipywidgets 7's), served over HTTP under /repo/ with every other
host blocked. A screenshot goes to test-artifacts/widgets-<scheme>.png."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import make_blog, post, run_journey

from generator.notebooks.widgets import BUNDLE, ICON_FONT_NAME, STATE_MIME
from tests.browser_support import ARTIFACTS, AXE, BASE_PATH, chromium, offline, serve

pytestmark = pytest.mark.timeout(300)

FIXTURE = Path(__file__).parent / "fixtures" / "widgets"
VENDOR = Path(__file__).parent.parent / "generator" / "notebooks" / "vendor"
STATE = re.compile(rf'<script type="{re.escape(STATE_MIME)}">(.*?)</script>', re.DOTALL)


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The fixture blog and two posts of changed copies of its notebook, built once: (root, stderr)."""
    root = tmp_path_factory.mktemp("widgets") / "blog"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("make_fixture.py", "site", ".journey-cache"))
    saved = json.loads((root / "notebooks" / "tuning.ipynb").read_text(encoding="utf-8"))
    unsaved = {**saved, "metadata": {k: v for k, v in saved["metadata"].items() if k != "widgets"}}
    old = json.loads(json.dumps(saved))
    old["metadata"]["widgets"][STATE_MIME].update(version_major=1, version_minor=0)
    make_blog(root, {
        "notebooks/unsaved.ipynb": json.dumps(unsaved),
        "notebooks/old-state.ipynb": json.dumps(old),
        "posts/2025-12-13-unsaved.md": post("Saved without state", "2025-12-13",
                                            notebook="notebooks/unsaved.ipynb", freeze="saved"),
        "posts/2025-12-14-old-state.md": post("An old state", "2025-12-14",
                                              notebook="notebooks/old-state.ipynb", freeze="saved"),
    })
    status, _, stderr = run_journey("build", cwd=root)
    assert status == 0, stderr
    return root, stderr


def page(root: Path, name: str) -> str:
    return (root / "site" / "posts" / name / "index.html").read_text(encoding="utf-8")


def test_a_view_without_a_drawable_state_is_a_warning_naming_its_cell(blog: tuple[Path, str]) -> None:
    _, stderr = blog
    missing = ("a widget is shown as its static fallback: its model is not in the notebook's saved widget state "
               '(save the notebook with "Save Widget State Automatically" on)')
    old = ("a widget is shown as its static fallback: the notebook's widget state is version 1.0; journey draws "
           "version 2 (saved by ipywidgets 7 and 8), so re-save the notebook with a current ipywidgets")
    assert sorted(line for line in stderr.splitlines() if ": warning: " in line) == [
        f"notebooks/old-state.ipynb:1:1: warning: {old} (cell 2)",
        f"notebooks/old-state.ipynb:1:1: warning: {old} (cell 3)",
        f"notebooks/old-state.ipynb:1:1: warning: {old} (cell 4)",
        f"notebooks/old-state.ipynb:1:1: warning: {old} (cell 6)",
        f"notebooks/unsaved.ipynb:1:1: warning: {missing} (cell 2)",
        f"notebooks/unsaved.ipynb:1:1: warning: {missing} (cell 3)",
        f"notebooks/unsaved.ipynb:1:1: warning: {missing} (cell 4)",
        f"notebooks/unsaved.ipynb:1:1: warning: {missing} (cell 6)",
    ]


def test_the_fallback_pages_load_no_widget_code(blog: tuple[Path, str]) -> None:
    root, _ = blog
    for name in ("unsaved", "old-state"):
        shown = page(root, name)
        assert "IntSlider(value=3, description='Epochs', max=10, min=1)" in shown
        assert 'class="nb-widget"' not in shown and STATE_MIME not in shown and "widgets." not in shown
        assert not list((root / "site" / "posts" / name).glob("nb-widgets-*.js"))


def test_each_page_holds_only_the_models_its_views_show(blog: tuple[Path, str]) -> None:
    root, _ = blog
    names = {}
    for name in ("tuning-by-hand", "one-slider"):
        [state] = STATE.findall(page(root, name))
        names[name] = sorted(model["model_name"] for model in json.loads(state)["state"].values())
    assert names["one-slider"] == ["IntSliderModel", "LayoutModel", "SliderStyleModel"]
    assert {"VBoxModel", "PlayModel", "LinkModel"} <= set(names["tuning-by-hand"])
    assert "FloatTextModel" not in names["tuning-by-hand"]


def test_the_bundle_is_copied_beside_widget_pages_only(blog: tuple[Path, str]) -> None:
    root, _ = blog
    [bundle] = (root / "site" / "posts" / "tuning-by-hand").glob("nb-widgets-*.js")
    assert bundle.read_bytes() == (VENDOR / BUNDLE).read_bytes()
    assert f'data-nb-script="{bundle.name}"' in page(root, "tuning-by-hand")
    assert re.search(r'<script src="/repo/assets/widgets\.[0-9a-f]+\.js" defer>', page(root, "one-slider"))
    plain = page(root, "no-widgets")
    assert "widgets." not in plain and "nb-widget" not in plain
    assert not list((root / "site" / "posts" / "no-widgets").glob("nb-widgets-*.js"))
    assert (root / "site" / "posts" / "tuning-by-hand" / ICON_FONT_NAME).is_file()  # Play's icons
    # With the notebook's other files: a page placing only the slider's cell has it too.
    assert not (root / "site" / "posts" / "unsaved" / ICON_FONT_NAME).exists()


@pytest.fixture(scope="module")
def origin(blog: tuple[Path, str]) -> Iterator[str]:
    with serve(blog[0] / "site") as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as opened:
        yield opened


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_controls_are_drawn_from_the_saved_state_offline_and_axe_is_clean(
    browser: Any, origin: str, scheme: str
) -> None:
    if not AXE.is_file():
        pytest.fail("axe-core is missing: npm install --no-save --no-package-lock axe-core@4.10.3")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    asked = offline(context, origin).asked
    tab = context.new_page()
    failed: list[str] = []
    tab.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    tab.goto(f"{origin}{BASE_PATH}posts/tuning-by-hand/")
    tab.wait_for_selector(".nb-widget.nb-live .widget-slider [role=slider]", timeout=30_000)
    tab.wait_for_selector(".nb-widget.nb-live .widget-dropdown select", timeout=30_000)
    tab.wait_for_selector(".nb-widget.nb-live .widget-output .widget-hprogress .progress-bar", timeout=30_000)  # inside Output
    slider = tab.locator(".widget-slider [role=slider]")
    assert slider.get_attribute("aria-valuenow") == "3.0"  # the saved value, not the widget's default
    assert slider.get_attribute("aria-label") == "Epochs"
    assert tab.locator(".widget-dropdown select").input_value() == "adam"
    assert tab.locator(".widget-checkbox input").is_checked()
    assert tab.locator(".nb-widget.nb-live > .nb-fallback").first.is_hidden()
    assert tab.locator('.nb-widget [title="null"]').count() == 0
    slider.focus()
    tab.keyboard.press("ArrowRight")  # it is a live control: the readout follows
    tab.wait_for_function("document.querySelector('.widget-slider .widget-readout').textContent.trim() === '4'")
    tab.locator(".widget-play button").first.click()  # Play, linked to the slider in the page
    tab.wait_for_function("+document.querySelector('.widget-slider .widget-readout').textContent >= 6")
    assert tab.evaluate("[...document.fonts].some(f => f.family.includes('Font Awesome 5 Free') "
                        "&& f.weight === '900' && f.status === 'loaded')")  # the icons' font, beside the page
    assert [b.get_attribute("aria-label") for b in tab.locator(".widget-play button").all()] == [
        "play", "stop", "repeat"]
    tab.add_script_tag(path=str(AXE))
    result = tab.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert [f"{v['id']}: {node['target']}" for v in result["violations"] if v["impact"] in ("serious", "critical")
            for node in v["nodes"]] == []
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"widgets-{scheme}.png"), full_page=True)
    tab.set_viewport_size({"width": 390, "height": 844})  # a phone: the controls fit the column
    tab.wait_for_timeout(200)
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    assert [url for url in asked if not url.startswith("http://127.0.0.1:")] == []
    assert failed == []  # nothing the bundle asks for beside the page is missing
    assert any(re.search(r"/posts/tuning-by-hand/nb-widgets-[0-9a-f]{16}\.js$", url) for url in asked)
    context.close()
