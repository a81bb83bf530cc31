import { INetworkPeer } from '../security/network';
import { SecretKeyValue } from '../workloads/env';

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

/** Backups copied to a bucket of AWS S3 or of an S3-compatible server. */
export interface S3TargetProps {
  readonly bucket: string;
  /** Key prefix under which each backup is a folder named by its start time. @default '<namespace>/<store>' */
  readonly prefix?: string;
  /** Endpoint of an S3-compatible server, e.g. `http://minio.techshop-prod.svc:9000`. @default - AWS S3 */
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

/** Where a store's backups are kept. */
export type BackupTarget = { readonly kind: 'volume'; readonly volume: VolumeTargetProps } | { readonly kind: 's3'; readonly s3: S3TargetProps };

export const BackupTarget = {
  /** A PersistentVolumeClaim of its own (kept when the system is deleted). */
  volume(props: VolumeTargetProps): BackupTarget {
    return { kind: 'volume', volume: props };
  },
  /** A bucket of AWS S3, or of an S3-compatible server (MinIO) when `endpoint` and `server` are given. */
  s3(props: S3TargetProps): BackupTarget {
    return { kind: 's3', s3: props };
  },
};
