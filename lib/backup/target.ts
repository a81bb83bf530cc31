import type { IConstruct } from 'constructs';
import { addCheck, ValidationReport } from '../core/validation';
import { Connections, INetworkPeer } from '../security/network';
import { EnvValue, SecretKeyValue } from '../workloads/env';

/** Backups kept on a PersistentVolumeClaim of their own, in the store's namespace. */
export interface VolumeTargetProps {
  /** Size of the backup volume, e.g. `20Gi`: room for `keep` backups. */
  readonly size: string;
  /** @default - the cluster profile's `platform.storage.defaultClass`, else the cluster default */
  readonly storageClassName?: string;
}

/** An in-cluster S3-compatible server (MinIO): what the backup pods must be allowed to reach. */
export interface S3Server {
  /** The server's pods, for the NetworkPolicy allowance. */
  readonly peer: INetworkPeer;
  /** The port the server listens on. */
  readonly port: number;
}

/** The region an S3 client signs for when the target names none (AWS S3's first region; MinIO's default). */
export const DEFAULT_S3_REGION = 'us-east-1';

/** Backups copied to a bucket of AWS S3 or of an S3-compatible server. */
export interface S3TargetProps {
  readonly bucket: string;
  /** Key prefix under which each backup is a folder named by its start time. @default '<namespace>/<store>' */
  readonly prefix?: string;
  /** Endpoint of an S3-compatible server, e.g. `http://minio.shop-prod.svc:9000`. @default - AWS S3 */
  readonly endpoint?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Access key id: by reference, or a plain name (an access key id is not a secret). */
  readonly accessKeyId: SecretKeyValue | string;
  /** Secret access key, by reference. */
  readonly secretAccessKey: SecretKeyValue;
  /**
   * The in-cluster server behind `endpoint`: the backup and restore pods get a
   * NetworkPolicy allowance to exactly it. @default - AWS: HTTPS egress outside the cluster's ranges
   */
  readonly server?: S3Server;
  /**
   * Local scratch space for one dump before the upload (an emptyDir): at least the size of
   * one compressed dump. @default '4Gi'
   */
  readonly scratchSize?: string;
}

/** Host names that only resolve inside the cluster (a Service name, `<svc>.<ns>.svc`, `cluster.local`). */
const IN_CLUSTER_HOST = /(^|\.)(svc|svc\.cluster\.local|cluster\.local)$|^[a-z0-9-]+$/;

/** A PersistentVolumeClaim of the store's namespace (`BackupTarget.volume`). */
export class VolumeBackupTarget {
  public readonly kind = 'volume' as const;
  constructor(public readonly volume: VolumeTargetProps) {}

  /** A volume of the cluster dies with the cluster. */
  public offClusterProblem(): string | undefined {
    return 'a volume in the cluster dies with the cluster; back up to an S3 bucket outside it';
  }

  /** Nothing to reach: the volume is mounted. */
  public allowAccess(_connections: Connections): void {}
}

/** A bucket of AWS S3 or of an S3-compatible server (`BackupTarget.s3`). */
export class S3BackupTarget {
  public readonly kind = 's3' as const;
  constructor(public readonly s3: S3TargetProps) {}

  /** The region clients sign for. */
  public get region(): string {
    return this.s3.region ?? DEFAULT_S3_REGION;
  }

  /** The endpoint URL: the server's, or AWS S3's regional endpoint (so the region is fixed). */
  public get endpointUrl(): string {
    return this.s3.endpoint ?? `https://s3.${this.region}.amazonaws.com`;
  }

  /** The port of the endpoint (443 for AWS S3 and https, 80 for http, else the URL's). */
  public get endpointPort(): number {
    try {
      const url = new URL(this.endpointUrl);
      return url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
    } catch {
      return 443; // a malformed endpoint is reported by the validation of the field
    }
  }

  /** Why the bucket would die with the cluster (an in-cluster server or a cluster-only host name), or undefined. */
  public offClusterProblem(): string | undefined {
    if (this.s3.server !== undefined)
      return `is an S3 server inside the cluster (${this.s3.endpoint ?? 'its endpoint'}); backups must leave the cluster`;
    const endpoint = this.s3.endpoint;
    if (typeof endpoint !== 'string') return undefined;
    let host: string;
    try {
      host = new URL(endpoint).hostname;
    } catch {
      return undefined; // reported as a malformed endpoint by the validation of the field
    }
    return IN_CLUSTER_HOST.test(host) ? `endpoint '${endpoint}' resolves only inside the cluster; backups must leave the cluster` : undefined;
  }

  /** The one flow a pod needs to reach the bucket: to the in-cluster server, or to the endpoint's port outside the cluster. */
  public allowAccess(connections: Connections): void {
    if (this.s3.server) connections.allowTo(this.s3.server.peer, { port: this.s3.server.port });
    else connections.allowToInternet([{ port: this.endpointPort }]);
  }

  /**
   * How an S3 client (aws-cli, mc wrappers, the backup scripts) reaches the bucket: region,
   * keys by reference, endpoint, bucket and the prefix (`defaultPrefix` when the target names none).
   */
  public environment(defaultPrefix: string): Record<string, EnvValue | undefined> {
    return {
      AWS_REGION: this.region,
      AWS_ACCESS_KEY_ID: this.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.s3.secretAccessKey,
      S3_ENDPOINT: this.s3.endpoint,
      S3_BUCKET: this.s3.bucket,
      S3_PREFIX: this.s3.prefix ?? defaultPrefix,
    };
  }
}

/** Where a store's backups are kept. */
export type BackupTarget = VolumeBackupTarget | S3BackupTarget;

export const BackupTarget = {
  /** A PersistentVolumeClaim of its own (kept when the system is deleted). */
  volume(props: VolumeTargetProps): BackupTarget {
    return new VolumeBackupTarget(props);
  },
  /** A bucket of AWS S3, or of an S3-compatible server (MinIO) when `endpoint` and `server` are given. */
  s3(props: S3TargetProps): BackupTarget {
    return new S3BackupTarget(props);
  },
  /** Whether `value` was made by these factories (props are not trusted at run time). */
  isBackupTarget(value: unknown): value is BackupTarget {
    return value instanceof VolumeBackupTarget || value instanceof S3BackupTarget;
  },
};

/**
 * The one rule every backup to a bucket follows in prod, whoever writes it (the library's
 * BackupSchedule or an operator engine): a bucket inside the cluster dies with it.
 */
export function checkBucketLeavesCluster(report: ValidationReport, target: S3BackupTarget, field: string, environment: string): void {
  const inside = target.offClusterProblem();
  if (environment === 'prod' && inside) {
    report.error('store.backup.target-in-cluster', field, `${inside}: in prod, use a bucket outside it (AWS S3 or an external S3 endpoint)`);
  }
}

/**
 * Reports a target that was given as an object but is no BackupTarget (from JavaScript); a
 * missing one is the prop check's. One rule for every construct that takes a target.
 */
export function checkGivenTarget(scope: IConstruct, valid: boolean, target: unknown): void {
  if (valid || target === undefined || target === null || typeof target !== 'object') return;
  addCheck(scope, (report) => report.error('backup.target-not-a-target', 'target', 'must be BackupTarget.volume({...}) or BackupTarget.s3({...})'));
}
