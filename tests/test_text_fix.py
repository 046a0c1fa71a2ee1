"""`journey fix` on posts pasted from Medium, LinkedIn and WordPress, and the build's warning.

The posts are `tests/fixtures/text/pasted/*.md`; what `journey fix` prints for each is
`tests/fixtures/text/expected/NAME.diff`, and what `--write` leaves is `expected/NAME.md`. To
accept a deliberate change, delete the expected file, run the tests once (they write it and
fail), and review it in the diff.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import EPOCH, run_journey

from generator.build import BuildOptions, BuildResult, build_site
from generator.content.fix import pasted_signs, split_walls
from generator.content.mojibake import mojibake_sample, repair_mojibake

FIXTURES = Path(__file__).parent / "fixtures" / "text"
PASTED = sorted(p.name for p in (FIXTURES / "pasted").glob("*.md") if "nothing-to-fix" not in p.name)
CLEAN = "2024-01-15-nothing-to-fix.md"
LINKEDIN_MTIME = 1694476800  # 2023-09-12T00:00:00Z: the undated LinkedIn copy's date comes from it
SETTINGS = '[tool.journey]\ntitle = "Pasted"\n'


def copy_posts(root: Path) -> Path:
    """A blog in `root` holding every pasted fixture post; the LinkedIn copy's mtime pinned."""
    shutil.copytree(FIXTURES / "pasted", root / "posts")
    (root / "pyproject.toml").write_text(SETTINGS, encoding="utf-8")
    os.utime(root / "posts" / "linkedin-feature-store.md", (LINKEDIN_MTIME, LINKEDIN_MTIME))
    return root


def expected(name: str) -> str:
    path = FIXTURES / "expected" / name
    if not path.exists():
        pytest.fail(f"no {path.name}; run the test once without it to write it")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str, str]:
    """`journey fix` on every pasted post: (blog, exit status, stdout, stderr)."""
    root = copy_posts(tmp_path_factory.mktemp("fix-show"))
    return (root, *run_journey("fix", *(f"posts/{name}" for name in PASTED), cwd=root))


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str, str]:
    """`journey fix --write` on every post: (blog, exit status, stdout, stderr)."""
    root = copy_posts(tmp_path_factory.mktemp("fix-write"))
    return (root, *run_journey("fix", "--write", *(f"posts/{name}" for name in [*PASTED, CLEAN]), cwd=root))


def _write_missing(folder: Path, outputs: dict[str, str]) -> None:
    missing = [name for name in outputs if not (folder / name).exists()]
    for name in missing:
        (folder / name).write_text(outputs[name], encoding="utf-8")
    if missing:
        pytest.fail(f"wrote {', '.join(missing)}; review and run again")


def test_fix_shows_each_change_as_a_unified_diff_and_exits_1(shown: tuple[Path, int, str, str]) -> None:
    root, status, out, err = shown
    folder = FIXTURES / "expected"
    diffs = out.split("--- a/posts/")[1:]
    _write_missing(folder, {f"{Path(n).stem}.diff": "--- a/posts/" + d for n, d in zip(PASTED, diffs)})
    assert out == "".join(expected(f"{Path(name).stem}.diff") for name in PASTED)
    assert status == 1
    assert err.splitlines() == [
        ("journey: posts/2021-08-30-gradient-descent-notes.md: 5 mojibake sequences repaired; 2 one-paragraph-per-line "
        "blocks split into paragraphs; front matter added (run 'journey fix --write "
        "posts/2021-08-30-gradient-descent-notes.md' to make the change)"),
        ("journey: posts/2023-11-14-shipping-my-first-model.md: 5 mojibake sequences repaired; 1 one-paragraph-per-line "
        "block split into paragraphs; front matter added (run 'journey fix --write "
        "posts/2023-11-14-shipping-my-first-model.md' to make the change)"),
        ("journey: posts/linkedin-feature-store.md: 6 mojibake sequences repaired; 1 one-paragraph-per-line block split "
        "into paragraphs; front matter added (run 'journey fix --write posts/linkedin-feature-store.md' to make the "
        "change)"),
    ]
    for name in PASTED:  # showing changes nothing
        assert (root / "posts" / name).read_bytes() == (FIXTURES / "pasted" / name).read_bytes()


def test_fix_write_makes_the_change(written: tuple[Path, int, str, str]) -> None:
    root, status, out, err = written
    folder = FIXTURES / "expected"
    _write_missing(folder, {name: (root / "posts" / name).read_text(encoding="utf-8") for name in PASTED})
    for name in PASTED:
        assert (root / "posts" / name).read_text(encoding="utf-8") == expected(name)
    assert (status, out) == (0, "")
    assert err.splitlines()[2:] == [
        ("journey: fixed posts/linkedin-feature-store.md: 6 mojibake sequences repaired; 1 one-paragraph-per-line "
        "block split into paragraphs; front matter added"),
        f"journey: posts/{CLEAN}: nothing to fix",
    ]


def test_a_fixed_post_has_nothing_left_to_fix(written: tuple[Path, int, str, str]) -> None:
    root = written[0]
    status, out, err = run_journey("fix", *(f"posts/{name}" for name in PASTED), cwd=root)
    assert (status, out) == (0, "")
    assert err.splitlines() == [f"journey: posts/{name}: nothing to fix" for name in PASTED]


def test_a_clean_post_is_left_alone(tmp_path: Path) -> None:
    copy_posts(tmp_path)
    status, out, err = run_journey("fix", f"posts/{CLEAN}", cwd=tmp_path)
    assert (status, out, err) == (0, "", f"journey: posts/{CLEAN}: nothing to fix\n")
    assert (tmp_path / "posts" / CLEAN).read_bytes() == (FIXTURES / "pasted" / CLEAN).read_bytes()


def test_files_fix_cannot_read_are_errors_and_the_rest_still_fixed(tmp_path: Path) -> None:
    copy_posts(tmp_path)
    (tmp_path / "posts" / "latin1.md").write_bytes("Title\n\nA caf\u00e9.\n".encode("latin-1"))
    (tmp_path / "posts" / "nb.ipynb").write_text('{"cells": []}', encoding="utf-8")
    status, out, err = run_journey("fix", "--write", "posts/latin1.md", "posts", "posts/missing.md",
                                   "posts/nb.ipynb", "posts/2023-11-14-shipping-my-first-model.md", cwd=tmp_path)
    assert status == 1
    assert out == ""
    assert err.splitlines() == [
        ("journey: fixed posts/2023-11-14-shipping-my-first-model.md: 5 mojibake sequences repaired; "
        "1 one-paragraph-per-line block split into paragraphs; front matter added"),
        "posts:1:1: error: is a folder; 'journey fix' takes post files",
        ("posts/latin1.md:3:6: error: file is not valid UTF-8; 'journey fix' repairs UTF-8 text only "
        "(convert it first, e.g. iconv -f windows-1252 -t utf-8)"),
        "posts/missing.md:1:1: error: no such file",
        ("posts/nb.ipynb:1:1: error: 'journey fix' repairs Markdown posts (.md, .markdown, .mkd, .mkdn, .qmd); "
        "a '.ipynb' file is not one"),
    ]
    assert (tmp_path / "posts" / "nb.ipynb").read_text(encoding="utf-8") == '{"cells": []}'


def test_fix_without_a_post_is_a_usage_error(tmp_path: Path) -> None:
    status, out, err = run_journey("fix", cwd=tmp_path)
    assert (status, out) == (2, "")
    assert err == ("journey fix: the following arguments are required: POST\n"
                   "usage: journey fix [-h] [--write] [-v] POST [POST ...]\n")


def test_mixed_windows_1253_mojibake_is_decoded_where_whole() -> None:
    assert repair_mojibake("Launch πŸš€ and πŸŽ‰, itβ€™s done β€” really") == (
        "Launch 🚀 and 🎉, it’s done — really", 4)
    assert repair_mojibake("caf\u00c3\u00a9 and it\u00e2\u20ac\u2122s") == ("café and it’s", 2)


def test_real_greek_latin_and_emoji_are_not_mojibake() -> None:
    text = "Καλημέρα κόσμε, τ’ αστέρια. Ήλιος. A café, naïve, “quoted” 🚀 — fine. Ξ and π alone."
    assert repair_mojibake(text) == (text, 0)
    assert mojibake_sample(text) is None


@pytest.fixture(scope="module")
def pasted_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    root = copy_posts(tmp_path_factory.mktemp("pasted-build"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.chdir(root)
        return build_site(BuildOptions(source=root, out=root / "site", progress=False))


def test_the_build_warns_that_a_post_looks_pasted_and_names_the_fix(pasted_build: BuildResult) -> None:
    pasted = [str(d) for d in pasted_build.diagnostics if "pasted" in d.message]
    assert pasted == [
        ("posts/2021-08-30-gradient-descent-notes.md:1:1: warning: this post looks pasted from another platform "
        "(mojibake such as 'Ã©', one paragraph per line); 'journey fix posts/2021-08-30-gradient-descent-notes.md' "
        "shows a fix"),
        ("posts/2023-11-14-shipping-my-first-model.md:1:1: warning: this post looks pasted from another platform "
        "(mojibake such as 'πŸš€', one paragraph per line); 'journey fix posts/2023-11-14-shipping-my-first-model.md' "
        "shows a fix"),
        ("posts/linkedin-feature-store.md:1:1: warning: this post looks pasted from another platform (mojibake such "
        "as 'πŸš€', one paragraph per line); 'journey fix posts/linkedin-feature-store.md' shows a fix"),
    ]


def test_a_fixed_post_builds_into_paragraphs_without_the_warning(
    written: tuple[Path, int, str, str], tmp_path: Path, source_date_epoch: str,
) -> None:
    root = written[0]
    result = build_site(BuildOptions(source=root, out=tmp_path / "site", progress=False))
    assert [str(d) for d in result.diagnostics] == []
    page = (tmp_path / "site" / "posts" / "shipping-my-first-model" / "index.html").read_text(encoding="utf-8")
    assert "<title>What I learned shipping my first ML model 🚀" in page
    assert "<p>Here’s the checklist I wish I had on day one:</p>\n<ul>\n<li>Write the evaluation first</li>" in page
    assert "watch it closely, and iterate. 🎉</p>" in page


def test_a_post_with_paragraphs_and_no_front_matter_gets_no_pasted_warning(
    tmp_path: Path, source_date_epoch: str,
) -> None:
    (tmp_path / "posts").mkdir()
    (tmp_path / "pyproject.toml").write_text(SETTINGS, encoding="utf-8")
    (tmp_path / "posts" / "2024-02-02-short.md").write_text(
        "# Short\n\nA line that is long enough to be a paragraph of prose, written the way Markdown is written.\n\n"
        "Another line that is long enough to be a paragraph of prose, with a blank line before it as usual.\n",
        encoding="utf-8",
    )
    result = build_site(BuildOptions(source=tmp_path, out=tmp_path / "site", progress=False))
    assert [d.message for d in result.diagnostics] == ["no front matter; title and date are taken from the file"]


def test_walls_split_between_prose_but_never_inside_lists_tables_or_fences() -> None:
    prose = "A paragraph of pasted prose that runs on long enough to be a whole paragraph on one line. " * 2
    body = """P
- an item
  its indented continuation
- another item
| a | b |
|---|---|
P
```
code
more code
```
P"""
    split = """P

- an item
  its indented continuation
- another item

| a | b |
|---|---|

P
```
code
more code
```
P"""
    assert split_walls(body.replace("P", prose)) == (split.replace("P", prose), 1)


def test_long_table_rows_are_no_wall() -> None:
    row = "| " + " | ".join(["a cell with enough words in it to be long"] * 4) + " |"
    table = f"{row}\n|---|---|---|---|\n{row}\n{row}"
    assert split_walls(table) == (table, 0)
    assert pasted_signs(table) == []


def test_a_closing_quote_that_lost_its_last_byte_is_restored() -> None:
    assert repair_mojibake("the \u00e2\u20ac\u0153casual\u00e2\u20ac tone") == ("the “casual” tone", 2)
    assert repair_mojibake("the \u00e2\u20ac\u0153casual\u00e2\u20ac\ufffd tone") == ("the “casual” tone", 2)
    assert repair_mojibake("caf\u00c3\u00a9\u00e2\u20ac, she said") == ("café”, she said", 1)
