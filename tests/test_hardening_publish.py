"""`journey publish` never pushes the author's source history and never touches a local branch.

Real git, a local bare repository as `origin`, the CLI as a real process (issue 13): a local
`gh-pages` branch that points at source commits (made by hand, by another tool, or by habit)
was once the publish commit's parent, and `git push` then sent the private history along.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import make_blog, post, run_journey


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def git_env(tmp_path: Path) -> dict[str, str]:
    """A private HOME and git config, so the machine's settings cannot leak in."""
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Test Author\n\temail = author@example.com\n[init]\n\tdefaultBranch = main\n")
    return {"HOME": str(tmp_path), "GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CEILING_DIRECTORIES": str(tmp_path)}


def test_a_local_gh_pages_of_source_commits_is_neither_used_nor_moved(
    tmp_path: Path, git_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in git_env.items():
        monkeypatch.setenv(name, value)
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", str(origin))
    blog = make_blog(tmp_path / "blog", {
        ".gitignore": "/site/\n/.journey-cache/\n",
        "posts/2024-01-01-hello.md": post("Hello", "2024-01-01"),
        "private-notes.md": "not for the public\n",
    })
    git(blog, "init", "--quiet")
    git(blog, "add", ".")
    git(blog, "commit", "--quiet", "-m", "Private notes")
    git(blog, "branch", "gh-pages")  # a local gh-pages that is nothing but source history
    git(blog, "commit", "--quiet", "--allow-empty", "-m", "More private work")
    git(blog, "remote", "add", "origin", str(origin))
    sources = set(git(blog, "rev-list", "main").split())
    branches = git(blog, "for-each-ref", "refs/heads")

    code, _, err = run_journey("publish", cwd=blog)
    assert code == 0, err
    published = git(origin, "rev-list", "gh-pages").split()
    assert len(published) == 1 and not sources & set(published)  # one site commit, no parent
    assert "private-notes.md" not in git(origin, "ls-tree", "-r", "--name-only", "gh-pages").split()
    assert not sources & set(git(origin, "rev-list", "--all").split())  # nothing of the sources was sent
    assert git(blog, "for-each-ref", "refs/heads") == branches  # no local branch made, moved or deleted

    make_blog(blog, {"posts/2024-01-02-second.md": post("Second", "2024-01-02")})
    code, _, err = run_journey("publish", cwd=blog)
    assert code == 0, err
    assert git(origin, "rev-list", "gh-pages").split()[1:] == published  # on top of the remote's tip
    assert git(blog, "for-each-ref", "refs/heads") == branches
