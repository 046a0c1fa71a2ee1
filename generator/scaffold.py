"""`journey init`: a ready blog — settings, .gitignore, a sample post and notebook, a Pages workflow."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from . import requirement


def starter_files(title: str, today: datetime) -> dict[str, str]:
    """{path relative to the blog: text} of a new blog; `today` dates the sample post."""
    day = today.date().isoformat()
    return {
        "pyproject.toml": _SETTINGS.format(title=json.dumps(title, ensure_ascii=False)),
        ".gitignore": _GITIGNORE,
        "requirements.txt": _REQUIREMENTS.format(requirement=requirement(), notebooks=requirement("notebooks")),
        "notebooks/requirements.txt": _NOTEBOOK_REQUIREMENTS,
        "notebooks/fit-a-line.ipynb": json.dumps(_notebook(), indent=1, ensure_ascii=False) + "\n",
        f"posts/{day}-fit-a-line.md": _POST.format(day=day),
        ".github/workflows/pages.yml": _WORKFLOW,
    }


def create_blog(folder: Path, title: str, today: datetime) -> tuple[list[Path], list[Path]]:
    """Write the starter files that are missing: (written, kept because they exist). Never overwrites."""
    written, kept = [], []
    for name, text in starter_files(title, today).items():
        target = folder / name
        if target.exists() or target.is_symlink():
            kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8", newline="\n") as file:  # "x": fails rather than overwrite
            file.write(text)
        written.append(target)
    return written, kept


def _notebook() -> dict[str, object]:
    from .new import notebook_json

    return notebook_json([
        ("markdown", "# Fit a line\n\nThe defaults below are the post's `params`; "
                     "`journey build -P points=200` overrides them.", ()),
        ("code", "points = 50\nseed = 0", ("parameters",)),
        ("code", _FIT, ()),
        ("code", "print(f\"slope {slope:.3f}, intercept {intercept:.3f} from {points} points\")", ()),
    ])


_FIT = """\
import numpy as np

from generator.glue import glue

rng = np.random.default_rng(seed)
x = rng.uniform(0, 10, points)
y = 3 * x + 2 + rng.normal(0, 1, points)
slope, intercept = np.polyfit(x, y, 1)
glue("slope", round(float(slope), 3))"""

_SETTINGS = """\
# This blog's settings: journey reads the [tool.journey] table (this folder is not a Python package).
[tool.journey]
title = {title}
description = "What I learn, with the code that computed every number."
author = ""
base_url = "/"  # the Pages workflow passes the real address with --base-url
language = "en"
timezone = "UTC"
"""

_GITIGNORE = """\
# The built site and journey's caches; _freeze/ (notebook results) is committed.
/site/
/.site.*/
.journey-cache/
/_freeze/failed/
.ipynb_checkpoints/
__pycache__/
/.venv/
"""

_REQUIREMENTS = """\
# journey itself, pinned to a release: what the Pages workflow installs (no notebook kernel).
# Where notebooks run, install it with its notebooks extra: pip install "{notebooks}"
{requirement}
"""

_NOTEBOOK_REQUIREMENTS = """\
# The notebooks' environment: exact pins, read by the build's cache key.
# A notebook that needs PyTorch adds: torch==2.13.0
ipykernel==7.4.0
numpy==2.4.6
"""

_POST = """\
---
title: Fit a line
date: {day}
description: A first post whose numbers come from a notebook the build runs.
tags: [numpy, regression]
notebook: notebooks/fit-a-line.ipynb
params:
  points: 50
  seed: 0
---

The build ran `notebooks/fit-a-line.ipynb` and found a slope of {{{{< value slope >}}}}: nobody
typed that number. Change the notebook or its `params`, and the next `journey build` runs it
again; fix a typo here, and it does not.

<!--more-->

{{{{< notebook >}}}}

Write your own post with `journey new "My next post"`, or `journey new "Title" --notebook`
for one with a notebook of its own.
"""

_WORKFLOW = """\
# Build the blog from its committed sources and frozen notebook results (_freeze/), check it,
# and deploy it to GitHub Pages. Settings → Pages → Source must be "GitHub Actions".
name: Publish site

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v6

      - uses: actions/setup-python@v6
        with:
          python-version: "3.11"
          cache: pip
          cache-dependency-path: requirements.txt

      # journey itself, pinned in requirements.txt; never this folder, which is not a package.
      - name: Install journey
        run: python -m pip install -r requirements.txt

      - name: Configure GitHub Pages
        id: pages
        uses: actions/configure-pages@v6

      # --execute never: notebook results come from the committed _freeze/ folder.
      - name: Build the site
        env:
          BASE_URL: ${{ steps.pages.outputs.base_url }}/
        run: journey build --execute never --base-url "$BASE_URL"

      - name: Check the site
        env:
          BASE_URL: ${{ steps.pages.outputs.base_url }}/
        run: journey check --base-url "$BASE_URL"

      # include-hidden-files keeps .nojekyll.
      - name: Upload the site
        uses: actions/upload-pages-artifact@v5
        with:
          path: site
          include-hidden-files: true

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - name: Deploy to GitHub Pages
        id: deployment
        uses: actions/deploy-pages@v5
"""
