#!/usr/bin/env bash
# Install everything the test suite needs (system: Chromium, a Java runtime for the Nu HTML
# checker, git; Python: journey-ssg[notebooks,test] and the notebooks' pinned environment) and run it all.
# Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v git >/dev/null 2>&1 || missing+=(git)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[notebooks,test]" -r notebooks/requirements.txt
if [ ! -d node_modules/axe-core ]; then
  npm install --silent --no-audit --no-fund --no-save --no-package-lock axe-core@4.10.3 >/dev/null 2>&1 || echo "note: npm could not install axe-core; the accessibility test will fail" >&2
fi
# Two test processes (pytest-xdist): most tests wait on kernels, servers and browsers, so two
# share two cores well (the whole suite: ~11 min instead of ~20 on a 2-core machine).
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n 2 "$@"
