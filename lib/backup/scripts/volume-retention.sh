
{{LIST_BACKUPS}}
delete_backup() { rm -rf -- "${BACKUP_ROOT:?}/$1"; }
{{RETENTION}}
apply_retention
