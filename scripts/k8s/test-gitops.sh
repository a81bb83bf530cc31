#!/usr/bin/env bash
# The GitOps suite: Argo CD syncs dist/ onto a blank simulated cluster, per environment
# (test/integration/gitops). Installs what it needs from Debian when run as root (etcd,
# redis-server, git), builds (or reuses) the newest control plane with kube-scheduler, the
# controllers, kwok, kustomize and Argo CD, then runs the suite. Fails loudly, never skips.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

missing=()
command -v etcd >/dev/null || missing+=(etcd-server)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v git >/dev/null || missing+=(git)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "test-gitops: missing ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
# Debian starts the packaged etcd and redis as services; the suite runs its own on free ports.
command -v openssl >/dev/null || { echo "test-gitops: openssl is missing; run: sudo apt-get install -y openssl" >&2; exit 1; }
command -v curl >/dev/null || { echo "test-gitops: curl is missing; run: sudo apt-get install -y curl" >&2; exit 1; }

# shellcheck disable=SC1091 # plain KEY=VALUE lines
. scripts/k8s/versions.env
bash scripts/k8s/build.sh "${K8S_VERSIONS##* }"
bash scripts/k8s/build-controllers.sh
bash scripts/k8s/build-gitops.sh
exec npx jest -c jest.integration.config.js test/integration/gitops
