"""Build benchmark: times `journey build` (cold, no-change, one-post edit) against floors.

    python -m tests.benchmarks.bench_build [--posts 1000] [--repeat 3] [--json out.json]

Every figure is a whole process, timed by wall clock in this one run; see README.md here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from . import corpus as corpus_mod
from .measure import Measurement, measure
from .report import WARM, print_report, summarize, targets

REPO = Path(__file__).resolve().parents[2]
HASH_SCRIPT = """import hashlib, sys
from pathlib import Path
root = Path(sys.argv[1])
files = sorted(p for p in (root / "posts").rglob("*") if p.is_file()) + [root / "pyproject.toml"]
digests = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
print(len(digests), "files hashed")
"""
COLD = ("floor", "build --jobs 1 (cold)", "build --jobs 2 (cold)", "hash sources")


@dataclass(frozen=True)
class Bench:
    """Where things live for one benchmark run."""

    corpus: Path
    scratch: Path  # the builds' working directory and XDG cache, wiped before cold runs
    floor_out: Path
    baseline: frozenset[str]  # corpus paths that are sources; everything else is build output
    env: dict[str, str]


def _py(*args: str) -> list[str]:
    return [sys.executable, *args]


def _build(bench: Bench, *extra: str) -> list[str]:
    return _py("-m", "generator", "build", "--source", str(bench.corpus), *extra)


def commands(bench: Bench) -> dict[str, list[str]]:
    return {
        "floor": _py("-m", "tests.benchmarks.floor", str(bench.corpus), str(bench.floor_out)),
        "build --jobs 1 (cold)": _build(bench, "--jobs", "1"),
        "build --jobs 2 (cold)": _build(bench, "--jobs", "2"),
        "hash sources": _py("-c", HASH_SCRIPT, str(bench.corpus)),
        "build (no change)": _build(bench),
        "build (one-post edit)": _build(bench),
    }


def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def clean(bench: Bench) -> list[str]:
    """Delete every build output and cache (anything not a source); return what was removed."""
    removed = sorted(
        rel for rel in _tree(bench.corpus) - bench.baseline if rel.split("/")[0] != "site"
    )
    for rel in removed:
        path = bench.corpus / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists() or path.is_symlink():
            path.unlink()
    shutil.rmtree(bench.corpus / "site", ignore_errors=True)
    outside = sorted(p.name for p in bench.scratch.iterdir())
    shutil.rmtree(bench.scratch, ignore_errors=True)
    bench.scratch.mkdir()
    shutil.rmtree(bench.floor_out, ignore_errors=True)
    return removed + [f"<cwd>/{name}" for name in outside]


def edit_one_post(bench: Bench, round_no: int) -> str:
    """Append a sentence to one post (a different one each round)."""
    posts = sorted((bench.corpus / "posts").glob("*.md"))
    post = posts[(round_no * 37 + 11) % len(posts)]
    with post.open("a", encoding="utf-8") as fh:
        fh.write(f"\nAn edit appended in benchmark round {round_no}, to time a one-post rebuild.\n")
    return post.name


def run_round(
    bench: Bench, round_no: int, results: dict[str, list[Measurement]], leftovers: set[str]
) -> None:
    """Cold group then warm group, each in alternating order so neither side is favoured."""
    cmds = commands(bench)
    order = COLD if round_no % 2 == 0 else tuple(reversed(COLD))
    for name in order:
        if name.startswith("build"):
            leftovers.update(r.split("/")[0] for r in clean(bench))
        elif name == "floor":
            shutil.rmtree(bench.floor_out, ignore_errors=True)
        results[name].append(_timed(name, cmds[name], bench))
    for name in WARM if round_no % 2 == 0 else tuple(reversed(WARM)):
        if name == "build (one-post edit)":
            edit_one_post(bench, round_no)
        results[name].append(_timed(name, cmds[name], bench))


def _timed(name: str, cmd: list[str], bench: Bench) -> Measurement:
    result = measure(cmd, cwd=bench.scratch, env=bench.env)
    status = "ok" if result.returncode == 0 else f"FAILED rc={result.returncode}"
    print(
        f"  {name:<24} {result.seconds:8.2f} s  cpu {result.cpu_seconds:7.2f} s  "
        f"{result.peak_mib:7.1f} MiB  {status}",
        file=sys.stderr,
        flush=True,
    )
    if result.returncode != 0:
        print("    " + result.stderr_tail.replace("\n", "\n    "), file=sys.stderr)
    return result


def digest_tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def tool_digest() -> str:
    """A digest of the generator's code and theme, to notice edits made while the bench runs."""
    files = sorted(
        p
        for d in ("generator", "templates")
        for p in (REPO / d).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def verify(bench: Bench) -> dict[str, object]:
    """Compare the incrementally built site with a clean build of the same sources."""
    incremental = digest_tree(bench.corpus / "site")
    clean(bench)
    rebuilt = measure(_build(bench), cwd=bench.scratch, env=bench.env)
    fresh = digest_tree(bench.corpus / "site") if rebuilt.returncode == 0 else {}
    differ = sorted(
        k for k in incremental.keys() | fresh.keys() if incremental.get(k) != fresh.get(k)
    )
    return {
        "identical": bool(fresh) and not differ,
        "files": len(fresh),
        "differing": differ[:20],
        "clean_build_rc": rebuilt.returncode,
    }


def machine() -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
    }


def make_bench(work: Path, posts: int, seed: int) -> Bench:
    corpus = work / "corpus"
    corpus_mod.generate(corpus, posts, seed)
    scratch = work / "cwd"
    scratch.mkdir()
    env = dict(
        os.environ,
        XDG_CACHE_HOME=str(scratch / "xdg-cache"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    env.pop("SOURCE_DATE_EPOCH", None)
    # As on a user's machine, where bytecode is written (pip compiles installed packages):
    # with PYTHONDONTWRITEBYTECODE set, every run would compile journey's modules from source,
    # a cost only the generator's rows would pay (the hash script imports none of them).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # The core install's search index (search.json): with the `search` extra, `search = "auto"`
    # runs Pagefind, which has no incremental mode (set PAGEFIND_BINARY_PATH to measure that).
    env.setdefault("PAGEFIND_BINARY_PATH", str(work / "no-pagefind"))
    return Bench(corpus, scratch, work / "floor-out", frozenset(_tree(corpus)), env)


def warm_up(work: Path) -> None:
    """Build a tiny corpus once, untimed, so bytecode and the OS file cache are warm for all."""
    tiny = make_bench(work / "warm-up", 5, 99)
    for name in ("floor", "build --jobs 1 (cold)"):
        result = measure(commands(tiny)[name], cwd=tiny.scratch, env=tiny.env)
        if result.returncode != 0:
            print(f"warm-up {name} failed:\n{result.stderr_tail}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time journey build against its floors.")
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", type=Path, help="work in this new folder and keep it")
    parser.add_argument(
        "--no-verify",
        action="store_true",
        help="skip comparing the incremental site with a clean build",
    )
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="journey-bench-"))
    try:
        report = run(work, args)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0  # a benchmark reports; it never fails the caller


def run(work: Path, args: argparse.Namespace) -> dict[str, object]:
    info = machine()
    tool_before = tool_digest()
    print(f"generating {args.posts} posts (seed {args.seed}) in {work}", file=sys.stderr)
    bench = make_bench(work, args.posts, args.seed)
    warm_up(work)
    results: dict[str, list[Measurement]] = {name: [] for name in COLD + WARM}
    leftovers: set[str] = set()
    for round_no in range(args.repeat):
        print(f"round {round_no + 1}/{args.repeat}", file=sys.stderr, flush=True)
        run_round(bench, round_no, results, leftovers)
    rows = summarize(results)
    goals = targets(rows)
    checked = None if args.no_verify else verify(bench)
    tool_changed = tool_digest() != tool_before
    info["loadavg_at_end"] = os.getloadavg()
    print_report(rows, goals)
    print(
        f"\n{info['cpus']} CPUs; load average at start {info['loadavg_at_start'][0]:.2f}, "
        f"at end {info['loadavg_at_end'][0]:.2f} (above the CPU count, figures are noisy)"
    )
    if tool_changed:
        print(
            "\nWARNING: generator/ or templates/ changed during the run; the figures mix "
            "versions and the identity check compares different tools."
        )
    print(f"\ncleaned before each cold build (besides site/): {sorted(leftovers) or 'nothing'}")
    if checked is not None:
        print(
            f"incremental site identical to a clean build: {checked['identical']} "
            f"({checked['files']} files; differing: {checked['differing'] or 'none'})"
        )
    return {
        "machine": info,
        "posts": args.posts,
        "seed": args.seed,
        "repeat": args.repeat,
        "results": rows,
        "targets": goals,
        "verify": checked,
        "cleaned": sorted(leftovers),
        "tool_changed_during_run": tool_changed,
        "raw": {n: [asdict(r) for r in rs] for n, rs in results.items()},
    }


if __name__ == "__main__":
    raise SystemExit(main())
