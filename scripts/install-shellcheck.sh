#!/usr/bin/env bash
# npm test runs shellcheck on every shell script the library generates; this provides it the
# way the other suites provide their system packages: apt as root, or the exact command to run.
set -euo pipefail
if ! command -v shellcheck > /dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "shellcheck is missing; install it as root: apt-get update && apt-get install -y shellcheck" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck > /dev/null
fi
shellcheck --version | sed -n 2p
