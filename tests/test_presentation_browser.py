"""Notebook presentation in Chromium: tests/fixtures/presentation built once (its notebook run by
a real kernel), served over HTTP under /repo/ with every other host blocked, at 1280 and 390 px,
light and dark. Screenshots go to test-artifacts/presentation-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import ARTIFACTS, AXE, BASE_PATH, chromium, offline, serve

pytestmark = pytest.mark.timeout(300)

POST = "posts/a-notebook-that-reads-well/"
FOLDED = "posts/folded/"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def origin(presentation_blog: Path) -> Iterator[str]:
    """The fixture blog's site (see conftest.py), served; its pages link root-relative under /repo/."""
    with serve(presentation_blog / "site") as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as opened:
        yield opened


def open_page(browser: Any, origin: str, path: str, scheme: str = "light", size: str = "desktop",
              charts: bool = False) -> tuple[Any, list[str]]:
    """A page with only the test server reachable; the list collects every other host asked for.
    Without `charts`, the chart libraries are not served (5 MB of Plotly a test need not parse):
    the charts keep their static fallback."""
    context = browser.new_context(viewport=SIZES[size], color_scheme=scheme)
    requests = offline(context, origin,
                       refuse=lambda url: not charts and re.search(r"/nb-(plotly|vega|bokeh)[-\w]*\.js$", url) is not None)
    page = context.new_page()
    page.goto(f"{origin}{BASE_PATH}{path}")
    return page, requests.outside


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_charts_draw_offline_axe_is_clean_and_nothing_scrolls_sideways(browser: Any, origin: str, scheme: str) -> None:
    if not AXE.is_file():
        pytest.fail("axe-core is missing: npm install --no-save --no-package-lock axe-core@4.10.3")
    page, blocked = open_page(browser, origin, POST, scheme, charts=True)
    page.wait_for_selector('.nb-interactive[data-nb-kind="plotly"].nb-live .nb-drawn svg.main-svg', timeout=30_000)
    page.wait_for_selector('.nb-interactive[data-nb-kind="vega-lite"].nb-live .nb-drawn svg, '
                           '.nb-interactive[data-nb-kind="vega-lite"].nb-live .nb-drawn canvas', timeout=30_000)
    page.wait_for_selector('[data-root-id] canvas', timeout=30_000)  # Bokeh draws in its own <div>
    assert page.locator(".nb-interactive.nb-live > .nb-fallback").first.is_hidden()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert [f"{v['id']}: {node['target']}" for v in result["violations"] if v["impact"] in ("serious", "critical")
            for node in v["nodes"]] == []
    for img in page.locator("img").all():
        img.evaluate("i => { i.loading = 'eager'; }")
    ARTIFACTS.mkdir(exist_ok=True)
    for size, viewport in SIZES.items():  # the same page, resized: the charts follow the column
        page.set_viewport_size(viewport)
        page.wait_for_timeout(300)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], size
        page.screenshot(path=str(ARTIFACTS / f"presentation-{size}-{scheme}.png"), full_page=True)
    assert blocked == []
    page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("cell", ["pair", "figure"])  # `renderings: [light, dark]`; a dark twin drawn by journey
def test_each_scheme_shows_its_own_rendering(browser: Any, origin: str, scheme: str, cell: str) -> None:
    page, _ = open_page(browser, origin, POST, scheme)
    light, dark = page.locator(f"#cell-{cell} a.nb-zoom.nb-light"), page.locator(f"#cell-{cell} a.nb-zoom.nb-dark")
    assert (light.is_visible(), dark.is_visible()) == ((True, False) if scheme == "light" else (False, True))
    page.locator(".theme-toggle").click()  # the reader's own choice wins over the system's
    assert (light.is_visible(), dark.is_visible()) == ((False, True) if scheme == "light" else (True, False))
    page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_only_the_shown_rendering_of_a_figure_is_downloaded(browser: Any, origin: str, scheme: str) -> None:
    page, _ = open_page(browser, origin, POST, scheme)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url.rsplit("/", 1)[-1]))
    page.reload()
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # every lazy image comes into view
    page.wait_for_load_state("networkidle")
    twins = page.locator("#cell-figure a.nb-zoom img")
    light, dark = (twins.nth(i).get_attribute("src") for i in (0, 1))
    shown, hidden = (light, dark) if scheme == "light" else (dark, light)
    assert shown in asked and hidden not in asked
    page.context.close()


def test_a_folded_cell_and_a_long_cell_open(browser: Any, origin: str) -> None:
    page, _ = open_page(browser, origin, FOLDED)
    fold = page.locator("details.nb-input").first
    code = fold.locator(".highlight")
    assert not code.is_visible()
    fold.locator("summary").click()
    assert code.is_visible() and fold.get_attribute("open") == ""
    page.context.close()
    page, _ = open_page(browser, origin, POST)
    long = page.locator(".nb-long").first
    pre = long.locator("pre")
    collapsed = pre.evaluate("e => e.clientHeight")
    button = long.locator(".nb-show-all")
    assert button.text_content() == "Show all 13 lines" and button.get_attribute("aria-expanded") == "false"
    button.click()
    assert pre.evaluate("e => e.clientHeight") > collapsed * 1.3
    assert button.get_attribute("aria-expanded") == "true" and button.text_content() == "Show less"
    page.context.close()


def test_the_lightbox_opens_and_closes_by_keyboard(browser: Any, origin: str) -> None:
    page, _ = open_page(browser, origin, POST)
    link = page.locator("figure a.nb-zoom").first
    link.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog.nb-lightbox")
    dialog.wait_for(state="visible")
    assert dialog.locator("img").get_attribute("src") == link.get_attribute("href")
    assert dialog.locator(".nb-lightbox-caption").text_content() == "Loss falls by a quarter each epoch"
    assert page.evaluate("document.activeElement.textContent") == "Close"
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('nb-zoom')")
    page.context.close()
