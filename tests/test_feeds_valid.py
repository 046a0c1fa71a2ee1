"""Atom feeds, sitemap, robots.txt and the search index of a built blog, read as a client would.

Atom is checked against RFC 4287's requirements (namespace, exactly one id/title/updated per
feed and entry, an author for every entry, absolute ids, RFC 3339 dates, an alternate link
per entry) and for ids that stay the same when the blog is built again from a fresh copy.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.browser_support import BASE_PATH, Blog, blogs, build_blog

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
HOST = "https://tester.github.io/repo/"


@dataclass(frozen=True)
class Built:
    blog: Blog
    first: Path
    second: Path
    base_url: str


@pytest.fixture(scope="module", params=blogs())
def blog(request: pytest.FixtureRequest) -> Blog:
    return request.param


@pytest.fixture(scope="module", params=[HOST, BASE_PATH], ids=["host", "path-only"])
def built(blog: Blog, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The blog built twice, each time from its own fresh copy, with the same base URL."""
    folder = tmp_path_factory.mktemp(f"feeds-{blog.name}")
    base_url = request.param
    return Built(blog, build_blog(blog, folder / "one", base_url),
                 build_blog(blog, folder / "two", base_url), base_url)


def site_file(site: Path, base_url: str, href: str) -> Path:
    """The built file a link in a feed points at (absolute, root-relative or relative to base)."""
    path = urlsplit(urljoin(base_url if urlsplit(base_url).scheme else "http://x" + base_url, href)).path
    assert path.startswith(BASE_PATH), href
    relative = path[len(BASE_PATH):]
    return site / (relative + "index.html" if relative == "" or relative.endswith("/") else relative)


def one(parent: ET.Element, tag: str, where: str) -> ET.Element:
    found = parent.findall(ATOM + tag)
    assert len(found) == 1, f"{where}: {len(found)} <{tag}> elements, RFC 4287 wants exactly one"
    return found[0]


def check_feed(path: Path, built: Built) -> list[str]:
    """RFC 4287 essentials for one feed; returns its entry ids in document order."""
    root = ET.parse(path).getroot()  # well-formed, or this raises
    where = path.relative_to(built.first).as_posix()
    assert root.tag == ATOM + "feed", where
    feed_id = one(root, "id", where).text or ""
    assert urlsplit(feed_id).scheme, f"{where}: feed id {feed_id!r} is not an absolute IRI"
    assert (one(root, "title", where).text or "").strip(), where
    assert RFC3339.match(one(root, "updated", where).text or ""), where
    feed_has_author = bool(root.findall(f"{ATOM}author/{ATOM}name"))
    links = {link.get("rel", "alternate"): link.get("href", "") for link in root.findall(ATOM + "link")}
    assert site_file(built.first, built.base_url, links["self"]) == path, where
    assert site_file(built.first, built.base_url, links["alternate"]).is_file(), where
    ids, stamps = [], []
    for number, entry in enumerate(root.findall(ATOM + "entry"), 1):
        at = f"{where} entry {number}"
        entry_id = one(entry, "id", at).text or ""
        assert urlsplit(entry_id).scheme, f"{at}: id {entry_id!r} is not an absolute IRI"
        assert (one(entry, "title", at).text or "").strip(), at
        stamps.append(one(entry, "updated", at).text or "")
        assert RFC3339.match(stamps[-1]), at
        assert feed_has_author or entry.findall(f"{ATOM}author/{ATOM}name"), f"{at}: no author"
        alternate = [link for link in entry.findall(ATOM + "link") if link.get("rel", "alternate") == "alternate"]
        assert len(alternate) == 1, f"{at}: needs one alternate link"
        assert site_file(built.first, built.base_url, alternate[0].get("href", "")).is_file(), at
        content, summary = entry.find(ATOM + "content"), entry.find(ATOM + "summary")
        if content is not None:  # whole posts as escaped HTML
            assert content.get("type") == "html" and "<" in (content.text or ""), at
        else:
            assert summary is not None and (summary.text or "").strip(), f"{at}: no content or summary"
        ids.append(entry_id)
    assert len(ids) == len(set(ids)), f"{where}: duplicate entry ids"
    assert (one(root, "updated", where).text or "") >= max(stamps, default=""), where
    return ids


def test_every_feed_is_well_formed_atom(built: Built) -> None:
    found = sorted(built.first.rglob("feed.xml"))
    assert (built.first / "feed.xml") in found and len(found) > 1  # the site feed and tag feeds
    for path in found:
        check_feed(path, built)


def test_feed_ids_are_stable_across_builds(built: Built) -> None:
    for path in sorted(built.first.rglob("feed.xml")):
        twin = built.second / path.relative_to(built.first)
        assert check_feed(path, built) == check_feed(twin, Built(built.blog, built.second, built.second,
                                                                  built.base_url))
        assert path.read_bytes() == twin.read_bytes()


def test_a_tag_feed_holds_the_posts_its_tag_page_lists(built: Built) -> None:
    tag_feeds = sorted((built.first / "tags").glob("*/feed.xml"))
    assert tag_feeds
    for path in tag_feeds:
        root = ET.parse(path).getroot()
        in_feed = [site_file(built.first, built.base_url, e.find(ATOM + "link").get("href", ""))
                   for e in root.findall(ATOM + "entry")]
        page = (path.parent / "index.html").read_text(encoding="utf-8")
        listed = re.findall(r'<h2><a href="([^"]+)"', page.split('<ol class="post-list">', 1)[1])
        assert in_feed == [site_file(built.first, built.base_url, href) for href in listed][:20]
        head = page.split("</head>", 1)[0]
        feed_links = re.findall(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="([^"]+)">', head)
        assert feed_links == [f"{BASE_PATH}feed.xml", f"{BASE_PATH}tags/{path.parent.name}/feed.xml"]


def test_the_sitemap_lists_every_page_and_nothing_else(built: Built) -> None:
    root = ET.parse(built.first / "sitemap.xml").getroot()
    assert root.tag == SITEMAP + "urlset"
    locs = [u.findtext(SITEMAP + "loc") or "" for u in root.findall(SITEMAP + "url")]
    listed = {site_file(built.first, built.base_url, loc) for loc in locs}
    pages = {p for p in built.first.rglob("*.html") if p.name != "404.html"}
    assert listed == pages
    assert locs == sorted(locs)
    robots = (built.first / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: " in robots and robots.rstrip().endswith("sitemap.xml")


def test_the_search_index_points_at_every_post(built: Built) -> None:
    documents = json.loads((built.first / "search.json").read_text(encoding="utf-8"))
    posts = sorted(built.first.glob("posts/*/index.html"))
    assert sorted(site_file(built.first, built.base_url, d["url"]) for d in documents) == posts
    for doc in documents:
        assert doc["url"].startswith(BASE_PATH)
        assert set(doc) == {"date", "summary", "tags", "text", "title", "url"}
        assert doc["title"] and doc["text"] and "<math" not in doc["text"]
        assert not re.search(r"&(#x?[0-9a-fA-F]+|[a-z]+);", doc["text"]), "text, not HTML entities"
    if built.blog.name == "fixture":  # math is searchable by its TeX source, e.g. \eta
        assert any("\\eta" in doc["text"] for doc in documents)
