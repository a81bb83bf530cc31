#!/usr/bin/env bash
set -euo pipefail
umask 077
# {{STORE_NAME}}: puts back the objects of the buckets in RESTORE_BUCKETS (default: all of
# BUCKETS) from their copy in
# {{DESTINATION}}: every object <bucket>.SHA256SUMS lists (the bucket at the last backup run),
# overwriting objects of the same name; objects the bucket has that the backup does not list
# are left alone. The copy is checked against the checksums before anything is written.
{{COMMON}}
for bucket in ${RESTORE_BUCKETS:-$BUCKETS}; do
  dest="$(bucket_alias "$bucket")/$bucket"
  copy="$copy_root/$bucket"
  manifest="$scratch/$bucket.SHA256SUMS"
  mc cat "$copy_root/$bucket.SHA256SUMS" > "$manifest" || { echo "restore $bucket: no SHA256SUMS in $where (no finished backup run)" >&2; exit 1; }
  echo "restore $bucket: checking the copy in $where/$bucket"
  count=0
  while IFS= read -r line; do
    sum="${line%%  *}"
    key="${line#*  }"
    [ "$(object_sum "$copy/$key")" = "$sum" ] || { echo "restore $bucket: '$key' in the copy does not match SHA256SUMS; nothing restored" >&2; exit 1; }
    count=$((count + 1))
  done < "$manifest"
  echo "restore $bucket: restoring $count objects into $bucket"
  while IFS= read -r line; do
    key="${line#*  }"
    mc cp --quiet "$copy/$key" "$dest/$key" > /dev/null
  done < "$manifest"
  while IFS= read -r line; do
    sum="${line%%  *}"
    key="${line#*  }"
    [ "$(object_sum "$dest/$key")" = "$sum" ] || { echo "restore $bucket: '$key' differs after the restore" >&2; exit 1; }
  done < "$manifest"
  echo "restore $bucket: $count objects restored and verified (sha256)"
done
