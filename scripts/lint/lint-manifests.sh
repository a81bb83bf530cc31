#!/usr/bin/env bash
# npm run lint:manifests: installs the pinned linters if needed (install.sh), then lints
# every object in ${DIST_DIR:-<repo>/dist}/<env>/<system>/ with kube-score and checkov.
# Arguments are passed to lint-manifests.mjs (--dist DIR, --json FILE).
# Exit status: 0 clean, 1 some object failed (or a linter could not run), 2 nothing to lint.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

tools="$(bash "$here/install.sh")"
kube_score_dir="$(awk '$1 == "kube-score" { print $2 }' <<<"$tools")"
checkov_dir="$(awk '$1 == "checkov" { print $2 }' <<<"$tools")"

export KUBE_SCORE_BIN="${KUBE_SCORE_BIN:-$kube_score_dir/kube-score}"
export CHECKOV_BIN="${CHECKOV_BIN:-$checkov_dir/bin/checkov}"

exec node "$here/lint-manifests.mjs" "$@"
