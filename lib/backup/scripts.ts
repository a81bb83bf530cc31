import type { BackupEngine } from './backupable';
import { ENGINE_COMMANDS } from './engine-commands';

/**
 * The shell scripts of a store's backup and restore, rendered into a ConfigMap and run
 * with bash. Each one stops at the first failed step (`set -euo pipefail`, no `|| true`
 * on anything that matters), so a failed dump, verification or upload fails the Job and
 * the CronJob alert fires. Every script passes shellcheck (tested in the engines suite).
 *
 * A backup is a directory named by its UTC start time (`20261125T020000Z`) holding the
 * dump files and `SHA256SUMS`. It is written under `.partial-<stamp>` and renamed only
 * after the engine's own tools read it back and the checksums are written, so a listed
 * backup is always complete.
 */
export const BACKUP_SCRIPT_NAMES = ['backup.sh', 'restore.sh', 'upload.sh', 'download.sh'] as const;

const HEADER = ['#!/usr/bin/env bash', 'set -euo pipefail', 'shopt -s nullglob', 'umask 077'];

/** A backup's name: its start time, sortable as text. */
const STAMP = 'date -u +%Y%m%dT%H%M%SZ';
const STAMP_PATTERN = '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z';

/**
 * Retention by count and age, shared by the volume and the object store: keeps the
 * newest KEEP_COUNT backups and drops any older than KEEP_DAYS, but never the newest one
 * (a store that stopped changing still has its last backup). Needs `list_backups` (one
 * name per line) and `delete_backup <name>`.
 */
const RETENTION = [
  'apply_retention() {',
  '  local cutoff name kept=0',
  `  cutoff="$(date -u -d "@$(( $(date +%s) - KEEP_DAYS * 86400 ))" +%Y%m%dT%H%M%SZ)"`,
  '  while IFS= read -r name; do',
  '    [ -n "$name" ] || continue',
  '    if [ "$kept" -ge "$KEEP_COUNT" ] || { [ "$kept" -gt 0 ] && [[ "$name" < "$cutoff" ]]; }; then',
  '      delete_backup "$name"',
  '      echo "retention: removed $name"',
  '    else',
  '      kept=$((kept + 1))',
  '    fi',
  '  done < <(list_backups | sort -r)',
  '  echo "retention: $kept kept (at most $KEEP_COUNT, none older than $KEEP_DAYS days but the newest)"',
  '}',
];

const LOCAL_LISTING = [
  'list_backups() {',
  '  local path',
  `  for path in "$BACKUP_ROOT"/${STAMP_PATTERN}/; do`,
  '    path="${path%/}"',
  '    echo "${path##*/}"',
  '  done',
  '}',
];

const S3 = [
  '# An S3-compatible endpoint (MinIO) when S3_ENDPOINT is set, else AWS S3 in AWS_REGION.',
  's3() {',
  '  if [ -n "${S3_ENDPOINT:-}" ]; then',
  '    aws --endpoint-url "$S3_ENDPOINT" s3 "$@"',
  '  else',
  '    aws s3 "$@"',
  '  fi',
  '}',
  'remote="s3://${S3_BUCKET}/${S3_PREFIX}"',
  'list_backups() {',
  '  local kind name',
  '  while read -r kind name; do',
  `    if [ "$kind" = "PRE" ] && [[ "\${name%/}" == ${STAMP_PATTERN} ]]; then echo "\${name%/}"; fi`,
  '  done < <(s3 ls "$remote/")',
  '}',
];

/**
 * Sets `id` from BACKUP_ID: `latest` is the newest backup, `list` prints them all and
 * exits. Needs `list_backups`; `where` (e.g. `in $BACKUP_ROOT`) ends the error message.
 */
function chooseBackup(where: string, listing: string): string[] {
  return [
    'id="$BACKUP_ID"',
    `# BACKUP_ID=list: ${listing}.`,
    'if [ "$id" = "list" ]; then',
    '  list_backups | sort',
    '  exit 0',
    'fi',
    'if [ "$id" = "latest" ]; then',
    '  id="$(list_backups | sort | tail -n 1)"',
    `  [ -n "$id" ] || { echo "no backup ${where}" >&2; exit 1; }`,
    'fi',
  ];
}

/** backup.sh: dump, verify with the engine's tools, checksum, publish; then local retention for a volume target. */
export function backupScript(engine: BackupEngine, storeName: string, target: 'volume' | 's3'): string {
  const e = ENGINE_COMMANDS[engine];
  return lines([
    ...HEADER,
    `# ${storeName}: ${engine} backup into $BACKUP_ROOT (${target === 'volume' ? 'the backup volume' : 'a scratch volume; upload.sh copies it to object storage'}).`,
    ': "${BACKUP_ROOT:?}" "${STORE_HOST:?}" "${STORE_PORT:?}" "${STORE_PASSWORD:?}"',
    ...(target === 'volume' ? [': "${KEEP_COUNT:?}" "${KEEP_DAYS:?}"'] : []),
    e.credentials,
    '',
    '# Runs that failed half way leave a .partial directory: never a backup, removed.',
    'rm -rf -- "${BACKUP_ROOT:?}"/.partial-*',
    `stamp="$(${STAMP})"`,
    'while [ -e "$BACKUP_ROOT/$stamp" ]; do',
    '  sleep 1',
    `  stamp="$(${STAMP})"`,
    'done',
    'work="$BACKUP_ROOT/.partial-$stamp"',
    'mkdir -p "$work"',
    'echo "backup $stamp: dumping"',
    e.dump,
    '',
    '# Read the dump back with the engine\'s own tools before calling it a backup.',
    'dir="$work"',
    e.verify,
    '(cd "$work" && sha256sum -- * > SHA256SUMS)',
    'mv -- "$work" "$BACKUP_ROOT/$stamp"',
    'echo "backup $stamp: verified, $(du -sh "$BACKUP_ROOT/$stamp" | cut -f1)"',
    ...(target === 'volume'
      ? ['', ...LOCAL_LISTING, 'delete_backup() { rm -rf -- "${BACKUP_ROOT:?}/$1"; }', ...RETENTION, 'apply_retention']
      : []),
  ]);
}

/** restore.sh: checks the chosen backup's checksums and readability, then restores it. */
export function restoreScript(engine: BackupEngine, storeName: string): string {
  const e = ENGINE_COMMANDS[engine];
  return lines([
    ...HEADER,
    `# ${storeName}: restores one ${engine} backup from $BACKUP_ROOT. ${capitalize(e.restoreSemantics)}.`,
    ': "${BACKUP_ROOT:?}" "${STORE_HOST:?}" "${STORE_PORT:?}" "${STORE_PASSWORD:?}"',
    ': "${BACKUP_ID:?set BACKUP_ID to the name of a backup (e.g. 20261125T020000Z), to latest, or to list}"',
    ...LOCAL_LISTING,
    ...chooseBackup('in $BACKUP_ROOT', 'print the backups there are (oldest first) and change nothing'),
    'dir="$BACKUP_ROOT/$id"',
    '[ -f "$dir/SHA256SUMS" ] || { echo "backup $id not found in $BACKUP_ROOT (or incomplete: no SHA256SUMS)" >&2; exit 1; }',
    'echo "restore $id: checking checksums"',
    '(cd "$dir" && sha256sum --check --strict --quiet SHA256SUMS)',
    e.credentials,
    e.verify,
    `echo "restore $id: restoring into $STORE_HOST:$STORE_PORT (${e.restoreSemantics})"`,
    e.restore,
    'echo "restore $id: done"',
  ]);
}

/** upload.sh (S3 client image): copies the finished backup to the bucket, checks the copy, applies retention there. */
export function uploadScript(storeName: string): string {
  return lines([
    ...HEADER,
    `# ${storeName}: copies the backup in $BACKUP_ROOT to s3://$S3_BUCKET/$S3_PREFIX/ and applies retention there.`,
    ': "${BACKUP_ROOT:?}" "${S3_BUCKET:?}" "${S3_PREFIX:?}" "${KEEP_COUNT:?}" "${KEEP_DAYS:?}"',
    ...S3,
    `backups=("$BACKUP_ROOT"/${STAMP_PATTERN}/)`,
    '[ "${#backups[@]}" -eq 1 ] || { echo "expected one finished backup in $BACKUP_ROOT, found ${#backups[@]}" >&2; exit 1; }',
    'source_dir="${backups[0]%/}"',
    'id="${source_dir##*/}"',
    '(cd "$source_dir" && sha256sum --check --strict --quiet SHA256SUMS)',
    '# A backup is never overwritten: a run started by hand in the same second as another fails.',
    'if s3 ls "$remote/$id/" > /dev/null 2>&1; then',
    '  echo "a backup named $id already exists under $remote/" >&2',
    '  exit 1',
    'fi',
    's3 cp --recursive --only-show-errors "$source_dir/" "$remote/$id/"',
    '# The copy is checked: the remote checksum file is the local one, and every file is there.',
    'check="$(mktemp -d /tmp/check.XXXXXX)"',
    's3 cp --only-show-errors "$remote/$id/SHA256SUMS" "$check/SHA256SUMS"',
    'cmp -s "$check/SHA256SUMS" "$source_dir/SHA256SUMS" || { echo "uploaded SHA256SUMS differs" >&2; exit 1; }',
    'rm -rf -- "$check"',
    'local_count="$(find "$source_dir" -type f | wc -l)"',
    'remote_count="$(s3 ls "$remote/$id/" | wc -l)"',
    '[ "$local_count" -eq "$remote_count" ] || { echo "uploaded $remote_count of $local_count files" >&2; exit 1; }',
    'echo "upload $id: $local_count files in $remote/$id/"',
    'delete_backup() { s3 rm --recursive --only-show-errors "$remote/$1/"; }',
    ...RETENTION,
    'apply_retention',
  ]);
}

/** download.sh (S3 client image): fetches the chosen backup into $BACKUP_ROOT for restore.sh. */
export function downloadScript(storeName: string): string {
  return lines([
    ...HEADER,
    `# ${storeName}: downloads one backup from s3://$S3_BUCKET/$S3_PREFIX/ into $BACKUP_ROOT.`,
    ': "${BACKUP_ROOT:?}" "${S3_BUCKET:?}" "${S3_PREFIX:?}"',
    ': "${BACKUP_ID:?set BACKUP_ID to the name of a backup (e.g. 20261125T020000Z), to latest, or to list}"',
    ...S3,
    ...chooseBackup('under $remote/', 'print the backups in the bucket (oldest first), download nothing'),
    's3 cp --recursive --only-show-errors "$remote/$id/" "$BACKUP_ROOT/$id/"',
    '(cd "$BACKUP_ROOT/$id" && sha256sum --check --strict --quiet SHA256SUMS)',
    'echo "download $id: checksums match"',
  ]);
}

function lines(parts: readonly string[]): string {
  return `${parts.join('\n')}\n`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
