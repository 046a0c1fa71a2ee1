"""Killed builds: `kill -9` at any step of finishing and swapping the site leaves `site/` the
complete old site or the complete new one, and the next build repairs everything.

The writer's test hook (`JOURNEY_CRASH_AT=N`, see generator/website/swap.py) makes a real
`journey build` process SIGKILL itself at its N-th step. A blog is built as version A, its
sources switched to version B (a prose edit, a renamed, a deleted and a new post), and B is
built once for every N until a build gets through; the sites are compared, byte for byte,
with builds of A and B from nothing.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import EPOCH, make_blog, post

from generator.build import BuildOptions, BuildResult, build_site
from generator.files import write_sealed
from generator.website.record import RECORD, recorded_fingerprints, site_is_intact

PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
    "AAAABJRU5ErkJggg=="
)
SETTINGS = '[tool.journey]\ntitle = "Crash journey"\nbase_url = "https://example.org/blog/"\nposts_per_page = 3\n'
LEFTOVER = re.compile(r"\..+\.(new|old)-\d+")  # a staging folder or an aside of the live site
BUILT = re.compile(r"journey: built (\d+) files into site/ in \d+\.\d\d s \((\d+) pages rendered\)\n")
# A build with the exchange turned off: the two-rename fallback of swap_in().
WITHOUT_EXCHANGE = (
    "import sys, generator.website.swap as swap\n"
    "swap._exchange = lambda first, second: False\n"
    "from generator.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
FAILED = ("posts/2025-01-05-post-5.md:2:17: error: invalid YAML in front matter: expected ',' or ']', but got "
          "'<stream end>'\njourney: 1 error; nothing was written\n")
Files = dict[str, str | bytes]
Tree = dict[str, bytes | None]


def version_a() -> Files:
    files: Files = {
        "pyproject.toml": SETTINGS,
        "static/files/notes.txt": "static notes\n",
        "static/files/data.csv": "x,y\n1,2\n",
        "static/images/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
        "posts/intro/index.md": post("Introduction", "2025-01-20", "A bundle.\n\n![A pixel](pixel.png)\n",
                                     tags="[ml, bundles]"),
        "posts/intro/pixel.png": PIXEL,
    }
    for n in range(1, 8):
        files[f"posts/2025-01-0{n}-post-{n}.md"] = post(
            f"Post {n}", f"2025-01-0{n}", f"Opening of post {n}.\n\n## Details\n\nThe words of post {n}.\n",
            tags=("[ml, python]", "[ml]", "[data]")[n % 3],
        )
    return files


def version_b() -> Files:
    """A with a prose edit, a renamed post, a deleted post and a new post (with a new tag)."""
    files = version_a()
    files["posts/2025-01-02-post-2.md"] = str(files["posts/2025-01-02-post-2.md"]).replace(
        "The words", "The rewritten words")
    files["posts/2025-01-03-renamed.md"] = files.pop("posts/2025-01-03-post-3.md")
    del files["posts/2025-01-04-post-4.md"]
    files["posts/2025-02-01-late.md"] = post("Late", "2025-02-01", "A late post.\n", tags="[ml, late]")
    return files


def version_a2() -> Files:
    """A with one post's prose edited: the same files, one of them different."""
    files = version_a()
    files["posts/2025-01-05-post-5.md"] = str(files["posts/2025-01-05-post-5.md"]).replace("The words", "Edited words")
    return files


def version_c() -> Files:
    """The spare's version: other prose where B keeps A's pages (so the finishing step copies
    them from the live site), and files B does not have (so it deletes them)."""
    files = version_a()
    for n in (1, 6, 7):
        name = f"posts/2025-01-0{n}-post-{n}.md"
        files[name] = str(files[name]).replace("The words", "Other words")
    files["posts/2025-01-08-extra.md"] = post("Extra", "2025-01-08", "Only in C.\n", tags="[extra]")
    files["static/files/notes.txt"] = "other notes\n"
    files["static/files/data.csv"] = "x,y\n3,4\n"
    files["static/images/logo.svg"] = '<svg xmlns="http://www.w3.org/2000/svg" width="1"/>\n'
    files["static/extras/c-only.txt"] = "only in C\n"
    return files


def snapshot(folder: Path) -> Tree:
    """Every file's bytes and every folder (as None) under `folder`: equal snapshots, equal trees."""
    found: Tree = {}
    for here, folders, names in os.walk(folder):
        base = Path(here).relative_to(folder)
        found.update({(base / name).as_posix(): None for name in folders})
        found.update({(base / name).as_posix(): (Path(here) / name).read_bytes() for name in names})
    return found


@dataclass(frozen=True)
class Sites:
    a: Tree
    b: Tree
    a2: Tree
    pages_a: int  # HTML pages of the whole site: what a build that trusts nothing renders
    pages_b: int


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    """Versions A, B and A2, each built from nothing in a folder of its own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        trees, pages = [], []
        for version in (version_a, version_b, version_a2):
            blog = Blog(make_blog(tmp_path_factory.mktemp("reference") / "blog", version()))
            build_site(BuildOptions(source=blog.root, progress=False))
            trees.append(snapshot(blog.site))
            pages.append(len(blog.pages()))
        yield Sites(*trees, pages[0], pages[1])


@dataclass
class Blog:
    root: Path
    b_over_a: int = 0  # pages of B whose fingerprint A's site does not have: what B renders after A
    a_over_b: int = 0  # and the other way round

    @property
    def site(self) -> Path:
        return self.root / "site"

    def switch(self, files: Files) -> None:
        """Make the sources exactly `files`: posts and static files not in it are deleted."""
        for folder in ("posts", "static"):
            for path in sorted((self.root / folder).rglob("*")):
                if path.is_file() and path.relative_to(self.root).as_posix() not in files:
                    path.unlink()
        make_blog(self.root, {name: data for name, data in files.items() if self._differs(name, data)})

    def _differs(self, name: str, data: str | bytes) -> bool:
        path = self.root / name
        old = path.read_bytes() if path.exists() else None
        return old != (data.encode("utf-8") if isinstance(data, str) else data)

    def build(self, files: Files) -> BuildResult:
        """Switch the sources to `files` and build them, in this process."""
        self.switch(files)
        return build_site(BuildOptions(source=self.root, progress=False))

    def journey(self, *, crash_at: int = 0, script: str = "") -> tuple[int, str]:
        """`journey build` as its own process, killed at step `crash_at` if given: (exit status, stderr)."""
        env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
        if crash_at:
            env["JOURNEY_CRASH_AT"] = str(crash_at)
        command = [sys.executable, *(("-c", script) if script else ("-m", "generator")), "build"]
        done = subprocess.run(command, cwd=self.root, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.stdout == ""
        return done.returncode, done.stderr

    def pages(self) -> dict[str, str]:
        """The HTML pages' fingerprints the site record gives the live site."""
        records = (self.root / ".journey-cache").glob("site-*.json")
        [record] = [path for path in records if site_is_intact(self.site, path)[0]]
        return {path: key for path, key in recorded_fingerprints(record).items() if path.endswith(".html")}

    def leftovers(self) -> list[str]:
        """Staging folders and asides anywhere in the blog folder or beside it."""
        parent = self.root.parent
        return sorted(p.relative_to(parent).as_posix() for p in parent.rglob("*") if LEFTOVER.fullmatch(p.name))


def built(err: str) -> int:
    """The pages rendered, from the one line a successful `journey build` prints."""
    found = BUILT.fullmatch(err)
    assert found, err
    return int(found[2])


@pytest.fixture
def blog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sites: Sites) -> Blog:
    """A built at tmp_path/blog after builds of A and B: the live site is A, the spare B."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    made = Blog(make_blog(tmp_path / "blog", version_a()))
    monkeypatch.chdir(made.root)  # as `journey build` runs: fingerprints name the posts from here
    made.build(version_a())
    pages_a = made.pages()
    made.build(version_b())
    pages_b = made.pages()
    made.b_over_a = sum(pages_a.get(path) != key for path, key in pages_b.items())
    made.a_over_b = sum(pages_b.get(path) != key for path, key in pages_a.items())
    made.build(version_a())
    assert snapshot(made.site) == sites.a and 0 < made.b_over_a < sites.pages_b
    return made


def test_a_kill_at_any_step_leaves_the_old_or_the_new_site(blog: Blog, sites: Sites) -> None:
    outcomes = []
    for n in range(1, 60):
        blog.build(version_c())
        blog.build(version_a())  # live A, spare C: the build of B copies, deletes and renders
        blog.switch(version_b())
        code, err = blog.journey(crash_at=n)
        if code == 0:
            break
        assert (code, err) == (-9, "")
        site = snapshot(blog.site)
        assert site in (sites.a, sites.b), f"a kill at step {n} left a mixed site"
        if site == sites.a:  # the killed build's staging folder is left: the next build removes it
            assert [re.sub(r"\d+$", "<pid>", name) for name in blog.leftovers()] == [
                "blog/.journey-cache/.site.new-<pid>"]
        rendered = blog.build(version_b()).rendered
        assert snapshot(blog.site) == sites.b and blog.leftovers() == [], f"after a kill at step {n}"
        outcomes.append(f"{'A' if site == sites.a else 'B'} {rendered}")
    else:
        pytest.fail("the crash hook never stopped firing")
    assert built(err) == blog.b_over_a and snapshot(blog.site) == sites.b and blog.leftovers() == []
    # Each copy and deletion of the finishing step, and the step before the exchange, leave A;
    # the next build renders what B changed. After the exchange the site is B: a kill before the
    # record is written leaves nothing trusted (every page is rendered again), one after it
    # leaves the record right and nothing to render.
    assert len(outcomes) >= 20, outcomes
    full = f"B {sites.pages_b}"
    assert outcomes == [f"A {blog.b_over_a}"] * (len(outcomes) - 4) + [full, full, full, "B 0"]


# Step 5 needs the manifest to keep `Staging.digest()` and hand it to `site_is_intact` (the
# incremental layer's part): until then the record, right about B, vouches for A's manifest.


@pytest.mark.parametrize("step", [2, 4, 5])
@pytest.mark.parametrize("target", ["B", "A2"])
def test_a_kill_after_the_exchange_is_repaired_by_a_build_of_either_version(
    blog: Blog, sites: Sites, step: int, target: str
) -> None:
    """From (live A, spare = the target) the steps are: before the exchange, after it, after the
    old site became the spare, before and after the record. Neither a stale record (2-4) nor a
    manifest older than the record (5) may let the next build of A keep the target's site, not
    even where both have the same files (A2)."""
    version, tree = {"B": (version_b, sites.b), "A2": (version_a2, sites.a2)}[target]
    blog.build(version())
    blog.build(version_a())
    blog.switch(version())
    assert blog.journey(crash_at=step) == (-9, "")
    assert snapshot(blog.site) == tree
    blog.switch(version_a())
    code, err = blog.journey()
    assert code == 0 and snapshot(blog.site) == sites.a
    assert built(err) == (0 if step == 5 else sites.pages_a)  # 5: the spare, trusted, is A
    assert not blog.build(version()).up_to_date and snapshot(blog.site) == tree
    assert blog.leftovers() == []


def test_without_rename_exchange_a_kill_between_the_two_renames_is_undone(blog: Blog, sites: Sites) -> None:
    """Where the file system cannot exchange, `site/` is missing for one step: the next build
    puts the old site back first."""
    steps = []
    for n in range(1, 10):
        blog.build(version_b())
        blog.build(version_a())  # live A, spare B: nothing to finish, only the swap's steps
        blog.switch(version_b())
        code, _ = blog.journey(crash_at=n, script=WITHOUT_EXCHANGE)
        if code == 0:
            break
        assert code == -9
        if blog.site.exists():
            steps.append("A" if snapshot(blog.site) == sites.a else "B" if snapshot(blog.site) == sites.b else "mixed")
        else:
            staging, aside = blog.leftovers()  # the new site not yet in place, and the old one
            assert re.fullmatch(r"blog/\.site\.old-\d+", aside) and snapshot(blog.root / Path(aside).name) == sites.a
            assert re.fullmatch(r"blog/\.journey-cache/\.site\.new-\d+", staging)
            steps.append("aside")
        blog.build(version_b())
        assert snapshot(blog.site) == sites.b and blog.leftovers() == []
    assert steps == ["A", "aside", "B", "B", "B", "B"]
    assert snapshot(blog.site) == sites.b and blog.leftovers() == []


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]


def _sealed(shape: object) -> bytes:
    """A record sealed right (format and checksum) around data of another shape."""
    with tempfile.TemporaryDirectory() as folder:
        write_sealed(Path(folder) / "record", RECORD, shape)
        return (Path(folder) / "record").read_bytes()


DAMAGE = {
    "truncated": lambda data, other: data[: len(data) // 2],
    "emptied": lambda data, other: b"",
    "flipped": lambda data, other: _flip(data),
    "another shape": lambda data, other: json.dumps({"live": {"files": []}, "spare": 7}).encode(),
    "sealed, another shape": lambda data, other: _sealed({"live": {"identity": "x", "files": {}}, "spare": None}),
    "another site's": lambda data, other: other,
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_record_is_not_trusted(blog: Blog, sites: Sites, damage: str, tmp_path: Path) -> None:
    build_site(BuildOptions(source=blog.root, out=tmp_path / "other" / "site", progress=False))
    cache = blog.root / ".journey-cache"
    [record] = [path for path in cache.glob("site-*.json") if site_is_intact(blog.site, path)[0]]
    [foreign] = [path for path in cache.glob("site-*.json") if path != record]
    record.write_bytes(DAMAGE[damage](record.read_bytes(), foreign.read_bytes()))
    again = blog.build(version_a())  # the sources did not change, but nothing vouches for the site
    assert not again.up_to_date and again.rendered == sites.pages_a and snapshot(blog.site) == sites.a
    assert blog.build(version_b()).rendered == blog.b_over_a and snapshot(blog.site) == sites.b
    assert blog.build(version_a()).rendered == 0 and snapshot(blog.site) == sites.a  # the spare is A again
    assert blog.leftovers() == []


@pytest.mark.parametrize("deleted", ["posts/post-1/index.html", "robots.txt"])
def test_a_file_deleted_from_the_site_by_hand_is_written_again(blog: Blog, sites: Sites, deleted: str) -> None:
    """A file deep inside (the site folder itself looks untouched) and one at its top."""
    (blog.site / deleted).unlink()
    code, err = blog.journey()
    assert code == 0 and snapshot(blog.site) == sites.a
    # The spare (B) has that post page as A has it. A file gone from the top changes the site
    # folder itself: the live site is not trusted, and what the spare lacks is rendered again.
    assert built(err) == (0 if "/" in deleted else blog.a_over_b)
    for version, tree in ((version_b, sites.b), (version_a, sites.a), (version_b, sites.b)):
        blog.build(version())  # the tree with the hole comes round again as the spare
        assert snapshot(blog.site) == tree
    assert blog.leftovers() == []


def test_a_failed_build_leaves_the_site_alone_and_its_tree_as_the_spare(blog: Blog, sites: Sites) -> None:
    blog.switch({**version_b(), "posts/2025-01-05-post-5.md": "---\ntitle: [unclosed\n---\n"})
    assert blog.journey() == (1, FAILED)
    assert snapshot(blog.site) == sites.a and blog.leftovers() == []
    assert len(list((blog.root / ".journey-cache").glob("spare-*"))) == 1
    result = blog.build(version_b())  # what the failed build wrote is not trusted, the rest is
    assert snapshot(blog.site) == sites.b and 0 < result.rendered < sites.pages_b


def test_a_kill_during_the_first_build_leaves_no_site_or_the_whole_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sites: Sites
) -> None:
    """The first build renames its staging folder to `site/`: before that there is no site."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    blog = Blog(make_blog(tmp_path / "blog", version_a()))
    monkeypatch.chdir(blog.root)
    blog.build(version_a())  # the build store, so that each first build below renders only pages
    cache = blog.root / ".journey-cache"
    steps = []
    for n in range(1, 8):
        shutil.rmtree(blog.site, ignore_errors=True)
        for made in (*cache.glob("spare-*"), *cache.glob("site-*.json")):
            shutil.rmtree(made) if made.is_dir() else made.unlink()
        code, err = blog.journey(crash_at=n)
        if code == 0:
            break
        assert (code, err) == (-9, "")
        left = "none" if not blog.site.exists() else "A" if snapshot(blog.site) == sites.a else "mixed"
        rendered = blog.build(version_a()).rendered
        assert snapshot(blog.site) == sites.a and blog.leftovers() == []
        steps.append(f"{left} {rendered}")
    # Before and after the rename, before and after the record: only a record written vouches for the site.
    full = f"A {sites.pages_a}"
    assert steps == [f"none {sites.pages_a}", full, full, "A 0"]
    assert built(err) == sites.pages_a and snapshot(blog.site) == sites.a
