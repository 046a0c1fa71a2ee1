"""Search with Pagefind: the bundle a build writes, when the indexer runs, the search.json
fallback, the settings' diagnostics, and the search page in Chromium under /repo/.

The indexer is Pagefind's real binary (the `pagefind_bin` wheel), named by PAGEFIND_BINARY_PATH
(Pagefind's own variable; conftest.py points the rest of the suite at no binary). To count its
runs, some builds name a two-line wrapper that logs its arguments and then runs the real binary;
a broken indexer is a script that answers nothing.
"""

from __future__ import annotations

import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import BASE_PATH, chromium, pagefind_executable, serve
from conftest import make_blog, post, read_tree, run_journey

REAL_BINARY = pagefind_executable()
REAL = {"PAGEFIND_BINARY_PATH": str(REAL_BINARY)}
pytestmark = pytest.mark.skipif(REAL_BINARY is None, reason="the Pagefind binary is not installed (pip install pagefind_bin)")

TOPICS = [  # (slug, title, a word only this post has)
    ("linear-regression", "Linear regression from scratch", "normalequation"),
    ("logistic-regression", "Logistic regression and the sigmoid", "sigmoidal"),
    ("decision-trees", "Decision trees and impurity", "giniimpurity"),
    ("random-forests", "Random forests and bagging", "bootstrapped"),
    ("gradient-boosting", "Gradient boosting, one stump at a time", "stumpwise"),
    ("k-means", "k-means and the elbow", "elbowplot"),
    ("pca", "Principal components", "eigendecomposition"),
    ("perceptron", "The perceptron", "rosenblatt"),
    ("backprop", "Backpropagation by hand", "chainrule"),
    ("pytorch-basics", "PyTorch tensors", "autogradtape"),
    ("cnn", "Convolutions for images", "kernelstride"),
    ("transformers", "Attention is a weighted average", "softmaxattention"),
]


def _blog(root: Path, extra_settings: str = "") -> Path:
    files = {"pyproject.toml": f'[tool.journey]\ntitle = "Search journey"\nbase_url = "/repo/"\n{extra_settings}'}
    for number, (slug, title, word) in enumerate(TOPICS, start=1):
        body = (f"Today's notebook is about {title.lower()}. The word to find it by is {word}.\n\n"
                "## What I tried\n\nI trained the model, looked at the loss curve and wrote down what surprised me.\n")
        if slug == "gradient-boosting":
            body += "\nThe learning rate &eta; shrinks each stump; in Russian notes I call it градиентный.\n"
        files[f"posts/2024-01-{number:02d}-{slug}.md"] = post(title, f"2024-01-{number:02d}", body, tags="[ml]")
    return make_blog(root, files)


def _logging_binary(folder: Path) -> tuple[Path, Path]:
    """A wrapper that logs each run's arguments, then runs the real indexer: (wrapper, log)."""
    log, wrapper = folder / "indexer.log", folder / "pagefind"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{REAL_BINARY}" "$@"\n', encoding="utf-8")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    log.write_text("", encoding="utf-8")
    return wrapper, log


def _services(log: Path) -> int:
    return log.read_text(encoding="utf-8").splitlines().count("--service")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One blog built through the CLI with the logging indexer, then built again unchanged."""
    root = tmp_path_factory.mktemp("pagefind")
    wrapper, log = _logging_binary(root)
    blog = _blog(root / "blog")
    env = {"PAGEFIND_BINARY_PATH": str(wrapper)}
    first = run_journey("build", "--source", str(blog), cwd=root, env=env)
    tree = read_tree(blog / "site")
    again = run_journey("build", "--source", str(blog), cwd=root, env=env)
    return {"root": root, "blog": blog, "env": env, "log": log, "first": first, "tree": tree, "again": again}


def test_the_site_has_a_pagefind_bundle_instead_of_search_json(built: dict[str, Any]) -> None:
    status, _, stderr = built["first"]
    assert (status, stderr) == (0, stderr) and "error" not in stderr
    tree: dict[str, bytes] = built["tree"]
    bundle = sorted(name for name in tree if name.startswith("pagefind/"))
    assert {"pagefind/pagefind.js", "pagefind/pagefind-worker.js", "pagefind/pagefind-entry.json",
            "pagefind/wasm.en.pagefind"} <= set(bundle)
    assert len([n for n in bundle if n.startswith("pagefind/fragment/")]) == len(TOPICS)  # one per post
    assert [n for n in bundle if n.endswith(".pf_meta")] and [n for n in bundle if n.startswith("pagefind/index/")]
    assert not [n for n in bundle if "-ui" in n or "highlight" in n]  # Pagefind's own UI is not shipped
    assert "search.json" not in tree
    assert 'data-pagefind="/repo/pagefind/pagefind.js"' in tree["search/index.html"].decode()
    assert b'"page_count":12' in tree["pagefind/pagefind-entry.json"]


def test_a_build_with_nothing_changed_runs_no_indexer(built: dict[str, Any]) -> None:
    assert _services(built["log"]) == 1
    assert built["again"][0] == 0 and "up to date" in built["again"][2]
    assert read_tree(built["blog"] / "site") == built["tree"]


def test_the_bundle_is_the_same_bytes_from_a_clean_build(built: dict[str, Any], tmp_path: Path) -> None:
    copy = _blog(tmp_path / "blog")
    status, _, stderr = run_journey("build", "--source", str(copy), cwd=tmp_path, env=REAL)
    assert status == 0, stderr
    assert read_tree(copy / "site") == built["tree"]


def test_a_change_outside_the_documents_keeps_the_bundle_and_an_edit_reindexes(built: dict[str, Any], tmp_path: Path) -> None:
    blog, env, log = built["blog"], built["env"], built["log"]
    before = _services(log)
    make_blog(blog, {"static/humans.txt": "Written by one person.\n"})  # pages are built, documents unchanged
    status, _, stderr = run_journey("build", "--source", str(blog), cwd=built["root"], env=env)
    assert status == 0, stderr
    assert _services(log) == before
    site = read_tree(blog / "site")
    assert {k: v for k, v in site.items() if k.startswith("pagefind/")} == \
        {k: v for k, v in built["tree"].items() if k.startswith("pagefind/")}
    edited = next((blog / "posts").glob("*-pca.md"))
    edited.write_text(edited.read_text(encoding="utf-8") + "\nLater I added whitening.\n", encoding="utf-8")
    status, _, stderr = run_journey("build", "--source", str(blog), cwd=built["root"], env=env)
    assert status == 0, stderr
    assert _services(log) == before + 1
    clean = make_blog(tmp_path / "clean", {})
    shutil.copytree(blog, clean, dirs_exist_ok=True, ignore=shutil.ignore_patterns("site", ".journey-cache"))
    assert run_journey("build", "--source", str(clean), cwd=tmp_path, env=REAL)[0] == 0
    assert read_tree(blog / "site") == read_tree(clean / "site")


def test_without_the_binary_search_json_is_the_fallback_and_back(tmp_path: Path) -> None:
    blog = _blog(tmp_path / "blog")
    missing = {"PAGEFIND_BINARY_PATH": str(tmp_path / "no-such-pagefind")}
    status, _, stderr = run_journey("build", "--source", str(blog), cwd=tmp_path, env=missing)
    assert (status, stderr.count("error")) == (0, 0), stderr
    site = blog / "site"
    assert (site / "search.json").is_file() and not (site / "pagefind").exists()
    assert 'data-index="/repo/search.json"' in (site / "search/index.html").read_text(encoding="utf-8")
    status, _, stderr = run_journey("build", "--source", str(blog), cwd=tmp_path, env=REAL)  # nothing else changed
    assert (status, "up to date" in stderr) == (0, False), stderr
    assert (site / "pagefind/pagefind.js").is_file() and not (site / "search.json").exists()
    assert 'data-pagefind="/repo/pagefind/pagefind.js"' in (site / "search/index.html").read_text(encoding="utf-8")


def test_asking_for_pagefind_without_its_binary_is_an_error(tmp_path: Path) -> None:
    blog = _blog(tmp_path / "blog", 'search = "pagefind"\n')
    env = {"PAGEFIND_BINARY_PATH": str(tmp_path / "no-such-pagefind")}
    status, _, stderr = run_journey("build", "--source", str(blog), cwd=tmp_path, env=env)
    assert status == 1
    assert stderr == ("blog/pyproject.toml:4:1: error: setting 'search': 'pagefind' needs the Pagefind binary, which is "
                      "not installed (pip install pagefind_bin), or set search = \"auto\"\n"
                      "journey: 1 error; nothing was written\n")


def test_an_unknown_search_setting_is_an_error(tmp_path: Path) -> None:
    blog = _blog(tmp_path / "blog", 'search = "lunr"\n')
    status, _, stderr = run_journey("build", "--source", str(blog), cwd=tmp_path, env=REAL)
    expected = ("blog/pyproject.toml:4:1: error: setting 'search': expected one of auto, pagefind, json, sharded, got 'lunr'\n"
                "journey: 1 error; nothing was written\n")
    assert (status, stderr) == (1, expected)


def test_an_indexer_that_fails_is_a_diagnostic_and_the_site_stays(built: dict[str, Any], tmp_path: Path) -> None:
    broken = tmp_path / "pagefind"
    broken.write_text('#!/bin/sh\n[ "$1" = --version ] && { echo "pagefind 9.9.9"; exit 0; }\nexit 3\n', encoding="utf-8")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    blog = _blog(tmp_path / "blog")
    status, _, stderr = run_journey("build", "--source", str(blog), cwd=tmp_path, env={"PAGEFIND_BINARY_PATH": str(broken)})
    expected = (f"{broken}:1:1: error: the Pagefind indexer failed: it stopped after 0 of 1 answers\n"
                "journey: 1 error; nothing was written\n")
    assert (status, stderr) == (1, expected)
    assert not (blog / "site").exists()


# -- in Chromium, served over HTTP under /repo/ -------------------------------------------


@pytest.fixture(scope="module")
def page(built: dict[str, Any]) -> Iterator[tuple[Any, str, list[str]]]:
    """The search page of the built blog, and every URL the browser asked for."""
    with serve(built["blog"] / "site") as origin, chromium() as browser:
        context = browser.new_context()
        asked: list[str] = []
        context.on("request", lambda request: asked.append(request.url))
        tab = context.new_page()
        tab.goto(origin + BASE_PATH + "search/")
        yield tab, origin, asked


def _search(tab: Any, query: str) -> list[str]:
    """The result links for `query`, once the status says how many were found."""
    tab.evaluate("document.getElementById('search-status').textContent = ''")  # the last query's count
    tab.locator("#q").fill(query)
    tab.locator("#search-status").filter(has_text="found").wait_for()
    return [a.get_attribute("href") for a in tab.locator("#search-results li h2 a").all()]


def test_a_word_of_one_post_finds_that_post_with_its_sub_path(page: tuple[Any, str, list[str]]) -> None:
    tab, origin, asked = page
    assert _search(tab, "rosenblatt") == ["/repo/posts/perceptron/"]
    assert tab.locator("#search-status").inner_text() == "1 post found"
    assert tab.locator("#search-results mark").first.inner_text().lower().startswith("rosenblatt")
    assert tab.locator("#search-results .meta").first.inner_text() == "2024-01-08"
    assert _search(tab, "градиентный") == ["/repo/posts/gradient-boosting/"]  # not ASCII
    assert _search(tab, "η") == ["/repo/posts/gradient-boosting/"]  # an entity in the source, a letter here
    assert all(url.startswith(origin + BASE_PATH) for url in asked), "nothing outside the site is fetched"
    assert not [url for url in asked if url.endswith("search.json")]


def test_many_hits_show_ten_and_a_button_for_the_rest(page: tuple[Any, str, list[str]]) -> None:
    tab, _, _ = page
    assert len(_search(tab, "notebook")) == 10
    assert tab.locator("#search-status").inner_text() == "12 posts found"
    tab.get_by_role("button", name="More results").click()
    tab.locator("#search-results li h2 a").nth(11).wait_for()
    assert tab.locator("#search-results li h2 a").count() == 12
    assert tab.get_by_role("button", name="More results").count() == 0


def test_the_search_page_finds_nothing_for_an_unknown_word(page: tuple[Any, str, list[str]]) -> None:
    tab, _, _ = page
    assert _search(tab, "quaternionic") == []
    assert tab.locator("#search-status").inner_text() == "0 posts found"



def test_a_blog_without_posts_gets_an_empty_bundle(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", {"pyproject.toml": '[tool.journey]\ntitle = "Nothing yet"\n', "posts/.keep": ""})
    status, _, stderr = run_journey("build", "--source", str(blog), cwd=tmp_path, env=REAL)
    assert status == 0, stderr
    assert b'"languages":{}' in (blog / "site/pagefind/pagefind-entry.json").read_bytes()
