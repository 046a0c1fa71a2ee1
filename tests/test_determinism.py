"""Determinism: the same inputs give a byte-identical site, wherever and whenever they are built."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import make_blog, post, read_tree, run_journey, tree_hash

from tests.golden.regenerate import copy_blog as copy_golden


def copy_blog(target: Path) -> Path:
    """The golden blog plus enough posts that --jobs 2 renders in worker processes."""
    return make_blog(copy_golden(target), {
        f"posts/2023-0{n}-0{n}-extra-{n}.md": post(f"Extra {n}", f"2023-0{n}-0{n}", tags=f"[t{n % 3}]",
                                                   body=f"## Part {n}\n\n```python\nx = {n}\n```\n")
        for n in range(1, 10)
    })


def test_two_builds_in_different_places_at_different_times_are_identical(tmp_path: Path) -> None:
    first = copy_blog(tmp_path / "one" / "blog")
    second = copy_blog(tmp_path / "elsewhere" / "deeper" / "blog")
    for path in second.rglob("*"):
        os.utime(path, (1500000000, 1500000000))  # other modification times
    code, _, err = run_journey("build", "--source", str(first), "--jobs", "1", cwd=tmp_path)
    assert code == 0, err
    code, _, err = run_journey("build", "--jobs", "2", cwd=second)
    assert code == 0, err
    one, two = read_tree(first / "site"), read_tree(second / "site")
    assert sorted(one) == sorted(two)
    assert [name for name in one if one[name] != two[name]] == []
    assert tree_hash(first / "site") == tree_hash(second / "site")
    assert len(one) > 40


def test_a_rebuild_with_a_warm_cache_equals_a_cold_build(tmp_path: Path) -> None:
    blog = copy_blog(tmp_path / "blog")
    assert run_journey("build", cwd=blog)[0] == 0
    cold = tree_hash(blog / "site")
    assert run_journey("build", cwd=blog)[0] == 0  # everything cached
    assert tree_hash(blog / "site") == cold
    hello = blog / "posts" / "2024-01-15-hello-world.md"
    hello.write_text(hello.read_text().replace("one engineer", "one person"))
    assert run_journey("build", "--out", "warm", cwd=blog)[0] == 0  # one post changed
    fresh = copy_blog(tmp_path / "fresh")
    (fresh / "posts" / "2024-01-15-hello-world.md").write_text(hello.read_text())
    assert run_journey("build", "--out", "cold", cwd=fresh)[0] == 0
    assert read_tree(blog / "warm") == read_tree(fresh / "cold")
    assert b"one person" in read_tree(blog / "warm")["posts/hello-world/index.html"]


def test_source_date_epoch_decides_which_posts_are_in_the_future(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {
        "posts/2024-01-01-old.md": post("Old", "2024-01-01"),
        "posts/new.md": post("New", "2024-06-01 12:00:00"),
    })
    before = {"SOURCE_DATE_EPOCH": "1717243199"}  # 2024-06-01T11:59:59Z
    assert run_journey("build", "--out", "a", cwd=blog, env=before)[0] == 0
    assert not (blog / "a" / "posts" / "new").exists()
    at = {"SOURCE_DATE_EPOCH": "1717243200"}
    assert run_journey("build", "--out", "b", cwd=blog, env=at)[0] == 0
    assert (blog / "b" / "posts" / "new" / "index.html").is_file()
    assert run_journey("build", "--out", "c", "--future", cwd=blog, env=before)[0] == 0
    assert tree_hash(blog / "b") == tree_hash(blog / "c")
