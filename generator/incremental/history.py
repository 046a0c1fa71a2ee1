"""The first-commit dates of undated posts, kept in the build store by the repository's HEAD:
one `git log` after each new commit, none while HEAD stays where it was."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from .store import Store

FORMAT = "gitdates-1"


class StoredDates:
    """`content.git_dates.GitDates` for one blog, its dates stored under the HEAD they were read
    at. Nothing is looked at until the first undated post asks (a blog whose posts all have
    dates never reads `.git`)."""

    def __init__(self, store: Store, root: Path, folders: list[Path]) -> None:
        self.store, self.root, self.folders = store, root, folders
        self._dates: Any = None  # the GitDates, once asked
        self.used = False  # whether a post was dated by it (then the build watches HEAD)

    def __call__(self, path: Path) -> datetime | None:
        self.used = True
        return self._git_dates()(path)

    # Reading in forked workers (content.sources.read_files): the dates are read here, once,
    # before they fork, and whether a post was dated by them comes back.

    def share(self, paths: Iterable[Path]) -> None:
        """Read the dates now if a post among `paths` could need them: one whose file name
        carries no date (a Jekyll blog's posts never do)."""
        from ..content.post_fields import dated_by_name

        if self._dates is None and not all(dated_by_name(path) for path in paths):
            self._git_dates()
            self.store.commit()

    def notes(self) -> bool:
        used, self.used = self.used, False
        return used

    def take(self, used: bool) -> None:
        self.used = self.used or used

    @property
    def watched(self) -> list[str]:
        """The files a commit changes (HEAD, the branch's ref): inputs of a build that used the dates."""
        if not self.used:
            return []
        repository = self._git_dates().repository
        return [str(p) for p in repository.watched] if repository is not None else []

    def _git_dates(self) -> Any:
        if self._dates is None:
            from ..content.git_dates import GitDates, find_repository

            repository = find_repository(self.root)
            if repository is None:
                self._dates = GitDates(None, self.folders)
                return self._dates
            key = f"{repository.top}\0" + "\0".join(str(f) for f in self.folders)
            stored = self.store.get_json("gitdates", key, FORMAT, _valid)
            if stored is not None and stored[0] == repository.head:
                self._dates = GitDates(repository, self.folders, known=stored[1])
            else:  # the commits since the stored HEAD only, where they follow it in a line
                self._dates = GitDates(repository, self.folders, since=(stored[0], stored[1]) if stored else None)
                self.store.put("gitdates", key, FORMAT, json.dumps([repository.head, self._dates.dates]).encode("utf-8"))
        return self._dates


def _valid(data: Any) -> bool:
    return (isinstance(data, list) and len(data) == 2 and isinstance(data[0], str) and isinstance(data[1], dict)
            and all(isinstance(k, str) and isinstance(v, str) and _is_time(v) for k, v in data[1].items()))


def _is_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True
