for db in $BACKUP_DATABASES; do
  gzip -t "$dir/$db.sql.gz"
  # mysqldump writes this line last, only when the dump finished.
  gzip -dc "$dir/$db.sql.gz" | tail -n 1 | grep -q "^-- Dump completed"
done
