grep -q "PostgreSQL database cluster dump" "$dir/globals.sql"
# The table of contents is at the start of the file: only reading every entry to the end
# (into SQL that is discarded) shows that the data is complete.
for db in $BACKUP_DATABASES; do
  pg_restore --list "$dir/$db.dump" > /dev/null
  pg_restore --file=/dev/null "$dir/$db.dump"
done
