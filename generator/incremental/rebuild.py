"""A build with something to do, as the incremental layer sees it: which post files to read,
which posts to render, where stored renderings are found, and what to record for next time."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import SiteConfig
from ..content.post_fields import BUNDLE_INDEXES, post_assets, undated_post_date
from ..errors import Diagnostic
from ..models import Post, RenderedPost
from .bodies import DamagedEntry, StoredBodies, StoredHighlights, StoredRenderings
from .collect import collect_garbage
from .history import StoredDates
from .manifest import Manifest, manifest_path, manifest_warnings, out_tag, save_manifest
from .parsed import StoredYaml, collect_yaml
from .rows import diagnostic_from_json, diagnostic_to_json, post_from_json, post_to_json
from .scan import (
    changed_while_building,
    code_digest,
    input_paths,
    inputs_digest,
    learn_hashes,
    scan_inputs,
)
from .search_records import store_search, stored_search

if TYPE_CHECKING:
    from .session import LastBuild

POSTS = "posts-8"  # the version of stored post rows


class Rebuild:
    """One build with something to do: it answers what can be reused, takes what the stages
    made, and at `finish` records it all for the next build."""

    def __init__(self, last: LastBuild, config: SiteConfig, folders: list[Path], files: list[Path],
                 scanned: dict[str, bytes], verify: bool = False) -> None:
        self.last, self.config, self.verify = last, config, verify
        self.session, self.store = last.session, last.session.store
        self.folders, self.files, self.scanned = folders, files, scanned
        self.code = code_digest(scanned)  # a new journey renders every post and page again
        self.scope = _digest(self.code, repr(config), os.getcwd(), sys.version)  # what a post read depends on
        self.tag = out_tag(last.out)
        self._posts: dict[Path, tuple[Post, list[Diagnostic]]] = {}
        self._entries: dict[str, dict[str, Any]] = {}
        self._yaml = StoredYaml(self.store)
        self.dates = StoredDates(self.store, config.root, [config.root / f for f in config.read_folders])

    # -- reading ---------------------------------------------------------------------------

    def unread(self, paths: Sequence[Path]) -> list[Path]:
        """The post files that must be read: new or changed since the last build, or whose
        notebooks or deps went missing (an error only a fresh read reports)."""
        if not self.session.posts and not self.store.keys("post", most=1):  # a first build: none to look up (~15 ms)
            self._yaml.expect(len(paths))
            return list(paths)
        keys = {f"{self.scope}:{p}": p for p in paths}
        resident = {k: v for k, v in self.session.posts.items() if k in keys}
        stored = self.store.get_many_json("post", [k for k in keys if k not in resident], POSTS, _valid_post_row)
        for key, path in keys.items():
            digest = self.scanned.get(str(path))
            found = self._remembered(key, path, resident.get(key), stored.get(key), digest.hex() if digest else None)
            if found is not None:
                self._posts[path] = found
        unread = [p for p in paths if p not in self._posts]
        self._yaml.expect(len(unread))
        return unread

    def _remembered(self, key: str, path: Path, resident: Any, row: Any, digest: str | None) -> tuple[Post, list[Diagnostic]] | None:
        if digest is None:
            return None
        if resident is not None and resident[0] == digest:
            post, problems, undated = resident[1], resident[2], resident[3]
        elif row is not None and row[0] == digest:
            try:
                post = post_from_json(row[1], path, digest, self.config.tz)
                problems = [diagnostic_from_json(d) for d in row[2]]
            except (ValueError, KeyError, TypeError, IndexError, AttributeError):
                return None
            undated = row[3]
            self.session.posts[key] = (digest, post, problems, undated)
        else:
            return None
        # A post dated by its first commit or its file's time keeps its row while that holds.
        if undated and (undated, post.date) != undated_post_date(path, self.config.tz, self.dates):
            return None
        if post.notebooks or post.bibliography:
            named = [p for use in post.notebooks for p in (use.request.notebook, *use.request.deps)]
            if not all(p.is_file() for p in (*named, *post.bibliography)):
                return None
        if path.name in BUNDLE_INDEXES:  # a bundle's files are listed afresh: they are not in its digest
            post = replace(post, assets=post_assets(path))
        return post, list(problems)

    def keep_reads(self, reads: Sequence[Any]) -> None:
        """`read_files`' `keep`: store the rows of posts just read, in the process that read them
        (a read worker by its own connection, committed before its batch goes back)."""
        store = self.store.local()
        for read, post, undated in self._kept(reads):
            problems = [diagnostic_to_json(d) for d in read.problems]
            store.put_json("post", f"{self.scope}:{read.source}", POSTS,
                           [post.digest, post_to_json(post, self.config.tz), problems, undated])
        if store is not self.store:
            store.commit()

    def _kept(self, reads: Sequence[Any]) -> Iterator[tuple[Any, Post, str]]:
        """The reads whose post is stored, each with where its date came from when it names none
        (checked before its row is reused)."""
        for read in reads:
            post = read.document.post if read.document is not None else None
            if post is not None and not any(d.is_error for d in read.problems):
                yield read, post, read.document.undated

    def posts(self, paths: Sequence[Path], reads: Sequence[Any]) -> tuple[list[Post], list[Diagnostic]]:
        """Every post in the order of `paths` — read just now (and stored by `keep_reads`), or
        unchanged since the last build — and the problems found reading them."""
        for read in reads:
            self._posts[read.source] = (read.document.post if read.document else None, list(read.problems))  # type: ignore[assignment]
        if self.session.stats.awaiting:  # the hashes the scan left to the posts' reader: a post's digest is its file's
            learn_hashes(self.scanned, self.session.stats, {str(r.source): r.document.post.digest for r in reads if r.document})
        # What a resident session (serve) reuses next build without decoding rows; a lone build
        # has no next build in this process, and would only work the dates out a second time.
        for read, post, undated in self._kept(reads) if self.session.resident else ():
            self.session.posts[f"{self.scope}:{read.source}"] = (post.digest, post, list(read.problems), undated)
        found = [self._posts[p] for p in paths if p in self._posts]
        return [post for post, _ in found if post is not None], [d for _, problems in found for d in problems]

    # -- rendering -------------------------------------------------------------------------

    def unrendered(self, work: Sequence[tuple[Post, list[Any], str]]) -> list[tuple[Post, list[Any], str]]:
        """The (post, notebooks, render key) whose rendering is not stored, intact."""
        from ..content.render import FORMAT, valid_entry

        keys = [key for _, _, key in work if key not in self._entries]  # not those rendered ahead (`took`)
        resident = {k: self.session.entries[k] for k in keys if k in self.session.entries}
        stored = self.store.get_many_json("entry", [k for k in keys if k not in resident], FORMAT, valid_entry)
        for key in keys:
            entry = resident.get(key) or stored.get(key)
            if entry is None:
                continue
            # Its HTML, text and files were stored with it; if damage took them since, reading
            # them raises DamagedEntry and the build starts again with `verify`.
            if self.verify and not self._readable(key, entry):
                continue
            self._entries[key] = entry
            self.session.entries[key] = entry
        return [item for item in work if item[2] not in self._entries]

    def _readable(self, key: str, entry: dict[str, Any]) -> bool:
        bodies = self.bodies
        try:
            bodies.html(key), bodies.text(key)
            for _, digest, _ in entry["files"]:
                bodies.blob(digest, key)
        except DamagedEntry:
            self.session.entries.pop(key, None)
            return False
        return True

    @property
    def keep(self) -> StoredRenderings:
        """Where the render stage stores each rendering (in the process that made it)."""
        return StoredRenderings(self.store)

    def took(self, key: str, entry: dict[str, Any]) -> None:
        """A rendering the render stage stored: its listing entry, for `rendered`."""
        self._entries[key] = self.session.entries[key] = entry

    def rendered(self, work: Sequence[tuple[Post, list[Any], str]], made: Callable[[Post], RenderedPost | None],
                 ) -> tuple[list[RenderedPost], list[Diagnostic]]:
        """The rendered posts of `work` whose rendering is stored, and the warnings rendering found;
        `made(post)`: the rendered post made already of this very post, if any (RenderAhead's)."""
        from ..content.render import entry_warnings, rendered_post

        self.store.take_notes()  # what render workers found wrong in the store, said by this build
        items, problems, known = [], [], self.session.rendered
        for post, _, key in work:
            entry = self._entries.get(key)
            if entry is not None:
                item = ahead if (ahead := made(post)) is not None and ahead.render_key == key else None
                # Found by content (render key and post): a resident session's rebuild then also
                # keeps each rendered post's listing digest.
                if self.session.resident:
                    item = known.get((key, post)) or known.setdefault((key, post), item or rendered_post(post, key, entry))
                elif item is None:
                    item = rendered_post(post, key, entry)
                items.append(item)
                problems.extend(entry_warnings(entry))
        return items, problems

    @property
    def parse_yaml(self) -> StoredYaml:
        return self._yaml

    @property
    def bodies(self) -> StoredBodies:
        return StoredBodies(self.store)

    @property
    def highlighted(self) -> StoredHighlights:
        return StoredHighlights(self.store)

    def syntax_css(self, style: str) -> bytes:
        from .templates import stored_syntax_css

        return stored_syntax_css(self.store, style, self.code)

    def bytecode_cache(self) -> Any:
        from .templates import StoredBytecode

        return StoredBytecode(self.store)

    @property
    def site_record(self) -> Path:
        return self.last.record

    def search_record(self, engine: str) -> Any:
        """What the site's current index of this engine is, as the last build recorded it."""
        return stored_search(self.store, self.tag, engine)

    def commit(self) -> None:
        """Make what this build stored so far visible to other processes (forked page workers)."""
        self.store.commit()

    def template_facts(self, templates: str) -> dict[str, tuple[str, bool]]:
        """What an earlier build worked out about these very template files (by their digest)."""
        known = self.store.get_json("templates", templates, "templates-1", _valid_facts) or {}
        return {name: (sources, reads_site) for name, (sources, reads_site) in known.items()}

    # -- recording -------------------------------------------------------------------------

    def finish(self, *, posts: Sequence[RenderedPost], site: str, search: Any, templates: tuple[str, dict[str, Any]],
               release: datetime | None, warnings: Sequence[Diagnostic], named: Iterable[str], ran_kernels: bool) -> None:
        """Record this build for the next one: the manifest, the stat cache and the store, with
        what no build of this blog uses any more removed from it."""
        if search is not None:  # the JSON index's layout, the Pagefind bundle's files, the shards
            store_search(self.store, self.tag, search)
        digest, facts = templates
        if facts != self.template_facts(digest):
            self.store.delete("templates", self.store.keys("templates"))  # only the current theme's
            self.store.put_json("templates", digest, "templates-1", facts)
        live = {item.render_key for item in posts}  # every post read keeps its row, drafts and future posts too
        sources = {str(path) for path, (post, _) in self._posts.items() if post is not None}
        session = self.session
        # What a resident session (serve) keeps in memory: this build's, nothing older.
        _keep_only(session.entries, lambda k: k in live)
        _keep_only(session.rendered, lambda k: k[0] in live)
        _keep_only(session.posts, lambda k: k.startswith(self.scope + ":") and k.partition(":")[2] in sources)

        def clean_up(earlier: set[str]) -> None:
            collect_yaml(self.store, self._yaml.used, len(posts))
            collect_garbage(self.store, self.tag, self.scope, self._entries, live, sources, earlier=earlier)

        session.collect(live, clean_up)
        self.store.commit()
        named = [*named, *self.dates.watched]  # a commit dates the posts that named no date
        folders, files = input_paths(self.config, named)
        # A notebook run refreshes _freeze/, and new notebooks or deps become inputs: scan again.
        # Otherwise the inputs are those read before the build (an edit saved meanwhile is seen next time).
        before = self.scanned
        after = scan_inputs(folders, files, self.session.stats) if ran_kernels or files != self.files else before
        changed = changed_while_building(before, after, {str(Path(p)) for p in named}, self.config.root / self.config.freeze_dir)
        manifest = Manifest(inputs="" if changed else inputs_digest(after, self.last.options),
                            folders=[str(f) for f in folders], files=[str(f) for f in files],
                            release=release.isoformat() if release else "", warnings=manifest_warnings(warnings), site=site)
        save_manifest(manifest_path(self.session.cache, self.last.out), manifest)
        self.session.stats.save(after)


def _keep_only(known: dict[Any, Any], wanted: Any) -> None:
    """Drop the keys of `known` that are not `wanted`, in place (rebuilding the dict would hash
    every key again, and a key holding a post hashes all its fields)."""
    for key in [key for key in known if not wanted(key)]:
        del known[key]


def _valid_post_row(row: Any) -> bool:
    return (isinstance(row, list) and len(row) == 4 and isinstance(row[0], str) and isinstance(row[1], list)
            and isinstance(row[2], list) and isinstance(row[3], str))


def _valid_facts(data: Any) -> bool:
    return isinstance(data, dict) and all(
        isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], bool) for v in data.values())


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()

