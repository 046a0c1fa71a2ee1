"""Real kernels through papermill: failures are reported exactly and no kernel outlives a run."""

from __future__ import annotations

import io
import json
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import psutil
import pytest

from generator.config import SiteConfig
from generator.models import NotebookRequest, NotebookUse
from generator.notebooks.kernels import installed_kernels
from generator.notebooks.run import run_notebooks
from generator.progress import Progress

NOTEBOOKS = Path(__file__).parent / "notebooks"
REPO = Path(__file__).parent.parent


def blog(root: Path, *names: str) -> SiteConfig:
    (root / "notebooks").mkdir(exist_ok=True)
    for name in names:
        shutil.copy(NOTEBOOKS / name, root / "notebooks" / name)
    return SiteConfig(root=root)


def use(config: SiteConfig, name: str, line: int = 5, **kwargs: object) -> NotebookUse:
    request = NotebookRequest(notebook=config.root / "notebooks" / name, **kwargs)
    return NotebookUse(post="posts/2024-01-01-post.md", line=line, request=request)


def processes_with(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if marker in (proc.info["cmdline"] or []):
            found.append(proc)
    return found


def my_kernels() -> list[psutil.Process]:
    return [
        p
        for p in psutil.Process().children(recursive=True)
        if p.is_running()
        and p.status() != psutil.STATUS_ZOMBIE
        and any("ipykernel" in part for part in p.cmdline())
    ]


def test_raising_cell_fails_with_exact_message_and_kept_notebook(tmp_path: Path) -> None:
    config = blog(tmp_path, "raises.ipynb")
    results, problems = run_notebooks([use(config, "raises.ipynb")], config, progress=False)
    assert results == {}
    assert [str(d) for d in problems] == [
        (
            "posts/2024-01-01-post.md:5:1: error: notebook notebooks/raises.ipynb: cell 3 raised "
            "ValueError: bad value (executed notebook kept at "
            "_freeze/failed/notebooks/raises.ipynb)"
        )
    ]
    kept = json.loads((tmp_path / "_freeze" / "failed" / "notebooks" / "raises.ipynb").read_text())
    failing = [c for c in kept["cells"] if "journey-failed-cell" in c["metadata"].get("tags", [])]
    assert len(failing) == 1 and failing[0]["outputs"][0]["ename"] == "ValueError"
    assert "cell 3 raised ValueError: bad value" in "".join(kept["cells"][0]["source"])
    assert not (tmp_path / "_freeze" / "notebooks").exists()  # a failed run is never cached
    assert my_kernels() == []


def test_allowed_errors_do_not_fail(tmp_path: Path) -> None:
    config = blog(tmp_path, "raises.ipynb")
    results, problems = run_notebooks(
        [use(config, "raises.ipynb", allow_errors=True)], config, progress=False
    )
    assert problems == []
    (executed,) = results.values()
    outputs = [o for c in executed.notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert [o.get("ename") or o.get("text") for o in outputs] == ["ValueError", "never\n"]


def test_timeout_kills_the_kernel_and_its_children(tmp_path: Path) -> None:
    config = blog(tmp_path, "sleeps.ipynb")
    marker = f"journey-child-{uuid.uuid4().hex}"
    started = time.monotonic()
    _results, problems = run_notebooks(
        [use(config, "sleeps.ipynb", timeout=3, params=(("marker", marker),))],
        config,
        progress=False,
    )
    assert time.monotonic() - started < 60
    assert [str(d) for d in problems] == [
        (
            "posts/2024-01-01-post.md:5:1: error: notebook notebooks/sleeps.ipynb: "
            "cell 3 timed out after 3 s (executed notebook kept at "
            f"_freeze/failed/notebooks/sleeps.{_params_hash(marker)}.ipynb)"
        )
    ]
    assert processes_with(marker) == []
    assert my_kernels() == []


def test_a_kernel_whose_port_was_taken_is_started_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """jupyter_client picks free ports and the kernel binds them later; another process taking
    one in between is a race no test can time, so the first port is made one this test holds.
    The kernel, papermill and the bind that fails are real."""
    import socket

    from jupyter_client.provisioning.local_provisioner import LocalPortCache

    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    picks: list[int] = []
    original = LocalPortCache.find_available_port

    def first_one_taken(self: LocalPortCache, ip: str) -> int:
        picks.append(held.getsockname()[1] if not picks else original(self, ip))
        return picks[-1]

    monkeypatch.setattr(LocalPortCache, "find_available_port", first_one_taken)
    config = blog(tmp_path, "raises.ipynb")
    try:
        results, problems = run_notebooks(
            [use(config, "raises.ipynb", allow_errors=True)], config, progress=False
        )
    finally:
        held.close()
    assert problems == []
    assert len(picks) == 10  # five ports for the kernel that could not bind, five for the one that ran
    (executed,) = results.values()
    outputs = [o for c in executed.notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert [o.get("ename") or o.get("text") for o in outputs] == ["ValueError", "never\n"]
    assert my_kernels() == []


def test_kernel_death_is_reported(tmp_path: Path) -> None:
    config = blog(tmp_path, "kills_kernel.ipynb")
    _, problems = run_notebooks([use(config, "kills_kernel.ipynb")], config, progress=False)
    assert [str(d) for d in problems] == [
        (
            "posts/2024-01-01-post.md:5:1: error: notebook notebooks/kills_kernel.ipynb: "
            "the kernel died while running cell 4 (executed notebook kept at "
            "_freeze/failed/notebooks/kills_kernel.ipynb)"
        )
    ]
    assert my_kernels() == []


def test_ctrl_c_shuts_every_kernel_down(tmp_path: Path) -> None:
    blog(tmp_path, "sleeps.ipynb")
    marker = f"journey-child-{uuid.uuid4().hex}"
    script = textwrap.dedent(f"""
        from pathlib import Path
        from generator.config import SiteConfig
        from generator.models import NotebookRequest, NotebookUse
        from generator.notebooks.run import run_notebooks
        root = Path({str(tmp_path)!r})
        request = NotebookRequest(notebook=root / "notebooks" / "sleeps.ipynb",
                                  params=(("marker", {marker!r}),), timeout=300)
        run_notebooks([NotebookUse("p.md", 1, request)], SiteConfig(root=root), progress=False)
    """)
    build = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 90
    while not processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    children = processes_with(marker)
    assert children, "the notebook never started its child process"
    kernel = children[0].parent()
    build.send_signal(signal.SIGINT)
    _, err = build.communicate(timeout=60)
    assert build.returncode != 0 and "KeyboardInterrupt" in err
    assert not kernel.is_running() or kernel.status() == psutil.STATUS_ZOMBIE
    assert processes_with(marker) == []


def test_progress_without_a_terminal_is_one_line_per_event(tmp_path: Path) -> None:
    log = tmp_path / "progress.txt"
    with log.open("w") as stream:
        clock = iter([0.0, 2.5]).__next__
        shown = Progress(stream, enabled=True, clock=clock)
        shown.start("notebooks/a.ipynb")
        shown.tick()
        shown.finish("notebooks/a.ipynb", ok=True)
    assert log.read_text() == (
        "journey: executing notebooks/a.ipynb\njourney: executed notebooks/a.ipynb in 2.5 s\n"
    )


def _params_hash(marker: str) -> str:
    from generator.notebooks.freeze import params_hash

    return params_hash(NotebookRequest(notebook=Path("x"), params=(("marker", marker),)))


@pytest.fixture(autouse=True)
def _no_leftover_kernels():
    yield
    assert my_kernels() == [], "a test left a kernel running"


def test_progress_on_a_terminal_is_a_live_line() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    clock = iter([0.0, 1.0, 4.0, 4.0]).__next__
    shown = Progress(stream, enabled=True, clock=clock)
    shown.start("notebooks/a.ipynb")
    shown.start("notebooks/b.ipynb")
    shown.tick()
    shown.finish("notebooks/a.ipynb", ok=False)
    assert stream.getvalue() == (
        "\r\x1b[Kjourney: running notebooks/a.ipynb 4 s, notebooks/b.ipynb 3 s"
        "\r\x1b[Kjourney: failed notebooks/a.ipynb in 4.0 s\n"
    )


def test_unknown_kernel_is_reported(tmp_path: Path) -> None:
    config = blog(tmp_path, "raises.ipynb")
    config = SiteConfig(root=config.root, kernel="no-such-kernel")
    _, problems = run_notebooks([use(config, "raises.ipynb")], config, progress=False)
    installed = ", ".join(installed_kernels())
    assert [str(d) for d in problems] == [
        (
            "posts/2024-01-01-post.md:5:1: error: notebooks/raises.ipynb needs the Jupyter kernel "
            f"'no-such-kernel', which is not installed (installed: {installed})"
        )
    ]
