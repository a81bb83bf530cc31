id="$BACKUP_ID"
# BACKUP_ID=list: {{LISTING}}.
if [ "$id" = "list" ]; then
  list_backups | sort
  exit 0
fi
if [ "$id" = "latest" ]; then
  id="$(list_backups | sort | tail -n 1)"
  [ -n "$id" ] || { echo "no backup {{WHERE}}" >&2; exit 1; }
fi
