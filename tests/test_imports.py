"""Import time: what a build loads only when it needs it, each checked in a fresh interpreter.

A rebuild after one edited post should not pay for YAML (its front matter is cached), math
(no post has any), worker processes (one post renders in-process) or xml.sax (feeds escape
with local functions). Also: those local functions match xml.sax.saxutils, and the Jinja
bytecode cache changes nothing in the output.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from xml.sax import saxutils

import pytest

from generator.config import SiteConfig
from generator.incremental.store import Store
from generator.incremental.templates import StoredBytecode
from generator.website.feeds import escape, quoteattr
from generator.website.templates import collect_assets, create_environment, render_page

REPO = Path(__file__).resolve().parent.parent


def loaded_after(code: str) -> list[str]:
    """Run `code` in a fresh interpreter; the modules of HEAVY it left in sys.modules."""
    script = textwrap.dedent(code) + textwrap.dedent(f"""
        import sys
        print(sorted(m for m in {HEAVY!r} if m in sys.modules))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


HEAVY = (
    "urllib.request",  # xml.sax.saxutils brings it, and http.client, ssl and email
    "xml.sax",
    "latex2mathml",
    "yaml",
    "multiprocessing",
    "concurrent.futures",
    "markdown_it",
    "mdit_py_plugins",
)


def test_the_build_modules_load_nothing_heavy_on_import() -> None:
    # Jinja2 and Pygments (templates, the syntax stylesheets) are fine: every build uses them.
    assert loaded_after("""
        import generator.cli, generator.build, generator.website.templates, generator.website.feeds
        import generator.content.front_matter, generator.parallel, generator.worker
    """) == []


def test_a_build_with_nothing_changed_loads_no_parser_and_no_store(tmp_path: Path) -> None:
    """The no-change check is the manifest and a scan: no settings parser (tomllib), no YAML, no
    Markdown, no templates, not even the build store (sqlite3)."""
    blog = tmp_path / "blog"
    (blog / "posts").mkdir(parents=True)
    (blog / "pyproject.toml").write_text('[tool.journey]\ntitle = "Quiet"\n', encoding="utf-8")
    (blog / "posts" / "2024-01-01-a.md").write_text("---\ntitle: A\ntags: [x]\n---\nBody.\n", encoding="utf-8")
    build = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from generator.build import BuildOptions, build_site
        result = build_site(BuildOptions(source=Path({str(blog)!r}), progress=False))
        print(result.up_to_date, sorted(m for m in {QUIET!r} if m in sys.modules))
    """)
    runs = [subprocess.run([sys.executable, "-c", build], cwd=REPO, capture_output=True, text=True, check=False,
                           timeout=120) for _ in range(2)]
    assert [run.returncode for run in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    first, second = (run.stdout.strip().splitlines()[-1] for run in runs)
    assert first.startswith("False ") and "'yaml'" in first and "'sqlite3'" in first
    assert second == "True []"


QUIET = ("tomllib", "sqlite3", "yaml", "jinja2", "markdown_it", "pygments")


def test_a_one_post_rebuild_with_two_jobs_renders_in_a_worker_while_this_process_loads_the_theme(tmp_path: Path) -> None:
    """With jobs > 1 and a few posts to render, a forked worker renders them (markdown-it loads
    there, not here) and the site is the one a clean build makes."""
    blog = tmp_path / "blog"
    (blog / "posts").mkdir(parents=True)
    (blog / "pyproject.toml").write_text('[tool.journey]\ntitle = "Two"\n', encoding="utf-8")
    for day in (1, 2, 3):
        (blog / "posts" / f"2024-01-0{day}-p{day}.md").write_text(
            f"---\ntitle: P{day}\n---\nBody with `code` and a [link](https://example.com/).\n", encoding="utf-8")
    build = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from generator.build import BuildOptions, build_site
        out = Path(sys.argv[1]) if len(sys.argv) > 1 else None
        result = build_site(BuildOptions(source=Path({str(blog)!r}), out=out, jobs=2, progress=False))
        print(result.rendered, sorted(m for m in {HEAVY!r} if m in sys.modules))
    """)

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-c", build, *args], cwd=REPO, capture_output=True, text=True,
                              check=False, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    # A first build: nine pages; the front matter was read here (`title:` lines: without PyYAML), the Markdown there.
    assert run() == "9 []"
    with (blog / "posts" / "2024-01-02-p2.md").open("a", encoding="utf-8") as fh:
        fh.write("\nAn edit, in a paragraph of its own.\n")
    assert run() == "1 []"  # one page rendered; no markdown_it, no worker pool in this process
    run(str(tmp_path / "clean"))

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    assert files(blog / "site") == files(tmp_path / "clean")


def test_yaml_loads_when_a_block_is_parsed_and_keeps_its_behaviour() -> None:
    from generator.content.front_matter import split_front_matter

    meta, positions, body, line = split_front_matter(
        "---\ntitle: T\ndate: 2024-13-45\nwhen: 2024-05-01\n---\nBody\n", "p.md"
    )
    # An impossible date stays text (reported later at its key); a real one is a date.
    assert meta == {"title": "T", "date": "2024-13-45", "when": date(2024, 5, 1)}
    assert positions == {"title": (2, 1), "date": (3, 1), "when": (4, 1)}
    assert (body, line) == ("Body\n", 6)
    problem = split_front_matter("---\ntitle: [unclosed\n---\n", "p.md")
    assert str(problem) == (
        "p.md:2:17: error: invalid YAML in front matter: expected ',' or ']', but got '<stream end>'"
    )


def test_one_process_runs_need_no_worker_pool() -> None:
    assert loaded_after("""
        from generator.parallel import parallel_map
        assert parallel_map(lambda x: [x * 2], list(range(100)), jobs=1) == [x * 2 for x in range(100)]
        assert parallel_map(lambda x: [x], [1, 2], jobs=8) == [1, 2]  # too little work to fork
    """) == []


def test_math_loads_latex2mathml_only_when_a_post_has_math() -> None:
    # tests/fixtures/core/markdown/math.md checks the MathML itself; this checks the lazy import.
    assert "latex2mathml" in loaded_after("""
        import sys
        from generator.content.markdown import create_markdown, render_markdown
        md = create_markdown()
        render_markdown(md, "No math, $5 and $10.", path="p.md", first_line=1)
        assert "latex2mathml" not in sys.modules and "jinja2" not in sys.modules
        html = render_markdown(md, "Area $x^2$.", path="p.md", first_line=1).html
        assert "<msup><mi>x</mi><mn>2</mn></msup>" in html, html
    """)


TRICKY = [
    "",
    "plain",
    "Tom & Jerry <tj@example.com>",
    'say "hi"',
    "it's",
    "both \" and '",
    "line\nbreak\r\nand\ttab",
    "&amp; already",
    "<![CDATA[x]]>",
    "\"'&<>\n\r\t",
    "ünïcödé — ✓",
]


@pytest.mark.parametrize("text", TRICKY)
def test_feed_escaping_matches_saxutils(text: str) -> None:
    assert escape(text) == saxutils.escape(text)
    assert quoteattr(text) == saxutils.quoteattr(text)


def test_the_jinja_bytecode_cache_changes_no_output(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "hello.html").write_text(
        "{% for n in names %}<p>{{ n }}</p>\n{% endfor %}{{ url('x/') }}\n", encoding="utf-8"
    )
    config = SiteConfig(root=tmp_path)
    assets = collect_assets(config)
    context = {"names": ["a", "<b>"]}
    plain = render_page(create_environment(config, assets), "hello.html", context, "o")
    store = Store(tmp_path / ".journey-cache" / "store.sqlite")
    cold = render_page(create_environment(config, assets, bytecode_cache=StoredBytecode(store)), "hello.html", context, "o")
    assert store.keys("jinja")  # the compiled template was kept
    store.commit()
    store = Store(tmp_path / ".journey-cache" / "store.sqlite")
    warm = render_page(create_environment(config, assets, bytecode_cache=StoredBytecode(store)), "hello.html", context, "o")
    assert plain == cold == warm == ("<p>a</p>\n<p>&lt;b&gt;</p>\n/x/\n", [])
    # An edited template is compiled again, not served from the cache.
    (tmp_path / "templates" / "hello.html").write_text("changed {{ names|length }}\n", encoding="utf-8")
    edited = render_page(create_environment(config, assets, bytecode_cache=StoredBytecode(store)), "hello.html", context, "o")
    assert edited == ("changed 2\n", [])
