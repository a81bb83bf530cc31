#!/usr/bin/env bash
set -euo pipefail
umask 077
# {{STORE_NAME}}: copies the buckets in $BUCKETS to {{DESTINATION}} with `mc mirror`, then checks
# every object of the copy against the bucket (sha256 of both) and writes <bucket>.SHA256SUMS
# next to the copy: the bucket as it was at this run, what the restore Job puts back.
# An object deleted from the bucket stays in the copy (a mistaken delete can be undone);
# an overwritten one is overwritten in the copy too (keep versioning on the target for that).
{{COMMON}}
started="$(date -u +%Y%m%dT%H%M%SZ)"
for bucket in $BUCKETS; do
  src="$(bucket_alias "$bucket")/$bucket"
  copy="$copy_root/$bucket"
  echo "mirror $bucket: copying to $where/$bucket"
  mc mirror --overwrite --quiet "$src" "$copy" > /dev/null
  # Check the copy object by object. An object written to the bucket during the run is
  # copied again once; a second difference fails the run.
  manifest="$scratch/$bucket.SHA256SUMS"
  : > "$manifest"
  count=0
  while IFS= read -r key; do
    [ -n "$key" ] || continue
    # An object deleted from the bucket after the listing is not part of this run.
    if ! source_sum="$(object_sum "$src/$key" 2> /dev/null)"; then
      if mc stat "$src/$key" > /dev/null 2>&1; then
        echo "mirror $bucket: '$key' cannot be read" >&2
        exit 1
      fi
      echo "mirror $bucket: '$key' was deleted during the run; not listed"
      continue
    fi
    copy_sum="$(object_sum "$copy/$key")"
    if [ "$source_sum" != "$copy_sum" ]; then
      mc cp --quiet "$src/$key" "$copy/$key" > /dev/null
      source_sum="$(object_sum "$src/$key")"
      copy_sum="$(object_sum "$copy/$key")"
      [ "$source_sum" = "$copy_sum" ] || { echo "mirror $bucket: '$key' differs in the copy (sha256 $copy_sum, bucket $source_sum)" >&2; exit 1; }
    fi
    printf '%s  %s\n' "$copy_sum" "$key" >> "$manifest"
    count=$((count + 1))
  done < <(list_keys "$src")
  mc cp --quiet "$manifest" "$copy_root/$bucket.SHA256SUMS" > /dev/null
  # The checksum file is read back: what the restore Job will trust is what was written.
  [ "$(object_sum "$copy_root/$bucket.SHA256SUMS")" = "$(object_sum "$manifest")" ] || { echo "mirror $bucket: SHA256SUMS differs after upload" >&2; exit 1; }
  echo "mirror $bucket: $count objects verified (sha256), run $started"
done
