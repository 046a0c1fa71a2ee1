"""Incremental builds: after every edit, rename and deletion the site equals a clean build.

Each test builds a small blog, changes its sources, rebuilds in place and then builds a copy of
the same sources from nothing (no `.journey-cache`, no `site/`) with the same SOURCE_DATE_EPOCH;
the two `site/` folders must hold the same files, byte for byte. Which pages re-rendered is read
from the site record's page fingerprints and checked against the files' modification times.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import EPOCH, REPO, make_blog, post, read_tree, run_journey

from generator.build import BuildOptions, BuildResult, build_site
from generator.errors import JourneyError
from generator.website.record import recorded_fingerprints

NOTEBOOKS = Path(__file__).parent / "notebooks"
# A 1×1 PNG: the bundle's picture.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
    "AAAABJRU5ErkJggg=="
)
SETTINGS = (
    '[tool.journey]\ntitle = "Incremental journey"\n'
    'base_url = "https://example.org/blog/"\nposts_per_page = 4\n'
)
DETAILS = "The details paragraph has exactly twelve words in it, counted by hand.\n"
FUTURE_EPOCH = "1772409600"  # 2026-03-02T00:00:00Z: the day after the future post's date


def _blog_files() -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {
        "pyproject.toml": SETTINGS,
        "static/files/notes.txt": "static notes\n",
        "templates/post.html": (REPO / "templates" / "post.html").read_text(encoding="utf-8"),
        "posts/intro/index.md": post(
            "Introduction",
            "2025-01-10",
            "A bundle post.\n\n![A pixel](pixel.png)\n",
            tags="[ml, bundles]",
            categories="notes",
        ),
        "posts/intro/pixel.png": PIXEL,
        "posts/2026-03-01-future.md": post("Future", "2026-03-01", "Not yet.\n", tags="[ml]"),
    }
    for n in range(1, 10):
        tags = ("[ml, python]", "[ml]", "[data]")[n % 3]
        files[f"posts/2025-01-0{n}-post-{n}.md"] = post(
            f"Post {n}",
            f"2025-01-0{n}",
            f"Opening of post {n}.\n\n## Details\n\n{DETAILS}",
            tags=tags,
            categories=("notes", "tutorials")[n % 2],
        )
    return files


@dataclass
class Blog:
    """A blog folder under test, built in place and compared with a build of a copy of it."""

    root: Path
    scratch: Path
    monkeypatch: pytest.MonkeyPatch
    builds: int = 0

    @property
    def site(self) -> Path:
        return self.root / "site"

    def build(self) -> BuildResult:
        result = build_site(BuildOptions(source=self.root, progress=False))
        self.assert_equals_clean_build()
        return result

    def assert_equals_clean_build(self) -> None:
        """The incremental site holds exactly the files of a build from nothing."""
        self.builds += 1
        fresh = self.scratch / f"clean-{self.builds}" / "blog"
        shutil.copytree(self.root, fresh, ignore=_top_level(self.root, ".journey-cache", "site"))
        build_site(BuildOptions(source=fresh, progress=False))
        incremental, clean = read_tree(self.site), read_tree(fresh / "site")
        assert sorted(incremental) == sorted(clean)
        assert [name for name in incremental if incremental[name] != clean[name]] == []
        assert [p.name for p in self.root.iterdir() if p.name.startswith(".site.new")] == []
        assert _empty_folders(self.site) == []

    def pages(self) -> dict[str, str]:
        """The HTML pages' fingerprints the last build recorded."""
        [record] = (self.root / ".journey-cache").glob("site-*.json")
        fingerprints = recorded_fingerprints(record)
        return {path: key for path, key in fingerprints.items() if path.endswith(".html")}

    def write(self, name: str, text: str) -> None:
        (self.root / name).parent.mkdir(parents=True, exist_ok=True)
        (self.root / name).write_text(text, encoding="utf-8")

    def edit(self, name: str, old: str, new: str) -> None:
        text = (self.root / name).read_text(encoding="utf-8")
        assert old in text
        self.write(name, text.replace(old, new))

    def text(self, name: str) -> str:
        return (self.site / name).read_text(encoding="utf-8")


def _top_level(root: Path, *names: str) -> Callable[[str, list[str]], set[str]]:
    """A copytree filter that leaves out `names` directly under `root` only."""

    def ignore(folder: str, entries: list[str]) -> set[str]:
        return set(names) & set(entries) if Path(folder) == root else set()

    return ignore


def _empty_folders(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_dir() and not any(p.iterdir())
    )


def _stats(folder: Path) -> dict[str, int]:
    """The mtime of every file: a page written again gets a new one; a kept page keeps it (the
    site writer copies kept files into the new tree with their times, so inodes say nothing)."""
    return {
        path.relative_to(folder).as_posix(): path.stat().st_mtime_ns
        for path in sorted(folder.rglob("*")) if path.is_file()
    }


def _rows(store: Path, kind: str) -> dict[str, bytes]:
    """The store's entries of one kind: key → checksum (a rewritten entry changes it)."""
    with sqlite3.connect(store) as db:
        return dict(db.execute("SELECT key, checksum FROM entries WHERE kind = ?", (kind,)).fetchall())


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    """Pages whose fingerprint changed or that are new."""
    return {path for path, key in after.items() if before.get(path) != key}


def _listing_pages(pages: dict[str, str]) -> set[str]:
    return {path for path in pages if not path.startswith("posts/")}


@pytest.fixture
def blog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Blog:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.chdir(tmp_path)
    built = Blog(make_blog(tmp_path / "blog", _blog_files()), tmp_path, monkeypatch)
    first = built.build()
    assert not first.up_to_date and first.rendered == len(built.pages()) > 20
    return built


def test_the_first_build_has_every_page(blog: Blog) -> None:
    site = read_tree(blog.site)
    assert {
        "posts/intro/index.html",
        "posts/intro/pixel.png",
        "files/notes.txt",
        "page/3/index.html",
    } <= set(site)
    assert "posts/future/index.html" not in site
    assert 'src="pixel.png"' in blog.text("posts/intro/index.html")


def test_after_a_first_build_the_spare_is_a_twin_of_hard_links(blog: Blog) -> None:
    """So the next build (an edit) starts from a whole tree without copying a page."""
    from generator.incremental.manifest import out_tag

    spare = blog.root / ".journey-cache" / f"spare-{out_tag(blog.site)}"
    live = {p.relative_to(blog.site): p for p in blog.site.rglob("*")}
    twin = {p.relative_to(spare): p for p in spare.rglob("*")}
    assert twin.keys() == live.keys() and len(live) > 40
    files = [path for path, file in live.items() if file.is_file()]
    assert files and all(twin[path].stat().st_ino == live[path].stat().st_ino for path in files)


def test_a_build_with_nothing_changed_renders_and_writes_nothing(blog: Blog) -> None:
    before = _stats(blog.site)
    result = build_site(BuildOptions(source=blog.root, progress=False))
    assert result.up_to_date and result.rendered == 0
    assert _stats(blog.site) == before
    code, _, err = run_journey("build", cwd=blog.root)  # the real CLI agrees: nothing to do
    assert code == 0, err
    assert err == "journey: site/ is up to date; nothing changed since the last build\n"
    assert _stats(blog.site) == before
    blog.assert_equals_clean_build()


def test_a_prose_edit_rerenders_only_that_post(blog: Blog) -> None:
    pages, before = blog.pages(), _stats(blog.site)
    blog.edit("posts/2025-01-05-post-5.md", "counted by hand", "counted by eye")
    result = blog.build()
    assert not result.up_to_date and result.rendered == 1
    assert _changed(pages, blog.pages()) == {"posts/post-5/index.html"}
    assert "counted by eye" in blog.text("posts/post-5/index.html")
    after = _stats(blog.site)
    # Every other page is the previous build's file, not a rewrite of it.
    kept = [name for name in before if name.endswith(".html") and name != "posts/post-5/index.html"]
    assert [name for name in kept if after[name] != before[name]] == []


def test_a_title_change_rerenders_the_pages_that_list_the_post_and_the_neighbours(blog: Blog) -> None:
    pages = blog.pages()
    blog.edit("posts/2025-01-05-post-5.md", "title: Post 5", "title: Post five")
    result = blog.build()
    neighbours = {"posts/post-4/index.html", "posts/post-5/index.html", "posts/post-6/index.html"}
    listing = {"page/2/index.html", "tags/data/index.html", "categories/tutorials/index.html"}  # where it is
    whole_site = {"archive/index.html", "journey/index.html", "tags/index.html"}  # templates reading `site`
    assert _changed(pages, blog.pages()) == listing | whole_site | neighbours
    assert result.rendered == 9
    assert "Post five" in blog.text("page/2/index.html")
    assert "Post five" in blog.text("archive/index.html")
    assert "Post five" in blog.text("tags/data/index.html")
    assert "Post five" in blog.text("posts/post-4/index.html")  # the newer-post link


def test_a_listing_template_that_reads_the_whole_site_follows_every_post(blog: Blog) -> None:
    """An index.html that shows, say, every tag (`site.tags`) depends on all posts, not just its own."""
    index = (REPO / "templates" / "index.html").read_text(encoding="utf-8")
    blog.write("templates/index.html", index.replace("{% block content %}", "{% block content %}<p>{{ site.tags|length }} tags</p>", 1))
    blog.build()
    pages = blog.pages()
    blog.edit("posts/2025-01-05-post-5.md", "title: Post 5", "title: Post five")
    blog.build()
    changed = _changed(pages, blog.pages())
    assert {"index.html", "page/2/index.html", "page/3/index.html"} <= changed
    assert "tags/ml/index.html" not in changed  # term.html still reads only its own posts


def test_a_renamed_post_moves_and_its_tag_pages_follow(blog: Blog) -> None:
    (blog.root / "posts/2025-01-03-post-3.md").rename(blog.root / "posts/2025-01-03-renamed.md")
    blog.build()
    assert not (blog.site / "posts/post-3").exists()
    assert "Post 3" in blog.text("posts/renamed/index.html")
    for page in (
        "tags/python/index.html",
        "categories/tutorials/index.html",
        "archive/index.html",
        "sitemap.xml",
    ):
        assert "posts/renamed/" in blog.text(page) and "posts/post-3/" not in blog.text(page)


def test_a_deleted_bundle_post_leaves_no_trace(blog: Blog) -> None:
    shutil.rmtree(blog.root / "posts/intro")
    (blog.root / "posts/2025-01-01-post-1.md").unlink()
    blog.build()
    assert not (blog.site / "posts/intro").exists() and not (blog.site / "posts/post-1").exists()
    assert not (blog.site / "page/3").exists()  # eight posts fill two index pages
    assert not (blog.site / "tags/bundles").exists()  # its only post is gone, so is the tag
    for name, data in read_tree(blog.site).items():
        assert b"Introduction" not in data and b"posts/intro/" not in data, name


def test_a_new_tag_gets_its_page_and_feed(blog: Blog) -> None:
    blog.edit("posts/2025-01-02-post-2.md", "tags: [data]", "tags: [data, brand-new]")
    blog.build()
    assert "Post 2" in blog.text("tags/brand-new/index.html")
    assert "Post 2" in blog.text("tags/brand-new/feed.xml")
    assert "tags/brand-new/" in blog.text("tags/index.html")


def test_a_template_override_edit_rerenders_every_page_using_it(blog: Blog) -> None:
    pages = blog.pages()
    text = (blog.root / "templates/post.html").read_text(encoding="utf-8")
    blog.write(
        "templates/post.html",
        text.replace("{% block content %}", "{% block content %}<!-- edited -->", 1),
    )
    result = blog.build()
    posts = {path for path in pages if path.startswith("posts/")}
    assert _changed(pages, blog.pages()) == posts and result.rendered == len(posts)  # not the listings
    assert all("<!-- edited -->" in blog.text(path) for path in posts)
    assert "<!-- edited -->" not in blog.text("index.html")


def test_a_base_template_edit_rerenders_every_page(blog: Blog) -> None:
    pages = blog.pages()
    base = (REPO / "templates" / "base.html").read_text(encoding="utf-8")
    blog.write("templates/base.html", base.replace("<body", "<!-- base edited --><body", 1))
    result = blog.build()
    assert _changed(pages, blog.pages()) == set(pages) and result.rendered == len(pages)
    assert "<!-- base edited -->" in blog.text("tags/ml/index.html")


def test_a_settings_change_rerenders_everything(blog: Blog) -> None:
    pages = blog.pages()
    blog.edit("pyproject.toml", 'title = "Incremental journey"', 'title = "Renamed journey"')
    result = blog.build()
    assert result.rendered == len(pages)
    assert all("Renamed journey" in blog.text(path) for path in pages)
    assert "Incremental journey" not in blog.text("feed.xml")


def test_static_files_come_and_go(blog: Blog) -> None:
    blog.write("static/extra/more.txt", "more\n")
    result = blog.build()
    assert result.rendered == 0 and blog.text("extra/more.txt") == "more\n"
    (blog.root / "static/extra/more.txt").unlink()
    (blog.root / "static/files/notes.txt").unlink()
    blog.build()
    assert not (blog.site / "extra").exists() and not (blog.site / "files").exists()


def test_a_future_post_appears_once_its_date_has_passed(blog: Blog) -> None:
    assert build_site(BuildOptions(source=blog.root, progress=False)).up_to_date
    blog.monkeypatch.setenv("SOURCE_DATE_EPOCH", FUTURE_EPOCH)
    result = blog.build()  # the clean build runs at the same later time
    assert not result.up_to_date and result.rendered > 0
    assert "Not yet." in blog.text("posts/future/index.html")
    assert "posts/future/" in blog.text("index.html")
    assert "posts/future/" in blog.text("tags/ml/index.html")
    assert build_site(BuildOptions(source=blog.root, progress=False)).up_to_date


def test_a_failed_build_leaves_the_site_alone_and_the_next_one_recovers(blog: Blog) -> None:
    before, tree = _stats(blog.site), read_tree(blog.site)
    blog.edit("posts/2025-01-05-post-5.md", "title: Post 5", "title: [Post five")
    blog.edit("posts/2025-01-06-post-6.md", "counted by hand", "counted by the failed build")
    with pytest.raises(JourneyError) as caught:
        build_site(BuildOptions(source=blog.root, progress=False))
    assert [d.location.path for d in caught.value.diagnostics] == [
        "blog/posts/2025-01-05-post-5.md"
    ]
    assert _stats(blog.site) == before and read_tree(blog.site) == tree
    assert [p.name for p in blog.root.iterdir() if p.name.startswith(".site.new")] == []
    blog.edit("posts/2025-01-05-post-5.md", "title: [Post five", "title: Post five")
    result = blog.build()
    assert not result.up_to_date
    assert "counted by the failed build" in blog.text("posts/post-6/index.html")
    assert "Post five" in blog.text("tags/data/index.html")


def test_a_damaged_cache_still_gives_the_right_site(blog: Blog) -> None:
    """(tests/test_cache_damage.py damages every kind of cache file and entry; this is the
    incremental path: damage, then an edit.)"""
    store = blog.root / ".journey-cache" / "store.sqlite"
    with sqlite3.connect(store) as db:
        keys = [key for (key,) in db.execute("SELECT key FROM entries WHERE kind = 'entry' ORDER BY key")]
        assert len(keys) == 10
        db.execute("UPDATE entries SET value = substr(value, 1, 20) WHERE kind = 'entry' AND key = ?", (keys[0],))
        db.execute("UPDATE entries SET value = substr(value, 1, 20) WHERE kind = 'html' AND key = ?", (keys[1],))
    for manifest in (blog.root / ".journey-cache").glob("manifest-*.json"):
        manifest.unlink()
    blog.edit("posts/2025-01-05-post-5.md", "counted by hand", "counted after the damage")
    result = blog.build()
    assert not result.up_to_date
    assert "counted after the damage" in blog.text("posts/post-5/index.html")


def test_a_damaged_cache_without_source_changes(blog: Blog) -> None:
    """The manifest alone says nothing changed; a damaged rendering must not leak into pages."""
    with sqlite3.connect(blog.root / ".journey-cache" / "store.sqlite") as db:
        db.execute("UPDATE entries SET value = CAST('<p>truncat' AS BLOB) WHERE kind = 'html'")
    (blog.root / "posts/2025-01-01-post-1.md").touch()  # an mtime change alone changes nothing
    assert build_site(BuildOptions(source=blog.root, progress=False)).up_to_date
    blog.edit("pyproject.toml", "posts_per_page = 4", "posts_per_page = 5")  # every page again
    blog.build()
    assert all(b"<p>truncat" not in data for data in read_tree(blog.site).values())


def test_the_cli_follows_a_series_of_edits(blog: Blog) -> None:
    """The real command, one process per build: edits, a rename, a deletion, a new post, a draft."""
    steps = [
        lambda: blog.edit("posts/2025-01-01-post-1.md", "counted by hand", "counted twice"),
        lambda: (blog.root / "posts/2025-01-02-post-2.md").rename(
            blog.root / "posts/2025-01-02-second.md"
        ),
        lambda: (blog.root / "posts/2025-01-07-post-7.md").unlink(),
        lambda: blog.write(
            "posts/2025-02-01-late.md", post("Late", "2025-02-01", tags="[ml, late]")
        ),
        lambda: blog.edit("posts/2025-02-01-late.md", "tags: [ml, late]", "tags: [ml]"),
        lambda: blog.edit("posts/2025-01-04-post-4.md", "date: 2025-01-04", "date: 2025-03-01"),
        lambda: blog.edit(
            "posts/2025-01-06-post-6.md", "title: Post 6", "title: Post 6\ndraft: true"
        ),
    ]
    for step in steps:
        step()
        code, _, err = run_journey("build", cwd=blog.root)
        assert code == 0 and "pages rendered" in err, err
        blog.assert_equals_clean_build()
    assert not (blog.site / "tags/late").exists() and not (blog.site / "posts/post-7").exists()
    assert not (blog.site / "posts/post-6").exists()  # now a draft
    assert 'href="/blog/posts/post-4/"' in blog.text("index.html")  # now the newest


def test_a_notebook_prose_edit_rerenders_without_a_kernel(blog: Blog) -> None:
    (blog.root / "notebooks").mkdir()
    shutil.copy(NOTEBOOKS / "counts_runs.ipynb", blog.root / "notebooks/counts_runs.ipynb")
    blog.write("notebooks/data.csv", "rows\n")
    blog.write(
        "posts/2025-01-20-lab.md",
        post(
            "Lab",
            "2025-01-20",
            "A notebook.\n",
            notebook="notebooks/counts_runs.ipynb",
            deps="[notebooks/data.csv]",
        ),
    )
    runs = blog.root / "notebooks/runs.txt"
    build_site(BuildOptions(source=blog.root, progress=False))  # runs the notebook, freezes it
    assert runs.read_text() == "ran\n"
    pages = blog.pages()
    notebook = blog.root / "notebooks/counts_runs.ipynb"
    data = json.loads(notebook.read_text(encoding="utf-8"))
    data["cells"][0]["source"] = ["Rewritten prose of the notebook."]
    notebook.write_text(json.dumps(data, indent=1), encoding="utf-8")
    result = blog.build()
    assert runs.read_text() == "ran\n"  # no kernel for a markdown edit (nor for the clean build)
    assert _changed(pages, blog.pages()) == {"posts/lab/index.html"} and result.rendered == 1
    page = blog.text("posts/lab/index.html")
    assert "Rewritten prose of the notebook." in page
    assert "(measured when the result was cached)" in page  # the run card shows the frozen run
    assert build_site(BuildOptions(source=blog.root, progress=False)).up_to_date
    blog.write("notebooks/data.csv", "other rows\n")  # a deps change re-executes
    blog.build()
    assert runs.read_text() == "ran\nran\n" and "other rows" in blog.text("posts/lab/index.html")
    store = blog.root / ".journey-cache" / "store.sqlite"
    copies = {hashlib.sha256(path.read_bytes()).hexdigest() for path in blog.site.rglob("*.md")}  # Markdown copies
    blobs = _rows(store, "blob")
    assert len(set(blobs) - copies) == 1  # the current executed notebook; the earlier runs' copies are gone
    with sqlite3.connect(store) as db:
        db.execute("UPDATE entries SET value = substr(value, 1, length(value) - 10) WHERE kind = 'blob'")
    blog.edit("pyproject.toml", "posts_per_page = 4", "posts_per_page = 5")
    blog.build()
    assert runs.read_text() == "ran\nran\n"


def test_repeated_builds_leave_only_the_site_and_the_cache(blog: Blog) -> None:
    for n in range(3):
        blog.edit(
            "posts/2025-01-08-post-8.md",
            f"Opening of post 8{'!' * n}.",
            f"Opening of post 8{'!' * (n + 1)}.",
        )
        blog.build()
    assert sorted(os.listdir(blog.root)) == [
        ".journey-cache",
        "posts",
        "pyproject.toml",
        "site",
        "static",
        "templates",
    ]


def test_an_up_to_date_build_repeats_each_warning_once(tmp_path: Path) -> None:
    blog = make_blog(
        tmp_path,
        {
            "pyproject.toml": SETTINGS + "bogus = 1\n",
            "posts/2025-01-01-a.md": post("A", "2025-01-01", foo="1"),
        },
    )
    warnings = [
        "posts/2025-01-01-a.md:4:1: warning: unknown front matter key 'foo'",
        "pyproject.toml:5:1: warning: unknown setting 'bogus'",
    ]
    code, _, first = run_journey("build", cwd=blog)
    assert code == 0 and first.splitlines()[:-1] == warnings, first
    code, _, again = run_journey("build", cwd=blog)
    assert code == 0 and again.splitlines() == [
        *warnings,
        "journey: site/ is up to date; nothing changed since the last build",
    ]


def test_a_deleted_site_is_built_again(blog: Blog) -> None:
    store = _rows(blog.root / ".journey-cache" / "store.sqlite", "html")
    shutil.rmtree(blog.site)
    result = blog.build()  # the spare (the site one build ago) has every page: none is rendered
    assert not result.up_to_date and result.rendered == 0 and (blog.site / "index.html").is_file()
    assert _rows(blog.root / ".journey-cache" / "store.sqlite", "html") == store  # no Markdown rendered again
    for spare in (blog.root / ".journey-cache").glob("spare-*"):
        shutil.rmtree(spare)
    shutil.rmtree(blog.site)
    result = blog.build()  # without it, every page is rendered again, from the stored renderings
    assert not result.up_to_date and result.rendered == len(blog.pages())
    assert _rows(blog.root / ".journey-cache" / "store.sqlite", "html") == store


def test_a_save_during_a_build_is_not_taken_as_built(blog: Blog) -> None:
    """`serve` rebuilds while the author types: an edit that lands after the build read the
    post must make the next build render it, never report the site up to date."""
    import generator.website.pages

    render_site = generator.website.pages.render_site

    def save_then_render(*args: object, **kwargs: object) -> object:
        blog.edit("posts/2025-01-05-post-5.md", "counted by hand", "saved during the build")
        return render_site(*args, **kwargs)

    blog.edit("posts/2025-01-04-post-4.md", "counted by hand", "counted before the build")
    blog.monkeypatch.setattr(generator.website.pages, "render_site", save_then_render)
    build_site(BuildOptions(source=blog.root, progress=False))
    blog.monkeypatch.setattr(generator.website.pages, "render_site", render_site)
    assert "counted by hand" in blog.text("posts/post-5/index.html")  # the build read it before
    result = blog.build()
    assert not result.up_to_date and result.rendered == 1
    assert "saved during the build" in blog.text("posts/post-5/index.html")


def test_a_changed_journey_renders_the_posts_again(tmp_path: Path) -> None:
    """Upgrading journey (here: a copy of it whose heading anchors change) must not leave posts
    rendered by the old code in the render store or the site."""
    code = tmp_path / "journey"
    shutil.copytree(
        REPO / "generator", code / "generator", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(REPO / "templates", code / "templates")
    env = {"PYTHONPATH": str(code)}
    blog = make_blog(tmp_path / "blog", _blog_files())
    assert run_journey("build", cwd=blog, env=env)[0] == 0
    markdown = code / "generator" / "content" / "markdown.py"
    text = markdown.read_text(encoding="utf-8")
    assert 'permalinkSymbol="#"' in text
    markdown.write_text(
        text.replace('permalinkSymbol="#"', 'permalinkSymbol="§"'), encoding="utf-8"
    )
    code_, _, err = run_journey("build", cwd=blog, env=env)
    assert code_ == 0, err
    assert "§</a>" in (blog / "site/posts/post-1/index.html").read_text(encoding="utf-8")
    fresh = tmp_path / "fresh"
    shutil.copytree(blog, fresh, ignore=_top_level(blog, ".journey-cache", "site"))
    assert run_journey("build", cwd=fresh, env=env)[0] == 0
    assert read_tree(blog / "site") == read_tree(fresh / "site")
