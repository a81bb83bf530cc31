import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { PerconaServerMongoDb } from '../../imports/perconaservermongodbs-psmdb.percona.com';
import type { BackupTarget, S3BackupTarget } from '../backup/target';
import { Duration, durationSeconds } from '../core/duration';
import { Json } from '../core/json';
import { requirePlatform } from '../core/platform-requirements';
import { INetworkPeer, NetworkPeer } from '../security/network';
import { ContainerModel } from '../workloads/container';
import { SecretKeyValue } from '../workloads/env';

/** Percona Operator for MongoDB release whose CRD (imports/crds/psmdb.percona.com_perconaservermongodbs.yaml) this output is written against. */
export const PSMDB_VERSION = '1.23.0';

/** What the operator's images, ports and users are at that release (e2e-tests/release_versions, pkg/naming, psmdb_types.go). */
export const PSMDB = {
  port: 27017,
  /** uid and gid of the Percona Server for MongoDB images. */
  uid: 1001,
  mongodImages: {
    '7.0': 'docker.io/percona/percona-server-mongodb:7.0.37-20',
    '8.0': 'docker.io/percona/percona-server-mongodb:8.0.26-11',
  } as Readonly<Record<string, string>>,
  backupImage: 'docker.io/percona/percona-backup-mongodb:2.15.0',
  /** Keys of the system users Secret (`spec.secrets.users`), which the operator fills when they are missing. */
  systemUserKeys: [
    'MONGODB_BACKUP_USER',
    'MONGODB_BACKUP_PASSWORD',
    'MONGODB_DATABASE_ADMIN_USER',
    'MONGODB_DATABASE_ADMIN_PASSWORD',
    'MONGODB_CLUSTER_ADMIN_USER',
    'MONGODB_CLUSTER_ADMIN_PASSWORD',
    'MONGODB_CLUSTER_MONITOR_USER',
    'MONGODB_CLUSTER_MONITOR_PASSWORD',
    'MONGODB_USER_ADMIN_USER',
    'MONGODB_USER_ADMIN_PASSWORD',
  ],
  /** The keys PBM reads from the Secret named by an S3 storage's `credentialsSecret`. */
  s3CredentialKeys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
} as const;

/** Resources of the PBM agent beside each mongod (it streams the oplog and runs backups and restores). */
export const PBM_AGENT_RESOURCES = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } } as const;

/** The labels the operator puts on the mongod pods of one replica set. */
export function psmdbPodLabels(cluster: string, replset: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'percona-server-mongodb',
    'app.kubernetes.io/instance': cluster,
    'app.kubernetes.io/managed-by': 'percona-server-mongodb-operator',
    'app.kubernetes.io/part-of': 'percona-server-mongodb',
    'app.kubernetes.io/replset': replset,
    'app.kubernetes.io/component': 'mongod',
  };
}

/** The name of the system users Secret of a cluster. */
export function psmdbSystemUsersSecret(cluster: string): string {
  return `${cluster}-system-users`;
}

/** Backups the Percona operator takes with Percona Backup for MongoDB (PBM): scheduled full backups and continuous oplog slices. */
export interface PerconaBackupOptions {
  /** The bucket (PBM writes to object storage; prod requires one outside the cluster). */
  readonly target: BackupTarget;
  /** Cron schedule (UTC) of the full (logical) backup. @default '0 2 * * *' (daily at 02:00) */
  readonly schedule?: string;
  /** Full backups kept (older ones and their oplog are deleted from the bucket). @default 7 */
  readonly keep?: number;
  /**
   * How much oplog each slice PBM uploads between backups holds (point-in-time recovery), in
   * whole minutes: the worst-case loss with the whole replica set. @default Duration.minutes(10)
   */
  readonly oplogSpan?: Duration;
}

/** A MongoDB replica set run by the Percona Operator for MongoDB. */
export interface PerconaEngineOptions {
  /** Voting members of the replica set: 3, 5 or 7 (odd, so that a majority survives a lost member). */
  readonly members: number;
  /** The recovery point objective, e.g. `Duration.minutes(10)`: checked against the oplog span. @default - not checked */
  readonly rpo?: Duration;
  /** Backups with point-in-time recovery. @default - none (a synth error in prod) */
  readonly backup?: PerconaBackupOptions;
}

/** The default oplog span of PBM's point-in-time recovery. */
export const DEFAULT_OPLOG_SPAN = Duration.minutes(10);

/** Minutes of `span` when it is a Duration of whole minutes, else undefined (a validation error). */
export function oplogSpanMinutes(span: unknown): number | undefined {
  const seconds = durationSeconds(span);
  return typeof seconds === 'number' && seconds % 60 === 0 ? seconds / 60 : undefined;
}

/** The store a PerconaCluster renders (the MongoDb construct on the Percona engine). */
export interface PerconaStore extends INetworkPeer {
  readonly name: string;
  readonly container: ContainerModel;
  readonly sidecars: readonly ContainerModel[];
  readonly replicas: number;
}

export interface PerconaClusterProps {
  readonly engine: PerconaEngineOptions;
  /** The application's database, user and password (the operator creates the user). */
  readonly application: { readonly database: string; readonly user: string; readonly password: SecretKeyValue };
  readonly image: string;
  readonly replicaSetName: string;
  /** Size of each member's data volume. */
  readonly storage: string;
  /** Storage class of the data volumes. @default - the cluster's default class */
  readonly storageClassName?: string;
  /** Where the operator runs (it connects to every member). */
  readonly operator: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };
}

/**
 * A MongoDB replica set run by the Percona Operator for MongoDB: the `PerconaServerMongoDB`
 * (members, restricted security contexts on mongod, the PBM agent and the operator's init
 * container, volumes, the exporter sidecar), the application user through the operator's
 * `users` (readWrite on its database only, password by reference), and PBM backups with
 * oplog point-in-time recovery to S3. Made by MongoDb with `engine: MongoDbEngine.percona(...)`.
 */
export class PerconaCluster extends Construct {
  /** The PerconaServerMongoDB object. */
  public readonly cluster: ApiObject;
  /** Where PBM writes backups and oplog slices, when backups are on. */
  public readonly backupTarget?: BackupTarget;
  /** Schedule of the full backup task, when backups are on. */
  public readonly backupSchedule?: string;

  constructor(scope: Construct, id: string, store: PerconaStore, props: PerconaClusterProps) {
    super(scope, id);
    const engine = props.engine;
    const name = store.name;
    requirePlatform(this, {
      component: 'percona-server-mongodb-operator',
      minVersion: PSMDB_VERSION,
      reason: 'psmdb.percona.com/v1 PerconaServerMongoDB with crVersion 1.23.0 (users with passwordSecretRef, PBM point-in-time recovery)',
    });
    const restricted = {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      runAsNonRoot: true,
      runAsUser: PSMDB.uid,
      runAsGroup: PSMDB.uid,
      seccompProfile: { type: 'RuntimeDefault' },
    };
    const backup = engine.backup;
    const bucket = backup?.target?.kind === 's3' ? backup.target : undefined;
    const s3 = bucket?.s3;
    this.backupTarget = backup?.target;
    this.backupSchedule = backup ? (backup.schedule ?? '0 2 * * *') : undefined;
    const credentialsSecret = s3 && typeof s3.secretAccessKey === 'object' ? s3.secretAccessKey.secret.secretName : undefined;
    const mongod = store.container;

    this.cluster = new ApiObject(this, 'cluster', {
      ...PerconaServerMongoDb.GVK,
      metadata: { name },
      spec: {
        crVersion: PSMDB_VERSION,
        image: props.image,
        imagePullPolicy: 'IfNotPresent',
        updateStrategy: 'SmartUpdate',
        // Versions are pinned here: the operator never upgrades on its own.
        upgradeOptions: { apply: 'disabled' },
        initContainerSecurityContext: restricted,
        secrets: { users: psmdbSystemUsersSecret(name) },
        replsets: [
          {
            name: props.replicaSetName,
            size: store.replicas,
            affinity: { antiAffinityTopologyKey: 'kubernetes.io/hostname' },
            podDisruptionBudget: { maxUnavailable: 1 },
            resources: {
              requests: { cpu: mongod.resources?.requests?.cpu, memory: mongod.resources?.requests?.memory },
              limits: { cpu: mongod.resources?.limits?.cpu, memory: mongod.resources?.limits?.memory },
            },
            volumeSpec: {
              persistentVolumeClaim: { storageClassName: props.storageClassName, resources: { requests: { storage: props.storage } } },
            },
            podSecurityContext: {
              runAsNonRoot: true,
              runAsUser: PSMDB.uid,
              runAsGroup: PSMDB.uid,
              fsGroup: PSMDB.uid,
              fsGroupChangePolicy: 'OnRootMismatch',
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containerSecurityContext: restricted,
            sidecars: store.sidecars.filter((c) => c.name !== 'backup-agent').map((c) => c.render()),
            // The sidecars' /tmp (their root filesystem is read-only).
            sidecarVolumes: store.sidecars.some((c) => c.name !== 'backup-agent') ? [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }] : undefined,
          },
        ],
        users: [
          {
            name: props.application.user,
            db: props.application.database,
            passwordSecretRef: { name: props.application.password.secret.secretName, key: props.application.password.key },
            roles: [{ name: 'readWrite', db: props.application.database }],
          },
        ],
        logcollector: { enabled: false },
        backup: this.backupSpec(engine, bucket, credentialsSecret, restricted),
      },
    });

    // The operator manages every member; members replicate from and vote for each other.
    const mongo = { port: PSMDB.port };
    store.connections.allowFromPeer(NetworkPeer.pods(props.operator.podLabels, props.operator.namespace), mongo);
    const self = NetworkPeer.pods(store.selectorLabels);
    store.connections.addIngress(self, [mongo]);
    store.connections.addEgress(self, [mongo]);
    // The PBM agent in every member pod uploads backups and oplog slices, and reads them back on a restore.
    bucket?.allowAccess(store.connections);
  }

  private backupSpec(
    engine: PerconaEngineOptions,
    bucket: S3BackupTarget | undefined,
    credentialsSecret: string | undefined,
    restricted: Json,
  ): Json {
    const backup = engine.backup;
    if (!backup || !bucket) return { enabled: false, image: PSMDB.backupImage };
    const s3 = bucket.s3;
    return {
      enabled: true,
      image: PSMDB.backupImage,
      resources: PBM_AGENT_RESOURCES,
      containerSecurityContext: restricted,
      storages: {
        s3: {
          type: 's3',
          main: true,
          s3: {
            bucket: s3.bucket,
            region: bucket.region,
            prefix: s3.prefix,
            endpointUrl: s3.endpoint,
            forcePathStyle: s3.endpoint !== undefined ? true : undefined,
            credentialsSecret,
          },
        },
      },
      pitr: { enabled: true, oplogSpanMin: oplogSpanMinutes(backup.oplogSpan ?? DEFAULT_OPLOG_SPAN) ?? 10, compressionType: 'zstd' },
      tasks: [
        {
          name: 'daily',
          enabled: true,
          schedule: backup.schedule ?? '0 2 * * *',
          retention: { count: backup.keep ?? 7, type: 'count', deleteFromStorage: true },
          storageName: 's3',
          type: 'logical',
          compressionType: 'zstd',
        },
      ],
    };
  }
}
