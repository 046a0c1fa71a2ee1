"""A Jekyll (minima) site root builds as it is: settings, posts, drafts, static files, old URLs."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import make_blog, post, run_journey

from generator.build import BuildOptions, build_site
from generator.content.front_matter import parse_datetime
from generator.content.permalinks import expand
from generator.content.sources import READERS
from generator.errors import JourneyError

FIXTURE = Path(__file__).parent / "fixtures" / "jekyll" / "minima-blog"
NOT_READ = ("warning: not a post: journey reads .ipynb, .markdown, .md, .mkd, .mkdn, .py, .qmd files as posts; this file is left "
            "out (a post's images and other files go beside it in a <slug>/index.md folder)")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The fixture blog copied and built once with the CLI: (its folder, stderr)."""
    root = tmp_path_factory.mktemp("jekyll") / "minima-blog"
    shutil.copytree(FIXTURE, root)
    status, _, stderr = run_journey("build", "--source", str(root), cwd=root)
    assert status == 0, stderr
    return root, stderr


def page(built: tuple[Path, str], path: str) -> str:
    return (built[0] / "site" / path).read_text(encoding="utf-8")


def test_the_only_warning_names_the_file_in_posts_that_is_not_a_post(built: tuple[Path, str]) -> None:
    lines = [line for line in built[1].splitlines() if not line.startswith("journey: built")]
    assert lines == [f"_posts/notes.txt:1:1: {NOT_READ}"]


def test_every_markdown_form_in_sub_folders_gets_its_jekyll_url(built: tuple[Path, str]) -> None:
    site = built[0] / "site"
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                   if "<article" in p.read_text(encoding="utf-8") and "post-list" not in p.read_text(encoding="utf-8"))
    assert [p for p in pages if not p.startswith(("tags/", "categories/", "archive/", "journey/"))] == [
        "2013/2017/02/05/unpadded-date.html",  # /:categories/:year/:month/:day/:title:output_ext
        "2020/05/01/front-matter-excerpt.html",  # .mkd
        "2021/03/01/mkdn-post.html",  # .mkdn
        "2023/evening-post/index.html",  # the post's own permalink: /:year/:title/
        "jekyll/update/2011/04/27/welcome-to-jekyll.html",  # .markdown, `categories: jekyll update`
    ]


def test_settings_come_from_config_yml(built: tuple[Path, str]) -> None:
    index = page(built, "index.html")
    assert "<title>Old Minima Blog</title>" in index
    assert "<p>Notes from a Jekyll blog that moved to journey without changing a file.</p>" in index
    assert index.count("<article>") == 2  # paginate: 2
    assert '<a rel="next" href="/blog/page/2/">' in index  # baseurl: /blog
    assert '"name":"Grace Hopper"' in page(built, "jekyll/update/2011/04/27/welcome-to-jekyll.html")  # author.name
    assert "<id>https://grace.github.io/blog/2023/evening-post/</id>" in page(built, "feed.xml")  # url + baseurl


def test_jekyll_values_are_read_as_jekyll_reads_them(built: tuple[Path, str]) -> None:
    two = page(built, "2013/2017/02/05/unpadded-date.html")
    assert '"author":{"@type":"Person","name":"Ada Lovelace and Charles Babbage"}' in two
    assert '"datePublished":"2017-02-05T00:00:00-08:00"' in two  # 2017-2-5 in the name; timezone setting
    assert '"keywords":["2019","python"]' in two
    assert "Two authors, one year as a category" in page(built, "categories/2013/index.html")
    evening = page(built, "2023/evening-post/index.html")
    assert '<time datetime="2023-01-29T18:30:22-08:00">January 29, 2023</time>' in evening


def test_excerpts_are_the_listing_and_feed_summaries(built: tuple[Path, str]) -> None:
    listed = page(built, "index.html") + page(built, "page/2/index.html") + page(built, "page/3/index.html")
    summaries = re.findall(r"</p>\n      <p>(.*?)</p>", listed)
    assert summaries == [
        "A short summary, written by hand.",  # `excerpt:` (Markdown, shown as text); first: `sticky_rank: 1`
        "Posted in the evening, Pacific time.",  # the post's own excerpt_separator
        "Old Markdown file extensions are posts too.",  # no separator: the first paragraph
        "The file name&#39;s date has no leading zeros, as Jekyll allows.",
        ("You’ll find this post in your _posts directory. Go ahead and edit it and re-build the site to see "
         "your changes."),  # the text before <!--more-->
    ]
    assert "<summary>A short summary, written by hand.</summary>" in page(built, "feed.xml")


def test_old_urls_get_redirect_pages(built: tuple[Path, str]) -> None:
    expected = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Redirecting…</title>\n'
        '<link rel="canonical" href="https://grace.github.io/blog/2023/evening-post/">\n'
        '<meta http-equiv="refresh" content="0; url=/blog/2023/evening-post/">\n'
        '<meta name="robots" content="noindex">\n</head>\n<body>\n<h1>Redirecting…</h1>\n'
        '<p><a href="/blog/2023/evening-post/">Click here if you are not redirected.</a></p>\n</body>\n</html>\n'
    )
    assert page(built, "old/evening-post/index.html") == expected
    assert page(built, "2023/01/29/evening.html") == expected
    assert 'url=/blog/2021/03/01/mkdn-post.html"' in page(built, "mkdn.html")  # `redirect_from: /mkdn.html`
    assert "old/evening-post" not in page(built, "sitemap.xml")


def test_static_folders_are_copied_to_the_same_urls(built: tuple[Path, str]) -> None:
    root = built[0]
    for name in ("assets/images/diagram.svg", "images/logo.svg"):
        assert (root / "site" / name).read_bytes() == (root / name).read_bytes()
    assert '<img src="/blog/assets/images/diagram.svg" alt="A diagram"' in page(
        built, "jekyll/update/2011/04/27/welcome-to-jekyll.html")
    assert not (root / "site" / "Gemfile").exists()


def test_drafts_come_from_drafts_folder_only_when_asked(built: tuple[Path, str], tmp_path: Path) -> None:
    assert "A draft idea" not in page(built, "archive/index.html")
    result = build_site(BuildOptions(source=built[0], out=tmp_path / "with-drafts", drafts=True, progress=False))
    assert "A draft idea" in (tmp_path / "with-drafts" / "archive" / "index.html").read_text(encoding="utf-8")
    assert [str(d) for d in result.diagnostics] == [f"{built[0] / '_posts/notes.txt'}:1:1: {NOT_READ}"]


def test_check_passes_and_names_a_redirect_whose_page_is_gone(built: tuple[Path, str], tmp_path: Path) -> None:
    status, _, stderr = run_journey("check", "--source", str(built[0]), cwd=built[0])
    assert status == 0, stderr
    root = tmp_path / "blog"
    shutil.copytree(built[0], root)
    (root / "site" / "2021" / "03" / "01" / "mkdn-post.html").unlink()
    status, _, stderr = run_journey("check", "--source", str(root), cwd=root)
    assert status == 1
    redirect = [line for line in stderr.splitlines() if "mkdn.html" in line]
    assert redirect == [("site/mkdn.html:7:1: error: broken link '/blog/2021/03/01/mkdn-post.html' (no such file "
                         "in the site)")]


def test_an_edit_of_config_yml_or_a_post_in_a_sub_folder_is_seen_by_the_next_build(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    shutil.copytree(FIXTURE, root)
    options = BuildOptions(source=root, progress=False)
    build_site(options)
    assert build_site(options).up_to_date
    config = root / "_config.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("title: Old Minima Blog", "title: New Name"),
                      encoding="utf-8")
    build_site(options)
    assert "<title>New Name</title>" in (root / "site" / "index.html").read_text(encoding="utf-8")
    nested = root / "_posts" / "2017" / "2017-2-5-unpadded-date.md"
    nested.write_text(nested.read_text(encoding="utf-8").replace("leading zeros", "zeros in front"),
                      encoding="utf-8")
    build_site(options)
    assert "zeros in front" in (root / "site" / "2013/2017/02/05/unpadded-date.html").read_text(encoding="utf-8")


# -- diagnostics ----------------------------------------------------------------------------


def errors_of(root: Path) -> list[str]:
    with pytest.raises(JourneyError) as raised:
        build_site(BuildOptions(source=root, progress=False))
    return [str(d).replace(f"{root}/", "") for d in raised.value.diagnostics if d.is_error]


def jekyll_root(tmp_path: Path, config: str, posts: dict[str, str]) -> Path:
    return make_blog(tmp_path / "blog", {"_config.yml": config, **{f"_posts/{k}": v for k, v in posts.items()}})


def test_a_redirect_onto_a_page_or_another_redirect_is_an_error_naming_both(tmp_path: Path) -> None:
    root = jekyll_root(tmp_path, "title: T\npermalink: /:title/\n", {
        "2024-01-01-a.md": post("A", "2024-01-01", redirect_from="[/b/, /old/]"),
        "2024-01-02-b.md": post("B", "2024-01-02"),
        "2024-01-03-c.md": post("C", "2024-01-03", aliases="/old/"),
    })
    assert errors_of(root) == [
        ("_posts/2024-01-01-a.md:1:1: error: the redirect from /b/ would replace the file b/index.html that "
         "_posts/2024-01-02-b.md writes"),
        ("_posts/2024-01-03-c.md:1:1: error: the redirect from /old/ would replace the file old/index.html that "
         "_posts/2024-01-01-a.md writes"),
    ]


def test_an_unknown_permalink_placeholder_is_an_error_at_its_key(tmp_path: Path) -> None:
    root = jekyll_root(tmp_path, "title: T\n", {"2024-01-01-a.md": post("A", "2024-01-01", permalink="/:year/:bogus/")})
    [found] = errors_of(root)
    assert found.startswith("_posts/2024-01-01-a.md:4:1: error: unknown placeholder ':bogus' in permalink "
                            "'/:year/:bogus/' (known: :year, :short_year, :month,")


def test_bad_jekyll_values_are_errors_at_their_keys(tmp_path: Path) -> None:
    root = jekyll_root(tmp_path, "title: T\n", {
        "2024-01-01-a.md": post("A", "2024-01-01", redirect_from="{old: 1}", aliases="../up/",
                                author="[Ada, {x: 1}]", categories="{a: 1}"),
    })
    assert errors_of(root) == [
        "_posts/2024-01-01-a.md:4:1: error: 'redirect_from' must be a path or a list of paths, got a mapping",
        "_posts/2024-01-01-a.md:5:1: error: redirect '../up/' must be a path inside the site",
        "_posts/2024-01-01-a.md:6:1: error: 'author' must be a name or a list of names, got a list",
        "_posts/2024-01-01-a.md:7:1: error: 'categories' must be a list or a comma separated string, got a mapping",
    ]


def test_bad_config_yml_values_are_errors_at_their_keys(tmp_path: Path) -> None:
    root = jekyll_root(tmp_path, "title: T\nplugins: [jekyll-feed]\npaginate: many\npermalink: /:nope/\n"
                                 "timezone: Mars/Olympus\n", {})
    assert [e.split(" (known")[0] for e in errors_of(root)] == [
        "_config.yml:3:1: error: setting 'paginate': expected a positive integer, got a string",
        "_config.yml:4:1: error: setting 'permalink': unknown placeholder ':nope' in permalink '/:nope/'",
        "_config.yml:5:1: error: setting 'timezone': unknown time zone 'Mars/Olympus'",
    ]
    (root / "_config.yml").write_text("title: [unclosed\n", encoding="utf-8")
    assert errors_of(root) == ["_config.yml:2:1: error: invalid YAML: expected ',' or ']', but got '<stream end>'"]


def test_a_journey_blog_names_its_jekyll_folders_in_its_settings(tmp_path: Path) -> None:
    root = make_blog(tmp_path / "blog", {
        "pyproject.toml": '[tool.journey]\ntitle = "Mine"\nposts_dirs = ["_posts", "more"]\ndrafts_dir = "_drafts"\n'
                          'copy_dirs = ["assets"]\npermalink = "pretty"\nexcerpt_separator = "<!-- cut -->"\n',
        "_config.yml": "title: ignored, [tool.journey] wins\n",
        "_posts/2024-03-04-one.markdown": post("One", "2024-03-04", "Before.\n\nMore before.\n\n<!-- cut -->\n\nAfter.\n"),
        "more/2024-03-05-two.md": post("Two", "2024-03-05", categories="[Deep Learning]"),
        "_drafts/draft.md": post("Draft", "2024-03-06"),
        "assets/x.txt": "x",
    })
    build_site(BuildOptions(source=root, progress=False, drafts=True))
    site = root / "site"
    assert "<title>Mine</title>" in (site / "index.html").read_text(encoding="utf-8")
    assert (site / "2024/03/04/one/index.html").is_file()
    assert (site / "deep learning/2024/03/05/two/index.html").is_file()  # Jekyll lowercases, keeps spaces
    assert (site / "2024/03/06/draft/index.html").is_file()
    assert (site / "assets/x.txt").read_text(encoding="utf-8") == "x"
    assert "<p>Before. More before.</p>" in (site / "index.html").read_text(encoding="utf-8")
    settings = root / "pyproject.toml"  # a new separator is seen by the next build: the first paragraph then
    settings.write_text(settings.read_text(encoding="utf-8").replace("<!-- cut -->", "<!-- none -->"), encoding="utf-8")
    build_site(BuildOptions(source=root, progress=False, drafts=True))
    assert "<p>Before.</p>" in (site / "index.html").read_text(encoding="utf-8")


def test_a_pyproject_without_a_journey_table_leaves_the_settings_to_config_yml(tmp_path: Path) -> None:
    root = jekyll_root(tmp_path, "title: From Jekyll\npermalink: none\n", {"2024-01-01-a.md": post("A", "2024-01-01")})
    (root / "pyproject.toml").write_text('[project]\nname = "blog"\n', encoding="utf-8")
    status, _, stderr = run_journey("build", "--source", str(root), cwd=root)
    assert status == 0, stderr
    assert "<title>A · From Jekyll</title>" in (root / "site" / "a.html").read_text(encoding="utf-8")
    (root / "_posts" / "2024-01-01-a.md").write_text(post("A", "2024-01-01", permalink="/:month/:oops/"), encoding="utf-8")
    status, _, stderr = run_journey("build", "--source", str(root), cwd=root)
    assert status == 1
    assert stderr.splitlines()[0].startswith(
        "_posts/2024-01-01-a.md:4:1: error: unknown placeholder ':oops' in permalink '/:month/:oops/' (known: ")


# -- the rules themselves ---------------------------------------------------------------------


@pytest.mark.parametrize(("pattern", "expected"), [
    ("date", "/ml/python/2009/04/29/Slap-Chop.html"),
    ("pretty", "/ml/python/2009/04/29/Slap-Chop/"),
    ("ordinal", "/ml/python/2009/119/Slap-Chop.html"),
    ("none", "/ml/python/Slap-Chop.html"),
    ("/:year/:i_month/:i_day/:slug:output_ext", "/2009/4/29/slap-chop.html"),
    ("/:short_year/:month/:day/:hour:minute/:title/", "/09/04/29/0705/Slap-Chop/"),
])
def test_permalink_patterns_follow_jekyll(pattern: str, expected: str) -> None:
    moment = datetime(2009, 4, 29, 7, 5, tzinfo=UTC)
    assert expand(pattern, date=moment, name="Slap-Chop", categories=["ML", "python"]) == expected


def test_title_keeps_case_and_punctuation_and_slug_keeps_words() -> None:
    moment = datetime(2020, 1, 1, tzinfo=UTC)
    assert expand("/:title/:slug", date=moment, name="My_Post (v2)!", categories=[]) == "/My-Post-(v2)!/my-post-v2"


def test_no_categories_leave_no_empty_folder() -> None:
    assert expand("date", date=datetime(2011, 4, 27, tzinfo=UTC), name="x", categories=[]) == "/2011/04/27/x.html"


@pytest.mark.parametrize(("text", "expected"), [
    ("2023-01-29 18:30:22 -0800", datetime(2023, 1, 29, 18, 30, 22, tzinfo=timezone(timedelta(hours=-8)))),
    ("2023-01-29 18:30", datetime(2023, 1, 29, 18, 30, tzinfo=UTC)),
    ("2023-01-29T18:30:22Z", datetime(2023, 1, 29, 18, 30, 22, tzinfo=UTC)),
    ("2017-2-5", datetime(2017, 2, 5, tzinfo=UTC)),
])
def test_jekyll_date_forms(text: str, expected: datetime) -> None:
    assert parse_datetime(text, UTC) == expected


def test_a_fastpages_root_builds_as_it_is(tmp_path: Path) -> None:
    root = tmp_path / "fastpages-blog"
    shutil.copytree(FIXTURE.parent / "fastpages-blog", root)
    result = build_site(BuildOptions(source=root, progress=False))
    site = root / "site"
    html = (site / "test-markdown-post" / "index.html").read_text(encoding="utf-8")  # permalink: /:title/
    assert "<title>An Example Markdown Post · fastpages notes</title>" in html
    assert '<img src="/notes/images/chart-preview.svg" alt="chart"' in html
    assert '<meta property="og:image" content="https://example.github.io/notes/images/chart-preview.svg">' in html
    assert (site / "images/chart-preview.svg").read_bytes() == (root / "images/chart-preview.svg").read_bytes()
    assert (site / "categories/markdown/index.html").is_file()
    assert not (site / "about").exists()  # _pages/ is not a posts folder
    notebook = root / "_notebooks" / "2020-02-20-test.ipynb"
    # fastpages' keys (toc, badges, comments, hide, search_exclude, sticky_rank) warn of nothing;
    # the notebook is a post once a reader for .ipynb is in READERS, and until then a warning names it.
    expected = [] if ".ipynb" in READERS else [f"{notebook}:1:1: {NOT_READ}"]
    assert [str(d) for d in result.diagnostics] == expected


def test_front_matter_defaults_that_would_change_the_site_are_a_warning(tmp_path: Path) -> None:
    config = ("title: T\ndefaults:\n  - scope: {path: '', type: posts}\n    values: {layout: post, comments: true}\n"
              "  - scope: {path: ''}\n    values: {permalink: '/:title/', author: Ada}\n")
    root = jekyll_root(tmp_path, config, {"2024-01-01-a.md": post("A", "2024-01-01")})
    result = build_site(BuildOptions(source=root, progress=False))
    assert [str(d).replace(f"{root}/", "") for d in result.diagnostics] == [
        "_config.yml:2:1: warning: front matter defaults are not applied; set 'author', 'permalink' in the posts",
    ]
    (root / "_config.yml").write_text("title: T\ndefaults:\n  - values: {layout: post, toc: true}\n", encoding="utf-8")
    assert build_site(BuildOptions(source=root, progress=False)).diagnostics == []


def test_fastpages_hide_and_sticky_rank_order_the_index(tmp_path: Path) -> None:
    root = jekyll_root(tmp_path, "title: T\npermalink: /:title/\n", {
        "2024-01-01-old.md": post("Old", "2024-01-01", sticky_rank="2"),
        "2024-01-02-older-rank.md": post("Ranked first", "2024-01-02", sticky_rank="1"),
        "2024-01-03-pinned.md": post("Pinned", "2024-01-03", pinned="true"),
        "2024-01-04-new.md": post("New", "2024-01-04"),
        "2024-01-05-hidden.md": post("Hidden", "2024-01-05", hide="true"),
    })
    build_site(BuildOptions(source=root, progress=False))
    index = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r"<h2><a [^>]*>(.*?)</a>", index) == ["Ranked first", "Old", "Pinned", "New"]
    assert "Hidden" in (root / "site" / "archive" / "index.html").read_text(encoding="utf-8")
    assert (root / "site" / "hidden" / "index.html").is_file()
    (root / "_posts" / "2024-01-04-new.md").write_text(post("New", "2024-01-04", sticky_rank="first"), encoding="utf-8")
    assert errors_of(root) == [("_posts/2024-01-04-new.md:4:1: error: 'sticky_rank' must be a positive whole number, "
                                "got 'first'")]


@pytest.mark.parametrize(("value", "expected"), [
    ("Ada", "Ada"),
    ("[Ada, Grace]", "Ada and Grace"),
    ("[Ada, Grace, Alan]", "Ada, Grace and Alan"),
    ("{name: Ada, email: ada@example.com}", "Ada"),
    ("1815", "1815"),
])
def test_authors_as_jekyll_themes_write_them(tmp_path: Path, value: str, expected: str) -> None:
    from generator.config import SiteConfig
    from generator.content.sources import read_file

    path = make_blog(tmp_path, {"_posts/2024-01-01-a.md": post("A", "2024-01-01", author=value)}) / "_posts/2024-01-01-a.md"
    read = read_file(SiteConfig(root=tmp_path), path)
    assert read.problems == () and read.document is not None
    assert read.document.post.author == expected
