"""Notebook benchmark: cold builds (--jobs 1/2), cached rebuild, kernel start, papermill overhead.

Run: `.venv/bin/python tests/benchmarks/bench_notebooks.py [--repeat N]`. Not a test (pytest does
not collect tests/benchmarks). It drives the real CLI, `python -m generator build --source DIR
--jobs N`, on a blog of 8 small generated notebooks in a temporary folder, and compares with
`papermill` itself. Each figure is the best of N runs (default 2): the machine is shared.

Targets (issue 3): cached rebuild <= build without notebooks + 20 ms per notebook;
--jobs 2 >= 1.7x faster than --jobs 1 on 2 cores; our per-notebook cost over a bare papermill
run of the same notebook < 10 %.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COUNT = 8
CELLS = [
    "import time, math",
    "total = sum(math.sqrt(i) for i in range(300_000))",  # a little CPU
    "time.sleep(0.3)",  # a little waiting (I/O, a download, a GPU)
    "from generator.glue import glue\nglue('total', round(total, 3))",
    "print(f'total = {total:.3f}')",
]


def make_blog(root: Path, notebooks: bool, count: int = COUNT) -> None:
    """`count` posts; with `notebooks`, each names its own small notebook."""
    (root / "posts").mkdir(parents=True)
    (root / "notebooks").mkdir()
    for n in range(1, count + 1):
        cells = [_cell(f"# Notebook {n}", "markdown")] + [_cell(s, "code") for s in CELLS]
        nb = {
            "cells": cells,
            "metadata": {
                "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        (root / "notebooks" / f"nb{n}.ipynb").write_text(json.dumps(nb, indent=1))
        key = f"notebook: notebooks/nb{n}.ipynb\n" if notebooks else ""
        body = "The total is {{< value total >}}.\n" if notebooks else "The total is 42.\n"
        (root / "posts" / f"2024-01-{n:02d}-post-{n}.md").write_text(
            f"---\ntitle: Post {n}\ndate: 2024-01-{n:02d}\n{key}---\n{body}"
        )


def _cell(source: str, kind: str) -> dict:
    cell = {
        "cell_type": kind,
        "id": f"c{abs(hash(source)) % 10**8}",
        "metadata": {},
        "source": source,
    }
    if kind == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise SystemExit(f"benchmark command failed (exit {done.returncode}): {tail}")
    return seconds


DIRECT = """
import sys
from datetime import datetime, timezone
from pathlib import Path
from generator.config import load_config
from generator.content.markdown import create_markdown, render_markdown
from generator.content.sources import read_posts
root, jobs, execute = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] or None
config, _ = load_config(root)
posts = read_posts(config, drafts=False, future=False, now=datetime.now(timezone.utc)).posts
uses = [u for p in posts for u in p.notebooks]
md, results = create_markdown(), {}
if uses:
    from generator.notebooks.run import run_notebooks
    from generator.notebooks.embed import PostNotebooks
    results, problems = run_notebooks(uses, config, execute=execute, jobs=jobs, progress=False)
    assert not [d for d in problems if d.is_error], problems
for post in posts:
    handler = None
    if post.notebooks:
        notebooks = PostNotebooks(post, [results[u.request] for u in post.notebooks], config)
        handler = notebooks.shortcode
    html = render_markdown(md, post.body, path=post.display_path, first_line=post.body_line,
                           shortcode=handler).html
    if post.notebooks:
        html += notebooks.trailing_html()
        notebooks.files(), notebooks.run_cards()
"""


def direct(root: Path, jobs: int, *extra: str) -> list[str]:
    """Without a working CLI: sources → run_notebooks → Markdown with PostNotebooks, in a fresh
    process (no page templates, no writing: the notebook-relevant part of a build)."""
    execute = extra[1] if extra[:1] == ("--execute",) else ""
    return [sys.executable, "-c", DIRECT, str(root), str(jobs), execute]


def cli_works(root: Path) -> bool:
    done = subprocess.run(cli_build(root, 1), cwd=REPO, capture_output=True, text=True, check=False)
    return done.returncode == 0


def cli_build(root: Path, jobs: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "generator",
        "build",
        "--source",
        str(root),
        "--jobs",
        str(jobs),
        *extra,
    ]


def best(repeat: int, setup, cmd: list[str], cwd: Path) -> float:
    runs = []
    for _ in range(repeat):
        setup()
        runs.append(timed(cmd, cwd))
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    repeat = parser.parse_args().repeat
    env_note = f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    with tempfile.TemporaryDirectory(prefix="journey-bench-") as temp:
        base = Path(temp)
        with_nb, without, one, bare = base / "with", base / "without", base / "one", base / "bare"
        make_blog(with_nb, notebooks=True)
        make_blog(without, notebooks=False)
        make_blog(one, notebooks=True, count=1)
        make_blog(bare, notebooks=False, count=1)
        via_cli = cli_works(bare)
        build = cli_build if via_cli else direct

        def cold(root: Path):
            def clear() -> None:
                shutil.rmtree(root / "_freeze", ignore_errors=True)
                shutil.rmtree(root / ".journey-cache", ignore_errors=True)

            return clear

        def unbuilt(root: Path):
            """Forget the CLI's own build manifest and render store, so a rebuild really
            renders every post (else an unchanged blog is a no-op replay); keep _freeze/."""
            return lambda: shutil.rmtree(root / ".journey-cache", ignore_errors=True)

        jobs1 = best(repeat, cold(with_nb), build(with_nb, 1), REPO)
        jobs2 = best(repeat, cold(with_nb), build(with_nb, 2), REPO)
        timed(build(with_nb, 1), REPO)  # make sure the cache is complete
        cached = best(repeat + 1, unbuilt(with_nb), build(with_nb, 1, "--execute", "never"), REPO)
        plain = best(repeat + 1, unbuilt(without), build(without, 1), REPO)
        one_cold = best(repeat, cold(one), build(one, 1), REPO)
        bare_build = best(repeat, unbuilt(bare), build(bare, 1), REPO)
        kernel = kernel_start(repeat)
        ours_nb, papermill_nb = per_notebook(one, repeat)

    how = "the CLI" if via_cli else "run_notebooks + PostNotebooks (the CLI build failed)"
    print(f"notebook benchmark ({COUNT} notebooks, {env_note}; best of {repeat}; via {how})")
    print(f"  (a) cold build --jobs 1        {jobs1:7.2f} s")
    speedup = jobs1 / jobs2
    print(f"      cold build --jobs 2        {jobs2:7.2f} s   {speedup:.2f}x (target >= 1.7x)")
    extra_ms = (cached - plain) * 1000 / COUNT
    print(f"  (b) cached rebuild             {cached:7.2f} s")
    print(
        f"      same posts, no notebooks   {plain:7.2f} s   {extra_ms:+.0f} ms each (target <= 20)"
    )
    print(f"  (c) one kernel start (bare)    {kernel:7.2f} s")
    print(
        f"      1-notebook cold build      {one_cold:7.2f} s   vs 1-post build {bare_build:.2f} s: "
        f"notebook costs {one_cold - bare_build:.2f} s"
    )
    overhead = (ours_nb - papermill_nb) / papermill_nb * 100
    print(f"  (d) papermill.execute_notebook {papermill_nb:7.2f} s   (same notebook, in process)")
    print(f"      our run_notebooks          {ours_nb:7.2f} s   {overhead:+.1f} % (target < 10 %)")


def kernel_start(repeat: int) -> float:
    """Start a kernel for this interpreter, wait until it answers, shut it down."""
    code = (
        "import time\nfrom jupyter_client.manager import start_new_kernel\n"
        "t = time.perf_counter()\nkm, kc = start_new_kernel(kernel_name='python3')\n"
        "print(time.perf_counter() - t)\nkc.stop_channels(); km.shutdown_kernel(now=True)\n"
    )
    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        runs.append(float(done.stdout.strip().splitlines()[-1]))
    return min(runs)


def per_notebook(root: Path, repeat: int) -> tuple[float, float]:
    """In-process wall time of one notebook: our run_notebooks (execute always) vs papermill."""
    notebook = root / "notebooks" / "nb1.ipynb"
    code = f"""
import time, sys
from pathlib import Path
import papermill
from generator.config import SiteConfig
from generator.models import NotebookRequest, NotebookUse
from generator.notebooks.run import run_notebooks
root, nb = Path({str(root)!r}), Path({str(notebook)!r})
use = NotebookUse("p.md", 1, NotebookRequest(notebook=nb))
ours, theirs = [], []
for _ in range({repeat}):
    t = time.perf_counter(); papermill.execute_notebook(str(nb), str(root / "out.ipynb"),
        kernel_name="python3", cwd=str(nb.parent), progress_bar=False,
        request_save_on_cell_execute=False); theirs.append(time.perf_counter() - t)
    t = time.perf_counter(); r, p = run_notebooks([use], SiteConfig(root=root), execute="always",
        progress=False); ours.append(time.perf_counter() - t); assert r and not p, p
print(min(ours), min(theirs))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    ours, theirs = (float(x) for x in done.stdout.split()[-2:])
    return ours, theirs


if __name__ == "__main__":
    main()
