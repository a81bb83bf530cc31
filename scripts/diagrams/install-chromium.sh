#!/usr/bin/env bash
# Debian's Chromium for mermaid-cli (puppeteer is installed without its own browser download:
# see .npmrc). Installed here when running as root and missing; otherwise the script stops
# and prints the exact command to run. Prints the browser's path on stdout.
set -euo pipefail

find_chromium() {
  for candidate in "${PUPPETEER_EXECUTABLE_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if browser=$(find_chromium); then
  echo "$browser"
  exit 0
fi

command_line='apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium'
if [ "$(id -u)" != 0 ]; then
  echo "diagrams: Chromium is missing (mermaid-cli renders with it)." >&2
  echo "diagrams: install it as root, then run this again:" >&2
  echo "  sudo sh -c '$command_line'" >&2
  exit 1
fi
echo "diagrams: installing chromium from Debian" >&2
started=$(date +%s)
log=$(mktemp /tmp/diagrams-apt.XXXXXX.log)
{
  # Another apt run on the machine holds the lock for a while: wait for it instead of failing.
  apt-get -o DPkg::Lock::Timeout=900 update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends chromium
} > "$log" 2>&1 || {
  tail -n 40 "$log" >&2
  echo "diagrams: apt-get install chromium failed (full log: $log)" >&2
  exit 1
}
echo "diagrams: apt-get update + install took $(($(date +%s) - started)) s" >&2
if ! browser=$(find_chromium); then
  echo "diagrams: chromium was installed but no /usr/bin/chromium was found" >&2
  exit 1
fi
echo "$browser"
