"""Pathological posts build within a stated time limit, the way cmark tests itself.

Each post is one of cmark's `test/pathological_tests.py` shapes at the sizes of issue 13
(written here, not copied): 50,000 nested `[`, `*`, `>` and list markers, a 10,000-line code
block, a 5 MB post and a 100,000-cell table. Each is built alone, in-process, through
`generator.build.build_site`. LIMIT is about seven times the CPU time of the slowest case
(the table, ~6 s, markdown-it's own linear work): a busy machine passes, a quadratic blow-up
(hours at these sizes) does not. pytest-timeout stops a case that hangs.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import make_blog

from generator.build import BuildOptions, build_site

LIMIT = 40.0  # seconds for any one case, from start to a swapped-in site (or a clean failure)
N = 50_000
CASES = {
    "nested-brackets": "[" * N + "x" + "]" * N,
    "nested-emphasis": "*" * N + "x" + "*" * N,
    "nested-quotes": ">" * N + " x",
    "nested-lists": "- " * N + "x",
    "long-code-block": "```python\n" + "".join(f"value_{i} = {i} * 2  # line {i}\n" for i in range(10_000)) + "```\n",
    "five-megabytes": ("A long post about gradient descent, one paragraph after another. " * 20 + "\n\n") * 3_900,
    "wide-table": "| " + " | ".join(f"h{c}" for c in range(10)) + " |\n|" + "---|" * 10 + "\n"
                  + "".join("| " + " | ".join(f"{r}.{c}" for c in range(10)) + " |\n" for r in range(10_000)),
}


@pytest.mark.timeout(LIMIT * 3)
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_pathological_post_builds_within_the_limit(name: str, tmp_path: Path, source_date_epoch: str) -> None:
    body = CASES[name]
    blog = make_blog(tmp_path, {f"posts/2024-01-01-{name}.md": f"---\ntitle: {name}\ndate: 2024-01-01\n---\n{body}\n"})
    started = time.perf_counter()
    build_site(BuildOptions(source=blog, jobs=1, progress=False))  # each of them builds: none is refused
    seconds = time.perf_counter() - started
    assert seconds < LIMIT, f"{name}: {seconds:.1f} s, the limit is {LIMIT:.0f} s"
    page = (blog / "site" / "posts" / name / "index.html").read_text(encoding="utf-8")
    expected = {
        "long-code-block": "line 9999",
        "wide-table": "9999.9",
        "five-megabytes": "gradient descent",
    }.get(name, "x")
    assert expected in page
    if name == "wide-table":
        assert page.count("<td") == 100_000
