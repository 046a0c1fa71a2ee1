"""README's "Start your own blog", command by command, in an empty folder.

What cannot happen here is replaced, and only that: the machine has no network, so
`python3 -m venv .venv` makes `.venv/bin/journey` run this checkout's journey with the test's
Python, and the two `pip install` lines are checked (the pinned requirement is this version's,
every pin of the notebooks' requirements is what the test's Python has installed) rather than
run; `journey serve` gets `-p 0` (port 8000 may be taken on a shared machine), is fetched once
over real HTTP and stopped with Ctrl-C (SIGINT); the GitHub remote is a local bare repository.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import urllib.request
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from conftest import EPOCH, REPO
from test_init import git, git_env

from generator import requirement

GITHUB_REMOTE = "git@github.com:USER/my-blog.git"


def readme_commands() -> list[str]:
    section = (REPO / "README.md").read_text(encoding="utf-8").split("### Start your own blog\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def _fake_venv(folder: Path) -> None:
    bin_dir = folder / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    shim = bin_dir / "journey"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m generator "$@"\n')
    shim.chmod(0o755)


def _check_install(words: list[str], folder: Path) -> None:
    if words[-2] == "-r":
        for line in (folder / words[-1]).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                name, version = line.split("==")
                assert metadata.version(name) == version, line
    else:
        assert words[-1] == requirement("notebooks")


def _serve_once(words: list[str], folder: Path, env: dict[str, str]) -> dict[str, Any]:
    server = subprocess.Popen([*words, "-p", "0"], cwd=folder, env=env, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in server.stderr:  # type: ignore[union-attr]
            lines.append(line)
            if line.startswith("Serving on "):
                break
        url = lines[-1].split()[2]
        with urllib.request.urlopen(url, timeout=30) as response:
            page = {"status": response.status, "html": response.read().decode("utf-8")}
    finally:
        server.send_signal(signal.SIGINT)
        rest = server.communicate(timeout=60)[1]
    return {**page, "code": server.returncode, "stderr": "".join(lines) + rest}


@pytest.fixture(scope="module")
def followed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    top = tmp_path_factory.mktemp("readme")
    folder = top / "my-blog"
    folder.mkdir()
    git(top, git_env(top / "home"), "init", "--quiet", "--bare", "remote.git")
    env = {**os.environ, **git_env(top / "home"), "SOURCE_DATE_EPOCH": EPOCH}
    served: dict[str, Any] = {}
    for line in readme_commands():
        words = shlex.split(line)
        if words[:3] == ["python3", "-m", "venv"]:
            _fake_venv(folder)
        elif words[:2] == [".venv/bin/pip", "install"]:
            _check_install(words, folder)
        elif words == [".venv/bin/journey", "serve"]:
            served = _serve_once(words, folder, env)
        else:
            command = line.replace(GITHUB_REMOTE, str(top / "remote.git"))
            result = subprocess.run(["bash", "-e", "-c", command], cwd=folder, env=env, capture_output=True,
                                    text=True, check=False)
            assert result.returncode == 0, f"{line}\n{result.stderr}"
    return {"top": top, "folder": folder, "served": served, "env": env}


def test_the_readme_gives_every_step() -> None:
    commands = readme_commands()
    assert ".venv/bin/journey init" in commands and ".venv/bin/journey serve" in commands
    assert commands[-1] == "git push -u origin main"


def test_serve_answers_with_the_new_blog(followed: dict[str, Any]) -> None:
    served = followed["served"]
    assert served["status"] == 200
    assert "Fit a line" in served["html"]
    assert (served["code"], served["stderr"].splitlines()[-1]) == (0, "journey: stopped serving"), served["stderr"]


def test_the_push_carries_the_blog_and_its_frozen_results(followed: dict[str, Any]) -> None:
    names = git(followed["top"] / "remote.git", followed["env"], "ls-tree", "-r", "--name-only", "main").split()
    assert {"pyproject.toml", ".gitignore", "requirements.txt", ".github/workflows/pages.yml",
            "notebooks/fit-a-line.ipynb", "notebooks/requirements.txt"} <= set(names)
    assert any(name.startswith("_freeze/notebooks/fit-a-line") for name in names), names
    assert not any(name.startswith((".venv/", ".journey-cache/", "site/")) for name in names)
