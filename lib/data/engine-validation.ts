/**
 * The checks every operator engine (CloudNativePG, MOCO, Percona) applies, one rule per
 * concern, so that the engines cannot drift apart: the member count, the presence of
 * backups, the backup target (an S3 bucket, off the cluster in prod, keys by reference), the
 * recovery point objective and whether the engine's schedule can meet it. Each reports on
 * the field it is given; the engines say only what differs (their counts, their words).
 */
import { BackupTarget, checkBucketLeavesCluster } from '../backup/target';
import { checkCronSchedule, cronPeriodSeconds } from '../core/cron';
import { durationSeconds, formatSeconds } from '../core/duration';
import type { ValidationReport } from '../core/validation';
import { isSecretKeyValue, SecretKeyValue } from '../workloads/env';

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
    report.error('store.engine.instances-not-allowed', rule.field, `${String(value)} is not allowed: ${rule.allowed.join(', ')} (${rule.why})`);
    return;
  }
  if (environment === 'prod' && value < rule.prodMinimum) {
    report.error('store.engine.instances-too-few-in-prod', rule.field, `${value} in prod: at least ${rule.prodMinimum} (${rule.prodWhy})`);
  }
}

/** An engine's backup options as the presence rule reads them. */
export interface EngineBackupChoice {
  /** `engine.backup` as given. */
  readonly backup: unknown;
  /** `engine.rpo` as given. */
  readonly rpo: unknown;
  /** What the backups are, completing "required in prod: ..." (e.g. `base backups and the WAL archive`). */
  readonly what: string;
}

/**
 * Reports a missing `engine.backup` in prod, and an `engine.rpo` without backups to meet it.
 * Returns whether there are backups to check further.
 */
export function checkBackupPresence(report: ValidationReport, choice: EngineBackupChoice, environment: string): boolean {
  if (choice.backup !== undefined) return true;
  // One error for one cause: in prod the missing backup, elsewhere the objective nothing meets.
  if (environment === 'prod')
    report.error('store.engine.backup-missing-in-prod', 'engine.backup', `required in prod: ${choice.what} to an S3 bucket outside the cluster`);
  else if (choice.rpo !== undefined)
    report.error('store.engine.rpo-without-backup', 'engine.rpo', 'cannot be met without backups: set engine.backup');
  return false;
}

/** True when the engine reports a missing backup itself (on `engine.backup` or `engine.rpo`), so the store does not. */
export function engineReportsMissingBackup(choice: { readonly backup?: unknown; readonly rpo?: unknown }, environment: string): boolean {
  return choice.backup === undefined && (environment === 'prod' || choice.rpo !== undefined);
}

/** How an engine reads its bucket's keys. */
export interface TargetRule {
  /** The engine, for the messages (`MOCO`, `CloudNativePG`). */
  readonly engine: string;
  /** The engine reads both keys from Secrets: plain values are refused. */
  readonly keysFromSecret: boolean;
}

/**
 * Reports a backup target an operator cannot use: not an S3 bucket, an endpoint that is not
 * an http(s) URL without a path, keys the engine cannot read, and (in prod) a bucket inside
 * the cluster, which a lost cluster would take with it. Returns the target when it is S3.
 */
export function checkOperatorTarget(
  report: ValidationReport,
  target: unknown,
  rule: TargetRule,
  environment: string,
): Extract<BackupTarget, { kind: 's3' }> | undefined {
  const field = 'engine.backup.target';
  if (!BackupTarget.isBackupTarget(target) || target.kind !== 's3') {
    report.error('store.backup.target-not-s3', field, `must be BackupTarget.s3({...}): ${rule.engine} writes its backups to an S3 bucket only`);
    return undefined;
  }
  const s3 = target.s3;
  if (s3.endpoint !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(String(s3.endpoint))) {
    report.error(
      'store.backup.s3-endpoint-invalid',
      `${field}.s3.endpoint`,
      `'${String(s3.endpoint)}' must be an http(s) URL with no path, e.g. https://s3.eu-west-1.amazonaws.com`,
    );
  }
  if (rule.keysFromSecret) {
    for (const key of ['accessKeyId', 'secretAccessKey'] as const) {
      const value: unknown = s3[key];
      if (!(typeof value === 'object' && value !== null && isSecretKeyValue(value as SecretKeyValue))) {
        report.error(
          'store.backup.s3-key-not-from-secret',
          `${field}.s3.${key}`,
          `${rule.engine} reads it from a Secret: give a reference (fromSecret(...))`,
        );
      }
    }
  }
  checkBucketLeavesCluster(report, target, field, environment);
  return target;
}

/** Bounds of a recovery point objective an engine can meet at all. */
export interface RpoBounds {
  readonly minSeconds: number;
  readonly maxSeconds: number;
  /** Why not below the minimum. */
  readonly belowWhy: string;
  /** Why not above the maximum. */
  readonly aboveWhy: string;
}

/** Reports an `engine.rpo` that is not a Duration or is out of `bounds`; its seconds when it is usable. */
export function checkRpo(report: ValidationReport, rpo: unknown, bounds?: RpoBounds): number | undefined {
  const seconds = durationSeconds(rpo, 'Duration.minutes(15)');
  if (typeof seconds === 'string') {
    report.error('store.engine.rpo-invalid', 'engine.rpo', seconds);
    return undefined;
  }
  if (bounds && seconds < bounds.minSeconds)
    report.error(
      'store.engine.rpo-too-short',
      'engine.rpo',
      `${formatSeconds(seconds)} is below ${formatSeconds(bounds.minSeconds)}: ${bounds.belowWhy}`,
    );
  else if (bounds && seconds > bounds.maxSeconds)
    report.error(
      'store.engine.rpo-too-long',
      'engine.rpo',
      `${formatSeconds(seconds)} is above ${formatSeconds(bounds.maxSeconds)}: ${bounds.aboveWhy}`,
    );
  return seconds;
}

/**
 * Reports an `engine.rpo` the engine cannot meet because it uploads what a restore needs only
 * every `periodSeconds` (MOCO: each backup run; PBM: each oplog slice). `how` says why,
 * `fix` how to meet it.
 */
export function checkRpoMet(report: ValidationReport, rpoSeconds: number | undefined, periodSeconds: number, how: string, fix: string): void {
  if (rpoSeconds === undefined || periodSeconds <= rpoSeconds) return;
  report.error(
    'store.engine.rpo-not-met',
    'engine.rpo',
    `${formatSeconds(rpoSeconds)} cannot be met: ${how} up to ${formatSeconds(periodSeconds)} apart; ${fix} or accept rpo ${formatSeconds(periodSeconds)}`,
  );
}

/** Reports a schedule that is not five-field cron; its longest gap in seconds when it is. */
export function checkSchedule(report: ValidationReport, field: string, schedule: string): number | undefined {
  const problem = checkCronSchedule(schedule);
  if (problem) {
    report.error('store.engine.schedule-invalid', field, problem);
    return undefined;
  }
  return cronPeriodSeconds(schedule);
}
