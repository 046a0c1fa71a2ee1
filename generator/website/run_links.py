"""Run it yourself: each notebook's source on GitHub, and Colab and Binder to open it, pinned
to the commit the site was built from (`repository` setting: owner/name).

The commit is read from git (`git rev-parse HEAD` in the blog folder), so the same commit gives
the same links; outside a git checkout the links follow `repository_branch` and a warning says so.
The git files that name the commit are build inputs, so a new commit rebuilds the pages.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..config import SiteConfig, display_path
from ..errors import Diagnostic, warning
from ..models import Post


@dataclass(frozen=True)
class Revision:
    """What the links are pinned to: a commit (or, outside git, a branch) and where the blog sits in the repository."""

    repository: str  # owner/name
    ref: str  # a commit id, or a branch name outside git
    top: Path  # the repository's top folder (the blog root outside git)
    inputs: tuple[str, ...] = ()  # the git files whose bytes name the commit

    @property
    def digest(self) -> str:
        return hashlib.sha256(f"{self.repository}\0{self.ref}\0{self.top}".encode()).hexdigest()


def source_revision(config: SiteConfig) -> tuple[Revision | None, list[Diagnostic]]:
    """The revision notebook links are pinned to; None when no `repository` is set."""
    if not config.repository:
        return None, []
    root = config.root
    found = _git(root, "rev-parse", "HEAD", "--show-toplevel", "--symbolic-full-name", "HEAD")
    if found is None or len(found) < 2:
        shown = display_path(root / "pyproject.toml")
        return Revision(config.repository, config.repository_branch, root.resolve()), [warning(
            shown, 1, 1, f"{display_path(root)} is not in a git checkout with a commit: notebook links follow "
                         f"branch '{config.repository_branch}', not the commit the site was built from")]
    commit, top, *ref = found
    names = ["HEAD", "packed-refs", *(r for r in ref if r.startswith("refs/"))]
    paths = _git(root, "rev-parse", *(arg for name in names for arg in ("--git-path", name))) or []
    inputs = tuple(str((root / p).resolve()) for p in paths)
    return Revision(config.repository, commit, Path(top).resolve(), inputs), []


def run_links(revision: Revision | None, post: Post) -> list[dict[str, str]]:
    """Per notebook of the post: its name and its source, Colab and Binder links."""
    if revision is None:
        return []
    links = []
    for use in post.notebooks:
        notebook = use.request.notebook
        if not notebook.resolve().is_relative_to(revision.top):
            continue
        path = notebook.resolve().relative_to(revision.top).as_posix()
        repo, ref = revision.repository, quote(revision.ref, safe="")
        links.append({
            "notebook": path.rpartition("/")[2],
            "source": f"https://github.com/{repo}/blob/{ref}/{quote(path)}",
            "colab": f"https://colab.research.google.com/github/{repo}/blob/{ref}/{quote(path)}",
            "binder": f"https://mybinder.org/v2/gh/{repo}/{ref}?labpath={quote(path, safe='')}",
        })
    return links


def _git(root: Path, *args: str) -> list[str] | None:
    import subprocess  # only for a blog whose posts run notebooks: a prose rebuild runs no git

    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.split("\n")[:-1] if done.returncode == 0 else None
