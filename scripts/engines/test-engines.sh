#!/usr/bin/env bash
# Real-engines integration suite (verification layer 6 of shared/DESIGN.md):
# the configuration files and init scripts the data-store constructs generate are run
# against real PostgreSQL, MariaDB (the MySQL stand-in Debian ships), Redis and Memcached servers,
# started on 127.0.0.1 as non-root users, and a workload's exact connection environment
# is used to write and read as the application user.
#
#   bash scripts/engines/test-engines.sh              install what is missing, then run the suite
#   bash scripts/engines/test-engines.sh --install-only
#   bash scripts/engines/test-engines.sh -t Redis     extra arguments go to jest
#
# Servers come from Debian (apt-get): installed here when running as root and missing;
# otherwise the script stops and prints the exact command to run. Package installs do not
# start system services (a policy-rc.d is put in place for the install when none exists).
# MinIO and the AWS CLI (the S3 backup target) come from scripts/backup/install-s3-tools.sh,
# barman-cloud (the point-in-time recovery proof) from scripts/engines/install-barman-cloud.sh.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

install_only=false
if [ "${1:-}" = '--install-only' ]; then
  install_only=true
  shift
fi

# package -> a program it provides (what the suite runs)
declare -A PROVIDES=(
  [postgresql]='pg_ctl initdb postgres psql pg_isready'
  [mariadb-server]='mariadbd mariadb-install-db'
  [mariadb-client]='mysql mysqladmin'
  [redis-server]='redis-server'
  [redis-tools]='redis-cli'
  [nginx-light]='nginx'
  [memcached]='memcached'
  [openssl]='openssl'
  [redis-sentinel]='redis-sentinel'
  [haproxy]='haproxy'
)
# nginx: the ObjectStoreGateway's configuration runs on it (bucket-backup.test.ts); openssl
# makes the certificates of the TLS tests (tls-postgres.test.ts, tls-mysql.test.ts).
# redis-sentinel and haproxy: the Redis replica group (redis-sentinel.test.ts); the Sentinels
# run as `redis-server --sentinel`, the package is what Debian ships them in.
PACKAGES=(postgresql mariadb-server mariadb-client redis-server redis-tools redis-sentinel haproxy nginx-light memcached openssl)

have_program() {
  local p="$1"
  command -v "$p" > /dev/null 2>&1 && return 0
  # Debian keeps the PostgreSQL server programs out of PATH, in /usr/lib/postgresql/<major>/bin.
  compgen -G "/usr/lib/postgresql/*/bin/$p" > /dev/null && return 0
  [ -x "/usr/sbin/$p" ] && return 0
  return 1
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  for program in ${PROVIDES[$pkg]}; do
    if ! have_program "$program"; then
      missing+=("$pkg")
      break
    fi
  done
done

if [ "${#missing[@]}" -gt 0 ]; then
  command_line="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "test-engines: missing Debian packages: ${missing[*]}" >&2
    echo "test-engines: install them as root, then run this script again:" >&2
    echo "  sudo sh -c '$command_line'" >&2
    exit 1
  fi
  echo "test-engines: installing ${missing[*]}"
  # Keep the packages' maintainer scripts from starting system-wide servers (on 5432,
  # 3306, 6379): the suite starts its own on free ports. Only when no policy exists.
  policy=/usr/sbin/policy-rc.d
  created_policy=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from scripts/engines/test-engines.sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    created_policy=true
  fi
  cleanup_policy() { if [ "$created_policy" = true ]; then rm -f "$policy"; fi; }
  trap cleanup_policy EXIT
  started=$(date +%s.%N)
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /tmp/test-engines-apt.log 2>&1 || {
    tail -n 40 /tmp/test-engines-apt.log >&2
    echo "test-engines: apt-get install failed (full log: /tmp/test-engines-apt.log)" >&2
    exit 1
  }
  finished=$(date +%s.%N)
  cleanup_policy
  trap - EXIT
  printf 'test-engines: apt-get update + install took %.1f s\n' "$(echo "$finished - $started" | bc 2>/dev/null || awk "BEGIN { print $finished - $started }")"
else
  echo "test-engines: PostgreSQL, MariaDB, Redis and nginx are installed"
fi

# MinIO and the AWS CLI for backup-s3.test.ts (built once into the cache, skipped when there);
# the suite looks for them in the same cache directory.
bash scripts/backup/install-s3-tools.sh
# barman-cloud (PyPI, into a venv in the same cache) for the point-in-time recovery and backup-site proofs, pitr.test.ts and standby.test.ts.
bash scripts/engines/install-barman-cloud.sh
export CDK8S_STACKS_CACHE="${CDK8S_STACKS_CACHE:-$repo/.cache}"

if [ "$install_only" = true ]; then
  exit 0
fi

exec npx jest -c jest.integration.config.js test/integration/engines "$@"
