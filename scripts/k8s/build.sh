#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and kubectl for each pinned release from
# the Go module proxy, into ${CDK8S_STACKS_CACHE:-<repo>/.cache}/k8s/<version>/bin, and for
# the newest pinned release (the last of K8S_VERSIONS) also kube-scheduler, which the GitOps
# suite runs so that pods land on its fake nodes. A binary already built is skipped, so warm
# runs start at once.
#
# How: a throwaway module requires k8s.io/kubernetes at the release and replaces each
# k8s.io/* staging module with the matching v0.<minor>.<patch>. Two adjustments:
# - k8s.io/legacy-cloud-providers is not served by the module proxy; only the in-tree
#   cloud providers import it and the `providerless` build tag leaves them out, so an
#   empty local module stands in for it;
# - older releases use go:linkname into the runtime, which Go 1.23+ refuses unless
#   -checklinkname=0 is passed to the linker.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${CDK8S_STACKS_CACHE:-$repo/.cache}
# Releases to build: the arguments, else K8S_VERSIONS from the environment, else the pinned list.
requested=${K8S_VERSIONS:-}
# shellcheck disable=SC1091 # plain KEY=VALUE lines, checked by the suite
. "$repo/scripts/k8s/versions.env"
versions=${*:-${requested:-$K8S_VERSIONS}}
newest=${K8S_VERSIONS##* }

command -v go >/dev/null || { echo "build.sh: Go is required (https://go.dev/dl, or apt-get install golang-go)" >&2; exit 1; }

for v in $versions; do
  out="$cache/k8s/$v/bin"
  cmds=(kube-apiserver kube-controller-manager kubectl)
  [ "$v" = "$newest" ] && cmds+=(kube-scheduler)
  missing=()
  for cmd in "${cmds[@]}"; do
    [ -x "$out/$cmd" ] || missing+=("$cmd")
  done
  if [ ${#missing[@]} = 0 ]; then
    echo "k8s $v: cached in $out"
    continue
  fi
  # One build per release at a time (test-all.sh starts the builds early in the background;
  # a suite that needs them waits here, then finds them built).
  mkdir -p "$cache/k8s"
  exec 9>"$cache/k8s/.$v.lock"
  flock 9
  missing=()
  for cmd in "${cmds[@]}"; do
    [ -x "$out/$cmd" ] || missing+=("$cmd")
  done
  if [ ${#missing[@]} = 0 ]; then
    echo "k8s $v: cached in $out (built meanwhile)"
    exec 9>&-
    continue
  fi
  echo "k8s $v: building ${missing[*]} into $out"
  start=$(date +%s)
  minor=$(echo "$v" | cut -d. -f2)
  patch=$(echo "$v" | cut -d. -f3)
  mod="$cache/k8s/$v/module"
  rm -rf "$mod"
  mkdir -p "$mod" "$out"
  gomod=$(cd "$mod" && go mod download -json "k8s.io/kubernetes@v$v" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  {
    echo "module throwaway"
    echo "go 1.22"
    echo "require k8s.io/kubernetes v$v"
    grep -E '^\s*k8s.io/[a-z0-9-]+ => \./staging' "$gomod" | grep -v legacy-cloud-providers |
      awk -v m="$minor" -v p="$patch" '{print "replace " $1 " => " $1 " v0." m "." p}'
    if grep -q 'k8s.io/legacy-cloud-providers => ./staging' "$gomod"; then
      echo "replace k8s.io/legacy-cloud-providers => ./legacy-cloud-providers-stub"
    fi
  } >"$mod/go.mod"
  mkdir -p "$mod/legacy-cloud-providers-stub"
  echo "module k8s.io/legacy-cloud-providers" >"$mod/legacy-cloud-providers-stub/go.mod"
  ldflags="-s -w -checklinkname=0 -X k8s.io/component-base/version.gitVersion=v$v -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=v$v"
  for cmd in "${missing[@]}"; do
    (cd "$mod" && GOFLAGS=-mod=mod go build -tags providerless -trimpath -ldflags "$ldflags" -o "$out/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd")
    mv "$out/$cmd.tmp" "$out/$cmd"
  done
  echo "k8s $v: built in $(($(date +%s) - start)) s"
  exec 9>&-
done
