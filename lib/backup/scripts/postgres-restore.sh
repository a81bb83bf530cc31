# Each database is dropped (disconnecting its clients) and recreated from the dump with
# its original owner and privileges. Roles already exist on a running server; globals.sql
# is for a rebuild on an empty one (psql -f globals.sql, by hand).
for db in $BACKUP_DATABASES; do
  dropdb --if-exists --force --maintenance-db=postgres "$db"
  pg_restore --create --exit-on-error --dbname=postgres "$dir/$db.dump"
done
