#!/usr/bin/env bash
# Installs the S3 tools the real-S3 backup suite (test/integration/engines/backup-s3.test.ts)
# runs, into ${CDK8S_STACKS_CACHE:-<repo>/.cache}:
#
#   minio:  <cache>/minio/<version>/bin/minio    `go install` from the Go module proxy
#   mc:     <cache>/mc/<version>/bin/mc          `go install` (the bucket Job's client)
#   awscli: <cache>/awscli/<version>/bin/aws     a Python venv, `pip install awscli==<version>`
#           (the v1 CLI speaks the same `aws s3 cp/ls/rm` as the amazon/aws-cli image the
#           backup CronJob's upload container runs)
#
# A tool already installed (marked by .complete) is skipped, so warm runs return at once.
# Environment: CDK8S_STACKS_CACHE (cache root), PYTHON (interpreter for the venv; default
# /usr/bin/python3 when it can build venvs, else python3 from PATH). The suite runs `aws` as
# the store's non-root user, so the venv's interpreter must live outside any private home
# directory: a pyenv or user-local Python under /root (mode 0700) cannot be run by it.
set -euo pipefail

# Pinned versions: the only place they are written (the suite reads the same values from
# the directory names below, see backup-s3.test.ts).
MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
# The newest mc the proxy serves (2025-03-13), a month before the pinned image's release.
MC_MODULE=github.com/minio/mc
MC_VERSION=v0.0.0-20250313080218-cf909e1063a9
AWSCLI_VERSION=1.46.2

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${CDK8S_STACKS_CACHE:-$repo/.cache}"
mkdir -p "$cache"

log() { printf 'backup/install-s3-tools: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# One installer at a time (the engines script and a developer may start it concurrently).
exec 9>"$cache/.install-s3-tools.lock"
flock 9

# go_tool <name> <module> <version>: go install into <cache>/<name>/<version>/bin, once.
go_tool() {
  local name="$1" module="$2" version="$3"
  local dir="$cache/$name/$version"
  if [[ -x "$dir/bin/$name" && -f "$dir/.complete" ]]; then
    log "$name $version: cached in $dir/bin"
    return 0
  fi
  command -v go >/dev/null || die "Go is required to build $name (https://go.dev/dl, or apt-get install golang-go)"
  log "$name $version: building (go install $module@$version; takes minutes)"
  local started=$SECONDS
  rm -rf "$dir"
  mkdir -p "$dir"
  # GOTOOLCHAIN=local: build with the installed Go, never fetch another toolchain.
  if ! GOBIN="$dir/bin" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
    go install -trimpath -ldflags "-s -w" "$module@$version"; then
    rm -rf "$dir"
    die "go install of $module@$version failed"
  fi
  [[ -x "$dir/bin/$name" ]] || die "go install succeeded but $dir/bin/$name is missing"
  touch "$dir/.complete"
  log "$name $version: built in $((SECONDS - started)) s"
}

install_awscli() {
  local dir="$cache/awscli/$AWSCLI_VERSION"
  if [[ -x "$dir/bin/aws" && -f "$dir/.complete" ]]; then
    log "awscli $AWSCLI_VERSION: cached in $dir/bin"
    return 0
  fi
  local python="${PYTHON:-}"
  if [[ -z "$python" ]]; then
    if [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null; then
      python=/usr/bin/python3
    else
      python=python3
    fi
  fi
  command -v "$python" >/dev/null || die "$python is required to install the AWS CLI"
  log "awscli $AWSCLI_VERSION: installing ($python -m venv; pip install awscli==$AWSCLI_VERSION)"
  local started=$SECONDS
  # A venv records its own absolute path, so it is built in place; .complete marks success.
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  if ! "$python" -m venv "$dir" ||
    ! "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
      "awscli==$AWSCLI_VERSION"; then
    rm -rf "$dir"
    die "pip install of awscli==$AWSCLI_VERSION failed"
  fi
  "$dir/bin/aws" --version >/dev/null 2>&1 || { rm -rf "$dir"; die "the installed aws does not run"; }
  touch "$dir/.complete"
  log "awscli $AWSCLI_VERSION: installed in $((SECONDS - started)) s"
}

go_tool minio "$MINIO_MODULE" "$MINIO_VERSION"
go_tool mc "$MC_MODULE" "$MC_VERSION"
install_awscli
printf 'minio %s\n' "$cache/minio/$MINIO_VERSION/bin/minio"
printf 'mc %s\n' "$cache/mc/$MC_VERSION/bin/mc"
printf 'aws %s\n' "$cache/awscli/$AWSCLI_VERSION/bin/aws"
