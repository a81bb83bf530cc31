import { Construct } from 'constructs';
import { ResourceProfile } from '../core/environment';
import { setPlacement } from '../core/placement';
import { ContainerModel } from '../workloads/container';
import { RUN_TO_COMPLETION_POD, Workload } from '../workloads/workload';
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
import { BackupTarget } from './target';
import { S3_CLIENT_IMAGE } from './tools';
import { checkProps } from '../core/prop-check';

export interface RestoreJobProps {
  readonly store: IBackupable;
  readonly target: BackupTarget;
  /** The backup's scripts ConfigMap (restore.sh, download.sh). */
  readonly scriptsConfigMap: string;
  /** The same volume the backups are written to (the claim, or a scratch emptyDir for S3). */
  readonly backupVolume: Record<string, unknown>;
  readonly resources: ResourceProfile;
}

/** The backup restored when BACKUP_ID is not changed: the newest one. */
export const DEFAULT_BACKUP_ID = 'latest';

/**
 * Restores one backup of a store: a Job written to `dist/<env>/<system>/restore/`, never
 * applied by kustomize or Argo CD, run by hand with the backup to restore as BACKUP_ID
 * (see the system README's runbook). Its ServiceAccount and NetworkPolicy are applied
 * with the system, so the Job can run the moment it is created. With an S3 target an
 * init container downloads and checks the backup first.
 */
export class RestoreJob extends Workload {
  public readonly store: IBackupable;

  constructor(scope: Construct, id: string, props: RestoreJobProps) {
    super(
      scope,
      id,
      {
        image: props.store.engineImage,
        command: ['bash', `${SCRIPTS_PATH}/restore.sh`],
        runAs: { user: props.store.engineUid, group: props.store.engineUid, fsGroup: props.store.engineUid },
        resources: props.resources,
      },
      'restore',
    );
    checkProps(this, 'RestoreJobProps', props);
    this.store = props.store;
    this.addVolume(scriptsVolume(props.scriptsConfigMap));
    this.addVolume(props.backupVolume);
    mountBackup(this.container);
    setEnv(this.container, { ...storeEnv(props.store), BACKUP_ROOT, BACKUP_ID: DEFAULT_BACKUP_ID });
    mountStoreCa(this, props.store, [this.container]);
    if (props.target.kind === 's3') {
      const download = new ContainerModel(
        'download',
        { image: S3_CLIENT_IMAGE, command: ['bash', `${SCRIPTS_PATH}/download.sh`], runAs: { user: props.store.engineUid } },
        S3_CLIENT_RESOURCES,
      );
      mountBackup(download);
      setEnv(download, { BACKUP_ROOT, BACKUP_ID: DEFAULT_BACKUP_ID, ...s3Env(props.target, props.store) });
      this.addInitContainer(download);
    }
    allowBackupFlows(this, props.store, props.target);

    const job = this.lazyObject('job', 'batch/v1', 'Job', () => ({
      // A restore is run once, watched, and never retried on its own.
      backoffLimit: 0,
      activeDeadlineSeconds: 4 * 3600,
      ttlSecondsAfterFinished: 7 * 86400,
      template: this.podTemplate(),
    }));
    setPlacement(job, 'restore');
  }

  protected podExtras(): Record<string, unknown> {
    return RUN_TO_COMPLETION_POD;
  }
}
