#!/usr/bin/env bash
# Builds promtool (Prometheus's rule checker and rule unit-test runner) from the Go module
# proxy into ${CDK8S_STACKS_CACHE:-<repo>/.cache}/promtool/<version>/promtool and prints
# that path. A version already built is reused, so warm runs return at once.
#
# How: `go install github.com/prometheus/prometheus/cmd/promtool@<version>` with GOBIN set
# to the version's folder. `go install pkg@version` refuses modules whose go.mod has
# replace directives; if a release has them, the fallback is a throwaway module that
# requires prometheus at that version and builds the command inside it (the pattern of
# scripts/k8s/build.sh). The Prometheus web UI assets are not needed by promtool.
#
# Usage: build-promtool.sh [version]   (default: PROMTOOL_VERSION, else v0.316.0)
# Environment: CDK8S_STACKS_CACHE (cache root); GOTOOLCHAIN as usual (a release whose
# go.mod asks for a newer Go than the installed one needs e.g. GOTOOLCHAIN=go1.27.3).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
version=${1:-${PROMTOOL_VERSION:-v0.316.0}}
module=github.com/prometheus/prometheus
cache=${CDK8S_STACKS_CACHE:-$repo/.cache}/promtool
out="$cache/$version"

log() { printf 'build-promtool: %s\n' "$*" >&2; }

if [[ -x "$out/promtool" && -f "$out/.complete" ]]; then
  echo "$out/promtool"
  exit 0
fi
command -v go >/dev/null || { log "Go is required (https://go.dev/dl, or apt-get install golang-go)"; exit 1; }

mkdir -p "$cache"
# One build at a time (several test files may ask concurrently).
exec 9>"$cache/.build.lock"
flock 9
if [[ -x "$out/promtool" && -f "$out/.complete" ]]; then
  echo "$out/promtool"
  exit 0
fi

log "building promtool $version from the Go module proxy (a few minutes the first time)"
start=$SECONDS
rm -rf "$out"
tmp=$(mktemp -d "$cache/.promtool-$version.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
ldflags="-s -w -X github.com/prometheus/common/version.Version=${version#v} -X github.com/prometheus/common/version.Branch=module-proxy"
if ! GOBIN="$tmp/bin" GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install -trimpath -ldflags "$ldflags" "$module/cmd/promtool@$version" 2>"$tmp/install.log"; then
  if ! grep -q 'replace directives' "$tmp/install.log"; then
    cat "$tmp/install.log" >&2
    log "go install of promtool $version failed"
    exit 1
  fi
  log "the module has replace directives; building in a throwaway module"
  mkdir -p "$tmp/module"
  (
    cd "$tmp/module"
    printf 'module throwaway\n\ngo 1.22\n\nrequire %s %s\n' "$module" "$version" >go.mod
    GOFLAGS=-mod=mod go build -trimpath -ldflags "$ldflags" -o "$tmp/bin/promtool" "$module/cmd/promtool"
  ) || { log "build of promtool $version failed"; exit 1; }
fi
"$tmp/bin/promtool" --version >/dev/null
mkdir -p "$(dirname "$out")"
mv "$tmp/bin" "$out"
touch "$out/.complete"
log "promtool $version built in $((SECONDS - start)) s"
echo "$out/promtool"
