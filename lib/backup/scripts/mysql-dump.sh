# One consistent snapshot per database (InnoDB, no locks held), with routines, triggers
# and events; --add-drop-database makes a restore replace the database exactly.
for db in $BACKUP_DATABASES; do
  mysql_client mysqldump --single-transaction --routines --triggers --events --add-drop-database --databases "$db" | gzip -6 > "$work/$db.sql.gz"
done
