"""Search at scale: the bytes a reader's first query transfers, and how fast queries answer (not a test).

Generates the benchmark corpus with 4,000 posts (or uses --corpus DIR), builds it with
`journey build` (Pagefind where its binary is installed, else search.json), serves the site
with a plain http.server on 127.0.0.1 under its sub-path /bench/, and opens the search page in
Chromium. It then types queries: the first one's bytes are every response the page receives
from the keystroke until the results are shown (the index, its chunks, the results' fragments);
each query's time runs from the input event to the results list being filled. Targets
(issue 14): the first query transfers at most 300 KB, and a query answers in under 100 ms.

    .venv/bin/python -m tests.benchmarks.bench_search [--posts 4000] [--corpus DIR] [--no-build] [--json out.json]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.corpus import generate

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
BASE_PATH = "/bench/"  # the corpus's base URL is https://example.github.io/bench/
FIRST_QUERY_BYTES = 300_000
QUERY_MS = 100
QUERIES = ("gradient", "learning rate", "overfitting", "tensor", "model evaluation", "dataset", "loss")
# Types the query as one input event, then resolves with the milliseconds until the results
# list holds them (or the status says nothing was found).
QUERY_JS = """async (query) => {
  const input = document.querySelector('#q'), list = document.querySelector('#search-results');
  const status = document.querySelector('#search-status');
  list.textContent = ''; status.textContent = '';
  const started = performance.now();
  const done = new Promise((resolve) => {
    const check = () => { if (/found/.test(status.textContent) && (list.children.length || /^0 /.test(status.textContent))) {
      observer.disconnect(); resolve(performance.now() - started); } };
    const observer = new MutationObserver(check);
    observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  });
  input.value = query;
  input.dispatchEvent(new Event('input'));
  return done;
}"""


# Pagefind's own lookup alone (no fragments, no rendering): the same module search.js imported.
LOOKUP_JS = """async (query) => {
  const pagefind = await import(document.querySelector('form.search').dataset.pagefind);
  const started = performance.now();
  await pagefind.search(query);
  return performance.now() - started;
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return None


def build(corpus: Path) -> float:
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-m", "generator", "build", "--source", str(corpus)], check=True, env=env)
    return time.perf_counter() - started


def measure(site: Path, rounds: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    mount = Path(tempfile.mkdtemp(prefix="bench-search-"))
    (mount / BASE_PATH.strip("/")).symlink_to(site.resolve())
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(mount)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    figures: dict[str, Any] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
            context = browser.new_context()
            page = context.new_page()
            responses: list[Any] = []
            context.on("response", lambda response: responses.append(response))  # the search worker's too
            page.goto(origin + BASE_PATH + "search/", wait_until="load")
            figures["page_bytes"] = sum(len(r.body()) for r in responses)
            responses.clear()
            first = page.evaluate(QUERY_JS, QUERIES[0])
            page.wait_for_load_state("networkidle")
            figures["first_query_ms"] = round(first, 1)
            figures["first_query_bytes"] = sum(len(r.body()) for r in responses)
            figures["first_query_requests"] = len(responses)
            figures["foreign_requests"] = [r.url for r in responses if not r.url.startswith(origin)]
            figures["first_results"] = page.locator("#search-status").inner_text()
            times = []
            for _ in range(rounds):
                times.extend(page.evaluate(QUERY_JS, query) for query in QUERIES[1:])
            figures["query_ms"] = _spread(times)
            if page.locator("form.search[data-pagefind]").count():
                lookups = [page.evaluate(LOOKUP_JS, query + " " + extra) for extra in ("", "model", "data")
                           for query in QUERIES]
                figures["pagefind_lookup_ms"] = _spread(lookups)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return figures


def _spread(times: list[float]) -> dict[str, float]:
    return {"min": round(min(times), 1), "median": round(statistics.median(times), 1), "max": round(max(times), 1),
            "n": len(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=4000)
    parser.add_argument("--corpus", type=Path, help="use (and keep) this corpus folder; generated when empty")
    parser.add_argument("--rounds", type=int, default=3, help="times each later query is asked")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-build", action="store_true", help="measure the corpus's site as it was last built")
    args = parser.parse_args()
    corpus = args.corpus or Path(tempfile.mkdtemp(prefix="bench-search-corpus-"))
    if not (corpus / "posts").is_dir():
        generate(corpus, posts=args.posts)
    figures: dict[str, Any] = {"posts": len(list((corpus / "posts").glob("*.md")))}
    if not args.no_build:
        figures["build_s"] = round(build(corpus), 2)
    site = corpus / "site"
    engine = "pagefind" if (site / "pagefind" / "pagefind.js").is_file() else "json"
    figures["engine"] = engine
    figures["index_bytes"] = sum(p.stat().st_size for p in (site / "pagefind").rglob("*") if p.is_file()) \
        if engine == "pagefind" else (site / "search.json").stat().st_size
    figures.update(measure(site, args.rounds))
    print(json.dumps(figures, indent=2))
    ok_bytes = figures["first_query_bytes"] <= FIRST_QUERY_BYTES
    ok_time = figures["query_ms"]["median"] < QUERY_MS
    print(f"first query: {figures['first_query_bytes']} bytes ({'PASS' if ok_bytes else 'MISS'} ≤ {FIRST_QUERY_BYTES}), "
          f"{figures['first_query_ms']} ms including the index's download")
    print(f"later queries, results shown: median {figures['query_ms']['median']} ms "
          f"({'PASS' if ok_time else 'MISS'} < {QUERY_MS} ms)")
    if "pagefind_lookup_ms" in figures:
        print(f"Pagefind's lookup alone: median {figures['pagefind_lookup_ms']['median']} ms")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
