import type { SystemChart } from '../core/system-chart';
import { SecretKeyValue } from '../workloads/env';
import { ConnectionTls, IConnectable } from '../workloads/connectable';

export type BackupEngine = 'postgres' | 'mysql' | 'mongo' | 'redis';

/** How a backup or restore Job reaches a store with enough privileges to dump and restore it. */
export interface AdminConnection {
  readonly host: string;
  readonly port: number;
  /** Administrative user (superuser/root); undefined for password-only engines (Redis). */
  readonly user?: string;
  readonly password: SecretKeyValue;
  /** Extra parameters (MongoDB: replicaSet, authSource). */
  readonly params?: Readonly<Record<string, string>>;
  /** The store requires TLS: the dump and restore clients verify it with this CA (STORE_TLS_CA). @default - plain connections */
  readonly tls?: ConnectionTls;
}

/** A data store that can be backed up and restored. Implemented by every StatefulStore engine. */
export interface IBackupable extends IConnectable {
  readonly backupEngine: BackupEngine;
  /** The engine image: it holds the dump and restore tools of the matching version. */
  readonly engineImage: string;
  /** The uid/gid the engine image runs as. */
  readonly engineUid: number;
  /** Databases to dump (PostgreSQL, MySQL, MongoDB); empty for Redis. */
  readonly backupDatabases: readonly string[];
  adminConnection(): AdminConnection;
  /** The store's object name (its backup and restore Jobs are named after it). */
  readonly name: string;
  readonly chart: SystemChart;
  /** Stable DNS names of the members. */
  readonly memberHosts: string[];
}
