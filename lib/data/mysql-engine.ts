import type { BackupTarget } from '../backup/target';

/** Backups MOCO takes: a full dump (MySQL Shell) and the binary logs since the previous run, to an S3 bucket. */
export interface MocoBackupOptions {
  /** The bucket (MOCO writes to object storage only; prod requires one outside the cluster). */
  readonly target: BackupTarget;
  /**
   * Cron schedule (UTC) of the backup Job. Each run uploads a full dump and the binary logs
   * since the previous run, so the longest gap between two runs is the worst-case data loss.
   * @default '0 * * * *' (hourly)
   */
  readonly schedule?: string;
  /** Size of the generic ephemeral volume a backup or restore works in (one uncompressed dump). @default '20Gi' */
  readonly workVolumeSize?: string;
}

/** A MySQL cluster run by MOCO. */
export interface MocoEngineOptions {
  /**
   * mysqld instances: one primary and `instances - 1` replicas with semi-synchronous GTID
   * replication and automatic failover. MOCO accepts 1, 3 or 5; prod needs 3 (tolerates one
   * lost instance without losing a committed transaction).
   */
  readonly instances: number;
  /** The recovery point objective, e.g. `1h`: checked against the backup schedule. @default - not checked */
  readonly rpo?: string;
  /** Backups with binary logs for point-in-time recovery. @default - none (a synth error in prod) */
  readonly backup?: MocoBackupOptions;
}

/**
 * Which engine runs a MySql store. `statefulSet()` (the default) renders the store's own
 * single-server StatefulSet; `moco()` hands it to the MOCO operator (primary + replicas,
 * failover, backups with binary logs and point-in-time recovery).
 */
export class MySqlEngine {
  /** The plain StatefulSet of the MySql construct (one server). */
  public static statefulSet(): MySqlEngine {
    return new MySqlEngine('statefulset');
  }

  /** A MOCO `MySQLCluster` (github.com/cybozu-go/moco). */
  public static moco(options: MocoEngineOptions): MySqlEngine {
    return new MySqlEngine('moco', options);
  }

  private constructor(
    /** `statefulset` or `moco`. */
    public readonly kind: 'statefulset' | 'moco',
    /** The MOCO options, for `moco`. */
    public readonly moco?: MocoEngineOptions,
  ) {}
}
