"""`journey new`: a dated post with front matter, a notebook stub on request, never an overwrite."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import yaml
from conftest import make_blog, post, run_journey

# SOURCE_DATE_EPOCH 1767225600 (conftest.EPOCH) is 2026-01-01T00:00:00Z: the post's date.


def test_new_writes_a_dated_post_with_front_matter(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {"posts/2024-01-01-old.md": post("Old", "2024-01-01", tags="[zeta, Alpha]")})
    code, out, err = run_journey("new", "Gradient descent, by hand!", "--tags", "ml, optimisation",
                                 cwd=blog)
    assert (code, out) == (0, "")
    assert err == "journey: wrote posts/2026-01-01-gradient-descent-by-hand.md\n"
    text = (blog / "posts" / "2026-01-01-gradient-descent-by-hand.md").read_text(encoding="utf-8")
    assert text == (
        "---\n"
        "title: Gradient descent, by hand!\n"
        "date: '2026-01-01'\n"
        "description: ''\n"
        "tags: [ml, optimisation]\n"
        "# tags already used on this blog: Alpha, zeta\n"
        "---\n\nWrite the post here.\n"
    )
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta == {"title": "Gradient descent, by hand!", "date": "2026-01-01", "description": "",
                    "tags": ["ml", "optimisation"]}


def test_the_new_post_builds(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {})
    assert run_journey("new", "First", cwd=blog)[0] == 0
    code, _, err = run_journey("build", cwd=blog)
    assert code == 0, err
    assert (blog / "site" / "posts" / "first" / "index.html").is_file()


def test_new_with_a_notebook_writes_a_stub_with_a_parameters_cell(tmp_path: Path) -> None:
    code, _, err = run_journey("new", "Tiny net", "--notebook", "--source", str(tmp_path), cwd=tmp_path)
    assert code == 0, err
    assert err == "journey: wrote posts/2026-01-01-tiny-net.md\njourney: wrote notebooks/tiny-net.ipynb\n"
    text = (tmp_path / "posts" / "2026-01-01-tiny-net.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert (meta["notebook"], meta["params"]) == ("notebooks/tiny-net.ipynb", {"seed": 0})
    assert "{{< notebook >}}" in text
    notebook = nbformat.read(tmp_path / "notebooks" / "tiny-net.ipynb", as_version=4)
    nbformat.validate(notebook)
    first = notebook.cells[0]
    assert (first.cell_type, first.metadata["tags"], first.source) == ("code", ["parameters"], "seed = 0")
    assert json.loads((tmp_path / "notebooks" / "tiny-net.ipynb").read_text())["nbformat"] == 4


def test_new_refuses_to_overwrite(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {"posts/2026-01-01-hello.md": "mine\n", "posts/hello/index.md": "also\n"})
    code, out, err = run_journey("new", "Hello", cwd=blog)
    assert (code, out) == (1, "")
    assert err == (
        "posts/2026-01-01-hello.md:1:1: error: already exists; journey new never overwrites\n"
        "posts/hello/index.md:1:1: error: a post with slug 'hello' already exists; choose another title\n"
        "journey: 2 errors; nothing was written\n"
    )
    assert (blog / "posts" / "2026-01-01-hello.md").read_text() == "mine\n"


def test_a_title_without_letters_is_an_error(tmp_path: Path) -> None:
    code, _, err = run_journey("new", "!!!", cwd=tmp_path)
    assert (code, err) == (
        2, "journey new: the title '!!!' has no letters or digits to make a slug from\n"
           "usage: journey new [-h] [-s SOURCE] [--notebook] [--tags TAGS] [-v] title\n"
    )
    assert not (tmp_path / "posts").exists()
