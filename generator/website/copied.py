"""Files copied into the site as they are (`static/`, `copy_dirs`, a bundle's assets): only from inside the blog."""

from __future__ import annotations

import os
from pathlib import Path

from ..config import display_path
from ..errors import Diagnostic, error


def copied_files(folder: Path, root: Path, *, hidden: bool) -> tuple[list[Path], list[Diagnostic]]:
    """Every file under `folder`, sorted, and an error for each link that leads outside the blog
    folder `root` (it is not copied: a link must not publish ~/.ssh). Links inside the blog are
    followed, a linked folder that leads back into one it is in is an error, not a hang.
    `hidden`: whether dotfiles are copied too."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    _walk(folder, os.path.realpath(root), hidden, (), found, problems)
    return found, problems


def outside_blog(path: Path, root: Path) -> Diagnostic | None:
    """An error when `path` (a link, or in a linked folder) leads outside the blog folder `root`."""
    real = Path(os.path.realpath(path))
    if real.is_relative_to(os.path.realpath(root)):
        return None
    return error(display_path(path), 1, 1, f"this link leads outside the blog folder (to {real}); it is not copied")


def _walk(folder: Path, root: str, hidden: bool, within: tuple[str, ...], found: list[Path],
          problems: list[Diagnostic]) -> None:
    try:
        with os.scandir(folder) as scanned:
            entries = sorted(scanned, key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        return
    within = (*within, os.path.realpath(folder))
    for entry in entries:
        if entry.name.startswith(".") and not hidden:
            continue
        path = Path(entry.path)
        if entry.is_symlink() and (outside := outside_blog(path, Path(root))) is not None:
            problems.append(outside)
            continue
        try:
            is_dir, is_file = entry.is_dir(), entry.is_file()
        except OSError as exc:  # a link to itself: "too many levels of symbolic links"
            problems.append(error(display_path(path), 1, 1, f"cannot be read: {(exc.strerror or str(exc)).lower()}"))
            continue
        if is_dir and _loops(os.path.realpath(path), within):
            problems.append(error(display_path(path), 1, 1,
                                  "this link to a folder leads back into a folder that holds it (a loop)"))
        elif is_dir:
            _walk(path, root, hidden, within, found, problems)
        elif is_file:
            found.append(path)


def _loops(target: str, within: tuple[str, ...]) -> bool:
    """Whether a linked folder leads back into the walk: to a folder walked down to here
    (`within`, the real paths, the current folder last), or to one that holds the current one."""
    return target in within or within[-1].startswith(target.rstrip(os.sep) + os.sep)
