"""Shared test helpers: blogs written into tmp_path, and the CLI run as a real subprocess."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from generator.models import Post

REPO = Path(__file__).resolve().parent.parent
# 2026-01-01T00:00:00Z: every test that builds sees the same "now", so future posts are stable.
EPOCH = "1767225600"
# The suite builds with the search.json index, as where Pagefind's binary is not installed (this
# is Pagefind's own variable): it is what the tests written before Pagefind read, and it keeps the
# indexer's ~0.1 s out of every build. tests/test_search_pagefind.py names the real binary.
os.environ.setdefault("PAGEFIND_BINARY_PATH", str(REPO / "tests" / "no-pagefind-here"))
# A suite started in the background by a shell without job control (`cmd &` in a script) inherits
# SIGINT ignored, and so would every `journey` it starts: the Ctrl-C tests need it delivered. A
# Python handler here is the default in each child (an ignored signal would stay ignored).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def make_blog(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write a blog folder: {relative path: text or bytes}; returns `root`."""
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


def post(title: str, date: str, body: str = "Some words.\n", **meta: str) -> str:
    """A post's text: front matter with title, date and any extra `key: value` lines."""
    lines = [f"title: {title}", f"date: {date}", *(f"{key}: {value}" for key, value in meta.items())]
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def run_journey(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run `python -m generator ARGS` as a real process: (exit status, stdout, stderr)."""
    environment = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **(env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )
    return result.returncode, result.stdout, result.stderr


def a_post(source: Path, display_path: str, **fields: Any) -> Post:
    """A Post value for tests of stages after sources: a dated post 'T' unless `fields` say else."""
    values: dict[str, Any] = {
        "slug": "t", "url_path": "posts/t/", "title": "T", "date": datetime(2024, 1, 1, tzinfo=UTC),
        "updated": None, "description": "", "tags": (), "categories": (), "author": "", "pinned": False,
        "draft": False, "layout": "",
    }
    return Post(source=source, display_path=display_path, **{**values, **fields})


def read_tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (dotfiles too) by POSIX relative path."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def tree_hash(folder: Path) -> str:
    """One digest over every path and its bytes: equal digests mean identical trees."""
    digest = hashlib.sha256()
    for name, data in read_tree(folder).items():
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


@pytest.fixture
def source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> str:
    """Pin the in-process build time to EPOCH."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    return EPOCH


@pytest.fixture(scope="session")
def presentation_blog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/fixtures/presentation built once through the CLI, its notebook run by a real kernel:
    shared by test_presentation.py and test_presentation_browser.py."""
    import shutil

    root = tmp_path_factory.mktemp("presentation") / "blog"
    shutil.copytree(REPO / "tests" / "fixtures" / "presentation", root,
                    ignore=shutil.ignore_patterns("make_fixture.py", "site", ".journey-cache", "_freeze"))
    status, _, stderr = run_journey("build", cwd=root)
    assert status == 0, stderr
    assert "warning" not in stderr, stderr  # a figure without alt text is said only under --strict
    return root
