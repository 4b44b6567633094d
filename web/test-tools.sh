#!/usr/bin/env bash
# What the browser tests need beyond `make bootstrap` (`make web-test` runs it): Debian's Chromium (Playwright's own
# browser download is not reachable here) and Playwright's Python client in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq chromium
fi
if ! .venv/bin/python -c "import playwright" 2>/dev/null; then
  .venv/bin/pip install -q "playwright==1.65.2"
fi
