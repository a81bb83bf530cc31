#!/usr/bin/env bash
# Builds the controllers the cluster suite runs against its control plane, from the Go
# module proxy, into ${CDK8S_STACKS_CACHE:-<repo>/.cache}/controllers/<name>/<version>/<name>:
# - prometheus-operator (cmd/operator) at PROMETHEUS_OPERATOR_VERSION;
# - external-secrets (the root package, the controller manager) at EXTERNAL_SECRETS_VERSION;
# - argo-rollouts (cmd/rollouts-controller) at ARGO_ROLLOUTS_VERSION, for the GitOps suite.
# Next to each binary, crds/ holds the CRDs of that very release, copied from its module zip
# (prometheus-operator: example/prometheus-operator-crd; external-secrets: config/crds/bases;
# argo-rollouts: manifests/crds),
# so the suite installs exactly the API the controller serves.
# A version already built is reused, so warm runs return at once.
#
# How: a throwaway module from scripts/k8s/controllers/<name>.go.mod (the version filled in)
# and `go build` of the command inside it; the templates say why each needs what it has.
# argo-rollouts pins k8s.io/* with replace directives, which a dependency's go.mod cannot
# impose: the release's replace lines are appended to the throwaway module (as build-gitops.sh
# does for Argo CD), and its go.mod needs a newer Go than 1.26.8 (ARGO_ROLLOUTS_GOTOOLCHAIN).
# Usage: build-controllers.sh [name...]   (default: all three)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${CDK8S_STACKS_CACHE:-$repo/.cache}/controllers
# shellcheck disable=SC1091 # plain KEY=VALUE lines, checked by the suite
. "$repo/scripts/k8s/versions.env"
names=${*:-prometheus-operator external-secrets argo-rollouts}

log() { printf 'build-controllers: %s\n' "$*" >&2; }
command -v go >/dev/null || { log "Go is required (https://go.dev/dl, or apt-get install golang-go)"; exit 1; }

# The release's CRD files (not kustomization.yaml) from its module zip into $4.
copy_crds() {
  local module=$1 version=$2 from=$3 to=$4 dir
  [[ -f "$to/.complete" ]] && return
  dir=$(go mod download -json "$module@$version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  rm -rf "$to"
  mkdir -p "$to"
  find "$dir/$from" -maxdepth 1 -name '*.yaml' ! -name kustomization.yaml -exec cp {} "$to/" \;
  chmod -R u+w,a+r "$to"
  [[ -n "$(ls "$to")" ]] || { log "no CRDs in $module@$version/$from"; exit 1; }
  touch "$to/.complete"
}

# The replace directives of $1@$2's go.mod (block and single-line forms, no local paths).
release_replaces() {
  local gomod
  gomod=$(go mod download -json "$1@$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  awk '
    /^replace \($/ { inblock = 1; print; next }
    inblock && /^\)$/ { inblock = 0; print; next }
    inblock { if ($0 !~ /=> *\.\.?\//) print; next }
    /^replace / { if ($0 !~ /=> *\.\.?\//) print }
  ' "$gomod"
}

build() {
  local name=$1 version module pkg ldflags crds toolchain=${GOTOOLCHAIN:-} replaces=no
  case "$name" in
    prometheus-operator)
      version=$PROMETHEUS_OPERATOR_VERSION
      module=github.com/prometheus-operator/prometheus-operator
      pkg=$module/cmd/operator
      crds=example/prometheus-operator-crd
      ldflags="-s -w -X github.com/prometheus/common/version.Version=${version#v} -X github.com/prometheus/common/version.Branch=module-proxy"
      ;;
    external-secrets)
      version=$EXTERNAL_SECRETS_VERSION
      module=github.com/external-secrets/external-secrets
      pkg=$module
      crds=config/crds/bases
      ldflags="-s -w"
      ;;
    argo-rollouts)
      version=$ARGO_ROLLOUTS_VERSION
      module=github.com/argoproj/argo-rollouts
      pkg=$module/cmd/rollouts-controller
      crds=manifests/crds
      ldflags="-s -w -X $module/utils/version.version=${version#v}"
      toolchain=$ARGO_ROLLOUTS_GOTOOLCHAIN
      replaces=yes
      ;;
    *)
      log "unknown controller '$name' (known: prometheus-operator external-secrets argo-rollouts)"
      exit 1
      ;;
  esac
  # go mod download needs it too: Go refuses a module whose go.mod asks for a newer Go.
  [[ -n $toolchain ]] && export GOTOOLCHAIN=$toolchain
  local out="$cache/$name/$version"
  if [[ -x "$out/$name" && -f "$out/.complete" ]]; then
    log "$name $version: cached in $out"
    copy_crds "$module" "$version" "$crds" "$out/crds"
    return
  fi
  mkdir -p "$cache"
  # One build at a time per controller (a second caller waits, then finds it cached).
  exec 9>"$cache/.$name.lock"
  flock 9
  if [[ -x "$out/$name" && -f "$out/.complete" ]]; then
    log "$name $version: cached in $out"
    copy_crds "$module" "$version" "$crds" "$out/crds"
    exec 9>&-
    return
  fi
  log "$name $version: building from the Go module proxy"
  local start=$SECONDS
  rm -rf "$out"
  local mod="$cache/$name/.module-$version"
  rm -rf "$mod"
  mkdir -p "$mod"
  sed "s/@VERSION@/$version/g" "$repo/scripts/k8s/controllers/$name.go.mod" >"$mod/go.mod"
  if [[ $replaces == yes ]]; then
    release_replaces "$module" "$version" >>"$mod/go.mod"
    grep -q '^replace' "$mod/go.mod" || { log "$name $version: no replace directives found in the release's go.mod"; exit 1; }
  fi
  if ! (cd "$mod" && GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$mod/$name" "$pkg"); then
    log "$name $version: build failed (module in $mod)"
    exit 1
  fi
  # Both print their flags for --help (exit status 0 or 2 depending on the flag library).
  "$mod/$name" --help >"$mod/help.txt" 2>&1 || true
  grep -q -- '-' "$mod/help.txt" || { log "$name $version: the built binary does not run"; cat "$mod/help.txt" >&2; exit 1; }
  mkdir -p "$out"
  mv "$mod/$name" "$out/$name"
  rm -rf "$mod"
  touch "$out/.complete"
  log "$name $version: built in $((SECONDS - start)) s"
  copy_crds "$module" "$version" "$crds" "$out/crds"
  exec 9>&-
}

for name in $names; do
  build "$name"
done
