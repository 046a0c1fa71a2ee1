"""Notebook front matter is checked before any kernel starts; old notebooks and runaway output are handled.

Real kernels through papermill (issue 13): an nbformat 3 notebook is converted as Jupyter
converts it, and a cell that prints 230,000 characters makes a page of its first and last
25,000 with a warning, while the downloadable notebook keeps everything.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import make_blog, post, run_journey

NOTEBOOKS = Path(__file__).parent / "notebooks"


def test_front_matter_errors_stop_the_build_before_any_kernel_starts(tmp_path: Path) -> None:
    blog = make_blog(tmp_path, {
        "notebooks/data.csv": "x\n1\n",
        "notebooks/inputs/a.csv": "x\n2\n",
        "posts/2024-01-01-run.md": post("Run", "2024-01-01", notebook="notebooks/counts_runs.ipynb",
                                        deps="[notebooks/inputs]", params="{my-rate: 1, class: 2, fine: 3}",
                                        timeout="-1"),
    })
    shutil.copy(NOTEBOOKS / "counts_runs.ipynb", blog / "notebooks")
    code, _, err = run_journey("build", cwd=blog)
    assert (code, err) == (1, (
        "posts/2024-01-01-run.md:5:1: error: 'notebooks/inputs' is a folder; 'deps' names files (list the files in "
        "it that the notebook reads)\n"
        "posts/2024-01-01-run.md:6:1: error: 'params' key 'class' is not a Python name (letters, digits and '_', "
        "not starting with a digit, not a keyword), so it cannot be passed to the notebook\n"
        "posts/2024-01-01-run.md:6:1: error: 'params' key 'my-rate' is not a Python name (letters, digits and '_', "
        "not starting with a digit, not a keyword), so it cannot be passed to the notebook\n"
        "posts/2024-01-01-run.md:7:1: error: 'timeout' must be a positive number of seconds, got -1\n"
        "journey: 4 errors; nothing was written\n"
    ))
    assert not (blog / "notebooks" / "runs.txt").exists()  # the notebook never ran


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """One blog, two real kernels: an nbformat 3 notebook, and one that prints a lot."""
    blog = make_blog(tmp_path_factory.mktemp("notebooks"), {
        "posts/2024-01-01-old.md": post("Old", "2024-01-01", notebook="notebooks/ipython2_v3.ipynb"),
        "posts/2024-01-02-loud.md": post("Loud", "2024-01-02", notebook="notebooks/prints_a_lot.ipynb"),
    })
    (blog / "notebooks").mkdir()
    for name in ("ipython2_v3.ipynb", "prints_a_lot.ipynb"):
        shutil.copy(NOTEBOOKS / name, blog / "notebooks" / name)
    code, _, err = run_journey("build", cwd=blog)
    return blog, code, err


def test_a_cell_that_prints_a_lot_is_capped_on_its_page_with_a_warning(built: tuple[Path, int, str]) -> None:
    blog, code, err = built
    assert code == 0, err
    assert ("notebooks/prints_a_lot.ipynb:1:1: warning: the cell printed 231,020 characters; its page shows the "
            "first and the last 25,000 (the downloadable notebook has all of them) (cell 2)\n") in err
    page = (blog / "site/posts/loud/index.html").read_text(encoding="utf-8")
    assert len(page) < 80_000
    assert "epoch     0 loss 1.000000" in page and "final accuracy 0.97" in page  # the start and the end
    assert "epoch  1500 loss" not in page
    assert "… 181,020 characters of this cell's output are left out here" in page
    download = json.loads((blog / "site/posts/loud/prints_a_lot.ipynb").read_text(encoding="utf-8"))
    printed = "".join("".join(o["text"]) for o in download["cells"][1]["outputs"] if o["output_type"] == "stream")
    assert len(printed) == 231_020 and "epoch  1500 loss" in printed


def test_an_nbformat_3_notebook_is_converted_and_runs(built: tuple[Path, int, str]) -> None:
    blog, code, err = built
    assert code == 0, err
    page = (blog / "site/posts/old/index.html").read_text(encoding="utf-8")
    assert "the answer is 42" in page
    assert "A notebook saved by IPython 2" in page  # the v3 heading cell, now a Markdown heading
