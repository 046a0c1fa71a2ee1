"""Publishing: commit the built site to a gh-pages branch with git plumbing and push it."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import JourneyError, error


@dataclass(frozen=True)
class PublishResult:
    """What one publish did: the new branch commit (None when the site was unchanged)."""

    commit: str | None
    pushed: bool
    message: str


def publish_site(
    source: Path,
    site_dir: Path,
    *,
    remote: str = "origin",
    branch: str = "gh-pages",
    cname: str = "",
    force: bool = False,
) -> PublishResult:
    """Commit site_dir's files as one new commit on the remote's `branch` and push it.

    The commit is built with plumbing (hash-object, a throwaway index, commit-tree), so the
    user's working tree, index, HEAD and branches are never touched: no local branch is
    created, moved or deleted. Its parent is the remote branch's fetched tip (none when the
    remote has no such branch, or with `force`, which starts the branch afresh), never a local
    branch, so nothing but site commits is ever pushed. Raises JourneyError with one
    diagnostic at the source folder.
    """
    source = source.resolve()
    files = _site_files(source, site_dir.resolve())
    _require_repository(source)
    _require_remote(source, remote)
    _require_branch_name(source, branch)
    _require_identity(source)
    _refuse_checked_out(source, branch)
    remote_tip = _fetch_branch(source, remote, branch)
    parent = None if force else remote_tip
    tree, count = _write_tree(source, files, cname, remote_tip)
    if remote_tip and tree == _rev(source, f"{remote_tip}^{{tree}}"):
        return PublishResult(None, False, "site unchanged; nothing to publish")
    parents = ["-p", parent] if parent else []
    commit = _git(source, "commit-tree", tree, *parents, "-m", _commit_message(source)).stdout.strip()
    _push(source, remote, branch, commit, remote_tip, force)
    return PublishResult(commit, True, f"published {count} files to {remote}/{branch} ({commit[:7]})")


def _fail(source: Path, message: str) -> JourneyError:
    return JourneyError(error(source, 0, 0, message))


def _git(
    source: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run git in the source folder; on failure raise with git's first line of complaint."""
    # LC_ALL=C keeps git's messages in the one language this module parses.
    full_env = {**os.environ, "LC_ALL": "C", **(env or {})}
    try:
        result = subprocess.run(
            ["git", *args], cwd=source, input=stdin, capture_output=True, text=True,
            env=full_env, check=False,
        )
    except FileNotFoundError:
        raise _fail(source, "git is not installed; journey publish needs git on PATH") from None
    if check and result.returncode != 0:
        raise _fail(source, f"git {args[0]} failed: {_first_line(result.stderr)}")
    return result


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "no message")


def _rev(source: Path, name: str) -> str | None:
    result = _git(source, "rev-parse", "--verify", "--quiet", name, check=False)
    return result.stdout.strip() or None


def _site_files(source: Path, site: Path) -> list[tuple[str, Path]]:
    """Every file under the site folder as (posix path in the branch, file), sorted."""
    if not site.is_dir():
        raise _fail(source, f"site folder {site} does not exist; run journey build first")
    files = sorted(
        (path.relative_to(site).as_posix(), path)
        for path in site.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(site).parts
    )
    if not files:
        raise _fail(source, f"site folder {site} is empty; run journey build first")
    for name, _ in files:
        if "\n" in name or "\t" in name:
            raise _fail(source, f"cannot publish {name!r}: file names with tabs or newlines")
    return files


def _require_repository(source: Path) -> None:
    result = _git(source, "rev-parse", "--git-dir", check=False)
    if result.returncode == 0:
        return
    if "not a git repository" in result.stderr:
        raise _fail(source, "not a git repository; run 'git init' and commit the blog first")
    raise _fail(source, f"git rev-parse failed: {_first_line(result.stderr)}")


def _require_remote(source: Path, remote: str) -> None:
    names = _git(source, "remote").stdout.split()
    if remote not in names:
        known = ", ".join(sorted(names)) or "none"
        raise _fail(
            source,
            f"no such remote '{remote}' (known remotes: {known}); "
            f"add it with 'git remote add {remote} URL' or pass --remote NAME",
        )


def _require_branch_name(source: Path, branch: str) -> None:
    if _git(source, "check-ref-format", f"refs/heads/{branch}", check=False).returncode:
        raise _fail(source, f"invalid branch name '{branch}'")


def _require_identity(source: Path) -> None:
    """Refuse to let git invent an author from the host name, as it would on some machines."""
    missing = [field for field in ("name", "email") if not _has_identity(source, field)]
    if missing:
        keys = " and ".join(f"user.{field}" for field in missing)
        verb = "are" if len(missing) > 1 else "is"
        examples = {"name": '"Your Name"', "email": "you@example.com"}
        commands = " and ".join(
            f"git config --global user.{field} {examples[field]}" for field in missing
        )
        raise _fail(source, f"no git identity: {keys} {verb} not set; run {commands}")


def _has_identity(source: Path, field: str) -> bool:
    """Whether both the author and the committer have `field`, as git itself would find it."""
    for role in ("author", "committer"):
        variables = [f"GIT_{role.upper()}_{field.upper()}"] + (["EMAIL"] if field == "email" else [])
        if any(os.environ.get(name) for name in variables):
            continue
        keys = (f"{role}.{field}", f"user.{field}")
        if not any(_git(source, "config", "--get", key, check=False).stdout.strip() for key in keys):
            return False
    return True


def _refuse_checked_out(source: Path, branch: str) -> None:
    head = _git(source, "symbolic-ref", "--quiet", "HEAD", check=False).stdout.strip()
    if head == f"refs/heads/{branch}":
        raise _fail(
            source,
            f"branch '{branch}' is checked out here; switch to your source branch to publish",
        )


def _fetch_branch(source: Path, remote: str, branch: str) -> str | None:
    """The remote branch's tip, fetched so it can be a parent; None when it does not exist."""
    ref = f"refs/heads/{branch}"
    listing = _git(source, "ls-remote", "--heads", remote, ref, check=False)
    if listing.returncode != 0:
        raise _fail(source, f"cannot read remote '{remote}': {_first_line(listing.stderr)}")
    tip = next((line.split()[0] for line in listing.stdout.splitlines() if line.endswith(ref)), None)
    if tip and _git(source, "cat-file", "-e", f"{tip}^{{commit}}", check=False).returncode:
        _git(source, "fetch", "--quiet", "--no-write-fetch-head", remote,
             f"+{ref}:refs/remotes/{remote}/{branch}")
    return tip


def _write_tree(
    source: Path, files: list[tuple[str, Path]], cname: str, parent: str | None
) -> tuple[str, int]:
    """Store the site's bytes as a git tree (no filters, no clock); (tree sha, entry count)."""
    # --no-filters: the branch gets the exact bytes, whatever autocrlf or attributes say.
    blobs = _git(
        source, "hash-object", "-w", "--no-filters", "--stdin-paths",
        stdin="".join(f"{path}\n" for _, path in files),
    ).stdout.split()
    entries = {
        name: (_mode(path), blob) for (name, path), blob in zip(files, blobs, strict=True)
    }
    empty = _git(source, "hash-object", "-w", "--stdin", stdin="").stdout.strip()
    entries.setdefault(".nojekyll", ("100644", empty))
    if cname:
        blob = _git(source, "hash-object", "-w", "--stdin", stdin=cname.strip() + "\n").stdout
        entries["CNAME"] = ("100644", blob.strip())
    elif "CNAME" not in entries and parent:
        # A custom domain set in GitHub's settings lives only on the branch: keep it.
        kept = _rev(source, f"{parent}:CNAME")
        if kept:
            entries["CNAME"] = ("100644", kept)
    index_info = "".join(f"{mode} {blob}\t{name}\n" for name, (mode, blob) in sorted(entries.items()))
    with tempfile.TemporaryDirectory(prefix="journey-publish-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        _git(source, "update-index", "--add", "--index-info", stdin=index_info, env=env)
        tree = _git(source, "write-tree", env=env).stdout.strip()
    return tree, len(entries)


def _mode(path: Path) -> str:
    return "100755" if os.access(path, os.X_OK) else "100644"


def _commit_message(source: Path) -> str:
    """'Publish site from <sha> (journey)', with '-dirty' when the sources have local changes."""
    head = _rev(source, "HEAD")
    # --no-optional-locks: a plain status may rewrite the user's index to refresh stat data.
    status = _git(source, "--no-optional-locks", "status", "--porcelain").stdout
    origin = head or "uncommitted sources"
    dirty = "-dirty" if head and status.strip() else ""
    return f"Publish site from {origin}{dirty} (journey)"


def _push(source: Path, remote: str, branch: str, commit: str, remote_tip: str | None, force: bool) -> None:
    """Push `commit` straight to the remote branch (no local branch in between), then point
    the remote-tracking ref at it, as a fetch would."""
    ref = f"refs/heads/{branch}"
    # A forced push still only replaces the tip we fetched, never one pushed meanwhile.
    lease = [f"--force-with-lease={ref}:{remote_tip or ''}"] if force else []
    result = _git(source, "push", *lease, remote, f"{commit}:{ref}", check=False)
    if result.returncode == 0:
        _git(source, "update-ref", "-m", "journey publish", f"refs/remotes/{remote}/{branch}", commit)
        return
    rejected = [line for line in result.stderr.splitlines() if line.startswith(" ! ")]
    if rejected:
        raise _fail(
            source,
            f"push to {remote}/{branch} was rejected: {' '.join(rejected[0].replace(commit, branch).split()[1:])}; "
            "fetch and merge, or re-run with --force",
        )
    raise _fail(source, f"push to {remote}/{branch} failed: {_first_line(result.stderr)}")
