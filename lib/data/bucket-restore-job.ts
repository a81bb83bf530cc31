import { Construct } from 'constructs';
import { setPlacement } from '../core/placement';
import { BackupTarget } from '../backup/target';
import { RUN_TO_COMPLETION_POD, Workload } from '../workloads/workload';
import { allowCopyFlows, BACKUP_ROOT, BackupBucket, copyEnv, IBucketSource, SCRIPTS_PATH, setEnv } from './bucket-copy';
import { TOOL_IMAGES } from './versions';

/** What the bucket backup hands its restore Job. */
export interface BucketRestoreJobProps {
  readonly store: IBucketSource;
  readonly buckets: readonly BackupBucket[];
  readonly target: BackupTarget;
  /** The backup's scripts ConfigMap, as a volume. */
  readonly scriptsVolume: Record<string, unknown>;
  /** The backup volume (volume targets only). @default - none: the copy is in a bucket */
  readonly backupVolume?: Record<string, unknown>;
}

const RESOURCES = { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

/**
 * Restores an ObjectStore's buckets from their backup copy: a Job written to
 * `dist/<env>/<system>/restore/`, run by hand (see the system README's runbook).
 */
export class BucketRestoreJob extends Workload {
  public readonly store: IBucketSource;

  constructor(scope: Construct, id: string, props: BucketRestoreJobProps) {
    super(scope, id, { image: TOOL_IMAGES.mc, command: ['bash', `${SCRIPTS_PATH}/restore.sh`], resources: RESOURCES }, 'restore');
    this.store = props.store;
    this.addVolume(props.scriptsVolume);
    this.container.mount(SCRIPTS_PATH, 'scripts', { readOnly: true });
    if (props.backupVolume) {
      this.addVolume(props.backupVolume);
      this.container.mount(BACKUP_ROOT, 'backup', { readOnly: true });
    }
    setEnv(this, copyEnv(props.store, props.buckets, 'readwrite', props.target));
    allowCopyFlows(this, props.store, props.target);
    const job = this.lazyObject('job', 'batch/v1', 'Job', () => ({
      // A restore is run once, watched, and never retried on its own.
      backoffLimit: 0,
      activeDeadlineSeconds: 8 * 3600,
      ttlSecondsAfterFinished: 7 * 86400,
      template: this.podTemplate(),
    }));
    // Written to restore/, never applied by kustomize or Argo CD.
    setPlacement(job, 'restore');
  }

  protected podExtras(): Record<string, unknown> {
    return RUN_TO_COMPLETION_POD;
  }
}
