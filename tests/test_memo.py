"""The build memo: what a rebuild takes from the last build instead of reading it again.

The memo must never change the site, only how fast it is made: a post it returns equals the
post read from its file, a damaged or foreign memo is ignored, and the cases where a post is
more than its file (a notebook that went missing, a date from git, the working folder that
diagnostics are relative to) are read afresh.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from conftest import EPOCH, make_blog, post, read_tree

from generator.build import BuildOptions, BuildSession, build_site
from generator.config import load_config
from generator.errors import JourneyError
from generator.incremental.memo import Memo
from generator.content.sources import read_post, read_posts

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


def _digests(paths: list[Path]) -> dict[str, bytes]:
    import hashlib

    return {str(p): hashlib.sha256(p.read_bytes()).digest() for p in paths}


def test_a_remembered_post_equals_the_post_read_from_its_file(blog: Path) -> None:
    config, _ = load_config(blog, None)
    memo = Memo("key")
    paths = sorted((blog / "posts").rglob("*.md"))
    for path in paths:
        fresh, problems = read_post(config, path)
        assert fresh is not None
        memo.remember_post(fresh, problems, config.tz)
    saved = Memo("key", blog / "memo.json")
    saved.posts.data = json.loads(json.dumps(memo.posts.data))  # what a save and a load make of it
    for path in paths:
        fresh, problems = read_post(config, path)
        remembered = saved.post(path, _digests([path])[str(path)].hex(), config.tz)
        assert remembered is not None, path
        again, again_problems = remembered
        assert again == replace(fresh, body=None, assets=())  # read_posts lists a bundle's files afresh
        assert again_problems == problems
        for ours, theirs in ((again.date, fresh.date), (again.updated, fresh.updated)):
            assert (ours.tzinfo is theirs.tzinfo) if theirs and theirs.tzinfo is config.tz else ours == theirs
            assert ours is None or (ours.isoformat(), ours.utcoffset()) == (theirs.isoformat(), theirs.utcoffset())
    assert saved.post(paths[0], "0" * 64, config.tz) is None  # another digest: read again


def test_read_posts_takes_unchanged_posts_from_the_memo_without_their_bodies(blog: Path) -> None:
    config, _ = load_config(blog, None)
    paths = sorted((blog / "posts").rglob("*.md"))
    memo = Memo("key")
    now = datetime.fromisoformat("2030-01-01T00:00:00+00:00")
    first = read_posts(config, drafts=True, future=True, now=now, memo=memo, digests=_digests(paths))
    edited = blog / "posts/offset.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "More.\n", encoding="utf-8")
    second = read_posts(config, drafts=True, future=True, now=now, memo=memo, digests=_digests(paths))
    bodies = {p.source.name: p.body for p in second.posts}
    assert bodies["offset.md"] == "Its own offset.\nMore.\n"  # read again
    assert sorted(name for name, body in bodies.items() if body is None) == [
        "2025-01-05-untitled.md", "2025-03-30-wall-time.md", "index.md"]  # from the memo, unread
    assert [replace(p, body=None) for p in first.posts if p.source != edited] == [
        p for p in second.posts if p.source != edited]
    assert second.diagnostics == first.diagnostics


def test_a_saved_memo_comes_back_and_a_damaged_or_foreign_one_is_empty(tmp_path: Path) -> None:
    memo = Memo("key", tmp_path / "memo.json")
    for n in range(3):
        memo.remember_entry(f"k{n}", {"words": n, "summary": "é"})
    memo.search = {"fingerprint": "f", "size": 9, "index": {"a:1": [1, 7]}}
    memo.save()
    back = Memo.load(tmp_path / "memo.json", "key")
    assert (back.entries.data, back.search) == (memo.entries.data, memo.search)
    assert Memo.load(tmp_path / "memo.json", "another key").entries.data == {}  # other code or settings
    entries = tmp_path / "memo.entries"
    entries.write_bytes(entries.read_bytes()[:-5])  # the last line cut short
    assert Memo.load(tmp_path / "memo.json", "key").entries.data == {"k0": {"words": 0, "summary": "é"},
                                                                    "k1": {"words": 1, "summary": "é"}}
    (tmp_path / "memo.json").write_text('{"format": "memo-5", "key": "key", "sear', encoding="utf-8")
    assert Memo.load(tmp_path / "memo.json", "key").search == {}


def test_a_memo_save_appends_only_what_changed_and_compacts_when_mostly_stale(tmp_path: Path) -> None:
    memo = Memo("key", tmp_path / "memo.json")
    for n in range(100):
        memo.remember_entry(f"k{n}", {"n": n})
    memo.save()
    entries = tmp_path / "memo.entries"
    written = entries.read_bytes()
    memo.remember_entry("new", {"n": -1})
    memo.keep_only([], [f"k{n}" for n in range(1, 100)] + ["new"])  # k0 went
    memo.save()
    assert entries.read_bytes() == written + b'["k0", null]\n["new", {"n": -1}]\n'
    back = Memo.load(tmp_path / "memo.json", "key")
    assert back.entries.data == {**{f"k{n}": {"n": n} for n in range(1, 100)}, "new": {"n": -1}}
    for round_number in range(3):  # every entry replaced, three times over: the file is rewritten
        back.keep_only([], [])
        for n in range(100):
            back.remember_entry(f"r{round_number}-{n}", {"n": n})
        back.save()
    assert entries.read_bytes().count(b"\n") <= 2 * 100 + 64 + 1
    assert Memo.load(tmp_path / "memo.json", "key").entries.data == {f"r2-{n}": {"n": n} for n in range(100)}


def test_a_memo_damaged_into_other_valid_json_is_ignored(blog: Path, tmp_path: Path) -> None:
    build_site(BuildOptions(source=blog, progress=False))
    [header] = (blog / ".journey-cache").glob("memo-*.json")
    data = json.loads(header.read_text(encoding="utf-8"))
    some_entry = json.loads(header.with_suffix(".entries").read_bytes().split(b"\n")[1])[0]
    header.write_text(json.dumps({**data, "search": {"fingerprint": "x", "size": "big", "index": []},
                                  "templates": {"templates": 1}}), encoding="utf-8")
    with header.with_suffix(".entries").open("a", encoding="utf-8") as log:
        log.write(json.dumps([some_entry, {"toc": 1}]) + "\n")  # an entry of the wrong shape
    with header.with_suffix(".posts").open("a", encoding="utf-8") as log:
        log.write(json.dumps({"not": "a row"}) + "\n")
    _edit(blog / "posts/offset.md", "Its own offset.", "Its own offset, edited.")
    build_site(BuildOptions(source=blog, progress=False))
    clean = tmp_path / "clean"
    shutil.copytree(blog, clean, ignore=shutil.ignore_patterns(".journey-cache", "site"))
    build_site(BuildOptions(source=clean, progress=False))
    ours, theirs = read_tree(blog / "site"), read_tree(clean / "site")
    assert sorted(ours) == sorted(theirs)
    assert [name for name in ours if ours[name] != theirs[name]] == []


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


def test_a_post_dated_by_git_or_mtime_is_not_remembered(blog: Path) -> None:
    (blog / "posts/undated.md").write_text("---\ntitle: Undated\n---\nNo date.\n", encoding="utf-8")
    build_site(BuildOptions(source=blog, progress=False))
    [memo_file] = (blog / ".journey-cache").glob("memo-*.json")
    remembered = Memo.load(memo_file, json.loads(memo_file.read_text(encoding="utf-8"))["key"]).posts.data
    assert str(blog / "posts/undated.md") not in remembered
    assert str(blog / "posts/2025-01-05-untitled.md") in remembered  # the file name dates it


def test_a_resident_session_follows_a_series_of_edits(blog: Path, tmp_path: Path) -> None:
    """`serve`'s way: one memo and one stat cache in memory across rebuilds, including two
    same-size edits in quick succession (the stat cache must not take the second for the first)."""
    session = BuildSession()
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
    session.save()
    assert list((blog / ".journey-cache").glob("memo-*.json"))


def test_a_failed_rebuild_in_a_session_does_not_mislead_the_next_search_index(blog: Path, tmp_path: Path) -> None:
    """The failed build wrote a new search.json into its staging folder only; the memo must not
    then take the site's (older) file for it, though the two are the same size."""
    for warned in ("2025-01-05-untitled.md", "2025-03-30-wall-time.md"):  # strict: their warnings fail
        (blog / "posts" / warned).unlink()
    (blog / "posts/b.md").write_text(post("B", "2025-02-05"), encoding="utf-8")
    session = BuildSession()
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


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
