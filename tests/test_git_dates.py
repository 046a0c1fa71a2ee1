"""Posts without a date are dated by their first commit: one `git log` for the whole blog,
kept by HEAD, so a build after no new commit runs no git at all.

The per-file command journey used before (`git log --diff-filter=A --follow` on each post) is
the oracle: the one pass must give every post the date it gives. Which git commands a build
runs is seen through a `git` on PATH that logs its arguments and runs the real git.
"""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import make_blog, run_journey

from generator.config import load_config
from generator.content.git_dates import find_repository
from generator.content.sources import read_posts

REAL_GIT = "/usr/bin/git"


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = A\n\temail = a@example.com\n[init]\n\tdefaultBranch = main\n")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


def git(root: Path, *args: str, date: str = "2023-01-01T00:00:00+00:00") -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    return subprocess.run([REAL_GIT, *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout.strip()


def spy(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose `git` logs each command line to the returned file."""
    folder, log = tmp_path / "spy", tmp_path / "git-calls.txt"
    folder.mkdir()
    (folder / "git").write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec {REAL_GIT} "$@"\n')
    (folder / "git").chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}, log


def calls(log: Path) -> list[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return [_subcommand(line.split()) for line in lines]


def _subcommand(words: list[str]) -> str:
    """`log` of `-c a=b -c c=d log …`."""
    while words and words[0] == "-c":
        words = words[2:]
    return words[0]


def oracle(root: Path, path: str) -> datetime:
    stamps = git(root, "log", "--diff-filter=A", "--follow", "--format=%aI", "--", path).split()
    return datetime.fromisoformat(stamps[-1])


PROSE = {
    "A": "Gradient descent walks downhill one small step at a time, and the step size decides everything.",
    "B": "Backpropagation is the chain rule, applied right to left, with every intermediate kept around.",
    "C": "Cross-validation splits the data five ways so each fold is the test set exactly once.",
    "C again": "Regularisation trades a little bias for a lot less variance; ridge shrinks, lasso selects.",
    "U": "Unicode file names must survive git's quoting: this one has an umlaut and a space in it.",
    "New": "Notebooks that really run keep a blog honest, because a stale number cannot hide.",
}


def undated(title: str) -> str:
    """A post without a date, its words its own (git's rename detection compares contents)."""
    return f"---\ntitle: {title}\n---\n{PROSE[title]}\n"


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A blog whose undated posts were added, renamed, deleted and re-added over five commits."""
    root = tmp_path / "blog"
    make_blog(root, {
        "pyproject.toml": '[tool.journey]\ntitle = "Dates"\ntimezone = "UTC"\n',
        "posts/a.md": undated("A"),
        "posts/b.md": undated("B"),
        "posts/dated.md": "---\ntitle: Dated\ndate: 2020-05-05\n---\nText.\n",
    })
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "one", date="2021-01-02T03:04:05+02:00")
    make_blog(root, {"posts/c.md": undated("C"), "posts/ü x.md": undated("U")})
    git(root, "add", ".")
    git(root, "commit", "-qm", "two", date="2021-06-01T00:00:00-05:00")
    (root / "posts" / "sub").mkdir()
    git(root, "mv", "posts/b.md", "posts/sub/b2.md")
    git(root, "commit", "-qm", "three: a rename", date="2022-02-02T00:00:00+00:00")
    git(root, "rm", "-q", "posts/c.md")
    git(root, "commit", "-qm", "four: a delete", date="2022-03-03T00:00:00+00:00")
    make_blog(root, {"posts/c.md": undated("C again")})
    git(root, "add", ".")
    git(root, "commit", "-qm", "five: added again", date="2022-04-04T00:00:00+00:00")
    return root


def test_one_pass_gives_every_undated_post_the_date_git_log_follow_gives(history: Path, tmp_path: Path) -> None:
    config, _ = load_config(history)
    posts = {p.display_path: p for p in read_posts(config, drafts=True, future=True, now=datetime.now(UTC)).posts}
    undated = ["posts/a.md", "posts/c.md", "posts/sub/b2.md", "posts/ü x.md"]
    assert {path: posts[str(history / path)].date for path in undated} == {
        path: oracle(history, path) for path in undated}
    assert posts[str(history / "posts/sub/b2.md")].date == datetime(2021, 1, 2, 1, 4, 5, tzinfo=UTC)  # through the rename
    assert posts[str(history / "posts/c.md")].date == datetime(2021, 6, 1, 5, tzinfo=UTC)  # its first add

    env, log = spy(tmp_path)
    code, _, err = run_journey("build", "--source", str(history), "--jobs", "1", cwd=tmp_path, env=env)
    assert code == 0, err
    # The history's length (a long one without merges is read by two logs side by side), then
    # one git log for the five posts (the dated one needs none).
    assert calls(log) == ["rev-list", "log"]
    assert "blog/posts/a.md:1:1: warning: no date; using the file's first git commit" in err.splitlines()


def test_no_new_commit_no_git_and_a_commit_redates_the_post_it_adds(history: Path, tmp_path: Path) -> None:
    env, log = spy(tmp_path)
    build = ["build", "--source", str(history), "--jobs", "1"]
    assert run_journey(*build, cwd=tmp_path, env=env)[0] == 0
    assert calls(log) == ["rev-list", "log"]
    code, _, err = run_journey(*build, cwd=tmp_path, env=env)  # nothing changed, HEAD included
    assert code == 0 and err.splitlines()[-1] == "journey: blog/site/ is up to date; nothing changed since the last build"
    assert calls(log) == []

    with (history / "posts" / "a.md").open("a") as f:  # an edit, no commit
        f.write("More.\n")
    code, _, err = run_journey(*build, cwd=tmp_path, env=env)
    assert code == 0, err
    assert calls(log) == []  # the stored dates of this HEAD: no git

    make_blog(history, {"posts/new.md": undated("New")})
    os.utime(history / "posts" / "new.md", (1600000000, 1600000000))
    code, _, err = run_journey(*build, cwd=tmp_path, env=env)
    assert code == 0 and calls(log) == []
    assert "blog/posts/new.md:1:1: warning: no date; using the file's modification time" in err.splitlines()

    git(history, "add", "posts/new.md")
    git(history, "commit", "-qm", "six", date="2024-07-07T07:07:07+00:00")
    code, _, err = run_journey(*build, cwd=tmp_path, env=env)  # only the commit changed: still a build
    assert code == 0, err
    assert calls(log) == ["merge-base", "rev-list", "log"]  # the stored HEAD is an ancestor: only the new commit is read
    assert "blog/posts/new.md:1:1: warning: no date; using the file's first git commit" in err.splitlines()
    page = (history / "site" / "posts" / "new" / "index.html").read_text()
    assert 'datetime="2024-07-07' in page

    # The incremental site is the clean build's, byte for byte.
    clean = tmp_path / "clean"
    assert run_journey("build", "--source", str(history), "--out", str(clean), "--jobs", "1", cwd=tmp_path)[0] == 0
    ours = {p.relative_to(history / "site"): p.read_bytes() for p in (history / "site").rglob("*") if p.is_file()}
    theirs = {p.relative_to(clean): p.read_bytes() for p in clean.rglob("*") if p.is_file()}
    assert ours == theirs


def test_head_is_read_without_git_in_a_worktree_with_packed_refs_and_detached(history: Path, tmp_path: Path) -> None:
    head = git(history, "rev-parse", "HEAD")
    found = find_repository(history / "posts")
    assert found is not None and (found.top, found.head) == (history, head)
    assert [p.name for p in found.watched] == ["HEAD", "main"]

    git(history, "pack-refs", "--all")
    found = find_repository(history)
    assert found is not None and found.head == head and [p.name for p in found.watched] == ["HEAD", "packed-refs"]

    linked = tmp_path / "linked"
    git(history, "worktree", "add", "-q", "-b", "side", str(linked))
    found = find_repository(linked / "posts")
    assert found is not None and (found.top, found.head) == (linked, head)

    first = git(history, "rev-list", "--max-parents=0", "HEAD")
    git(linked, "checkout", "-q", "--detach", first)
    found = find_repository(linked)
    assert found is not None and found.head == first

    assert find_repository(tmp_path / "home") is None  # the ceiling: never above it


def _many_posts(root: Path, count: int, *, dated: bool) -> list[Path]:
    """`count` posts, more than `read_files` reads in this process; each its own words."""
    files = {"pyproject.toml": '[tool.journey]\ntitle = "Many"\ntimezone = "UTC"\n'}
    for n in range(count):
        name = f"posts/2020-01-{n % 28 + 1:02d}-post-{n}.md" if dated else f"posts/post-{n}.md"
        files[name] = f"---\ntitle: Post {n}\ntags: [t{n % 7}]\n---\nPost number {n} says {n * n} in words of its own.\n"
    make_blog(root, files)
    return sorted(root / name for name in files if name.startswith("posts/"))


def test_posts_read_in_workers_come_back_with_what_the_workers_learned(tmp_path: Path) -> None:
    from generator.content.sources import READ_POOL_LEAST, read_files
    from generator.incremental.history import StoredDates
    from generator.incremental.parsed import StoredYaml
    from generator.incremental.store import Store

    root = tmp_path / "blog"
    paths = _many_posts(root, READ_POOL_LEAST + 44, dated=False)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "all", date="2021-03-04T05:06:07+00:00")
    config, _ = load_config(root)
    store = Store(tmp_path / "store.sqlite")
    yaml, dates = StoredYaml(store), StoredDates(store, root, [root / "posts"])
    reads = read_files(config, paths, yaml, dates, jobs=2)

    assert [read.source for read in reads] == paths
    assert {read.document.post.date for read in reads} == {datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)}
    assert [read.document.post.title for read in reads] == [f"Post {p.stem.split('-')[1]}" for p in paths]
    here = StoredYaml(Store(None))
    assert read_files(config, paths, here, jobs=1) == reads  # the same reads as in this process
    blocks = here.used
    assert len(blocks) == len(paths) and yaml.used == blocks  # the keys each worker used came back
    assert store.keys("yaml") == blocks  # and what they parsed, each worker wrote itself
    assert dates.used  # a post was dated by git in a worker: the build must watch HEAD
    assert dates.watched == [str(root / ".git" / "HEAD"), str(root / ".git" / "refs" / "heads" / "main")]
    store.close()


def test_posts_dated_by_their_names_are_read_in_workers_without_git(tmp_path: Path) -> None:
    from generator.content.sources import READ_POOL_LEAST, read_files
    from generator.incremental.history import StoredDates
    from generator.incremental.parsed import StoredYaml
    from generator.incremental.store import Store

    root = tmp_path / "blog"
    paths = _many_posts(root, READ_POOL_LEAST, dated=True)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "all")
    config, _ = load_config(root)
    env, log = spy(tmp_path)
    os.environ["PATH"], before = env["PATH"], os.environ["PATH"]
    try:
        store = Store(None)
        dates = StoredDates(store, root, [root / "posts"])
        reads = read_files(config, paths, StoredYaml(store), dates, jobs=2)
    finally:
        os.environ["PATH"] = before
    assert len(reads) == len(paths) and all(not read.problems for read in reads)
    assert calls(log) == [] and not dates.used


def test_a_blog_read_in_workers_builds_the_site_one_process_builds(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    _many_posts(root, 300, dated=False)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "all", date="2021-03-04T05:06:07+00:00")
    env, log = spy(tmp_path)
    code, _, err = run_journey("build", "--source", str(root), "--jobs", "2", cwd=tmp_path, env=env)
    assert code == 0, err
    assert calls(log) == ["rev-list", "log"]  # once, in this process, before the workers fork
    from generator.incremental.store import Store

    store = Store(root / ".journey-cache" / "store.sqlite")
    assert len(store.keys("post")) == 300  # each worker stored the rows of the posts it read: none is read again
    store.close()
    assert run_journey("build", "--source", str(root), "--out", str(tmp_path / "one"), "--jobs", "1", cwd=tmp_path)[0] == 0
    ours = {p.relative_to(root / "site"): p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
    theirs = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*") if p.is_file()}
    assert ours == theirs

    git(root, "commit", "-q", "--allow-empty", "-m", "more")  # HEAD moved: watched, so a build
    code, _, err = run_journey("build", "--source", str(root), "--jobs", "2", cwd=tmp_path, env=env)
    assert code == 0 and "is up to date" not in err and calls(log) == ["merge-base", "rev-list", "log"]


def _first_commits_of(root: Path, since: tuple[str, dict[str, str]] | None = None) -> dict[str, str]:
    from generator.content.git_dates import first_commits

    return first_commits(find_repository(root), [root / "posts"], since)


def test_after_new_commits_in_a_line_only_they_are_read_and_the_dates_are_the_whole_log_s(
        history: Path, tmp_path: Path) -> None:
    before = git(history, "rev-parse", "HEAD")
    known = _first_commits_of(history)
    make_blog(history, {"posts/new.md": undated("New")})
    git(history, "add", ".")
    git(history, "commit", "-qm", "six: a new post", date="2023-05-05T00:00:00+00:00")
    git(history, "mv", "posts/a.md", "posts/sub/a-moved.md")
    git(history, "commit", "-qm", "seven: a rename", date="2023-06-06T00:00:00+00:00")
    git(history, "rm", "-q", "posts/ü x.md")
    git(history, "commit", "-qm", "eight: a delete", date="2023-07-07T00:00:00+00:00")
    env, log = spy(tmp_path)
    os.environ["PATH"], path = env["PATH"], os.environ["PATH"]
    try:
        since = _first_commits_of(history, (before, known))
        lines = log.read_text().splitlines()
    finally:
        os.environ["PATH"] = path
    assert since == _first_commits_of(history)  # what the whole log gives
    assert since["posts/sub/a-moved.md"] == known["posts/a.md"]  # through the rename
    assert since["posts/new.md"] == "2023-05-05T00:00:00+00:00"
    assert [_subcommand(line.split()) for line in lines] == ["merge-base", "rev-list", "log"]
    assert f"{before}..HEAD" in lines[2].split()  # the new commits only


def _commands(log: Path) -> list[list[str]]:
    """The git command lines the spy logged (each without its `-c` options), the log emptied."""
    lines = [line.split() for line in log.read_text().splitlines()] if log.exists() else []
    log.unlink(missing_ok=True)
    for words in lines:
        while words and words[0] == "-c":
            del words[:2]
    return lines


def test_a_merge_or_a_rewritten_history_since_the_stored_head_reads_the_whole_log(history: Path, tmp_path: Path) -> None:
    before = git(history, "rev-parse", "HEAD")
    known = _first_commits_of(history)
    git(history, "checkout", "-q", "-b", "side")
    make_blog(history, {"posts/new.md": undated("New")})
    git(history, "add", ".")
    git(history, "commit", "-qm", "on a side branch", date="2023-05-05T00:00:00+00:00")
    git(history, "checkout", "-q", "main")
    make_blog(history, {"posts/main.md": undated("C again")})
    git(history, "add", ".")
    git(history, "commit", "-qm", "on main", date="2023-06-06T00:00:00+00:00")
    git(history, "merge", "-q", "--no-edit", "side", date="2023-07-07T00:00:00+00:00")
    whole = _first_commits_of(history)
    env, log = spy(tmp_path)
    os.environ["PATH"], path = env["PATH"], os.environ["PATH"]
    try:
        merged = _first_commits_of(history, (before, known))
        after_merge = _commands(log)
        git(history, "reset", "-q", "--hard", before)
        make_blog(history, {"posts/amended.md": undated("New")})
        git(history, "add", ".")
        git(history, "commit", "-q", "--amend", "-m", "five, rewritten", date="2022-04-04T00:00:00+00:00")
        rewritten = _first_commits_of(history, (before, known))
        after_rewrite = _commands(log)
        again = _first_commits_of(history)
    finally:
        os.environ["PATH"] = path
    assert merged == whole and merged["posts/new.md"] == "2023-05-05T00:00:00+00:00"
    assert [words[0] for words in after_merge] == ["merge-base", "rev-list", "rev-list", "log"]
    assert after_merge[-1][-3:] == ["HEAD", "--", "posts"]  # a merge among the commits since: the whole log
    assert rewritten == again and rewritten["posts/amended.md"] == "2022-04-04T00:00:00+00:00"
    assert [words[0] for words in after_rewrite] == ["merge-base", "rev-list", "log"]  # not an ancestor any more
    assert after_rewrite[-1][-3:] == ["HEAD", "--", "posts"]


def test_a_long_history_without_merges_is_read_by_two_logs_side_by_side_with_the_same_dates(
        history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut a third of the way back from HEAD (SPLIT_LEAST lowered to this history's length):
    the older part's dates, then the newer part's on top, are the whole log's, through renames
    and deletes on either side of the cut; a history with a merge is read whole."""
    from generator.content import git_dates

    for number, (change, date) in enumerate([("posts/sub/b2.md posts/b3.md", "2023-01-01"),
                                             ("posts/a.md", "2023-02-02"), ("posts/c.md posts/c2.md", "2023-03-03")]):
        if " " in change:
            git(history, "mv", *change.split())
        else:
            git(history, "rm", "-q", change)
        git(history, "commit", "-qm", f"more {number}", date=f"{date}T00:00:00+00:00")
    whole = _first_commits_of(history)
    commits = len(git(history, "rev-list", "HEAD").split())
    monkeypatch.setattr(git_dates, "SPLIT_LEAST", commits)
    env, log = spy(tmp_path)
    monkeypatch.setenv("PATH", env["PATH"])
    assert _first_commits_of(history) == whole and whole["posts/b3.md"] == "2021-01-02T03:04:05+02:00"
    ran = _commands(log)
    middle = git(history, "rev-list", "HEAD").split()[commits // 3]
    assert [words[0] for words in ran] == ["rev-list", "log", "log"]
    assert sorted(words[-3] for words in ran[1:]) == sorted([middle, f"{middle}..HEAD"])
    git(history, "checkout", "-q", "-b", "side", "HEAD~2")
    make_blog(history, {"posts/side.md": undated("New")})
    git(history, "add", ".")
    git(history, "commit", "-qm", "on a side branch", date="2023-04-04T00:00:00+00:00")
    git(history, "checkout", "-q", "main")
    git(history, "merge", "-q", "--no-edit", "side", date="2023-05-05T00:00:00+00:00")
    monkeypatch.setattr(git_dates, "SPLIT_LEAST", 2)
    merged = _first_commits_of(history)
    assert [words[0] for words in _commands(log)] == ["rev-list", "log"] and merged["posts/side.md"] == "2023-04-04T00:00:00+00:00"
