import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ResourceProfile } from '../core/environment';
import { checkQuantity, formatBytes, parseQuantity } from '../core/quantity';
import { Duration, durationSeconds, formatSeconds, secondsOr } from '../core/duration';
import { ValidationReport } from '../core/validation';
import { ContainerModel } from '../workloads/container';
import { positive } from '../workloads/migration-job';
import { ScheduledTask } from '../workloads/scheduled-task';
import type { IBackupable } from './backupable';
import {
  allowBackupFlows,
  BACKUP_ROOT,
  mountBackup,
  mountStoreCa,
  S3_CLIENT_RESOURCES,
  s3Env,
  SCRIPTS_PATH,
  scriptsVolume,
  setEnv,
  storeEnv,
} from './backup-pod';
import { RestoreJob } from './restore-job';
import { backupScript, downloadScript, restoreScript, uploadScript } from './scripts';
import { BackupTarget, checkBucketLeavesCluster, checkGivenTarget, S3BackupTarget, VolumeTargetProps } from './target';
import { S3_CLIENT_IMAGE } from './tools';
import { checkProps } from '../core/prop-check';

export interface BackupScheduleProps {
  /** Where backups are kept. */
  readonly target: BackupTarget;
  /** Cron schedule. @default - the environment's backupSchedule */
  readonly schedule?: string;
  /** IANA time zone of the schedule. @default - UTC (the controller's) */
  readonly timeZone?: string;
  /** Backups kept (the newest ones). @default - the environment's backupRetention */
  readonly keep?: number;
  /** Backups older than this are removed, except the newest one: whole days. @default Duration.days(30) */
  readonly maxAge?: Duration;
  /** Requests and limits of the dump container. @default - 100m/256Mi requested, 1 cpu/1Gi limit */
  readonly resources?: ResourceProfile;
  /** A run that takes longer is stopped and fails: whole seconds. @default Duration.hours(1) */
  readonly activeDeadline?: Duration;
}

const DAY = 86400;

const DEFAULT_RESOURCES: ResourceProfile = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '1Gi' },
};
const DEFAULT_SCRATCH = '4Gi';
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Scheduled, verified, retained backups of one store, and the Job that restores them.
 *
 * A CronJob (never overlapping, with deadlines and history) runs the engine's own dump
 * tool in the engine's own image, reads the dump back with the engine's tools, writes a
 * SHA256SUMS file and applies retention by count and age. With an S3 target the dump goes
 * to a scratch volume in an init container and a second container with an S3 client
 * uploads it, checks the copy and applies retention in the bucket: each image holds the
 * tools it calls. The restore Job is written to `dist/<env>/<system>/restore/` (never
 * applied by kustomize or Argo CD) and restores the backup named by BACKUP_ID. The alerts
 * on its runs, its restore runbook and its place in the architecture diagram are derived
 * from it by the synth pipeline (lib/pipeline/).
 *
 * Create it with `store.backup({...})`.
 */
export class BackupSchedule extends ScheduledTask {
  public readonly store: IBackupable;
  public readonly restoreJob: RestoreJob;
  public readonly target: BackupTarget;
  public readonly keep: number;
  public readonly maxAgeDays: number;
  /** The schedule in effect (for alerting on missed runs). */
  public readonly effectiveSchedule: string;
  /** The schedule's time zone. @default - UTC */
  public readonly backupTimeZone?: string;
  private readonly backupProps: BackupScheduleProps;

  constructor(scope: Construct, id: string, store: IBackupable, backupProps: BackupScheduleProps) {
    // A missing or malformed target (from JavaScript) is reported by checkProps; a stand-in lets construction go on.
    const validTarget = BackupTarget.isBackupTarget(backupProps?.target);
    const props = validTarget ? backupProps : { ...backupProps, target: BackupTarget.volume({ size: '1Gi' }) };
    // With an S3 target the dump goes to a scratch emptyDir first; with a volume, straight to it.
    const s3 = props.target.kind === 's3' ? props.target.s3 : undefined;
    const scratchSize = s3 ? (s3.scratchSize ?? DEFAULT_SCRATCH) : undefined;
    const engineResources = withScratch(props.resources ?? DEFAULT_RESOURCES, scratchSize);
    const env = store.chart.environment;
    const schedule = props.schedule ?? env.backupSchedule;
    super(scope, id, {
      image: s3 ? S3_CLIENT_IMAGE : store.engineImage,
      command: ['bash', `${SCRIPTS_PATH}/${s3 ? 'upload.sh' : 'backup.sh'}`],
      runAs: { user: store.engineUid, group: store.engineUid, fsGroup: store.engineUid },
      resources: s3 ? S3_CLIENT_RESOURCES : engineResources,
      schedule,
      timeZone: props.timeZone,
      backoffLimit: 1,
      activeDeadline: props.activeDeadline ?? Duration.hours(1),
      role: 'backup',
    });
    checkProps(this, 'BackupScheduleProps', backupProps);
    checkGivenTarget(this, validTarget, backupProps?.target);
    this.store = store;
    this.target = props.target;
    this.backupProps = props;
    this.effectiveSchedule = schedule;
    this.backupTimeZone = props.timeZone;
    this.keep = props.keep ?? env.backupRetention;
    this.maxAgeDays = secondsOr(props.maxAge, 30 * DAY) / DAY;

    const scriptsName = `${this.name}-scripts`;
    const storeName = store.name;
    new k8s.KubeConfigMap(this, 'scripts', {
      metadata: { name: scriptsName },
      data: {
        'backup.sh': backupScript(store.backupEngine, storeName, s3 ? 's3' : 'volume'),
        'restore.sh': restoreScript(store.backupEngine, storeName),
        ...(s3 ? { 'upload.sh': uploadScript(storeName), 'download.sh': downloadScript(storeName) } : {}),
      },
    });
    this.addVolume(scriptsVolume(scriptsName));
    const backupVolume =
      props.target.kind === 'volume'
        ? { name: 'backup', persistentVolumeClaim: { claimName: backupClaim(this, props.target.volume) } }
        : { name: 'backup', emptyDir: { sizeLimit: scratchSize } };
    this.addVolume(backupVolume);

    const retention = { KEEP_COUNT: String(this.keep), KEEP_DAYS: String(this.maxAgeDays) };
    if (!s3) {
      mountBackup(this.container);
      setEnv(this.container, { ...storeEnv(store), BACKUP_ROOT, ...retention });
      mountStoreCa(this, store, [this.container]);
    } else {
      const dump = new ContainerModel(
        'dump',
        { image: store.engineImage, command: ['bash', `${SCRIPTS_PATH}/backup.sh`], runAs: { user: store.engineUid } },
        engineResources,
      );
      mountBackup(dump);
      setEnv(dump, { ...storeEnv(store), BACKUP_ROOT });
      mountStoreCa(this, store, [dump]);
      this.addInitContainer(dump);
      mountBackup(this.container);
      setEnv(this.container, { BACKUP_ROOT, ...s3Env(props.target as S3BackupTarget, store), ...retention });
    }

    allowBackupFlows(this, store, props.target);

    this.restoreJob = new RestoreJob(scope, `${storeName}-restore`, {
      store,
      target: props.target,
      scriptsConfigMap: scriptsName,
      backupVolume,
      resources: engineResources,
    });
  }

  /** The backup volume counts once against the namespace's storage quota. */
  protected storagePerPod(): [number, number] {
    return this.target.kind === 'volume' ? [parseQuantity(this.target.volume.size) ?? 0, 1] : [0, 0];
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    const p = this.backupProps;
    positive(report, 'keep', this.keep, 1);
    if (p.maxAge !== undefined) {
      const seconds = durationSeconds(p.maxAge, 'Duration.days(30)');
      const problem =
        typeof seconds === 'string'
          ? seconds
          : seconds % DAY !== 0
            ? `${formatSeconds(seconds)} is not whole days, e.g. Duration.days(30)`
            : undefined;
      if (problem) report.error('backup-schedule.max-age', 'maxAge', problem);
    }
    if (p.target.kind === 'volume') {
      const size = parseQuantity(p.target.volume.size);
      const problem = checkQuantity(p.target.volume.size, 'bytes');
      if (size === undefined || size <= 0)
        report.error(
          'backup-schedule.target.volume.size.positive-quantity',
          'target.volume.size',
          `'${p.target.volume.size}' must be a positive quantity, e.g. 20Gi`,
        );
      else if (problem) report.error('backup-schedule.target.volume.size.invalid', 'target.volume.size', problem);
    } else {
      const s3 = p.target.s3;
      if (!BUCKET_NAME.test(s3.bucket) || s3.bucket.includes('..'))
        report.error(
          'backup-schedule.target.s3.bucket',
          'target.s3.bucket',
          `'${s3.bucket}' is not a valid bucket name (3-63 lower-case letters, digits, '.' and '-')`,
        );
      if (s3.prefix !== undefined && !/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/.test(s3.prefix)) {
        report.error(
          'backup-schedule.target.s3.prefix',
          'target.s3.prefix',
          `'${s3.prefix}' must be key segments separated by '/', without leading or trailing '/'`,
        );
      }
      if (s3.endpoint !== undefined && !/^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(s3.endpoint))
        report.error('backup-schedule.target.s3.endpoint', 'target.s3.endpoint', `'${s3.endpoint}' must be an http(s) URL without a path`);
      if (s3.endpoint !== undefined && !s3.server && !s3.endpoint.startsWith('https://')) {
        report.error(
          'backup-schedule.target.s3.server',
          'target.s3.server',
          'an http endpoint is an in-cluster server: give `server` so the backup pods may reach it (and nothing else)',
        );
      }
      // The rule every engine's backups follow. A volume stays allowed here: it is the declared single-cluster choice.
      checkBucketLeavesCluster(report, p.target, 'target', this.chart.environment.name);
      const scratch = parseQuantity(s3.scratchSize ?? DEFAULT_SCRATCH);
      if (checkQuantity(s3.scratchSize ?? DEFAULT_SCRATCH, 'bytes') || scratch === undefined || scratch <= 0)
        report.error('backup-schedule.target.s3.scratch-size', 'target.s3.scratchSize', `'${s3.scratchSize}' must be a positive quantity, e.g. 4Gi`);
    }
  }
}

/** The backup volume's claim; kept when the system is deleted. */
function backupClaim(owner: BackupSchedule, target: VolumeTargetProps): string {
  const name = `${owner.store.name}-backups`;
  new k8s.KubePersistentVolumeClaim(owner, 'volume', {
    metadata: {
      name,
      // Backups outlive the system: Argo CD neither prunes nor deletes this claim.
      annotations: { 'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false' },
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: target.storageClassName ?? owner.chart.environment.platform.storage.defaultClass,
      resources: { requests: { storage: k8s.Quantity.fromString(target.size) } },
    },
  });
  return name;
}

/** The dump container's local disk must hold the scratch volume (an emptyDir counts against it). */
function withScratch(resources: ResourceProfile, scratchSize: string | undefined): ResourceProfile {
  const scratch = parseQuantity(scratchSize ?? '0') ?? 0;
  if (scratch <= 0) return resources;
  const limit = parseQuantity(resources?.limits?.ephemeralStorage ?? '1Gi') ?? 0;
  return { ...resources, limits: { ...resources.limits, ephemeralStorage: formatBytes(limit + scratch) } };
}
