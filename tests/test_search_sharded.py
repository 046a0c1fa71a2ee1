"""Search with journey's sharded index (`search = "sharded"`): how posts are split into terms,
the prefix trie of shards, the files a build writes, their bytes from build to build and after a
one-post edit, and the search page in Chromium under /repo/ with every other host blocked.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import AXE, BASE_PATH, chromium, offline, serve
from conftest import make_blog, post, read_tree, run_journey

from generator.website.search_shards import FOLDER, _shards, shard_name, terms

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
    ("neural-nets-ru", "Нейронные сети", "перцептрон"),
    ("deep-learning-zh", "深度学习入门", "反向传播"),
]


def _blog(root: Path) -> Path:
    files = {"pyproject.toml": '[tool.journey]\ntitle = "Search journey"\nbase_url = "/repo/"\nsearch = "sharded"\n'}
    for number, (slug, title, word) in enumerate(TOPICS, start=1):
        body = (f"Today's notebook is about {title.lower()}. The word to find it by is {word}.\n\n"
                "## What I tried\n\nI trained the model, looked at the loss curve and wrote down what surprised me.\n")
        if slug == "gradient-boosting":
            body += "\nThe learning rate &eta; shrinks each stump; in my Russian notes I call it градиентный.\n"
            body += "\nBoosting does regression as well as classification.\n"
        files[f"posts/2024-01-{number:02d}-{slug}.md"] = post(f'"{title}"', f"2024-01-{number:02d}", body, tags="[ml]")
    return make_blog(root, files)


def _index(tree: dict[str, bytes]) -> dict[str, bytes]:
    return {name.removeprefix(FOLDER): data for name, data in tree.items() if name.startswith(FOLDER)}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One blog built through the CLI, then a clean copy of it built again."""
    root = tmp_path_factory.mktemp("sharded")
    blog = _blog(root / "blog")
    first = run_journey("build", "--source", str(blog), cwd=root)
    copy = _blog(root / "copy")
    second = run_journey("build", "--source", str(copy), cwd=root)
    return {"root": root, "blog": blog, "first": first, "tree": read_tree(blog / "site"), "second": second,
            "copy_tree": read_tree(copy / "site")}


# -- terms and shards ---------------------------------------------------------------------


def test_words_are_letters_and_digits_and_chinese_is_split_into_bigrams() -> None:
    assert terms("Call discover_performance() at lr=0.001!") == ["call", "discover", "performance", "at", "lr", "0", "001"]
    assert terms("Нейронные СЕТИ, Straße") == ["нейронные", "сети", "straße"]
    assert terms("深度学习入门") == ["深度", "度学", "学习", "习入", "入门"]
    assert terms("PyTorch张量 と 学") == ["pytorch", "张量", "と", "学"]


def test_a_shard_past_the_limit_is_split_by_the_next_character() -> None:
    big = "[" + ",".join(["1,4"] * 3000) + "]"  # 12 KB of postings
    encoded = {"g": big, "grad": big, "gradient": big, "gradients": big, "graph": big, "gru": "[0,4]", "go": "[0,4]",
               "ё": "[0,4]", "a": "[0,4]"}
    shards = _shards(encoded)
    assert shards == {"a": ["a"], "g": ["g"], "go": ["go"], "grad": ["grad"], "gradi": ["gradient", "gradients"],
                      "grap": ["graph"], "gru": ["gru"], "ё": ["ё"]}
    assert sorted(t for members in shards.values() for t in members) == sorted(encoded)  # each term once
    assert shard_name("gr") == "gr" and shard_name("нс") == "_043d_0441" and shard_name("𠀀a") == "__020000a"


# -- the files a build writes --------------------------------------------------------------


def test_the_site_has_the_sharded_index_and_the_page_points_at_it(built: dict[str, Any]) -> None:
    status, _, stderr = built["first"]
    assert (status, stderr.count("error")) == (0, 0), stderr
    index = _index(built["tree"])
    meta = json.loads(index["meta.json"])
    assert (meta["format"], meta["posts"], meta["chunk_posts"]) == (1, len(TOPICS), 25)
    assert {"meta.json", "lengths.json", "posts/0.json"} <= set(index)
    assert sorted(f"shards/{shard_name(p)}.json" for p in meta["shards"]) == sorted(n for n in index if n.startswith("shards/"))
    assert all(meta["shards"][p] == len(index[f"shards/{shard_name(p)}.json"]) for p in meta["shards"])
    assert len(json.loads(index["lengths.json"])) == len(TOPICS)
    oldest = json.loads(index["posts/0.json"])[0]  # posts are numbered oldest first
    assert oldest == ["/repo/posts/linear-regression/", "Linear regression from scratch", "2024-01-01",
                      oldest[3]] and "linear regression" in oldest[3]
    shard = json.loads(index["shards/r.json"])
    assert shard["rosenblatt"] == [7, 4]  # post 7 (the 8th oldest), once in its body, not in the title
    assert json.loads(index[f"shards/{shard_name('п')}.json"])["перцептрон"] == [10, 4]
    assert "search.json" not in built["tree"] and "pagefind/pagefind.js" not in built["tree"]
    assert 'data-sharded="/repo/search/index/"' in built["tree"]["search/index.html"].decode()


def test_two_builds_of_the_same_blog_write_the_same_bytes(built: dict[str, Any]) -> None:
    assert built["second"][0] == 0
    assert _index(built["copy_tree"]) == _index(built["tree"])


def test_a_one_post_edit_changes_only_the_shards_of_its_changed_words(built: dict[str, Any], tmp_path: Path) -> None:
    blog = tmp_path / "blog"
    shutil.copytree(built["blog"], blog)
    edited = next((blog / "posts").glob("*-pca.md"))
    edited.write_text(edited.read_text(encoding="utf-8") + "\nLater I added whitening.\n", encoding="utf-8")
    status, _, stderr = run_journey("build", "--source", str(blog), cwd=tmp_path)
    assert status == 0, stderr
    before, after = _index(built["tree"]), _index(read_tree(blog / "site"))
    changed = sorted(name for name in after if after[name] != before.get(name))
    # "later", "added" and "whitening" are new to the post, "i" occurs once more; its length, so the
    # average, changes. The other shards (of "r", "t", "п", "学", …) and the metadata stay as they were.
    assert changed == ["lengths.json", "meta.json", "shards/a.json", "shards/i.json", "shards/l.json", "shards/w.json"]
    assert len(after) == len(before) > len(changed) + 20
    assert json.loads(after["shards/w.json"])["whitening"] == [6, 4]


def test_an_unknown_search_setting_names_the_sharded_engine(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", {"pyproject.toml": '[tool.journey]\ntitle = "T"\nsearch = "lunr"\n',
                                         "posts/2024-01-01-a.md": post("A", "2024-01-01")})
    status, _, stderr = run_journey("build", "--source", str(blog), cwd=tmp_path)
    expected = ("blog/pyproject.toml:3:1: error: setting 'search': expected one of auto, pagefind, json, sharded, "
                "got 'lunr'\njourney: 1 error; nothing was written\n")
    assert (status, stderr) == (1, expected)


def test_a_blog_without_posts_gets_an_empty_index(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", {"pyproject.toml": '[tool.journey]\ntitle = "Nothing yet"\nsearch = "sharded"\n',
                                         "posts/.keep": ""})
    status, _, stderr = run_journey("build", "--source", str(blog), cwd=tmp_path)
    assert status == 0, stderr
    index = _index(read_tree(blog / "site"))
    assert sorted(index) == ["lengths.json", "meta.json"]
    assert json.loads(index["meta.json"]) == {"average_length": 0, "chunk_posts": 25, "format": 1, "head_limit": 3,
                                              "posts": 0, "shards": {}}


# -- in Chromium, served over HTTP under /repo/, every other host blocked ------------------


@pytest.fixture(scope="module")
def page(built: dict[str, Any]) -> Iterator[tuple[Any, list[str]]]:
    """The search page of the built blog, and every URL the browser asked for outside the site
    (those are refused, as an offline reader's browser would)."""
    with serve(built["blog"] / "site") as origin, chromium() as browser:
        context = browser.new_context()
        requests = offline(context, origin)
        tab = context.new_page()
        tab.goto(origin + BASE_PATH + "search/")
        yield tab, requests.outside


def _search(tab: Any, query: str) -> list[str]:
    """The result links for `query`, once the status says how many were found."""
    tab.evaluate("document.getElementById('search-status').textContent = ''")  # the last query's count
    tab.locator("#q").fill(query)
    tab.locator("#search-status").filter(has_text="found").wait_for()
    return [a.get_attribute("href") for a in tab.locator("#search-results li h2 a").all()]


def test_a_word_of_a_post_body_finds_it_under_the_sub_path(page: tuple[Any, list[str]]) -> None:
    tab, outside = page
    assert _search(tab, "rosenblatt") == ["/repo/posts/perceptron/"]
    assert tab.locator("#search-status").inner_text() == "1 post found"
    assert tab.locator("#search-results .meta").first.inner_text() == "2024-01-08"
    assert _search(tab, "градиентный") == ["/repo/posts/gradient-boosting/"]
    assert _search(tab, "η") == ["/repo/posts/gradient-boosting/"]  # an entity in the source, a letter here
    assert outside == []


def test_cyrillic_and_chinese_titles_are_found(page: tuple[Any, list[str]]) -> None:
    tab, _ = page
    assert _search(tab, "нейронные") == ["/repo/posts/neural-nets-ru/"]
    assert _search(tab, "学习") == ["/repo/posts/deep-learning-zh/"]
    assert _search(tab, "深度学习") == ["/repo/posts/deep-learning-zh/"]
    assert _search(tab, "反向传播") == ["/repo/posts/deep-learning-zh/"]
    assert _search(tab, "нейро") == ["/repo/posts/neural-nets-ru/"]  # partly typed
    assert _search(tab, "深") == ["/repo/posts/deep-learning-zh/"]  # one character: the bigrams it begins


def test_a_partly_typed_last_word_finds_the_words_it_begins(page: tuple[Any, list[str]]) -> None:
    tab, _ = page
    assert _search(tab, "rosenb") == ["/repo/posts/perceptron/"]
    assert _search(tab, "rosenb ") == []  # a finished word is matched whole
    assert tab.locator("#search-status").inner_text() == "0 posts found"
    assert tab.locator("#search-results mark").count() == 0


def test_every_word_must_occur_and_title_hits_rank_first(page: tuple[Any, list[str]]) -> None:
    tab, _ = page
    assert _search(tab, "regression sigmoid") == ["/repo/posts/logistic-regression/"]
    in_titles = {"/repo/posts/logistic-regression/", "/repo/posts/linear-regression/"}
    found = _search(tab, "regression")
    assert (set(found[:2]), found[2:]) == (in_titles, ["/repo/posts/gradient-boosting/"])  # that one's body has it
    found = _search(tab, "loss regression")
    assert (set(found[:2]), found[2:]) == (in_titles, ["/repo/posts/gradient-boosting/"])
    assert tab.locator("#search-results mark").first.inner_text().lower() in ("loss", "regression")


def test_many_hits_show_ten_and_a_button_for_the_rest(page: tuple[Any, list[str]]) -> None:
    tab, outside = page
    assert len(_search(tab, "notebook")) == 10
    assert tab.locator("#search-status").inner_text() == "12 posts found"
    tab.get_by_role("button", name="More results").click()
    tab.locator("#search-results li h2 a").nth(11).wait_for()
    assert tab.locator("#search-results li h2 a").count() == 12
    assert outside == []


def test_the_search_page_with_results_is_axe_clean(page: tuple[Any, list[str]]) -> None:
    tab, _ = page
    if not AXE.is_file():
        pytest.fail("axe-core is missing: npm install --no-save --no-package-lock axe-core@4.10.3")
    _search(tab, "regression")
    tab.add_script_tag(path=str(AXE))
    result = tab.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert [(v["id"], v["impact"]) for v in result["violations"] if v["impact"] in ("serious", "critical")] == []


# -- rebuilds: only the changed shards are made, and they are what a whole build makes ------


def test_a_rebuild_remakes_only_changed_shards_and_matches_a_whole_build(built: dict[str, Any], tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A post of 3,000 distinct made-up words splits the shard of their first letter; cut down,
    its words merge back. Each rebuild takes the few-posts path (counted), and its index is the
    bytes a clean build of the same blog writes."""
    from generator.build import BuildOptions, build_site
    from generator.website import search_shard_update

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    taken: list[bool] = []
    real = search_shard_update.updated_files
    monkeypatch.setattr(search_shard_update, "updated_files", lambda *a: taken.append((r := real(*a)) is not None) or r)
    blog = tmp_path / "blog"
    shutil.copytree(built["blog"], blog)
    build_site(BuildOptions(source=blog, progress=False))  # a copied site is not trusted: made whole once
    glossary = blog / "posts/2024-02-01-glossary.md"
    made_up = [f"z{n:04d}{'qxj'[n % 3]}" for n in range(3000)]
    for words, shards in ((made_up, lambda m: len([p for p in m if p.startswith("z")]) > 1),
                          (made_up[::10], lambda m: [p for p in m if p.startswith("z")] == ["z"])):
        glossary.write_text(post("A glossary", "2024-02-01", " ".join(words) + "\n"), encoding="utf-8")
        result = build_site(BuildOptions(source=blog, progress=False))
        assert not [d for d in result.diagnostics if d.is_error]
        clean = make_blog(tmp_path / f"clean-{len(words)}", {})
        shutil.copytree(blog, clean, dirs_exist_ok=True, ignore=shutil.ignore_patterns("site", ".journey-cache"))
        build_site(BuildOptions(source=clean, progress=False))
        index, whole = _index(read_tree(blog / "site")), _index(read_tree(clean / "site"))
        assert shards(json.loads(index["meta.json"])["shards"])
        assert sorted(n for n in index.keys() | whole.keys() if index.get(n) != whole.get(n)) == []
    assert taken == [True, True]
