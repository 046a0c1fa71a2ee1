"""`journey init`: a ready blog that builds, checks, publishes to a real (local, bare) remote, and
whose Pages workflow passes actionlint and rebuilds from a fresh clone as the runner would."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, make_blog, read_tree, run_journey
from test_workflow import PAGES_BASE_URL, lint

STARTER = [
    ".github/workflows/pages.yml",
    ".gitignore",
    "notebooks/fit-a-line.ipynb",
    "notebooks/requirements.txt",
    "posts/2026-01-01-fit-a-line.md",  # dated by SOURCE_DATE_EPOCH (conftest.EPOCH)
    "pyproject.toml",
    "requirements.txt",
]


def git_env(home: Path) -> dict[str, str]:
    """A private HOME and global git config, so the machine's git settings cannot leak in."""
    home.mkdir(exist_ok=True)
    config = home / ".gitconfig"
    config.write_text("[user]\n\tname = Test Author\n\temail = author@example.com\n"
                      "[init]\n\tdefaultBranch = main\n")
    return {"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(config)}


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True,
                            check=True)
    return result.stdout.strip()


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`journey init blog`, then build, check, commit and publish to a bare `origin`."""
    top = tmp_path_factory.mktemp("init")
    env = git_env(top / "home")
    init = run_journey("init", "blog", cwd=top)
    blog = top / "blog"
    build = run_journey("build", cwd=blog)
    check = run_journey("check", cwd=blog)
    git(top, env, "init", "--quiet", "--bare", "origin.git")
    git(blog, env, "init", "--quiet")
    git(blog, env, "add", ".")
    git(blog, env, "commit", "--quiet", "-m", "A new blog")
    git(blog, env, "remote", "add", "origin", str(top / "origin.git"))
    git(blog, env, "push", "--quiet", "origin", "main")  # what the Pages workflow builds from
    publish = run_journey("publish", "--no-build", cwd=blog, env=env)
    return {"top": top, "blog": blog, "env": env, "init": init, "build": build, "check": check, "publish": publish}


def test_init_writes_a_ready_blog(made: dict[str, Any]) -> None:
    code, out, err = made["init"]
    assert (code, out) == (0, "")
    assert err == "".join(f"journey: wrote blog/{name}\n" for name in _in_write_order()) + (
        "journey: next: cd blog && journey serve\n"
    )
    made_later = ("site", ".git", ".journey-cache", "_freeze")  # by the fixture's build and git
    files = [p.relative_to(made["blog"]) for p in made["blog"].rglob("*") if p.is_file()]
    assert sorted(f.as_posix() for f in files if f.parts[0] not in made_later) == STARTER


def _in_write_order() -> list[str]:
    return ["pyproject.toml", ".gitignore", "requirements.txt", "notebooks/requirements.txt",
            "notebooks/fit-a-line.ipynb", "posts/2026-01-01-fit-a-line.md", ".github/workflows/pages.yml"]


def test_the_new_blog_builds_runs_its_notebook_in_seconds_and_checks(made: dict[str, Any]) -> None:
    code, _, err = made["build"]
    assert code == 0, err
    seconds = float(re.search(r"executed notebooks/fit-a-line.ipynb in ([\d.]+) s", err).group(1))
    assert seconds < 20, err  # a few seconds on a quiet machine; the bound leaves room for a loaded one
    page = (made["blog"] / "site" / "posts" / "fit-a-line" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"found a slope of 3\.\d{3}: nobody", page)  # the notebook's number, in the prose
    assert "from 50 points" in page
    title = re.search(r"<title>(.*?)</title>", (made["blog"] / "site" / "index.html").read_text()).group(1)
    assert title == "blog"  # the folder's name, not somebody else's default
    assert made["check"][0] == 0, made["check"][2]


def test_the_new_blog_publishes_to_its_remote(made: dict[str, Any]) -> None:
    code, _, err = made["publish"]
    assert code == 0, err
    origin = made["top"] / "origin.git"
    names = git(origin, made["env"], "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    assert {"index.html", ".nojekyll", "posts/fit-a-line/index.html"} <= set(names)
    committed = git(made["blog"], made["env"], "ls-files").splitlines()
    assert not any(name.startswith(("site/", ".journey-cache/")) for name in committed)  # .gitignore
    assert any(name.startswith("_freeze/") for name in committed)  # the runner rebuilds from these


def test_the_notebook_environment_is_pinned(made: dict[str, Any]) -> None:
    ours = _pins(REPO / "notebooks" / "requirements.txt")
    theirs = _pins(made["blog"] / "notebooks" / "requirements.txt")
    assert theirs and all(ours.get(name) == version for name, version in theirs.items()), theirs
    mentioned = re.findall(r"torch==\S+", (made["blog"] / "notebooks" / "requirements.txt").read_text())
    assert all(pin == "torch==2.13.0" for pin in mentioned)


def _pins(path: Path) -> dict[str, str]:
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[\w.+]+", line) for line in lines), lines
    return dict(line.split("==") for line in lines)


def test_the_workflow_passes_actionlint(made: dict[str, Any]) -> None:
    result = lint(made["blog"] / ".github" / "workflows" / "pages.yml")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_the_workflow_installs_journey_pinned_and_deploys_with_the_pages_actions(made: dict[str, Any]) -> None:
    workflow = yaml.safe_load((made["blog"] / ".github" / "workflows" / "pages.yml").read_text())
    build, deploy = workflow["jobs"]["build"]["steps"], workflow["jobs"]["deploy"]["steps"]
    runs = [step["run"] for step in build if "run" in step]
    assert runs[0] == "python -m pip install -r requirements.txt"
    assert not any(re.search(r"pip install\s+(-e\s+)?\.(\s|$)", run) for run in runs)  # never the blog folder
    requirements = [line for line in (made["blog"] / "requirements.txt").read_text().splitlines()
                    if line and not line.startswith("#")]
    assert requirements == ["journey-ssg @ git+https://github.com/journey-blog/journey@v0.1.0"]
    uses = [step["uses"].split("@")[0] for step in build + deploy if "uses" in step]
    assert uses == ["actions/checkout", "actions/setup-python", "actions/configure-pages",
                    "actions/upload-pages-artifact", "actions/deploy-pages"]


def test_the_workflow_rebuilds_a_fresh_clone_from_frozen_results(made: dict[str, Any]) -> None:
    """The runner's view: a clone without site/ or caches, the build and check steps as written."""
    clone = made["top"] / "clone"
    git(made["top"], made["env"], "clone", "--quiet", "--branch", "main", str(made["top"] / "origin.git"), str(clone))
    workflow = yaml.safe_load((clone / ".github" / "workflows" / "pages.yml").read_text())
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    for step in [s for s in workflow["jobs"]["build"]["steps"] if shlex.split(s.get("run", "x"))[0] == "journey"]:
        env = {name: value.replace(PAGES_BASE_URL, "https://user.github.io/repo") for name, value in step["env"].items()}
        result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=clone, capture_output=True, text=True,
                                env={**os.environ, "PATH": path, **env}, check=False)
        assert result.returncode == 0, f"{step['run']}\n{result.stderr}"
    assert 'href="/repo/posts/fit-a-line/"' in (clone / "site" / "index.html").read_text()


def test_init_never_overwrites(made: dict[str, Any], tmp_path: Path) -> None:
    before = read_tree(made["blog"])
    code, _, err = run_journey("init", cwd=made["blog"])
    assert code == 0
    assert err == "".join(f"journey: kept {name}: it exists, and journey init never overwrites\n"
                          for name in _in_write_order()) + "journey: next: journey serve\n"
    assert read_tree(made["blog"]) == before
    mine = make_blog(tmp_path / "mine", {"pyproject.toml": "[tool.journey]\ntitle = 'Mine'\n",
                                         "posts/2025-01-01-fit-a-line.md": "mine\n", ".gitignore": "*.log\n"})
    code, _, err = run_journey("init", "mine", cwd=tmp_path)
    assert code == 0
    assert "journey: kept mine/pyproject.toml: it exists, and journey init never overwrites\n" in err
    assert "journey: kept mine/.gitignore: it exists, and journey init never overwrites\n" in err
    assert (mine / "pyproject.toml").read_text() == "[tool.journey]\ntitle = 'Mine'\n"
    assert (mine / ".gitignore").read_text() == "*.log\n"
    assert (mine / "posts" / "2026-01-01-fit-a-line.md").is_file()  # a new name beside the old post
    assert (mine / "posts" / "2025-01-01-fit-a-line.md").read_text() == "mine\n"


def test_init_on_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    code, out, err = run_journey("init", "notes.txt", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err == "journey init: notes.txt: not a folder\nusage: journey init [-h] [-v] [DIR]\n"
