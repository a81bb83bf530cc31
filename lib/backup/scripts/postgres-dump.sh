# Roles and tablespaces (for a rebuild on an empty server), then each database in the
# custom format: compressed, restorable table by table, readable by pg_restore --list.
pg_dumpall --globals-only --database=postgres --file="$work/globals.sql"
for db in $BACKUP_DATABASES; do
  pg_dump --format=custom --compress=6 --dbname="$db" --file="$work/$db.dump"
done
