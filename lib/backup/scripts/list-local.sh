list_backups() {
  local path
  for path in "$BACKUP_ROOT"/{{STAMP_PATTERN}}/; do
    path="${path%/}"
    echo "${path##*/}"
  done
}
