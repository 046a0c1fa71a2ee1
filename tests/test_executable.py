"""Executable Markdown posts (Quarto, MyST, percent-format), kernelspecs and sys.exit(0): real
builds, real kernels through papermill, assertions on the HTML and the exact diagnostics."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import EPOCH, run_journey

from generator.build import BuildOptions, build_site
from generator.content.sources import is_executable_markdown
from generator.notebooks.kernels import installed_kernels

FIXTURES = Path(__file__).parent / "fixtures" / "exec"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The fixture blog, built once: (its site folder, the build's diagnostics as text)."""
    root = tmp_path_factory.mktemp("exec") / "blog"
    shutil.copytree(FIXTURES / "blog", root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.chdir(root)  # diagnostics name paths as the author sees them
        result = build_site(BuildOptions(source=root, progress=False))
    return result.out, [str(d) for d in result.diagnostics]


def page(site: tuple[Path, list[str]], slug: str) -> str:
    return (site[0] / "posts" / slug / "index.html").read_text(encoding="utf-8")


def content(html: str) -> str:
    """The post's body, without the run card (which shows the parameters too)."""
    return html.split('<div class="content">', 1)[1].split("</div>\n<aside", 1)[0]


def test_quarto_post_runs_its_chunks_in_document_order_with_params(site) -> None:
    html = page(site, "quarto-post")
    body = content(html)
    # `params: {points: 5}` replaced the parameters cell's 3; `execute: {echo: false}` hid the code.
    assert '<h2 id="the-data">The data' in body
    order = [body.index(text) for text in ("We fit a line", "The slope, computed", "slope=2.0 over 5 points",
                                           "That is all.")]
    assert order == sorted(order)
    assert "zip(xs, ys)" not in html and "#| label" not in html
    assert "<dt>Parameters</dt><dd><code>points=5</code></dd>" in html
    assert "<code>posts/2024-03-01-quarto-post.qmd</code>" in html
    executed = json.loads((site[0] / "posts/quarto-post/2024-03-01-quarto-post.ipynb").read_text())
    # The YAML header is the post's front matter, not a cell; papermill's cell runs after `parameters`.
    kinds = [(c["cell_type"], c["metadata"].get("tags", [])) for c in executed["cells"]]
    assert kinds == [("markdown", []), ("code", ["parameters", "remove-input"]), ("markdown", []),
                     ("code", ["injected-parameters"]), ("code", ["remove-input"]), ("markdown", [])]


def test_myst_and_percent_posts_run(site) -> None:
    myst = content(page(site, "myst-post"))
    assert "<title>" not in myst and "total is 21" in myst and "Some prose before the code." in myst
    assert myst.index("Some prose") < myst.index('<span class="nb">sum</span>') < myst.index("total is 21")
    assert "jupytext" not in page(site, "myst-post")
    percent = content(page(site, "percent-post"))
    assert "<p>Prose in a <em>percent</em> file.</p>" in percent and "product 42" in percent
    assert "# %%" not in percent


def test_quarto_bundle_runs_in_its_folder_with_its_files(site) -> None:
    html = content(page(site, "quarto-bundle"))
    assert "rows: 3 sum of y: 12" in html and '<img src="thumbnail.png" alt="A thumbnail"' in html
    assert sorted(p.name for p in (site[0] / "posts/quarto-bundle").iterdir()) == [
        "data.csv", "index.html", "index.ipynb", "thumbnail.png"]


def test_plain_markdown_stays_plain(site) -> None:
    html = page(site, "plain")
    assert "nb-cell" not in html and "run-card" not in html
    assert "<p>A plain post that mentions myst and <code>{code-cell}</code> in passing.</p>" in html
    assert not is_executable_markdown((FIXTURES / "blog/posts/2024-03-05-plain.md").read_bytes())
    assert is_executable_markdown((FIXTURES / "blog/posts/2024-03-02-myst-post.md").read_bytes())


def test_quarto_eval_false_shows_code_and_runs_nothing(site) -> None:
    html = page(site, "not-evaluated")
    assert "run-card" not in html and "nb-cell" not in html
    assert '<span class="ne">RuntimeError</span>' in html
    assert site[1] == [
        "posts/2024-03-06-not-evaluated.qmd:4:1: warning: Quarto's execute option 'freeze' is not supported; ignored",
        ("posts/plot_helpers.py:1:1: warning: a .py file in the posts folder is read only as a percent-format "
        "notebook ('# %%' cells); this one has none, so it is not a post"),
    ]


def test_sys_exit_zero_is_a_clean_stop(site) -> None:
    html = page(site, "stops-early")
    assert "before the stop" in html and "stopping" in html
    assert "never printed" not in html and "SystemExit" not in html
    executed = json.loads((site[0] / "posts/stops-early/stops-early.ipynb").read_text())
    assert ["".join(c["source"]) for c in executed["cells"]] == [
        'print("before the stop")', 'import sys\nprint("stopping")\nsys.exit(0)',
    ]
    # Its kernelspec names a conda env's Python kernel, not installed here: the build's Python ran it.
    assert "(kernel <code>python3</code>)" in html
    assert executed["metadata"]["journey"]["run_info"]["stopped_at_cell"] == 2


def test_sys_exit_without_a_code_stops_even_when_errors_are_allowed(site) -> None:
    # Quarto's `execute: {error: true}` is allow_errors: nbclient runs on, journey publishes up to the stop.
    html = page(site, "exit-allowed")
    assert "first chunk" in html and "sys<span class=\"o\">.</span>exit" in html
    assert "after the exit" not in html and "SystemExit" not in html


def test_failures_and_missing_kernels_are_exact_diagnostics(tmp_path: Path) -> None:
    root = tmp_path / "failing"
    shutil.copytree(FIXTURES / "failing", root)
    status, _, stderr = run_journey("build", cwd=root)
    installed = ", ".join(installed_kernels())
    assert status == 1
    errors = [line for line in stderr.splitlines() if ": error: " in line]
    assert errors == [
        ("posts/2024-04-01-raises.qmd:14:1: error: cell 4 raised ValueError: "
        "the data is empty (executed notebook kept at _freeze/failed/posts/2024-04-01-raises.ipynb)"),
        ("posts/2024-04-02-exits-one.md:4:1: error: notebook notebooks/exits-one.ipynb: cell 2 raised SystemExit: 1 "
        "(executed notebook kept at _freeze/failed/notebooks/exits-one.ipynb)"),
        ("posts/2024-04-03-r-stats.md:4:1: error: notebooks/r-stats.ipynb needs the Jupyter kernel 'ir', "
        f"which is not installed (installed: {installed})"),
        ("posts/2024-04-04-julia.md:5:1: error: notebooks/julia.ipynb needs the Jupyter kernel 'julia-1.9', "
        f"which is not installed (installed: {installed})"),
        ("posts/2024-04-05-julia-quarto.qmd:4:1: error: posts/2024-04-05-julia-quarto.qmd needs the Jupyter kernel "
        f"'julia-1.9', which is not installed (installed: {installed})"),
    ]
    # No kernel was started for them, so none could report a Python SyntaxError.
    started = [line for line in stderr.splitlines() if line.startswith("journey: executing ")]
    assert sorted(started) == ["journey: executing notebooks/exits-one.ipynb",
                               "journey: executing posts/2024-04-01-raises.qmd"]
    assert "SyntaxError" not in stderr
    assert not (root / "site").exists()


QUARTO_COUNTING = """---
title: Counted
date: 2024-05-01
---

Prose {n}.

```{{python}}
with open("../runs.txt", "a") as log:
    log.write("ran\\n")
print({value} * 2)
```
"""


def test_cache_second_build_prose_edit_and_chunk_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    (tmp_path / "pyproject.toml").write_text('[tool.journey]\ntitle = "Cache"\n')
    post = tmp_path / "posts" / "2024-05-01-counted.qmd"
    post.parent.mkdir()
    runs = tmp_path / "runs.txt"

    def build(n: int, value: int) -> str:
        post.write_text(QUARTO_COUNTING.format(n=n, value=value), encoding="utf-8")
        build_site(BuildOptions(source=tmp_path, progress=False))
        return (tmp_path / "site/posts/counted/index.html").read_text(encoding="utf-8")

    first = build(1, 21)
    assert runs.read_text() == "ran\n" and "42" in first
    assert build(1, 21) == first and runs.read_text() == "ran\n"  # the second build reuses the result
    edited = build(2, 21)  # prose only: no re-execution
    assert runs.read_text() == "ran\n" and "<p>Prose 2.</p>" in edited and "42" in edited
    rerun = build(2, 50)  # a chunk changed: it runs again
    assert runs.read_text() == "ran\nran\n" and "100" in rerun
    # A fresh clone with the committed _freeze/ and no kernel: the same page, nothing run.
    shutil.rmtree(tmp_path / ".journey-cache")
    shutil.rmtree(tmp_path / "site")
    build_site(BuildOptions(source=tmp_path, execute="never", progress=False))
    assert (tmp_path / "site/posts/counted/index.html").read_text(encoding="utf-8") == rerun
    assert runs.read_text() == "ran\nran\n"
    assert [p.relative_to(tmp_path).parent.as_posix() for p in (tmp_path / "_freeze").rglob("*.ipynb")] == [
        "_freeze/posts/2024-05-01-counted"]
    # The kernel is part of the key: naming another in the header makes the result stale.
    post.write_text(post.read_text().replace("date: 2024-05-01\n", "date: 2024-05-01\njupyter: julia-1.9\n"))
    status, out, _ = run_journey("status", "--source", str(tmp_path), cwd=tmp_path)
    assert (status, out) == (0, "posts/2024-05-01-counted.qmd: stale (changed: kernel)\n")


def test_text_notebooks_read_without_their_header_with_chunk_lines() -> None:
    from generator.notebooks.source import read_text_notebook

    qmd = read_text_notebook((FIXTURES / "blog/posts/2024-03-01-quarto-post.qmd").read_text(), ".qmd")
    assert [c["cell_type"] for c in qmd.notebook["cells"]] == ["markdown", "code", "markdown", "code", "markdown"]
    assert qmd.cell_lines == (0, 17, 0, 25, 0)  # the lines of the ```{python} fences
    assert qmd.notebook["metadata"] == {}  # no `jupyter:` key: the build's Python
    percent = read_text_notebook((FIXTURES / "blog/posts/2024-03-03-percent-post.py").read_text(), ".py")
    assert percent.header["title"] == "A percent-format post"
    assert percent.notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert [c["id"] for c in percent.notebook["cells"]] == ["c0", "c1"] and percent.cell_lines == (0, 14)
    julia = read_text_notebook((FIXTURES / "failing/posts/2024-04-05-julia-quarto.qmd").read_text(), ".qmd")
    assert julia.notebook["metadata"]["kernelspec"] == {"name": "julia-1.9", "display_name": "julia-1.9",
                                                        "language": "julia"}


def test_the_kernel_chosen() -> None:
    from generator.notebooks.kernels import chosen_kernel

    def spec(name: str) -> dict:
        return {"metadata": {"kernelspec": {"name": name, "language": "x"}}}

    assert chosen_kernel({"metadata": {}}, "") == ""  # no kernelspec: the build's own Python
    assert chosen_kernel(spec("python3"), "") == "" and chosen_kernel(spec("python3"), "venv") == "venv"
    assert chosen_kernel(spec("ir"), "") == "ir" and chosen_kernel(spec("julia-1.9"), "venv") == "julia-1.9"
