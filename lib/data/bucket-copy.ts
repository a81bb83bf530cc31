import { BackupTarget } from '../backup/target';
import { SecretKeyValue, EnvValue } from '../workloads/env';
import { Workload } from '../workloads/workload';

/**
 * What the bucket backup and its restore Job share: what they need of an ObjectStore and its
 * buckets (interfaces, so these files need not import the store), their variables and their
 * network flows.
 */

/** Where the scripts ConfigMap is mounted (as for the database backups). */
export const SCRIPTS_PATH = '/opt/backup';
/** Where a volume target is mounted. */
export const BACKUP_ROOT = '/backup';

/** A bucket as the backup sees it: its name, its store, and its users. */
export interface BackupBucket {
  readonly name: string;
  /** The store the bucket belongs to. */
  readonly store: object;
  /** The MinIO user that may `access` this bucket only. */
  user(access: 'read' | 'readwrite'): { readonly accessKey: string; readonly secretKey: SecretKeyValue };
}

/** An ObjectStore as the backup sees it. */
export interface IBucketSource extends Workload {
  /** The S3 endpoint inside the cluster. */
  readonly endpoint: string;
  /** The port of the S3 API. */
  readonly apiPort: number;
  /** Every bucket of the store. */
  readonly buckets: readonly BackupBucket[];
}

/** The variables of mirror.sh and restore.sh: the source (a user per bucket) and the copy. */
export function copyEnv(
  store: IBucketSource,
  buckets: readonly BackupBucket[],
  access: 'read' | 'readwrite',
  target: BackupTarget,
): Record<string, EnvValue | undefined> {
  const env: Record<string, EnvValue | undefined> = {
    HOME: '/tmp',
    // mc keeps its aliases here (the /tmp emptyDir), whatever HOME the image gives the user.
    MC_CONFIG_DIR: '/tmp/.mc',
    SOURCE_ENDPOINT: store.endpoint,
    BUCKETS: buckets.map((b) => b?.name).join(' '),
  };
  buckets.forEach((bucket, i) => {
    if (bucket?.store !== store) return;
    const user = bucket.user(access);
    env[`SOURCE_ACCESS_KEY_${i}`] = user.accessKey;
    env[`SOURCE_SECRET_KEY_${i}`] = user.secretKey;
  });
  if (target.kind === 'volume') return { ...env, BACKUP_ROOT };
  return { ...env, ...target.environment(`${store.namespaceName}/${store.name}`) };
}

export function setEnv(workload: Workload, env: Record<string, EnvValue | undefined>): void {
  for (const [name, value] of Object.entries(env)) if (value !== undefined) workload.container.addEnv(name, value);
}

/** To the store's S3 port, and to the target: the in-cluster server, or HTTPS outside the cluster. */
export function allowCopyFlows(workload: Workload, store: IBucketSource, target: BackupTarget): void {
  workload.connections.allowTo(store, { port: store.apiPort });
  target.allowAccess(workload.connections);
}
