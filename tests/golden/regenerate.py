"""Rebuild the golden site's expected output: `tests/golden/blog` → `tests/golden/site`.

Run from the repository root, after a deliberate change to the theme or the generator:

    python -m tests.golden.regenerate

then review `git diff tests/golden/site` and commit it with the change. The build uses a
fixed SOURCE_DATE_EPOCH (GOLDEN_EPOCH), so the result never depends on the day it runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from generator.build import BuildOptions, BuildResult, build_site

GOLDEN = Path(__file__).resolve().parent
BLOG = GOLDEN / "blog"
SITE = GOLDEN / "site"
GOLDEN_EPOCH = "1735689600"  # 2025-01-01T00:00:00Z: the 2030 post stays in the future


def build_golden(out: Path) -> BuildResult:
    """Build the golden blog into `out` exactly as the golden test does."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = GOLDEN_EPOCH
    try:
        return build_site(BuildOptions(source=BLOG, out=out, jobs=1, progress=False))
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def main() -> int:
    result = build_golden(SITE)
    for diagnostic in result.diagnostics:
        print(diagnostic, file=sys.stderr)
    print(f"wrote {result.files} files into {SITE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
