"""The command line's habits: --version, short flags, each sub-command's usage on a usage error,
and notebook parameters from `-P key=value` and `--params-file` (real kernels, through papermill)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from conftest import REPO, make_blog, post, run_journey

from generator import __version__
from generator.notebooks.command_params import parse_assignment

NOTEBOOK = (REPO / "tests" / "notebooks" / "parameters.ipynb").read_text(encoding="utf-8")  # n = 1, label = "default"
COUNTED = "---\ntitle: Counted\ndate: 2025-01-01\nnotebook: notebooks/parameters.ipynb\nparams: {n: 3}\n---\n\nRan.\n"
PAGE = Path("posts") / "counted" / "index.html"


@cache
def usage_of(command: str) -> str:
    """The usage lines `journey COMMAND --help` starts with."""
    code, out, _ = run_journey(command, "--help", cwd=REPO, env={"COLUMNS": "100"})
    assert code == 0
    return out.split("\n\n")[0] + "\n"


def test_version(tmp_path: Path) -> None:
    assert run_journey("--version", cwd=tmp_path) == (0, f"journey {__version__}\n", "")
    assert __version__ == "0.1.0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("build", "-j", "0"), "journey build: argument -j/--jobs: expected a positive integer, got '0'"),
        (("build", "--frobnicate"), "journey build: unrecognized arguments: --frobnicate"),
        (("serve", "-p", "http"), ("journey serve: argument -p/--port: expected a port number from 0 to 65535, "
                                   "got 'http'")),
        (("check", "-s", "nowhere"), "journey check: --source nowhere: no such folder"),
        (("build", "-P", "n"), "journey build: -P 'n': expected KEY=VALUE, KEY a Python name (e.g. -P lr=0.01)"),
        (("build", "-P", "2x=1"), "journey build: -P '2x=1': expected KEY=VALUE, KEY a Python name (e.g. -P lr=0.01)"),
        (("build", "-P", "n=[1"), "journey build: -P 'n=[1': the value is not YAML (while parsing a flow sequence)"),
    ],
)
def test_a_usage_error_prints_the_sub_commands_usage(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    code, out, err = run_journey(*args, cwd=tmp_path, env={"COLUMNS": "100"})
    assert (code, out) == (2, "")
    assert err == f"{message}\n" + usage_of(args[0])


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_blog(tmp_path_factory.mktemp("flags"), {
        "pyproject.toml": '[tool.journey]\ntitle = "Flags"\n',
        "posts/2025-01-01-counted.md": COUNTED,
        "posts/2025-01-02-plain.md": post("Plain", "2025-01-02"),
        "notebooks/parameters.ipynb": NOTEBOOK,
        "params.yml": "# a run of the experiment\nn: 7\nlabel: from-file\n",
        "typo.yml": "n: 7\nlabl: oops\n",
    })


def test_short_flags_build_and_check(tmp_path: Path) -> None:
    blog = make_blog(tmp_path / "blog", {"posts/2025-01-02-plain.md": post("Plain", "2025-01-02")})
    out = tmp_path / "short"
    code, _, err = run_journey("build", "-s", str(blog), "-o", str(out), "-j", "1", "-v", cwd=tmp_path)
    assert code == 0, err
    assert (out / "posts" / "plain" / "index.html").is_file()
    code, _, err = run_journey("check", "-s", str(blog), "-o", str(out), "-v", cwd=tmp_path)
    assert code == 0, err


@pytest.mark.parametrize(
    ("text", "value"),
    [("n=3", 3), ("lr=0.01", 0.01), ("flag=true", True), ("label=[a, b]", ["a", "b"]), ("name=run-2", "run-2"),
     ("day=2024-01-01", "2024-01-01"), ("empty=", None), ("eq=a=b", "a=b"), ("cfg={k: 1}", {"k": 1})],
)
def test_p_values_are_yaml_typed(text: str, value: object) -> None:
    assert parse_assignment(text).value == value


def test_params_file_then_p_over_the_posts_params(blog: Path, tmp_path: Path) -> None:
    out = tmp_path / "file"
    code, _, err = run_journey("build", "-o", str(out), "--params-file", "params.yml", "-P", "n=2.5", cwd=blog)
    assert code == 0, err
    page = (out / PAGE).read_text(encoding="utf-8")
    assert "n=2.5 label=from-file" in page  # the file's label; -P's n, a float, over the file's and the post's
    assert "<code>label=from-file</code>, <code>n=2.5</code>" in page  # the run card says so


def test_a_parameter_no_notebook_declares_stops_the_build(blog: Path, tmp_path: Path) -> None:
    code, out, err = run_journey("build", "-o", str(tmp_path / "x"), "-P", "nn=1", cwd=blog, env={"COLUMNS": "100"})
    assert (code, out) == (2, "")
    assert err == ("journey build: -P nn: no notebook in this build assigns it in its cell tagged 'parameters'\n"
                   + usage_of("build"))
    code, out, err = run_journey("build", "-o", str(tmp_path / "x"), "--params-file", "typo.yml", cwd=blog)
    assert (code, out) == (1, "")
    assert err == ("typo.yml:2:1: error: parameter 'labl': no notebook in this build assigns it in its cell "
                   "tagged 'parameters'\njourney: 1 error; nothing was written\n")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- 1\n- 2\n", "params.yml:1:1: error: a parameters file is a mapping of names to values (name: value)"),
        ("n: [1\n", "params.yml:2:1: error: not valid YAML: expected ',' or ']', but got '<stream end>'"),
        ("n: 1\n2x: 3\n", "params.yml:2:1: error: '2x' is not a Python name"),
    ],
)
def test_a_bad_params_file_is_an_error_at_its_line(tmp_path: Path, text: str, expected: str) -> None:
    blog = make_blog(tmp_path, {"posts/2025-01-01-plain.md": post("Plain", "2025-01-01"), "params.yml": text})
    code, _, err = run_journey("build", "--params-file", "params.yml", cwd=blog)
    assert (code, err) == (1, f"{expected}\njourney: 1 error; nothing was written\n")


def test_a_missing_params_file(tmp_path: Path) -> None:
    code, _, err = run_journey("build", "--params-file", "nope.yml", cwd=tmp_path)
    assert (code, err) == (1, "nope.yml:1:1: error: no such parameters file\njourney: 1 error; nothing was written\n")
