set -eu
# The keys stay in the environment (secretKeyRef) and in this pod only.
mc alias set store "$S3_ENDPOINT" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc ready store
{{BUCKETS}}
{{USERS}}
echo 'buckets ready'
