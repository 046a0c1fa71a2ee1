"""Rebuild the golden site's expected output: `tests/golden/blog` → `tests/golden/site`.

Run from the repository root, after a deliberate change to the theme or the generator:

    python -m tests.golden.regenerate

then review `git diff tests/golden/site` and commit it with the change. The build uses a
fixed SOURCE_DATE_EPOCH (GOLDEN_EPOCH), so the result never depends on the day it runs.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from generator.build import BuildOptions, BuildResult, build_site

GOLDEN = Path(__file__).resolve().parent
BLOG = GOLDEN / "blog"
SITE = GOLDEN / "site"
GOLDEN_EPOCH = "1735689600"  # 2025-01-01T00:00:00Z: the 2030 post stays in the future


def copy_blog(target: Path) -> Path:
    """A clean copy of the golden blog (no build cache, no site) at `target`."""
    shutil.copytree(BLOG, target, ignore=shutil.ignore_patterns(".journey-cache", "site"))
    return target


def build_golden(out: Path, source: Path) -> BuildResult:
    """Build a copy of the golden blog at `source` into `out`, as the golden test does."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = GOLDEN_EPOCH
    try:
        return build_site(BuildOptions(source=source, out=out, jobs=1, progress=False))
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def main() -> int:
    # A cold build from a clean copy, so no cache left in the repository can shape the result.
    with tempfile.TemporaryDirectory() as scratch:
        result = build_golden(SITE, copy_blog(Path(scratch) / "blog"))
    for diagnostic in result.diagnostics:
        print(diagnostic, file=sys.stderr)
    print(f"wrote {result.files} files into {SITE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
