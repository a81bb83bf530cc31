import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Cluster } from '../../imports/clusters-postgresql.cnpg.io';
import { ImageCatalog } from '../../imports/imagecatalogs-postgresql.cnpg.io';
import { ObjectStore } from '../../imports/objectstores-barmancloud.cnpg.io';
import { PodMonitor } from '../../imports/podmonitors-monitoring.coreos.com';
import { ScheduledBackup } from '../../imports/scheduledbackups-postgresql.cnpg.io';
import type { ResourceProfile } from '../core/environment';
import { Json } from '../core/json';
import { requirePlatform } from '../core/platform-requirements';
import { SystemChart } from '../core/system-chart';
import { DEFAULT_EPHEMERAL_STORAGE } from '../workloads/container';
import { SecretKeyValue } from '../workloads/env';
import { Duration } from '../core/duration';
import { BARMAN_CLOUD_PLUGIN, barmanRetention, CloudNativePgArchiveSettings, CloudNativePgProps, REPLICA_ORIGIN } from './cloudnative-pg-settings';
import { pgSize, PostgresTuning } from './postgres-config';
import { InitScript, initScriptsData } from './init-scripts';
import type { CloudNativePgOperand } from './cloudnative-pg-image';

/** Port of CloudNativePG's built-in metrics exporter (named `metrics` on every instance). */
export const CNPG_METRICS_PORT = 9187;
/** Port of the instance manager's status API, which the operator calls. */
export const CNPG_STATUS_PORT = 8000;

/** The Barman Cloud plugin's sidecar (injected by the plugin v0.15.0 into every instance pod). */
export const BARMAN_CLOUD_SIDECAR_IMAGE = 'ghcr.io/cloudnative-pg/plugin-barman-cloud-sidecar:v0.15.0';
/** Its resources: barman-cloud compresses and uploads WAL segments and base backups (set on the ObjectStore). */
export const BARMAN_CLOUD_SIDECAR_RESOURCES: ResourceProfile = {
  requests: { cpu: '50m', memory: '128Mi', ephemeralStorage: '64Mi' },
  limits: { cpu: '500m', memory: '512Mi', ephemeralStorage: '1Gi' },
};

/** What a Postgres store hands to its CloudNativePG rendering. */
/**
 * The user-defined pg_hba rules with TLS required. CloudNativePG puts them after its fixed
 * rules (local peer; `hostssl ... cert` for streaming_replica and the pooler) and before its
 * default `host all all all scram-sha-256`, which plain TCP would otherwise match: the
 * `hostnossl ... reject` line refuses it (pkg/postgres/configuration.go, hbaTemplateString).
 */
const TLS_ONLY_HBA = ['hostssl all all all scram-sha-256', 'hostnossl all all all reject'];

export interface CloudNativePgClusterProps {
  /** The cluster's name (the store's): Services `<name>-rw`, `<name>-ro`, `<name>-r`. */
  readonly name: string;
  readonly engine: CloudNativePgProps;
  /** The image the instances run, its user, and what the store's flavour adds to the server. */
  readonly operand: CloudNativePgOperand;
  readonly database: string;
  readonly owner: string;
  /** The kubernetes.io/basic-auth Secret with the owner's `username` and `password`. */
  readonly ownerSecretName: string;
  readonly storage: string;
  /** @default - the cluster's default storage class */
  readonly storageClass?: string;
  readonly resources: ResourceProfile;
  readonly tuning: PostgresTuning;
  /** Labels every object the operator makes carries (the store's selector labels, so NetworkPolicies match the instances). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Archive settings. @default - none: no backups */
  readonly archive?: CloudNativePgArchiveSettings;
  /** S3 keys by reference. @default - none: no backups */
  readonly s3Credentials?: { readonly accessKeyId: SecretKeyValue; readonly secretAccessKey: SecretKeyValue };
  /** Render a PodMonitor for the built-in exporter. */
  readonly podMonitor: boolean;
  /** The store's init scripts, run in the application database at bootstrap. @default - none */
  readonly initScripts?: readonly InitScript[];
  /** cert-manager's Secret with the server's key pair and CA: TLS required. @default - the operator's certificates, plain TCP allowed */
  readonly tlsSecretName?: string;
  /**
   * The origin this cluster is a replica of: its archive (destination, server name, endpoint)
   * and the keys that read it. @default - none: a cluster of its own
   */
  readonly replicaOf?: {
    readonly archive: CloudNativePgArchiveSettings;
    readonly s3Credentials: { readonly accessKeyId: SecretKeyValue; readonly secretAccessKey: SecretKeyValue };
  };
}

type S3Keys = NonNullable<CloudNativePgClusterProps['s3Credentials']>;
const keyRef = (v: SecretKeyValue) => ({ name: v.secret.secretName, key: v.key });
/** The barman-cloud configuration of an ObjectStore for `archive`. */
function barmanConfiguration(archive: CloudNativePgArchiveSettings, keys: S3Keys): Json {
  return {
    destinationPath: archive.destinationPath,
    endpointURL: archive.endpointUrl,
    s3Credentials: { accessKeyId: keyRef(keys.accessKeyId), secretAccessKey: keyRef(keys.secretAccessKey) },
    wal: { compression: archive.walCompression, maxParallel: 2 },
    data: { compression: archive.dataCompression, jobs: 2 },
  };
}

/**
 * A CloudNativePG `Cluster` with what it needs from this repository: the Barman Cloud
 * plugin's `ObjectStore` (WAL archive and base backups), a daily `ScheduledBackup`, and a
 * PodMonitor for the built-in exporter. The operator makes the pods, the Services, the
 * PodDisruptionBudgets and the ServiceAccount; nothing here duplicates them.
 *
 * Backups use the Barman Cloud plugin (`barmancloud.cnpg.io/v1 ObjectStore`, plugin
 * v0.15.0) rather than `Cluster.spec.backup.barmanObjectStore`: the in-tree Barman Cloud
 * support is deprecated since CloudNativePG 1.26 and the plugin carries the same
 * barman-cloud tools and settings.
 */
export class CloudNativePgCluster extends Construct {
  public readonly cluster: ApiObject;
  /** The ObjectStore's name, `<cluster>-backups`; undefined without backups. */
  public readonly objectStoreName?: string;
  /** How long the ObjectStore keeps backups and WAL; undefined without backups. */
  public readonly retentionPolicy?: string;
  /** The PodMonitor's name; undefined without one. */
  public readonly podMonitorName?: string;
  /** The ScheduledBackup's name; undefined without backups. */
  public readonly scheduledBackupName?: string;
  /** The ObjectStore of the origin's archive, `<cluster>-origin`; undefined unless a replica cluster. */
  public readonly originObjectStoreName?: string;

  constructor(scope: Construct, id: string, props: CloudNativePgClusterProps) {
    super(scope, id);
    const chart = SystemChart.of(this);
    const { name, tuning, archive } = props;
    requirePlatform(this, {
      component: 'cloudnative-pg',
      minVersion: '1.26.0',
      reason: 'postgresql.cnpg.io/v1 Cluster with spec.plugins[].isWALArchiver (the Barman Cloud plugin archives WAL)',
    });

    const parameters: Record<string, string> = {
      max_connections: String(tuning.maxConnections),
      shared_buffers: pgSize(tuning.sharedBuffers),
      effective_cache_size: pgSize(tuning.effectiveCacheSize),
      work_mem: pgSize(tuning.workMem),
      maintenance_work_mem: pgSize(tuning.maintenanceWorkMem),
      max_wal_size: pgSize(tuning.maxWalSize),
      min_wal_size: pgSize(tuning.minWalSize),
      max_worker_processes: String(tuning.maxWorkerProcesses),
      max_parallel_workers: String(tuning.maxParallelWorkers),
      max_parallel_workers_per_gather: String(tuning.maxParallelWorkersPerGather),
    };
    // The recovery point objective: a WAL segment is archived at least this often, even when quiet.
    if (archive) parameters.archive_timeout = archive.archiveTimeout;
    const { operand } = props;
    Object.assign(parameters, operand.parameters);

    const initdb = {
      database: props.database,
      owner: props.owner,
      secret: { name: props.ownerSecretName },
      dataChecksums: true,
      ...(operand.postInitApplicationSql.length > 0 ? { postInitApplicationSQL: [...operand.postInitApplicationSql] } : {}),
    };
    const replica = props.replicaOf;
    if (replica) this.originObjectStoreName = `${name}-origin`;
    // A replica cluster starts from the origin's latest base backup and replays its archived WAL
    // (the origin's database, owner and init scripts come with the data); it stays read-only
    // until `replica.enabled` is set to false (the promotion of the backup site).
    const bootstrap = replica
      ? { recovery: { source: REPLICA_ORIGIN, database: props.database, owner: props.owner, secret: { name: props.ownerSecretName } } }
      : { initdb: { ...initdb, ...this.initScripts(props) } };
    const origin = replica
      ? {
          replica: { enabled: true, source: REPLICA_ORIGIN },
          externalClusters: [
            {
              name: REPLICA_ORIGIN,
              plugin: {
                name: BARMAN_CLOUD_PLUGIN,
                parameters: { barmanObjectName: this.originObjectStoreName, serverName: replica.archive.serverName },
              },
            },
          ],
        }
      : {};
    const spec: Json = {
      instances: props.engine.instances,
      ...this.image(name, operand),
      primaryUpdateStrategy: 'unsupervised',
      enableSuperuserAccess: false,
      inheritedMetadata: { labels: { ...props.podLabels } },
      bootstrap,
      ...origin,
      postgresql: {
        parameters,
        ...(operand.sharedPreloadLibraries.length > 0 ? { shared_preload_libraries: [...operand.sharedPreloadLibraries] } : {}),
        ...(props.tlsSecretName ? { pg_hba: TLS_ONLY_HBA } : {}),
      },
      // cert-manager's Secret holds the key pair and the CA (ca.crt) that clients verify with.
      ...(props.tlsSecretName ? { certificates: { serverTLSSecret: props.tlsSecretName, serverCASecret: props.tlsSecretName } } : {}),
      storage: { size: props.storage, ...(props.storageClass ? { storageClass: props.storageClass } : {}) },
      resources: resourcesJson(props.resources),
      // One instance per node (a node failure costs one instance), spread over zones where there are several.
      affinity: { enablePodAntiAffinity: true, podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: { 'cnpg.io/cluster': name, 'cnpg.io/podRole': 'instance' } },
        },
      ],
      enablePDB: true,
      ...(archive ? { plugins: [{ name: BARMAN_CLOUD_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: `${name}-backups` } }] } : {}),
    };
    this.cluster = new ApiObject(this, 'cluster', { apiVersion: Cluster.GVK.apiVersion, kind: Cluster.GVK.kind, metadata: { name }, spec });

    if (archive && props.s3Credentials) {
      requirePlatform(this, {
        component: 'barman-cloud-plugin',
        minVersion: '0.15.0',
        reason: 'barmancloud.cnpg.io/v1 ObjectStore and ScheduledBackup method plugin (the CRD in imports/crds is v0.15.0)',
      });
      this.objectStoreName = `${name}-backups`;
      this.retentionPolicy = barmanRetention(props.engine.backup?.retention ?? Duration.days(30)) ?? '30d';
      new ApiObject(this, 'object-store', {
        apiVersion: ObjectStore.GVK.apiVersion,
        kind: ObjectStore.GVK.kind,
        metadata: { name: this.objectStoreName },
        spec: {
          retentionPolicy: this.retentionPolicy,
          instanceSidecarConfiguration: { resources: resourcesJson(BARMAN_CLOUD_SIDECAR_RESOURCES) },
          configuration: barmanConfiguration(archive, props.s3Credentials),
        },
      });
      this.scheduledBackupName = `${name}-daily`;
      new ApiObject(this, 'scheduled-backup', {
        apiVersion: ScheduledBackup.GVK.apiVersion,
        kind: ScheduledBackup.GVK.kind,
        metadata: { name: this.scheduledBackupName },
        spec: {
          cluster: { name },
          // CloudNativePG's schedules have a leading seconds field.
          schedule: `0 ${props.engine.backup?.schedule ?? '0 2 * * *'}`,
          immediate: true,
          backupOwnerReference: 'self',
          method: 'plugin',
          pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
          target: 'prefer-standby',
        },
      });
    }

    if (replica) {
      requirePlatform(this, {
        component: 'barman-cloud-plugin',
        minVersion: '0.15.0',
        reason: 'recovery and WAL replay from another cluster through barmancloud.cnpg.io/v1 ObjectStore (externalClusters[].plugin)',
      });
      // The origin's archive, read only: no retention policy, so the replica never deletes the origin's backups.
      new ApiObject(this, 'origin-object-store', {
        apiVersion: ObjectStore.GVK.apiVersion,
        kind: ObjectStore.GVK.kind,
        metadata: { name: this.originObjectStoreName },
        spec: {
          instanceSidecarConfiguration: { resources: resourcesJson(BARMAN_CLOUD_SIDECAR_RESOURCES) },
          configuration: barmanConfiguration(replica.archive, replica.s3Credentials),
        },
      });
    }

    if (props.podMonitor) {
      this.podMonitorName = name;
      new ApiObject(this, 'pod-monitor', {
        apiVersion: PodMonitor.GVK.apiVersion,
        kind: PodMonitor.GVK.kind,
        metadata: { name, labels: { ...chart.environment.platform.prometheus.serviceMonitorLabels } },
        spec: {
          selector: { matchLabels: { 'cnpg.io/cluster': name, 'cnpg.io/podRole': 'instance' } },
          // Scraped as often as every other target of the environment.
          podMetricsEndpoints: [{ port: 'metrics', interval: chart.environment.monitoring.scrapeInterval }],
        },
      });
    }
  }

  /**
   * The image: CloudNativePG's own by `imageName` (its tags start with the major version, which
   * the operator reads from them), or the user's through a namespaced ImageCatalog that declares
   * its major (the operator trusts it: image_catalog.md), run as the image's own user.
   */
  private image(name: string, operand: CloudNativePgOperand): Json {
    if (!operand.custom) return { imageName: operand.reference };
    const { major, uid, gid } = operand.custom;
    const catalog = `${name}-image`;
    new ApiObject(this, 'image-catalog', {
      apiVersion: ImageCatalog.GVK.apiVersion,
      kind: ImageCatalog.GVK.kind,
      metadata: { name: catalog },
      spec: { images: [{ major, image: operand.reference }] },
    });
    return {
      imageCatalogRef: { apiGroup: 'postgresql.cnpg.io', kind: ImageCatalog.GVK.kind, name: catalog, major },
      postgresUID: uid,
      postgresGID: gid,
    };
  }

  /**
   * The store's init scripts: a ConfigMap and `postInitApplicationSQLRefs`, which the
   * operator's bootstrap runs in the application database, as the superuser, in the order
   * given, each file in one statement batch (one transaction unless the file manages its
   * own), failing the bootstrap on an error. Each file starts with `SET ROLE <owner>`, so what
   * it creates belongs to the owner as with the StatefulSet engine.
   */
  private initScripts(props: CloudNativePgClusterProps): Json {
    const files = props.initScripts ?? [];
    if (files.length === 0) return {};
    const name = `${props.name}-init-scripts`;
    new ApiObject(this, 'init-scripts', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name },
      data: initScriptsData(files, `SET ROLE ${props.owner};\n`),
    });
    return { postInitApplicationSQLRefs: { configMapRefs: files.map((f) => ({ name, key: f.name })) } };
  }
}

function resourcesJson(r: ResourceProfile): Json {
  // As the library's own containers render them: an explicit ephemeral-storage request and limit (the quota counts it).
  const amounts = (a: ResourceProfile['requests'] | undefined, ephemeral: string) => ({
    cpu: a?.cpu,
    memory: a?.memory,
    'ephemeral-storage': a?.ephemeralStorage ?? ephemeral,
  });
  return { requests: amounts(r?.requests, DEFAULT_EPHEMERAL_STORAGE.request), limits: amounts(r?.limits, DEFAULT_EPHEMERAL_STORAGE.limit) };
}
