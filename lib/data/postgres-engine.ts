import type { BackupTarget } from '../backup/target';
import { parseDuration, postgresDuration } from './engine-validation';

/** Base backups of a CloudNativePG cluster, beside its continuous WAL archive. */
export interface CloudNativePgBackupProps {
  /**
   * Where base backups and the WAL archive go: an S3 bucket (AWS S3, or an S3-compatible
   * server given by `endpoint`). The access key id and secret access key must be Secret
   * references (CloudNativePG reads both from Secrets).
   */
  readonly target: BackupTarget;
  /** When a base backup starts, five-field cron in UTC. @default '0 2 * * *' */
  readonly schedule?: string;
  /** How long backups and WAL are kept (`<n>d`, `<n>w` or `<n>m`): the window point-in-time recovery can reach. @default '30d' */
  readonly retention?: string;
}

/** PostgreSQL run by the CloudNativePG operator. */
export interface CloudNativePgProps {
  /** Instances: one primary and `instances - 1` streaming standbys the operator fails over to. At least 2 in prod. */
  readonly instances: number;
  /**
   * Recovery point objective: the most recent committed data a restore may lose, e.g. `5m`.
   * WAL is archived at least this often (`archive_timeout`). From `1m` to `24h`; needs `backup`.
   * @default '5m'
   */
  readonly rpo?: string;
  /** Base backups and the WAL archive. Required in prod. @default - none (only allowed outside prod) */
  readonly backup?: CloudNativePgBackupProps;
}

/** How a `Postgres` store runs: the library's own StatefulSet, or a CloudNativePG `Cluster`. */
export class PostgresEngine {
  /** One PostgreSQL server in a StatefulSet rendered by the library (the default). */
  public static statefulSet(): PostgresEngine {
    return new PostgresEngine('statefulset');
  }

  /** A CloudNativePG `Cluster`: streaming standbys, automated failover, WAL archiving and point-in-time recovery. */
  public static cloudNativePg(props: CloudNativePgProps): PostgresEngine {
    return new PostgresEngine('cloudnative-pg', props);
  }

  /** Whether `value` was built by these factories (props are not trusted at run time). */
  public static isPostgresEngine(value: unknown): value is PostgresEngine {
    return value instanceof PostgresEngine;
  }

  private constructor(
    public readonly kind: 'statefulset' | 'cloudnative-pg',
    /** The CloudNativePG settings (kind `cloudnative-pg` only). */
    public readonly cloudNativePgProps?: CloudNativePgProps,
  ) {}
}

/** The name of the Barman Cloud plugin, as a Cluster and a ScheduledBackup refer to it. */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

/**
 * What barman-cloud does for a cluster: the settings the rendered ObjectStore and Cluster
 * use, and that anything else archiving or restoring the same server must use too (the
 * real-engine PITR test runs barman-cloud with exactly these).
 */
export interface CloudNativePgArchiveSettings {
  /** `s3://<bucket>/<prefix>`; barman-cloud keeps each server under `<destinationPath>/<serverName>/` (`base/` and `wals/`). */
  readonly destinationPath: string;
  /** The server's folder name: the cluster's name. */
  readonly serverName: string;
  /** The S3 endpoint; `https://s3.<region>.amazonaws.com` for AWS S3, so the region is fixed. */
  readonly endpointUrl: string;
  /** Compression of WAL segments (barman-cloud-wal-archive `--gzip`). */
  readonly walCompression: 'gzip';
  /** Compression of base backups (barman-cloud-backup `--gzip`). */
  readonly dataCompression: 'gzip';
  /** PostgreSQL's `archive_timeout`: a segment is archived at least this often, which bounds the data a restore loses. */
  readonly archiveTimeout: string;
  /** The same, in seconds. */
  readonly archiveTimeoutSeconds: number;
}

/** The default recovery point objective. */
export const DEFAULT_RPO = '5m';

/**
 * The archive settings of cluster `serverName` in `namespace` backing up to `target` with
 * recovery point objective `rpo` (undefined when the target is not S3 or the rpo does not parse;
 * both are validation errors).
 */
export function cloudNativePgArchiveSettings(
  serverName: string,
  namespace: string,
  target: BackupTarget,
  rpo: string = DEFAULT_RPO,
): CloudNativePgArchiveSettings | undefined {
  const seconds = parseDuration(rpo);
  if (target?.kind !== 's3' || seconds === undefined) return undefined;
  const s3 = target.s3;
  const prefix = (s3.prefix ?? `${namespace}/cnpg`).replace(/^\/+|\/+$/g, '');
  return {
    destinationPath: `s3://${s3.bucket}/${prefix}`,
    serverName,
    endpointUrl: s3.endpoint ?? `https://s3.${s3.region ?? 'us-east-1'}.amazonaws.com`,
    walCompression: 'gzip',
    dataCompression: 'gzip',
    archiveTimeout: postgresDuration(seconds),
    archiveTimeoutSeconds: seconds,
  };
}
