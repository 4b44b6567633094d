#!/usr/bin/env bash
# Builds the web app into web/dist (`make web`): TypeScript types generated from ../proto, type-checked, bundled by
# Vite, gzipped. node_modules stays under web/ and npm's cache under ~/.npm; `npm ci` runs only when
# package-lock.json changed since the last install.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v npm >/dev/null; then
  echo "make web needs Node.js 20+ and npm (Debian: apt-get install -y nodejs npm)" >&2
  exit 1
fi
stamp=node_modules/.package-lock.sha256
wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  npm ci --no-audit --no-fund --prefer-offline
  echo "$wanted" > "$stamp"
fi
npm run --silent build
