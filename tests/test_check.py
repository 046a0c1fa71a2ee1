"""`journey check`: links, anchors, post sources and the GitHub Pages preflight.

The link and preflight checks are tested on hand-written sites (HTML written into tmp_path)
so that each broken case, and the line:col it is reported at, is exact; one test at the end
checks that a real `build_site` of a small blog checks clean.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import a_post

from generator.deploy.check import check_site, preflight_summary
from generator.config import SiteConfig
from generator.models import Document, NotebookRequest, NotebookUse

PAGE = "<!doctype html>\n<html><head><title>t</title></head>\n<body>\n{body}\n</body></html>\n"


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write a hand-made site; every page gets the PAGE wrapper so links start on line 4."""
    site = root / "site"
    for path, content in {".nojekyll": "", **files}.items():
        target = site / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            text = PAGE.format(body=content) if path.endswith(".html") else content
            target.write_text(text, encoding="utf-8")
    return site


def messages(diagnostics: list) -> list[str]:
    return [str(d) for d in diagnostics]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SiteConfig:
    """A blog served under /repo/, with the working folder at its root so paths are short."""
    monkeypatch.chdir(tmp_path)
    return SiteConfig(root=tmp_path, base_url="https://user.github.io/repo/")


def test_a_consistent_site_checks_clean(repo: SiteConfig, tmp_path: Path) -> None:
    site = write_site(
        tmp_path,
        {
            "index.html": (
                '<a href="/repo/posts/a/">a</a> <a href="posts/a/#intro">intro</a>\n'
                '<a href="https://user.github.io/repo/posts/a/">abs</a> <a href="#top">top</a>\n'
                '<a href="/repo/posts/a">no slash</a> <a href="/repo/about">about.html</a>\n'
                '<a href="/repo">base without slash</a> <a href="./?page=2">query</a>\n'
                '<img src="posts/a/nb%20plot.png"'
                ' srcset="posts/a/nb%20plot.png 1x, /repo/logo.svg 2x">\n'
                '<link rel="alternate" href="/repo/feed.xml"><a href="#main" id="main">self</a>\n'
                '<a href="https://example.com/x">external</a>'
                ' <a href="mailto:me@example.com">m</a>\n'
                '<a href="https://user.github.io/other/">same host, other site</a>\n'
                '<img src="data:image/png;base64,AAAA">'
                ' <a href="posts/a/index.html#caf%C3%A9">é</a>\n'
                '<script>const link = "<a href=\'nope/\'>";</script><!-- <a href="old/"> -->'
            ),
            "posts/a/index.html": (
                '<h2 id="intro">Intro</h2><h2 id="café">é</h2><a href="../../">home</a>'
            ),
            "posts/a/nb plot.png": b"\x89PNG",
            "about.html": '<a name="legacy">old-style anchor</a>',
            "404.html": '<a href="/repo/">home</a> <a href="/repo/about#legacy">about</a>',
            "logo.svg": "<svg/>",
            "feed.xml": "<feed/>",
        },
    )
    assert check_site(repo, site) == []


def test_every_broken_link_is_reported_at_its_tag(repo: SiteConfig, tmp_path: Path) -> None:
    site = write_site(
        tmp_path,
        {
            "index.html": (
                '<a href="posts/nope/">missing page</a>\n'
                '  <a href="posts/a/#nope">missing anchor</a> <img src="/repo/posts/a/x.png">\n'
                '<a href="/elsewhere/">outside base</a>\n'
                '<a href="../../etc/passwd">outside site</a>\n'
                '<a href="https://user.github.io/repo/gone/">absolute</a>'
                ' <a href="#here">self</a>\n'
                '<img srcset="posts/a/small.png 1x, posts/a/big.png 2x">\n'
                '<pre class="x"><span class="k">def</span> <em><a href="gone/">g</a></em></pre>'
            ),
            "posts/a/index.html": (
                '<h2 id="intro">Intro</h2>\n<script src="/repo/assets/app-1234.js"></script>'
            ),
            "posts/a/small.png": b"png",
        },
    )
    assert messages(check_site(repo, site)) == [
        "site/index.html:4:1: error: broken link 'posts/nope/' (no such file in the site)",
        "site/index.html:5:3: error: missing anchor '#nope' in posts/a/index.html",
        "site/index.html:5:46: error: broken link '/repo/posts/a/x.png' (no such file in the site)",
        "site/index.html:6:1: error: link '/elsewhere/' is outside the base path /repo/",
        "site/index.html:7:1: error: link '../../etc/passwd' points outside the site",
        (
            "site/index.html:8:1: error: broken link 'https://user.github.io/repo/gone/' (no such "
            "file in the site)"
        ),
        "site/index.html:8:58: error: missing anchor '#here' in index.html",
        "site/index.html:9:1: error: broken link 'posts/a/big.png' (no such file in the site)",
        "site/index.html:10:47: error: broken link 'gone/' (no such file in the site)",
        (
            "site/posts/a/index.html:5:1: error: broken link '/repo/assets/app-1234.js' (no such "
            "file in the site)"
        ),
    ]


def test_a_site_at_the_domain_root_has_no_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = SiteConfig(root=tmp_path, base_url="/")
    site = write_site(
        tmp_path,
        {
            "index.html": '<a href="/posts/a/">a</a> <a href="/repo/">b</a>',
            "posts/a/index.html": "a",
        },
    )
    assert messages(check_site(config, site)) == [
        "site/index.html:4:27: error: broken link '/repo/' (no such file in the site)",
    ]


def test_relative_links_in_404_page_are_errors(repo: SiteConfig, tmp_path: Path) -> None:
    site = write_site(
        tmp_path,
        {
            "404.html": '<link rel="stylesheet" href="assets/site.css"><a href="/repo/">home</a>',
            "index.html": "home",
            "assets/site.css": "body{}",
        },
    )
    assert messages(check_site(repo, site)) == [
        (
            "site/404.html:4:1: error: relative link 'assets/site.css' in 404.html breaks when "
            "served for a missing page; use '/...'"
        ),
    ]


def test_meta_refresh_and_base_href_are_followed(repo: SiteConfig, tmp_path: Path) -> None:
    site = write_site(
        tmp_path,
        {
            "old/index.html": '<meta http-equiv="refresh" content="0; url=/repo/new/">',
            "moved/index.html": '<meta http-equiv="refresh" content="0; url=/repo/gone/">',
            "deep/page/index.html": '<base href="/repo/"><a href="new/">resolves from the base</a>',
            "new/index.html": "new",
        },
    )
    assert messages(check_site(repo, site)) == [
        "site/moved/index.html:4:1: error: broken link '/repo/gone/' (no such file in the site)",
    ]


def test_missing_site_folder(repo: SiteConfig, tmp_path: Path) -> None:
    assert messages(check_site(repo, tmp_path / "site")) == [
        "site:1:1: error: no built site here: run 'journey build' first",
    ]


# -- GitHub Pages preflight ---------------------------------------------------------------


def sparse(path: Path, size: int) -> None:
    """A file of `size` bytes that takes no disk space, for the size limits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(size)


def test_preflight_dotfiles_and_missing_nojekyll(repo: SiteConfig, tmp_path: Path) -> None:
    site = write_site(
        tmp_path,
        {
            "index.html": "home",
            ".DS_Store": b"x",
            ".well-known/security.txt": "x",
            ".well-known/deeper/.hidden": "x",
            "posts/.draft.swp": "x",
        },
    )
    (site / ".nojekyll").unlink()
    assert messages(check_site(repo, site)) == [
        (
            "site:1:1: warning: missing .nojekyll: GitHub Pages would run Jekyll and drop files "
            "starting with '_'"
        ),
        (
            "site/.DS_Store:1:1: warning: '.DS_Store' starts with a dot: a GitHub Pages artifact "
            "upload leaves it out"
        ),
        (
            "site/.well-known:1:1: warning: '.well-known' starts with a dot: a GitHub Pages artifact "
            "upload leaves it out"
        ),
        (
            "site/posts/.draft.swp:1:1: warning: 'posts/.draft.swp' starts with a dot: a GitHub Pages "
            "artifact upload leaves it out"
        ),
    ]


def test_preflight_size_limits(repo: SiteConfig, tmp_path: Path) -> None:
    site = write_site(tmp_path, {"index.html": "home"})
    sparse(site / "data/model.bin", 100_000_001)
    sparse(site / "data/weights.bin", 900_000_000)
    assert messages(check_site(repo, site)) == [
        "site:1:1: error: site is 1.00 GB, over the 1 GB GitHub Pages limit",
        "site/data/model.bin:1:1: error: file is 100.0 MB, over GitHub's 100 MB file limit",
        "site/data/weights.bin:1:1: error: file is 900.0 MB, over GitHub's 100 MB file limit",
    ]


def test_preflight_warns_above_three_quarters(repo: SiteConfig, tmp_path: Path) -> None:
    site = write_site(tmp_path, {"index.html": "home"})
    for number in range(8):
        sparse(site / f"data/part-{number}.bin", 99_000_000)
    assert messages(check_site(repo, site)) == [
        "site:1:1: warning: site is 792.0 MB, 79% of the 1 GB GitHub Pages limit",
    ]
    sparse(site / "data/part-0.bin", 1_000)
    assert check_site(repo, site) == []


def test_preflight_summary_lists_the_largest_files(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"index.html": "home"})
    for name, size in [
        ("a.bin", 10),
        ("b.bin", 2_500),
        ("c.bin", 3_000_000),
        ("d.bin", 2_500),
        ("e.bin", 7),
        ("f.bin", 1),
    ]:
        sparse(site / "files" / name, size)
    size_of_index = (site / "index.html").stat().st_size
    total = 10 + 2_500 + 3_000_000 + 2_500 + 7 + 1 + size_of_index
    assert preflight_summary(site) == [
        f"site: {total / 1e6:.1f} MB in 8 files (0.3% of the 1 GB GitHub Pages limit)",
        "largest files:",
        "     3.0 MB  files/c.bin",
        "     2.5 KB  files/b.bin",
        "     2.5 KB  files/d.bin",
        f"  {size_of_index:>7} B  index.html",
        "       10 B  files/a.bin",
    ]


# -- sources -----------------------------------------------------------------------------


def make_post(
    root: Path, name: str, body: str, *, body_line: int = 5, notebooks: tuple[NotebookUse, ...] = ()
) -> Document:
    source = root / "posts" / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text("---\ntitle: T\ndate: 2024-01-01\n---\n" + body, encoding="utf-8")
    return Document(a_post(source, f"posts/{name}", notebooks=notebooks), body, body_line)


def test_post_images_and_notebooks_must_exist(repo: SiteConfig, tmp_path: Path) -> None:
    site = write_site(tmp_path, {"index.html": "home"})
    (tmp_path / "posts/figures").mkdir(parents=True)
    (tmp_path / "posts/figures/ok.png").write_bytes(b"png")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks/real.ipynb").write_text("{}")
    body = (
        'Intro ![fine](figures/ok.png) and ![gone](figures/gone.png "title").\n'
        "\n"
        "```\n"
        "![in a code block](not/checked.png)\n"
        "```\n"
        "\n"
        "| a | b |\n"
        "|---|---|\n"
        "| x | ![cell](<figures/my plot.png>) |\n"
        "\n"
        '<figure><img alt="x" src="figures/html.png"></figure>\n'
        "\n"
        "Inline <img src='figures/inline.png'> and ![web](https://example.com/x.png) "
        "and ![root](/repo/assets/x.png) and ![ref][r].\n"
        "\n"
        "[r]: figures/ref.png\n"
    )
    uses = (
        NotebookUse("posts/a.md", 6, NotebookRequest(tmp_path / "notebooks/real.ipynb")),
        NotebookUse(
            "posts/a.md",
            7,
            NotebookRequest(
                tmp_path / "notebooks/missing.ipynb", deps=(tmp_path / "notebooks/data.csv",)
            ),
        ),
    )
    post = make_post(tmp_path, "a.md", body, body_line=9, notebooks=uses)
    assert messages(check_site(repo, site, [post])) == [
        "posts/a.md:7:1: error: missing notebook 'notebooks/missing.ipynb'",
        "posts/a.md:7:1: error: missing notebook dependency 'notebooks/data.csv'",
        (
            "posts/a.md:9:43: error: missing image 'figures/gone.png' (no file at "
            "posts/figures/gone.png)"
        ),
        (
            "posts/a.md:17:16: error: missing image 'figures/my plot.png' "
            "(no file at posts/figures/my plot.png)"
        ),
        (
            "posts/a.md:19:27: error: missing image 'figures/html.png' (no file at "
            "posts/figures/html.png)"
        ),
        (
            "posts/a.md:21:18: error: missing image 'figures/inline.png' "
            "(no file at posts/figures/inline.png)"
        ),
        (
            "posts/a.md:23:6: error: missing image 'figures/ref.png' (no file at "
            "posts/figures/ref.png)"
        ),
    ]


def test_bundle_post_images_resolve_beside_index_md(repo: SiteConfig, tmp_path: Path) -> None:
    site = write_site(tmp_path, {"index.html": "home"})
    post = make_post(tmp_path, "bundle/index.md", "![a](plot.png)\n![b](./missing.png)\n")
    (tmp_path / "posts/bundle/plot.png").write_bytes(b"png")
    assert messages(check_site(repo, site, [post])) == [
        (
            "posts/bundle/index.md:6:6: error: missing image './missing.png' "
            "(no file at posts/bundle/missing.png)"
        ),
    ]


def test_problems_from_site_and_sources_come_sorted_in_one_list(
    repo: SiteConfig, tmp_path: Path
) -> None:
    site = write_site(tmp_path, {"index.html": '<a href="b/">b</a>\n<a href="a/">a</a>'})
    os.remove(site / ".nojekyll")
    post = make_post(tmp_path, "z.md", "![x](x.png)\n")
    assert messages(check_site(repo, site, [post])) == [
        "posts/z.md:5:6: error: missing image 'x.png' (no file at posts/x.png)",
        (
            "site:1:1: warning: missing .nojekyll: GitHub Pages would run Jekyll and drop files "
            "starting with '_'"
        ),
        "site/index.html:4:1: error: broken link 'b/' (no such file in the site)",
        "site/index.html:5:1: error: broken link 'a/' (no such file in the site)",
    ]


# -- a real build ------------------------------------------------------------------------

FIXTURE_BLOG = Path(__file__).parent / "fixtures" / "check" / "blog"


@pytest.mark.parametrize("base_url", ["/repo/", None, "/"])
def test_a_real_build_checks_clean_and_a_removed_file_is_caught(
    base_url: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.build import BuildOptions, build_site, build_time
    from generator.config import load_config
    from generator.content.sources import read_posts

    monkeypatch.chdir(tmp_path)
    blog = shutil.copytree(FIXTURE_BLOG, tmp_path / "blog")  # a build writes caches beside it
    out = tmp_path / "site"
    build_site(BuildOptions(source=blog, out=out, base_url=base_url, progress=False))
    config, _ = load_config(blog, base_url)
    posts = read_posts(config, drafts=True, future=True, now=build_time()).documents
    assert len(posts) == 2
    assert check_site(config, out, posts) == []

    (out / "posts/bundle/plot.png").unlink()
    found = messages(check_site(config, out, posts))
    assert len(found) == 1
    assert found[0].startswith("site/posts/bundle/index.html:")
    assert found[0].endswith(": error: broken link 'plot.png' (no such file in the site)")


def test_the_cname_file_must_match_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    site = write_site(tmp_path, {"index.html": "home"})
    with_domain = SiteConfig(
        root=tmp_path, base_url="https://blog.example.org/", cname="blog.example.org"
    )
    without = SiteConfig(root=tmp_path, base_url="https://blog.example.org/")
    assert messages(check_site(with_domain, site)) == [
        "site/CNAME:1:1: error: missing CNAME: the settings say cname = 'blog.example.org'",
    ]
    (site / "CNAME").write_text("blog.example.org\n", encoding="utf-8")
    assert check_site(with_domain, site) == []
    assert messages(check_site(without, site)) == [
        "site/CNAME:1:1: error: CNAME names 'blog.example.org' but the settings have no cname",
    ]
    (site / "CNAME").write_text("old.example.org\n", encoding="utf-8")
    assert messages(check_site(with_domain, site)) == [
        (
            "site/CNAME:1:1: error: CNAME names 'old.example.org' but the settings say "
            "cname = 'blog.example.org'"
        ),
    ]
