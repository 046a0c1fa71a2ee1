"""Notebook posts: `.ipynb` files as posts, saved outputs as the result, fastpages directives,
Quarto cell options and linked images, built through `build_site` and read back as HTML."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EPOCH, make_blog, post, run_journey, tree_hash

from generator.build import BuildOptions, build_site
from generator.errors import JourneyError

FIXTURE = Path(__file__).parent / "fixtures" / "nbposts" / "fastpages"
META = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}}


def notebook(*cells: dict, **metadata: object) -> str:
    numbered = [{"id": f"c{n}", **c} for n, c in enumerate(cells, start=1)]
    return json.dumps({"cells": numbered, "metadata": {**META, **metadata}, "nbformat": 4, "nbformat_minor": 5})


def md(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def raw(text: str) -> dict:
    return {"cell_type": "raw", "metadata": {}, "source": text}


def code(text: str, outputs: list | None = None, count: int | None = None) -> dict:
    return {"cell_type": "code", "execution_count": count, "metadata": {}, "outputs": outputs or [], "source": text}


def build(root: Path, **options: object):
    return build_site(BuildOptions(source=root, progress=False, **options))  # type: ignore[arg-type]


def errors_of(root: Path, **options: object) -> list[str]:
    with pytest.raises(JourneyError) as caught:
        build(root, **options)
    return [str(d) for d in caught.value.diagnostics]


@pytest.fixture
def inside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A blog folder that is also the working folder (diagnostics show paths relative to it)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    return tmp_path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    """The fastpages-shaped fixture blog, built once with `execute = "never"`: no kernel may start."""
    root = tmp_path_factory.mktemp("nbposts") / "blog"
    shutil.copytree(FIXTURE, root)
    with pytest.MonkeyPatch.context() as patch:  # a module's fixture: undone after its last test
        patch.chdir(root)
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = build(root)
        yield root, [str(d) for d in result.diagnostics]


def page(root: Path, slug: str) -> str:
    return (root / "site" / "posts" / slug / "index.html").read_text(encoding="utf-8")


def cell(html: str, cell_id: str) -> str:
    """The HTML of one rendered cell, `<div class="nb-cell … id="cell-ID">` up to the next cell."""
    start = html.index(f'id="cell-{cell_id}"')
    start = html.rindex("<div", 0, start)
    end = html.find('<div class="nb-cell', start + 1)
    return html[start : end if end != -1 else html.index("</div>\n\n  </div>", start)]


def test_every_notebook_builds_from_its_saved_outputs_without_a_kernel(site) -> None:
    root, diagnostics = site
    assert diagnostics == [
        "_notebooks/2020-02-20-test.ipynb:7:1: warning: linked image 'my_icons/missing.png' does not exist (cell 2)",
        ("_notebooks/2020-03-05-quarto.ipynb:1:1: warning: cell option 'warning' is not supported (supported: "
        "echo, output, include, eval, code-fold, code-summary, label, fig-cap, fig-alt, tags, code-line-numbers, "
        "renderings, dark-figure); ignored (cell 9)"),
        ("_notebooks/2020-03-05-quarto.ipynb:1:1: warning: invalid YAML in '#|' cell options: expected ',' or ']', "
        "but got '<stream end>'; the options are ignored (cell 8)"),
    ]
    assert sorted(p.name for p in (root / "site" / "posts").iterdir()) == ["prose", "quarto", "saved-elsewhere", "test"]
    assert not (root / "_freeze").exists()  # nothing ran, so nothing was stored


def test_fastpages_title_cell_is_the_front_matter(site) -> None:
    root, _ = site
    html = page(root, "test")
    assert "<h1>Fastpages Notebook Blog Post</h1>" in html
    assert '<meta name="description" content="A tutorial of fastpages for Jupyter notebooks.">' in html
    assert "Hamel Husain" in html
    assert "- toc: true" not in html and "&gt; A tutorial" not in html  # the cell itself is not shown
    assert (root / "site" / "categories" / "jupyter" / "index.html").is_file()
    assert (root / "site" / "categories" / "fastpages" / "index.html").is_file()
    assert (root / "site" / "posts" / "test" / "2020-02-20-test.ipynb").read_bytes() == (
        root / "_notebooks" / "2020-02-20-test.ipynb").read_bytes()


def test_fastpages_directives(site) -> None:
    html = page(site[0], "test")
    assert "import pandas" not in html and 'id="cell-imports"' not in html  # #hide
    assert cell(html, "folded").startswith(
        '<div class="nb-cell nb-code" id="cell-folded">\n<details class="nb-input">\n<summary>Show code</summary>\n')
    assert cell(html, "shown").startswith(
        '<div class="nb-cell nb-code" id="cell-shown">\n<details class="nb-input" open>\n<summary>Show code</summary>\n')
    assert cell(html, "onlyout") == (
        '<div class="nb-cell nb-code" id="cell-onlyout">\n<div class="nb-output">\n'
        '<div class="nb-output-item nb-stream nb-stdout"><pre>only the output shows</pre></div>\n</div>\n</div>\n')
    assert ('<details class="nb-output">\n<summary>Show output</summary>\n'
            '<div class="nb-output-item nb-stream nb-stdout"><pre>0\n1\n2</pre></div>\n</details>\n') in cell(html, "bigout")
    for directive in ("#hide", "#collapse", "collapse-hide", "collapse_output", "hide_input"):
        assert directive not in html


def test_saved_outputs_of_every_type(site) -> None:
    html = page(site[0], "test")
    assert '<div class="nb-output-item nb-stream nb-stdout"><pre>step 0\nstep 1</pre></div>' in html
    assert '<div class="nb-output-item nb-stream nb-stderr"><pre>a warning on stderr</pre></div>' in html
    assert '<div class="nb-output-item nb-html"><div>\n<table class="dataframe">' in html
    assert '<div class="nb-output-item nb-text"><pre>42</pre></div>' in html
    assert '<div class="nb-output-item nb-markdown"><p><strong>bold</strong> result</p>\n</div>' in html
    assert '<div class="nb-output-item nb-math"><math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in html
    assert ('<div class="nb-output-item nb-error"><pre><span class="ansi-red-fg">ZeroDivisionError</span>: '
            'division by zero</pre></div>') in html
    image = next(p for p in (site[0] / "site" / "posts" / "test").glob("nb-*.png")
                 if f'<img src="{p.name}" alt="Output of cell 10" width="4" height="3" loading="lazy">' in html)
    assert image.read_bytes().startswith(b"\x89PNG")
    assert '<span class="math inline"><math' in cell(html, "about")  # Markdown cells: journey's Markdown


def test_run_card_says_the_outputs_are_saved(site) -> None:
    html = page(site[0], "test")
    card = html[html.index('<aside class="run-card"'):html.index("</aside>")]
    assert ('<dt>Notebook</dt><dd><code>_notebooks/2020-02-20-test.ipynb</code> · '
            '<a href="2020-02-20-test.ipynb" download>download the notebook</a></dd>') in card
    assert "<dt>Outputs</dt><dd>outputs saved in the notebook, not run by this build</dd>" in card
    assert "<dt>Python</dt><dd>3.12.3 (kernel <code>python3</code>)</dd>" in card
    assert "Wall time" not in card and "Device" not in card
    index = (site[0] / "site" / "index.html").read_text(encoding="utf-8")
    assert "runs a notebook" not in index


def test_linked_images_are_copied_beside_the_page(site) -> None:
    root, _ = site
    html = cell(page(root, "test"), "about")
    logo = (root / "_notebooks" / "my_icons" / "fastai_logo.png").read_bytes()
    copies = [p for p in (root / "site" / "posts" / "test").glob("nb-*.png") if p.read_bytes() == logo]
    assert len(copies) == 1
    assert f'<p><img src="{copies[0].name}" alt="The fastai logo" /></p>' in html
    assert '<img src="my_icons/missing.png" alt="gone">' in html  # named in a warning, left as written


def test_quarto_raw_cell_and_cell_options(site) -> None:
    html = page(site[0], "quarto")
    assert "<h1>A Quarto notebook</h1>" in html and '<meta name="description" content="Cell options at work">' in html
    assert "#|" not in html and "import matplotlib" not in html  # include: false; option lines never show
    figure = cell(html, "figure")
    assert '<div class="nb-input">' not in figure  # echo: false
    name = figure.split('<img src="', 1)[1].split('"', 1)[0]
    assert (f'<div class="nb-output-item nb-image"><figure id="fig-blue"><a class="nb-zoom" href="{name}">'
            f'<img src="{name}" alt="A 2 by 2 blue square" width="2" height="2" loading="lazy"></a>'
            '<figcaption><span class="crossref-number">Figure 1:</span> A blue square</figcaption></figure></div>') in figure
    assert "<pre>not shown</pre>" not in html and "print" in cell(html, "quiet")  # output: false
    noeval = cell(html, "noeval")
    assert "torch" in noeval and "stale output" not in noeval and "nb-output" not in noeval
    assert '<details class="nb-input">\n<summary>The model</summary>\n' in cell(html, "fold")
    assert '<details class="nb-input" open>\n<summary>Show code</summary>\n' in cell(html, "foldshow")
    assert "bad options" in cell(html, "badyaml")  # bad options: a warning, the cell as written


def test_a_notebook_without_code_and_a_notebook_metadata_front_matter(site) -> None:
    root, _ = site
    html = page(root, "prose")
    assert "<h1>Prose only</h1>" in html and (root / "site" / "tags" / "notes" / "index.html").is_file()
    assert '<h2 id="a-section">A section <a class="header-anchor" href="#a-section">#</a></h2>' in html
    index = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert "<p>Only prose here: this notebook has no code cells.</p>" in index  # the summary: its prose


def test_freeze_saved_publishes_a_referenced_notebook_as_saved(site) -> None:
    html = page(site[0], "saved-elsewhere")
    assert "<p>The notebook below ran once, on a machine with a GPU, and scored 97.3%.</p>" in html  # from a #hide cell
    assert "glue(" not in html
    assert ('<details class="nb-input">\n<summary>Show code</summary>\n') in cell(html, "run")  # directives here too
    assert '<div class="nb-output-item nb-stream nb-stdout"><pre>ran on a GPU once</pre></div>' in html
    assert '<div class="nb-output" id="tbl-scores">' in cell(html, "table")  # a label without a figure
    curve = (site[0] / "notebooks" / "figs" / "curve.png").read_bytes()
    [copy] = [p for p in (site[0] / "site" / "posts" / "saved-elsewhere").glob("nb-*.png") if p.read_bytes() == curve]
    assert f'<img src="{copy.name}" alt="The training curve" />' in cell(html, "intro")
    assert "<dt>Outputs</dt><dd>outputs saved in the notebook, not run by this build</dd>" in html
    assert "download the notebook</a>" in html


def test_same_notebooks_same_bytes(site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    again = tmp_path / "elsewhere"
    shutil.copytree(FIXTURE, again)
    monkeypatch.chdir(again)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    build(again)
    assert tree_hash(again / "site") == tree_hash(site[0] / "site")


def test_status_says_which_notebooks_publish_their_saved_outputs(site) -> None:
    root, _ = site
    status, out, _ = run_journey("status", "--source", str(root), cwd=root)
    saved = "saved (the notebook's own outputs are the result)"
    assert status == 0
    assert [line for line in out.splitlines() if "ipynb" in line] == [
        f"_notebooks/2020-02-20-test.ipynb: {saved}",
        f"_notebooks/2020-03-05-quarto.ipynb: {saved}",
        f"_notebooks/2020-04-01-prose.ipynb: {saved}",
        f"notebooks/gpu-once.ipynb: {saved}",
    ]


def test_fastpages_template_quotes_its_title_and_summary(inside: Path) -> None:
    make_blog(inside, {"posts/2020-01-28-quoted.ipynb": notebook(
        md('# "Title: with a colon"\n> "Awesome summary"\n\n- toc: false\n- branch: master\n- hide: false'),
        md("Body."))})
    result = build(inside)
    assert [str(d) for d in result.diagnostics] == []  # fastpages' keys, `hide` too, are known
    html = page(inside, "quoted")
    assert "<h1>Title: with a colon</h1>" in html and '<meta name="description" content="Awesome summary">' in html


def test_no_code_cells_are_never_run_even_under_auto(inside: Path) -> None:
    make_blog(inside, {"posts/2024-01-02-notes.ipynb": notebook(md("# Notes\n> Just prose.\n\nWords, words.")),
                       "pyproject.toml": '[tool.journey]\nexecute = "always"\n'})
    result = build(inside)
    assert [str(d) for d in result.diagnostics] == []
    assert "<p>Words, words.</p>" in page(inside, "notes")
    assert not (inside / "_freeze").exists()


def test_execute_never_without_saved_outputs_is_still_an_error(inside: Path) -> None:
    make_blog(inside, {"posts/2024-01-02-fresh.ipynb": notebook(raw("---\ntitle: Fresh\n---"), code("print(1)")),
                       "posts/2024-01-03-claimed.md": post("Claimed", "2024-01-03", notebook="notebooks/n.ipynb",
                                                           freeze="saved"),
                       "notebooks/n.ipynb": notebook(code("print(2)"))})
    frozen = "_freeze/posts/2024-01-02-fresh/44136fa355b3.ipynb"
    assert errors_of(inside, execute="never") == [
        ("posts/2024-01-02-fresh.ipynb:1:1: error: notebook posts/2024-01-02-fresh.ipynb: the frozen result "
        f"{frozen} is missing and execution is off (execute: never); run 'journey build --execute auto' where the "
        "notebook can run"),
        ("posts/2024-01-03-claimed.md:4:1: error: notebook notebooks/n.ipynb has 'freeze: saved' but no saved outputs; "
        "run it and save it, or remove 'freeze: saved'"),
    ]


def test_front_matter_problems_name_the_cell(inside: Path) -> None:
    make_blog(inside, {
        "posts/2024-01-02-raw.ipynb": notebook(raw("---\ntitle: Raw\ntags: [a\n---")),
        "posts/2024-01-03-fast.ipynb": notebook(md("# Fast\n> Summary\n- date: 2024-13-45\n- pinned: maybe")),
        "posts/2024-01-04-meta.ipynb": notebook(md("Prose."), title="Meta", tags={"a": 1}),
        "posts/2024-01-05-broken.ipynb": '{"cells": [\n  {"cell_type": }\n]}',
        "posts/2024-01-06-bare.ipynb": notebook(md("Nothing to go by."), colab={"name": "x"}),
    })
    assert errors_of(inside) == [
        ("posts/2024-01-02-raw.ipynb:3:9: error: invalid YAML in front matter: expected ',' or ']', but got "
        "'<stream end>' (cell 1)"),
        ("posts/2024-01-03-fast.ipynb:3:3: error: 'date' must be a date like 2026-03-01 or an ISO datetime, got "
        "'2024-13-45' (cell 1)"),
        "posts/2024-01-03-fast.ipynb:4:3: error: 'pinned' must be true or false, got a string (cell 1)",
        ("posts/2024-01-04-meta.ipynb:1:1: error: 'tags' must be a list or a comma separated string, got a mapping "
        "(notebook metadata)"),
        "posts/2024-01-05-broken.ipynb:2:17: error: not a notebook: invalid JSON (Expecting value)",
        ("posts/2024-01-06-bare.ipynb:1:1: warning: no front matter (a raw '---' first cell, a fastpages '# Title' "
        "cell or notebook metadata); title and date are taken from the file"),
    ]


def test_edits_to_options_and_linked_images_reach_the_next_build(inside: Path) -> None:
    """Cell options live in the notebook's bytes and linked images in the render key: the
    render cache never serves a page made before the edit."""
    figure = "![plot](figs/plot.png)"
    make_blog(inside, {"posts/2024-01-02-edit.ipynb": notebook(md(f"# Edit\n\n{figure}"),
                                                              code("#| echo: true\nprint(1)", [], 1)),
                       "posts/figs/plot.png": b"\x89PNG first",
                       "pyproject.toml": '[tool.journey]\nexecute = "never"\n'})
    build(inside)
    assert "print" in page(inside, "edit")
    make_blog(inside, {"posts/2024-01-02-edit.ipynb": notebook(md(f"# Edit\n\n{figure}"),
                                                              code("#| echo: false\nprint(1)", [], 1))})
    build(inside)
    assert "print" not in page(inside, "edit")
    (inside / "posts" / "figs" / "plot.png").write_bytes(b"\x89PNG second")
    build(inside)
    copies = {p.read_bytes() for p in (inside / "site" / "posts" / "edit").glob("nb-*")}
    assert copies == {b"\x89PNG second"}


def test_a_notebook_post_runs_in_a_real_kernel_under_auto(inside: Path) -> None:
    make_blog(inside, {"posts/2024-01-02-run.ipynb": notebook(
        md("# Run me\n> Computed by the build."),
        code("#hide\nanswer = 6 * 7"),
        code("#| echo: false\nprint('the answer is', answer)"),
        code("#| eval: false\n1 / 0  # shown, never run"),
    )})
    result = build(inside)
    assert [str(d) for d in result.diagnostics] == []
    html = page(inside, "run")
    assert '<div class="nb-output-item nb-stream nb-stdout"><pre>the answer is 42\n</pre></div>' in html
    assert "answer = 6" not in html and "outputs saved in the notebook" not in html
    assert "<dt>Wall time</dt>" in html
    assert '<span class="mi">1</span> <span class="o">/</span> <span class="mi">0</span>' in html
    assert list((inside / "_freeze" / "posts" / "2024-01-02-run").glob("*.ipynb"))
    # Showing the code is a page's business, not the kernel's: the frozen result still holds.
    source = (inside / "posts" / "2024-01-02-run.ipynb").read_text(encoding="utf-8")
    (inside / "posts" / "2024-01-02-run.ipynb").write_text(source.replace("#| echo: false", "#collapse-show"),
                                                          encoding="utf-8")
    build(inside, execute="never")
    assert '<details class="nb-input" open>' in page(inside, "run") and "the answer is 42" in page(inside, "run")


def test_execute_always_runs_even_a_freeze_saved_notebook(inside: Path) -> None:
    saved = [{"name": "stdout", "output_type": "stream", "text": "saved long ago\n"}]
    make_blog(inside, {"posts/2024-01-02-again.md": post("Again", "2024-01-02", notebook="notebooks/n.ipynb",
                                                         freeze="saved"),
                       "notebooks/n.ipynb": notebook(code("print('run today')", saved, 1))})
    assert "saved long ago" in page_after(inside)
    html = page_after(inside, execute="always")
    assert "<pre>run today\n</pre>" in html and "saved long ago" not in html
    assert "outputs saved in the notebook" not in html


def page_after(root: Path, **options: object) -> str:
    build(root, **options)
    return page(root, "again")


@pytest.mark.parametrize(("source", "expected"), [
    ("#hide\nx = 1", {"remove_cell": True, "source": "x = 1"}),
    ("# hide_input\n#|  echo: true\nx", {"remove_input": True, "source": "x"}),
    ("#Collapse-Output\nx", {"fold_output": True, "source": "x"}),
    ("#| code-fold: show\n#collapse\n\nx", {"fold_input": "show", "source": "x"}),  # the '#|' option wins
    ("#| fig-cap: [One, Two]\n#| fig-alt: Only the first\nx", {"captions": ["One", "Two"], "alts": ["Only the first"]}),
    ("x = 1\n#hide", {"remove_cell": False, "source": "x = 1\n#hide"}),  # only a cell's first lines
    ("# hide the answer\nx", {"remove_cell": False, "source": "# hide the answer\nx"}),  # a comment, not a directive
    ("#| echo: maybe\nx", {"remove_input": False, "problems": [(1, ("cell option 'echo' must be true or false, got "
                                                                   "'maybe'; ignored"))]}),
    ("#| - a list\nx", {"problems": [(1, "'#|' cell options must be 'key: value' lines; the options are ignored")]}),
])
def test_cell_directives_and_options(source: str, expected: dict) -> None:
    from generator.notebooks.conventions import cell_options

    options = cell_options(source)
    assert {key: getattr(options, key) for key in expected} == expected
