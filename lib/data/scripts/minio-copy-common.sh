# The source: one alias per bucket, each with that bucket's own user (never the root keys).
: "${SOURCE_ENDPOINT:?}" "${BUCKETS:?}"
bucket_alias() {
  local i=0 name
  for name in $BUCKETS; do
    if [ "$name" = "$1" ]; then
      echo "src$i"
      return 0
    fi
    i=$((i + 1))
  done
  echo "bucket $1 is not one of the backed-up buckets ($BUCKETS)" >&2
  return 1
}
i=0
for bucket in $BUCKETS; do
  access="SOURCE_ACCESS_KEY_$i"
  secret="SOURCE_SECRET_KEY_$i"
  : "${!access:?}" "${!secret:?}"
  mc alias set "src$i" "$SOURCE_ENDPOINT" "${!access}" "${!secret}" --api S3v4 --path on > /dev/null
  i=$((i + 1))
done
# The copy: a directory of the backup volume, or a prefix of a bucket (AWS S3 unless S3_ENDPOINT is set).
if [ -n "${BACKUP_ROOT:-}" ]; then
  copy_root="$BACKUP_ROOT"
  where="$BACKUP_ROOT"
else
  : "${S3_BUCKET:?}" "${S3_PREFIX:?}" "${AWS_ACCESS_KEY_ID:?}" "${AWS_SECRET_ACCESS_KEY:?}" "${AWS_REGION:?}"
  endpoint="${S3_ENDPOINT:-https://s3.$AWS_REGION.amazonaws.com}"
  mc alias set target "$endpoint" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" --api S3v4 > /dev/null
  copy_root="target/$S3_BUCKET/$S3_PREFIX"
  where="s3://$S3_BUCKET/$S3_PREFIX on $endpoint"
fi
# sha256 of an object (alias path or file), read whole; fails when the object cannot be read.
object_sum() {
  local sum
  sum="$(mc cat "$1" | sha256sum)"
  echo "${sum%% *}"
}
# Every object key of a bucket (or copy), one per line, relative to it, sorted.
list_keys() {
  local prefix="$1" path
  mc find "$prefix" | while IFS= read -r path; do
    echo "${path#"$prefix"/}"
  done | LC_ALL=C sort
}
scratch="$(mktemp -d /tmp/bucket-copy.XXXXXX)"
trap 'rm -rf -- "$scratch"' EXIT
