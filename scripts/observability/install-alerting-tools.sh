#!/usr/bin/env bash
# Makes sure the alerting suite's programs are installed, from Debian: `amtool` and
# `alertmanager` (package prometheus-alertmanager, 0.25 in bookworm) and `prometheus`
# (package prometheus, 2.42 in bookworm). Installed here when running as root and missing;
# otherwise the script stops and prints the exact command. Package installs do not start the
# system services (a policy-rc.d is put in place for the install when none exists): the suite
# starts its own servers on 127.0.0.1.
#
# Why Debian's builds and not the module proxy: both install in seconds, where building
# prometheus and alertmanager from source costs minutes of a cold CI run; the configuration
# and rule features the suite uses (matchers, inhibit_rules source/target matchers, webhook
# receivers, the v2 alert API) are all older than these releases.
#
# Prints, one a line, the paths of amtool, alertmanager and prometheus.
set -euo pipefail

PACKAGES=(prometheus-alertmanager prometheus)
PROGRAMS=(amtool alertmanager prometheus)

find_program() {
  command -v "$1" 2> /dev/null || { [ -x "/usr/bin/prometheus-$1" ] && echo "/usr/bin/prometheus-$1"; } || true
}

missing=false
for p in "${PROGRAMS[@]}"; do [ -n "$(find_program "$p")" ] || missing=true; done

if [ "$missing" = true ]; then
  command_line="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${PACKAGES[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "install-alerting-tools: missing Debian packages (${PACKAGES[*]}); install them as root:" >&2
    echo "  sudo sh -c '$command_line'" >&2
    exit 1
  fi
  echo "install-alerting-tools: installing ${PACKAGES[*]}" >&2
  policy=/usr/sbin/policy-rc.d
  created_policy=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from scripts/observability/install-alerting-tools.sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    created_policy=true
  fi
  cleanup_policy() { if [ "$created_policy" = true ]; then rm -f "$policy"; fi; }
  trap cleanup_policy EXIT
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" > /dev/null
fi

for p in "${PROGRAMS[@]}"; do
  path=$(find_program "$p")
  [ -n "$path" ] || { echo "install-alerting-tools: $p is still missing after the install" >&2; exit 1; }
  echo "$path"
done
