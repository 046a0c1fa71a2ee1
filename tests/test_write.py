"""Reading an input file whole (files.py) and writing a file of the staging tree
(website/write.py): always a new file, never an old one rewritten in place, whatever stands at
its path or its folder's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.website.write import make_room, write_new


@pytest.mark.parametrize("how", ["write_new", "make_room"])
@pytest.mark.parametrize("before", ["nothing", "its folder", "an old file, linked elsewhere", "a folder in its place",
                                    "a file in its folder's place", "two folders to make"])
def test_a_file_is_written_new_whatever_stands_in_its_way(tmp_path: Path, how: str, before: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    clean = "a/b/index.html" if before == "two folders to make" else "post/index.html"
    target = root / clean
    twin = tmp_path / "twin.html"
    if before == "its folder":
        target.parent.mkdir()
    elif before == "an old file, linked elsewhere":  # the spare's twin of the live site shares inodes
        target.parent.mkdir()
        target.write_text("old", encoding="utf-8")
        os.link(target, twin)
    elif before == "a folder in its place":
        (target / "stale").mkdir(parents=True)
        (target / "stale" / "x.html").write_text("x", encoding="utf-8")
    elif before == "a file in its folder's place":
        target.parent.write_text("not a folder", encoding="utf-8")
    if how == "write_new":
        write_new(root, clean, "<p>new ✓</p>")
    else:
        make_room(root, clean).write_bytes("<p>new ✓</p>".encode())
    assert target.read_text(encoding="utf-8") == "<p>new ✓</p>"
    assert target.parent.is_dir()
    if before == "an old file, linked elsewhere":
        assert twin.read_text(encoding="utf-8") == "old"  # the other tree's file is untouched
        assert twin.stat().st_ino != target.stat().st_ino


def test_write_new_writes_bytes_as_given_and_a_file_at_the_top(tmp_path: Path) -> None:
    write_new(tmp_path, "404.html", b"\x00\xffbytes\r\n")
    assert (tmp_path / "404.html").read_bytes() == b"\x00\xffbytes\r\n"
    assert oct((tmp_path / "404.html").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("size", [0, 1, 1023, 1 << 16, (1 << 16) + 1, 300_000])
@pytest.mark.parametrize("hint", ["its size", "none", "too small"])
def test_read_whole_reads_every_byte_whatever_size_it_expected(tmp_path: Path, size: int, hint: str) -> None:
    from generator.files import read_whole

    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    (tmp_path / "f").write_bytes(data)
    expected = {"its size": (size,), "none": (), "too small": (max(size // 3, 0),)}[hint]
    assert read_whole(tmp_path / "f", *expected) == data
    with pytest.raises(FileNotFoundError):
        read_whole(tmp_path / "missing")

