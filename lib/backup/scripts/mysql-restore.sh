for db in $BACKUP_DATABASES; do
  gzip -dc "$dir/$db.sql.gz" | mysql_client mysql
done
