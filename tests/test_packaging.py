"""The wheel carries the default theme, so an installed journey builds any folder of posts.

The wheel is built from this checkout and installed (without dependencies, which the test
environment already has) into a folder of its own; the build then runs from a blog folder
outside the checkout, so the checkout's `templates/` cannot be what it finds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import EPOCH, REPO, make_blog, post


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def test_an_installed_wheel_builds_a_blog_with_its_own_theme(tmp_path: Path) -> None:
    wheels, target = tmp_path / "wheels", tmp_path / "installed"
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
        "--wheel-dir", str(wheels), str(REPO), cwd=tmp_path)
    (wheel,) = wheels.glob("journey_ssg-*.whl")
    run(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel),
        cwd=tmp_path)
    blog = make_blog(tmp_path / "blog", {"posts/2024-01-01-hello.md": post("Hello", "2024-01-01")})
    env = {**os.environ, "PYTHONPATH": str(target), "SOURCE_DATE_EPOCH": EPOCH}
    where = run(sys.executable, "-c", "import generator; print(generator.__file__)", cwd=blog, env=env)
    assert where.strip().startswith(str(target))
    run(sys.executable, "-m", "generator", "build", cwd=blog, env=env)
    site = blog / "site"
    assert "Hello" in (site / "posts" / "hello" / "index.html").read_text(encoding="utf-8")
    assert len(list((site / "assets").glob("style.*.css"))) == 1
    assert (site / "404.html").is_file() and (site / "search" / "index.html").is_file()
