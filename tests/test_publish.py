"""journey publish against real git: a blog repository, a local bare repository as origin.

The site folder in these tests is a handful of files written by the test, not a real
journey build: publishing only moves bytes, so a real build would add time, not coverage.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from generator.errors import JourneyError
from generator.deploy.publish import PublishResult, publish_site

SITE = {
    "index.html": "<h1>journey</h1>\n",
    "posts/hello/index.html": "<p>hello</p>\n",
    "_assets/style.css": "body { color: black; }\n",  # underscore: why .nojekyll matters
}


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout.strip()


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME and global config so the machine's git settings cannot leak in."""
    home = tmp_path / "home"
    home.mkdir()
    config = home / ".gitconfig"
    config.write_text(
        "[user]\n\tname = Test Author\n\temail = author@example.com\n"
        "[init]\n\tdefaultBranch = main\n"
    )
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL", "EMAIL", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    return config


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    """A committed blog with `site/` ignored, an `origin` bare remote and a written site/."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", str(origin))
    root = tmp_path / "blog"
    root.mkdir()
    git(root, "init", "--quiet")
    (root / ".gitignore").write_text("/site/\n")
    (root / "posts").mkdir()
    (root / "posts" / "hello.md").write_text("---\ntitle: Hello\n---\nHi.\n")
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "First post")
    git(root, "remote", "add", "origin", str(origin))
    write_site(root / "site", SITE)
    return root


def write_site(site: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)


def origin(blog: Path) -> Path:
    return blog.parent / "origin.git"


def published_files(repo: Path, rev: str = "gh-pages") -> dict[str, str]:
    names = git(repo, "ls-tree", "-r", "--name-only", rev).splitlines()
    return {name: git(repo, "cat-file", "blob", f"{rev}:{name}") for name in names}


def only_error(excinfo: pytest.ExceptionInfo[JourneyError]) -> str:
    (diagnostic,) = excinfo.value.diagnostics
    assert diagnostic.severity == "error"
    assert (diagnostic.location.line, diagnostic.location.col) == (0, 0)
    return diagnostic.message


def test_first_publish_creates_the_branch_with_nojekyll(blog: Path) -> None:
    result = publish_site(blog, blog / "site")
    tip = git(origin(blog), "rev-parse", "gh-pages")
    assert result == PublishResult(tip, True, f"published 4 files to origin/gh-pages ({tip[:7]})")
    expected = {name: text.rstrip("\n") for name, text in SITE.items()} | {".nojekyll": ""}
    assert published_files(origin(blog)) == expected
    head = git(blog, "rev-parse", "HEAD")
    assert git(origin(blog), "log", "-1", "--format=%B", "gh-pages") == (
        f"Publish site from {head} (journey)"
    )
    assert git(origin(blog), "log", "-1", "--format=%P %an <%ae>", "gh-pages") == (
        "Test Author <author@example.com>"
    )
    assert git(blog, "for-each-ref", "refs/heads/gh-pages") == ""  # no local branch is made
    assert git(blog, "rev-parse", "refs/remotes/origin/gh-pages") == tip


def test_second_publish_adds_one_commit_on_top(blog: Path) -> None:
    first = publish_site(blog, blog / "site").commit
    write_site(blog / "site", {"index.html": "<h1>journey, again</h1>\n"})
    second = publish_site(blog, blog / "site").commit
    assert git(origin(blog), "rev-list", "gh-pages").split() == [second, first]
    assert git(origin(blog), "rev-parse", f"{second}^") == first
    assert published_files(origin(blog))["index.html"] == "<h1>journey, again</h1>"


def test_unchanged_site_publishes_nothing(blog: Path) -> None:
    first = publish_site(blog, blog / "site").commit
    again = publish_site(blog, blog / "site")
    assert again == PublishResult(None, False, "site unchanged; nothing to publish")
    assert git(origin(blog), "rev-list", "gh-pages").split() == [first]


def test_a_removed_file_is_removed_from_the_branch(blog: Path) -> None:
    publish_site(blog, blog / "site")
    (blog / "site" / "posts" / "hello" / "index.html").unlink()
    publish_site(blog, blog / "site")
    assert sorted(published_files(origin(blog))) == [".nojekyll", "_assets/style.css", "index.html"]


def test_uncommitted_work_survives_untouched(blog: Path) -> None:
    (blog / "posts" / "hello.md").write_text("---\ntitle: Hello\n---\nEdited, not staged.\n")
    (blog / "posts" / "draft.md").write_text("untracked\n")
    (blog / "posts" / "staged.md").write_text("staged\n")
    git(blog, "add", "posts/staged.md")
    # Same bytes, new mtime: a `git status` that may take locks would now rewrite the index.
    os.utime(blog / ".gitignore", (1_000_000_000, 1_000_000_000))
    before = snapshot(blog)
    result = publish_site(blog, blog / "site")
    assert snapshot(blog) == before
    head = git(blog, "rev-parse", "HEAD")
    assert git(origin(blog), "log", "-1", "--format=%B", "gh-pages") == (
        f"Publish site from {head}-dirty (journey)"
    )
    assert result.pushed


def snapshot(repo: Path) -> dict[str, object]:
    """Everything of the user's that a publish must not change, bytes of the index included."""
    return {
        "index": (repo / ".git" / "index").read_bytes(),
        "status": git(repo, "--no-optional-locks", "status", "--porcelain", "--untracked-files=all"),
        # Plumbing that never refreshes the index (porcelain `git diff` may rewrite it).
        "staged": git(repo, "diff-index", "--cached", "-p", "HEAD"),
        "head": (repo / ".git" / "HEAD").read_text(),
        "main": git(repo, "rev-parse", "refs/heads/main"),
        "files": {p.relative_to(repo).as_posix(): p.read_bytes()
                  for p in sorted((repo / "posts").rglob("*"))},
    }


def other_clone(blog: Path) -> Path:
    clone = blog.parent / "other"
    git(blog.parent, "clone", "--quiet", str(origin(blog)), str(clone))
    return clone


def test_publish_builds_on_a_publish_made_from_another_clone(blog: Path) -> None:
    first = publish_site(blog, blog / "site").commit
    clone = other_clone(blog)
    git(clone, "switch", "--quiet", "gh-pages")
    (clone / "extra.html").write_text("from elsewhere\n")
    git(clone, "add", "extra.html")
    git(clone, "commit", "--quiet", "-m", "Publish from the other clone")
    git(clone, "push", "--quiet", "origin", "gh-pages")
    theirs = git(clone, "rev-parse", "HEAD")
    write_site(blog / "site", {"index.html": "<h1>v2</h1>\n"})
    ours = publish_site(blog, blog / "site").commit
    assert git(origin(blog), "rev-list", "gh-pages").split() == [ours, theirs, first]
    assert "extra.html" not in published_files(origin(blog))  # the branch is the built site


def test_a_rewritten_remote_branch_is_built_upon_and_force_starts_it_afresh(blog: Path) -> None:
    publish_site(blog, blog / "site")
    clone = other_clone(blog)
    git(clone, "switch", "--quiet", "--orphan", "rewritten")
    (clone / "index.html").write_text("rewritten history\n")
    git(clone, "add", "index.html")
    git(clone, "commit", "--quiet", "-m", "Diverging gh-pages")
    git(clone, "push", "--quiet", "--force", "origin", "rewritten:gh-pages")
    theirs = git(clone, "rev-parse", "HEAD")
    write_site(blog / "site", {"index.html": "<h1>v2</h1>\n"})
    ours = publish_site(blog, blog / "site").commit
    assert git(origin(blog), "rev-list", "gh-pages").split() == [ours, theirs]  # the remote's history, kept
    write_site(blog / "site", {"index.html": "<h1>v3</h1>\n"})
    forced = publish_site(blog, blog / "site", force=True).commit
    assert git(origin(blog), "rev-list", "gh-pages").split() == [forced]  # one site commit, no history


def test_push_refused_by_the_remote_names_its_reason(blog: Path) -> None:
    hook = origin(blog) / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'gh-pages is protected' >&2\nexit 1\n")
    hook.chmod(0o755)
    with pytest.raises(JourneyError) as excinfo:
        publish_site(blog, blog / "site")
    assert only_error(excinfo) == (
        "push to origin/gh-pages was rejected: [remote rejected] gh-pages -> gh-pages "
        "(pre-receive hook declined); fetch and merge, or re-run with --force"
    )
    assert git(blog, "for-each-ref", "refs/heads/gh-pages") == ""


def test_cname_setting_is_written(blog: Path) -> None:
    publish_site(blog, blog / "site", cname="blog.example.com")
    assert published_files(origin(blog))["CNAME"] == "blog.example.com"
    assert git(origin(blog), "cat-file", "-s", "gh-pages:CNAME") == str(len("blog.example.com\n"))


def test_cname_in_the_site_or_on_the_branch_is_kept(blog: Path) -> None:
    write_site(blog / "site", {"CNAME": "site.example.org\n"})
    publish_site(blog, blog / "site")
    assert published_files(origin(blog))["CNAME"] == "site.example.org"
    # GitHub's custom-domain setting commits CNAME to the branch only: a later publish keeps it.
    (blog / "site" / "CNAME").unlink()
    write_site(blog / "site", {"index.html": "<h1>v2</h1>\n"})
    publish_site(blog, blog / "site")
    assert published_files(origin(blog))["CNAME"] == "site.example.org"


def test_executable_bit_and_exact_bytes_are_kept(blog: Path, isolated_git: Path) -> None:
    with isolated_git.open("a") as config:
        config.write("[core]\n\tautocrlf = true\n")
    (blog / "site" / "crlf.txt").write_bytes(b"one\r\ntwo\n")
    (blog / "site" / "run.sh").write_text("#!/bin/sh\n")
    (blog / "site" / "run.sh").chmod(0o755)
    publish_site(blog, blog / "site")
    blob = subprocess.run(["git", "cat-file", "blob", "gh-pages:crlf.txt"], cwd=origin(blog),
                          capture_output=True, check=True).stdout
    assert blob == b"one\r\ntwo\n"
    assert git(origin(blog), "ls-tree", "gh-pages", "run.sh").split()[0] == "100755"


def test_not_a_git_repository(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    write_site(folder / "site", SITE)
    with pytest.raises(JourneyError) as excinfo:
        publish_site(folder, folder / "site")
    assert only_error(excinfo) == "not a git repository; run 'git init' and commit the blog first"
    assert str(excinfo.value.diagnostics[0].location) == f"{folder}:1:1"


def test_no_such_remote(blog: Path) -> None:
    with pytest.raises(JourneyError) as excinfo:
        publish_site(blog, blog / "site", remote="upstream")
    assert only_error(excinfo) == (
        "no such remote 'upstream' (known remotes: origin); "
        "add it with 'git remote add upstream URL' or pass --remote NAME"
    )


def test_no_git_identity(blog: Path, isolated_git: Path) -> None:
    isolated_git.write_text("")
    with pytest.raises(JourneyError) as excinfo:
        publish_site(blog, blog / "site")
    assert only_error(excinfo) == (
        "no git identity: user.name and user.email are not set; run "
        'git config --global user.name "Your Name" and '
        "git config --global user.email you@example.com"
    )
    assert git(origin(blog), "for-each-ref") == ""


def test_identity_from_the_environment_is_enough(
    blog: Path, isolated_git: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolated_git.write_text("[user]\n\tname = Config Name\n")
    with pytest.raises(JourneyError) as excinfo:
        publish_site(blog, blog / "site")
    assert only_error(excinfo) == (
        "no git identity: user.email is not set; run "
        "git config --global user.email you@example.com"
    )
    monkeypatch.setenv("EMAIL", "env@example.com")
    publish_site(blog, blog / "site")
    assert git(origin(blog), "log", "-1", "--format=%an <%ae>", "gh-pages") == (
        "Config Name <env@example.com>"
    )


def test_missing_or_empty_site_folder(blog: Path) -> None:
    with pytest.raises(JourneyError) as excinfo:
        publish_site(blog, blog / "nowhere")
    assert only_error(excinfo) == (
        f"site folder {blog / 'nowhere'} does not exist; run journey build first"
    )
    (blog / "empty" / "sub").mkdir(parents=True)
    with pytest.raises(JourneyError) as excinfo:
        publish_site(blog, blog / "empty")
    assert only_error(excinfo) == f"site folder {blog / 'empty'} is empty; run journey build first"


def test_refuses_while_the_branch_is_checked_out(blog: Path) -> None:
    git(blog, "switch", "--quiet", "-c", "gh-pages")
    with pytest.raises(JourneyError) as excinfo:
        publish_site(blog, blog / "site")
    assert only_error(excinfo) == (
        "branch 'gh-pages' is checked out here; switch to your source branch to publish"
    )


def test_unreachable_remote(blog: Path) -> None:
    git(blog, "remote", "set-url", "origin", str(blog.parent / "missing.git"))
    with pytest.raises(JourneyError) as excinfo:
        publish_site(blog, blog / "site")
    missing = blog.parent / "missing.git"
    assert only_error(excinfo) == (
        f"cannot read remote 'origin': fatal: '{missing}' does not appear to be a git repository"
    )
