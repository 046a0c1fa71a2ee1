"""Real faults of the machine: a disk that fills up, a read-only output folder, a cache that cannot be written.

The small disk is a real tmpfs of 2 MiB, mounted by the test; that needs root (or
CAP_SYS_ADMIN), and where the test cannot mount one the full-disk case is skipped, saying
so. The read-only cases use a read-only tmpfs where one can be mounted (root ignores file
modes), else `chmod` (which binds every other user). Each fault must be a diagnostic at the
folder, exit 1, and leave the previous site byte for byte as it was.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_blog, post, run_journey, tree_hash

SMALL = {"posts/2024-01-01-small.md": post("Small", "2024-01-01")}
BIG = bytes(range(256)) * 12_000  # a 3 MB static file: the next site does not fit on the 2 MiB disk


def _mount(where: Path, options: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                            capture_output=True, check=False)
    return result.returncode == 0


def _unmount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def _remount_read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True, capture_output=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MiB file system, unmounted afterwards."""
    disk = tmp_path / "disk"
    if os.geteuid() != 0 or not _mount(disk, "size=2m"):
        pytest.skip("mounting a small tmpfs needs root (or CAP_SYS_ADMIN), which this run does not have")
    try:
        yield disk
    finally:
        _unmount(disk)


def failed(message: str) -> str:
    return f"{message}\njourney: 1 error; nothing was written\n"


def test_a_full_disk_is_a_diagnostic_and_the_previous_site_stays(tmp_path: Path, small_disk: Path) -> None:
    blog = make_blog(tmp_path / "blog", SMALL)
    out = small_disk / "site"
    assert run_journey("build", "--out", str(out), cwd=blog)[0] == 0
    before = tree_hash(out)
    make_blog(blog, {"static/big.bin": BIG})
    code, _, err = run_journey("build", "--out", str(out), cwd=blog)
    assert (code, err) == (1, failed(f"{out}/:1:1: error: no space left on device; the previous site is unchanged"))
    assert tree_hash(out) == before
    assert sorted(os.listdir(small_disk)) == ["site"]  # the half-made tree is gone: the disk has its room back
    (blog / "static/big.bin").unlink()
    make_blog(blog, {"posts/2024-01-03-more.md": post("More", "2024-01-03")})
    code, _, err = run_journey("build", "--out", str(out), cwd=blog)
    assert code == 0, err
    assert (out / "posts/more/index.html").is_file()


def _read_only(folder: Path, mounted: bool) -> None:
    if mounted:
        _remount_read_only(folder)
    else:
        folder.chmod(0o555)


def _writable_area(where: Path) -> bool:
    """A folder that can be made read-only later: a tmpfs when root can mount one, else a plain folder."""
    if os.geteuid() == 0:
        if not _mount(where, "size=8m"):
            pytest.skip("running as root without CAP_SYS_ADMIN: neither chmod nor a read-only mount binds root")
        return True
    where.mkdir(parents=True)
    return False


def test_a_read_only_output_folder_is_a_diagnostic(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", SMALL)
    area = tmp_path / "area"
    mounted = _writable_area(area)
    try:
        out = area / "site"
        assert run_journey("build", "--out", str(out), cwd=blog)[0] == 0
        before = tree_hash(out)
        make_blog(blog, {"posts/2024-01-02-next.md": post("Next", "2024-01-02")})
        _read_only(area, mounted)
        code, _, err = run_journey("build", "--out", str(out), cwd=blog)
        said = "read-only file system" if mounted else "permission denied"
        assert (code, err) == (1, failed(f"{out}/:1:1: error: {said}; the previous site is unchanged"))
        assert tree_hash(out) == before
    finally:
        if mounted:
            _unmount(area)
        else:
            area.chmod(0o755)


def test_a_cache_folder_the_build_may_not_write_is_a_diagnostic(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", SMALL)
    assert run_journey("build", cwd=blog)[0] == 0
    before = tree_hash(blog / "site")
    make_blog(blog, {"posts/2024-01-02-next.md": post("Next", "2024-01-02")})
    cache = blog / ".journey-cache"
    mounted = os.geteuid() == 0
    if mounted and not _mount(cache, "size=1m,ro"):  # hides the cache: the build sees an empty, read-only one
        pytest.skip("running as root without CAP_SYS_ADMIN: neither chmod nor a read-only mount binds root")
    if not mounted:
        cache.chmod(0o555)
    try:
        code, _, err = run_journey("build", cwd=blog)
    finally:
        if mounted:
            _unmount(cache)
        else:
            cache.chmod(0o755)
    said = "read-only file system" if mounted else "permission denied"
    assert (code, err) == (1, failed(
        f".journey-cache/:1:1: error: {said}: the build cache cannot be written; nothing was changed in the site"
    ))
    assert tree_hash(blog / "site") == before


def test_a_full_disk_under_the_cache_is_a_diagnostic(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", SMALL)
    assert run_journey("build", cwd=blog)[0] == 0
    before = tree_hash(blog / "site")
    make_blog(blog, {"posts/2024-01-02-next.md": post("Next", "2024-01-02")})
    cache = blog / ".journey-cache"
    if os.geteuid() != 0 or not _mount(cache, "size=64k"):  # hides the cache: a new, full one
        pytest.skip("mounting a small tmpfs needs root (or CAP_SYS_ADMIN), which this run does not have")
    try:
        with open(cache / "filler", "wb") as filler, pytest.raises(OSError):
            filler.write(b"\0" * 128 * 1024)
            filler.flush()
        code, _, err = run_journey("build", cwd=blog)
    finally:
        _unmount(cache)
    assert (code, err) == (1, failed(
        ".journey-cache/:1:1: error: the build cache could not be used (database or disk is full); nothing was "
        "changed in the site"
    ))
    assert tree_hash(blog / "site") == before
