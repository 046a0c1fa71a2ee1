"""The notebook facade end to end: real kernels, the frozen cache, shortcodes and run cards."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import a_post

from generator.notebooks import freeze
from generator.config import SiteConfig
from generator.models import NotebookRequest, NotebookUse, Post
from generator.notebooks.run import ExecutedNotebook, notebook_status, run_notebooks
from generator.notebooks.embed import PostNotebooks, ShortcodeError

NOTEBOOKS = Path(__file__).parent / "notebooks"
REPO = Path(__file__).parent.parent
SHARED = ("parameters.ipynb", "figure.ipynb", "html_table.ipynb", "publishes_value.ipynb")


def blog(root: Path, *names: str) -> SiteConfig:
    (root / "notebooks").mkdir(exist_ok=True)
    for name in names:
        shutil.copy(NOTEBOOKS / name, root / "notebooks" / name)
    return SiteConfig(root=root)


def use(config: SiteConfig, name: str, post: str = "posts/p.md", **kwargs: object) -> NotebookUse:
    request = NotebookRequest(notebook=config.root / "notebooks" / name, **kwargs)
    return NotebookUse(post=post, line=3, request=request)


def post_for(uses: list[NotebookUse]) -> Post:
    return a_post(Path("/blog/posts/p.md"), "posts/p.md", slug="p", url_path="posts/p/", title="P",
                  notebooks=tuple(uses))


def page(results: dict, uses: list[NotebookUse], config: SiteConfig) -> PostNotebooks:
    return PostNotebooks(post_for(uses), [results[u.request] for u in uses], config)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory):
    config = blog(tmp_path_factory.mktemp("blog"), *SHARED)
    uses = {name: use(config, name) for name in SHARED}
    uses["parameters.ipynb"] = use(config, "parameters.ipynb", params=(("n", 3), ("zz", 1)))
    results, problems = run_notebooks(list(uses.values()), config, jobs=2, progress=False)
    return config, uses, results, problems


def test_parameters_are_injected_and_unknown_ones_warned(shared) -> None:
    config, uses, results, problems = shared
    assert [str(d) for d in problems] == [
        (
            "posts/p.md:3:1: warning: notebook notebooks/parameters.ipynb: parameter 'zz' is not "
            "declared in its cell tagged 'parameters'"
        )
    ]
    executed = results[uses["parameters.ipynb"].request]
    printed = [o.text for c in executed.notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert printed == ["n=3 label=default\n"]
    html = page(results, [uses["parameters.ipynb"]], config).trailing_html()
    assert "injected-parameters" not in html and "# Parameters" not in html
    injected = [c for c in executed.data["cells"] if c["id"] == "injected-parameters"]
    assert len(injected) == 1 and injected[0]["source"].startswith("# Parameters\nn = 3\n")


def test_figure_is_written_as_a_hashed_png(shared) -> None:
    config, uses, results, _ = shared
    notebooks = page(results, [uses["figure.ipynb"]], config)
    html = notebooks.trailing_html()
    images = [name for name, data in notebooks.files() if name.endswith(".png")]
    assert len(images) == 2 and all(name.startswith("nb-") for name in images)  # the figure and its dark twin
    assert all(dict(notebooks.files())[name].startswith(b"\x89PNG") for name in images)
    light, dark = (re.search(rf'<a class="nb-zoom nb-{scheme}" href="(nb-\w+\.png)"><img src="(nb-\w+\.png)" '
                             'alt="Output of cell 2" width="', html) for scheme in ("light", "dark"))
    assert light and dark and {light.group(2), dark.group(2)} == set(images)
    assert "base64" not in html and "data:image" not in html


def test_html_table_passes_through(shared) -> None:
    config, uses, results, _ = shared
    html = page(results, [uses["html_table.ipynb"]], config).trailing_html()
    assert '<div class="nb-output-item nb-html"><div>\n<table class="dataframe">' in html
    assert "<td>linear</td>" in html and "<style" not in html


def test_values_in_prose(shared) -> None:
    config, uses, results, _ = shared
    notebooks = page(results, [uses["publishes_value.ipynb"]], config)
    assert notebooks.shortcode("value", ["accuracy"], {}) == "0.9731"
    assert notebooks.shortcode("value", ["accuracy", ".1%"], {}) == "97.3%"
    assert notebooks.shortcode("value", ["rows", ","], {}) == "1,200"
    assert notebooks.shortcode("value", ["label"], {}) == "ok"
    with pytest.raises(ShortcodeError) as unknown:
        notebooks.shortcode("value", ["acuracy"], {})
    assert (
        str(unknown.value)
        == "unknown notebook value 'acuracy' (known values: accuracy, label, rows)"
    )
    with pytest.raises(ShortcodeError) as bad:
        notebooks.shortcode("value", ["label", ".2f"], {})
    assert str(bad.value) == (
        "cannot format value 'label' (str) with '.2f': "
        "Unknown format code 'f' for object of type 'str'"
    )
    html = notebooks.trailing_html()
    assert "glue(" not in html  # the gluing cell is tagged remove-cell
    assert "accuracy = 0.9731" not in html and "nb-output-item nb-text" not in html


def test_placing_cells_outputs_and_whole_notebooks(shared) -> None:
    config, uses, results, _ = shared
    both = [uses["publishes_value.ipynb"], uses["html_table.ipynb"]]
    notebooks = page(results, both, config)
    output = notebooks.shortcode("output", [], {"tag": "summary"})
    assert output == (
        '<div class="nb-output">\n<div class="nb-output-item nb-stream nb-stdout">'
        "<pre>summary line\n"
        "</pre></div>\n</div>\n"
    )
    assert notebooks.trailing_html() == ""  # the author chose pieces: nothing appended
    with pytest.raises(ShortcodeError) as missing:
        notebooks.shortcode("cell", [], {"tag": "nope"})
    assert (
        str(missing.value) == "no notebook cell with tag 'nope' (known tags: remove-cell, summary)"
    )
    whole = page(results, both, config)
    placed = whole.shortcode("notebook", ["2"], {})
    assert "<table" in placed and whole.trailing_html().count('<div class="nb-notebook">') == 1
    assert "summary line" in whole.trailing_html()
    with pytest.raises(ShortcodeError) as third:
        whole.shortcode("notebook", ["3"], {})
    assert str(third.value) == "no notebook 3: this post has 2 notebooks"


def test_run_card_and_download(shared) -> None:
    config, uses, results, _ = shared
    notebooks = page(results, [uses["parameters.ipynb"]], config)
    (card,) = notebooks.run_cards()
    executed = results[uses["parameters.ipynb"].request]
    assert card["notebook"] == "notebooks/parameters.ipynb"
    assert card["download"] == "parameters.ipynb"
    assert card["cache_key"] == executed.cache_key and len(card["cache_key"]) == 64
    assert card["from_cache"] is False
    assert card["python"] == ".".join(map(str, sys.version_info[:3]))
    assert card["device"] == "CPU" or card["device"].startswith("GPU (")
    assert card["params"] == [("n", 3), ("zz", 1)]
    assert ("numpy", __import__("numpy").__version__) in card["packages"]
    assert card["wall_time_s"] > 0
    assert dict(notebooks.files())["parameters.ipynb"] == executed.ipynb_bytes
    downloaded = json.loads(executed.ipynb_bytes)
    assert downloaded["metadata"]["journey"]["key"] == executed.cache_key


def test_cache_rebuilds_prose_edits_deps_and_corruption(tmp_path: Path) -> None:
    config = blog(tmp_path, "counts_runs.ipynb")
    data = tmp_path / "notebooks" / "data.csv"
    data.write_text("first\n")
    runs = tmp_path / "notebooks" / "runs.txt"
    deps = (data,)
    uses = [
        use(config, "counts_runs.ipynb", deps=deps),
        use(config, "counts_runs.ipynb", "posts/q.md", deps=deps),
    ]

    def build(execute: str | None = None):
        results, problems = run_notebooks(uses, config, execute=execute, progress=False)
        assert problems == []
        return results[uses[0].request]

    first = build()
    assert runs.read_text() == "ran\n"  # two posts, one request: one run
    second = build()
    assert runs.read_text() == "ran\n" and second.from_cache and not first.from_cache
    assert second.ipynb_bytes == first.ipynb_bytes

    notebook = tmp_path / "notebooks" / "counts_runs.ipynb"
    source = json.loads(notebook.read_text())
    source["cells"][0]["source"] = ["Freshly rewritten prose."]
    notebook.write_text(json.dumps(source))
    edited = build()
    assert runs.read_text() == "ran\n" and edited.from_cache
    assert (
        "Freshly rewritten prose."
        in page({uses[0].request: edited}, uses[:1], config).trailing_html()
    )

    data.write_text("second\n")
    assert notebook_status(uses, config) == [
        "notebooks/counts_runs.ipynb: stale (changed: deps:notebooks/data.csv)"
    ]
    rerun = build()
    assert runs.read_text() == "ran\nran\n" and not rerun.from_cache
    assert "second" in page({uses[0].request: rerun}, uses[:1], config).trailing_html()

    entry = freeze.entry_path(uses[0].request, config)
    entry.write_bytes(entry.read_bytes()[:-200])
    assert notebook_status(uses, config)[0].startswith(
        "notebooks/counts_runs.ipynb: corrupt (not valid JSON"
    )
    repaired = build()
    assert runs.read_text() == "ran\nran\nran\n" and not repaired.from_cache
    assert (
        freeze.lookup(entry, freeze.compute_key(source, uses[0].request, config, "python3")).state
        == "fresh"
    )
    assert build("never").from_cache and runs.read_text().count("ran") == 3


def test_execute_never_without_a_frozen_result(tmp_path: Path) -> None:
    config = blog(tmp_path, "counts_runs.ipynb")
    results, problems = run_notebooks([use(config, "counts_runs.ipynb")], config, execute="never")
    assert results == {}
    entry = freeze.entry_path(use(config, "counts_runs.ipynb").request, config).relative_to(tmp_path)
    assert [str(d) for d in problems] == [
        (
            "posts/p.md:3:1: error: notebook notebooks/counts_runs.ipynb: the frozen result "
            f"{entry.as_posix()} is missing and execution is off (execute: never); "
            "run 'journey build --execute auto' where "
            "the notebook can run"
        )
    ]
    assert not (tmp_path / "notebooks" / "runs.txt").exists()


def test_execute_never_renders_from_the_freeze_without_jupyter_or_torch(
    shared, tmp_path: Path
) -> None:
    """Another process that cannot import papermill, nbclient, jupyter_client, ipykernel or torch
    renders byte-identical HTML and files from the frozen results."""
    config, uses, results, _ = shared
    wanted = [(u.request.notebook.name, u.request.params) for u in uses.values()]
    script = textwrap.dedent(f"""
        import sys
        for name in ("papermill", "nbclient", "jupyter_client", "ipykernel", "torch", "zmq"):
            sys.modules[name] = None  # any import of these now fails
        import json
        from pathlib import Path
        from generator.config import SiteConfig
        from generator.models import NotebookRequest, NotebookUse
        from generator.notebooks.run import run_notebooks
        from generator.notebooks.embed import PostNotebooks
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_notebooks import post_for
        config = SiteConfig(root=Path({str(config.root)!r}))
        root = config.root / "notebooks"
        uses = [NotebookUse("posts/p.md", 3, NotebookRequest(notebook=root / name, params=params))
                for name, params in {wanted!r}]
        results, problems = run_notebooks(uses, config, execute="never", progress=False)
        assert all(r.from_cache for r in results.values()) and len(results) == len(uses)
        out = {{}}
        for u in uses:
            notebooks = PostNotebooks(post_for([u]), [results[u.request]], config)
            out[u.request.notebook.name] = [notebooks.trailing_html(),
                                            [(n, d.hex()) for n, d in notebooks.files()]]
        print(json.dumps(out))
    """)
    done = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    frozen = json.loads(done.stdout)
    for name, found in uses.items():
        notebooks = page(results, [found], config)
        assert frozen[name] == [
            notebooks.trailing_html(),
            [[n, d.hex()] for n, d in notebooks.files()],
        ]


def test_two_notebooks_with_one_stem_get_distinct_downloads_and_ids(tmp_path: Path) -> None:
    """Hand-made executed notebooks (no kernel): names and anchors never collide."""

    def executed(folder: str, text: str) -> ExecutedNotebook:
        request = NotebookRequest(notebook=tmp_path / folder / "analysis.ipynb")
        cell = {
            "cell_type": "code",
            "id": "plot",
            "metadata": {},
            "source": text,
            "execution_count": 1,
            "outputs": [],
        }
        data = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        return ExecutedNotebook(request, data, "k" * 64, True, {}, text.encode(), folder)

    config = SiteConfig(root=tmp_path)
    first, second = executed("a", "first = 1"), executed("b", "second = 2")
    uses = [
        NotebookUse("posts/p.md", 3, first.request),
        NotebookUse("posts/p.md", 4, second.request),
    ]
    notebooks = PostNotebooks(post_for(uses), [first, second], config)
    assert notebooks.files() == [
        ("analysis-2.ipynb", b"second = 2"),
        ("analysis.ipynb", b"first = 1"),
    ]
    html = notebooks.trailing_html()
    assert 'id="cell-plot"' in html and 'id="nb2-cell-plot"' in html
    assert [card["download"] for card in notebooks.run_cards()] == [
        "analysis.ipynb",
        "analysis-2.ipynb",
    ]
