#!/usr/bin/env bash
set -euo pipefail
shopt -s nullglob
umask 077
# {{STORE_NAME}}: downloads one backup from s3://$S3_BUCKET/$S3_PREFIX/ into $BACKUP_ROOT.
: "${BACKUP_ROOT:?}" "${S3_BUCKET:?}" "${S3_PREFIX:?}"
: "${BACKUP_ID:?set BACKUP_ID to the name of a backup (e.g. 20261125T020000Z), to latest, or to list}"
{{S3}}
{{CHOOSE_BACKUP}}
s3 cp --recursive --only-show-errors "$remote/$id/" "$BACKUP_ROOT/$id/"
(cd "$BACKUP_ROOT/$id" && sha256sum --check --strict --quiet SHA256SUMS)
echo "download $id: checksums match"
