"""Reuse: what a rebuild takes from earlier builds instead of reading or rendering it again.

Reuse must never change the site, only how fast it is made: a stored post equals the post read
from its file, only new and changed files are read, a damaged or foreign entry is a miss, and
the cases where a post is more than its file (a notebook that went missing, a date from git,
the working folder that diagnostics are relative to) are read afresh.
"""

from __future__ import annotations

import json
import pickle
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import EPOCH, make_blog, post, read_tree

from generator.build import BuildOptions, build_site
from generator.config import load_config
from generator.content.sources import find_post_files, read_file, read_post
from generator.errors import JourneyError, warning
from generator.incremental.rows import diagnostic_from_json, diagnostic_to_json, post_from_json, post_to_json
from generator.incremental.session import BuildSession
from generator.incremental.store import Store

NOTEBOOKS = Path(__file__).parent / "notebooks"
SETTINGS = '[tool.journey]\ntitle = "Memo"\ntimezone = "Europe/Paris"\n'


def _files() -> dict[str, str | bytes]:
    return {
        "pyproject.toml": SETTINGS,
        "posts/2025-03-30-wall-time.md": post(
            "Wall time", "2025-03-30 02:30", "A time that does not exist in Paris.\n",
            updated="2025-04-01T10:00:00+05:30", tags="[ml, 'C++']", categories="notes",
            pinned="true",
        ),
        "posts/offset.md": post("Offset", "2025-01-02T03:04:05-08:00", "Its own offset.\n", author="Ada"),
        "posts/bundle/index.md": post("Bundle", "2025-02-02", "![x](pixel.png)\n"),
        "posts/bundle/pixel.png": b"not really a png",
        "posts/2025-01-05-untitled.md": "# A heading title\n\nNo front matter at all.\n",
    }


@pytest.fixture
def blog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.chdir(tmp_path)
    return make_blog(tmp_path / "blog", _files())


def test_a_stored_post_equals_the_post_read_from_its_file(blog: Path) -> None:
    config, _ = load_config(blog, None)
    paths = sorted((blog / "posts").rglob("*.md"))
    for path in paths:
        fresh, problems = read_post(config, path)
        assert fresh is not None
        row = json.loads(json.dumps(post_to_json(fresh, config.tz)))  # what storing and loading make of it
        again = post_from_json(row, path, fresh.digest, config.tz)
        assert again == replace(fresh, assets=())  # a bundle's files are listed afresh on reuse
        stored = json.loads(json.dumps([diagnostic_to_json(d) for d in problems]))
        assert [diagnostic_from_json(d) for d in stored] == problems
        # The cached values the row spells are those the dates give (a nonexistent Paris wall
        # time included); dates with their own offsets are spelled when asked.
        seeded = "stamps" in again.__dict__
        assert (again.stamps, again.timestamp) == (fresh.stamps, fresh.timestamp)
        assert seeded == (path.name not in ("offset.md", "2025-03-30-wall-time.md")), path.name
        for ours, theirs in ((again.date, fresh.date), (again.updated, fresh.updated)):
            assert (ours.tzinfo is theirs.tzinfo) if theirs and theirs.tzinfo is config.tz else ours == theirs
            assert ours is None or (ours.isoformat(), ours.utcoffset()) == (theirs.isoformat(), theirs.utcoffset())


def test_a_stored_diagnostic_of_another_shape_is_refused() -> None:
    """Rows are decoded without the dataclass's __init__ (models.restored), so their types are checked."""
    assert diagnostic_from_json(["posts/a.md", 3, 1, "warning", "no date"]) == warning("posts/a.md", 3, 1, "no date")
    for damaged in (["posts/a.md", "3", 1, "warning", "no date"], [None, 3, 1, "warning", "no date"],
                    ["posts/a.md", 3, 1, "warning", 7]):
        with pytest.raises(ValueError, match="a stored diagnostic is not path, line, column, severity, message"):
            diagnostic_from_json(damaged)


def test_only_new_and_changed_post_files_are_read_again(blog: Path) -> None:
    config, _ = load_config(blog, None)
    paths = find_post_files(config)
    session = BuildSession(blog)
    options = BuildOptions(source=blog, progress=False)
    build_site(options, session)
    edited = blog / "posts/offset.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "More.\n", encoding="utf-8")
    (blog / "posts/new.md").write_text(post("New", "2025-02-06"), encoding="utf-8")
    paths = find_post_files(config)
    stored = BuildSession(blog)
    rebuilds = [s.last_build(blog / "site", options.site_options()).begin(config) for s in (session, stored)]
    for reuse in rebuilds:  # from memory (serve) and from the store
        assert [p.name for p in reuse.unread(paths)] == ["new.md", "offset.md"]
    reuse = rebuilds[1]
    reads = [read_file(config, p) for p in reuse.unread(paths)]
    posts, problems = reuse.posts(paths, reads)
    expected = [read_file(config, p) for p in paths]
    assert posts == [r.document.post for r in expected if r.document]
    assert problems == [d for r in expected for d in r.problems]
    session.close()
    stored.close()


def test_a_store_entry_comes_back_and_another_version_or_damage_is_a_miss(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.sqlite")
    store.put("html", "k", "v1", "<p>é</p>".encode())
    store.put_json("entry", "e", "v1", {"words": 3})
    store.commit()
    again = Store(tmp_path / "store.sqlite")
    assert again.get("html", "k", "v1") == "<p>é</p>".encode()
    assert again.get("html", "k", "v2") is None  # made by other code
    assert again.get_json("entry", "e", "v1", lambda d: "words" in d) == {"words": 3}
    assert again.get_json("entry", "e", "v1", lambda d: "toc" in d) is None  # not the shape asked for
    assert again.warnings == ["the build cache's entry e was damaged; it is made again"]
    again.commit()
    with sqlite3.connect(tmp_path / "store.sqlite") as db:
        db.execute("UPDATE entries SET value = ? WHERE key = 'k'", (b"<p>flipped</p>",))
    assert again.get("html", "k", "v1") is None and again.get("html", "k", "v1") is None
    assert again.warnings[-1] == "the build cache's html k was damaged; it is made again"
    assert again.keys("html") == set() and again.keys("entry") == set()  # damaged entries are dropped


def _another_writer(store: Store) -> str:
    """What another worker's connection, never waiting for the lock, gets from a write now."""
    other = sqlite3.connect(str(store.path), timeout=0)
    try:
        other.execute("INSERT INTO entries VALUES ('html', 'other', 'v1', x'00', x'00')")
        other.commit()
        return "written"
    except sqlite3.OperationalError as exc:
        return str(exc)
    finally:
        other.close()


def _put_in_a_worker(key: str, store: Store) -> list[tuple[str, bytes | None]]:
    """In a forked worker: whether another writer can write between its put and its commit,
    and what a reader sees after the commit."""
    local = store.local()
    local.put("html", key, "v1", b"<p>from a worker</p>")
    meanwhile = _another_writer(store)
    local.commit()
    return [(meanwhile, Store(store.path).get("html", key, "v1"))]


def test_a_workers_puts_reach_the_file_at_its_commit_in_one_go(tmp_path: Path) -> None:
    """Two render workers storing post by post waited on each other's write lock longer than
    they rendered: a worker keeps its puts, holding no lock, and writes them all when it commits
    (once per batch of posts)."""
    from generator.worker import in_background

    store = Store(tmp_path / "store.sqlite")
    store.put("html", "parent", "v1", b"<p>from the parent</p>")
    store.commit()
    assert list(in_background(_put_in_a_worker, ["k"], store)) == [("written", b"<p>from a worker</p>")]
    assert store.get("html", "k", "v1") == b"<p>from a worker</p>"
    assert store.get("html", "parent", "v1") == b"<p>from the parent</p>"


def _connections_of_copies(count: int, store: Store) -> list[int]:
    """In a forked worker: how many SQLite connections `count` pickled copies of the store open."""
    import pickle

    copies = [pickle.loads(pickle.dumps(store)) for _ in range(count)]
    assert [copy.get("html", "parent", "v1") for copy in copies] == [b"<p>from the parent</p>"] * count
    return [len({id(copy._connection()) for copy in copies} | {id(store.local()._connection())})]


def test_a_worker_reads_every_copy_of_the_store_it_is_sent_through_one_connection(tmp_path: Path) -> None:
    """A pool sends each task its own pickled copy of the store. A connection apiece was kept
    until a garbage collection, which a build never runs (sqlite3 connections sit in a reference
    cycle): render workers grew by a few hundred KiB a task, 40 MiB on the 1,000-post corpus."""
    from generator.worker import in_background

    store = Store(tmp_path / "store.sqlite")
    store.put("html", "parent", "v1", b"<p>from the parent</p>")
    store.commit()
    assert list(in_background(_connections_of_copies, [5], store)) == [1]


def _damage_then_big_puts(key: str, store: Store) -> list[tuple[bytes | None, str, bool]]:
    """In a forked worker: a lookup that finds damage, then whether another writer can write;
    then a put past the worker's limit, and whether it was written without a commit."""
    found = pickle.loads(pickle.dumps(store)).get("html", key, "v1")  # a copy, as a pool task has
    meanwhile = _another_writer(store)
    store.local().put("blob", "big", "v1", b"x" * (17 << 20))  # over the 16 MiB a worker keeps
    return [(found, meanwhile, Store(store.path).get("blob", "big", "v1") is not None)]


def test_a_worker_that_finds_damage_or_keeps_much_writes_at_once(tmp_path: Path) -> None:
    from generator.worker import in_background

    store = Store(tmp_path / "store.sqlite")
    store.put("html", "k", "v1", b"<p>x</p>")
    store.commit()
    with sqlite3.connect(tmp_path / "store.sqlite") as db:
        db.execute("UPDATE entries SET value = ? WHERE key = 'k'", (b"<p>flipped</p>",))
    assert list(in_background(_damage_then_big_puts, ["k"], store)) == [(None, "written", True)]
    assert store.keys("html") == {"other"}  # the damaged entry was dropped
    store.take_notes()
    assert store.warnings == ["the build cache's html k was damaged; it is made again"]


def test_posts_rendered_here_are_committed_before_page_workers_read_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --jobs 2 and no render worker to be had (a fork that fails), a changed post renders
    in this process; the forked page workers must find its HTML in the store. Uncommitted, they
    found it missing, and the whole build ran a second time."""
    from generator import worker
    from generator.content import render

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    files = {f"posts/2024-01-{1 + n % 28:02d}-p{n}.md": post(f"P{n}", f"2024-01-{1 + n % 28:02d}") for n in range(70)}
    blog = make_blog(tmp_path / "blog", {"pyproject.toml": SETTINGS, **files})
    assert build_site(BuildOptions(source=blog, jobs=2, progress=False)).rendered > 64
    for module in (render, worker):  # as where no process can be forked
        monkeypatch.setattr(module, "begin_worker", lambda warm_up=None: None)
    forgotten: list[object] = []
    monkeypatch.setattr(BuildSession, "forget", lambda self, damaged: forgotten.append(damaged))
    (blog / "posts" / "2024-01-01-p0.md").write_text(post("P0", "2024-01-01", "Edited.\n"), encoding="utf-8")
    (blog / "pyproject.toml").write_text(SETTINGS.replace('"Memo"', '"Memo too"'), encoding="utf-8")  # every page again
    result = build_site(BuildOptions(source=blog, jobs=2, progress=False))
    assert forgotten == [] and result.diagnostics == [] and result.rendered > 64
    assert "Edited." in (blog / "site" / "posts" / "p0" / "index.html").read_text(encoding="utf-8")


def test_a_remembered_post_whose_deps_went_missing_is_an_error(blog: Path) -> None:
    (blog / "notebooks").mkdir()
    shutil.copy(NOTEBOOKS / "counts_runs.ipynb", blog / "notebooks/counts.ipynb")
    (blog / "notebooks/data.csv").write_text("rows\n", encoding="utf-8")
    (blog / "posts/with-notebook.md").write_text(
        post("Counts", "2025-02-03", "Counted.\n", notebook="notebooks/counts.ipynb", deps="[notebooks/data.csv]"),
        encoding="utf-8")
    build_site(BuildOptions(source=blog, progress=False))
    (blog / "notebooks/data.csv").unlink()
    with pytest.raises(JourneyError) as failed:
        build_site(BuildOptions(source=blog, progress=False))
    errors = [str(d) for d in failed.value.diagnostics if d.is_error]
    assert "blog/posts/with-notebook.md:5:1: error: 'notebooks/data.csv' does not exist" in errors


def test_diagnostics_of_remembered_posts_follow_the_working_folder(blog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (blog / "posts/odd.md").write_text(post("Odd", "2025-02-04", colour="blue"), encoding="utf-8")
    first = build_site(BuildOptions(source=blog, progress=False))
    assert "blog/posts/odd.md:4:1: warning: unknown front matter key 'colour'" in [str(d) for d in first.diagnostics]
    monkeypatch.chdir(blog)
    (blog / "posts/offset.md").write_text(post("Offset", "2025-01-02", "Changed.\n"), encoding="utf-8")
    second = build_site(BuildOptions(source=blog, progress=False))
    assert not second.up_to_date
    assert "posts/odd.md:4:1: warning: unknown front matter key 'colour'" in [str(d) for d in second.diagnostics]


def test_unpublished_posts_keep_their_rows_and_are_not_read_again(blog: Path) -> None:
    """A draft, and a post held back for its future date (here: dated by its file's time, after
    SOURCE_DATE_EPOCH), are read by every build though not published: their rows stay, and the
    build after a first reads only the file that changed."""
    (blog / "posts/undated.md").write_text("---\ntitle: Undated\n---\nNo date.\n", encoding="utf-8")
    (blog / "posts/draft.md").write_text(post("Draft", "2025-02-07", draft="true"), encoding="utf-8")
    build_site(BuildOptions(source=blog, progress=False))
    stored = {key.partition(":")[2] for key in Store(blog / ".journey-cache/store.sqlite").keys("post")}
    assert {str(blog / "posts/undated.md"), str(blog / "posts/draft.md")} <= stored
    assert str(blog / "posts/2025-01-05-untitled.md") in stored

    edited = blog / "posts/offset.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "More.\n", encoding="utf-8")
    config, _ = load_config(blog, None)
    session = BuildSession(blog)
    reuse = session.last_build(blog / "site", BuildOptions(source=blog).site_options()).begin(config)
    assert [p.name for p in reuse.unread(find_post_files(config))] == ["offset.md"]
    session.close()


def test_a_resident_session_follows_a_series_of_edits(blog: Path, tmp_path: Path) -> None:
    """`serve`'s way: one session (stat cache, decoded posts and renderings) across rebuilds,
    including two same-size edits in quick succession (the stat cache must not take the second
    for the first)."""
    session = BuildSession(blog, resident=True)
    options = BuildOptions(source=blog, progress=False)
    steps = [
        lambda: None,
        lambda: _edit(blog / "posts/offset.md", "Its own offset.", "Its own OFFSET."),
        lambda: _edit(blog / "posts/offset.md", "Its own OFFSET.", "Its own offsET."),  # same size, same second
        lambda: _edit(blog / "posts/2025-03-30-wall-time.md", "title: Wall time", "title: Wall clock"),
        lambda: (blog / "posts/bundle/pixel.png").write_bytes(b"another picture"),
        lambda: (blog / "posts/offset.md").rename(blog / "posts/2025-01-03-renamed.md"),
        lambda: (blog / "posts/2025-01-05-untitled.md").unlink(),
        lambda: _edit(blog / "pyproject.toml", 'title = "Memo"', 'title = "Memo two"'),
    ]
    for number, step in enumerate(steps):
        step()
        build_site(options, session)
        clean = tmp_path / f"clean-{number}"
        shutil.copytree(blog, clean, ignore=shutil.ignore_patterns(".journey-cache", "site"))
        build_site(BuildOptions(source=clean, progress=False))
        ours, theirs = read_tree(blog / "site"), read_tree(clean / "site")
        assert sorted(ours) == sorted(theirs)
        assert [name for name in ours if ours[name] != theirs[name]] == [], number
    assert "Its own offsET." in (blog / "site/posts/renamed/index.html").read_text(encoding="utf-8")
    session.close()
    assert (blog / ".journey-cache/store.sqlite").is_file()


def test_a_failed_rebuild_in_a_session_does_not_mislead_the_next_search_index(blog: Path, tmp_path: Path) -> None:
    """The failed build wrote a new search.json into its staging folder only; the next build must
    not then take the site's (older) file for it, though the two are the same size."""
    for warned in ("2025-01-05-untitled.md", "2025-03-30-wall-time.md"):  # strict: their warnings fail
        (blog / "posts" / warned).unlink()
    (blog / "posts/b.md").write_text(post("B", "2025-02-05"), encoding="utf-8")
    session = BuildSession(blog)
    options = BuildOptions(source=blog, progress=False, strict=True)
    build_site(options, session)
    _edit(blog / "posts/offset.md", "Its own offset.", "Its own OFFSET.")  # same size
    _edit(blog / "posts/b.md", "title: B", "title: B\ncolour: blue")
    with pytest.raises(JourneyError):  # strict: the unknown key fails the build after pages are made
        build_site(options, session)
    _edit(blog / "posts/b.md", "title: B\ncolour: blue", "title: B")
    build_site(options, session)
    clean = tmp_path / "clean"
    shutil.copytree(blog, clean, ignore=shutil.ignore_patterns(".journey-cache", "site"))
    build_site(BuildOptions(source=clean, progress=False, strict=True))
    assert b"Its own OFFSET." in (blog / "site/search.json").read_bytes()
    assert (blog / "site/search.json").read_bytes() == (clean / "site/search.json").read_bytes()


@pytest.mark.parametrize("kernel_copy", [True, False], ids=["copy_file_range", "read-and-write"])
def test_an_edit_copies_the_other_search_documents_from_the_last_index(
    blog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel_copy: bool
) -> None:
    """Where the file system cannot copy ranges (another device, an old kernel), the documents
    are read and written instead: the same bytes either way."""
    import os

    copies: list[int] = []
    real_copy, real_pread = os.copy_file_range, os.pread

    def copy_file_range(*args: int) -> int:
        if not kernel_copy:
            raise OSError(18, "Invalid cross-device link")
        copies.append(args[2])
        return real_copy(*args)

    def pread(*args: int) -> bytes:
        copies.append(args[1])
        return real_pread(*args)

    monkeypatch.setattr(os, "copy_file_range", copy_file_range)
    monkeypatch.setattr(os, "pread", pread)
    for name in ("b", "c", "d"):
        (blog / f"posts/{name}.md").write_text(post(name.upper(), f"2025-02-0{ord(name) - 96}"), encoding="utf-8")
    build_site(BuildOptions(source=blog, progress=False))
    _edit(blog / "posts/c.md", "Some words.", "Some other, longer words.")  # a document in the middle
    assert copies == []
    build_site(BuildOptions(source=blog, progress=False))
    assert len(copies) >= 2  # the documents before the edited one, and those after it
    clean = tmp_path / "clean"
    shutil.copytree(blog, clean, ignore=shutil.ignore_patterns(".journey-cache", "site"))
    build_site(BuildOptions(source=clean, progress=False))
    ours = (blog / "site/search.json").read_bytes()
    assert ours == (clean / "site/search.json").read_bytes()
    assert [doc["title"] for doc in json.loads(ours)][:4] == ["Wall time", "D", "C", "B"]


def test_search_documents_are_made_from_texts_read_a_run_at_a_time(
    blog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first build reads the posts' search texts in runs (TEXTS_AT_ONCE lookups, not one per
    post); after an edit, only the documents to make are read, and either way the index is the
    one a clean build writes."""
    from generator.incremental.bodies import StoredBodies
    from generator.website import search

    asked: list[list[str]] = []
    real = StoredBodies.text_many

    def text_many(self: StoredBodies, render_keys: list[str]) -> dict[str, str]:
        asked.append(list(render_keys))
        return real(self, render_keys)

    monkeypatch.setattr(StoredBodies, "text_many", text_many)
    monkeypatch.setattr(search, "TEXTS_AT_ONCE", 3)
    for name in "bcdefgh":
        (blog / f"posts/{name}.md").write_text(post(name.upper(), f"2025-02-0{ord(name) - 96}"), encoding="utf-8")
    build_site(BuildOptions(source=blog, progress=False))
    posts = len(json.loads((blog / "site/search.json").read_bytes()))
    assert [len(run) for run in asked] == [3] * (posts // 3) + ([posts % 3] if posts % 3 else [])
    asked.clear()
    _edit(blog / "posts/e.md", "Some words.", "Some other, longer words.")
    build_site(BuildOptions(source=blog, progress=False))
    assert [len(run) for run in asked] == [1]
    clean = tmp_path / "clean"
    shutil.copytree(blog, clean, ignore=shutil.ignore_patterns(".journey-cache", "site"))
    build_site(BuildOptions(source=clean, progress=False))
    assert (blog / "site/search.json").read_bytes() == (clean / "site/search.json").read_bytes()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _stored(blog: Path, kind: str) -> set[str]:
    store = Store(blog / ".journey-cache/store.sqlite")
    try:
        return store.keys(kind)
    finally:
        store.close()


def test_the_store_keeps_only_what_the_last_build_rendered(blog: Path) -> None:
    build_site(BuildOptions(source=blog, progress=False))
    first = _stored(blog, "entry")
    assert len(first) == 4  # one rendering per post
    for n in range(3):
        (blog / "posts/offset.md").write_text(post("Offset", "2025-01-02", f"Edit {n}.\n"), encoding="utf-8")
        build_site(BuildOptions(source=blog, progress=False))
    last = _stored(blog, "entry")
    assert len(last) == 4 and len(last - first) == 1  # the edited post's older renderings are gone
    assert _stored(blog, "html") == last == _stored(blog, "text")


def test_a_resident_session_cleans_up_the_store_every_few_builds_and_when_it_closes(blog: Path) -> None:
    """`serve` rebuilds on every save and leaves the clean-up for later: every COLLECT_EVERY
    builds, and when it stops, it removes what any build since the last clean-up rendered
    and the last build does not use."""
    options = BuildOptions(source=blog, progress=False)
    build_site(options)  # a lone build records what it uses: the clean-up removes only what builds since add
    session = BuildSession(blog, resident=True)
    for n in range(3):
        (blog / "posts/offset.md").write_text(post("Offset", "2025-01-02", f"Edit {n}.\n"), encoding="utf-8")
        build_site(options, session)
    session.store.commit()
    assert len(_stored(blog, "entry")) == 4 + 3  # the edited post's three renderings before this one wait
    session.close()
    assert len(_stored(blog, "entry")) == 4
    assert _stored(blog, "html") == _stored(blog, "entry") == _stored(blog, "text")


def test_a_resident_session_cleans_up_after_collect_every_builds(blog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("generator.incremental.session.COLLECT_EVERY", 3)
    session = BuildSession(blog, resident=True)
    options = BuildOptions(source=blog, progress=False)
    for n in range(3):  # builds 1, 2 and 3: the third cleans up
        (blog / "posts/offset.md").write_text(post("Offset", "2025-01-02", f"Edit {n}.\n"), encoding="utf-8")
        build_site(options, session)
    session.store.commit()
    assert len(_stored(blog, "entry")) == 4
    session.close()


def test_a_rendered_post_from_its_stored_entry_equals_one_made_by_its_constructor(blog: Path) -> None:
    """rendered_post() makes its value without __init__ (models.restored): every field is set."""
    from dataclasses import fields

    from generator.content.render import rendered_post
    from generator.models import Heading, RenderedPost

    config, _ = load_config(blog, None)
    fresh, _ = read_post(config, blog / "posts/offset.md")
    assert fresh is not None
    entry = {"toc": [[2, "Intro", "intro"]], "words": 3, "summary": "Its own offset.", "files": [["a.png", "d1", 7]],
             "run_cards": [{"saved": True}], "thumbnail": "a.png", "figure": "", "warnings": [], "highlights": []}
    made = rendered_post(fresh, "k" * 64, entry)
    assert set(made.__dict__) == {f.name for f in fields(RenderedPost)}
    assert made == RenderedPost(post=fresh, toc=(Heading(2, "Intro", "intro"),), words=3, summary="Its own offset.",
                                files=(("a.png", "d1"),), run_cards=({"saved": True},), render_key="k" * 64,
                                thumbnail="a.png", figure="")
    assert hash(made.listing_digest) and made.reading_minutes == 1
