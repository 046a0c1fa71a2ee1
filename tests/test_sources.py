"""Sources: finding posts, splitting front matter, Jekyll's forms, and every bad input."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import make_blog, post

from generator.config import SiteConfig
from generator.content.front_matter import parse_datetime
from generator.content.slugs import slugify
from generator.content.sources import (
    find_post_files,
    find_sources,
    read_file,
    read_post,
    read_posts,
)
from generator.models import Post


@pytest.fixture
def blog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SiteConfig:
    monkeypatch.chdir(tmp_path)  # diagnostics name "posts/x.md"
    return SiteConfig(root=tmp_path)


def read(config: SiteConfig, name: str, text: str | bytes) -> tuple[Post | None, list[str]]:
    make_blog(config.root, {f"posts/{name}": text})
    found, problems = read_post(config, config.root / "posts" / name)
    return found, [str(d) for d in sorted(problems)]


def body_of(config: SiteConfig, name: str) -> tuple[str, int]:
    """(Markdown body, its first line) of a post file written by `read`."""
    document = read_file(config, config.root / "posts" / name).document
    assert document is not None
    return document.body, document.body_line


def good(config: SiteConfig, name: str, text: str) -> Post:
    found, problems = read(config, name, text)
    assert problems == []
    assert found is not None
    return found


def test_posts_are_dated_files_and_bundles_sorted(blog: SiteConfig) -> None:
    make_blog(blog.root, {
        "posts/b.md": "", "posts/2024-01-01-a.md": "", "posts/bundle/index.md": "",
        "posts/bundle/notes.md": "", "posts/deep/er/index.md": "", "posts/notes.txt": "",
    })
    found, problems = find_sources(blog)
    names = [p.relative_to(blog.root).as_posix() for p in found]
    # A bundle's other files are its assets; a plain sub-folder holds posts (Jekyll's _posts/2019/).
    assert names == ["posts/2024-01-01-a.md", "posts/b.md", "posts/bundle/index.md", "posts/deep/er/index.md"]
    assert [(d.location.path.endswith("posts/notes.txt"), d.severity) for d in problems] == [(True, "warning")]


def test_a_missing_posts_folder_is_an_empty_blog(blog: SiteConfig) -> None:
    assert find_post_files(blog) == []


def test_front_matter_fields(blog: SiteConfig) -> None:
    found = good(blog, "2024-03-01-first.md", (
        "---\ntitle: First\ndate: 2024-03-02 10:30:00\nupdated: 2024-04-01\ndescription: About it\n"
        "tags: [ML, python]\ncategories: Foundations\nauthor: Ada\npinned: true\nlayout: post\n---\n"
        "Body line.\n"
    ))
    assert (found.title, found.slug, found.url_path) == ("First", "first", "posts/first/")
    assert found.date == datetime(2024, 3, 2, 10, 30, tzinfo=UTC)
    assert found.updated == datetime(2024, 4, 1, tzinfo=UTC)
    assert (found.description, found.author, found.pinned, found.draft) == ("About it", "Ada", True, False)
    assert (found.tags, found.categories, found.layout) == (("ML", "python"), ("Foundations",), "post")
    assert body_of(blog, "2024-03-01-first.md") == ("Body line.\n", 12)
    assert found.display_path == "posts/2024-03-01-first.md"


def test_jekyll_forms(blog: SiteConfig) -> None:
    found = good(blog, "2015-06-07-welcome-to-jekyll.md", (
        "---\n"
        "layout: post  # the theme's layout\n"
        "title:  \"Welcome to Jekyll!\"\n"
        "date:   2015-06-07 21:40:13 +0200\n"
        "categories: [general ]\n"
        "tags: jekyll update  release\n"
        "# a comment line\n"
        "---\n"
        "You’ll find this post in your `_posts` directory.\n"
    ))
    assert (found.title, found.slug) == ("Welcome to Jekyll!", "welcome-to-jekyll")
    assert found.date == datetime(2015, 6, 7, 21, 40, 13, tzinfo=timezone(timedelta(hours=2)))
    assert (found.categories, found.tags) == (("general",), ("jekyll", "update", "release"))


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("a b", ("a", "b")),
        ('"machine learning, python"', ("machine learning", "python")),
        ("[x, ' y ', 3]", ("x", "y", "3")),
        ('""', ()),
        ("", ()),
    ],
)
def test_tags_are_a_list_or_a_separated_string(blog: SiteConfig, value: str, words: tuple) -> None:
    assert good(blog, "p.md", post("P", "2024-01-01", tags=value)).tags == words


def test_category_is_an_alias_for_categories(blog: SiteConfig) -> None:
    assert good(blog, "p.md", post("P", "2024-01-01", category="news")).categories == ("news",)


@pytest.mark.parametrize(
    ("meta", "draft"),
    [({}, False), ({"draft": "true"}, True), ({"published": "false"}, True),
     ({"published": "true"}, False)],
)
def test_drafts(blog: SiteConfig, meta: dict, draft: bool) -> None:
    assert good(blog, "p.md", post("P", "2024-01-01", **meta)).draft is draft


def test_read_posts_leaves_out_drafts_and_future_posts_unless_asked(blog: SiteConfig) -> None:
    make_blog(blog.root, {
        "posts/old.md": post("Old", "2024-01-01"),
        "posts/draft.md": post("Draft", "2024-01-01", draft="true"),
        "posts/later.md": post("Later", "2024-06-01 12:00:00"),
    })
    now = datetime(2024, 6, 1, 11, 59, tzinfo=UTC)

    def slugs(**flags: bool) -> list[str]:
        return [p.slug for p in read_posts(blog, now=now, **flags).posts]

    assert slugs(drafts=False, future=False) == ["old"]
    assert slugs(drafts=True, future=False) == ["draft", "old"]
    assert slugs(drafts=False, future=True) == ["later", "old"]
    assert [p.slug for p in read_posts(blog, drafts=False, future=False,
                                       now=now + timedelta(minutes=1)).posts] == ["later", "old"]


def test_dates_are_read_in_the_blog_time_zone(tmp_path: Path) -> None:
    config = SiteConfig(root=tmp_path, timezone="America/New_York")
    found = good(config, "p.md", post("P", "2024-01-02 09:00"))
    assert found.date == datetime(2024, 1, 2, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    assert found.date.astimezone(UTC).hour == 14


def test_a_bundle_post_lists_the_files_beside_it(blog: SiteConfig) -> None:
    make_blog(blog.root, {
        "posts/my-bundle/plot.png": b"\x89PNG", "posts/my-bundle/data/table.csv": "a,b\n",
        "posts/my-bundle/.hidden": "x", "posts/my-bundle/.git/x": "x",
    })
    found = good(blog, "my-bundle/index.md", post("Bundle", "2024-01-01"))
    assert (found.slug, found.url_path) == ("my-bundle", "posts/my-bundle/")
    folder = blog.root / "posts" / "my-bundle"
    assert found.assets == (folder / "plot.png", folder / "data" / "table.csv")


def test_a_dated_bundle_folder_gives_its_date_and_slug(blog: SiteConfig) -> None:
    found = good(blog, "2024-02-03-trip/index.md", "---\ntitle: Trip\n---\nText.\n")
    assert (found.slug, found.date) == ("trip", datetime(2024, 2, 3, tzinfo=UTC))


def test_slug_and_permalink(blog: SiteConfig) -> None:
    assert good(blog, "a.md", post("A", "2024-01-01", slug="Custom Slug!")).url_path == "posts/custom-slug/"
    assert good(blog, "b.md", post("B", "2024-01-01", slug="../../etc")).url_path == "posts/etc/"
    assert good(blog, "c.md", post("C", "2024-01-01", permalink="/about/")).url_path == "about/"
    assert good(blog, "d.md", post("D", "2024-01-01", permalink="notes/x")).url_path == "notes/x/"
    assert good(blog, "e.md", post("E", "2024-01-01", permalink="/about.html")).url_path == "about.html"


def test_a_post_without_front_matter_takes_title_and_date_from_the_file(blog: SiteConfig) -> None:
    found, problems = read(blog, "2024-05-06-plain.md", "\n# A *plain* post\n\nText.\n")
    assert problems == [
        "posts/2024-05-06-plain.md:1:1: warning: no front matter; title and date are taken from the file"
    ]
    assert found is not None
    assert (found.title, found.date) == ("A *plain* post", datetime(2024, 5, 6, tzinfo=UTC))
    body, _ = body_of(blog, "2024-05-06-plain.md")
    assert "A *plain* post" not in body and "Text." in body


def test_without_a_heading_the_title_comes_from_the_file_name(blog: SiteConfig) -> None:
    found, _ = read(blog, "2024-05-06-my_first-post.md", "Just text.\n")
    assert found is not None and found.title == "My first post"


def test_without_any_date_the_modification_time_is_used(blog: SiteConfig) -> None:
    make_blog(blog.root, {"posts/undated.md": "---\ntitle: U\n---\nText.\n"})
    path = blog.root / "posts" / "undated.md"
    os.utime(path, (1700000000, 1700000000))
    found, problems = read_post(blog, path)
    assert [str(d) for d in problems] == [
        "posts/undated.md:1:1: warning: no date; using the file's modification time"
    ]
    assert found is not None and found.date == datetime.fromtimestamp(1700000000, UTC)


def test_without_any_date_the_first_git_commit_is_used(
    blog: SiteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(blog.root.parent))
    make_blog(blog.root, {"posts/undated.md": "---\ntitle: U\n---\nText.\n"})

    def git(*args: str, date: str) -> None:
        env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
               "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "A",
               "GIT_COMMITTER_EMAIL": "a@x"}
        subprocess.run(["git", *args], cwd=blog.root, env=env, check=True, capture_output=True)

    git("init", "-q", date="2023-01-01T00:00:00+00:00")
    git("add", "posts/undated.md", date="2023-01-01T00:00:00+00:00")
    git("commit", "-q", "-m", "first", date="2023-03-04T05:06:07+01:00")
    (blog.root / "posts" / "undated.md").write_text("---\ntitle: U\n---\nEdited.\n")
    git("commit", "-q", "-am", "edit", date="2023-09-09T00:00:00+00:00")
    found, problems = read_post(blog, blog.root / "posts" / "undated.md")
    assert [str(d) for d in problems] == [
        "posts/undated.md:1:1: warning: no date; using the file's first git commit"
    ]
    assert found is not None and found.date == datetime(2023, 3, 4, 4, 6, 7, tzinfo=UTC)


def test_crlf_and_a_byte_order_mark_are_accepted(blog: SiteConfig) -> None:
    found = good(blog, "p.md", "\ufeff---\r\ntitle: Windows\r\ndate: 2024-01-01\r\n---\r\nText.\r\n")
    assert (found.title, body_of(blog, "p.md")[0]) == ("Windows", "Text.\n")


def test_the_closing_fence_may_be_dots(blog: SiteConfig) -> None:
    assert good(blog, "p.md", "---\ntitle: Dots\ndate: 2024-01-01\n...\nText.\n").title == "Dots"


def test_an_empty_front_matter_is_like_none_but_without_the_warning(blog: SiteConfig) -> None:
    found = good(blog, "2024-01-01-e.md", "---\n---\n# Heading title\n")
    assert found.title == "Heading title"


def test_front_matter_values_are_kept_verbatim_for_templates(blog: SiteConfig) -> None:
    found = good(blog, "p.md", post("<b>Bold</b> & co", "2024-01-01", description='"<i>x</i>"'))
    assert (found.title, found.description) == ("<b>Bold</b> & co", "<i>x</i>")


# Bad input: each one is an exact diagnostic at path:line:col.

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\ntitle: [unclosed\n---\n",
         "posts/p.md:2:17: error: invalid YAML in front matter: expected ',' or ']', but got '<stream end>'"),
        ("---\ntitle: a\n  b: c\n---\n",
         "posts/p.md:3:4: error: invalid YAML in front matter: mapping values are not allowed here"),
        ("---\ntitle: x\n\nbody without a closing fence\n",
         "posts/p.md:1:1: error: front matter starts with '---' but has no closing '---'"),
        ("---\n- a list\n---\n",
         "posts/p.md:2:1: error: front matter must be a mapping of keys to values"),
        ("---\ntitle: T\ndate: someday\n---\n",
         "posts/p.md:3:1: error: 'date' must be a date like 2026-03-01 or an ISO datetime, got 'someday'"),
        ("---\ntitle: T\ndate: 2024-13-45\n---\n",
         "posts/p.md:3:1: error: 'date' must be a date like 2026-03-01 or an ISO datetime, got '2024-13-45'"),
        ("---\ntitle: T\ndate: [2024]\n---\n",
         "posts/p.md:3:1: error: 'date' must be a date like 2026-03-01 or an ISO datetime, got [2024]"),
        ("---\ntitle: T\ndate: 2024-01-01\ntags: {a: 1}\n---\n",
         "posts/p.md:4:1: error: 'tags' must be a list or a comma separated string, got a mapping"),
        ("---\ntitle: T\ndate: 2024-01-01\ntags: [[a]]\n---\n",
         "posts/p.md:4:1: error: 'tags' must be a list or a comma separated string, got a list"),
        ("---\ntitle: [T]\ndate: 2024-01-01\n---\n",
         "posts/p.md:2:1: error: 'title' must be a string, got a list"),
        ("---\ntitle: T\ndate: 2024-01-01\npinned: yes please\n---\n",
         "posts/p.md:4:1: error: 'pinned' must be true or false, got a string"),
        ("---\ntitle: T\ndate: 2024-01-01\npermalink: ../../outside\n---\n",
         "posts/p.md:4:1: error: permalink '../../outside' must stay inside the site"),
        ("---\ntitle: T\ndate: 2024-01-01\nslug: '***'\n---\n",
         "posts/p.md:4:1: error: the post has no usable slug; set 'slug:'"),
        ("---\ntitle: T\ndate: 2024-01-01\n  colour: blue\n---\n",
         "posts/p.md:4:9: error: invalid YAML in front matter: mapping values are not allowed here"),
    ],
)
def test_bad_front_matter(blog: SiteConfig, text: str, expected: str) -> None:
    _, problems = read(blog, "p.md", text)
    assert problems == [expected]


def test_an_unknown_key_is_a_warning_and_the_post_still_reads(blog: SiteConfig) -> None:
    found, problems = read(blog, "p.md", post("T", "2024-01-01", zeta="1", alpha="2"))
    assert found is not None
    assert problems == [
        "posts/p.md:4:1: warning: unknown front matter key 'zeta'",
        "posts/p.md:5:1: warning: unknown front matter key 'alpha'",
    ]


def test_notebook_keys_without_a_notebook_warn(blog: SiteConfig) -> None:
    found, problems = read(blog, "p.md", post("T", "2024-01-01", params="{n: 1}", timeout="5"))
    assert found is not None
    assert problems == [
        "posts/p.md:4:1: warning: 'params' has no effect without 'notebook'",
        "posts/p.md:5:1: warning: 'timeout' has no effect without 'notebook'",
    ]


def test_every_problem_of_one_post_is_reported(blog: SiteConfig) -> None:
    found, problems = read(blog, "p.md", (
        "---\ntitle: T\ndate: someday\ntags: {a: 1}\npinned: 3\npermalink: ../x\nextra: 1\n---\n"
    ))
    assert found is None
    assert problems == [
        "posts/p.md:3:1: error: 'date' must be a date like 2026-03-01 or an ISO datetime, got 'someday'",
        "posts/p.md:4:1: error: 'tags' must be a list or a comma separated string, got a mapping",
        "posts/p.md:5:1: error: 'pinned' must be true or false, got a number",
        "posts/p.md:6:1: error: permalink '../x' must stay inside the site",
        "posts/p.md:7:1: warning: unknown front matter key 'extra'",
    ]


def test_an_impossible_date_in_the_file_name(blog: SiteConfig) -> None:
    found, problems = read(blog, "2024-02-30-x.md", "---\ntitle: T\n---\n")
    assert (found, problems) == (
        None, ["posts/2024-02-30-x.md:1:1: error: file name date '2024-02-30' is not a real date"]
    )


def test_a_file_that_is_not_utf8(blog: SiteConfig) -> None:
    found, problems = read(blog, "p.md", b"---\ntitle: caf\xe9\n---\n")
    assert (found, problems) == (None, ["posts/p.md:2:11: error: file is not valid UTF-8"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01", datetime(2024, 3, 1, tzinfo=UTC)),
        ("2024-03-01T08:09:10Z", datetime(2024, 3, 1, 8, 9, 10, tzinfo=UTC)),
        ("2024-03-01 08:09", datetime(2024, 3, 1, 8, 9, tzinfo=UTC)),
        ("2024-03-01 08:09:10 -0500", datetime(2024, 3, 1, 8, 9, 10, tzinfo=timezone(timedelta(hours=-5)))),
        ("2024-03-01T08:09:10+05:30",
         datetime(2024, 3, 1, 8, 9, 10, tzinfo=timezone(timedelta(hours=5, minutes=30)))),
        ("next tuesday", None),
        (20240301, None),
    ],
)
def test_parse_datetime(value: object, expected: datetime | None) -> None:
    assert parse_datetime(value, UTC) == expected


@pytest.mark.parametrize(
    ("text", "slug"),
    [("Hello, World!", "hello-world"), ("Café crème", "cafe-creme"), ("  --a--b--  ", "a-b"),
     ("../../etc/passwd", "etc-passwd"), ("日本語", "日本語"), ("PyTorch 2.0 — tips", "pytorch-2-0-tips")],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


