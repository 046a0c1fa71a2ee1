"""The public markdown benchmark's shape: 4,000 undated prose posts, outside and inside git.

    .venv/bin/python -m tests.benchmarks.bench_prose                 # 4,000 posts, best of 3
    .venv/bin/python -m tests.benchmarks.bench_prose --corpus ~/bench-framework-markdown/_markdown-samples/4000

Rows, all in one run on the same files (whole processes, best of --repeat, cold rows in
alternating order): the library floor (`floor.py`, one process); `journey build --jobs 2`
cold, outside git; the same blog as a git repository that added its posts in one commit each
(4,000 commits, made with `git fast-import`), cold; then in that repository a build with no
change and a build after a one-post edit (not committed). Targets are the issue's: cold outside
git ≤ 1.5× the floor, cold in git ≤ 2× outside, no change ≤ 0.3 s, one-post edit ≤ 0.5 s, and
every process under 100 MiB. Exits 0 and prints PASS/MISS per target.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .measure import Measurement, measure
from .prose import copy_corpus, generate

GIT = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "Bench",
       "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
OUTPUTS = ("site", ".journey-cache")
REPO = Path(__file__).resolve().parents[2]  # where `-m tests.benchmarks.floor` is found


def commit_one_by_one(root: Path) -> int:
    """Make `root` a repository whose history adds each post in its own commit, a day apart
    (one `git fast-import` stream: thousands of `git commit`s would take minutes)."""
    env = {**os.environ, **GIT}
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=env)
    files = [root / "pyproject.toml", *sorted((root / "posts").glob("*.md"))]
    stream = bytearray()
    for mark, path in enumerate(files, start=1):
        data, message = path.read_bytes(), f"add {path.name}\n".encode()
        stream += f"commit refs/heads/main\nmark :{mark}\n".encode()
        stream += f"committer Bench <bench@example.com> {1_500_000_000 + 86_400 * mark} +0000\n".encode()
        stream += f"data {len(message)}\n".encode() + message
        stream += f"from :{mark - 1}\n".encode() if mark > 1 else b""
        stream += f"M 100644 inline {path.relative_to(root).as_posix()}\ndata {len(data)}\n".encode() + data + b"\n"
    done = subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=bytes(stream), env=env,
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"git fast-import failed: {done.stderr.decode()[-2000:]}")
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True, env=env)
    return len(files)


def clean(root: Path) -> None:
    for name in OUTPUTS:
        shutil.rmtree(root / name, ignore_errors=True)
    for leftover in root.glob(".site*"):
        shutil.rmtree(leftover, ignore_errors=True)


def timed(name: str, cmd: list[str], cwd: Path, env: dict[str, str]) -> Measurement:
    result = measure(cmd, cwd=cwd, env=env)
    status = "ok" if result.returncode == 0 else f"FAILED rc={result.returncode}\n{result.stderr_tail}"
    print(f"  {name:<30} {result.seconds:8.2f} s  cpu {result.cpu_seconds:7.2f} s  {result.peak_mib:7.1f} MiB  {status}",
          file=sys.stderr, flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", type=Path, help="a folder of the public benchmark's .md files instead")
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="journey-prose-") as work:
        base = Path(work)
        outside, inside, scratch = base / "outside", base / "inside", base / "scratch"
        scratch.mkdir()
        env = {**env, **GIT, "XDG_CACHE_HOME": str(scratch / "xdg"), "GIT_CEILING_DIRECTORIES": str(base)}
        env.setdefault("PAGEFIND_BINARY_PATH", str(base / "no-pagefind"))  # the core install: search.json
        posts = copy_corpus(args.corpus, outside) if args.corpus else generate(outside, args.posts, args.seed)
        shutil.copytree(outside, inside)
        commits = commit_one_by_one(inside)
        print(f"{len(posts)} posts; the repository has {commits} commits", file=sys.stderr)
        py = [sys.executable]
        build = [*py, "-m", "generator", "build", "--jobs", "2", "--source"]
        rows: dict[str, list[Measurement]] = {k: [] for k in (
            "floor", "cold, outside git", "cold, in git", "no change, in git", "one-post edit, in git")}
        timed("warm-up", [*build, str(outside)], scratch, env)  # bytecode and file cache, untimed
        for round_no in range(args.repeat):
            cold = [("floor", [*py, "-m", "tests.benchmarks.floor", str(outside), str(scratch / "floor")], outside, REPO),
                    ("cold, outside git", [*build, str(outside)], outside, scratch),
                    ("cold, in git", [*build, str(inside)], inside, scratch)]
            for name, cmd, root, cwd in cold if round_no % 2 == 0 else cold[::-1]:
                clean(root)
                shutil.rmtree(scratch / "floor", ignore_errors=True)
                rows[name].append(timed(name, cmd, cwd, env))
            rows["no change, in git"].append(timed("no change, in git", [*build, str(inside)], scratch, env))
            edited = sorted((inside / "posts").glob("*.md"))[(round_no * 37 + 11) % len(posts)]
            with edited.open("a", encoding="utf-8") as fh:
                fh.write(f"\n\nAn edit appended in round {round_no}.\n")
            rows["one-post edit, in git"].append(timed("one-post edit, in git", [*build, str(inside)], scratch, env))
        report(rows)
    return 0


def report(rows: dict[str, list[Measurement]]) -> None:
    best = {name: min(m.seconds for m in runs if m.returncode == 0) if any(m.returncode == 0 for m in runs)
            else float("nan") for name, runs in rows.items()}
    peak = {name: max((m.peak_mib for m in runs), default=0.0) for name, runs in rows.items()}
    floor, outside = best["floor"], best["cold, outside git"]
    print("\n| row | best s | x floor | peak MiB |\n| --- | --- | --- | --- |")
    for name, seconds in best.items():
        print(f"| {name} | {seconds:.2f} | {seconds / floor:.2f} | {peak[name]:.0f} |")
    goals = [
        ("cold outside git <= 1.5x floor", outside / floor, 1.5),
        ("cold in git <= 2x cold outside git", best["cold, in git"] / outside, 2.0),
        ("no change in git <= 0.3 s", best["no change, in git"], 0.3),
        ("one-post edit in git <= 0.5 s", best["one-post edit, in git"], 0.5),
        ("peak memory < 100 MiB", max(peak.values()), 100.0),
    ]
    print()
    for text, value, limit in goals:
        print(f"{'PASS' if value <= limit else 'MISS'}  {text}: {value:.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    raise SystemExit(main())
