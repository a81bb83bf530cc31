import { Construct } from 'constructs';
import { formatBytes, parseQuantity } from '../core/quantity';
import { addCheck, ValidationReport } from '../core/validation';
import type { ResourceProfile } from '../core/environment';
import { ISecretSource } from '../security/secret-source';
import { fromSecret } from '../workloads/env';
import {
  checkPostgresName,
  PGDATA,
  POSTGRES_CONFIG_DIR,
  POSTGRES_INIT_SCRIPT,
  POSTGRES_INITDB_DIR,
  POSTGRES_MONITORING_ROLE,
  POSTGRES_PORT,
  POSTGRES_SOCKET_DIR,
  POSTGRES_SUPERUSER,
  POSTGRES_VOLUME_PATH,
  postgresTuning,
  PostgresTuning,
  renderPgHba,
  renderPostgresConf,
  renderPostgresInitScript,
} from './postgres-config';
import { accountEnv, databaseProbes, DatabaseStore, DatabaseStoreProps, resolveAccounts } from './database-store';
import { ExporterAccountMonitoring, MiB } from './stateful-store';
import { ENGINE_IMAGES, engineImage, EXPORTER_IMAGES } from './versions';
import { checkProps } from '../core/prop-check';
import { checkCronSchedule } from '../core/cron';
import { NetworkPeer } from '../security/network';
import { isSecretKeyValue, SecretKeyValue } from '../workloads/env';
import type { BackupSchedule, BackupScheduleProps } from '../backup/backup-schedule';
import { ConnectionInfo } from './connection';
import { ContainerModel } from '../workloads/container';
import {
  BARMAN_CLOUD_SIDECAR_IMAGE,
  BARMAN_CLOUD_SIDECAR_RESOURCES,
  CloudNativePgCluster,
  CNPG_METRICS_PORT,
  CNPG_STATUS_PORT,
} from './cloudnative-pg-cluster';
import { checkInstances, checkOffClusterTarget, checkRpo } from './engine-validation';
import {
  CloudNativePgArchiveSettings,
  cloudNativePgArchiveSettings,
  CloudNativePgBackupProps,
  CloudNativePgProps,
  DEFAULT_RPO,
  PostgresEngine,
} from './postgres-engine';

/** PostgreSQL major versions with an image in versions.ts. */
export type PostgresVersion = keyof typeof ENGINE_IMAGES.postgres;

/** Plain PostgreSQL, or PostgreSQL with the TimescaleDB extension (time series). */
export type PostgresFlavour = 'postgres' | 'timescaledb';

/** Keys of the passwords in a PostgreSQL store's `credentials` Secret. */
export interface PostgresCredentialKeys {
  /** The superuser's (`postgres`) password. @default 'postgres-password' */
  readonly superuser?: string;
  /** The application role's password. @default 'password' */
  readonly app?: string;
}

export interface PostgresProps extends DatabaseStoreProps {
  /** PostgreSQL major version. TimescaleDB images exist for 16 and 17. @default '17' */
  readonly version?: PostgresVersion;
  /**
   * `timescaledb`: the TimescaleDB image, the library preloaded and the extension created
   * in the application database. @default 'postgres'
   */
  readonly flavour?: PostgresFlavour;
  /** The application database, created owned by `user`. A plain identifier (lower-case letters, digits, `_`). */
  readonly database: string;
  /** The application role: an ordinary login role that owns `database`; never the superuser. @default - same as `database` */
  readonly user?: string;
  /**
   * Secret holding the passwords (by reference only): the superuser's (`postgres`, used by
   * initialization, backups and restores), the application role's and, with the exporter,
   * the monitoring role's.
   */
  readonly credentials: ISecretSource;
  /** Where in `credentials` each password is. @default - see PostgresCredentialKeys */
  readonly credentialKeys?: PostgresCredentialKeys;
  /** max_connections. @default 100 */
  readonly maxConnections?: number;
  /** shared_buffers, e.g. `256Mi`. @default - 25 % of the container memory limit */
  readonly sharedBuffers?: string;
  /**
   * `exporter`: run postgres_exporter as a sidecar on port 9187 (`metrics`). It logs in as
   * its own role, `postgres_exporter`, a member of `pg_monitor` only, with the password under
   * `passwordKey` (default 'monitoring-password'). @default - no exporter
   */
  readonly monitoring?: ExporterAccountMonitoring;
  /**
   * What runs the server: `PostgresEngine.statefulSet()` (one server, rendered by the library)
   * or `PostgresEngine.cloudNativePg({ instances, rpo, backup })` (a CloudNativePG Cluster with
   * standbys, failover, WAL archiving and point-in-time recovery). `connect()` gives the same
   * variables either way. With CloudNativePG, `credentials` must be a kubernetes.io/basic-auth
   * Secret whose `username` is `user` (SystemSecret `basicAuthUsername`), the operator's
   * exporter replaces the sidecar, and `backup()` is replaced by the engine's `backup`.
   * @default PostgresEngine.statefulSet()
   */
  readonly engine?: PostgresEngine;
}

/** uid/gid of `postgres` in the images: the Debian-based official images use 999, the Alpine-based TimescaleDB images 70. */
export const POSTGRES_UIDS: Readonly<Record<PostgresFlavour, number>> = { postgres: 999, timescaledb: 70 };

/** Below this PostgreSQL has no room for shared buffers and sessions. */
const MIN_MEMORY = 128 * MiB;

/**
 * A single PostgreSQL server (optionally TimescaleDB) with its configuration generated
 * from the props and the container limits, an application role that owns its database
 * and is never the superuser, SCRAM authentication for everyone, PGDATA in a
 * subdirectory of the volume, a read-only root filesystem (emptyDirs for the socket and
 * a memory-backed /dev/shm), and optionally a postgres_exporter sidecar that logs in as a
 * least-privilege monitoring role.
 *
 * Why the exporter has its own role instead of the application's: the application role
 * owns every table, so an exporter holding its password could read and change all the
 * data, and its scrapes would count against the application's connections; and without
 * `pg_monitor` the statistics views hide other sessions' queries and wait events.
 * `pg_monitor` reads statistics and settings and nothing else.
 */
export class Postgres extends DatabaseStore {
  public readonly backupEngine = 'postgres' as const;
  public readonly flavour: PostgresFlavour;
  /** Settings derived from the limits and props (what postgresql.conf says). */
  public readonly tuning: PostgresTuning;
  private readonly pgProps: PostgresProps;
  /** The CloudNativePG settings; undefined on the StatefulSet engine. */
  private readonly cnpg?: CloudNativePgProps;
  /** The CloudNativePG rendering; undefined on the StatefulSet engine. */
  public readonly cloudNativePg?: CloudNativePgCluster;
  /** The WAL archive settings the CloudNativePG rendering uses; undefined without CloudNativePG backups. */
  public readonly archiveSettings?: CloudNativePgArchiveSettings;

  constructor(scope: Construct, id: string, props: PostgresProps) {
    const version: string = props.version ?? '17';
    const flavour: PostgresFlavour = props.flavour ?? 'postgres';
    const image =
      (flavour === 'timescaledb' ? engineImage('timescaledb', version) : engineImage('postgres', version)) ?? `docker.io/library/postgres:${version}`;
    const uid = POSTGRES_UIDS[flavour] ?? POSTGRES_UIDS.postgres;
    const database = props.database;
    const user = props.user ?? props.database;
    const accounts = resolveAccounts(props, {
      scheme: 'postgresql',
      adminUser: POSTGRES_SUPERUSER,
      adminKeyName: 'superuser',
      adminKey: 'postgres-password',
      exporterKey: 'monitoring-password',
    });
    const secret = (key: string) => fromSecret(props.credentials, key);
    const exporterKey = accounts.exporterKey;
    const isready = ['pg_isready', '-h', '127.0.0.1', '-p', String(POSTGRES_PORT), '-U', user, '-d', database];
    // Ready: accepting connections. Alive (and started): answering at all; pg_isready exits
    // 1 while the server rejects connections during start-up or crash recovery, which can
    // take long after an unclean stop and must not be killed for it. Until initialization
    // has finished the server listens on its socket only, so neither passes.
    const answering = ['sh', '-c', `${isready.join(' ')} -q; [ $? -le 1 ]`];
    const cnpg =
      PostgresEngine.isPostgresEngine(props.engine) && props.engine.kind === 'cloudnative-pg' ? props.engine.cloudNativePgProps : undefined;
    const instances = cnpg?.instances;
    super(
      scope,
      id,
      { ...props, ...(cnpg ? { replicas: Number.isInteger(instances) && (instances as number) > 0 ? instances : 1 } : {}) },
      {
        image,
        args: ['postgres', '-c', `config_file=${POSTGRES_CONFIG_DIR}/postgresql.conf`, '-c', `hba_file=${POSTGRES_CONFIG_DIR}/pg_hba.conf`],
        env: {
          PGDATA,
          // Read by the entrypoint (initdb) and by the init script, never by the application.
          POSTGRES_PASSWORD: secret(accounts.adminKey),
          POSTGRES_INITDB_ARGS: '--data-checksums --auth-local=scram-sha-256 --auth-host=scram-sha-256',
          ...accountEnv('APP_', database, user, secret(accounts.appKey)),
          ...(exporterKey ? { MONITORING_PASSWORD: secret(exporterKey) } : {}),
        },
        // Started: up to ten minutes for initdb and the init script on a slow volume.
        ...databaseProbes(isready, answering, answering),
      },
      { port: { name: 'postgres', port: POSTGRES_PORT }, dataPath: POSTGRES_VOLUME_PATH, role: 'database', uid, version },
      accounts,
    );
    checkProps(this, 'PostgresProps', props);
    this.pgProps = props;
    this.flavour = flavour;
    this.cnpg = cnpg;

    const limits = this.container.resources?.limits;
    this.tuning = postgresTuning({
      memoryLimit: parseQuantity(limits?.memory) ?? 512 * MiB,
      cpuLimit: parseQuantity(limits?.cpu) ?? 1,
      storage: parseQuantity(props.storage) ?? 2 ** 30,
      maxConnections: props.maxConnections ?? 100,
      sharedBuffers: props.sharedBuffers !== undefined ? parseQuantity(props.sharedBuffers) : undefined,
      timescale: flavour === 'timescaledb',
    });

    if (cnpg) {
      const rendered = this.renderCloudNativePg(cnpg, props);
      this.cloudNativePg = rendered.cluster;
      this.archiveSettings = rendered.archive;
      // The WAL archive and base backups of the engine are this store's backup.
      if (cnpg.backup?.target !== undefined) this.markBackedUp();
      return;
    }

    this.addWritableVolume('run', POSTGRES_SOCKET_DIR);
    // Dynamic shared memory (parallel queries); a container's own /dev/shm is 64MB at most.
    this.addWritableVolume('dshm', '/dev/shm', { medium: 'Memory', sizeLimit: formatBytes(this.tuning.sharedMemoryVolume) });

    const timescale = flavour === 'timescaledb';
    this.addConfigFile(
      'postgresql.conf',
      renderPostgresConf(this.tuning, { timescale, source: `the props of ${this.node.path} and its container limits` }),
      POSTGRES_CONFIG_DIR,
    );
    this.addConfigFile('pg_hba.conf', renderPgHba(), POSTGRES_CONFIG_DIR);
    this.addConfigFile(POSTGRES_INIT_SCRIPT, renderPostgresInitScript({ timescale, monitoring: exporterKey !== undefined }), POSTGRES_CONFIG_DIR);
    // The same ConfigMap again, only the init script, executable, where the entrypoint looks.
    // Mounting over the directory also hides the TimescaleDB image's own init scripts
    // (timescaledb-tune would rewrite a postgresql.conf the server does not read).
    this.addVolume({
      name: 'initdb',
      configMap: { name: `${this.name}-config`, items: [{ key: POSTGRES_INIT_SCRIPT, path: POSTGRES_INIT_SCRIPT }], defaultMode: 0o555 },
    });
    this.container.mounts.push({ name: 'initdb', mountPath: POSTGRES_INITDB_DIR, readOnly: true });

    if (exporterKey) {
      const env = {
        DATA_SOURCE_URI: `127.0.0.1:${POSTGRES_PORT}/postgres?sslmode=disable`,
        DATA_SOURCE_USER: POSTGRES_MONITORING_ROLE,
        DATA_SOURCE_PASS: secret(exporterKey),
      };
      this.addExporter({ image: EXPORTER_IMAGES.postgres, port: 9187, env });
    }
  }

  /** The linters' waivers describe the library's own pod template; the operator renders CloudNativePG's pods. */
  protected declareCheckExceptions(): void {
    if (!this.cnpg) super.declareCheckExceptions();
  }

  /** The read-write endpoint: the client Service, or CloudNativePG's `<name>-rw` (always the primary). */
  /** CloudNativePG makes the instance pods from the Cluster. */
  public get operatorPodsReason(): string | undefined {
    return this.cnpg ? 'selects the instance pods CloudNativePG creates from the Cluster, never in the manifests' : super.operatorPodsReason;
  }

  /** CloudNativePG reports a missing backup on `engine.backup` (prod) or `engine.rpo`. */
  protected get backupRequiredByEngine(): boolean {
    // An engine that is not one is reported on `engine`; what it would back up is unknown.
    if (this.pgProps.engine !== undefined && !PostgresEngine.isPostgresEngine(this.pgProps.engine)) return true;
    const o = this.cnpg;
    return o !== undefined && o.backup === undefined && (this.chart.environment.name === 'prod' || o.rpo !== undefined);
  }

  public get host(): string {
    return this.cnpg ? `${this.name}-rw.${this.namespaceName}.svc` : super.host;
  }

  /**
   * The application account through the read-only endpoint: CloudNativePG's `<name>-ro`
   * (the standbys); undefined on the StatefulSet engine and with one instance, where no standby serves it.
   */
  public readOnlyConnectionInfo(): ConnectionInfo | undefined {
    if (!this.cnpg || this.replicas < 2) return undefined;
    return { ...this.connectionInfo(), host: `${this.name}-ro.${this.namespaceName}.svc` };
  }

  /**
   * Scheduled pg_dump backups (StatefulSet engine). On CloudNativePG the engine's own
   * `backup` (base backups and the WAL archive) replaces them; calling this there is an error.
   */
  public backup(props: BackupScheduleProps): BackupSchedule {
    if (this.cnpg) {
      addCheck(this, (report) =>
        report.error(
          'backup()',
          'CloudNativePG backs up through its own WAL archive and base backups: set engine.backup instead of calling backup()',
        ),
      );
    }
    return super.backup(props);
  }

  /** Replaces the StatefulSet rendering with a CloudNativePG Cluster and its NetworkPolicy allowances. */
  private renderCloudNativePg(
    cnpg: CloudNativePgProps,
    props: PostgresProps,
  ): { cluster: CloudNativePgCluster; archive?: CloudNativePgArchiveSettings } {
    // The operator makes the pods, Services, PodDisruptionBudget and ServiceAccount (named after the cluster).
    for (const id of ['statefulset', 'headless-service', 'service', 'service-account', 'disruption-budget']) this.node.tryRemoveChild(id);
    // The container model only carries the image and resources here: the operator configures the server itself
    // (no superuser password, no exporter account).
    this.container.env.clear();
    const target = cnpg.backup?.target;
    // The Barman Cloud plugin's sidecar in every instance pod: counted in the namespace budget with the resources the ObjectStore gives it.
    if (target) this.addSidecar(new ContainerModel('plugin-barman-cloud', { image: BARMAN_CLOUD_SIDECAR_IMAGE }, BARMAN_CLOUD_SIDECAR_RESOURCES));
    const archive = target ? cloudNativePgArchiveSettings(this.name, this.namespaceName, target, cnpg.rpo ?? DEFAULT_RPO) : undefined;
    const s3 = target?.kind === 's3' ? target.s3 : undefined;
    const keyRef = (v: unknown) => (typeof v === 'object' && v !== null && isSecretKeyValue(v as SecretKeyValue) ? (v as SecretKeyValue) : undefined);
    const accessKeyId = keyRef(s3?.accessKeyId);
    const secretAccessKey = keyRef(s3?.secretAccessKey);
    const version = this.version;
    const env = this.chart.environment;
    const cluster = new CloudNativePgCluster(this, 'cloudnative-pg', {
      name: this.name,
      engine: cnpg,
      imageName: CNPG_IMAGES[version as keyof typeof CNPG_IMAGES] ?? `ghcr.io/cloudnative-pg/postgresql:${version}`,
      database: this.database,
      owner: this.user,
      ownerSecretName: props.credentials?.secretName,
      storage: props.storage,
      storageClass: props.storageClassName ?? env.platform.storage.defaultClass,
      resources: this.container.resources as ResourceProfile,
      tuning: this.tuning,
      podLabels: this.selectorLabels,
      archive,
      s3Credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
      podMonitor: props.monitoring?.exporter === true,
    });
    this.mainObject = cluster.cluster;

    const port = POSTGRES_PORT;
    const operatorPods = env.platform.cloudNativePg.operatorPods;
    const operator = NetworkPeer.pods(operatorPods.podLabels, operatorPods.namespace);
    this.connections.allowFromPeer(operator, { port: CNPG_STATUS_PORT }, { port });
    // Standbys stream from the primary; after a failover any instance may be the primary.
    const instances = NetworkPeer.pods(this.selectorLabels);
    this.connections.addIngress(instances, [{ port }]);
    this.connections.addEgress(instances, [{ port }]);
    // The instance manager (and the Barman Cloud sidecar) watch the API server.
    this.connections.allowToCidr('0.0.0.0/0', [{ port: 443 }, { port: 6443 }]);
    if (s3?.server) this.connections.allowTo(s3.server.peer, { port: s3.server.port });
    else if (s3) this.connections.allowToInternet([{ port: endpointPort(s3.endpoint) }]);
    if (props.monitoring?.exporter === true) {
      const prometheus = env.platform.prometheus.pods;
      this.connections.allowFromPeer(NetworkPeer.pods(prometheus.podLabels, prometheus.namespace), { port: CNPG_METRICS_PORT });
    }
    return { cluster, archive };
  }

  /** The CloudNativePG engine's checks (instances, rpo, backup target, credentials). */
  private validateCloudNativePg(report: ValidationReport, cnpg: CloudNativePgProps): void {
    const env = this.chart.environment.name;
    const p = this.pgProps;
    if (this.flavour === 'timescaledb')
      report.error('engine', "CloudNativePG's images carry no TimescaleDB; use flavour 'postgres' or the StatefulSet engine");
    if (!(this.version in CNPG_IMAGES)) {
      report.error('version', `'${this.version}' has no CloudNativePG image (supported: ${Object.keys(CNPG_IMAGES).join(', ')})`);
    }
    const instancesProblem = checkInstances(cnpg.instances, env);
    if (instancesProblem) report.error('engine.instances', instancesProblem);
    const rpoProblem = checkRpo(cnpg.rpo ?? DEFAULT_RPO);
    if (rpoProblem) report.error('engine.rpo', rpoProblem);
    const backup = cnpg.backup;
    if (backup === undefined) {
      if (env === 'prod') report.error('engine.backup', 'required in prod: an S3 bucket outside the cluster for base backups and the WAL archive');
      else if (cnpg.rpo !== undefined) report.error('engine.rpo', `${cnpg.rpo} needs WAL archiving: set engine.backup with an S3 target`);
    } else {
      this.validateCloudNativePgBackup(report, backup, env);
    }
    const credentials = p.credentials as ISecretSource & { basicAuthUsername?: string };
    if (credentials?.keys !== undefined && !credentials.keys.includes('username')) {
      report.error(
        'credentials',
        `${credentials.describe} has no 'username': CloudNativePG reads the owner's login from a kubernetes.io/basic-auth Secret (username, password); give the SystemSecret basicAuthUsername: '${this.user}'`,
      );
    } else if (credentials?.basicAuthUsername !== undefined && credentials.basicAuthUsername !== this.user) {
      report.error('credentials', `basicAuthUsername '${credentials.basicAuthUsername}' is not the owner '${this.user}'`);
    }
    if ((p.credentialKeys?.app ?? 'password') !== 'password') {
      report.error('credentialKeys.app', `'${p.credentialKeys?.app}': CloudNativePG reads the owner's password from the key 'password'`);
    }
  }

  private validateCloudNativePgBackup(report: ValidationReport, backup: CloudNativePgBackupProps, env: string): void {
    const target = backup.target;
    if (target?.kind !== 's3') {
      report.error('engine.backup.target', 'CloudNativePG archives WAL to object storage only: use BackupTarget.s3()');
      return;
    }
    const s3 = target.s3;
    if (s3.endpoint !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(s3.endpoint)) {
      report.error(
        'engine.backup.target.s3.endpoint',
        `'${s3.endpoint}' must be an http(s) URL with no path, e.g. https://s3.eu-west-1.amazonaws.com`,
      );
    }
    if (env === 'prod') {
      const offCluster = checkOffClusterTarget(target);
      if (offCluster) report.error('engine.backup.target', offCluster);
    }
    for (const field of ['accessKeyId', 'secretAccessKey'] as const) {
      const value: unknown = s3[field];
      if (!(typeof value === 'object' && value !== null && isSecretKeyValue(value as SecretKeyValue))) {
        report.error(`engine.backup.target.s3.${field}`, 'CloudNativePG reads it from a Secret: give a reference (fromSecret(...))');
      }
    }
    if (backup.schedule !== undefined) {
      const problem = checkCronSchedule(backup.schedule);
      if (problem) report.error('engine.backup.schedule', problem);
    }
    if (backup.retention !== undefined && !/^[1-9][0-9]*[dwm]$/.test(String(backup.retention))) {
      report.error('engine.backup.retention', `'${String(backup.retention)}' must be a number of days, weeks or months, e.g. '30d', '4w', '3m'`);
    }
  }

  public get readinessCheck() {
    return {
      image: this.engineImage,
      command: `pg_isready -h "$STORE_HOST" -p "$STORE_PORT" -U "$STORE_USER" -d '${this.database}'`,
    };
  }

  /**
   * Kubernetes stops containers with SIGTERM, which PostgreSQL takes as a "smart"
   * shutdown: it waits for every client to disconnect, pooled connections never do, and
   * the kill at the end of the grace period forces crash recovery on the next start. A
   * fast shutdown first (roll back open transactions, checkpoint, exit) avoids that.
   */
  protected containerExtras(): Record<string, unknown> {
    return { lifecycle: { preStop: { exec: { command: ['sh', '-c', 'pg_ctl stop -D "$PGDATA" -m fast -w -t 50'] } } } };
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    const p = this.pgProps;
    if (!['postgres', 'timescaledb'].includes(this.flavour)) {
      report.error('flavour', `'${this.flavour}' must be 'postgres' or 'timescaledb'`);
    } else if (this.flavour === 'timescaledb') {
      this.checkVersion(report, 'timescaledb', 'TimescaleDB');
    } else {
      this.checkVersion(report, 'postgres', 'PostgreSQL');
    }
    this.checkNames(report, checkPostgresName);
    if (p.engine !== undefined && !PostgresEngine.isPostgresEngine(p.engine)) {
      report.error('engine', 'must be PostgresEngine.statefulSet() or PostgresEngine.cloudNativePg({ ... })');
    }
    if (this.cnpg) this.validateCloudNativePg(report, this.cnpg);

    this.checkAccountKeys(report, 'every role needs its own password');
    const maxConnections = this.tuning.maxConnections;
    this.checkMaxConnections(report, maxConnections, 10, 10000);
    this.checkMemoryLimit(report, MIN_MEMORY, 'PostgreSQL needs for shared buffers and sessions');
    const leaves = `${maxConnections} sessions (work_mem), maintenance and the page cache`;
    const minimum = [128 * 1024, "PostgreSQL's minimum of 128Ki"] as const;
    this.checkMemorySetting(report, { field: 'sharedBuffers', value: p.sharedBuffers, example: '256Mi', minimum, leaves });
  }
}

/** CloudNativePG operand images (minimal Debian trixie plus the standard extensions), pinned like ENGINE_IMAGES. */
const CNPG_IMAGES = {
  '15': 'ghcr.io/cloudnative-pg/postgresql:15.14-standard-trixie',
  '16': 'ghcr.io/cloudnative-pg/postgresql:16.10-standard-trixie',
  '17': 'ghcr.io/cloudnative-pg/postgresql:17.6-standard-trixie',
  '18': 'ghcr.io/cloudnative-pg/postgresql:18.0-standard-trixie',
} as const;

/** The port of an S3 endpoint URL (443 for AWS S3 and https, 80 for http). */
function endpointPort(endpoint: string | undefined): number {
  if (endpoint === undefined) return 443;
  try {
    const url = new URL(endpoint);
    return url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
  } catch {
    return 443;
  }
}
