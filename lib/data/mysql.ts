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
  MYSQL_DATADIR,
  MYSQL_EXPORTER_CLIENT_FILE,
  MYSQL_EXPORTER_INIT_SCRIPT,
  MYSQL_EXPORTER_USER,
  MYSQL_INITDB_DIR,
  MYSQL_PORT,
  MYSQL_RUN_DIR,
  MYSQL_SOCKET,
  MYSQL_VOLUME_PATH,
  mysqlTuning,
  MySqlTuning,
  renderMyCnf,
  renderMySqlExporterClientConfig,
  renderMySqlExporterInitScript,
} from './mysql-config';
import { accountEnv, databaseProbes, DatabaseStore, DatabaseStoreProps, resolveAccounts } from './database-store';
import { ExporterAccountMonitoring, MiB, shaped, shapeFor, StatefulStoreProps } from './stateful-store';
import { ENGINE_IMAGES, engineImage, EXPORTER_IMAGES } from './versions';
import { checkProps } from '../core/prop-check';
import type { MySqlSettings } from './moco-engine';
import { MySqlEngine } from './mysql-engine';
import {
  checkStoreTls,
  clientCaDir,
  clientTls,
  DatabaseTlsOptions,
  renderStoreCertificate,
  SERVER_TLS_DIR,
  serverTlsVolume,
  serviceNames,
  StoreTlsPlan,
  storeTlsPlan,
  withClusterDomain,
} from './store-tls';
import type { ConnectionInfo } from './connection';
import { renderTlsReloadScript, TLS_RELOAD_SCRIPT, tlsReloaderSidecar } from './tls-reloader';
import { resolveEngine } from './store-engine';
import {
  initGuardCommand,
  initMarker,
  InitScripts,
  SQL_INIT_SCRIPT_RULES,
  readInitScripts,
  renderMySqlInitScriptsRunner,
  reportInitScripts,
} from './init-scripts';

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
  /**
   * SQL files run once, when the database is created (on an empty volume), after the image's
   * entrypoint created `database` and `user`: in the order given, each with the mysql client
   * as the application account in the application database, stopping at the first error,
   * so what they create and may do is what the application's account can. A failing file
   * fails the initialization, and the server is not started on the half-initialised
   * database (the pod restarts and says so; delete its volume claim to initialize again).
   * Paths are read at synth time; relative ones from the directory the synth runs in
   * (`process.cwd()`: the repository root for `npm run synth`). They travel in a ConfigMap
   * (`<name>-init-scripts`, at most 900KiB together) mounted read-only at
   * /etc/init-scripts, never where the entrypoint would run them as root. Changing them
   * later does nothing to an existing database (change it with a migration). With MOCO,
   * whose MySQLCluster has no initialization hook, the Job that creates the application
   * account runs them next, once, on the primary, as the application account; it records
   * the run and the files' checksum in the table `cdk8s_init_scripts` of the application
   * database, does nothing when run again, and fails (and with it the sync) when the files
   * changed after they ran or one of them fails.
   * @default - none
   */
  readonly initScripts?: readonly string[];
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
  /**
   * Encrypted, verified connections: a cert-manager Certificate (`<name>-tls`) for the store's
   * Service names (and its member's, loopback for the exporter), signed by `issuer`; the server
   * requires TLS 1.2+ on every TCP connection (`require_secure_transport = ON`). Connected
   * workloads get the CA (`ca.crt` of that Secret) mounted read-only at
   * `/etc/db-ca/<name>/ca.crt`; `ConnectionEnv.discrete({ sslMode: 'DB_SSL_MODE', sslCa: 'DB_SSL_CA' })`
   * gives them `VERIFY_IDENTITY` and that path, and URLs carry `ssl-mode=VERIFY_IDENTITY&ssl-ca=...`
   * (a connection whose variables never name the CA is a synth error). Backup and restore Jobs
   * and the exporter verify the same way. Not with MOCO (a synth error: MOCO's own connections
   * are unencrypted).
   * @default - no TLS (connections are confined by NetworkPolicy only)
   */
  readonly tls?: DatabaseTlsOptions;
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
 * password: connect() hands it the application account only, and `user: 'root'` (a
 * common mistake) is a synth error.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class MySql extends DatabaseStore {
  public readonly backupEngine = 'mysql' as const;
  /** Settings derived from the limits and props (what my.cnf says). */
  public readonly tuning: MySqlTuning;
  private readonly mysqlProps: MySqlProps;
  private readonly initScripts: InitScripts;

  constructor(scope: Construct, id: string, props: MySqlProps) {
    const version: string = props.version ?? '8.4';
    const engine = resolveEngine<MySqlSettings>(props.engine, 'mysql');
    const image = engineImage('mysql', version) ?? `docker.io/library/mysql:${version}`;
    const shape = shapeFor(engine, scope, id, { version, image });
    const initScripts = readInitScripts(scope, props.initScripts, SQL_INIT_SCRIPT_RULES);
    // With init scripts the server starts behind a guard against half-initialised databases
    // (the image's own command, mysqld, given as the argument of its entrypoint).
    const guard = initScripts.given
      ? {
          command: initGuardCommand({ marker: initMarker(MYSQL_VOLUME_PATH), initialized: `[ -d '${MYSQL_DATADIR}/mysql' ]`, store: id }),
          args: ['mysqld'],
        }
      : {};
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
      ...shaped(
        shape,
        props as MySqlProps & StatefulStoreProps,
        {
          image,
          ...guard,
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
      ),
      accounts,
    );
    checkProps(this, 'MySqlProps', props);
    this.mysqlProps = props;
    this.initScripts = initScripts;
    this.tlsPlan = storeTlsPlan(id, props.tls);
    this.tuning = this.tune(props);
    this.bindEngine(
      engine,
      { render: () => this.renderOwnServer(exporterKey), validate: () => {} },
      {
        database,
        user,
        appPassword: this.appPassword,
        maxConnections: this.tuning.maxConnections,
        bufferPoolSize: this.tuning.bufferPoolSize,
        storage: props.storage,
        storageClassName: props.storageClassName,
        exporter: props.monitoring?.exporter === true,
        tls: this.tlsPlan,
        // The StatefulSet engine runs them from the image's entrypoint; MOCO from its app-user Job.
        initScripts: this.initScripts.files,
      },
    );
  }

  /** The server the StatefulSet engine runs: my.cnf, and the exporter with its account. */
  private renderOwnServer(exporterKey: string | undefined): void {
    this.addWritableVolume('run', MYSQL_RUN_DIR);
    const tls = this.tlsPlan;
    if (tls) this.renderServerTls(tls);
    const source = `the props of ${this.node.path} and its container limits`;
    this.addConfigFile(MYSQL_CONFIG_FILE, renderMyCnf(this.tuning, source, { tlsDir: tls ? SERVER_TLS_DIR : undefined }), MYSQL_CONFIG_DIR);
    if (tls) {
      // A renewed certificate is served after ALTER INSTANCE RELOAD TLS: the sidecar sends it.
      this.addConfigFile(TLS_RELOAD_SCRIPT, renderTlsReloadScript('mysql', { SOCKET: MYSQL_SOCKET }), MYSQL_CONFIG_DIR);
      this.addSidecar(
        tlsReloaderSidecar({
          image: this.engineImage,
          uid: this.engineUid,
          configDir: MYSQL_CONFIG_DIR,
          socket: { volume: 'run', path: MYSQL_RUN_DIR },
          env: { MYSQL_ROOT_PASSWORD: this.adminPassword },
        }),
      );
    }
    const initFiles: string[] = [];
    if (exporterKey) {
      this.addConfigFile(MYSQL_EXPORTER_INIT_SCRIPT, renderMySqlExporterInitScript(), MYSQL_CONFIG_DIR);
      initFiles.push(MYSQL_EXPORTER_INIT_SCRIPT);
    }
    const userFiles = this.initScripts.files;
    if (userFiles.length > 0) {
      const runner = renderMySqlInitScriptsRunner(userFiles, { socket: MYSQL_SOCKET, marker: initMarker(MYSQL_VOLUME_PATH) });
      initFiles.push(this.addInitScripts(userFiles, runner, MYSQL_CONFIG_DIR));
    }
    if (initFiles.length > 0) this.mountEntrypointScripts(initFiles, MYSQL_INITDB_DIR);
    if (!exporterKey) return;
    // With TLS the exporter verifies the server like any client (the certificate names
    // 127.0.0.1): its option file names the CA.
    const caDir = clientCaDir(this.name);
    if (tls) this.addConfigFile(MYSQL_EXPORTER_CLIENT_FILE, renderMySqlExporterClientConfig(`${caDir}/ca.crt`), MYSQL_CONFIG_DIR);
    this.addExporter({
      image: EXPORTER_IMAGES.mysql,
      port: 9104,
      args: [
        `--mysqld.address=127.0.0.1:${MYSQL_PORT}`,
        `--mysqld.username=${MYSQL_EXPORTER_USER}`,
        ...(tls ? [`--config.my-cnf=${MYSQL_CONFIG_DIR}/${MYSQL_EXPORTER_CLIENT_FILE}`] : []),
      ],
      env: { MYSQLD_EXPORTER_PASSWORD: fromSecret(this.mysqlProps.credentials, exporterKey) },
      mounts: tls
        ? [
            { path: caDir, volume: 'server-ca' },
            { path: MYSQL_CONFIG_DIR, volume: 'config' },
          ]
        : [],
    });
  }

  /** The server's Certificate (client Service, member, loopback names), its Secret where my.cnf reads it, and the CA alone for the exporter. */
  private renderServerTls(tls: StoreTlsPlan): void {
    const names = [...serviceNames(this.name, this.namespaceName), ...withClusterDomain(this.memberHosts)];
    renderStoreCertificate(this, tls, names, { loopback: true });
    this.addVolume(serverTlsVolume(tls));
    this.container.mount(SERVER_TLS_DIR, 'server-tls', { readOnly: true });
    this.addVolume({ name: 'server-ca', secret: { secretName: tls.secretName, items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } });
  }

  protected tlsConnection(tls: StoreTlsPlan): Pick<ConnectionInfo, 'tls' | 'params'> {
    const caFile = `${clientCaDir(this.name)}/ca.crt`;
    return { params: { 'ssl-mode': 'VERIFY_IDENTITY', 'ssl-ca': caFile }, tls: { ...clientTls(this.name, tls, {}), mode: 'VERIFY_IDENTITY' } };
  }

  private tune(props: MySqlProps): MySqlTuning {
    return mysqlTuning({
      memoryLimit: parseQuantity(this.container.resources?.limits?.memory) ?? MIN_MEMORY,
      maxConnections: props.maxConnections ?? 151,
      bufferPoolSize: props.innodbBufferPoolSize !== undefined ? parseQuantity(props.innodbBufferPoolSize) : undefined,
    });
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
    if (p.engine !== undefined && !MySqlEngine.isMySqlEngine(p.engine)) {
      report.error('mysql.engine', 'engine', 'must be MySqlEngine.statefulSet() or MySqlEngine.moco({ instances, ... })');
    }
    this.checkVersion(report, 'mysql', 'MySQL', '; MySQL 8.0 reached end of life in April 2026, "MySQL 8" means the 8.4 LTS line');
    this.checkNames(report, checkMySqlName);
    checkStoreTls(report, p.tls, this.namespaceName);
    reportInitScripts(report, this.initScripts, SQL_INIT_SCRIPT_RULES);

    this.checkAccountKeys(report, 'every account needs its own password');
    const maxConnections = this.tuning.maxConnections;
    this.checkMaxConnections(report, maxConnections, 10, 100000);
    this.checkMemoryLimit(report, MIN_MEMORY, 'MySQL 8.4 needs (buffer pool, performance_schema, per-connection buffers); set resources');
    const leaves = `${maxConnections} connections, performance_schema and the server`;
    const pool = p.innodbBufferPoolSize;
    const minimum = [5 * MiB, "InnoDB's minimum of 5Mi"] as const;
    this.checkMemorySetting(report, { field: 'innodbBufferPoolSize', value: pool, example: '1Gi', minimum, leaves });
  }
}

const MYSQL_ACCOUNTS = {
  scheme: 'mysql',
  adminUser: 'root',
  adminKeyName: 'root',
  adminKey: 'root-password',
  exporterKey: 'exporter-password',
} as const;
