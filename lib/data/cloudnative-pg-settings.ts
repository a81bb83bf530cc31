import type { BackupTarget } from '../backup/target';
import { Duration, durationSeconds, postgresDuration } from '../core/duration';

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
  /** How long backups and WAL are kept, in whole days: the window point-in-time recovery can reach. @default Duration.days(30) */
  readonly retention?: Duration;
}

/** PostgreSQL run by the CloudNativePG operator. */
export interface CloudNativePgProps {
  /** Instances: one primary and `instances - 1` streaming standbys the operator fails over to. At least 2 in prod. */
  readonly instances: number;
  /**
   * Recovery point objective: the most recent committed data a restore may lose.
   * WAL is archived at least this often (`archive_timeout`). From 1 minute to 24 hours; needs `backup`.
   * @default Duration.minutes(5)
   */
  readonly rpo?: Duration;
  /** Base backups and the WAL archive. Required in prod. @default - none (only allowed outside prod) */
  readonly backup?: CloudNativePgBackupProps;
  /**
   * An operand image of your own instead of CloudNativePG's for the store's version: one that
   * carries an extension CloudNativePG's images lack. Required for flavour `timescaledb`.
   * @default - CloudNativePG's standard image for the store's version (CNPG_IMAGES)
   */
  readonly image?: CloudNativePgImage;
  /**
   * Libraries in the image the server loads at start (`.spec.postgresql.shared_preload_libraries`;
   * the operator merges in the ones it manages itself, such as `pg_stat_statements`). A library
   * the image lacks stops every instance from starting. Flavour `timescaledb` adds `timescaledb`.
   * @default - none
   */
  readonly sharedPreloadLibraries?: readonly string[];
  /**
   * Run this cluster as a backup site's copy of another site's cluster (a CloudNativePG replica
   * cluster): bootstrapped from the origin's base backups and kept in step by replaying its WAL
   * archive, read-only until promoted (`spec.replica.enabled: false`). Its own `backup`, if
   * any, must archive elsewhere than the origin.
   * @default - a cluster of its own, created empty (initdb)
   */
  readonly replicaOf?: CloudNativePgReplicaSource;
}

/**
 * A PostgreSQL operand image for CloudNativePG other than its own. What CloudNativePG needs of
 * one (docs/src/container_images.md, v1.30.0): `initdb`, `postgres`, `pg_ctl`, `pg_controldata`
 * and `pg_basebackup` on the PATH and working locales; no entrypoint (the operator runs its
 * instance manager) and no barman-cloud (the Barman Cloud plugin brings it in its sidecar).
 */
export interface CloudNativePgImage {
  /**
   * The image, pinned by an explicit version tag, e.g.
   * `docker.io/timescale/timescaledb-ha:pg17.6-ts2.21.3`. Its PostgreSQL major must be the
   * store's `version`: the Cluster selects it through an ImageCatalog under that major, which
   * the operator trusts without inspecting the image (tags such as `pg17.6-ts2.21.3` do not
   * start with the major, so the operator could not read it from `imageName`).
   */
  readonly reference: string;
  /** The uid of the image's `postgres` user, which owns its files (Cluster `postgresUID`). @default 26 (CloudNativePG's images) */
  readonly uid?: number;
  /** The gid of that user (Cluster `postgresGID`). @default - the uid */
  readonly gid?: number;
}

/** Where a replica cluster reads its origin from: the origin's WAL archive and base backups. */
export interface CloudNativePgReplicaSource {
  /**
   * The origin's backup target as the origin names it (the S3 bucket, prefix and region it
   * archives to), with keys by Secret reference that may read it.
   */
  readonly target: BackupTarget;
  /** The origin cluster's name: its folder in the archive. @default - this cluster's name */
  readonly serverName?: string;
}

/** The name of the origin in a replica cluster's `externalClusters`. */
export const REPLICA_ORIGIN = 'origin';

/** The name of the Barman Cloud plugin, as a Cluster and a ScheduledBackup refer to it. */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

/** CloudNativePG operand images (minimal Debian trixie plus the standard extensions), pinned like ENGINE_IMAGES. */
export const CNPG_IMAGES: Readonly<Record<string, string>> = {
  '15': 'ghcr.io/cloudnative-pg/postgresql:15.14-standard-trixie',
  '16': 'ghcr.io/cloudnative-pg/postgresql:16.10-standard-trixie',
  '17': 'ghcr.io/cloudnative-pg/postgresql:17.6-standard-trixie',
  '18': 'ghcr.io/cloudnative-pg/postgresql:18.0-standard-trixie',
};

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
export const DEFAULT_RPO = Duration.minutes(5);

/**
 * The archive settings of cluster `serverName` in `namespace` backing up to `target` with
 * recovery point objective `rpo` (undefined when the target is not S3 or the rpo is not a
 * Duration; both are validation errors).
 */
export function cloudNativePgArchiveSettings(
  serverName: string,
  namespace: string,
  target: BackupTarget,
  rpo: Duration = DEFAULT_RPO,
): CloudNativePgArchiveSettings | undefined {
  const seconds = durationSeconds(rpo);
  if (target?.kind !== 's3' || typeof seconds !== 'number') return undefined;
  const prefix = (target.s3.prefix ?? `${namespace}/cnpg`).replace(/^\/+|\/+$/g, '');
  return {
    destinationPath: `s3://${target.s3.bucket}/${prefix}`,
    serverName,
    endpointUrl: target.endpointUrl,
    walCompression: 'gzip',
    dataCompression: 'gzip',
    archiveTimeout: postgresDuration(seconds),
    archiveTimeoutSeconds: seconds,
  };
}

/** Barman's spelling of a retention of whole days (`30d`, `4w`); undefined when it is not whole days. */
export function barmanRetention(retention: Duration): string | undefined {
  const seconds = durationSeconds(retention);
  if (typeof seconds !== 'number' || seconds % 86400 !== 0) return undefined;
  const days = seconds / 86400;
  return days % 7 === 0 ? `${days / 7}w` : `${days}d`;
}
