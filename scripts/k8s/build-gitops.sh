#!/usr/bin/env bash
# Builds what the GitOps suite runs beside the control plane, from the Go module proxy,
# into ${CDK8S_STACKS_CACHE:-<repo>/.cache}/gitops/:
# - kwok/<KWOK_VERSION>/kwok              fake nodes and pod lifecycles (sigs.k8s.io/kwok/cmd/kwok),
#   with stages/ (the release's own Stage objects, from its module zip: node-initialize,
#   node-heartbeat-with-lease, and the "fast" pod stages: ready, Job pods complete, delete)
# - kustomize/<KUSTOMIZE_VERSION>/kustomize  what Argo CD's repo-server runs for kustomize folders
# - argocd/<ARGOCD_VERSION>/argocd        Argo CD's application-controller, repo-server and
#                                         git-ask-pass in one binary (ARGOCD_BINARY_NAME picks),
#   with crds/ (manifests/crds), config/ (manifests/base/config) and hack/ (the git and gpg
#   wrappers the repo-server calls) copied from that very release's module zip.
# A version already built is reused, so warm runs return at once. kube-scheduler comes from
# build.sh with the rest of the control plane.
#
# Argo CD: a throwaway module requires github.com/argoproj/argo-cd/v3 and carries the
# `replace (...)` block of that release's go.mod (its pins of k8s.io/* and a few others,
# which a dependency's go.mod cannot impose), minus the replace of gitops-engine by the
# local ./gitops-engine folder: the release's gitops-engine/v3 of the same tag resolves from
# the proxy. Its go.mod says `go 1.27.0`, so it builds with ARGOCD_GOTOOLCHAIN.
# The release's own cmd/ links every component (API server and its UI, CLI, Dex, notifications,
# ApplicationSet, commit server); the suite runs two of them, so the throwaway module's main
# links only the command packages of those two (and git-ask-pass, which the repo-server hands
# to git as GIT_ASKPASS) and dispatches on ARGOCD_BINARY_NAME as the release's binary does.
# That compiles about half the packages: the build is the longest of a cold CI run.
# Usage: build-gitops.sh [kwok|kustomize|argocd ...]   (default: all three)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${CDK8S_STACKS_CACHE:-$repo/.cache}/gitops
# shellcheck disable=SC1091 # plain KEY=VALUE lines, checked by the suite
. "$repo/scripts/k8s/versions.env"
names=${*:-kwok kustomize argocd}

log() { printf 'build-gitops: %s\n' "$*" >&2; }
command -v go >/dev/null || { log "Go is required (https://go.dev/dl, or apt-get install golang-go)"; exit 1; }
mkdir -p "$cache"

# go install of a command at a version into $3 (a tool whose go.mod needs no replace).
install_tool() {
  local name=$1 pkg=$2 version=$3 out="$cache/$1/$3"
  if [[ -x "$out/$name" ]]; then
    log "$name $version: cached in $out"
    return
  fi
  log "$name $version: building from the Go module proxy"
  local start=$SECONDS
  mkdir -p "$out.tmp"
  GOBIN="$out.tmp" go install "$pkg@$version"
  rm -rf "$out"
  mv "$out.tmp" "$out"
  log "$name $version: built in $((SECONDS - start)) s"
}

copy_kwok_stages() {
  local to="$cache/kwok/$KWOK_VERSION/stages" dir
  [[ -f "$to/.complete" ]] && return
  dir=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  rm -rf "$to"
  mkdir -p "$to"
  cp "$dir/kustomize/stage/node/fast/node-initialize.yaml" \
    "$dir/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
    "$dir/kustomize/stage/pod/fast/pod-ready.yaml" \
    "$dir/kustomize/stage/pod/fast/pod-complete.yaml" \
    "$dir/kustomize/stage/pod/fast/pod-delete.yaml" "$to/"
  chmod -R u+w,a+r "$to"
  touch "$to/.complete"
}

build_argocd() {
  local version=$ARGOCD_VERSION out="$cache/argocd/$ARGOCD_VERSION"
  if [[ -x "$out/argocd" && -f "$out/.complete" ]]; then
    log "argocd $version: cached in $out"
    return
  fi
  log "argocd $version: building from the Go module proxy with $ARGOCD_GOTOOLCHAIN"
  local start=$SECONDS mod="$cache/argocd/.module-$version"
  rm -rf "$mod" "$out"
  mkdir -p "$mod" "$out"
  local info gomod dir
  info=$(cd "$mod" && GOTOOLCHAIN=$ARGOCD_GOTOOLCHAIN go mod download -json "github.com/argoproj/argo-cd/v3@$version")
  gomod=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["GoMod"])' "$info")
  dir=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["Dir"])' "$info")
  {
    echo "module throwaway"
    echo
    echo "go 1.26"
    echo
    echo "require github.com/argoproj/argo-cd/v3 $version"
    echo
    # The release's replace directives, block and single-line forms, without local paths.
    awk '
      /^replace \($/ { inblock = 1; print; next }
      inblock && /^\)$/ { inblock = 0; print; next }
      inblock { if ($0 !~ /=> *\.\.?\//) print; next }
      /^replace / { if ($0 !~ /=> *\.\.?\//) print }
    ' "$gomod"
  } >"$mod/go.mod"
  grep -q '^replace' "$mod/go.mod" || { log "no replace block found in $gomod"; exit 1; }
  # main.go imports the pinned module's command packages, so `go mod tidy` keeps the require.
  cat >"$mod/main.go" <<'GO'
// Argo CD's components the GitOps suite runs, picked by ARGOCD_BINARY_NAME (or the name the
// binary is called by), as in the release's multi-call binary.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	controller "github.com/argoproj/argo-cd/v3/cmd/argocd-application-controller/commands"
	askpass "github.com/argoproj/argo-cd/v3/cmd/argocd-git-ask-pass/commands"
	reposerver "github.com/argoproj/argo-cd/v3/cmd/argocd-repo-server/commands"
	"github.com/argoproj/argo-cd/v3/util/log"
)

func main() {
	klog.SetLogger(log.NewLogrusLogger(log.NewWithCurrentConfig()))
	// No grpc.DisableSRVLookups() as in the release's main: only the grpclb balancer turns
	// SRV lookups on, and none of these components links it (the call panics when they are off).
	name := filepath.Base(os.Args[0])
	if v := os.Getenv("ARGOCD_BINARY_NAME"); v != "" {
		name = v
	}
	var command *cobra.Command
	switch name {
	case "argocd-application-controller":
		command = controller.NewCommand()
	case "argocd-repo-server":
		command = reposerver.NewCommand()
	case "argocd-git-ask-pass":
		command = askpass.NewCommand()
	default:
		fmt.Fprintf(os.Stderr, "%s: this build has argocd-application-controller, argocd-repo-server and argocd-git-ask-pass (set ARGOCD_BINARY_NAME)\n", name)
		os.Exit(2)
	}
	if err := command.Execute(); err != nil {
		os.Exit(1)
	}
}
GO
  if ! (cd "$mod" && export GOTOOLCHAIN=$ARGOCD_GOTOOLCHAIN GOFLAGS=-mod=mod CGO_ENABLED=0 &&
    go mod tidy && go build -trimpath -ldflags "-s -w" -o argocd .); then
    log "argocd $version: build failed (module in $mod)"
    exit 1
  fi
  ARGOCD_BINARY_NAME=argocd-repo-server "$mod/argocd" --help >"$mod/help.txt" 2>&1 || true
  grep -q -- '--redis' "$mod/help.txt" || { log "argocd $version: the built binary does not run"; cat "$mod/help.txt" >&2; exit 1; }
  mkdir -p "$out/crds" "$out/config" "$out/hack"
  find "$dir/manifests/crds" -maxdepth 1 -name '*.yaml' ! -name kustomization.yaml -exec cp {} "$out/crds/" \;
  find "$dir/manifests/base/config" -maxdepth 1 -name '*.yaml' ! -name kustomization.yaml -exec cp {} "$out/config/" \;
  cp "$dir/hack/git-verify-wrapper.sh" "$dir/hack/gpg-wrapper.sh" "$out/hack/"
  chmod -R u+w,a+rX "$out"
  chmod a+x "$out/hack/"*.sh
  mv "$mod/argocd" "$out/argocd"
  rm -rf "$mod"
  touch "$out/.complete"
  log "argocd $version: built in $((SECONDS - start)) s"
}

for name in $names; do
  # One build per tool at a time (test-all.sh starts the builds early in the background; a
  # suite that needs them waits here, then finds them built).
  exec 9>"$cache/.$name.lock"
  flock 9
  case "$name" in
    kwok)
      install_tool kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION"
      copy_kwok_stages
      ;;
    kustomize) install_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION" ;;
    argocd) build_argocd ;;
    *)
      log "unknown tool '$name' (known: kwok kustomize argocd)"
      exit 1
      ;;
  esac
  exec 9>&-
done
