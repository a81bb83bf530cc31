#!/usr/bin/env bash
# Installs the pinned manifest linters (scripts/lint/versions.env) into
#   ${CDK8S_STACKS_CACHE:-<repo>/.cache}/lint/<tool>-<version>/
# and skips a tool that is already installed there. Prints the directory of each tool.
#
#   kube-score: `go install` from the Go module proxy (GOBIN = the tool's folder).
#   checkov:    a Python venv, `pip install checkov==<version>` with every transitive
#               dependency pinned by checkov-constraints.txt.
#
# Environment: CDK8S_STACKS_CACHE (cache root), PYTHON (interpreter for the venv, default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# versions.env holds plain KEY=VALUE lines only.
# shellcheck disable=SC1091
source "$here/versions.env"

cache="${CDK8S_STACKS_CACHE:-$repo/.cache}/lint"
mkdir -p "$cache"

log() { printf 'lint/install: %s\n' "$*" >&2; }

# One installer at a time (the lint script and the tests may start it concurrently).
exec 9>"$cache/.install.lock"
flock 9

install_kube_score() {
  local dir="$cache/kube-score-$KUBE_SCORE_VERSION"
  if [[ -x "$dir/kube-score" && -f "$dir/.complete" ]]; then
    return 0
  fi
  command -v go >/dev/null || { log "go is required to install kube-score"; return 1; }
  log "installing kube-score $KUBE_SCORE_VERSION (go install $KUBE_SCORE_MODULE/cmd/kube-score)"
  local started=$SECONDS tmp
  rm -rf "$dir"
  tmp="$(mktemp -d "$cache/.kube-score.XXXXXX")"
  # GOTOOLCHAIN=local: build with the installed Go, never fetch another toolchain.
  if ! GOBIN="$tmp" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
    go install -trimpath \
      -ldflags "-s -w -X main.version=$KUBE_SCORE_VERSION -X main.commit=module-proxy" \
      "$KUBE_SCORE_MODULE/cmd/kube-score@$KUBE_SCORE_VERSION"; then
    rm -rf "$tmp"
    log "go install of kube-score failed"
    return 1
  fi
  touch "$tmp/.complete"
  mv "$tmp" "$dir"
  log "kube-score installed in $((SECONDS - started))s"
}

install_checkov() {
  local dir="$cache/checkov-$CHECKOV_VERSION"
  if [[ -x "$dir/bin/checkov" && -f "$dir/.complete" ]]; then
    return 0
  fi
  local python="${PYTHON:-python3}"
  command -v "$python" >/dev/null || { log "$python is required to install checkov"; return 1; }
  log "installing checkov $CHECKOV_VERSION (pip, pinned by checkov-constraints.txt)"
  local started=$SECONDS
  # A venv records its own absolute path, so it is built in place; .complete marks success.
  rm -rf "$dir"
  if ! "$python" -m venv "$dir" ||
    ! "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
      -c "$here/checkov-constraints.txt" "checkov==$CHECKOV_VERSION"; then
    rm -rf "$dir"
    log "pip install of checkov failed"
    return 1
  fi
  touch "$dir/.complete"
  log "checkov installed in $((SECONDS - started))s"
}

install_kube_score
install_checkov
printf 'kube-score %s\n' "$cache/kube-score-$KUBE_SCORE_VERSION"
printf 'checkov %s\n' "$cache/checkov-$CHECKOV_VERSION"
