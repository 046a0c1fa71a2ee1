"""The whole site from small blogs: assembly, pages, feeds, sitemap and the files around them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import make_blog, post, read_tree

from generator.build import BuildOptions, build_site

ATOM = "{http://www.w3.org/2005/Atom}"
SETTINGS = '[tool.journey]\ntitle = "T"\nbase_url = "https://me.github.io/blog/"\n'


def build(root: Path, files: dict[str, str | bytes], **options: object) -> dict[str, str]:
    """Build a blog written into `root`; the site's files as text (bytes for binaries)."""
    make_blog(root / "blog", files)
    build_site(BuildOptions(source=root / "blog", out=root / "out", progress=False, **options))
    return {
        name: data.decode("utf-8") if not name.endswith(".png") else data
        for name, data in read_tree(root / "out").items()
    }


class _Anchors(HTMLParser):
    """Every <a> as (attributes, text); the theme's markup around them may change freely."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[dict[str, str | None], str]] = []
        self._open: tuple[dict[str, str | None], list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open = (dict(attrs), [])

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            self.found.append((self._open[0], " ".join("".join(self._open[1]).split())))
            self._open = None


def main_of(page: str) -> str:
    found = re.search(r"<main\b[^>]*>(.*)</main>", page, re.DOTALL)
    assert found, "no <main> element"
    return found.group(1)


def anchors(page: str) -> list[tuple[dict[str, str | None], str]]:
    parser = _Anchors()
    parser.feed(main_of(page))
    return parser.found


def links(page: str) -> list[str]:
    """The hrefs inside <main>, in order, without in-page anchors."""
    return [str(a["href"]) for a, _ in anchors(page) if a.get("href") and a["href"][0] != "#"]


def post_links(page: str) -> list[str]:
    """The post pages linked from <main>, in order, each once."""
    return list(dict.fromkeys(h for h in links(page) if "/posts/" in h))


def rel(page: str, value: str) -> list[str]:
    return [str(a["href"]) for a, _ in anchors(page) if a.get("rel") == value]


@pytest.fixture(autouse=True)
def fixed_now(source_date_epoch: str) -> None:
    """Every build here sees 2026-01-01 as "now"."""


FIVE = {
    "pyproject.toml": SETTINGS + "posts_per_page = 2\n",
    "posts/2024-01-01-one.md": post("One", "2024-01-01", tags="[ml]"),
    "posts/2024-02-01-two.md": post("Two", "2024-02-01", pinned="true", tags="[ml, python]"),
    "posts/2024-03-01-three.md": post("Three", "2024-03-01"),
    "posts/2025-01-01-four.md": post("Four", "2025-01-01", tags="python"),
    "posts/2025-02-01-five.md": post("Five", "2025-02-01"),
}


def slugs(page: str) -> list[str]:
    return [h.split("/posts/")[1].strip("/") for h in post_links(page)]


def test_the_index_is_paginated_with_pinned_posts_first(tmp_path: Path) -> None:
    site = build(tmp_path, FIVE)
    assert slugs(site["index.html"]) == ["two", "five"]
    assert slugs(site["page/2/index.html"]) == ["four", "three"]
    assert slugs(site["page/3/index.html"]) == ["one"]
    assert "page/4/index.html" not in site
    assert (rel(site["index.html"], "prev"), rel(site["index.html"], "next")) == ([], ["/blog/page/2/"])
    assert rel(site["page/2/index.html"], "prev") == ["/blog/"]
    assert rel(site["page/2/index.html"], "next") == ["/blog/page/3/"]
    assert rel(site["page/3/index.html"], "next") == []
    assert "Page 3 of 3" in main_of(site["page/3/index.html"])
    assert "Pinned" in main_of(site["index.html"])


def test_posts_link_to_their_neighbours_by_date(tmp_path: Path) -> None:
    site = build(tmp_path, FIVE)
    three = site["posts/three/index.html"]
    assert (rel(three, "next"), rel(three, "prev")) == (["/blog/posts/four/"], ["/blog/posts/two/"])
    assert rel(site["posts/five/index.html"], "next") == []
    assert rel(site["posts/one/index.html"], "prev") == []


def test_tag_pages_and_their_feeds(tmp_path: Path) -> None:
    site = build(tmp_path, FIVE)
    assert slugs(site["tags/ml/index.html"]) == ["two", "one"]
    assert slugs(site["tags/python/index.html"]) == ["four", "two"]
    assert "/blog/tags/ml/feed.xml" in links(site["tags/ml/index.html"])
    feed = ET.fromstring(site["tags/python/feed.xml"])
    assert [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")] == ["Four", "Two"]
    assert [h for h in links(site["tags/index.html"]) if "/tags/" in h] == [
        "/blog/tags/ml/", "/blog/tags/python/"
    ]
    assert rel(site["posts/two/index.html"], "tag") == ["/blog/tags/ml/", "/blog/tags/python/"]


def test_jekyll_style_categories_tags_comments_and_published(tmp_path: Path) -> None:
    site = build(tmp_path, {
        "posts/2015-06-07-welcome.md": (
            "---\nlayout: post\ntitle:  \"Welcome!\"\ndate:   2015-06-07 21:40:13 +0200\n"
            "categories: [general ]\ntags: jekyll update\n# just a comment\n---\nHello.\n"
        ),
        "posts/2015-06-08-hidden.md": "---\ntitle: Hidden\npublished: false\n---\nSecret.\n",
    })
    assert slugs(site["categories/general/index.html"]) == ["welcome"]
    assert sorted(n for n in site if n.startswith("tags/") and n.endswith("index.html")) == [
        "tags/index.html", "tags/jekyll/index.html", "tags/update/index.html"
    ]
    assert "posts/hidden/index.html" not in site
    assert '<time datetime="2015-06-07T21:40:13+02:00">June 7, 2015</time>' in main_of(
        site["posts/welcome/index.html"]
    )


def test_drafts_and_future_posts_need_their_flags(tmp_path: Path) -> None:
    files = {
        "posts/2024-01-01-now.md": post("Now", "2024-01-01"),
        "posts/2024-01-02-draft.md": post("Sketch", "2024-01-02", draft="true"),
        "posts/2030-01-01-later.md": post("Later", "2030-01-01"),
    }
    plain = build(tmp_path / "a", files)
    assert [n for n in plain if n.startswith("posts/") and not n.endswith(".md")] == ["posts/now/index.html"]
    both = build(tmp_path / "b", files, drafts=True, future=True)
    assert [n for n in both if n.startswith("posts/") and not n.endswith(".md")] == [
        "posts/draft/index.html", "posts/later/index.html", "posts/now/index.html"
    ]
    assert "Draft" in main_of(both["posts/draft/index.html"])
    assert "Draft" not in main_of(both["posts/now/index.html"])


def test_future_posts_follow_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"posts/2024-01-01-now.md": post("Now", "2024-01-01"),
             "posts/later.md": post("Later", "2024-06-01 12:00:00")}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1717243199")  # 2024-06-01T11:59:59Z
    assert "posts/later/index.html" not in build(tmp_path / "a", files)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1717243200")  # 2024-06-01T12:00:00Z
    assert "posts/later/index.html" in build(tmp_path / "b", files)


def test_a_bundle_post_has_its_image_copied_and_linked(tmp_path: Path) -> None:
    site = build(tmp_path, {
        "pyproject.toml": SETTINGS,
        "posts/my-plot/index.md": post("Plot", "2024-01-01", body="![the plot](plot.png)\n"),
        "posts/my-plot/plot.png": b"\x89PNG\r\n\x1a\n",
        "posts/my-plot/data/table.csv": "a,b\n",
    })
    assert site["posts/my-plot/plot.png"] == b"\x89PNG\r\n\x1a\n"
    assert site["posts/my-plot/data/table.csv"] == "a,b\n"
    assert '<p><img src="plot.png" alt="the plot" /></p>' in site["posts/my-plot/index.html"]
    entry = ET.fromstring(site["feed.xml"]).find(f"{ATOM}entry/{ATOM}content")
    assert entry is not None
    assert entry.get("{http://www.w3.org/XML/1998/namespace}base") == "https://me.github.io/blog/posts/my-plot/"


def test_archive_and_journey_pages(tmp_path: Path) -> None:
    site = build(tmp_path, {
        "pyproject.toml": SETTINGS + 'phases = ["Basics", "Deep"]\n',
        "posts/2023-05-01-a.md": post("A", "2023-05-01", categories="[Deep]"),
        "posts/2024-01-01-b.md": post("B", "2024-01-01", categories="[Basics]"),
        "posts/2024-02-01-c.md": post("C", "2024-02-01", categories="[Basics]"),
    })
    archive = main_of(site["archive/index.html"])
    assert archive.index("2024") < archive.index("2023")
    assert slugs(site["archive/index.html"]) == ["c", "b", "a"]
    journey = main_of(site["journey/index.html"])
    assert journey.index("Basics") < journey.index("Deep")
    assert slugs(site["journey/index.html"]) == ["b", "c", "a"]  # phase by phase, oldest first


def test_the_post_page(tmp_path: Path) -> None:
    body = "Intro text.\n\n## First\n\n### Inner\n\n## Second\n\n<b>raw</b>\n"
    site = build(tmp_path, {
        "pyproject.toml": SETTINGS + 'author = "Ada"\n',
        "posts/p.md": post("A <script>alert(1)</script> & more", "2024-01-01",
                           description="\"'Quoted' <i>desc</i>\"", tags="[C++, 日本語]", body=body),
    })
    page = site["posts/p/index.html"]
    assert "<h1>A &lt;script&gt;alert(1)&lt;/script&gt; &amp; more</h1>" in page
    assert '<meta name="description" content="&#39;Quoted&#39; &lt;i&gt;desc&lt;/i&gt;">' in page
    assert "<script>alert(1)</script>" not in page
    assert "<b>raw</b>" in page  # the body's raw HTML is the author's
    assert '<link rel="canonical" href="https://me.github.io/blog/posts/p/">' in page
    assert re.findall(r'<li class="toc-(\d)"><a href="#([^"]+)">', page) == [
        ("2", "first"), ("3", "inner"), ("2", "second")
    ]
    assert [(a["href"], text) for a, text in anchors(page) if a.get("rel") == "tag"] == [
        ("/blog/tags/c/", "C++"), ("/blog/tags/日本語/", "日本語")
    ]
    assert "tags/日本語/index.html" in site
    assert "1 min read" in main_of(page) and "Ada" in main_of(page)
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page)
    assert ld is not None and '"headline":"A \\u003cscript\\u003ealert(1)\\u003c/script\\u003e \\u0026 more"' in ld.group(1)


def test_a_layout_named_in_front_matter_is_used_when_the_theme_has_it(tmp_path: Path) -> None:
    site = build(tmp_path, {
        "posts/a.md": post("A", "2024-01-01", layout="wide"),
        "posts/b.md": post("B", "2024-01-02", layout="default"),
        "templates/wide.html": "WIDE {{ post.post.title }}\n",
    })
    assert site["posts/a/index.html"] == "WIDE A\n"
    assert site["posts/b/index.html"].startswith("<!DOCTYPE html>")


def test_feed_sitemap_robots_404_and_markers(tmp_path: Path) -> None:
    site = build(tmp_path, {**FIVE, "pyproject.toml": SETTINGS + "feed_entries = 3\n"})
    feed = ET.fromstring(site["feed.xml"])
    assert feed.findtext(f"{ATOM}id") == "https://me.github.io/blog/feed.xml"
    assert feed.findtext(f"{ATOM}updated") == "2025-02-01T00:00:00Z"
    entries = list(feed.iter(f"{ATOM}entry"))
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        "https://me.github.io/blog/posts/five/", "https://me.github.io/blog/posts/four/",
        "https://me.github.io/blog/posts/three/",
    ]
    sitemap = ET.fromstring(site["sitemap.xml"])
    locs = [u.findtext("{http://www.sitemaps.org/schemas/sitemap/0.9}loc") for u in sitemap]
    assert locs == sorted(locs) and "https://me.github.io/blog/posts/one/" in locs
    assert not any("404" in loc for loc in locs)
    assert len(locs) == sum(1 for n in site if n.endswith("index.html"))
    assert site["robots.txt"] == "User-agent: *\nAllow: /\nSitemap: https://me.github.io/blog/sitemap.xml\n"
    assert "Page not found" in main_of(site["404.html"])
    assert "/blog/" in links(site["404.html"])  # root-relative: 404.html is served at any depth
    assert site[".nojekyll"] == ""
    assert "CNAME" not in site


def test_cname_and_the_blogs_static_files(tmp_path: Path) -> None:
    site = build(tmp_path, {
        "pyproject.toml": SETTINGS + 'cname = " blog.example.com "\n',
        "posts/a.md": post("A", "2024-01-01"),
        "static/images/logo.svg": "<svg/>",
        "static/favicon.ico": "ico",
    })
    assert site["CNAME"] == "blog.example.com\n"
    assert (site["images/logo.svg"], site["favicon.ico"]) == ("<svg/>", "ico")


def test_theme_assets_are_fingerprinted_and_linked(tmp_path: Path) -> None:
    site = build(tmp_path, {"posts/a.md": post("A", "2024-01-01")})
    styles = [n for n in site if re.fullmatch(r"assets/style\.[0-9a-f]{10}\.css", n)]
    assert len(styles) == 1
    assert f'href="/{styles[0]}"' in site["index.html"]
    syntax = next(n for n in site if re.fullmatch(r"assets/syntax\.[0-9a-f]{10}\.css", n))
    # Pygments' default and github-dark, one file (minified): the colours follow the page's colour scheme.
    assert ".highlight .k,.highlight .kd,.highlight .kn,.highlight .kr{color:light-dark(#008000,#FF7B72);font-weight:bold}" in site[syntax]
    assert f'href="/{syntax}"' in site["index.html"] and not any("syntax-dark" in n for n in site)


def test_an_empty_blog_still_builds_a_site(tmp_path: Path) -> None:
    site = build(tmp_path, {"pyproject.toml": SETTINGS})
    assert slugs(site["index.html"]) == []
    assert {"index.html", "404.html", "feed.xml", "sitemap.xml", ".nojekyll"} <= set(site)


def test_the_theme_is_compiled_once_ahead_and_the_store_committed_whatever_happens(tmp_path: Path) -> None:
    """compile_theme (run while a render pool works): every .html and .xml template but the
    static files', each loaded once and kept, a broken one left for its page to report; `then`
    runs even when listing the theme fails."""
    import jinja2

    from generator.website.templates import compile_theme

    theme = tmp_path / "theme"
    (theme / "static").mkdir(parents=True)
    for name, text in {"good.html": "{{ 1 }}", "broken.html": "{% if %}", "feed.xml": "<x/>",
                       "static/x.html": "{% if %}", "notes.txt": "{{"}.items():
        (theme / name).write_text(text, encoding="utf-8")
    loaded: list[str] = []

    class Counting(jinja2.FileSystemLoader):
        def get_source(self, environment: jinja2.Environment, template: str) -> Any:
            loaded.append(template)
            return super().get_source(environment, template)

    env, commits = jinja2.Environment(loader=Counting(str(theme))), []
    compile_theme(env, then=lambda: commits.append("first"))
    assert (sorted(loaded), commits) == (["broken.html", "feed.xml", "good.html"], ["first"])
    loaded.clear()
    assert env.get_template("good.html").render() == "1" and loaded == []  # compiled already

    class Failing(jinja2.BaseLoader):
        def list_templates(self) -> list[str]:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        compile_theme(jinja2.Environment(loader=Failing()), then=lambda: commits.append("second"))
    assert commits == ["first", "second"]
