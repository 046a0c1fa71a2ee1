"""The one seam between the build and what earlier builds made.

`build.py` asks a `BuildSession` once per build whether anything is outdated (`last_build`),
and, when something is, gets a `Rebuild` that answers the stages' questions of reuse: which
post files must be read, which posts must be rendered, and where rendered HTML is found. The
stages themselves never see it. What is reused is found by content key (a file's digest, a
rendering's key) in the build store; `serve` keeps one session for its whole run, so its
rebuilds also find what they reuse in memory, by the same keys.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Diagnostic, error, warning
from ..files import CACHE_FOLDER, display_path
from .manifest import Manifest, load_manifest, manifest_path, out_tag
from .scan import StatCache, inputs_digest, scan_inputs
from .store import Store

if TYPE_CHECKING:  # a build with nothing to do loads none of these
    from ..config import SiteConfig
    from ..models import Post, RenderedPost
    from .bodies import DamagedEntry
    from .rebuild import Rebuild

STORE_FILE = "store.sqlite"
COLLECT_EVERY = 20  # rebuilds of a resident session between clean-ups of the store


class BuildSession:
    """What builds of one blog know of earlier ones: the stat cache, the store, and (for a
    session that lives on, `serve`'s) the posts and renderings it already decoded."""

    def __init__(self, source: Path, *, resident: bool = False) -> None:
        self.resident = resident  # kept for many builds (serve): worth remembering decoded objects
        self.root = source.resolve()
        self.cache = self.root / CACHE_FOLDER
        self.stats = StatCache(self.cache / "stats.json")
        self.store = Store(self.cache / STORE_FILE)
        # scope:source → (digest, post, problems, where an undated post's date came from or "")
        self.posts: dict[str, tuple[str, Post, list[Diagnostic], str]] = {}
        self.entries: dict[str, dict[str, Any]] = {}  # render key → entry
        self.rendered: dict[tuple[str, Post], RenderedPost] = {}  # (render key, post) → rendered post
        self._clean_up: Callable[[set[str]], None] | None = None  # the last build's, not yet run
        self._earlier: set[str] = set()  # render keys of the builds since the store was last cleaned up
        self._builds = 0

    def parse_toml(self, text: str) -> dict[str, Any]:
        """The settings file's TOML, parsed once per text (see parsed.StoredToml)."""
        from .parsed import StoredToml

        return StoredToml(self.store)(text)

    def collect(self, live: set[str], clean_up: Callable[[set[str]], None]) -> None:
        """Clean up the store after a build: `clean_up(earlier)` removes what this build does
        not use (`live`: its render keys), `earlier` being the render keys of builds since the
        last clean-up. A lone build does it now; a resident session (serve, rebuilding on every
        save) every COLLECT_EVERY builds and when it closes, so a rebuild spends nothing on it."""
        self._builds += 1
        self._clean_up = clean_up
        if not self.resident or self._builds % COLLECT_EVERY == 0:
            self._run_clean_up()
        else:
            self._earlier |= live

    def _run_clean_up(self) -> None:
        clean_up, earlier = self._clean_up, self._earlier
        self._clean_up, self._earlier = None, set()
        if clean_up is not None:
            clean_up(earlier)

    def last_build(self, out: Path, options: dict[str, str]) -> LastBuild:
        """What the last build of `out` read, and whether the inputs it names are as they were."""
        manifest = load_manifest(manifest_path(self.cache, out))
        folders = [Path(p) for p in manifest.folders]
        scanned = scan_inputs(folders, [Path(p) for p in manifest.files], self.stats) if manifest.inputs else {}
        return LastBuild(self, out, options, manifest, scanned)

    def unusable(self) -> Diagnostic:
        """What to say when the store failed three tries in a row: a full disk under it, say,
        where nothing can be stored."""
        said = next((text.split(";")[0] for text in self.store.warnings if "could not be used" in text),
                    "the build cache's entries were damaged on every try")
        return error(display_path(self.cache) + "/", 0, 0, f"{said}; nothing was changed in the site")

    def forget(self, damaged: DamagedEntry) -> None:
        """Drop a rendering found damaged, so the next try renders its post again."""
        self.entries.pop(damaged.render_key, None)
        self.store.delete("entry", [damaged.render_key])
        self.store.warnings.append(f"the build cache's {damaged.what} was damaged; it is made again")
        self.store.commit()

    def close(self) -> None:
        try:
            if self._clean_up is not None:
                self._run_clean_up()
                self.store.commit()
        finally:
            self.store.close()


@dataclass
class LastBuild:
    session: BuildSession
    out: Path
    options: dict[str, str]  # the options that change the site
    manifest: Manifest
    scanned: dict[str, bytes]  # the inputs the last build named, hashed now
    outputs: list[str] = field(default_factory=list)  # the site's files, once `is_current` said so

    @property
    def record(self) -> Path:
        """The site record of `out` (kept by the site writer)."""
        return self.session.cache / f"site-{out_tag(self.out)}.json"

    def is_current(self, now: datetime) -> bool:
        from ..website.record import site_is_intact

        inputs = inputs_digest(self.scanned, self.options) if self.manifest.inputs else ""
        if not inputs or inputs != self.manifest.inputs:
            return False  # before the site record is read: most builds that get here have work to do
        intact, outputs = site_is_intact(self.out, self.record, self.manifest.site)
        current = self.manifest.is_current(inputs, now, self.out, outputs if intact else None)
        if current:
            self.outputs = outputs
            self.session.stats.save(self.scanned)
        return current

    def warnings(self) -> list[Diagnostic]:
        """The last build's warnings, shown as seen from the folder this build runs in."""
        return [warning(display_path(path), line, col, message) for path, line, col, message in self.manifest.warnings]

    def begin(self, config: SiteConfig, *, verify: bool = False) -> Rebuild:
        """Scan the inputs the settings name, for a build that has something to do. `verify`:
        read every stored rendering through before reusing it (after damage was found)."""
        from .rebuild import Rebuild
        from .scan import input_paths

        folders, files = input_paths(config)
        base = [str(f) for f in files]
        if [str(f) for f in folders] == self.manifest.folders and self.manifest.files[:len(base)] == base:
            # The same settings: the last build's inputs, with the notebooks, deps and git HEAD
            # its posts named, are the ones scanned just now.
            files = [Path(f) for f in self.manifest.files]
            scanned = self.scanned
        else:
            # The post files' hashes, where stat cannot give them, come from reading them (Rebuild.posts).
            defer = tuple(f"{config.root / folder}{os.sep}" for folder in config.read_folders)
            scanned = scan_inputs(folders, files, self.session.stats, defer)
        return Rebuild(self, config, folders, files, scanned, verify)
