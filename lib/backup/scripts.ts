import type { BackupEngine } from './backupable';
import { ENGINE_COMMANDS, engineStep } from './engine-commands';
import { renderScriptFile, ScriptValues } from '../core/script-file';

/**
 * The shell scripts of a store's backup and restore, rendered into a ConfigMap and run
 * with bash. Each one stops at the first failed step (`set -euo pipefail`, no `|| true`
 * on anything that matters), so a failed dump, verification or upload fails the Job and
 * the CronJob alert fires. Every script passes shellcheck (test/scripts/shellcheck.test.ts).
 *
 * The text is in ./scripts/: backup.sh, restore.sh, upload.sh and download.sh, the pieces
 * they share (listing, retention, choosing a backup, the S3 client) and the engine steps
 * (`<engine>-<step>.sh`, see engine-commands.ts).
 *
 * A backup is a directory named by its UTC start time (`20261125T020000Z`) holding the
 * dump files and `SHA256SUMS`. It is written under `.partial-<stamp>` and renamed only
 * after the engine's own tools read it back and the checksums are written, so a listed
 * backup is always complete.
 */
export const BACKUP_SCRIPT_NAMES = ['backup.sh', 'restore.sh', 'upload.sh', 'download.sh'] as const;

/** A backup's name (its start time, sortable as text) as a glob. */
const STAMP_PATTERN = '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z';

function script(file: string, values: ScriptValues = {}): string {
  return renderScriptFile(__dirname, `scripts/${file}`, values);
}

/**
 * Retention by count and age, shared by the volume and the object store: keeps the
 * newest KEEP_COUNT backups and drops any older than KEEP_DAYS, but never the newest one
 * (a store that stopped changing still has its last backup). Needs `list_backups` (one
 * name per line) and `delete_backup <name>`.
 */
const retention = () => script('retention.sh');
/** `list_backups` for a volume: the finished backups under $BACKUP_ROOT. */
const localListing = () => script('list-local.sh', { STAMP_PATTERN });
/** The `s3` client function, `$remote` and `list_backups` for a bucket. */
const s3 = () => script('s3.sh', { STAMP_PATTERN });

/**
 * Sets `id` from BACKUP_ID: `latest` is the newest backup, `list` prints them all and
 * exits. Needs `list_backups`; `where` (e.g. `in $BACKUP_ROOT`) ends the error message.
 */
function chooseBackup(where: string, listing: string): string {
  return script('choose-backup.sh', { WHERE: where, LISTING: listing });
}

/** backup.sh: dump, verify with the engine's tools, checksum, publish; then local retention for a volume target. */
export function backupScript(engine: BackupEngine, storeName: string, target: 'volume' | 's3'): string {
  const volume = target === 'volume';
  return script('backup.sh', {
    STORE_NAME: storeName,
    ENGINE: engine,
    DESTINATION: volume ? 'the backup volume' : 'a scratch volume; upload.sh copies it to object storage',
    REQUIRE_RETENTION: volume ? script('require-retention.sh') : '',
    CREDENTIALS: engineStep(engine, 'credentials'),
    DUMP: engineStep(engine, 'dump'),
    VERIFY: engineStep(engine, 'verify'),
    VOLUME_RETENTION: volume ? script('volume-retention.sh', { LIST_BACKUPS: localListing(), RETENTION: retention() }) : '',
  });
}

/** restore.sh: checks the chosen backup's checksums and readability, then restores it. */
export function restoreScript(engine: BackupEngine, storeName: string): string {
  const semantics = ENGINE_COMMANDS[engine].restoreSemantics;
  return script('restore.sh', {
    STORE_NAME: storeName,
    ENGINE: engine,
    SEMANTICS_SENTENCE: capitalize(semantics),
    SEMANTICS: semantics,
    LIST_BACKUPS: localListing(),
    CHOOSE_BACKUP: chooseBackup('in $BACKUP_ROOT', 'print the backups there are (oldest first) and change nothing'),
    CREDENTIALS: engineStep(engine, 'credentials'),
    VERIFY: engineStep(engine, 'verify'),
    RESTORE: engineStep(engine, 'restore'),
  });
}

/** upload.sh (S3 client image): copies the finished backup to the bucket, checks the copy, applies retention there. */
export function uploadScript(storeName: string): string {
  return script('upload.sh', { STORE_NAME: storeName, S3: s3(), STAMP_PATTERN, RETENTION: retention() });
}

/** download.sh (S3 client image): fetches the chosen backup into $BACKUP_ROOT for restore.sh. */
export function downloadScript(storeName: string): string {
  return script('download.sh', {
    STORE_NAME: storeName,
    S3: s3(),
    CHOOSE_BACKUP: chooseBackup('under $remote/', 'print the backups in the bucket (oldest first), download nothing'),
  });
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
