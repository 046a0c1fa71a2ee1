"""Bad input that once crashed the build or leaked out of it gets exact, located diagnostics.

Each case was an `internal error`, a hang or a silent leak (issue 13). One blog holds all the
cases that need no notebook, built once through the CLI; every problem is in the one run.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import make_blog, post, run_journey

LONG = "a" * 300


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """A blog with every kind of bad post, link and copied file, built once with --future."""
    top = tmp_path_factory.mktemp("broken")
    (top / "secret.txt").write_text("private\n", encoding="utf-8")
    blog = make_blog(top / "blog", {
        "posts/2024-01-01-east.md": post("East", "0001-01-01T00:00:00+14:00"),
        "posts/2024-01-02-west.md": post("West", "9999-12-31T23:00:00-12:00"),
        "posts/2024-01-03-long.md": post("Long", "2024-01-03", permalink=f"/{LONG}/"),
        "posts/2024-01-04-tag.md": post("Tag", "2024-01-04", tags=f"[ml, {'b' * 300}]"),
        "posts/2024-01-05-slug.md": post("Slug", "2024-01-05", slug="c" * 256),
        "posts/2024-01-06-good.md": post("Good", "2024-01-06"),
        "posts/2024-01-08-moved.md": post("Moved", "2024-01-08", redirect_from=f"/old/{LONG}/"),
        "posts/bundle/index.md": post("Bundle", "2024-01-07", "![figure](figure.txt)\n"),
        "posts/bundle/figure.txt": "a figure\n",
        "static/ok.txt": "copied\n",
        "notes/inside.txt": "inside the blog\n",
    })
    links = {
        "posts/l1": "l2", "posts/l2": "l1",  # a link to a link to itself
        "posts/folder/self": "..",  # a folder link that leads back up
        "posts/dangling.md": "nowhere.md",
        "posts/bundle/leak.txt": "../../../secret.txt",
        "static/secret.txt": "../../secret.txt",
        "static/up": "..",  # the whole blog, .git and all, into the site
        "static/loop": "loop",
        "static/notes": "../notes",  # inside the blog: followed
    }
    for name, target in links.items():
        (blog / name).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, blog / name)
    code, _, err = run_journey("build", "--future", cwd=blog)
    return blog, code, err


def test_every_crash_and_leak_is_a_located_error_in_one_run(broken: tuple[Path, int, str]) -> None:
    blog, code, err = broken
    secret = (blog.parent / "secret.txt").resolve()
    assert (code, err) == (1, (
        "posts/2024-01-01-east.md:3:1: error: 'date' is out of range: 0001-01-01T00:00:00+14:00 is outside the "
        "years 1 to 9999 in UTC or in the blog's time zone\n"
        "posts/2024-01-02-west.md:3:1: error: 'date' is out of range: 9999-12-31T23:00:00-12:00 is outside the "
        "years 1 to 9999 in UTC or in the blog's time zone\n"
        "posts/2024-01-03-long.md:4:1: error: permalink part 'aaaaaaaaaaaaaaaaaaaa…' is 300 bytes long; a file or "
        "folder name may have at most 255\n"
        "posts/2024-01-04-tag.md:1:1: error: tag 'bbbbbbbbbbbbbbbbbbbb…' is too long: its page's folder name "
        "would have 300 bytes, at most 255 fit\n"
        "posts/2024-01-05-slug.md:4:1: error: the slug 'cccccccccccccccccccc…' is 256 bytes long; a file or folder "
        "name may have at most 255\n"
        "posts/2024-01-08-moved.md:4:1: error: redirect part 'aaaaaaaaaaaaaaaaaaaa…' is 300 bytes long; a file or "
        "folder name may have at most 255\n"
        f"posts/bundle/leak.txt:1:1: error: this link leads outside the blog folder (to {secret}); it is not copied\n"
        "posts/dangling.md:1:1: warning: this link leads to nothing; it is left out\n"
        "posts/folder/self:1:1: error: this link to a folder leads back into a folder that holds it (a loop)\n"
        "posts/l1:1:1: error: cannot be read: too many levels of symbolic links\n"
        "posts/l2:1:1: error: cannot be read: too many levels of symbolic links\n"
        "static/loop:1:1: error: cannot be read: too many levels of symbolic links\n"
        f"static/secret.txt:1:1: error: this link leads outside the blog folder (to {secret}); it is not copied\n"
        "static/up:1:1: error: this link to a folder leads back into a folder that holds it (a loop)\n"
        "journey: 13 errors; nothing was written\n"
    ))
    assert not (blog / "site").exists()


def test_links_that_stay_inside_the_blog_are_followed(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", {
        "posts/bundle/index.md": post("Bundle", "2024-01-07", "![figure](figure.txt)\n"),
        "shared/figure.txt": "a shared figure\n",
        "notes/inside.txt": "inside the blog\n",
    })
    os.symlink("../../shared/figure.txt", blog / "posts/bundle/figure.txt")
    (blog / "static").mkdir()
    os.symlink("../notes", blog / "static/notes")
    code, _, err = run_journey("build", cwd=blog)
    assert code == 0, err
    assert (blog / "site/posts/bundle/figure.txt").read_text(encoding="utf-8") == "a shared figure\n"
    assert (blog / "site/notes/inside.txt").read_text(encoding="utf-8") == "inside the blog\n"


def test_values_in_a_script_block_cannot_end_it(tmp_path: Path) -> None:
    title = "A <!--<script> B </script> & C"
    blog = make_blog(tmp_path, {"posts/2024-01-01-x.md": post(f"'{title}'", "2024-01-01", "The body stays.\n",
                                                                description="'x > y && <b>'")})
    code, _, err = run_journey("build", cwd=blog)
    assert code == 0, err
    page = (blog / "site/posts/x/index.html").read_text(encoding="utf-8")
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    assert found is not None
    text = found.group(1)
    # HTML5's script-data states react only to '<': with none in the text, nothing can end it early.
    assert not set(text) & set("<>&")
    data = json.loads(text)
    assert (data["headline"], data["description"]) == (title, "x > y && <b>")
    assert "\\u003c!--\\u003cscript\\u003e" in text
    assert page.index("The body stays.") > found.end()
