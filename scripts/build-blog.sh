#!/usr/bin/env bash
# Install journey and the notebooks' pinned environment into .venv, then build the sample blog,
# executing every notebook (results are refreshed in _freeze/). Usage: bash scripts/build-blog.sh [journey build flags]
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[notebooks]" -r notebooks/requirements.txt
exec .venv/bin/journey build --execute always "$@"
