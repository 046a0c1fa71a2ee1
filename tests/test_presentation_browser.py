"""Notebook presentation in Chromium: tests/fixtures/presentation built once (its notebook run by
a real kernel), served over HTTP under /repo/ with every other host blocked, at 1280 and 390 px,
light and dark. Screenshots go to test-artifacts/presentation-*.png."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import ARTIFACTS, AXE, BASE_PATH, chromium, serve

pytestmark = pytest.mark.timeout(300)

FIXTURE = Path(__file__).parent / "fixtures" / "presentation"
POST = "posts/a-notebook-that-reads-well/"
FOLDED = "posts/folded/"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from generator.build import BuildOptions, build_site

    root = tmp_path_factory.mktemp("presentation-browser")
    source = root / "blog"
    shutil.copytree(FIXTURE, source, ignore=shutil.ignore_patterns("make_fixture.py", "site", ".journey-cache", "_freeze"))
    with serve(root / "site") as served, pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1767225600")
        result = build_site(BuildOptions(source=source, out=root / "site", base_url=served + BASE_PATH, progress=False))
        assert not [d for d in result.diagnostics if d.is_error]
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as opened:
        yield opened


def open_page(browser: Any, origin: str, path: str, scheme: str = "light", size: str = "desktop") -> tuple[Any, list[str]]:
    """A page with only the test server reachable; the list collects every other host asked for."""
    context = browser.new_context(viewport=SIZES[size], color_scheme=scheme)
    blocked: list[str] = []

    def route(request: Any) -> None:
        if request.request.url.startswith(origin):
            request.continue_()
        else:
            blocked.append(request.request.url)
            request.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(f"{origin}{BASE_PATH}{path}")
    return page, blocked


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_charts_draw_offline_and_nothing_scrolls_sideways(browser: Any, origin: str, scheme: str, size: str) -> None:
    page, blocked = open_page(browser, origin, POST, scheme, size)
    page.wait_for_selector('.nb-interactive[data-nb-kind="plotly"].nb-live .nb-drawn svg.main-svg', timeout=30_000)
    page.wait_for_selector('.nb-interactive[data-nb-kind="vega-lite"].nb-live .nb-drawn svg, '
                           '.nb-interactive[data-nb-kind="vega-lite"].nb-live .nb-drawn canvas', timeout=30_000)
    assert page.locator(".nb-interactive.nb-live > .nb-fallback").first.is_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    for img in page.locator("img").all():
        img.evaluate("i => { i.loading = 'eager'; }")
    page.wait_for_timeout(200)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"presentation-{size}-{scheme}.png"), full_page=True)
    assert blocked == []
    page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_each_scheme_shows_its_own_rendering(browser: Any, origin: str, scheme: str) -> None:
    page, _ = open_page(browser, origin, POST, scheme)
    light, dark = page.locator("a.nb-zoom.nb-light"), page.locator("a.nb-zoom.nb-dark")
    assert (light.is_visible(), dark.is_visible()) == ((True, False) if scheme == "light" else (False, True))
    page.locator(".theme-toggle").click()  # the reader's own choice wins over the system's
    assert (light.is_visible(), dark.is_visible()) == ((False, True) if scheme == "light" else (True, False))
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


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violations_on_a_notebook_post(browser: Any, origin: str, scheme: str) -> None:
    if not AXE.is_file():
        pytest.fail("axe-core is missing: npm install --no-save --no-package-lock axe-core@4.10.3")
    page, _ = open_page(browser, origin, POST, scheme)
    page.wait_for_selector(".nb-interactive.nb-live .nb-drawn svg", timeout=30_000)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [f"{v['id']}: {node['target']}" for v in result["violations"] if v["impact"] in ("serious", "critical")
               for node in v["nodes"]]
    assert serious == []
    page.context.close()
