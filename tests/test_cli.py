"""The command line as a user runs it: a real `python -m generator` process, exit codes, stderr."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import make_blog, post, run_journey, tree_hash

GOOD = {"posts/2024-01-01-good.md": post("Good", "2024-01-01")}
FAILED = "journey: {n} error{s}; nothing was written\n"


def failed(count: int) -> str:
    return FAILED.format(n=count, s="" if count == 1 else "s")


def build(blog: Path, *args: str) -> tuple[int, str, str]:
    return run_journey("build", "--source", ".", *args, cwd=blog)


def test_a_good_build_exits_0_and_says_what_it_wrote(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, GOOD)
    code, out, err = build(blog)
    assert (code, out) == (0, "")
    written = sum(1 for p in (blog / "site").rglob("*") if p.is_file())
    assert re.fullmatch(rf"journey: built {written} files into site/ in \d+\.\d\d s \(\d+ pages rendered\)\n", err), err
    assert (blog / "site" / "posts" / "good" / "index.html").is_file()


def test_every_bad_post_is_reported_in_one_run_sorted_by_path(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {
        **GOOD,
        "posts/z-tags.md": "---\ntitle: T\ndate: 2024-01-01\ntags: {a: 1}\n---\n",
        "posts/m-date.md": "---\ntitle: T\ndate: 2024-13-45\n---\n",
        "posts/a-yaml.md": "---\ntitle: [unclosed\n---\n",
        "posts/b-open.md": "---\ntitle: no end\n",
        "posts/c-key.md": "---\ntitle: T\ndate: 2024-01-01\ncolour: blue\n---\n",
        "posts/sub/index.md": "---\ntitle: T\ndate: someday\n---\n",
    })
    code, out, err = build(blog)
    assert (code, out) == (1, "")
    assert err == (
        "posts/a-yaml.md:2:17: error: invalid YAML in front matter: expected ',' or ']', "
        "but got '<stream end>'\n"
        "posts/b-open.md:1:1: error: front matter starts with '---' but has no closing '---'\n"
        "posts/c-key.md:4:1: warning: unknown front matter key 'colour'\n"
        "posts/m-date.md:3:1: error: 'date' must be a date like 2026-03-01 or an ISO datetime, "
        "got '2024-13-45'\n"
        "posts/sub/index.md:3:1: error: 'date' must be a date like 2026-03-01 or an ISO datetime, "
        "got 'someday'\n"
        "posts/z-tags.md:4:1: error: 'tags' must be a list or a comma separated string, "
        "got a mapping\n"
    ) + failed(5)
    assert not (blog / "site").exists()


def test_warnings_build_and_strict_turns_them_into_errors(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {
        "posts/p.md": post("P", "2024-01-01", colour="blue"),
        "posts/2024-02-02-plain.md": "# Plain\n\nText.\n",
    })
    no_front_matter = "no front matter; title and date are taken from the file"
    code, _, err = build(blog)
    assert code == 0
    assert err.startswith(
        f"posts/2024-02-02-plain.md:1:1: warning: {no_front_matter}\n"
        "posts/p.md:4:1: warning: unknown front matter key 'colour'\njourney: built "
    )
    code, _, err = build(blog, "--strict")
    assert (code, err) == (1, (
        f"posts/2024-02-02-plain.md:1:1: error: {no_front_matter}\n"
        "posts/p.md:4:1: error: unknown front matter key 'colour'\n"
    ) + failed(2))


def test_bad_settings_are_errors_at_their_keys(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {**GOOD, "pyproject.toml": (
        '[tool.journey]\ntitle = "T"\nposts_per_page = "ten"\n  timezone = "Mars/Olympus"\n'
    )})
    code, out, err = build(blog)
    assert (code, out, err) == (1, "", (
        "pyproject.toml:3:1: error: setting 'posts_per_page': expected an integer, got a string\n"
        "pyproject.toml:4:3: error: setting 'timezone': unknown time zone 'Mars/Olympus'\n"
    ) + failed(2))


def test_a_template_syntax_error_in_the_blogs_own_template(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {
        **GOOD,
        "posts/2024-01-02-other.md": post("Other", "2024-01-02", layout="post"),
        "templates/post.html": '{% extends "base.html" %}\n{% block content %}\n'
                               "{{ post.post.title \n{% endblock %}\n",
    })
    code, _, err = build(blog)
    assert (code, err) == (1, (
        "templates/post.html:4:1: error: template syntax error: "
        "expected token 'end of print statement', got '{'\n"
    ) + failed(1))


def test_a_template_syntax_error_is_the_pages_error_when_pools_render_many_posts(tmp_path: Path) -> None:
    """With --jobs 2 and posts enough for a render pool, the theme is compiled while the pool
    renders (website/templates.py, compile_theme): a broken template the pages use is still
    their error, said once, and a broken one no page uses is no error at all."""
    blog = make_blog(tmp_path, {
        **{f"posts/2024-01-{day:02d}-p{day}.md": post(f"P{day}", f"2024-01-{day:02d}") for day in range(1, 21)},
        "templates/post.html": '{% extends "base.html" %}\n{% block content %}\n'
                               "{{ post.post.title \n{% endblock %}\n",
        "templates/unused.html": "{% if %}\n",
    })
    code, _, err = build(blog, "--jobs", "2")
    assert (code, err) == (1, (
        "templates/post.html:4:1: error: template syntax error: "
        "expected token 'end of print statement', got '{'\n"
    ) + failed(1))
    (blog / "templates" / "post.html").unlink()
    code, _, err = build(blog, "--jobs", "2")
    assert code == 0 and err.startswith("journey: built "), err


def test_an_unknown_template_and_an_undefined_variable(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {
        **GOOD,
        "templates/post.html": '{% extends "base.html" %}\n{% block content %}\n'
                               '{% include "partials/missing.html" %}\n{% endblock %}\n',
        "templates/archive.html": '{% extends "base.html" %}\n{% block content %}\n'
                                  "{{ nothing.here }}\n{% endblock %}\n",
    })
    code, _, err = build(blog)
    assert (code, err) == (1, (
        "templates/archive.html:3:1: error: template error: 'nothing' is undefined "
        "(rendering archive)\n"
        "templates/post.html:3:1: error: unknown template 'partials/missing.html'\n"
    ) + failed(2))


def test_a_blogs_template_reads_page_as_attributes_or_items(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {
        **GOOD,
        "templates/post.html": '{% extends "base.html" %}\n{% block content %}\n'
                               '<p id="facts">{{ page.title }}|{{ page["path"] }}|{{ url(page.path) }}</p>\n'
                               "{% endblock %}\n",
    })
    assert build(blog)[0] == 0
    page = (blog / "site/posts/good/index.html").read_text(encoding="utf-8")
    assert '<p id="facts">Good|posts/good/|/posts/good/</p>' in page


def test_an_unknown_page_fact_is_an_error_at_its_line(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {
        **GOOD,
        "templates/post.html": '{% extends "base.html" %}\n{% block content %}\n'
                               "{{ page.subtitle }}\n{% endblock %}\n",
    })
    code, _, err = build(blog)
    assert (code, err) == (1, (
        "templates/post.html:3:1: error: template error: "
        "'generator.website.templates.PageFacts object' has no attribute 'subtitle' (rendering posts/2024-01-01-good.md)\n"
    ) + failed(1))


def test_two_posts_with_one_url_is_an_error_naming_both(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {
        "posts/2024-01-01-hello.md": post("One", "2024-01-01"),
        "posts/hello/index.md": post("Two", "2024-01-02"),
        "posts/later.md": post("Three", "2024-01-03", slug="hello"),
    })
    code, _, err = build(blog)
    assert (code, err) == (1, (
        "posts/hello/index.md:1:1: error: URL /posts/hello/ is also produced by "
        "posts/2024-01-01-hello.md\n"
        "posts/later.md:1:1: error: URL /posts/hello/ is also produced by "
        "posts/2024-01-01-hello.md\n"
    ) + failed(2))


def test_permalinks_stay_inside_the_site_and_off_its_own_pages(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {
        **GOOD,
        "posts/w.md": post("W", "2024-01-02", permalink="/tags/"),
        "posts/x.md": post("X", "2024-01-02", permalink="../../etc/x"),
    })
    code, _, err = build(blog)
    assert (code, err) == (1, (
        "posts/w.md:1:1: error: output 'tags/index.html' is also written by tags\n"
        "posts/x.md:4:1: error: permalink '../../etc/x' must stay inside the site\n"
    ) + failed(2))
    assert not (tmp_path.parent / "etc").exists()


def test_a_failed_build_leaves_the_previous_site_untouched(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, GOOD)
    assert build(blog)[0] == 0
    before = tree_hash(blog / "site")
    make_blog(blog, {"posts/2024-01-01-good.md": post("Changed", "2024-01-01"),
                     "posts/bad.md": "---\ntitle: [\n---\n"})
    code, _, _ = build(blog)
    assert code == 1
    assert tree_hash(blog / "site") == before
    # No staging folder left; the render cache (.journey-cache, git-ignored) may stay.
    assert sorted(p.name for p in blog.iterdir()) == [".journey-cache", "posts", "site"]


def test_no_traceback_without_verbose_and_one_with_it(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {"posts/bad.md": "---\ntitle: [\n---\n"})
    code, _, err = build(blog)
    assert code == 1 and "Traceback" not in err
    code, _, err = build(blog, "--verbose")
    assert code == 1
    assert "Traceback (most recent call last)" in err and "generator.errors.JourneyError" in err


def test_an_output_folder_that_is_not_a_journey_site_is_refused(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {**GOOD, "site/precious.txt": "mine"})
    code, _, err = build(blog)
    assert (code, err) == (1, (
        f"{blog / 'site'}:1:1: error: refusing to replace '{blog / 'site'}': "
        "it is not a site built by journey (no .nojekyll)\n"
    ) + failed(1))
    assert (blog / "site" / "precious.txt").read_text() == "mine"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "journey: the following arguments are required: command"),
        (("build", "--jobs", "0"),
         "journey build: argument -j/--jobs: expected a positive integer, got '0'"),
        (("build", "--source", "nowhere"), "journey build: --source nowhere: no such folder"),
        (("build", "--base-url", "ftp://x/"),
         "journey build: --base-url: expected an http(s) URL or a path such as /repo/, got 'ftp://x/'"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    code, out, err = run_journey(*args, cwd=tmp_path)
    command = args[0] if args else ""
    assert (code, out) == (2, "")
    assert err.startswith(f"{message}\nusage: journey {command}".rstrip() + " [-h]"), err


def test_a_warning_many_posts_share_is_shown_three_times_then_counted(tmp_path: Path) -> None:
    # Twelve posts without a date, outside git: the same warning twelve times is three lines and a count,
    # on the build that finds them and on the no-change build that replays them; --verbose shows all twelve.
    blog = make_blog(tmp_path, {f"posts/p{n:02d}.md": f"---\ntitle: P{n}\n---\nText.\n" for n in range(12)})
    said = "warning: no date; using the file's modification time"
    expected = [f"posts/p{n:02d}.md:1:1: {said}" for n in range(3)]
    expected.append("journey: warning: 9 more files: no date; using the file's modification time (--verbose lists them all)")
    for _ in range(2):
        code, _, err = build(blog)
        assert code == 0
        assert err.splitlines()[:-1] == expected
    code, _, err = build(blog, "--verbose")
    assert [line for line in err.splitlines() if said in line] == [f"posts/p{n:02d}.md:1:1: {said}" for n in range(12)]


RUN_WITH = """
import atexit, sys, threading, time
from pathlib import Path
from generator.__main__ import run

marker = Path(sys.argv[1])
atexit.register(lambda: marker.write_text("exit handlers ran", encoding="utf-8"))
if sys.argv[2] == "thread":  # a thread still running when the command is done: waited for
    threading.Thread(target=lambda: (time.sleep(0.3), (marker.parent / "thread").write_text("done"))).start()
sys.argv = ["journey", "build", "--source", sys.argv[3]]
run()
"""


@pytest.mark.parametrize("thread", ["no-thread", "thread"])
def test_the_command_exits_with_its_code_after_the_exit_handlers_and_any_thread(tmp_path: Path, thread: str) -> None:
    """`journey` (generator/__main__.py's run) skips tearing the interpreter down, but not what the ordinary exit
    does first: exit handlers run, output is flushed, a running thread is waited for."""
    import subprocess
    import sys

    from conftest import REPO

    result = subprocess.run([sys.executable, "-c", RUN_WITH, str(tmp_path / "marker"), thread,
                             str(tmp_path / "no-such-blog")], cwd=REPO, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"journey build: --source {tmp_path / 'no-such-blog'}: no such folder\nusage: journey build")
    assert (tmp_path / "marker").read_text(encoding="utf-8") == "exit handlers ran"
    assert (tmp_path / "thread").exists() == (thread == "thread")


def test_under_a_profiler_the_command_ends_the_ordinary_way_so_the_profile_is_written(tmp_path: Path) -> None:
    import subprocess
    import sys

    from conftest import REPO

    profile = tmp_path / "build.prof"
    result = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "generator", "build",
                             "--source", str(tmp_path / "no-such-blog")], cwd=REPO, capture_output=True, text=True,
                            timeout=60, check=False)
    # cProfile swallows the command's exit code (it exits 0); the diagnostic is the command's own.
    assert result.stderr.startswith(f"journey build: --source {tmp_path / 'no-such-blog'}: no such folder\nusage: journey build")
    assert profile.stat().st_size > 0


def test_in_order_sorts_diagnostics_as_their_own_comparisons_do() -> None:
    import random

    from generator.errors import error, in_order, warning

    rng = random.Random(3)
    made = [rng.choice([error, warning])(rng.choice(["a.md", "b.md", "a/b.md", "A.md"]), rng.randint(0, 3),
                                          rng.randint(0, 3), rng.choice(["x", "y", "no date"])) for _ in range(400)]
    assert in_order(made) == sorted(made)
