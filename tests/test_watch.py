"""Serve's file watcher: watchfiles where it is installed, notify.py's inotify watch (or polling)
otherwise. Real files, real watchfiles threads; each wait is timed against the wall clock."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from generator.serve import notify
from generator.serve.watch import ignored
from generator.serve.watchfiles_notify import WatchfilesNotifier, watchfiles_available

needs_watchfiles = pytest.mark.skipif(not watchfiles_available(), reason="watchfiles is not installed")
SETTLE = 0.3  # the watching thread's start, before which a save raises no event


def _waited(notifier: object, timeout: float) -> float:
    """Seconds `notifier.wait` took, with a stop event that is never set."""
    started = time.monotonic()
    notifier.wait(threading.Event(), timeout)  # type: ignore[attr-defined]
    return time.monotonic() - started


def _waited_for_save(notifier: object, post: Path, text: str) -> float:
    """Seconds a 5-second wait lasts when `post` is saved 0.2 s into it. The clock starts before
    the timer does, so the wait can never look shorter than the 0.2 s before the save."""
    started = time.monotonic()
    timer = threading.Timer(0.2, lambda: post.write_text(text, encoding="utf-8"))
    timer.start()
    notifier.wait(threading.Event(), 5.0)  # type: ignore[attr-defined]
    waited = time.monotonic() - started
    timer.join()
    return waited


def _blog(tmp_path: Path) -> tuple[Path, ...]:
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "2024-01-01-first.md").write_text("---\ntitle: First\n---\nWords.\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.journey]\ntitle = "Watched"\n', encoding="utf-8")
    return (tmp_path / "posts", tmp_path / "templates", tmp_path / "pyproject.toml")


@needs_watchfiles
def test_serve_uses_watchfiles_when_it_is_installed(tmp_path: Path) -> None:
    notifier = notify.make_notifier(_blog(tmp_path), ignored)
    try:
        assert isinstance(notifier, WatchfilesNotifier)
    finally:
        notifier.close()


@needs_watchfiles
def test_a_save_wakes_the_watcher_well_within_serves_budget(tmp_path: Path) -> None:
    roots = _blog(tmp_path)
    notifier = WatchfilesNotifier(roots, ignored)
    try:
        time.sleep(SETTLE)
        post = tmp_path / "posts" / "2024-01-01-first.md"
        waited = _waited_for_save(notifier, post, "---\ntitle: First\n---\nMore words.\n")
        # 0.2 s until the save, then watchfiles' grouping (50 ms at most): far from the 1.6 s default.
        assert 0.2 <= waited < 0.2 + 0.25, waited
        (tmp_path / "pyproject.toml").write_text('[tool.journey]\ntitle = "Renamed"\n', encoding="utf-8")
        assert _waited(notifier, 5.0) < 1.0  # a root that is a file is watched too
    finally:
        notifier.close()


@needs_watchfiles
def test_editor_litter_does_not_wake_the_watcher(tmp_path: Path) -> None:
    roots = _blog(tmp_path)
    notifier = WatchfilesNotifier(roots, ignored)
    try:
        time.sleep(SETTLE)
        notifier.woken.clear()
        (tmp_path / "posts" / ".2024-01-01-first.md.swp").write_bytes(b"vim swap")
        (tmp_path / "posts" / "2024-01-01-first.md~").write_text("backup", encoding="utf-8")
        (tmp_path / "posts" / "__pycache__").mkdir()
        assert _waited(notifier, 0.6) >= 0.6
    finally:
        notifier.close()


@needs_watchfiles
def test_a_folder_made_later_is_watched_from_then_on(tmp_path: Path) -> None:
    roots = _blog(tmp_path)
    notifier = WatchfilesNotifier(roots, ignored)
    try:
        (tmp_path / "templates").mkdir()
        notifier.wait(threading.Event(), 0.01)  # the next wait starts watching it
        time.sleep(SETTLE)
        notifier.woken.clear()
        (tmp_path / "templates" / "post.html").write_text("{{ post.title }}", encoding="utf-8")
        assert _waited(notifier, 5.0) < 1.0
    finally:
        notifier.close()


@needs_watchfiles
def test_closing_stops_the_watching_thread(tmp_path: Path) -> None:
    notifier = WatchfilesNotifier(_blog(tmp_path), ignored)
    thread = notifier._thread
    assert thread is not None and thread.is_alive()
    started = time.monotonic()
    notifier.close()
    assert not thread.is_alive() and time.monotonic() - started < 1.0


def test_without_watchfiles_serve_keeps_its_own_inotify_watch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An uninstalled package cannot be had in the installed test environment: a None entry in
    sys.modules makes `import watchfiles` fail exactly as it does where it is not installed."""
    monkeypatch.setitem(__import__("sys").modules, "watchfiles", None)
    assert not watchfiles_available()
    notifier = notify.make_notifier(_blog(tmp_path), ignored)
    try:
        assert isinstance(notifier, notify.Notifier)
        post = tmp_path / "posts" / "2024-01-01-first.md"
        waited = _waited_for_save(notifier, post, "---\ntitle: First\n---\nAgain.\n")
        assert 0.2 <= waited < 1.0, waited
    finally:
        notifier.close()
