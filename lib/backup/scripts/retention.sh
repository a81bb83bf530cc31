apply_retention() {
  local cutoff name kept=0
  cutoff="$(date -u -d "@$(( $(date +%s) - KEEP_DAYS * 86400 ))" +%Y%m%dT%H%M%SZ)"
  while IFS= read -r name; do
    [ -n "$name" ] || continue
    if [ "$kept" -ge "$KEEP_COUNT" ] || { [ "$kept" -gt 0 ] && [[ "$name" < "$cutoff" ]]; }; then
      delete_backup "$name"
      echo "retention: removed $name"
    else
      kept=$((kept + 1))
    fi
  done < <(list_backups | sort -r)
  echo "retention: $kept kept (at most $KEEP_COUNT, none older than $KEEP_DAYS days but the newest)"
}
