#!/usr/bin/env bash
# Installs barman-cloud (barman[cloud] from PyPI) into a venv under the build cache, for the
# point-in-time recovery suite (test/integration/engines/pitr.test.ts):
#
#   <cache>/barman-cloud/<BARMAN_VERSION>/bin/barman-cloud-{wal-archive,backup,restore,wal-restore}
#
# The versions follow the Barman Cloud plugin v0.15.0's sidecar image
# (containers/sidecar-requirements.txt of github.com/cloudnative-pg/plugin-barman-cloud),
# the sidecar that archives WAL for the CloudNativePG clusters the library renders: boto3,
# botocore, s3transfer and psycopg2 are its versions. Barman itself is 3.19.1, not the
# sidecar's 3.20.0: 3.20 requires Python 3.12 and Debian 12 ships 3.11; 3.19.1 is the last
# release for it, with the same barman-cloud command line and bucket layout
# (<destination>/<server>/base and /wals, gzip-compressed segments). psycopg2 is built from
# source (Debian's gcc, python3-dev and libpq-dev are needed).
#
# A venv already installed (marked by .complete) is skipped. Environment: CDK8S_STACKS_CACHE
# (cache root), PYTHON (interpreter; default /usr/bin/python3 when it can build venvs). The
# suite runs the tools as the PostgreSQL server's non-root user, so the interpreter must
# live outside any private home directory.
set -euo pipefail

# Pinned versions: the only place they are written (the suite reads BARMAN_VERSION from here).
BARMAN_VERSION=3.19.1
REQUIREMENTS=(
  "barman[cloud]==$BARMAN_VERSION"
  boto3==1.43.81
  botocore==1.43.81
  s3transfer==0.19.2
  psycopg2==2.9.12
  python-dateutil==2.9.0.post0
  jmespath==1.1.0
  urllib3==2.7.0
  six==1.17.0
)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${CDK8S_STACKS_CACHE:-$repo/.cache}"
dir="$cache/barman-cloud/$BARMAN_VERSION"

log() { printf 'engines/install-barman-cloud: %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

mkdir -p "$cache"
exec 9> "$cache/.install-barman-cloud.lock"
flock 9

if [[ -x "$dir/bin/barman-cloud-wal-archive" && -f "$dir/.complete" ]]; then
  log "barman-cloud $BARMAN_VERSION: cached in $dir/bin"
  exit 0
fi

python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import venv, ensurepip' 2> /dev/null; then
    python=/usr/bin/python3
  else
    python=python3
  fi
fi
command -v "$python" > /dev/null || die "$python is required (apt-get install python3-venv)"
command -v pg_config > /dev/null || die "pg_config is required to build psycopg2 (apt-get install libpq-dev python3-dev gcc)"

log "barman-cloud $BARMAN_VERSION: installing ($python -m venv; pip install ${REQUIREMENTS[*]})"
started=$SECONDS
rm -rf "$dir"
"$python" -m venv "$dir" || die "$python -m venv $dir failed"
if ! "$dir/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir "${REQUIREMENTS[@]}"; then
  rm -rf "$dir"
  die "pip install failed"
fi
for tool in barman-cloud-wal-archive barman-cloud-backup barman-cloud-restore barman-cloud-wal-restore barman-cloud-backup-list; do
  [[ -x "$dir/bin/$tool" ]] || die "$dir/bin/$tool is missing after the install"
done
# Readable and runnable by the non-root server user.
chmod -R a+rX "$dir"
touch "$dir/.complete"
log "barman-cloud $BARMAN_VERSION: installed in $((SECONDS - started)) s"
