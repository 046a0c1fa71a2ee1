"""Dask executor benchmark: local `--jobs 2` vs a 2-worker LocalCluster vs a scheduler with two
external workers, on the same 20 small notebooks (1–3 s each), all in one run.

Run: `.venv/bin/python -m tests.benchmarks.bench_dask [--notebooks 20]`. Not a test. Each
variant builds its own fresh copy of the blog through the real CLI (`python -m generator build`),
so every notebook really runs in each; the figure is the build's wall time. The cluster's
overhead per notebook is (cluster time − local time) / notebooks, shown as a percentage of the
local time per notebook (target, issue 16: under 15 %). The scheduler and its workers are
started before their build is timed (as a cluster is, before anyone builds on it).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from tests.dask_support import dask_env, start_scheduler, start_worker

TARGET = 15.0  # per cent


def make_blog(root: Path, count: int) -> Path:
    """`count` posts, each running its own notebook: a little CPU, then 1–3 s of waiting."""
    (root / "posts").mkdir(parents=True)
    (root / "notebooks").mkdir()
    (root / "pyproject.toml").write_text('[tool.journey]\ntitle = "Bench"\n')
    for n in range(1, count + 1):
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_code_cell("import math, time\ntotal = sum(math.sqrt(i) for i in range(200_000))"),
            nbformat.v4.new_code_cell(f"time.sleep({0.8 + (n % 3):.1f})  # a download, a GPU, a slow disk"),
            nbformat.v4.new_code_cell("print(f'total = {total:.3f}')"),
        ]
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"nb{n}-{i}"
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, root / "notebooks" / f"nb{n:02d}.ipynb")
        (root / "posts" / f"2024-01-{n:02d}-post-{n}.md").write_text(
            f"---\ntitle: Post {n}\ndate: 2024-01-{n:02d}\nnotebook: notebooks/nb{n:02d}.ipynb\n---\nText.\n")
    return root


def timed_build(template: Path, work: Path, name: str, *flags: str) -> float:
    root = work / name
    shutil.copytree(template, root)
    env = {**dask_env(), "SOURCE_DATE_EPOCH": "1767225600"}
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--source", str(root), *flags],
                            env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{name} failed:\n{result.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as folder:
        work = Path(folder)
        template = make_blog(work / "template", args.notebooks)
        times = {"local --jobs 2": timed_build(template, work, "local", "--jobs", "2"),
                 "LocalCluster, 2 workers": timed_build(template, work, "localcluster", "--executor", "dask",
                                                        "--jobs", "2")}
        env = dask_env()
        scheduler, address = start_scheduler(work / "cluster", env)
        workers = []
        try:
            workers = [start_worker(work / "cluster", address, name, env) for name in ("w1", "w2")]
            times["scheduler + 2 external workers"] = timed_build(template, work, "scheduler", "--scheduler", address)
        finally:
            for process in [*workers, scheduler]:
                process.stop()
    local = times["local --jobs 2"]
    per_notebook = local / args.notebooks
    print(f"{args.notebooks} notebooks of 1-3 s, one run each")
    print(f"{'variant':<34}{'wall s':>8}{'s/notebook':>12}{'overhead/notebook':>19}")
    for name, seconds in times.items():
        overhead = (seconds - local) / args.notebooks
        share = 100 * overhead / per_notebook
        verdict = "" if name == "local --jobs 2" else ("  PASS" if share < TARGET else "  MISS")
        print(f"{name:<34}{seconds:>8.2f}{seconds / args.notebooks:>12.3f}"
              f"{overhead:>+10.3f} s {share:>+5.1f} %{verdict}")


if __name__ == "__main__":
    main()
