import { Construct } from 'constructs';
import { ResourceProfile } from '../core/environment';
import { checkQuantity, formatBytes, parseQuantity } from '../core/quantity';
import { ValidationReport } from '../core/validation';
import { ISecretSource } from '../security/secret-source';
import { ContainerModel } from '../workloads/container';
import { fromSecret } from '../workloads/env';
import { Probe } from '../workloads/probe';
import type { AdminConnection } from '../backup/backupable';
import { ConnectionInfo } from './connection';
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
import { BackupableStore } from './backupable-store';
import { ENGINE_IMAGES, engineImage, EXPORTER_IMAGES, supportedVersions } from './versions';
import { checkProps } from '../core/prop-check';

/** MySQL versions with an image in versions.ts: the 8.4 LTS line (8.0 reached end of life in April 2026). */
export type MySqlVersion = keyof typeof ENGINE_IMAGES.mysql;

export interface MySqlProps {
  /** MySQL major.minor. @default '8.4' */
  readonly version?: MySqlVersion;
  /** The application database (letters, digits, `_`; at most 64 characters). */
  readonly database: string;
  /**
   * The application account (at most 32 characters; never `root`). It gets every
   * privilege on `database` and none elsewhere. @default - same as `database`
   */
  readonly user?: string;
  /** Volume size, e.g. `10Gi`. */
  readonly storage: string;
  /** @default - the environment's storage class */
  readonly storageClassName?: string;
  /**
   * Secret holding the passwords (by reference only): root's (initialization, backups,
   * restores), the application account's and, with the exporter, the exporter's.
   */
  readonly credentials: ISecretSource;
  /** Key of root's password in `credentials`. @default 'root-password' */
  readonly rootPasswordKey?: string;
  /** Key of the application account's password in `credentials`. @default 'password' */
  readonly passwordKey?: string;
  /** Key of the exporter account's password (only read with `exporter`). @default 'exporter-password' */
  readonly exporterPasswordKey?: string;
  /** max_connections. @default 151 (MySQL's own default) */
  readonly maxConnections?: number;
  /** innodb_buffer_pool_size, e.g. `1Gi`; rounded down to whole 128Mi chunks. @default - 50 % of the container memory limit */
  readonly innodbBufferPoolSize?: string;
  /** @default - the environment's default profile; at least 512Mi of memory */
  readonly resources?: ResourceProfile;
  /**
   * Run mysqld_exporter as a sidecar on port 9104 (`metrics`), logging in as its own
   * account `mysqld_exporter`@`127.0.0.1` (PROCESS, REPLICATION CLIENT, SELECT on
   * performance_schema) with the password under `exporterPasswordKey`. @default false
   */
  readonly exporter?: boolean;
}

/** uid/gid of `mysql` in the official images. */
export const MYSQL_UID = 999;

const MiB = 2 ** 20;
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
export class MySql extends BackupableStore {
  public readonly backupEngine = 'mysql' as const;
  public readonly engineUser = MYSQL_UID;
  public readonly backupDatabases: readonly string[];
  public readonly version: string;
  public readonly database: string;
  public readonly user: string;
  /** Settings derived from the limits and props (what my.cnf says). */
  public readonly tuning: MySqlTuning;
  private readonly mysqlProps: MySqlProps;
  private readonly keys: { readonly root: string; readonly app: string; readonly exporter: string };

  constructor(scope: Construct, id: string, props: MySqlProps) {
    const version: string = props.version ?? '8.4';
    const image = engineImage('mysql', version) ?? `mysql:${version}`;
    const database = props.database;
    const user = props.user ?? props.database;
    const keys = {
      root: props.rootPasswordKey ?? 'root-password',
      app: props.passwordKey ?? 'password',
      exporter: props.exporterPasswordKey ?? 'exporter-password',
    };
    // The application account's password reaches mysqladmin through MYSQL_PWD, set for
    // that one command: never on a command line, and never in the container's environment
    // (the entrypoint's own clients would pick it up for root).
    const ping = ['sh', '-c', `MYSQL_PWD="$MYSQL_PASSWORD" mysqladmin ping --host=127.0.0.1 --port=${MYSQL_PORT} --user="$MYSQL_USER" --silent`];
    // Liveness asks only whether mysqld answers at all: `mysqladmin ping` exits 0 even on
    // "Access denied", so a password problem makes the pod unready, not restarted in a loop.
    const alive = ['sh', '-c', `mysqladmin ping --host=127.0.0.1 --port=${MYSQL_PORT} --user=liveness --silent --connect-timeout=3 >/dev/null 2>&1 || mysqladmin ping --host=127.0.0.1 --port=${MYSQL_PORT} --user=liveness --connect-timeout=3 2>&1 | grep -q 'Access denied'`];
    super(
      scope,
      id,
      {
        image,
        storage: props.storage,
        storageClassName: props.storageClassName,
        resources: props.resources,
        runAs: { user: MYSQL_UID, group: MYSQL_UID, fsGroup: MYSQL_UID },
        env: {
          MYSQL_ROOT_PASSWORD: fromSecret(props.credentials, keys.root),
          MYSQL_DATABASE: database,
          MYSQL_USER: user,
          MYSQL_PASSWORD: fromSecret(props.credentials, keys.app),
          ...(props.exporter ? { MYSQL_EXPORTER_PASSWORD: fromSecret(props.credentials, keys.exporter) } : {}),
        },
        // Until initialization has finished the server runs with --skip-networking, so
        // none of these pass; ten minutes for that (and for InnoDB crash recovery).
        readiness: Probe.exec(ping, { timeoutSeconds: 5 }),
        liveness: Probe.exec(alive, { timeoutSeconds: 5, failureThreshold: 6 }),
        startup: Probe.exec(ping, { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 120 }),
      },
      { port: { name: 'mysql', port: MYSQL_PORT }, dataPath: MYSQL_VOLUME_PATH, role: 'database' },
    );
    checkProps(this, 'MySqlProps', props);
    this.mysqlProps = props;
    this.version = version;
    this.database = database;
    this.user = user;
    this.keys = keys;
    this.backupDatabases = [database];

    this.tuning = mysqlTuning({
      memoryLimit: parseQuantity(this.container.resources?.limits?.memory) ?? MIN_MEMORY,
      maxConnections: props.maxConnections ?? 151,
      bufferPoolSize: props.innodbBufferPoolSize !== undefined ? parseQuantity(props.innodbBufferPoolSize) : undefined,
    });

    this.addWritableVolume('run', MYSQL_RUN_DIR);
    this.addConfigFile(MYSQL_CONFIG_FILE, renderMyCnf(this.tuning, `the props of ${this.node.path} and its container limits`), MYSQL_CONFIG_DIR);

    if (props.exporter) {
      this.addConfigFile(MYSQL_EXPORTER_INIT_SCRIPT, renderMySqlExporterInitScript(), MYSQL_CONFIG_DIR);
      // The same ConfigMap again, only the init script, executable, where the entrypoint looks.
      this.addVolume({ name: 'initdb', configMap: { name: `${this.name}-config`, items: [{ key: MYSQL_EXPORTER_INIT_SCRIPT, path: MYSQL_EXPORTER_INIT_SCRIPT }], defaultMode: 0o555 } });
      this.container.mounts.push({ name: 'initdb', mountPath: MYSQL_INITDB_DIR, readOnly: true });
      this.addSidecar(
        new ContainerModel(
          'metrics',
          {
            image: EXPORTER_IMAGES.mysql,
            args: [`--mysqld.address=127.0.0.1:${MYSQL_PORT}`, `--mysqld.username=${MYSQL_EXPORTER_USER}`],
            env: { MYSQLD_EXPORTER_PASSWORD: fromSecret(props.credentials, keys.exporter) },
            readiness: Probe.http('/'),
            liveness: Probe.tcp(),
            runAs: { user: 65534 },
          },
          { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
          [{ name: 'metrics', port: 9104 }],
        ),
      );
    }
  }

  /** root's password, by reference (backups and restores). */
  public get rootPassword() {
    return fromSecret(this.mysqlProps.credentials, this.keys.root);
  }

  public connectionInfo(): ConnectionInfo {
    return {
      scheme: 'mysql',
      host: this.host,
      port: MYSQL_PORT,
      database: this.database,
      user: this.user,
      password: fromSecret(this.mysqlProps.credentials, this.keys.app),
    };
  }

  /** mysqladmin answers once the server listens on the network, which it does only after initialization. */
  public get readinessCheck() {
    return {
      image: this.container.props.image,
      command: 'MYSQL_PWD="$STORE_PASSWORD" mysqladmin ping --host="$STORE_HOST" --port="$STORE_PORT" --user="$STORE_USER" --silent',
    };
  }

  public adminConnection(): AdminConnection {
    return { host: this.host, port: MYSQL_PORT, user: 'root', password: this.rootPassword };
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    const p = this.mysqlProps;
    if (engineImage('mysql', this.version) === undefined) {
      report.error('version', `'${this.version}' is not a supported MySQL version (supported: ${supportedVersions('mysql').join(', ')}; MySQL 8.0 reached end of life in April 2026, "MySQL 8" means the 8.4 LTS line)`);
    }
    const databaseProblem = checkMySqlName(this.database, 'database');
    if (databaseProblem) report.error('database', databaseProblem);
    const userProblem = checkMySqlName(this.user, 'user');
    if (userProblem) report.error('user', p.user === undefined ? `${userProblem} (the default is the database name; set user)` : userProblem);

    const keyNames: Array<[string, string]> = [['rootPasswordKey', this.keys.root], ['passwordKey', this.keys.app]];
    if (p.exporter) keyNames.push(['exporterPasswordKey', this.keys.exporter]);
    keyNames.forEach(([field, key], i) => {
      const earlier = keyNames.slice(0, i).find(([, other]) => other === key);
      if (earlier) report.error(field, `'${key}' is also ${earlier[0]}; every account needs its own password`);
    });

    const maxConnections = this.tuning.maxConnections;
    if (!Number.isInteger(maxConnections) || maxConnections < 10 || maxConnections > 100000) {
      report.error('maxConnections', `${maxConnections} must be a whole number from 10 to 100000`);
    }

    const limitText = this.container.resources?.limits?.memory;
    const limit = parseQuantity(limitText);
    if (limit !== undefined && limit < MIN_MEMORY) {
      report.error('resources.limits.memory', `${limitText} is below the ${formatBytes(MIN_MEMORY)} MySQL 8.4 needs (buffer pool, performance_schema, per-connection buffers); set resources`);
    }
    if (p.innodbBufferPoolSize !== undefined) {
      const pool = parseQuantity(p.innodbBufferPoolSize);
      const problem = checkQuantity(p.innodbBufferPoolSize, 'bytes', '1Gi');
      if (problem || pool === undefined) report.error('innodbBufferPoolSize', problem ?? `'${p.innodbBufferPoolSize}' is not a valid quantity (e.g. 1Gi)`);
      else if (pool < 5 * MiB) report.error('innodbBufferPoolSize', `${p.innodbBufferPoolSize} is below InnoDB's minimum of 5Mi`);
      else if (limit !== undefined && pool >= limit) {
        report.error('innodbBufferPoolSize', `${p.innodbBufferPoolSize} is at or above the container memory limit ${limitText}; the server would be OOM-killed`);
      } else if (limit !== undefined && pool > limit * 0.75) {
        report.error('innodbBufferPoolSize', `${p.innodbBufferPoolSize} is more than 75 % of the container memory limit ${limitText}, leaving too little for ${maxConnections} connections, performance_schema and the server`);
      }
    }
  }
}
