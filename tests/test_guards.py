"""Inputs that would make a build unsafe or silently wrong are refused with an exact diagnostic.

Each case was once a silent failure or an internal error; the CLI runs as a real process.
"""

from __future__ import annotations

from pathlib import Path

from conftest import make_blog, post, run_journey

GOOD = {"posts/2024-01-01-good.md": post("Good", "2024-01-01")}


def failed(count: int) -> str:
    return f"journey: {count} error{'s' if count != 1 else ''}; nothing was written\n"


def test_path_settings_must_stay_inside_the_blog(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", {
        **GOOD,
        "pyproject.toml": '[tool.journey]\nstatic_dir = "/etc"\nposts_dir = "../elsewhere"\n',
    })
    code, _, err = run_journey("build", cwd=blog)
    assert (code, err) == (1, (
        "pyproject.toml:2:1: error: setting 'static_dir': must be a path inside the blog folder, got '/etc'\n"
        "pyproject.toml:3:1: error: setting 'posts_dir': must be a path inside the blog folder, got '../elsewhere'\n"
    ) + failed(2))
    assert not (blog / "site").exists()


def test_an_output_folder_inside_an_input_folder_is_refused(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {**GOOD, "static/robots.txt": "User-agent: *\n"})
    code, _, err = run_journey("build", "--out", "static/site", cwd=blog)
    out = blog / "static" / "site"
    assert (code, err) == (1, (
        f"{out}:1:1: error: the output folder must not be inside the input folder '{blog / 'static'}'\n"
    ) + failed(1))
    assert not out.exists()


def test_an_empty_date_falls_back_to_the_file_name(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {"posts/2024-03-04-empty.md": "---\ntitle: Empty\ndate:\n---\nText.\n"})
    code, _, err = run_journey("build", cwd=blog)
    assert code == 0, err
    page = (blog / "site" / "posts" / "empty" / "index.html").read_text(encoding="utf-8")
    assert 'datetime="2024-03-04T00:00:00+00:00"' in page


def test_an_output_needed_as_both_file_and_folder_is_an_error(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {
        "posts/2024-01-01-a.md": post("A", "2024-01-01", permalink="/sitemap.xml/x/"),
    })
    code, _, err = run_journey("build", cwd=blog)
    assert (code, err) == (1, (
        "posts/2024-01-01-a.md:1:1: error: 'sitemap.xml' would have to be both a file and a folder "
        "(also written by sitemap)\n"
    ) + failed(1))


def test_a_file_deleted_from_the_site_is_written_again(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, GOOD)
    assert run_journey("build", cwd=blog)[0] == 0
    page = blog / "site" / "posts" / "good" / "index.html"
    original = page.read_bytes()
    page.unlink()
    code, _, err = run_journey("build", cwd=blog)
    assert code == 0 and "up to date" not in err
    assert page.read_bytes() == original


def test_settings_that_are_not_a_table_are_an_error(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {**GOOD, "pyproject.toml": "[tool]\njourney = 5\n"})
    code, _, err = run_journey("build", cwd=blog)
    assert (code, err) == (1, "pyproject.toml:1:1: error: [tool.journey] must be a table of settings\n" + failed(1))


def test_a_base_url_path_without_slashes_gives_root_relative_links(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, GOOD)
    assert run_journey("build", "--base-url", "repo", cwd=blog)[0] == 0
    index = (blog / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="/repo/posts/good/"' in index and 'href="repo/' not in index


def test_a_serve_port_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    code, out, err = run_journey("serve", "--port", "99999", cwd=tmp_path)
    assert (code, out, err) == (2, "", (
        "journey serve: argument -p/--port: expected a port number from 0 to 65535, got '99999'\n"
        "usage: journey serve [-h] [-s SOURCE] [--host HOST] [-p PORT] [--drafts] [-v]\n"
    ))


def test_new_checks_the_slugs_posts_really_have(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {
        "posts/2024-01-01-linear-regression.md": post("Linear regression", "2024-01-01"),
        "posts/2024-02-01-other.md": post("Other", "2024-02-01", slug="custom"),
    })
    code, _, err = run_journey("new", "Regression", cwd=blog)  # '-regression' is not the slug 'regression'
    assert code == 0, err
    code, _, err = run_journey("new", "Custom", cwd=blog)
    assert (code, err) == (1, (
        "posts/2024-02-01-other.md:1:1: error: a post with slug 'custom' already exists; choose another title\n"
    ) + failed(1))


def test_different_tags_that_share_a_page_are_a_warning(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {
        "posts/2024-01-01-a.md": post("A", "2024-01-01", tags="[C++, ML]"),
        "posts/2024-01-02-b.md": post("B", "2024-01-02", tags="[C#, ml]"),  # 'ml' is 'ML' spelled again: fine
    })
    code, _, err = run_journey("build", cwd=blog)
    assert code == 0
    assert err.splitlines()[0] == (
        "posts/2024-01-02-b.md:1:1: warning: tag 'C#' shares the page /tags/c/ with 'C++' "
        "(posts/2024-01-01-a.md); rename one of them"
    )
    code, _, err = run_journey("build", "--strict", cwd=blog)
    assert code == 1 and "error: tag 'C#' shares the page /tags/c/" in err
