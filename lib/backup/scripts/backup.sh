#!/usr/bin/env bash
set -euo pipefail
shopt -s nullglob
umask 077
# {{STORE_NAME}}: {{ENGINE}} backup into $BACKUP_ROOT ({{DESTINATION}}).
: "${BACKUP_ROOT:?}" "${STORE_HOST:?}" "${STORE_PORT:?}" "${STORE_PASSWORD:?}"
{{REQUIRE_RETENTION}}
{{CREDENTIALS}}

# Runs that failed half way leave a .partial directory: never a backup, removed.
rm -rf -- "${BACKUP_ROOT:?}"/.partial-*
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
while [ -e "$BACKUP_ROOT/$stamp" ]; do
  sleep 1
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
done
work="$BACKUP_ROOT/.partial-$stamp"
mkdir -p "$work"
echo "backup $stamp: dumping"
{{DUMP}}

# Read the dump back with the engine's own tools before calling it a backup.
dir="$work"
{{VERIFY}}
(cd "$work" && sha256sum -- * > SHA256SUMS)
mv -- "$work" "$BACKUP_ROOT/$stamp"
echo "backup $stamp: verified, $(du -sh "$BACKUP_ROOT/$stamp" | cut -f1)"
{{VOLUME_RETENTION}}
