#!/usr/bin/env bash
# Installs the code generators and tools `make clients` and `make clients-smoke` need, at pinned versions, from the
# registries this project reaches: Go plugins and grpcurl from the Go module proxy, protoc and protoc-gen-grpc-java
# from Maven Central (Maven's own dependency:copy), protoc-gen-es and the Connect runtime from npm (clients/ts).
# Binaries land in ~/.cache/coins-for-change/clients/bin (COINS_CLIENTS_CACHE moves it), so a second run, CI's
# included, only checks versions; Go's module cache, ~/.m2 and ~/.npm keep the downloads. Prints the bin folder.
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOC_GEN_GO=v1.36.12        # google.golang.org/protobuf
PROTOC_GEN_GO_GRPC=v1.6.2     # google.golang.org/grpc/cmd/protoc-gen-go-grpc
GRPCURL=v1.9.3
PROTOC=4.33.5                 # com.google.protobuf:protoc, for buf's protoc_builtin java; = protobuf-java in clients/java
PROTOC_GEN_GRPC_JAVA=1.83.1   # io.grpc:protoc-gen-grpc-java: the newest whose linux binary Maven Central serves here

cache="${COINS_CLIENTS_CACHE:-$HOME/.cache/coins-for-change/clients}"
bin="$cache/bin"
mkdir -p "$bin"
say() { printf '[clients-tools] %s\n' "$*" >&2; }

# One stamp file per tool and version: present means installed.
have() { [ -f "$bin/.$1@$2" ] && [ -x "$bin/$1" ]; }
stamp() { rm -f "$bin/.$1@"*; touch "$bin/.$1@$2"; }

go_tool() {  # name version package
  have "$1" "$2" && return
  command -v go >/dev/null || { say "Go is missing (needs 1.26 or newer)"; exit 1; }
  say "go install $3@$2"
  GOBIN="$bin" GOTOOLCHAIN=local GOFLAGS=-mod=mod go install "$3@$2"
  stamp "$1" "$2"
}
go_tool protoc-gen-go "$PROTOC_GEN_GO" google.golang.org/protobuf/cmd/protoc-gen-go
go_tool protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC" google.golang.org/grpc/cmd/protoc-gen-go-grpc
go_tool grpcurl "$GRPCURL" github.com/fullstorydev/grpcurl/cmd/grpcurl

case "$(uname -m)" in
  x86_64) classifier=linux-x86_64 ;;
  aarch64) classifier=linux-aarch_64 ;;
  *) say "no Maven Central protoc build for $(uname -m)"; exit 1 ;;
esac

maven_exe() {  # name version groupId:artifactId
  have "$1" "$2" && return
  command -v mvn >/dev/null || { say "Maven is missing (make bootstrap installs it)"; exit 1; }
  say "Maven Central: $3:$2:exe:$classifier"
  local tmp
  tmp=$(mktemp -d)
  mvn -q -B -Dstyle.color=never org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="$3:$2:exe:$classifier" -DoutputDirectory="$tmp" -Dmdep.stripVersion=false >&2
  install -m 0755 "$tmp"/*.exe "$bin/$1"
  rm -rf "$tmp"
  stamp "$1" "$2"
}
maven_exe protoc "$PROTOC" com.google.protobuf:protoc
maven_exe protoc-gen-grpc-java "$PROTOC_GEN_GRPC_JAVA" io.grpc:protoc-gen-grpc-java

# protoc-gen-es, tsx and tsc: clients/ts's own dev dependencies, at the versions package-lock.json pins.
lock_hash=$(sha256sum clients/ts/package-lock.json | cut -c1-16)
if [ ! -f "clients/ts/node_modules/.installed-$lock_hash" ]; then
  say "npm ci (clients/ts)"
  npm ci --prefix clients/ts --no-audit --no-fund --silent >&2
  touch "clients/ts/node_modules/.installed-$lock_hash"
fi
ln -sf "$PWD/clients/ts/node_modules/.bin/protoc-gen-es" "$bin/protoc-gen-es"

echo "$bin"
