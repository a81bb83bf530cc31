import { ResourceProfile } from '../core/environment';
import { ContainerModel } from '../workloads/container';
import { EnvValue } from '../workloads/env';
import { Workload } from '../workloads/workload';
import { storeCaVolume } from '../workloads/store-ca';
import { clientPeerOf } from '../workloads/connectable';
import type { IBackupable } from './backupable';
import { BackupTarget, S3BackupTarget } from './target';

/**
 * What the backup CronJob's pods and the restore Job's pods share: where the backup
 * volume and the scripts are mounted, the variables that reach the store and the
 * bucket, and the network flows to both.
 */

/** Where the backup volume (or scratch space) is mounted in every backup and restore container. */
export const BACKUP_ROOT = '/backup';
/** Where the scripts ConfigMap is mounted. */
export const SCRIPTS_PATH = '/opt/backup';

/** The S3 client container (upload, download). */
export const S3_CLIENT_RESOURCES: ResourceProfile = {
  requests: { cpu: '50m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '512Mi' },
};

/** The scripts ConfigMap as a volume, its files executable. */
export function scriptsVolume(configMap: string): Record<string, unknown> {
  return { name: 'scripts', configMap: { name: configMap, defaultMode: 0o555 } };
}

/** The backup volume and the scripts, mounted in a backup or restore container. */
export function mountBackup(container: ContainerModel): void {
  container.mount(BACKUP_ROOT, 'backup');
  container.mount(SCRIPTS_PATH, 'scripts', { readOnly: true });
}

/** Sets the defined variables, in order. */
export function setEnv(container: ContainerModel, env: Readonly<Record<string, EnvValue | undefined>>): void {
  for (const [name, value] of Object.entries(env)) if (value !== undefined) container.addEnv(name, value);
}

/** How the dump and restore containers reach the store, as its administrator. */
export function storeEnv(store: IBackupable): Record<string, EnvValue | undefined> {
  const admin = store.adminConnection();
  return {
    STORE_HOST: admin.host,
    STORE_PORT: String(admin.port),
    STORE_MEMBERS: store.backupEngine === 'mongo' ? store.memberHosts.map((h) => `${h}:${admin.port}`).join(',') : undefined,
    MONGO_REPLICA_SET: admin.params?.replicaSet,
    STORE_USER: admin.user,
    STORE_PASSWORD: admin.password,
    BACKUP_DATABASES: store.backupDatabases.length ? store.backupDatabases.join(' ') : undefined,
    // A store that requires TLS: the engine step verifies the server with this CA (mountStoreCa).
    STORE_TLS_CA: admin.tls?.caFile,
  };
}

/** Mounts the CA of a store that requires TLS into the containers that reach it (nothing for a plain store). */
export function mountStoreCa(workload: Workload, store: IBackupable, containers: readonly ContainerModel[]): void {
  const tls = store.adminConnection().tls;
  if (!tls) return;
  const volume = storeCaVolume(store.name, tls);
  workload.addVolume({ name: volume.name, secret: volume.secret });
  for (const c of containers) c.mount(volume.mountPath, volume.name, { readOnly: true });
}

/** How the S3 client reaches the bucket: endpoint, region, keys by reference, prefix. */
export function s3Env(target: S3BackupTarget, store: IBackupable): Record<string, EnvValue | undefined> {
  return { HOME: '/tmp', AWS_EC2_METADATA_DISABLED: 'true', ...target.environment(`${store.namespaceName}/${store.name}`) };
}

/**
 * The flows a backup or restore pod needs, and only those: to the store on its port, and
 * to the target (the in-cluster S3 server, or HTTPS outside the cluster for AWS).
 */
export function allowBackupFlows(workload: Workload, store: IBackupable, target: BackupTarget): void {
  workload.connections.allowTo(clientPeerOf(store), { port: store.adminConnection().port });
  target.allowAccess(workload.connections);
}
