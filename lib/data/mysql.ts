import { Construct } from 'constructs';
import { ResourceProfile } from '../core/environment';
import { parseQuantity } from '../core/quantity';
import { ValidationReport } from '../core/validation';
import { ISecretSource } from '../security/secret-source';
import { fromSecret } from '../workloads/env';
import {
  checkMySqlName,
  MYSQL_CONFIG_DIR,
  MYSQL_CONFIG_FILE,
  MYSQL_EXPORTER_INIT_SCRIPT,
  MYSQL_EXPORTER_USER,
  MYSQL_INITDB_DIR,
  MYSQL_PORT,
  MYSQL_RUN_DIR,
  MYSQL_VOLUME_PATH,
  mysqlTuning,
  MySqlTuning,
  renderMyCnf,
  renderMySqlExporterInitScript,
} from './mysql-config';
import { accountEnv, databaseProbes, DatabaseStore, DatabaseStoreProps, resolveAccounts } from './database-store';
import { ExporterAccountMonitoring, MiB } from './stateful-store';
import { ENGINE_IMAGES, engineImage, EXPORTER_IMAGES } from './versions';
import { checkProps } from '../core/prop-check';
import { addCheck } from '../core/validation';
import type { BackupSchedule, BackupScheduleProps } from '../backup/backup-schedule';
import { ContainerModel } from '../workloads/container';
import { MOCO, MOCO_SYSTEM_CONTAINERS, MocoCluster, mocoPodLabels } from './moco-cluster';
import { MySqlEngine } from './mysql-engine';
import { checkInstances, checkOperatorBackupTarget, checkRpoBySchedule } from './mysql-engine-validation';

/** MySQL versions with an image in versions.ts: the 8.4 LTS line (8.0 reached end of life in April 2026). */
export type MySqlVersion = keyof typeof ENGINE_IMAGES.mysql;

/** Keys of the passwords in a MySQL store's `credentials` Secret. */
export interface MySqlCredentialKeys {
  /** root's password. @default 'root-password' */
  readonly root?: string;
  /** The application account's password. @default 'password' */
  readonly app?: string;
}

export interface MySqlProps extends DatabaseStoreProps {
  /** MySQL major.minor. @default '8.4' */
  readonly version?: MySqlVersion;
  /** The application database (letters, digits, `_`; at most 64 characters). */
  readonly database: string;
  /**
   * The application account (at most 32 characters; never `root`). It gets every
   * privilege on `database` and none elsewhere. @default - same as `database`
   */
  readonly user?: string;
  /**
   * Secret holding the passwords (by reference only): root's (initialization, backups,
   * restores), the application account's and, with the exporter, the exporter's.
   */
  readonly credentials: ISecretSource;
  /** Where in `credentials` each password is. @default - see MySqlCredentialKeys */
  readonly credentialKeys?: MySqlCredentialKeys;
  /** max_connections. @default 151 (MySQL's own default) */
  readonly maxConnections?: number;
  /** innodb_buffer_pool_size, e.g. `1Gi`; rounded down to whole 128Mi chunks. @default - 50 % of the container memory limit */
  readonly innodbBufferPoolSize?: string;
  /** @default - the environment's default profile; at least 512Mi of memory */
  readonly resources?: ResourceProfile;
  /**
   * `exporter`: run mysqld_exporter as a sidecar on port 9104 (`metrics`), logging in as its
   * own account `mysqld_exporter`@`127.0.0.1` (PROCESS, REPLICATION CLIENT, SELECT on
   * performance_schema) with the password under `passwordKey` (default 'exporter-password').
   * @default - no exporter
   */
  readonly monitoring?: ExporterAccountMonitoring;
  /**
   * What runs the server: the construct's own StatefulSet, or the MOCO operator (primary
   * and replicas, failover, backups with binary logs). connect() sets the same variables
   * either way. With MOCO the exporter is MOCO's sidecar (its own `moco-exporter` account;
   * `monitoring.passwordKey` is not read) and root's password is not used (MOCO keeps its
   * own administrator).
   * @default MySqlEngine.statefulSet()
   */
  readonly engine?: MySqlEngine;
}

/** uid/gid of `mysql` in the official images. */
export const MYSQL_UID = 999;

/** Buffer pool, performance_schema and the server itself do not fit in less. */
const MIN_MEMORY = 512 * MiB;

/**
 * A single MySQL 8.4 server with its option file generated from the props and the
 * memory limit, the application account created by the image's entrypoint from
 * MYSQL_DATABASE / MYSQL_USER / MYSQL_PASSWORD (the password by secretKeyRef), the data
 * directory in a subdirectory of the volume, a read-only root filesystem, and optionally
 * a mysqld_exporter sidecar with its own least-privilege account.
 *
 * The application account: the entrypoint runs `CREATE USER '<user>'@'%'` and
 * `GRANT ALL ON \`<database>\`.* TO '<user>'@'%'` (with `_` escaped so it is no
 * wildcard): every privilege on its own database (what migrations need) and no global
 * privilege at all: it cannot see or create other databases, read `mysql.*`, manage
 * accounts, read files or kill other sessions. The application never gets root's
 * password: connect() hands it the application account only, and `user: 'root'` (the
 * Loopi seed's mistake) is a synth error.
 */
export class MySql extends DatabaseStore {
  public readonly backupEngine = 'mysql' as const;
  /** Settings derived from the limits and props (what my.cnf says). */
  public readonly tuning: MySqlTuning;
  private readonly mysqlProps: MySqlProps;

  /** The MOCO options when MOCO runs this store. */
  public readonly moco?: MocoCluster;
  private readonly engineChoice: MySqlEngine | undefined;

  constructor(scope: Construct, id: string, props: MySqlProps) {
    const version: string = props.version ?? '8.4';
    const engineChoice = props.engine instanceof MySqlEngine ? props.engine : undefined;
    const mocoOptions = engineChoice?.kind === 'moco' ? engineChoice.moco : undefined;
    if (mocoOptions) {
      super(
        scope,
        id,
        { ...props, replicas: typeof mocoOptions.instances === 'number' ? mocoOptions.instances : 1 },
        mocoContainer(version),
        {
          port: { name: 'mysql', port: MYSQL_PORT },
          dataPath: '/var/lib/mysql',
          role: 'database',
          uid: MOCO.uid,
          version,
          managed: { selectorLabels: mocoPodLabels(id) },
        },
        resolveAccounts(props, MYSQL_ACCOUNTS),
      );
      checkProps(this, 'MySqlProps', props);
      this.mysqlProps = props;
      this.engineChoice = engineChoice;
      this.tuning = this.tune(props);
      this.modelMocoContainers(props.monitoring?.exporter === true);
      const platform = this.chart.environment.platform;
      this.moco = new MocoCluster(this, 'moco', this, {
        engine: mocoOptions,
        image: this.engineImage,
        storage: props.storage,
        storageClassName: props.storageClassName ?? this.chart.environment.platform.storage.defaultClass,
        mysqld: { max_connections: String(this.tuning.maxConnections), innodb_buffer_pool_size: String(this.tuning.bufferPoolSize) },
        exporter: props.monitoring?.exporter === true,
        controller: platform.databaseOperators.moco,
      });
      this.mainObject = this.moco.cluster;
      // MOCO's BackupPolicy is this store's backup (full dumps and binary logs).
      if (this.moco.backupSchedule !== undefined) this.markBackedUp();
      return;
    }
    const image = engineImage('mysql', version) ?? `docker.io/library/mysql:${version}`;
    const database = props.database;
    const user = props.user ?? props.database;
    const accounts = resolveAccounts(props, MYSQL_ACCOUNTS);
    const secret = (key: string) => fromSecret(props.credentials, key);
    const exporterKey = accounts.exporterKey;
    // The application account's password reaches mysqladmin through MYSQL_PWD, set for
    // that one command: never on a command line, and never in the container's environment
    // (the entrypoint's own clients would pick it up for root).
    const ping = ['sh', '-c', `MYSQL_PWD="$MYSQL_PASSWORD" mysqladmin ping --host=127.0.0.1 --port=${MYSQL_PORT} --user="$MYSQL_USER" --silent`];
    // Liveness asks only whether mysqld answers at all: `mysqladmin ping` exits 0 even on
    // "Access denied", so a password problem makes the pod unready, not restarted in a loop.
    const alive = [
      'sh',
      '-c',
      `mysqladmin ping --host=127.0.0.1 --port=${MYSQL_PORT} --user=liveness --silent --connect-timeout=3 >/dev/null 2>&1 || mysqladmin ping --host=127.0.0.1 --port=${MYSQL_PORT} --user=liveness --connect-timeout=3 2>&1 | grep -q 'Access denied'`,
    ];
    super(
      scope,
      id,
      props,
      {
        image,
        env: {
          MYSQL_ROOT_PASSWORD: secret(accounts.adminKey),
          ...accountEnv('MYSQL_', database, user, secret(accounts.appKey)),
          ...(exporterKey ? { MYSQL_EXPORTER_PASSWORD: secret(exporterKey) } : {}),
        },
        // Until initialization has finished the server runs with --skip-networking, so
        // none of these pass; ten minutes for that (and for InnoDB crash recovery).
        ...databaseProbes(ping, alive),
      },
      { port: { name: 'mysql', port: MYSQL_PORT }, dataPath: MYSQL_VOLUME_PATH, role: 'database', uid: MYSQL_UID, version },
      accounts,
    );
    checkProps(this, 'MySqlProps', props);
    this.mysqlProps = props;
    this.engineChoice = engineChoice;
    this.tuning = this.tune(props);

    this.addWritableVolume('run', MYSQL_RUN_DIR);
    this.addConfigFile(MYSQL_CONFIG_FILE, renderMyCnf(this.tuning, `the props of ${this.node.path} and its container limits`), MYSQL_CONFIG_DIR);

    if (exporterKey) {
      this.addConfigFile(MYSQL_EXPORTER_INIT_SCRIPT, renderMySqlExporterInitScript(), MYSQL_CONFIG_DIR);
      // The same ConfigMap again, only the init script, executable, where the entrypoint looks.
      this.addVolume({
        name: 'initdb',
        configMap: {
          name: `${this.name}-config`,
          items: [{ key: MYSQL_EXPORTER_INIT_SCRIPT, path: MYSQL_EXPORTER_INIT_SCRIPT }],
          defaultMode: 0o555,
        },
      });
      this.container.mounts.push({ name: 'initdb', mountPath: MYSQL_INITDB_DIR, readOnly: true });
      this.addExporter({
        image: EXPORTER_IMAGES.mysql,
        port: 9104,
        args: [`--mysqld.address=127.0.0.1:${MYSQL_PORT}`, `--mysqld.username=${MYSQL_EXPORTER_USER}`],
        env: { MYSQLD_EXPORTER_PASSWORD: secret(exporterKey) },
      });
    }
  }

  private tune(props: MySqlProps): MySqlTuning {
    return mysqlTuning({
      memoryLimit: parseQuantity(this.container.resources?.limits?.memory) ?? MIN_MEMORY,
      maxConnections: props.maxConnections ?? 151,
      bufferPoolSize: props.innodbBufferPoolSize !== undefined ? parseQuantity(props.innodbBufferPoolSize) : undefined,
    });
  }

  /**
   * MOCO's own containers beside mysqld (agent, slow-log, the exporter, moco-init), in the
   * model only: they count in the namespace budget and the exporter's port is scraped.
   * MOCO adds them to the pods; their resources are set through overwriteContainers.
   */
  private modelMocoContainers(exporter: boolean): void {
    const system = (name: keyof typeof MOCO_SYSTEM_CONTAINERS, image: string, ports: Array<{ name: string; port: number }> = []) =>
      new ContainerModel(name, { image, runAs: { user: MOCO.uid, group: MOCO.uid } }, MOCO_SYSTEM_CONTAINERS[name], ports);
    this.addSidecar(system('agent', MOCO.agentImage, [{ name: 'agent', port: MOCO.ports.agent }]));
    this.addSidecar(system('slow-log', MOCO.fluentBitImage));
    this.addInitContainer(system('moco-init', this.engineImage));
    if (exporter) {
      this.addSidecar(system('mysqld-exporter', MOCO.exporterImage, [{ name: 'mysqld-metrics', port: MOCO.ports.exporter }]));
      this.exposeMetrics({ port: 'mysqld-metrics' });
    }
  }

  /** With MOCO: the primary's Service (`moco-<name>-primary`), which follows failovers. */
  /** MOCO reports a missing backup on `engine.backup` (prod) or `engine.rpo`. */
  protected get backupRequiredByEngine(): boolean {
    const o = this.engineChoice?.kind === 'moco' ? this.engineChoice.moco : undefined;
    return o !== undefined && o.backup === undefined && (this.chart.environment.name === 'prod' || o.rpo !== undefined);
  }

  public get host(): string {
    return this.engineChoice?.kind === 'moco' ? `moco-${this.name}-primary.${this.namespaceName}.svc` : super.host;
  }

  /** With MOCO, the replicas' Service (`moco-<name>-replica`); else the server itself. */
  public get readOnlyHost(): string {
    return this.engineChoice?.kind === 'moco' ? `moco-${this.name}-replica.${this.namespaceName}.svc` : super.host;
  }

  public connectionInfo() {
    return { ...super.connectionInfo(), readOnlyHost: this.readOnlyHost };
  }

  /**
   * Scheduled dumps by the library's own CronJob. With MOCO, backups are MOCO's
   * (`MySqlEngine.moco({ backup })`): calling this is a synth error.
   */
  public backup(props: BackupScheduleProps): BackupSchedule {
    if (this.engineChoice?.kind === 'moco') {
      addCheck(this, (report) =>
        report.error(
          'backup()',
          "MOCO takes this cluster's backups (full dumps and binary logs): set MySqlEngine.moco({ backup: { target, schedule } }) instead",
        ),
      );
    }
    return super.backup(props);
  }

  /** mysqladmin answers once the server listens on the network, which it does only after initialization. */
  public get readinessCheck() {
    return {
      image: this.engineImage,
      command: 'MYSQL_PWD="$STORE_PASSWORD" mysqladmin ping --host="$STORE_HOST" --port="$STORE_PORT" --user="$STORE_USER" --silent',
    };
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    const p = this.mysqlProps;
    const engine = (p as { engine?: unknown }).engine;
    if (engine !== undefined && !(engine instanceof MySqlEngine)) {
      report.error('engine', 'must be MySqlEngine.statefulSet() or MySqlEngine.moco({ instances, ... })');
    }
    if (this.engineChoice?.kind === 'moco') this.validateMoco(report);
    this.checkVersion(report, 'mysql', 'MySQL', '; MySQL 8.0 reached end of life in April 2026, "MySQL 8" means the 8.4 LTS line');
    this.checkNames(report, checkMySqlName);

    this.checkAccountKeys(report, 'every account needs its own password');
    const maxConnections = this.tuning.maxConnections;
    this.checkMaxConnections(report, maxConnections, 10, 100000);
    this.checkMemoryLimit(report, MIN_MEMORY, 'MySQL 8.4 needs (buffer pool, performance_schema, per-connection buffers); set resources');
    const leaves = `${maxConnections} connections, performance_schema and the server`;
    const pool = p.innodbBufferPoolSize;
    const minimum = [5 * MiB, "InnoDB's minimum of 5Mi"] as const;
    this.checkMemorySetting(report, { field: 'innodbBufferPoolSize', value: pool, example: '1Gi', minimum, leaves });
  }

  private validateMoco(report: ValidationReport): void {
    const options = this.engineChoice?.moco;
    const env = this.chart.environment.name;
    if (typeof options !== 'object' || options === null) {
      report.error('engine', 'MySqlEngine.moco() needs its options: { instances, backup, rpo }');
      return;
    }
    checkInstances(
      report,
      options.instances,
      {
        field: 'engine.instances',
        allowed: [1, 3, 5],
        why: 'MOCO runs a primary and an even number of semi-synchronous replicas',
        prodMinimum: 3,
        prodWhy:
          'a primary and two semi-synchronous replicas, so that a committed transaction survives the loss of one instance and failover needs no manual step',
      },
      env,
    );
    if (MOCO.mysqlImages[this.version] === undefined) {
      report.error('version', `'${this.version}' has no MOCO mysqld image (MOCO ${Object.keys(MOCO.mysqlImages).join(', ')})`);
    }
    const backup = options.backup;
    if (backup === undefined) {
      if (env === 'prod')
        report.error('engine.backup', 'required in prod: MOCO backups (full dumps and binary logs) to an S3 bucket outside the cluster');
      if (options.rpo !== undefined) report.error('engine.rpo', `${String(options.rpo)} cannot be met without backups: set engine.backup`);
      return;
    }
    checkOperatorBackupTarget(report, 'engine.backup.target', backup.target, env, 'MOCO');
    if (backup.target?.kind === 's3' && backup.target.s3.prefix !== undefined) {
      report.error('engine.backup.target.prefix', `MOCO names its keys itself (moco/${this.namespaceName}/${this.name}/...); leave prefix unset`);
    }
    if (backup.workVolumeSize !== undefined) {
      const bytes = parseQuantity(backup.workVolumeSize);
      if (bytes === undefined || bytes <= 0) report.error('engine.backup.workVolumeSize', `'${backup.workVolumeSize}' is not a size, e.g. 20Gi`);
    }
    checkRpoBySchedule(
      report,
      { rpo: 'engine.rpo', schedule: 'engine.backup.schedule' },
      options.rpo,
      backup.schedule ?? '0 * * * *',
      'MOCO uploads the binary logs only when a backup runs',
    );
  }
}

const MYSQL_ACCOUNTS = {
  scheme: 'mysql',
  adminUser: 'root',
  adminKeyName: 'root',
  adminKey: 'root-password',
  exporterKey: 'exporter-password',
} as const;

/** The mysqld container as MOCO runs it: MOCO's image, probes and configuration. */
function mocoContainer(version: string) {
  return { image: MOCO.mysqlImages[version] ?? `ghcr.io/cybozu-go/moco/mysql:${version}` };
}
