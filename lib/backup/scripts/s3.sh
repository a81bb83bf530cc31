# An S3-compatible endpoint (MinIO) when S3_ENDPOINT is set, else AWS S3 in AWS_REGION.
s3() {
  if [ -n "${S3_ENDPOINT:-}" ]; then
    aws --endpoint-url "$S3_ENDPOINT" s3 "$@"
  else
    aws s3 "$@"
  fi
}
remote="s3://${S3_BUCKET}/${S3_PREFIX}"
list_backups() {
  local kind name
  while read -r kind name; do
    if [ "$kind" = "PRE" ] && [[ "${name%/}" == {{STAMP_PATTERN}} ]]; then echo "${name%/}"; fi
  done < <(s3 ls "$remote/")
}
