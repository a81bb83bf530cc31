import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ResourceProfile } from '../core/environment';
import { checkQuantity, parseQuantity } from '../core/quantity';
import { renderScriptFile } from '../core/script-file';
import { Duration } from '../core/duration';
import { ValidationReport } from '../core/validation';
import { BackupTarget, checkGivenTarget } from '../backup/target';
import { ScheduledTask } from '../workloads/scheduled-task';
import { allowCopyFlows, BACKUP_ROOT, BackupBucket, copyEnv, IBucketSource, SCRIPTS_PATH, setEnv } from './bucket-copy';
import { BucketRestoreJob } from './bucket-restore-job';
import { TOOL_IMAGES } from './versions';
import { checkProps } from '../core/prop-check';

export interface BucketBackupProps {
  /**
   * Where the copy goes: a volume of its own (`BackupTarget.volume`), a bucket of AWS S3, or a
   * bucket of another S3-compatible server (`BackupTarget.s3`, `otherStore.bucket.asBackupTarget()`).
   * A bucket of the same ObjectStore is refused: it shares the store's disk.
   */
  readonly target: BackupTarget;
  /** The buckets to back up. @default - every bucket of the store */
  readonly buckets?: readonly BackupBucket[];
  /** Cron schedule. @default - the environment's backupSchedule */
  readonly schedule?: string;
  /** IANA time zone of the schedule. @default - UTC (the controller's) */
  readonly timeZone?: string;
  /**
   * A run that takes longer is stopped and fails. Every object is read on both sides at each
   * run (the sha256 check): allow for the buckets' size. Whole seconds. @default Duration.hours(4)
   */
  readonly activeDeadline?: Duration;
  /** Requests and limits of the mc container. @default - 50m/128Mi requested, 500m/512Mi limit */
  readonly resources?: ResourceProfile;
}

const DEFAULT_RESOURCES: ResourceProfile = { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

/** The scripts of a bucket backup: `mirror.sh` (the CronJob) and `restore.sh` (the restore Job). */
export function bucketBackupScripts(storeName: string, target: BackupTarget): { 'mirror.sh': string; 'restore.sh': string } {
  const destination = target.kind === 'volume' ? 'the backup volume' : 'a bucket (s3://$S3_BUCKET/$S3_PREFIX/)';
  const COMMON = renderScriptFile(__dirname, 'scripts/minio-copy-common.sh').replace(/\n$/, '');
  return {
    'mirror.sh': renderScriptFile(__dirname, 'scripts/minio-mirror.sh', { STORE_NAME: storeName, DESTINATION: destination, COMMON }),
    'restore.sh': renderScriptFile(__dirname, 'scripts/minio-restore.sh', { STORE_NAME: storeName, DESTINATION: destination, COMMON }),
  };
}

/**
 * Scheduled, verified backups of an ObjectStore's buckets (`objectStore.backup({...})`), and
 * the Job that restores them.
 *
 * A CronJob (never overlapping, with deadlines and history, restricted) runs `mc mirror`
 * from each bucket to the target, then reads every object on both sides and compares their
 * sha256, and writes `<bucket>.SHA256SUMS` next to the copy: the bucket as it was at that run.
 * Each bucket is read with its own read-only MinIO user; the restore Job writes with the
 * bucket's read-write user; neither gets the root keys. The copy is incremental (only new
 * and changed objects travel); an object deleted from the bucket stays in the copy, so a
 * mistaken delete can be undone; an overwritten object is overwritten in the copy too, so
 * keep versioning on the target bucket to undo overwrites.
 *
 * The restore Job (`dist/<env>/<system>/restore/`, never applied by kustomize or Argo CD)
 * checks the copy against SHA256SUMS before it writes anything, puts back every object the
 * checksums list, and checks the bucket afterwards. The alerts on failed or missed runs,
 * the runbook and the diagram come from the synth pipeline, as for the database backups.
 */
export class BucketBackup extends ScheduledTask {
  public readonly store: IBucketSource;
  public readonly target: BackupTarget;
  public readonly buckets: readonly BackupBucket[];
  public readonly restoreJob: BucketRestoreJob;
  /** The schedule in effect (for alerting on missed runs). */
  public readonly effectiveSchedule: string;
  /** The schedule's time zone. @default - UTC */
  public readonly backupTimeZone?: string;
  private readonly backupProps: BucketBackupProps;

  constructor(scope: Construct, id: string, store: IBucketSource, backupProps: BucketBackupProps) {
    const validTarget = ['volume', 's3'].includes((backupProps?.target as { kind?: string } | undefined)?.kind as string);
    const props = validTarget ? backupProps : { ...backupProps, target: BackupTarget.volume({ size: '1Gi' }) };
    const env = store.chart.environment;
    const schedule = props.schedule ?? env.backupSchedule;
    const buckets = [...(Array.isArray(props.buckets) ? props.buckets : store.buckets)];
    super(scope, id, {
      image: TOOL_IMAGES.mc,
      command: ['bash', `${SCRIPTS_PATH}/mirror.sh`],
      resources: props.resources ?? DEFAULT_RESOURCES,
      schedule,
      timeZone: props.timeZone,
      backoffLimit: 1,
      activeDeadline: props.activeDeadline ?? Duration.hours(4),
      role: 'backup',
    });
    checkProps(this, 'BucketBackupProps', backupProps);
    checkGivenTarget(this, validTarget, backupProps?.target);
    this.store = store;
    this.target = props.target;
    this.buckets = buckets;
    this.backupProps = props;
    this.effectiveSchedule = schedule;
    this.backupTimeZone = props.timeZone;

    const scriptsName = `${this.name}-scripts`;
    new k8s.KubeConfigMap(this, 'scripts', { metadata: { name: scriptsName }, data: bucketBackupScripts(store.name, props.target) });
    const scriptsVolume = { name: 'scripts', configMap: { name: scriptsName, defaultMode: 0o555 } };
    this.addVolume(scriptsVolume);
    this.container.mount(SCRIPTS_PATH, 'scripts', { readOnly: true });
    let backupVolume: Record<string, unknown> | undefined;
    if (props.target.kind === 'volume') {
      const claimName = `${store.name}-backups`;
      new k8s.KubePersistentVolumeClaim(this, 'volume', {
        metadata: { name: claimName, annotations: { 'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false' } },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: props.target.volume.storageClassName ?? env.platform.storage.defaultClass,
          resources: { requests: { storage: k8s.Quantity.fromString(props.target.volume.size) } },
        },
      });
      backupVolume = { name: 'backup', persistentVolumeClaim: { claimName } };
      this.addVolume(backupVolume);
      this.container.mount(BACKUP_ROOT, 'backup');
    }
    setEnv(this, copyEnv(store, buckets, 'read', props.target));
    allowCopyFlows(this, store, props.target);

    this.restoreJob = new BucketRestoreJob(scope, `${store.name}-restore`, { store, buckets, target: props.target, scriptsVolume, backupVolume });
  }

  /** The backup volume counts once against the namespace's storage quota. */
  protected storagePerPod(): [number, number] {
    return this.target.kind === 'volume' ? [parseQuantity(this.target.volume.size) ?? 0, 1] : [0, 0];
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    const p = this.backupProps;
    if (p.buckets !== undefined && !Array.isArray(p.buckets))
      report.error('bucket-backup.buckets.list-buckets', 'buckets', 'must be a list of buckets of this store (store.addBucket(...))');
    if (this.buckets.length === 0)
      report.error(
        'bucket-backup.buckets.bucket-back',
        'buckets',
        `${this.store.node.path} has no bucket to back up: add one with addBucket(), or drop the backup`,
      );
    this.buckets.forEach((bucket, i) => {
      if (bucket?.store !== this.store)
        report.error('bucket-backup.buckets.bucket', `buckets[${i}]`, `'${bucket?.name}' is not a bucket of ${this.store.node.path}`);
    });
    if (p.target.kind === 'volume') {
      const problem = checkQuantity(p.target.volume.size, 'bytes');
      if (problem || (parseQuantity(p.target.volume.size) ?? 0) <= 0)
        report.error('bucket-backup.target.volume.size', 'target.volume.size', `'${p.target.volume.size}' must be a positive quantity, e.g. 20Gi`);
      return;
    }
    const s3 = p.target.s3;
    if (s3.server?.peer === this.store) {
      report.error(
        'bucket-backup.target.bucket-itself',
        'target',
        `bucket '${s3.bucket}' is on ${this.store.node.path} itself: a copy on the same server and disk is lost with it; back up to another server, AWS S3 or a volume`,
      );
    }
    if (s3.prefix !== undefined && !/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/.test(s3.prefix))
      report.error(
        'bucket-backup.target.s3.prefix',
        'target.s3.prefix',
        `'${s3.prefix}' must be key segments separated by '/', without leading or trailing '/'`,
      );
    if (s3.endpoint !== undefined && !/^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(s3.endpoint))
      report.error('bucket-backup.target.s3.endpoint', 'target.s3.endpoint', `'${s3.endpoint}' must be an http(s) URL without a path`);
    if (s3.endpoint !== undefined && !s3.server && !s3.endpoint.startsWith('https://'))
      report.error(
        'bucket-backup.target.s3.server',
        'target.s3.server',
        'an http endpoint is an in-cluster server: give `server` so the backup pods may reach it (and nothing else)',
      );
  }
}
