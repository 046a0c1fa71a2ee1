"""Search at scale: the bytes a reader's first query transfers, and how fast queries answer (not a test).

Generates the benchmark corpus with 4,000 posts (or uses --corpus DIR), builds it with each
search engine asked for (`--search`, default the blog's own setting: Pagefind where its binary
is installed, else search.json), serves the site with a plain http.server (a process of its
own) on 127.0.0.1 under its sub-path /bench/, and opens the search page in Chromium. It then types queries: the first
one's bytes are every response the page receives from the keystroke until the results are
shown (the index, its chunks, the results' fragments); each query's time runs from the input
event to the results list being filled. Targets (issue 14): the first query transfers at most
300 KB, and a query answers in under 100 ms. `--time-edit` (sharded engine) then appends a
sentence to one post, rebuilds in this process and reports how long making the index took and
how many of its files changed, and puts the post back.

    .venv/bin/python -m tests.benchmarks.bench_search [--posts 4000] [--corpus DIR] [--no-build]
        [--search sharded,pagefind,json] [--time-edit] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
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


# The file server runs in a process of its own: in this one it would share the interpreter lock
# with Playwright's driver, and ten parallel requests would wait on each other for it.
SERVE_PY = """import functools, http.server, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        return None
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=sys.argv[1]))
print(server.server_address[1], flush=True)
server.serve_forever()
"""


# A build with the search engine given, whatever the corpus's settings say (there is no flag for it).
BUILD_PY = """import sys
from pathlib import Path
from generator.build import BuildOptions, build_site
result = build_site(BuildOptions(source=Path(sys.argv[1]), search=sys.argv[2] or None, progress=False))
sys.exit(1 if any(d.is_error for d in result.diagnostics) else 0)
"""


def build(corpus: Path, engine: str) -> float:
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", BUILD_PY, str(corpus), "" if engine == "auto" else engine], check=True, env=env)
    return time.perf_counter() - started


def site_engine(site: Path) -> str:
    page = (site / "search" / "index.html").read_text(encoding="utf-8")
    return "pagefind" if "data-pagefind=" in page else "sharded" if "data-sharded=" in page else "json"


def index_bytes(site: Path, engine: str) -> int:
    if engine == "json":
        return (site / "search.json").stat().st_size
    folder = site / ("pagefind" if engine == "pagefind" else "search/index")
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def time_edit(corpus: Path) -> dict[str, Any]:
    """A one-post edit rebuilt with the sharded index, in this process: the build's time, the
    index stage's (`write_index`: the few-posts path, when it is taken), a whole index's making
    (`index_files`, timed in the same build for comparison), and how many index files changed."""
    from generator.build import BuildOptions, build_site
    from generator.website import pages, search_shard_update, search_shards

    options = BuildOptions(source=corpus, search="sharded", progress=False)
    folder = corpus / "site" / "search" / "index"
    before = {p: p.read_bytes() for p in folder.rglob("*.json")}
    figures: dict[str, Any] = {}
    write_index, updated_files = pages.write_index, search_shard_update.updated_files

    def timed_write(site: Any, staging: Any, text: Any, *rest: Any) -> Any:
        started = time.perf_counter()
        result = write_index(site, staging, text, *rest)
        figures["index_stage_s"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        search_shards.index_files(site, text)
        figures["whole_index_s"] = round(time.perf_counter() - started, 3)
        return result

    def timed_update(*args: Any) -> Any:
        result = updated_files(*args)
        figures["few_posts_path"] = result is not None
        return result

    edited = sorted((corpus / "posts").glob("*.md"))[len(before) % 97]
    text = edited.read_text(encoding="utf-8")
    pages.write_index, search_shard_update.updated_files = timed_write, timed_update  # type: ignore[assignment]
    try:
        edited.write_text(text + "\nLater I added a note on whitening the inputs.\n", encoding="utf-8")
        started = time.perf_counter()
        build_site(options)
        figures["edit_build_s"] = round(time.perf_counter() - started - figures.get("whole_index_s", 0), 2)
        after = {p: p.read_bytes() for p in folder.rglob("*.json")}
    finally:
        pages.write_index, search_shard_update.updated_files = write_index, updated_files  # type: ignore[assignment]
        edited.write_text(text, encoding="utf-8")
        build_site(options)
    figures["index_files"] = len(after)
    figures["changed_files"] = sum(1 for p, data in after.items() if before.get(p) != data)
    return figures


def measure(site: Path, rounds: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    mount = Path(tempfile.mkdtemp(prefix="bench-search-"))
    (mount / BASE_PATH.strip("/")).symlink_to(site.resolve())
    server = subprocess.Popen([sys.executable, "-c", SERVE_PY, str(mount)], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    origin = f"http://127.0.0.1:{server.stdout.readline().strip()}"
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
            figures["query_ms_first_round"] = _spread(times[: len(QUERIES) - 1])  # each query's files fetched anew
            if page.locator("form.search[data-pagefind]").count():
                lookups = [page.evaluate(LOOKUP_JS, query + " " + extra) for extra in ("", "model", "data")
                           for query in QUERIES]
                figures["pagefind_lookup_ms"] = _spread(lookups)
            browser.close()
    finally:
        server.terminate()
        server.wait()
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
    parser.add_argument("--search", default="auto",
                        help="engines to build and measure, in turn: auto, sharded, pagefind, json (comma-separated)")
    parser.add_argument("--time-edit", action="store_true", help="time a one-post edit's rebuild of the sharded index")
    args = parser.parse_args()
    corpus = args.corpus or Path(tempfile.mkdtemp(prefix="bench-search-corpus-"))
    if not (corpus / "posts").is_dir():
        generate(corpus, posts=args.posts)
    runs = []
    for engine in args.search.split(",") if not args.no_build else ["as built"]:
        figures: dict[str, Any] = {"posts": len(list((corpus / "posts").glob("*.md")))}
        if not args.no_build:
            figures["build_s"] = round(build(corpus, engine), 2)
        site = corpus / "site"
        figures["engine"] = site_engine(site)
        figures["index_bytes"] = index_bytes(site, figures["engine"])
        figures.update(measure(site, args.rounds))
        if args.time_edit and figures["engine"] == "sharded":
            figures.update(time_edit(corpus))
        print(json.dumps(figures, indent=2))
        runs.append(figures)
    for figures in runs:
        ok_bytes = figures["first_query_bytes"] <= FIRST_QUERY_BYTES
        ok_time = figures["query_ms"]["median"] < QUERY_MS
        print(f"{figures['engine']}: first query: {figures['first_query_bytes']} bytes "
              f"({'PASS' if ok_bytes else 'MISS'} ≤ {FIRST_QUERY_BYTES}), {figures['first_query_ms']} ms including "
              f"the index's download; later queries, results shown: min {figures['query_ms']['min']}, median "
              f"{figures['query_ms']['median']} ({'PASS' if ok_time else 'MISS'} < {QUERY_MS} ms), "
              f"max {figures['query_ms']['max']} ms")
        if "pagefind_lookup_ms" in figures:
            print(f"  Pagefind's lookup alone: median {figures['pagefind_lookup_ms']['median']} ms")
        if "index_stage_s" in figures:
            print(f"  one-post edit: index stage {figures['index_stage_s']} s (few-posts path: "
                  f"{figures.get('few_posts_path')}; a whole index takes {figures['whole_index_s']} s), "
                  f"{figures['changed_files']} of {figures['index_files']} files changed, build {figures['edit_build_s']} s")
    if args.json:
        args.json.write_text(json.dumps(runs if len(runs) > 1 else runs[0], indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
