import type { BackupTarget } from '../backup/target';

/** Backups the Percona operator takes with Percona Backup for MongoDB (PBM): scheduled full backups and continuous oplog slices. */
export interface PerconaBackupOptions {
  /** The bucket (PBM writes to object storage; prod requires one outside the cluster). */
  readonly target: BackupTarget;
  /** Cron schedule (UTC) of the full (logical) backup. @default '0 2 * * *' (daily at 02:00) */
  readonly schedule?: string;
  /** Full backups kept (older ones and their oplog are deleted from the bucket). @default 7 */
  readonly keep?: number;
  /**
   * Minutes of oplog in each slice PBM uploads between backups (point-in-time recovery):
   * the worst-case loss with the whole replica set. @default 10
   */
  readonly oplogSpanMinutes?: number;
}

/** A MongoDB replica set run by the Percona Operator for MongoDB. */
export interface PerconaEngineOptions {
  /** Voting members of the replica set: 3, 5 or 7 (odd, so that a majority survives a lost member). */
  readonly members: number;
  /** The recovery point objective, e.g. `10m`: checked against the oplog span. @default - not checked */
  readonly rpo?: string;
  /** Backups with point-in-time recovery. @default - none (a synth error in prod) */
  readonly backup?: PerconaBackupOptions;
}

/**
 * Which engine runs a MongoDb store. `statefulSet()` (the default) renders the store's own
 * replica set StatefulSet; `percona()` hands it to the Percona Operator for MongoDB
 * (replica set management, failover, PBM backups with oplog point-in-time recovery).
 */
export class MongoDbEngine {
  /** The plain StatefulSet of the MongoDb construct. */
  public static statefulSet(): MongoDbEngine {
    return new MongoDbEngine('statefulset');
  }

  /** A `PerconaServerMongoDB` (github.com/percona/percona-server-mongodb-operator). */
  public static percona(options: PerconaEngineOptions): MongoDbEngine {
    return new MongoDbEngine('percona', options);
  }

  private constructor(
    /** `statefulset` or `percona`. */
    public readonly kind: 'statefulset' | 'percona',
    /** The operator options, for `percona`. */
    public readonly percona?: PerconaEngineOptions,
  ) {}
}
