"""A damaged cache is a miss, never output and never a crash.

Every kind of file in `.journey-cache/` — the manifest, the stat cache, the site record, the
build store as a whole — and every kind of entry inside the store is truncated, emptied,
bit-flipped and replaced with valid JSON of another shape; each time the build succeeds and its
site equals a clean build of the same sources, byte for byte. The damage is done after a real
build (a real kernel ran the notebook once), the way a full disk, a crash or a stray tool would.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EPOCH, make_blog, post, read_tree

from generator.build import BuildOptions, build_site
from generator.incremental.store import checksum

NOTEBOOKS = Path(__file__).parent / "notebooks"
CODE = "```python\ndef area(r: float) -> float:\n    return 3.14159 * r * r\n```\n"
KINDS = ("post", "entry", "html", "text", "blob", "highlight", "css", "jinja", "search", "uses", "templates", "yaml")


def _sources() -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {
        "pyproject.toml": '[tool.journey]\ntitle = "Damage"\nbase_url = "https://example.github.io/repo/"\n',
        "posts/bundle/index.md": post("Bundle", "2025-02-01", "![dot](dot.svg)\n\n" + CODE),
        "posts/bundle/dot.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>',
        "posts/2025-03-01-plot.md": post("Plot", "2025-03-01", "A figure.\n", notebook="notebooks/figure.ipynb"),
    }
    for n in range(1, 5):
        files[f"posts/2025-01-0{n}-post-{n}.md"] = post(
            f"Post {n}", f"2025-01-0{n}", f"Words of post {n}.\n\n## Code\n\n{CODE}", tags="[ml, code]"
        )
    return files


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A blog built once with a real kernel; each test works on a copy of it."""
    root = tmp_path_factory.mktemp("damage") / "blog"
    make_blog(root, _sources())
    (root / "notebooks").mkdir()
    shutil.copy(NOTEBOOKS / "figure.ipynb", root / "notebooks/figure.ipynb")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.chdir(root.parent)
        result = build_site(BuildOptions(source=root, progress=False))
    assert not result.up_to_date and result.files > 20
    return root


@pytest.fixture(scope="module")
def expected(built: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    """Clean builds (no cache, no site) of the sources as built and after the edit the tests make."""
    trees = {}
    for name, change in (("as built", None), ("edited", _edit)):
        fresh = tmp_path_factory.mktemp("clean") / "blog"
        shutil.copytree(built, fresh, ignore=shutil.ignore_patterns(".journey-cache", "site"))
        if change:
            change(fresh)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
            patch.chdir(fresh.parent)
            build_site(BuildOptions(source=fresh, progress=False, execute="never"))
        trees[name] = read_tree(fresh / "site")
    return trees


@pytest.fixture
def blog(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "blog"
    shutil.copytree(built, root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.chdir(tmp_path)
    return root


def _edit(root: Path) -> None:
    target = root / "posts/2025-01-02-post-2.md"
    target.write_text(target.read_text(encoding="utf-8").replace("Words of post 2.", "Words of post two."), encoding="utf-8")


def _build(root: Path) -> list[str]:
    result = build_site(BuildOptions(source=root, progress=False, execute="never"))
    return [str(d) for d in result.diagnostics]


# -- the damage --------------------------------------------------------------------------

DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda data: data[: len(data) // 2],
    "emptied": lambda data: b"",
    "flipped": lambda data: bytes(b ^ 0xFF if i % 97 == 13 else b for i, b in enumerate(data)) if len(data) > 13 else b"\xff" + data,
    "other JSON": lambda data: json.dumps({"format": "x", "entries": [[1, 2]], "key": None}).encode(),
}


def _damage_file(path: Path, how: str) -> None:
    assert path.is_file(), path
    path.write_bytes(DAMAGE[how](path.read_bytes()))


def _damage_entries(root: Path, kind: str, how: str, *, matching_checksum: bool = False) -> None:
    """Damage every entry of one kind inside the store (its checksum kept, unless asked to match)."""
    with sqlite3.connect(root / ".journey-cache" / "store.sqlite") as db:
        rows = db.execute("SELECT key, value, checksum FROM entries WHERE kind = ?", (kind,)).fetchall()
        assert rows, f"the store has no {kind} entries"
        for key, value, old in rows:
            damaged = DAMAGE[how](value)
            stored = checksum(damaged) if matching_checksum else old
            db.execute("UPDATE entries SET value = ?, checksum = ? WHERE kind = ? AND key = ?", (damaged, stored, kind, key))


def _forget_the_site(root: Path) -> None:
    """Without the manifest and the site record every page is made again, reading every stored rendering."""
    for name in ("manifest-*.json", "site-*.json"):
        for path in (root / ".journey-cache").glob(name):
            path.unlink()


def _assert_site(root: Path, tree: dict[str, bytes], diagnostics: list[str]) -> None:
    assert [d for d in diagnostics if ": error: " in d] == []
    site = read_tree(root / "site")
    assert sorted(site) == sorted(tree)
    assert [name for name in site if site[name] != tree[name]] == []


# -- the tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", sorted(DAMAGE))
@pytest.mark.parametrize("name", ["manifest-*.json", "stats.json", "site-*.json", "store.sqlite"])
def test_a_damaged_cache_file_gives_the_right_site(blog: Path, expected: dict[str, dict[str, bytes]], name: str, how: str) -> None:
    for path in sorted((blog / ".journey-cache").glob(name)):
        _damage_file(path, how)
    _assert_site(blog, expected["as built"], _build(blog))
    _edit(blog)
    _assert_site(blog, expected["edited"], _build(blog))
    assert build_site(BuildOptions(source=blog, progress=False, execute="never")).up_to_date


@pytest.mark.parametrize("how", ["flipped", "other JSON"])  # within the store every kind of damage is a bad checksum
@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_store_entry_is_made_again_never_published(
    blog: Path, expected: dict[str, dict[str, bytes]], kind: str, how: str
) -> None:
    _damage_entries(blog, kind, how)
    _forget_the_site(blog)
    diagnostics = _build(blog)
    _assert_site(blog, expected["as built"], diagnostics)
    _damage_entries(blog, kind, how)
    _edit(blog)
    _assert_site(blog, expected["edited"], _build(blog))


@pytest.mark.parametrize("how", ["truncated", "emptied"])
def test_a_truncated_or_emptied_entry_is_a_miss(blog: Path, expected: dict[str, dict[str, bytes]], how: str) -> None:
    for kind in KINDS:
        _damage_entries(blog, kind, how)
    _forget_the_site(blog)
    _assert_site(blog, expected["as built"], _build(blog))


@pytest.mark.parametrize("kind", ["post", "entry", "search", "uses", "templates", "yaml"])
def test_valid_json_of_another_shape_with_a_good_checksum_is_a_miss(
    blog: Path, expected: dict[str, dict[str, bytes]], kind: str
) -> None:
    _damage_entries(blog, kind, "other JSON", matching_checksum=True)
    _edit(blog)
    _assert_site(blog, expected["edited"], _build(blog))


def test_damage_is_said_once_as_a_warning_and_repaired(blog: Path, expected: dict[str, dict[str, bytes]]) -> None:
    _damage_entries(blog, "entry", "flipped")
    _forget_the_site(blog)
    diagnostics = _build(blog)
    damaged = [d for d in diagnostics if "damaged" in d]
    assert len(damaged) == 6 and all(d.startswith("blog/.journey-cache/store.sqlite:1:1: warning: the build cache's entry ")
                                      and d.endswith(" was damaged; it is made again") for d in damaged), diagnostics
    _forget_the_site(blog)
    assert [d for d in _build(blog) if "damaged" in d] == []  # repaired: nothing to say the next time


def test_a_store_that_is_not_a_database_starts_afresh(blog: Path, expected: dict[str, dict[str, bytes]]) -> None:
    (blog / ".journey-cache" / "store.sqlite").write_bytes(b"this is not a database, just text " * 200)
    _forget_the_site(blog)
    diagnostics = _build(blog)
    assert any(d.startswith("blog/.journey-cache/store.sqlite:1:1: warning: the build cache could not be read (")
               and d.endswith("); starting it afresh") for d in diagnostics), diagnostics
    _assert_site(blog, expected["as built"], diagnostics)


def test_a_store_of_an_older_layout_is_remade_with_the_current_pages(
    blog: Path, expected: dict[str, dict[str, bytes]],
) -> None:
    """A store an older journey made (layout 2: SQLite's 4 KiB pages) is emptied and remade with
    16 KiB pages; nothing in it is read, and nothing is said: it is no damage."""
    from generator.incremental.store import LAYOUT, PAGE_SIZE

    path = blog / ".journey-cache" / "store.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(path) as db:
        db.executescript("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE entries (kind TEXT, key TEXT,"
                         " version TEXT, checksum BLOB, value BLOB, PRIMARY KEY (kind, key)); PRAGMA user_version = 2")
        db.execute("INSERT INTO entries VALUES ('html', 'old', 'render-6', x'00', x'00')")
    db.close()
    _forget_the_site(blog)
    diagnostics = _build(blog)
    assert [d for d in diagnostics if "cache" in d] == []
    _assert_site(blog, expected["as built"], diagnostics)
    with sqlite3.connect(path) as db:
        assert (db.execute("PRAGMA page_size").fetchone(), db.execute("PRAGMA user_version").fetchone()) == ((PAGE_SIZE,), (LAYOUT,))
        assert db.execute("SELECT count(*) FROM entries WHERE key = 'old'").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM entries WHERE kind = 'html'").fetchone()[0] > 0
    db.close()


def test_damage_a_render_worker_finds_is_said_by_the_build(blog: Path, expected: dict[str, dict[str, bytes]]) -> None:
    """With jobs > 1 a one-post rebuild renders in a forked worker; the damage it finds in the
    store (a highlighted code block, here) is still said, once, and repaired there."""
    _damage_entries(blog, "highlight", "flipped")
    _edit(blog)
    result = build_site(BuildOptions(source=blog, progress=False, execute="never", jobs=2))
    damaged = [str(d) for d in result.diagnostics if "damaged" in str(d)]
    assert len(damaged) == 1 and damaged[0].startswith("blog/.journey-cache/store.sqlite:1:1: warning: the build cache's "
                                                       "highlight ") and damaged[0].endswith(" was damaged; it is made again")
    _assert_site(blog, expected["edited"], [str(d) for d in result.diagnostics])
    target = blog / "posts/2025-01-02-post-2.md"
    target.write_text(target.read_text(encoding="utf-8").replace("Words of post two.", "Words of post 2."), encoding="utf-8")
    again = build_site(BuildOptions(source=blog, progress=False, execute="never", jobs=2))
    assert [str(d) for d in again.diagnostics if "damaged" in str(d)] == []  # the worker stored it afresh
    with sqlite3.connect(blog / ".journey-cache" / "store.sqlite") as db:
        assert db.execute("SELECT count(*) FROM entries WHERE kind = 'note'").fetchone() == (0,)
