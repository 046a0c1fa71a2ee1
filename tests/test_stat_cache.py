"""The inputs' stat cache: an unchanged file is not read again, and no change goes unseen."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import make_blog, post

from generator.build import BuildOptions, build_site
from generator.incremental.scan import RACY_NS, StatCache


def _old(path: Path) -> None:
    """Date the file back beyond the racy window, as if written a minute ago."""
    stamp = time.time_ns() - 60 * 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


def test_an_old_file_is_recorded_and_then_not_read(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("one", encoding="utf-8")
    cache = StatCache()
    assert cache.digest(str(path), time.time_ns()) is not None
    assert str(path) not in cache.entries  # just written: its ctime is fresh, so not trusted yet
    later = time.time_ns() + RACY_NS
    first = cache.digest(str(path), later)
    assert cache.entries[str(path)][4] == first.hex()
    cache.entries[str(path)][4] = "00" * 32  # were the file read again, this would not come back
    assert cache.digest(str(path), later) == bytes(32)


def test_a_rewrite_that_restores_size_and_modification_time_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("one", encoding="utf-8")
    _old(path)
    cache = StatCache()
    later = time.time_ns() + RACY_NS
    before = cache.digest(str(path), later)
    mtime = path.stat().st_mtime_ns
    time.sleep(0.01)
    path.write_text("two", encoding="utf-8")  # same size
    os.utime(path, ns=(mtime, mtime))  # and the old modification time: only ctime tells
    assert cache.digest(str(path), later + RACY_NS) != before


def test_a_saved_cache_keeps_only_the_files_scanned(tmp_path: Path) -> None:
    files = [tmp_path / name for name in ("a.md", "b.md")]
    for path in files:
        path.write_text(path.name, encoding="utf-8")
    cache = StatCache(tmp_path / "stats.json")
    later = time.time_ns() + RACY_NS
    for path in files:
        cache.digest(str(path), later)
    cache.save([str(files[0])])
    assert list(StatCache(tmp_path / "stats.json").entries) == [str(files[0])]


def test_a_named_pipe_among_the_posts_does_not_hang_the_build(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", {"posts/2024-01-01-a.md": post("A", "2024-01-01")})
    os.mkfifo(blog / "posts" / "editor.fifo")
    result = build_site(BuildOptions(source=blog, progress=False))
    assert result.files > 0 and (blog / "site/posts/a/index.html").is_file()
    assert build_site(BuildOptions(source=blog, progress=False)).up_to_date


def test_a_deferred_file_is_hashed_by_its_reader_and_then_recorded(tmp_path: Path) -> None:
    """`defer`: the scan stats a post file it has no entry for but leaves the read to its
    reader (DEFERRED); `learn` records the hash the reader found, under the racy rule."""
    from generator.incremental.scan import DEFERRED

    path = tmp_path / "a.md"
    path.write_text("one", encoding="utf-8")
    cache, later = StatCache(), time.time_ns() + RACY_NS
    assert cache.digest(str(path), later, defer=True) == DEFERRED and cache.entries == {}
    cache.learn(str(path), bytes(32))
    assert cache.entries[str(path)][4] == "00" * 32 and cache.awaiting == {}
    assert cache.digest(str(path), later, defer=True) == bytes(32)  # now stat vouches for it: not deferred
    racy = tmp_path / "b.md"
    racy.write_text("two", encoding="utf-8")
    assert cache.digest(str(racy), time.time_ns(), defer=True) == DEFERRED
    cache.learn(str(racy), bytes(32))
    assert str(racy) not in cache.entries  # just written: not trusted yet, as when the scan reads it


def test_a_first_build_reads_each_post_once_and_hashes_what_no_reader_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cold build's scan reads no post file (its reader hashes it); a Markdown file beside a
    bundle's index.md, which no reader reads, is hashed after the reading, so editing it is seen."""
    from generator.incremental import scan

    blog = make_blog(tmp_path / "blog", {
        "posts/2024-01-01-a.md": post("A", "2024-01-01"),
        "posts/b/index.md": post("B", "2024-01-02"),
        "posts/b/notes.md": "notes, copied beside the page\n",
        "posts/2024-01-03-c.md": post("C", "2024-01-03"),
    })
    hashed: list[str] = []
    monkeypatch.setattr(scan, "read_whole", lambda name, size=-1: hashed.append(name) or Path(name).read_bytes())
    build_site(BuildOptions(source=blog, progress=False))
    posts = sorted(os.path.relpath(name, blog) for name in hashed if name.startswith(str(blog / "posts")))
    assert posts == ["posts/b/notes.md"]
    assert (blog / "site/posts/b/notes.md").read_text(encoding="utf-8") == "notes, copied beside the page\n"
    assert build_site(BuildOptions(source=blog, progress=False)).up_to_date
    (blog / "posts/b/notes.md").write_text("notes, edited\n", encoding="utf-8")
    assert not build_site(BuildOptions(source=blog, progress=False)).up_to_date
    assert (blog / "site/posts/b/notes.md").read_text(encoding="utf-8") == "notes, edited\n"
