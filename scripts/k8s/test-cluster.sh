#!/usr/bin/env bash
# The cluster suite: builds (or reuses) the pinned Kubernetes releases and the controllers
# (prometheus-operator, external-secrets), makes sure etcd is installed, then applies every
# dist folder to a real control plane per release and runs the controllers against the newest.
# Fails loudly, never skips, when something it needs cannot be had.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

if ! command -v etcd >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
  else
    echo "test-cluster: etcd is missing; run: sudo apt-get install -y etcd-server" >&2
    exit 1
  fi
fi
# Debian starts the packaged etcd as a service; the suite runs its own on free ports.
command -v openssl >/dev/null || { echo "test-cluster: openssl is missing; run: sudo apt-get install -y openssl" >&2; exit 1; }
command -v curl >/dev/null || { echo "test-cluster: curl is missing; run: sudo apt-get install -y curl" >&2; exit 1; }

bash scripts/k8s/build.sh
bash scripts/k8s/build-controllers.sh
exec npx jest -c jest.integration.config.js test/integration/cluster
