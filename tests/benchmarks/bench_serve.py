"""Save-to-served latency of `journey serve` on the benchmark corpus (not a test).

Generates the 1,000-post corpus (or uses --corpus DIR), starts the real server in this process
on 127.0.0.1 (port 0), then edits one post N times: each time it appends a unique marker and
polls the post's page over HTTP until the marker is served. Reports min / median / max; the
target (issue 6) is 300 ms.

    .venv/bin/python -m tests.benchmarks.bench_serve [--posts 1000] [--rounds 10] [--poll 0.1]
"""

from __future__ import annotations

import argparse
import queue
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from generator.build import BuildOptions
from generator.serve import serve
from tests.benchmarks.corpus import generate

TARGET_MS = 300


def measure(corpus: Path, rounds: int, poll: float, gap: float) -> list[float]:
    """Seconds from each save to the edited page being served."""
    post = min((corpus / "posts").glob("*.md"))
    url_path = f"posts/{post.stem[11:]}/"
    urls: queue.Queue[str] = queue.Queue()
    stop = threading.Event()
    options = BuildOptions(source=corpus, progress=False)
    thread = threading.Thread(target=serve, args=(options,),
                              kwargs={"port": 0, "poll_interval": poll, "ready": urls.put, "stop": stop})
    started = time.perf_counter()
    thread.start()
    base = urls.get(timeout=900)
    print(f"first build and listen: {time.perf_counter() - started:.2f} s", file=sys.stderr)
    original = post.read_text(encoding="utf-8")
    results = []
    try:
        for round_number in range(rounds):
            marker = f"edit-marker-{round_number}-{time.monotonic_ns()}"
            time.sleep(gap)  # let the watcher settle between edits, as a person would
            saved = time.perf_counter()
            post.write_text(original + f"\n\n{marker}\n", encoding="utf-8")
            deadline = saved + 60
            while marker.encode() not in _fetch(base + url_path):
                if time.perf_counter() > deadline:
                    raise SystemExit(f"round {round_number}: the edit was never served")
                time.sleep(0.005)
            results.append(time.perf_counter() - saved)
            print(f"round {round_number}: {results[-1] * 1000:.0f} ms", file=sys.stderr, flush=True)
    finally:
        post.write_text(original, encoding="utf-8")
        stop.set()
        thread.join(30)
    return sorted(results)


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="an existing corpus folder (default: generate one)")
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--poll", type=float, default=0.1, help="the watcher's poll interval, seconds")
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between edits")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        corpus = args.corpus or Path(scratch) / "corpus"
        if args.corpus is None:
            generate(corpus, posts=args.posts, seed=1)
        results = measure(corpus, args.rounds, args.poll, args.gap)
    median = results[len(results) // 2] * 1000
    print(f"save-to-served over {len(results)} edits (poll {args.poll} s): min {results[0] * 1000:.0f} ms, "
          f"median {median:.0f} ms, max {results[-1] * 1000:.0f} ms; target {TARGET_MS} ms: "
          f"{'PASS' if median <= TARGET_MS else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
