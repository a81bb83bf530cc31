#!/usr/bin/env bash
set -euo pipefail
shopt -s nullglob
umask 077
# {{STORE_NAME}}: copies the backup in $BACKUP_ROOT to s3://$S3_BUCKET/$S3_PREFIX/ and applies retention there.
: "${BACKUP_ROOT:?}" "${S3_BUCKET:?}" "${S3_PREFIX:?}" "${KEEP_COUNT:?}" "${KEEP_DAYS:?}"
{{S3}}
backups=("$BACKUP_ROOT"/{{STAMP_PATTERN}}/)
[ "${#backups[@]}" -eq 1 ] || { echo "expected one finished backup in $BACKUP_ROOT, found ${#backups[@]}" >&2; exit 1; }
source_dir="${backups[0]%/}"
id="${source_dir##*/}"
(cd "$source_dir" && sha256sum --check --strict --quiet SHA256SUMS)
# A backup is never overwritten: a run started by hand in the same second as another fails.
if s3 ls "$remote/$id/" > /dev/null 2>&1; then
  echo "a backup named $id already exists under $remote/" >&2
  exit 1
fi
s3 cp --recursive --only-show-errors "$source_dir/" "$remote/$id/"
# The copy is checked: the remote checksum file is the local one, and every file is there.
check="$(mktemp -d /tmp/check.XXXXXX)"
s3 cp --only-show-errors "$remote/$id/SHA256SUMS" "$check/SHA256SUMS"
cmp -s "$check/SHA256SUMS" "$source_dir/SHA256SUMS" || { echo "uploaded SHA256SUMS differs" >&2; exit 1; }
rm -rf -- "$check"
local_count="$(find "$source_dir" -type f | wc -l)"
remote_count="$(s3 ls "$remote/$id/" | wc -l)"
[ "$local_count" -eq "$remote_count" ] || { echo "uploaded $remote_count of $local_count files" >&2; exit 1; }
echo "upload $id: $local_count files in $remote/$id/"
delete_backup() { s3 rm --recursive --only-show-errors "$remote/$1/"; }
{{RETENTION}}
apply_retention
