import type { BackupEngine } from './backupable';

/**
 * The engine-specific steps of backup, verification and restore, as bash fragments.
 *
 * They run in the engine's own image (its dump and restore tools match the server's
 * version) with these variables set by the pod:
 *   STORE_HOST, STORE_PORT   where the store listens (the client Service)
 *   STORE_MEMBERS            host:port of every member (MongoDB replica sets)
 *   STORE_USER, STORE_PASSWORD  the administrative account (secretKeyRef)
 *   BACKUP_DATABASES         space-separated databases (PostgreSQL, MySQL)
 *   MONGO_REPLICA_SET        the replica set name (MongoDB)
 * and `$work` (dump) or `$dir` (verify, restore) naming the backup directory. Passwords
 * never reach a command line: libpq reads PGPASSWORD, the
 * MongoDB tools read a 0600 file in /tmp, the MySQL clients MYSQL_PWD, redis-cli REDISCLI_AUTH.
 */
export interface EngineCommands {
  /** Sets up client credentials (run once, before any other fragment). */
  readonly credentials: string;
  /** Writes the dump into "$work". */
  readonly dump: string;
  /** Fails when a dump in "$dir" is not readable by the engine's own tools. */
  readonly verify: string;
  /** Restores "$dir" into the running store, replacing what it holds. */
  readonly restore: string;
  /** What a restore replaces, for the runbook. */
  readonly restoreSemantics: string;
}

const POSTGRES: EngineCommands = {
  credentials: ['export PGHOST="$STORE_HOST" PGPORT="$STORE_PORT" PGUSER="$STORE_USER" PGPASSWORD="$STORE_PASSWORD" PGCONNECT_TIMEOUT=10'].join('\n'),
  dump: [
    '# Roles and tablespaces (for a rebuild on an empty server), then each database in the',
    '# custom format: compressed, restorable table by table, readable by pg_restore --list.',
    'pg_dumpall --globals-only --database=postgres --file="$work/globals.sql"',
    'for db in $BACKUP_DATABASES; do',
    '  pg_dump --format=custom --compress=6 --dbname="$db" --file="$work/$db.dump"',
    'done',
  ].join('\n'),
  verify: [
    'grep -q "PostgreSQL database cluster dump" "$dir/globals.sql"',
    '# The table of contents is at the start of the file: only reading every entry to the end',
    '# (into SQL that is discarded) shows that the data is complete.',
    'for db in $BACKUP_DATABASES; do',
    '  pg_restore --list "$dir/$db.dump" > /dev/null',
    '  pg_restore --file=/dev/null "$dir/$db.dump"',
    'done',
  ].join('\n'),
  restore: [
    '# Each database is dropped (disconnecting its clients) and recreated from the dump with',
    '# its original owner and privileges. Roles already exist on a running server; globals.sql',
    '# is for a rebuild on an empty one (psql -f globals.sql, by hand).',
    'for db in $BACKUP_DATABASES; do',
    '  dropdb --if-exists --force --maintenance-db=postgres "$db"',
    '  pg_restore --create --exit-on-error --dbname=postgres "$dir/$db.dump"',
    'done',
  ].join('\n'),
  restoreSemantics: 'each backed-up database is dropped (its connections closed) and recreated from the dump',
};

const MYSQL: EngineCommands = {
  credentials: [
    '# The clients read the password from MYSQL_PWD (MySQL 8.4 and MariaDB), never from their',
    '# command line; any character is safe there, unlike in an option file.',
    'export MYSQL_PWD="$STORE_PASSWORD"',
    'mysql_client() {',
    '  local program="$1"',
    '  shift',
    '  "$program" --host="$STORE_HOST" --port="$STORE_PORT" --user="$STORE_USER" --protocol=TCP "$@"',
    '}',
  ].join('\n'),
  dump: [
    '# One consistent snapshot per database (InnoDB, no locks held), with routines, triggers',
    '# and events; --add-drop-database makes a restore replace the database exactly.',
    'for db in $BACKUP_DATABASES; do',
    '  mysql_client mysqldump --single-transaction --routines --triggers --events --add-drop-database --databases "$db" | gzip -6 > "$work/$db.sql.gz"',
    'done',
  ].join('\n'),
  verify: [
    'for db in $BACKUP_DATABASES; do',
    '  gzip -t "$dir/$db.sql.gz"',
    '  # mysqldump writes this line last, only when the dump finished.',
    '  gzip -dc "$dir/$db.sql.gz" | tail -n 1 | grep -q "^-- Dump completed"',
    'done',
  ].join('\n'),
  restore: ['for db in $BACKUP_DATABASES; do', '  gzip -dc "$dir/$db.sql.gz" | mysql_client mysql', 'done'].join('\n'),
  restoreSemantics: 'each backed-up database is dropped and recreated from the dump',
};

/** The MIGRATE helper the Redis restore calls (a function, so the password appears once). */
const REDIS_MIGRATE_FUNCTION = [
  'migrate() {',
  '  local db="$1"',
  '  shift',
  '  local reply',
  '  reply="$(local_cli -n "$db" MIGRATE "$STORE_HOST" "$STORE_PORT" "" "$db" 60000 COPY REPLACE AUTH "$STORE_PASSWORD" KEYS "$@")"',
  '  [ "$reply" = "OK" ] || { echo "MIGRATE failed: $reply" >&2; exit 1; }',
  '}',
].join('\n');

const REDIS: EngineCommands = {
  credentials: [
    '# redis-cli reads the password from REDISCLI_AUTH; only commands to the store get it.',
    'store_cli() { REDISCLI_AUTH="$STORE_PASSWORD" redis-cli -h "$STORE_HOST" -p "$STORE_PORT" --no-auth-warning "$@"; }',
  ].join('\n'),
  dump: [
    '# A point-in-time RDB snapshot streamed by the server (the replication protocol): consistent',
    '# without touching the server\'s own files.',
    'store_cli --rdb "$work/dump.rdb"',
  ].join('\n'),
  verify: 'redis-check-rdb "$dir/dump.rdb"',
  restore: [
    '# Redis cannot load an RDB over the network: a private server in this pod loads the',
    '# snapshot, then every key (with its TTL) is copied into the store with MIGRATE.',
    REDIS_MIGRATE_FUNCTION,
    'scratch="$(mktemp -d /tmp/restore.XXXXXX)"',
    'cp "$dir/dump.rdb" "$scratch/dump.rdb"',
    'redis-server --port 0 --unixsocket "$scratch/redis.sock" --unixsocketperm 700 --dir "$scratch" --dbfilename dump.rdb --appendonly no --save "" --daemonize no > "$scratch/server.log" 2>&1 &',
    'loader=$!',
    'trap \'kill "$loader" 2> /dev/null\' EXIT',
    'local_cli() { env -u REDISCLI_AUTH redis-cli -s "$scratch/redis.sock" "$@"; }',
    'for _ in $(seq 1 60); do',
    '  if [ "$(local_cli ping 2> /dev/null)" = "PONG" ]; then break; fi',
    '  sleep 1',
    'done',
    '[ "$(local_cli ping)" = "PONG" ] || { cat "$scratch/server.log" >&2; echo "the snapshot did not load" >&2; exit 1; }',
    'expected=0',
    'dbs=()',
    'while IFS=: read -r name stats; do',
    '  dbs+=("${name#db}")',
    '  count="${stats%%,*}"',
    '  expected=$((expected + ${count#keys=}))',
    'done < <(local_cli info keyspace | tr -d "\\r" | grep "^db")',
    '[ "$(store_cli FLUSHALL SYNC)" = "OK" ] || { echo "FLUSHALL failed" >&2; exit 1; }',
    'total=0',
    'for db in "${dbs[@]}"; do',
    '  keys=()',
    '  while IFS= read -r key; do',
    '    keys+=("$key")',
    '    if [ "${#keys[@]}" -ge 100 ]; then',
    '      migrate "$db" "${keys[@]}"',
    '      total=$((total + ${#keys[@]}))',
    '      keys=()',
    '    fi',
    '  done < <(local_cli -n "$db" --scan)',
    '  if [ "${#keys[@]}" -gt 0 ]; then',
    '    migrate "$db" "${keys[@]}"',
    '    total=$((total + ${#keys[@]}))',
    '  fi',
    'done',
    '[ "$total" -eq "$expected" ] || { echo "copied $total keys of $expected" >&2; exit 1; }',
    'echo "restored $total keys"',
  ].join('\n'),
  restoreSemantics: 'the store is emptied (FLUSHALL) and every key of the snapshot is copied back with its TTL',
};



const MONGO: EngineCommands = {
  credentials: [
    '# The tools read the password from a 0600 config file, never from their command line.',
    'mongo_config="$(mktemp /tmp/mongo.XXXXXX.yaml)"',
    'escaped_password="${STORE_PASSWORD//\\\\/\\\\\\\\}"',
    'escaped_password="${escaped_password//\\"/\\\\\\"}"',
    'printf \'password: "%s"\\n\' "$escaped_password" > "$mongo_config"',
    'mongo_uri="mongodb://${STORE_USER}@${STORE_MEMBERS}/?replicaSet=${MONGO_REPLICA_SET}&authSource=admin"',
  ].join('\n'),
  dump: [
    '# Every database in one gzip archive; --oplog makes it a consistent point in time on a',
    '# replica set (read from a secondary when one is healthy).',
    'mongodump --config="$mongo_config" --uri="${mongo_uri}&readPreference=secondaryPreferred" --oplog --gzip --archive="$work/mongo.archive.gz"',
  ].join('\n'),
  verify: [
    'gzip -t "$dir/mongo.archive.gz"',
    '# Reads the whole archive and checks each document without writing anything.',
    'mongorestore --config="$mongo_config" --uri="$mongo_uri" --dryRun --objcheck --oplogReplay --gzip --archive="$dir/mongo.archive.gz"',
  ].join('\n'),
  restore: [
    '# Collections in the archive are dropped and restored, then the oplog is replayed up to',
    '# the end of the dump.',
    'mongorestore --config="$mongo_config" --uri="$mongo_uri" --drop --oplogReplay --gzip --archive="$dir/mongo.archive.gz"',
  ].join('\n'),
  restoreSemantics: 'every collection in the archive is dropped and restored, then the oplog is replayed to the end of the dump',
};

export const ENGINE_COMMANDS: Readonly<Record<BackupEngine, EngineCommands>> = { postgres: POSTGRES, mysql: MYSQL, redis: REDIS, mongo: MONGO };
