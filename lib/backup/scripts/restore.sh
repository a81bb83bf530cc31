#!/usr/bin/env bash
set -euo pipefail
shopt -s nullglob
umask 077
# {{STORE_NAME}}: restores one {{ENGINE}} backup from $BACKUP_ROOT. {{SEMANTICS_SENTENCE}}.
: "${BACKUP_ROOT:?}" "${STORE_HOST:?}" "${STORE_PORT:?}" "${STORE_PASSWORD:?}"
: "${BACKUP_ID:?set BACKUP_ID to the name of a backup (e.g. 20261125T020000Z), to latest, or to list}"
{{LIST_BACKUPS}}
{{CHOOSE_BACKUP}}
dir="$BACKUP_ROOT/$id"
[ -f "$dir/SHA256SUMS" ] || { echo "backup $id not found in $BACKUP_ROOT (or incomplete: no SHA256SUMS)" >&2; exit 1; }
echo "restore $id: checking checksums"
(cd "$dir" && sha256sum --check --strict --quiet SHA256SUMS)
{{CREDENTIALS}}
{{VERIFY}}
echo "restore $id: restoring into $STORE_HOST:$STORE_PORT ({{SEMANTICS}})"
{{RESTORE}}
echo "restore $id: done"
