"""The theme in a real browser: Debian's Chromium via Playwright, the built blog served over HTTP
from 127.0.0.1 under the sub-path /repo/.

One crawl (at phone width) loads every page and records console errors, failed requests,
third-party requests, links, anchors, horizontal overflow and layout shift; the tests below
assert on it. Search, the dark-mode toggle, axe-core, the page-weight budget and the
screenshots each drive their own pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import pytest

from tests.browser_support import (
    ARTIFACTS,
    AXE,
    BASE_PATH,
    Blog,
    blogs,
    build_blog,
    chromium,
    html_files,
    pagefind_executable,
    serve,
)

pytestmark = pytest.mark.timeout(300)

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
BUDGET_BYTES = 60_000  # HTML + CSS + JS + fonts of a post page, uncompressed
# Everything an element can make the browser fetch or follow, resolved to absolute URLs.
COLLECT_JS = """() => ({
  links: [...document.querySelectorAll('a[href], link[href]')].map(e => e.href),
  assets: [...document.querySelectorAll('img[src], script[src], source[src], iframe[src]')]
            .map(e => e.src),
  ids: [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.name),
  scrollWidth: document.documentElement.scrollWidth,
})"""
LAYOUT_SHIFT_JS = """() => new Promise(resolve => {
  let total = 0;
  const observer = new PerformanceObserver(list => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value;
  });
  observer.observe({type: 'layout-shift', buffered: true});
  setTimeout(() => { observer.takeRecords(); observer.disconnect(); resolve(total); }, 50);
})"""


@dataclass(frozen=True)
class Served:
    blog: Blog
    site: Path
    origin: str

    def url(self, path: str) -> str:
        return self.origin + BASE_PATH + path.lstrip("/")


@dataclass
class Crawl:
    """What loading every page showed."""

    pages: dict[str, dict[str, Any]] = field(default_factory=dict)  # url → COLLECT_JS result
    problems: list[str] = field(default_factory=list)  # console errors, failed requests, 4xx/5xx
    foreign: list[str] = field(default_factory=list)  # requests to any other origin
    resources: dict[str, int] = field(default_factory=dict)  # non-page URL → HTTP status


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module", params=blogs())
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    blog: Blog = request.param
    out = tmp_path_factory.mktemp(blog.name) / "site"
    with serve(out) as origin, pytest.MonkeyPatch.context() as patch:
        if (binary := pagefind_executable()) is not None:  # the search page as published: Pagefind's
            patch.setenv("PAGEFIND_BINARY_PATH", str(binary))
        build_blog(blog, out, origin + BASE_PATH)
        yield Served(blog, out, origin)


@pytest.fixture(scope="module")
def crawl(served: Served, browser: Any) -> Crawl:
    """Load the home page, then every page it leads to and every built page, at phone width."""
    found = Crawl()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    _watch(page, found, served.origin)
    queue = [served.url("")] + [served.origin + path for path in html_files(served.site)]
    while queue:
        url = urldefrag(queue.pop(0)).url
        if url in found.pages or not _internal(url, served.origin):
            continue
        page.goto(url, wait_until="load")
        report = page.evaluate(COLLECT_JS)
        report["layout_shift"] = page.evaluate(LAYOUT_SHIFT_JS)
        found.pages[url] = report
        for target in report["links"] + report["assets"]:
            target = urldefrag(target).url
            if _internal(target, served.origin) and _is_page(target):
                queue.append(target)
            elif _internal(target, served.origin) and target not in found.resources:
                found.resources[target] = context.request.get(target).status
    context.close()
    return found


def _watch(page: Any, found: Crawl, origin: str) -> None:
    page.on("console", lambda m: m.type == "error" and found.problems.append(f"{page.url}: console: {m.text}"))
    page.on("pageerror", lambda e: found.problems.append(f"{page.url}: script error: {e}"))
    page.on("requestfailed", lambda r: _cancelled_icon(r) or found.problems.append(f"{page.url}: failed: {r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and found.problems.append(f"{page.url}: {r.status} {r.url}"))
    page.on("request", lambda r: r.url.startswith(origin) or r.url.startswith("data:")
            or found.foreign.append(f"{page.url}: {r.url}"))


def _cancelled_icon(request: Any) -> bool:
    """The browser's own fetch of the favicon, cancelled because the crawl went on to the next page
    (it runs after `load`); whether the icon resolves is test_every_internal_link_and_asset_resolves's."""
    return "/favicon." in request.url and request.failure == "net::ERR_ABORTED"


def _internal(url: str, origin: str) -> bool:
    return url.startswith(origin + BASE_PATH)


def _is_page(url: str) -> bool:
    path = urlsplit(url).path
    return path.endswith(("/", ".html"))


def test_every_page_loads_without_console_errors_or_failed_requests(crawl: Crawl, served: Served) -> None:
    assert len(crawl.pages) >= len(html_files(served.site))
    assert crawl.problems == []


def test_no_page_makes_a_third_party_request(crawl: Crawl) -> None:
    assert crawl.foreign == []


def test_every_internal_link_and_asset_resolves(crawl: Crawl, served: Served) -> None:
    broken = {url: status for url, status in crawl.resources.items() if status != 200}
    assert broken == {}
    assert any(url.endswith("/feed.xml") for url in crawl.resources)
    assert any("/assets/style." in url for url in crawl.resources)


def test_every_anchor_link_lands_on_an_element(crawl: Crawl, served: Served) -> None:
    missing = []
    for url, report in crawl.pages.items():
        for link in report["links"]:
            target, fragment = urldefrag(link)
            known = crawl.pages.get(target, {}).get("ids", []) if _internal(target, served.origin) else None
            if fragment and known is not None and unquote(fragment) not in known:
                missing.append(f"{url} → {link}")
    assert missing == []


def test_every_built_page_is_linked_from_somewhere(crawl: Crawl, served: Served) -> None:
    linked = {urldefrag(link).url for report in crawl.pages.values() for link in report["links"]}
    orphans = [path for path in html_files(served.site)
               if served.origin + path not in linked and not path.endswith("404.html")]
    assert orphans == []


def test_nothing_scrolls_sideways_at_375px(crawl: Crawl) -> None:
    too_wide = {url: r["scrollWidth"] for url, r in crawl.pages.items() if r["scrollWidth"] > PHONE["width"]}
    assert too_wide == {}


def test_pages_do_not_shift_while_loading(crawl: Crawl) -> None:
    # A cumulative layout shift under 0.05, half of what Chromium's own guidance calls good (0.1):
    # on a loaded machine (the suite runs in two processes) a long page is painted before all of
    # it has arrived, and its first frames move a little; an image without its size moves more.
    shifting = {url: round(r["layout_shift"], 4) for url, r in crawl.pages.items() if r["layout_shift"] > 0.05}
    assert shifting == {}


def _post_pages(site: Path) -> dict[str, str]:
    """URL path → HTML of every post page."""
    return {
        BASE_PATH + path.parent.relative_to(site).as_posix() + "/": path.read_text(encoding="utf-8")
        for path in sorted((site / "posts").glob("*/index.html"))
    }


def _notebook_post(site: Path) -> str | None:
    """The first post page with a run card (it ran a notebook), if any."""
    return next((url for url, html in _post_pages(site).items() if 'class="run-card"' in html), None)


def _plain_post(site: Path) -> str:
    """The longest post page without a notebook: the most prose, code and math to check."""
    plain = {url: html for url, html in _post_pages(site).items() if 'class="run-card"' not in html}
    return max(sorted(plain), key=lambda url: len(plain[url]))


def _word_in_one_body(site: Path) -> tuple[str, str]:
    """(word, post URL): a word of one post's body found in no other post's title, body or summary."""
    bodies = {}
    for url, html in _post_pages(site).items():
        content = html.split('<div class="content">', 1)[1].split("</article>", 1)[0]
        content = content.split('<details class="cite-post">', 1)[0]  # its BibTeX is not searched
        bodies[url] = set(re.findall(r"[a-z]{7,}", re.sub(r"<[^>]+>", " ", content).lower()))
    everything = {url: " ".join(_post_pages(site)[url].lower().split()) for url in bodies}
    for url, words in bodies.items():
        for word in sorted(words):
            if all(word not in text for other, text in everything.items() if other != url):
                return word, url
    raise AssertionError("no post has a word of its own")


def test_search_finds_a_post_by_a_word_from_its_body(served: Served, browser: Any) -> None:
    word, url = _word_in_one_body(served.site)
    page = browser.new_page()
    page.goto(served.url("search/"))
    page.locator("#q").press_sequentially(word, delay=20)
    hits = page.locator("#search-results li a")
    hits.first.wait_for()
    assert [hits.nth(i).get_attribute("href") for i in range(hits.count())] == [url]
    assert page.locator("#search-status").inner_text() == "1 post found"
    page.close()


def test_search_reads_the_query_from_the_address(served: Served, browser: Any) -> None:
    word, url = _word_in_one_body(served.site)
    page = browser.new_page()
    page.goto(served.url(f"search/?q={word}"))
    page.locator("#search-results li a").first.wait_for()
    assert page.locator("#search-results li a").first.get_attribute("href") == url
    page.close()


def _background(page: Any, selector: str) -> str:
    return page.evaluate(f"getComputedStyle(document.querySelector('{selector}')).backgroundColor")


def test_dark_toggle_switches_and_survives_a_reload(served: Served, browser: Any) -> None:
    context = browser.new_context(color_scheme="light")
    page = context.new_page()
    page.goto(served.url(_plain_post(served.site)[len(BASE_PATH):]))
    light_body, light_code = _background(page, "body"), _background(page, ".highlight")
    toggle = page.locator(".theme-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert toggle.get_attribute("aria-pressed") == "true"
    dark_body, dark_code = _background(page, "body"), _background(page, ".highlight")
    assert dark_body != light_body and dark_code != light_code
    page.reload(wait_until="domcontentloaded")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert _background(page, "body") == dark_body
    page.goto(served.url(""))
    assert _background(page, "body") == dark_body
    page.locator(".theme-toggle").click()
    page.reload()
    assert _background(page, "body") == light_body
    context.close()


def test_dark_mode_follows_the_system_until_the_reader_chooses(served: Served, browser: Any) -> None:
    light = browser.new_context(color_scheme="light")
    dark = browser.new_context(color_scheme="dark")
    pages = [context.new_page() for context in (light, dark)]
    for page in pages:
        page.goto(served.url(""))
    assert _background(pages[0], "body") != _background(pages[1], "body")
    assert pages[1].locator(".theme-toggle").get_attribute("aria-pressed") == "true"
    pages[1].locator(".theme-toggle").click()
    assert _background(pages[1], "body") == _background(pages[0], "body")
    light.close()
    dark.close()


def _responses(page: Any) -> list[Any]:
    """Every response the page receives from now on (a list that fills as it loads)."""
    seen: list[Any] = []
    page.on("response", lambda response: seen.append(response))
    return seen


def test_a_post_page_stays_within_the_transfer_budget(served: Served, browser: Any) -> None:
    """Every post: the page plus every same-origin request except images, counted in bytes."""
    weights = {}
    for path in _post_pages(served.site):
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        responses = _responses(page)
        page.goto(served.origin + path, wait_until="load")
        counted = [r for r in responses if r.request.resource_type != "image"]
        assert all(r.url.startswith(served.origin) for r in responses)
        assert not any(r.url.endswith("search.json") for r in responses)
        weights[path] = sum(len(r.body()) for r in counted)
        context.close()
    heaviest = max(weights, key=lambda p: weights[p])
    print(f"\nheaviest post page ({served.blog.name}): {heaviest} {weights[heaviest]} bytes")
    assert {p: w for p, w in weights.items() if w > BUDGET_BYTES} == {}


def _axe_violations(page: Any) -> list[str]:
    """Serious and critical axe-core violations, except the task-list one tracked below."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = []
    for v in result["violations"]:
        targets = [" ".join(n["target"]) for n in v["nodes"]]
        if v["impact"] not in ("serious", "critical"):
            continue
        if v["id"] == "label" and all(".task-list-item" in t for t in targets):
            continue  # test_task_list_checkboxes_have_labels
        found.append(f"{v['id']} ({v['impact']}): {v['help']} — {targets[:5]}")
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violations(served: Served, browser: Any, scheme: str) -> None:
    """Light: every post and the main listings. Dark (a second palette to check contrast in):
    the index, a post and a notebook post."""
    if not AXE.is_file():
        pytest.fail("axe-core is missing: npm install --no-save --no-package-lock axe-core@4.10.3")
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)
    page = context.new_page()
    notebook = _notebook_post(served.site)
    if scheme == "light":
        paths = [BASE_PATH, BASE_PATH + "search/", BASE_PATH + "tags/", *_post_pages(served.site)]
    else:
        paths = [BASE_PATH, _plain_post(served.site), *([notebook] if notebook else [])]
    found = {}
    for path in paths:
        page.goto(served.origin + path)
        found[path] = _axe_violations(page)
    context.close()
    assert found == {path: [] for path in found}


def test_task_list_checkboxes_have_labels(served: Served, browser: Any) -> None:
    pages = [p for p, html in _post_pages(served.site).items() if "task-list-item-checkbox" in html]
    if not pages:
        pytest.skip("no post has a task list")
    page = browser.new_page()
    for path in pages:
        page.goto(served.origin + path)
        unlabelled = page.locator(".task-list-item input:not(label input)")
        assert unlabelled.count() == 0, path
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_the_index_and_a_notebook_post(served: Served, browser: Any, scheme: str) -> None:
    """Saved to test-artifacts/ for a person to look at; the test checks they were written."""
    ARTIFACTS.mkdir(exist_ok=True)
    post = _notebook_post(served.site) or _plain_post(served.site)
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)
    page = context.new_page()
    for name, url in (("index", served.url("")), ("notebook-post", served.origin + post)):
        page.goto(url)
        # A full-page shot does not scroll, so lazy images below the fold would stay blank.
        page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
        page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        target = ARTIFACTS / f"{served.blog.name}-{name}-{scheme}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
    context.close()


def test_a_post_page_has_its_reading_aids(served: Served, browser: Any) -> None:
    """Table of contents, reading time, tags, neighbours, heading anchors and copy buttons."""
    context = browser.new_context(viewport=DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.origin)
    page = context.new_page()
    page.goto(served.url(_plain_post(served.site)[len(BASE_PATH):]))
    assert re.search(r"^\w+ \d+, \d{4} · \d+ min read", page.locator(".post .meta").inner_text())
    toc = page.locator(".toc a")
    anchors = page.locator(".content .header-anchor")
    assert toc.count() >= 2 and anchors.count() >= toc.count()
    for i in range(toc.count()):
        target = toc.nth(i).get_attribute("href")
        assert page.locator(f"[id='{target[1:]}']").count() == 1
    heading = anchors.first.locator("xpath=..")
    assert anchors.first.get_attribute("href") == "#" + heading.get_attribute("id")
    tags = page.locator(".post .tags a[rel=tag]")
    assert tags.count() >= 1 and tags.first.get_attribute("href").startswith(BASE_PATH + "tags/")
    assert page.locator(".neighbours a[rel=prev], .neighbours a[rel=next]").count() >= 1
    block = page.locator(".content div.highlight").first
    block.hover()
    block.locator("button.copy").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == block.locator("pre").inner_text() and copied.strip()
    assert block.locator("button.copy").inner_text() == "Copied"
    context.close()


def test_a_notebook_post_shows_its_run_card_and_offers_the_notebook(served: Served, browser: Any) -> None:
    notebook = _notebook_post(served.site)
    assert notebook, "the blog has no post that ran a notebook"
    page = browser.new_page()
    page.goto(served.origin + notebook)
    card = page.locator(".run-card")
    terms = card.locator("dt").all_inner_texts()
    assert terms[:2] == ["Notebook", "Python"] and {"Device", "Parameters", "Wall time", "Cache key"} <= set(terms)
    assert re.search(r"\b[0-9a-f]{16}\b", card.inner_text())
    links = page.locator("a[download]")
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert hrefs and all(h.endswith(".ipynb") for h in hrefs)
    for href in hrefs:
        response = page.request.get(urljoin(page.url, href))
        assert response.status == 200 and response.json()["nbformat"] == 4
    assert page.locator(".nb-cell.nb-code").count() >= 1
    page.close()
