/**
 * Checks shared by the operator engines of MySQL and MongoDB: recovery point objectives,
 * instance counts and backup targets. Self-contained (no construct state) so that the
 * engines of every store can use the same wording.
 */
import type { BackupTarget } from '../backup/target';
import { checkCronSchedule, cronPeriodSeconds } from '../core/cron';
import type { ValidationReport } from '../core/validation';

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds of a duration such as `90s`, `5m`, `1h` or `1d`, or the reason it is not one. */
export function parseRpo(value: unknown): number | string {
  if (typeof value !== 'string') return `must be a duration string such as '15m' or '1h' (is ${value === null ? 'null' : typeof value})`;
  const m = /^([1-9][0-9]*)(s|m|h|d)$/.exec(value);
  if (!m) return `'${value}' is not a duration: a whole number and one unit of s, m, h or d, e.g. '15m' or '1h'`;
  return Number(m[1]) * UNITS[m[2]];
}

/** A number of seconds as the shortest exact duration (`3600` -> `1h`). */
export function formatSeconds(seconds: number): string {
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/** What an engine accepts as its member count. */
export interface InstanceRule {
  /** The prop, e.g. `engine.instances`. */
  readonly field: string;
  /** Counts the engine accepts at all (e.g. MOCO: 1, 3, 5). */
  readonly allowed: readonly number[];
  /** Why only those, completing "allowed: 1, 3, 5 (...)". */
  readonly why: string;
  /** Smallest count in prod. */
  readonly prodMinimum: number;
  /** Why prod needs that many. */
  readonly prodWhy: string;
}

/** Reports a member count the engine refuses, or one too small for prod. */
export function checkInstances(report: ValidationReport, value: unknown, rule: InstanceRule, environment: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || !rule.allowed.includes(value)) {
    report.error(rule.field, `${String(value)} is not allowed: ${rule.allowed.join(', ')} (${rule.why})`);
    return;
  }
  if (environment === 'prod' && value < rule.prodMinimum) {
    report.error(rule.field, `${value} in prod: at least ${rule.prodMinimum} (${rule.prodWhy})`);
  }
}

/** Why a backup target is not off the cluster (a volume, or an in-cluster S3 server), or undefined when it is. */
export function inClusterTarget(target: BackupTarget): string | undefined {
  if (target.kind === 'volume') return 'a volume of the cluster';
  if (target.s3.server !== undefined) return `an S3 server inside the cluster (${target.s3.endpoint ?? 'its endpoint'})`;
  return undefined;
}

/** Reports a backup target that is not an S3 bucket, or (in prod) one inside the cluster: a lost cluster would take its backups with it. */
export function checkOperatorBackupTarget(
  report: ValidationReport,
  field: string,
  target: BackupTarget | undefined,
  environment: string,
  engine: string,
): void {
  if (typeof target !== 'object' || target === null || (target.kind !== 's3' && target.kind !== 'volume')) {
    report.error(field, `must be BackupTarget.s3({...}): ${engine} writes its backups to an S3 bucket`);
    return;
  }
  if (target.kind === 'volume') {
    report.error(field, `BackupTarget.volume cannot be used: ${engine} writes its backups to an S3 bucket only; use BackupTarget.s3({...})`);
    return;
  }
  const inside = inClusterTarget(target);
  if (environment === 'prod' && inside) {
    report.error(
      field,
      `is ${inside} in prod: backups must survive the loss of the cluster; use a bucket outside it (AWS S3 or an external S3 endpoint)`,
    );
  }
}

/**
 * Reports a backup schedule that is not a cron expression, and an `rpo` the schedule
 * cannot meet for an engine whose archive is uploaded only when a backup runs (MOCO
 * ships the binary logs with each backup): the longest gap between two runs is the
 * worst-case loss.
 */
export function checkRpoBySchedule(
  report: ValidationReport,
  fields: { readonly rpo: string; readonly schedule: string },
  rpo: unknown,
  schedule: string,
  how: string,
): void {
  const problem = checkCronSchedule(schedule);
  if (problem) {
    report.error(fields.schedule, problem);
    return;
  }
  if (rpo === undefined) return;
  const seconds = parseRpo(rpo);
  if (typeof seconds === 'string') {
    report.error(fields.rpo, seconds);
    return;
  }
  const gap = cronPeriodSeconds(schedule);
  if (gap > seconds) {
    report.error(
      fields.rpo,
      `${String(rpo)} cannot be met: ${how}, and '${schedule}' leaves up to ${formatSeconds(gap)} between two runs; ` +
        `run the backup at least every ${formatSeconds(seconds)} (${fields.schedule}) or accept rpo '${formatSeconds(gap)}'`,
    );
  }
}
