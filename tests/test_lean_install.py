"""The core install rebuilds from _freeze/; running a notebook asks for the `notebooks` extra.

The lean environment is real, not mocked: Python started with `-S` (no site-packages) and a
folder holding only the distributions pyproject.toml's core `dependencies` need, found by
walking their requirements in this test environment's metadata. A core dependency missing from
pyproject.toml makes the lean build fail here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from conftest import EPOCH, REPO, make_blog, read_tree, run_journey
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement

from generator.notebooks.ansi import ansi_to_html

NOTEBOOK = (REPO / "tests" / "notebooks" / "parameters.ipynb").read_text(encoding="utf-8")
POST = "---\ntitle: Counted\ndate: 2025-01-01\nnotebook: notebooks/parameters.ipynb\nparams: {n: 3}\n---\n\nRan.\n"


def _core_distributions() -> set[str]:
    """pyproject.toml's core dependencies and everything they require, as installed here."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    todo = [Requirement(text) for text in project["dependencies"]]
    found: set[str] = set()
    while todo:
        requirement = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = metadata.distribution(requirement.name).metadata["Name"]
        if name.lower() in found:
            continue
        found.add(name.lower())
        todo += [Requirement(text) for text in metadata.requires(name) or []]
    return found


@pytest.fixture(scope="module")
def lean_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of links to the core distributions' files: the lean install's site-packages."""
    folder = tmp_path_factory.mktemp("lean-site-packages")
    for name in sorted(_core_distributions()):
        dist = metadata.distribution(name)
        for top in sorted({Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}):
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (folder / top).exists() and top != "__pycache__":
                (folder / top).symlink_to(source)
    return folder


def lean(*args: str, cwd: Path, lean_path: Path) -> tuple[int, str, str]:
    """`python -S -m generator ARGS` with only the core distributions importable."""
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{lean_path}", "SOURCE_DATE_EPOCH": EPOCH}
    result = subprocess.run([sys.executable, "-S", "-m", "generator", *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    return result.returncode, result.stdout, result.stderr


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A blog whose notebook ran once with the notebooks extra, its result frozen."""
    root = make_blog(tmp_path_factory.mktemp("lean"), {
        "pyproject.toml": '[tool.journey]\ntitle = "Lean"\n',
        "posts/2025-01-01-counted.md": POST,
        "notebooks/parameters.ipynb": NOTEBOOK,
    })
    code, _, err = run_journey("build", cwd=root)
    assert code == 0, err
    return root


def test_the_lean_environment_has_no_notebook_extra(lean_path: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(lean_path)}
    for module in ("papermill", "nbclient", "ipykernel", "jupyter_client", "nbconvert", "psutil"):
        found = subprocess.run([sys.executable, "-S", "-c", f"import {module}"], cwd=tmp_path, env=env,
                               capture_output=True, text=True, check=False)
        assert found.returncode == 1 and "ModuleNotFoundError" in found.stderr, module


def test_the_core_alone_rebuilds_the_identical_site_from_freeze(blog: Path, lean_path: Path) -> None:
    code, _, err = lean("build", "--execute", "never", "-o", "lean-site", cwd=blog, lean_path=lean_path)
    assert code == 0, err
    assert read_tree(blog / "lean-site") == read_tree(blog / "site")
    assert "n=3 label=default" in (blog / "lean-site" / "posts" / "counted" / "index.html").read_text()


def test_a_notebook_that_must_run_names_the_extra(blog: Path, lean_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "blog"
    shutil.copytree(blog, copy, ignore=shutil.ignore_patterns("site", "lean-site", ".journey-cache"))
    post = copy / "posts" / "2025-01-01-counted.md"
    post.write_text(POST.replace("{n: 3}", "{n: 4}"), encoding="utf-8")  # new parameters: no frozen result
    code, out, err = lean("build", cwd=copy, lean_path=lean_path)
    assert (code, out) == (1, "")
    assert err == (
        "posts/2025-01-01-counted.md:4:1: error: notebook notebooks/parameters.ipynb must run (it has no "
        "frozen result), and running notebooks needs "
        "journey's notebooks extra, which is not installed (no papermill, nbclient, jupyter_client, "
        "ipykernel, psutil): pip install \"journey-ssg[notebooks] @ git+https://github.com/journey-blog/journey@v0.1.0\"\n"
        "journey: 1 error; nothing was written\n"
    )


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(
    st.sampled_from(["text", "<b>&'\"", " ", "\n"]),
    st.builds(lambda codes, end: f"\x1b[{codes}{end}", st.sampled_from([
        "", "0", "1", "4", "5", "7", "22", "24", "27", "31", "37", "39", "42", "49", "92", "104", "1;33",
        "38;5;9", "38;5;123", "38;5;250", "48;5;200", "38;2;10;20;30", "48;2;1;300;1", "38;5;999", "x",
    ]), st.sampled_from(["m", "m", "K"])),
), max_size=12))
def test_coloured_output_renders_as_nbconvert_renders_it(parts: list[str]) -> None:
    from nbconvert.filters.ansi import ansi2html  # the test extra has nbconvert: the reference

    text = "".join(parts)
    assert ansi_to_html(text) == ansi2html(text)
