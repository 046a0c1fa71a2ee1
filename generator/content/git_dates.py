"""When each post file first entered the blog's git history, for posts without a date.

One `git log` for the whole blog (two side by side for a long history), read oldest commit first, lists every file each commit added or
renamed; a file's date is the author date of the commit that added it, followed back through
its renames (what `git log --follow --diff-filter=A` gives one file at a time, for all of them
at once). Where the repository's HEAD is, is read from `.git` without running git, so a caller
can keep the dates of one HEAD and never run git again until the next commit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

GIT_TIMEOUT = 120  # seconds for the one `git log` of the whole blog


@dataclass(frozen=True)
class Repository:
    """The git work tree a blog is in: its top folder, HEAD's commit, and the files that move
    when a commit is made (a build that used the dates watches them)."""

    top: Path
    head: str  # the commit id HEAD names; "" before the first commit
    watched: tuple[Path, ...]  # HEAD, the branch's ref file or packed-refs


def find_repository(folder: Path) -> Repository | None:
    """The repository `folder` is in, or None outside one (or where `.git` cannot be read: then
    dates come from the files' modification times, as outside git)."""
    ceilings = {Path(p) for p in os.environ.get("GIT_CEILING_DIRECTORIES", "").split(os.pathsep) if p}
    for top in (folder, *folder.parents):
        if top != folder and top in ceilings:  # as git: never gone up into, nor above
            return None
        dot_git = top / ".git"
        if dot_git.is_dir():
            return _read_head(top, dot_git, dot_git)
        if dot_git.is_file():  # a linked work tree or a submodule: `gitdir: <path>`
            try:
                text = dot_git.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                return None
            if not text.startswith("gitdir:"):
                return None
            git_dir = (top / text.removeprefix("gitdir:").strip()).resolve()
            common = git_dir
            if (git_dir / "commondir").is_file():
                common = (git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()).resolve()
            return _read_head(top, git_dir, common)
    return None


def _read_head(top: Path, git_dir: Path, common: Path) -> Repository | None:
    head_file = git_dir / "HEAD"
    try:
        head = head_file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not head.startswith("ref:"):
        return Repository(top, head, (head_file,))  # a detached HEAD names its commit
    ref = head.removeprefix("ref:").strip()
    loose = common / ref
    packed = common / "packed-refs"
    if loose.is_file():
        return Repository(top, loose.read_text(encoding="utf-8").strip(), (head_file, loose))
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            commit, _, name = line.partition(" ")
            if name == ref:
                return Repository(top, commit, (head_file, packed))
    if (common / "reftable").is_dir():  # refs this module cannot read: ask git
        return Repository(top, _git_head(top), (head_file, common / "reftable" / "tables.list"))
    return Repository(top, "", (head_file,))  # a branch with no commit yet


def _git_head(top: Path) -> str:
    import subprocess  # only where git runs: not for a rebuild that finds its dates stored

    try:
        done = subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=top, capture_output=True,
                              text=True, timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip()


def first_commits(repository: Repository, folders: list[Path],
                  since: tuple[str, dict[str, str]] | None = None) -> dict[str, str]:
    """Each file under `folders` that the history has → its first commit's author date (ISO
    8601), by path relative to the repository's top. One `git log`; {} when git cannot run.

    `since`: (an earlier HEAD, what this gave for it). When that commit is an ancestor of HEAD
    and the commits since it are a line (no merge), only they are read, on top of those dates:
    the whole log is then those commits, newest first, and after them the earlier HEAD's log,
    so the result is the same (a commit on a history of 4,000 costs its own diff, not a second
    of all of theirs)."""
    if not repository.head:
        return {}
    specs = sorted({os.path.relpath(f, repository.top) for f in folders if f.is_relative_to(repository.top)})
    if not specs:
        return {}
    if since is not None and since[0] and _follows_in_a_line(repository, since[0]):
        log = _git(repository, "log", *_LOG, f"{since[0]}..HEAD", "--", *specs)
        if log is not None:
            return _added(log, dict(since[1]))
    middle = _middle(repository)
    if middle is not None:  # the same as the since case: the older log's dates, then the newer's on top
        older, newer = _side_by_side(repository, [("log", *_LOG, middle, "--", *specs),
                                                  ("log", *_LOG, f"{middle}..HEAD", "--", *specs)])
        if older is not None and newer is not None:
            return _added(newer, _added(older))
    log = _git(repository, "log", *_LOG, "HEAD", "--", *specs)
    return _added(log) if log is not None else {}


SPLIT_LEAST = 1000  # commits: a shorter history is read by one `git log`


def _middle(repository: Repository) -> str | None:
    """Where to cut a long history without merges in two, for two `git log`s side by side: the
    commit a third of the way back from HEAD. Each commit's diff costs about the size of its
    tree, which grows with the blog, so the older two thirds take about as long as the newer
    third (4,000 posts added one commit each: one log 2.0 s; two, 1.3 s). None for a shorter
    history, one with a merge, or one core."""
    if (os.cpu_count() or 1) < 2:
        return None
    listed = _git(repository, "rev-list", "--parents", "HEAD")  # no diffs: ~20 ms for 4,000 commits
    lines = listed.splitlines() if listed is not None else []
    if len(lines) < SPLIT_LEAST or any(line.count(" ") > 1 for line in lines):  # a merge names two parents
        return None
    return lines[len(lines) // 3].partition(" ")[0]


def _side_by_side(repository: Repository, commands: list[tuple[str, ...]]) -> list[str | None]:
    """What each git command printed (None where it failed), the commands run at once."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(commands)) as pool:
        return list(pool.map(lambda args: _git(repository, *args), commands))


# Newest first, as git streams it (`--reverse` holds the whole history in memory first).
_LOG = ("-M", "--name-status", "-z", "--no-show-signature", "--format=%x01%aI")


def _follows_in_a_line(repository: Repository, commit: str) -> bool:
    """Whether HEAD is `commit` and commits made on top of it one after another, no merge among them."""
    return (_git(repository, "merge-base", "--is-ancestor", commit, "HEAD") is not None
            and _git(repository, "rev-list", "--count", "--min-parents=2", f"{commit}..HEAD") == "0\n")


def _git(repository: Repository, *args: str) -> str | None:
    """What a git command printed, or None when it failed or could not run."""
    import subprocess  # only when the dates are not stored for this HEAD

    # A small delta cache: git's default 96 MiB would be most of a build's memory on a long history.
    command = ["git", "-c", "core.quotePath=false", "-c", "core.deltaBaseCacheLimit=8m", *args]
    try:
        done = subprocess.run(command, cwd=repository.top, capture_output=True, timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("utf-8", "surrogateescape") if done.returncode == 0 else None


def _added(log: str, dates: dict[str, str] | None = None) -> dict[str, str]:
    """The first date of each path in `git log --name-status -z` output (newest commit first),
    through renames; `dates`, those of the commits before these."""
    dates = {} if dates is None else dates
    for commit in reversed(log.split("\x01")[1:]):
        stamp, _, changes = commit.partition("\0")
        fields = changes.lstrip("\n").split("\0")
        at = 0
        while at < len(fields) and fields[at]:
            status = fields[at]
            if status[0] in "RC":  # renamed or copied: old path, new path
                old, new = fields[at + 1], fields[at + 2]
                earlier = dates.get(old, stamp) if status[0] == "R" else stamp
                dates[new] = min(earlier, dates.get(new, earlier), key=datetime.fromisoformat)
                at += 3
            else:
                if status[0] == "A":
                    dates.setdefault(fields[at + 1], stamp)  # re-added after a delete: the first add
                at += 2
    return dates


class GitDates:
    """`path → first commit time` for the files of one repository, from `first_commits`, run at
    the first question (a blog whose posts all have dates never runs git)."""

    def __init__(self, repository: Repository | None, folders: list[Path], known: dict[str, str] | None = None,
                 since: tuple[str, dict[str, str]] | None = None) -> None:
        self.repository, self.folders, self.since = repository, folders, since
        self._dates = known

    @property
    def dates(self) -> dict[str, str]:
        if self._dates is None:
            self._dates = first_commits(self.repository, self.folders, self.since) if self.repository else {}
        return self._dates

    def __call__(self, path: Path) -> datetime | None:
        if self.repository is None:
            return None
        top = str(self.repository.top)
        top, shown = (top if top.endswith(os.sep) else top + os.sep), str(path)
        if not shown.startswith(top):  # by strings: an edit of one post asks this of every undated post
            return None
        stamp = self.dates.get(shown[len(top):].replace(os.sep, "/"))
        return datetime.fromisoformat(stamp) if stamp else None


def git_dates(root: Path, folders: list[Path]) -> GitDates:
    """The first-commit dates of the files under `folders` of the blog at `root`."""
    return GitDates(find_repository(root.resolve()), folders)
