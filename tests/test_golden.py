"""The golden site: tests/golden/blog built in full must equal tests/golden/site, byte for byte.

After a deliberate change to the theme or the generator, regenerate the expected tree with
`python -m tests.golden.regenerate`, review `git diff tests/golden/site`, and commit both.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from conftest import read_tree

from tests.golden.regenerate import SITE, build_golden, copy_blog

REGENERATE = "run python -m tests.golden.regenerate if the change is intended"


def first_difference(expected: dict[str, bytes], actual: dict[str, bytes]) -> str:
    """A readable account of how two trees differ: file lists, then the first differing file."""
    report = []
    missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    if missing or extra:
        report.append(f"files missing from the build: {missing}\nfiles the build added: {extra}")
    for name in sorted(set(expected) & set(actual)):
        if expected[name] != actual[name]:
            report.append(_text_diff(name, expected[name], actual[name]))
            break
    return "\n".join(report)


def _text_diff(name: str, expected: bytes, actual: bytes) -> str:
    try:
        old, new = expected.decode("utf-8"), actual.decode("utf-8")
    except UnicodeDecodeError:
        return f"{name}: binary contents differ"
    diff = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True),
        fromfile=f"expected/{name}", tofile=f"built/{name}", n=2,
    )
    return f"{name} differs:\n" + "".join(list(diff)[:80])


def test_the_golden_blog_builds_to_the_golden_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blog = copy_blog(tmp_path / "blog")
    monkeypatch.chdir(blog)
    result = build_golden(tmp_path / "site", blog)
    no_front_matter = "no front matter; title and date are taken from the file"
    assert [str(d) for d in result.diagnostics] == [
        f"posts/2024-06-01-untitled-notes.md:1:1: warning: {no_front_matter}"
    ]
    difference = first_difference(read_tree(SITE), read_tree(tmp_path / "site"))
    assert not difference, f"{difference}\n{REGENERATE}"


def test_the_golden_site_covers_the_features() -> None:
    """Guards the fixture itself: a regeneration must not silently lose what it exercises."""
    files = read_tree(SITE)
    for name in (
        ".nojekyll", "CNAME", "404.html", "robots.txt", "sitemap.xml", "feed.xml", "search.json",
        "index.html", "page/2/index.html", "archive/index.html", "journey/index.html",
        "tags/index.html", "tags/python/index.html", "tags/python/feed.xml",
        "categories/general/index.html", "categories/classical-ml/index.html",
        "posts/first-plot/index.html", "posts/first-plot/rising.svg", "images/logo.svg",
        "posts/jekyll-import/index.html", "posts/untitled-notes/index.html",
    ):
        assert name in files, name
    assert not any("draft-idea" in name or "from-the-future" in name for name in files)
    assert files["CNAME"] == b"golden.example.com\n"
    post = files["posts/first-plot/index.html"].decode()
    assert '<img src="rising.svg" alt="A rising line" />' in post
    assert 'href="/golden/posts/untitled-notes/"' in post
    assert b'href="/golden/archive/"' in files["posts/hello-world/index.html"]
