"""Dark twins of matplotlib figures: a tiny blog whose notebook draws four figures, built once
through the CLI with a real kernel (papermill), then built again with `dark_figures = false` from
the same frozen result. The twin is drawn in the kernel from the same Figure object, shown by the
colour scheme, and left out where the cell, the post or the setting says no."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import make_blog, post, run_journey

from generator.notebooks.dark_figures import DARK_OF, SETUP_TAG, wanted
from generator.notebooks.dark_kernel import DARK_PNG, INK, SURFACE, dark_colour

SETTINGS = '[tool.journey]\ntitle = "Dark figures"\nbase_url = "https://example.org/"\n'
PLOT = """fig, ax = plt.subplots(figsize=(3, 2))
ax.plot([1, 2, 3], [1, 4, 9], label="squares")
ax.set_title("Squares")
ax.grid(True)
ax.legend()"""
CELLS = [  # (tags, source)
    ([], "import sys\nprint('matplotlib' in sys.modules)"),  # the setup cell must not import it
    ([], "#| fig-alt: Squares, by the inline backend at the end of the cell\nimport matplotlib.pyplot as plt\n" + PLOT),
    ([], "#| dark-figure: false\n#| fig-alt: Squares again\n" + PLOT + "\nplt.show()"),
    (["no-dark-figure"], "#| fig-alt: Squares by hand\ndisplay(fig)"),
    ([], ('#| renderings: [light, dark]\n#| fig-alt: "Loss"\nfor style in ("default", "dark_background"):\n'
          "    with plt.style.context(style):\n        plt.figure(figsize=(2, 1.5)); plt.plot([3, 2, 1]); plt.show()")),
    ([], "#| fig-alt: Squares shown with display()\ndisplay(fig)\n1 + 1"),
    (["no-dark-figure"], "#| dark-figure: true\n#| fig-alt: Squares, the cell's word wins\ndisplay(fig)"),
    ([], "#| dark-figure: 3\nx = 1"),
    ([], "#| fig-alt: Squares in SVG\n%config InlineBackend.figure_formats = ['svg']\n" + PLOT),
]
SHOWN = "site/posts/figures/index.html"
LIGHT_ONLY = "site/posts/light-only/index.html"


def notebook() -> str:
    cells = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {"tags": tags},
              "outputs": [], "source": source} for i, (tags, source) in enumerate(CELLS)]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                       "language": "python"}, "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_blog(tmp_path_factory.mktemp("dark") / "blog", {
        "pyproject.toml": SETTINGS,
        "notebooks/plots.ipynb": notebook(),
        "posts/2025-01-01-figures.md": post("Figures", "2025-01-01", notebook="notebooks/plots.ipynb"),
        "posts/2025-01-02-light-only.md": post("Light only", "2025-01-02", notebook="notebooks/plots.ipynb",
                                              dark_figures="false"),
    })
    status, _, stderr = run_journey("build", cwd=root)
    assert status == 0, stderr
    (root.parent / "build.log").write_text(stderr, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def executed(blog: Path) -> dict[str, Any]:
    [entry] = (blog / "_freeze" / "notebooks" / "plots").glob("*.ipynb")
    return json.loads(entry.read_text(encoding="utf-8"))


def images(nb: dict[str, Any], mime: str) -> list[str]:
    return [o["data"][mime] for c in nb["cells"] for o in c.get("outputs", []) if mime in o.get("data", {})]


def picture(value: str) -> Any:
    from PIL import Image

    return Image.open(io.BytesIO(base64.b64decode(value))).convert("RGB")


def cell(html: str, cell_id: str) -> str:
    start = html.index(f'id="cell-{cell_id}"')
    end = html.find('<div class="nb-cell', start + 1)
    return html[start:end if end != -1 else len(html)]


def test_each_displayed_figure_gets_a_dark_twin_and_the_setup_cell_leaves_no_trace(executed: dict[str, Any]) -> None:
    cells = executed["cells"]
    assert [c["id"] for c in cells] == [f"c{i}" for i in range(len(CELLS))]  # no setup cell, no probe
    assert all(SETUP_TAG not in c["metadata"].get("tags", []) for c in cells)
    assert [c["execution_count"] for c in cells] == [1, 2, 3, 4, 5, 6, 7, 8, 9]  # counted as if it never ran
    assert cells[5]["outputs"][-1]["execution_count"] == 6
    assert cells[0]["outputs"][0]["text"] == "False\n"  # matplotlib is not imported for the notebook
    twins = [[DARK_PNG in o.get("data", {}) for o in c["outputs"] if "image/png" in o.get("data", {})] for c in cells]
    # Every figure has one, the opted-out cells' too: opting out is the page's choice, not the run's.
    assert twins == [[], [True], [True], [True], [True, True], [True], [True], [], []]
    svg = cells[8]["outputs"][-1]["data"]  # the figure format is SVG: so is its twin
    assert "#ffffff" in svg["image/svg+xml"] and "#14171c" in svg[DARK_OF["image/svg+xml"]]


def test_the_light_image_is_the_one_papermill_alone_gives(blog: Path, executed: dict[str, Any], tmp_path: Path) -> None:
    import papermill

    plain = tmp_path / "plain.ipynb"
    papermill.execute_notebook(str(blog / "notebooks" / "plots.ipynb"), str(plain), progress_bar=False,
                               cwd=str(blog / "notebooks"))
    expected = images(json.loads(plain.read_text(encoding="utf-8")), "image/png")
    assert len(expected) == 7
    assert images(executed, "image/png") == expected


def test_the_twin_has_a_dark_background_light_text_and_the_data_colours(executed: dict[str, Any]) -> None:
    light, dark = picture(images(executed, "image/png")[0]), picture(images(executed, DARK_PNG)[0])
    assert light.size == dark.size
    assert light.getpixel((3, 3)) == (255, 255, 255)
    assert dark.getpixel((3, 3)) == tuple(round(c * 255) for c in SURFACE)
    width, height = light.size
    pixels = [(x, y) for x in range(width) for y in range(height)]
    text = [p for p in pixels if max(light.getpixel(p)) < 40]  # black title, ticks and labels
    assert len(text) > 100 and sum(min(dark.getpixel(p)) > 180 for p in text) > 0.8 * len(text)
    blue = [p for p in pixels if light.getpixel(p) == (31, 119, 180)]  # matplotlib's C0 line
    assert len(blue) > 50 and all(dark.getpixel(p) == (31, 119, 180) for p in blue)


def test_the_page_swaps_a_figure_for_its_twin_and_keeps_the_light_one_for_the_lightbox(blog: Path) -> None:
    html = (blog / SHOWN).read_text(encoding="utf-8")
    shown = cell(html, "c1")
    light = re.search(r'<a class="nb-zoom nb-light" href="(nb-\w+\.png)"><img src="\1" alt="([^"]*)"', shown)
    dark = re.search(r'<a class="nb-zoom nb-dark" href="(nb-\w+\.png)"><img src="(nb-\w+\.png)" alt="([^"]*)"'
                     r' width="\d+" height="\d+" loading="lazy">', shown)
    assert light and dark
    assert dark.group(1) == light.group(1) != dark.group(2)  # the lightbox opens the light image
    assert dark.group(3) == light.group(2) == "Squares, by the inline backend at the end of the cell"
    assert (blog / "site/posts/figures" / dark.group(2)).is_file()
    assert "nb-dark" in cell(html, "c5")  # display() by hand
    assert re.search(r'<a class="nb-zoom nb-dark" href="nb-\w+\.svg"><img src="nb-\w+\.svg"', cell(html, "c8"))


def test_a_cell_opts_out_by_option_or_tag_and_a_manual_pair_keeps_its_own(blog: Path) -> None:
    html = (blog / SHOWN).read_text(encoding="utf-8")
    for opted_out in ("c2", "c3"):
        assert "nb-dark" not in cell(html, opted_out) and "nb-light" not in cell(html, opted_out)
        assert cell(html, opted_out).count("<img ") == 1
    assert "nb-zoom nb-dark" in cell(html, "c6")  # `#| dark-figure: true` wins over its tag
    pair = cell(html, "c4")  # renderings: [light, dark]: its two figures, no twin of either
    assert pair.count("<img ") == 2 and pair.count("nb-zoom nb-light") == pair.count("nb-zoom nb-dark") == 1


def test_a_post_opts_out_in_its_front_matter(blog: Path) -> None:
    html = (blog / LIGHT_ONLY).read_text(encoding="utf-8")
    assert html.count("<a class=\"nb-zoom") == 9 and html.count("nb-zoom nb-dark") == 2  # the pair's, and c6's


def test_the_downloadable_notebook_has_no_twins(blog: Path) -> None:
    [download] = (blog / "site/posts/figures").glob("*.ipynb")
    saved = json.loads(download.read_text(encoding="utf-8"))
    assert len(images(saved, "image/png")) == 7
    assert not any(mime in download.read_text(encoding="utf-8") for mime in DARK_OF.values())


def test_the_setting_opts_the_whole_blog_out_without_running_the_notebook_again(blog: Path, tmp_path: Path) -> None:
    copy = tmp_path / "blog"
    shutil.copytree(blog, copy, ignore=shutil.ignore_patterns("site", ".journey-cache"))
    frozen = {p.name: p.read_bytes() for p in (copy / "_freeze/notebooks/plots").glob("*.ipynb")}
    (copy / "pyproject.toml").write_text(SETTINGS + "dark_figures = false\n", encoding="utf-8")
    status, _, stderr = run_journey("build", cwd=copy)
    assert status == 0, stderr
    assert "executing" not in stderr  # the frozen result serves: an opt-out is not a new run
    assert {p.name: p.read_bytes() for p in (copy / "_freeze/notebooks/plots").glob("*.ipynb")} == frozen
    html = (copy / SHOWN).read_text(encoding="utf-8")
    assert html.count("<a class=\"nb-zoom") == 9 and html.count("nb-zoom nb-dark") == 2


@pytest.mark.parametrize(("where", "text", "expected"), [
    ("pyproject.toml", SETTINGS + 'dark_figures = "yes"\n',
     "pyproject.toml:4:1: error: setting 'dark_figures': expected true or false, got a string"),
    ("posts/2025-01-03-bad.md", post("Bad", "2025-01-03", dark_figures="maybe"),
     "posts/2025-01-03-bad.md:4:1: error: 'dark_figures' must be true or false, got a string"),
])
def test_a_bad_value_is_an_error_at_its_place(tmp_path: Path, where: str, text: str, expected: str) -> None:
    root = make_blog(tmp_path, {"pyproject.toml": SETTINGS, "posts/2025-01-01-a.md": post("A", "2025-01-01")})
    (root / where).write_text(text, encoding="utf-8")
    status, _, stderr = run_journey("build", cwd=root)
    assert (status, stderr.strip().splitlines()[0]) == (1, expected)


def test_a_bad_cell_option_is_a_warning_at_its_cell(blog: Path) -> None:
    warnings = [line for line in (blog.parent / "build.log").read_text(encoding="utf-8").splitlines()
                if "warning" in line]
    assert warnings == [  # once, though two posts show the notebook
        "notebooks/plots.ipynb:1:1: warning: cell option 'dark-figure' must be true or false, got 3; ignored (cell 8)"]


def test_the_rules_for_cells_and_colours() -> None:
    from generator.notebooks.conventions import cell_options

    assert cell_options("#| dark-figure: 3\nx").problems == [
        (1, "cell option 'dark-figure' must be true or false, got 3; ignored")]
    assert cell_options("#| dark-figure: false\nx").dark_figure is False
    assert (wanted(True, None, frozenset()), wanted(True, None, frozenset({"no-dark-figure"})),
            wanted(False, True, frozenset({"no-dark-figure"})), wanted(False, None, frozenset())) == (
        True, False, True, False)
    assert dark_colour((1.0, 1.0, 1.0, 1.0)) == (*SURFACE, 1.0)
    assert dark_colour((0.0, 0.0, 0.0, 0.5)) == (*INK, 0.5)
    assert dark_colour((0.12, 0.47, 0.71, 1.0)) == (0.12, 0.47, 0.71, 1.0)  # saturated: data, kept
