import type { BackupEngine } from './backupable';
import { renderScriptFile } from '../core/script-file';

/**
 * The engine-specific steps of backup, verification and restore: bash fragments in
 * ./scripts/<engine>-<step>.sh that scripts.ts puts into backup.sh and restore.sh.
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
 *
 * The steps:
 *   credentials  sets up client credentials (run once, before any other step)
 *   dump         writes the dump into "$work"
 *   verify       fails when a dump in "$dir" is not readable by the engine's own tools
 *   restore      restores "$dir" into the running store, replacing what it holds (Redis: copies
 *                every key with a `migrate` function, so the password appears once)
 */
export type EngineStep = 'credentials' | 'dump' | 'verify' | 'restore';

export interface EngineCommands {
  /** What a restore replaces, for the runbook. */
  readonly restoreSemantics: string;
}

/** The text of one engine step, without its final newline. */
export function engineStep(engine: BackupEngine, step: EngineStep): string {
  return renderScriptFile(__dirname, `scripts/${engine}-${step}.sh`).replace(/\n$/, '');
}

export const ENGINE_COMMANDS: Readonly<Record<BackupEngine, EngineCommands>> = {
  postgres: { restoreSemantics: 'each backed-up database is dropped (its connections closed) and recreated from the dump' },
  mysql: { restoreSemantics: 'each backed-up database is dropped and recreated from the dump' },
  redis: { restoreSemantics: 'the store is emptied (FLUSHALL) and every key of the snapshot is copied back with its TTL' },
  mongo: {
    restoreSemantics: 'every collection in the archive is dropped and restored, then the oplog is replayed to the end of the dump',
  },
};
