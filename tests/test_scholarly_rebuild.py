"""Incremental builds see what citations, series pages and Markdown copies depend on beyond a
post's own file: an edited `.bib`, an edited member of a series, the site's URL; each rebuild
equals a clean build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import make_blog, post, read_tree

from generator.build import BuildOptions, build_site

FIXTURES = Path(__file__).parent / "fixtures" / "scholarly"


def build(source: Path, out: Path) -> int:
    result = build_site(BuildOptions(source=source, out=out, jobs=1, progress=False))
    assert not result.diagnostics, result.diagnostics
    return result.rendered


def clean_build(blog: Path, tmp: Path) -> dict[str, bytes]:
    copy = shutil.copytree(blog, tmp / "clean", ignore=shutil.ignore_patterns(".journey-cache", "site"))
    build(copy, copy / "site")
    tree = read_tree(copy / "site")
    shutil.rmtree(copy)
    return tree


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_blog(tmp_path_factory.mktemp("rebuild") / "blog", {
        "pyproject.toml": '[tool.journey]\ntitle = "Notes"\nbase_url = "https://ada.github.io/notes/"\nllms_txt = true\n',
        "refs/ml.bib": (FIXTURES / "refs.bib").read_text(encoding="utf-8"),
        "posts/2025-01-01-cites.md": post("Cites", "2025-01-01", "As shown [@he2016].\n", bibliography="../refs/ml.bib"),
        **{f"posts/2025-02-0{n}-part-{n}.md": post(f"Part {n}", f"2025-02-0{n}", "Words.\n", series="Tour")
           for n in (1, 2, 3)},
    })
    build(root, root / "site")
    return root


def test_an_edited_bib_rebuilds_the_posts_that_cite_from_it(blog: Path, tmp_path: Path) -> None:
    bib = blog / "refs/ml.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("Deep Residual Learning", "Very Deep Residual Learning"),
                   encoding="utf-8")
    assert build(blog, blog / "site") >= 1
    page = (blog / "site/posts/cites/index.html").read_text(encoding="utf-8")
    assert "Very deep residual learning for image recognition" in page
    assert read_tree(blog / "site") == clean_build(blog, tmp_path)


def test_an_edited_series_member_changes_the_other_parts_pages(blog: Path, tmp_path: Path) -> None:
    part = blog / "posts/2025-02-02-part-2.md"
    part.write_text(part.read_text(encoding="utf-8").replace("title: Part 2", "title: The middle"), encoding="utf-8")
    build(blog, blog / "site")
    for neighbour in ("part-1", "part-3"):
        assert "The middle</a>" in (blog / f"site/posts/{neighbour}/index.html").read_text(encoding="utf-8")
    assert read_tree(blog / "site") == clean_build(blog, tmp_path)
    # Leaving the series: the others become parts 1 and 2 of 2.
    part.write_text(part.read_text(encoding="utf-8").replace("series: Tour\n", ""), encoding="utf-8")
    build(blog, blog / "site")
    assert "Part 2 of 2" in (blog / "site/posts/part-3/index.html").read_text(encoding="utf-8")
    assert read_tree(blog / "site") == clean_build(blog, tmp_path)


def test_a_new_base_url_reaches_the_markdown_copies(blog: Path, tmp_path: Path) -> None:
    settings = blog / "pyproject.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("ada.github.io", "notes.example.org"), encoding="utf-8")
    build(blog, blog / "site")
    assert 'url: "https://notes.example.org/notes/posts/cites/"' in (blog / "site/posts/cites/index.md").read_text(encoding="utf-8")
    assert read_tree(blog / "site") == clean_build(blog, tmp_path)
