import { SecretKeyValue } from '../workloads/env';
import { IConnectable } from '../workloads/connectable';
import type { Workload } from '../workloads/workload';

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
}

/** A data store that can be backed up and restored. Implemented by every StatefulStore engine. */
export interface IBackupable extends IConnectable {
  readonly backupEngine: BackupEngine;
  /** The engine image: it holds the dump and restore tools of the matching version. */
  readonly engineImage: string;
  /** The uid/gid the engine image runs as. */
  readonly engineUser: number;
  /** Databases to dump (PostgreSQL, MySQL, MongoDB); empty for Redis. */
  readonly backupDatabases: readonly string[];
  adminConnection(): AdminConnection;
  /**
   * The store itself, for NetworkPolicy allowances and naming (a StatefulStore; typed by
   * what backups use of it, as data stores sit in the layer above backups).
   */
  readonly store: Workload & { readonly memberHosts: readonly string[] };
}
