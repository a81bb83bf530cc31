import { Construct } from 'constructs';
import { formatBytes, parseQuantity } from '../core/quantity';
import { ValidationReport } from '../core/validation';
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
import { ExporterAccountMonitoring, MiB, shaped, shapeFor, StatefulStoreProps } from './stateful-store';
import { ENGINE_IMAGES, engineImage, EXPORTER_IMAGES } from './versions';
import { checkProps } from '../core/prop-check';
import type { PostgresSettings } from './cloudnative-pg-engine';
import { PostgresEngine } from './postgres-engine';
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
  renderPostgresInitScriptsRunner,
  reportInitScripts,
} from './init-scripts';

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
  /**
   * SQL files run once, when the database is created (on an empty volume), after the
   * application role and database exist: in the order given, each as the application role
   * in the application database (`psql -v ON_ERROR_STOP=1 --single-transaction -f`), so what
   * they create belongs to the application role. A failing file fails the initialization,
   * and the server is not started on the half-initialised database (the pod restarts and
   * says so; delete its volume claim to initialize again). Paths are read at synth time;
   * relative ones from the directory the synth runs in (`process.cwd()`: the repository
   * root for `npm run synth`). They travel in a ConfigMap (`<name>-init-scripts`, at most
   * 900KiB together) mounted read-only at /etc/init-scripts, never where the image's
   * entrypoint would run them as the superuser. Changing them later does nothing to an
   * existing database (change it with a migration). With CloudNativePG they run through
   * `bootstrap.initdb.postInitApplicationSQLRefs` (as the superuser after
   * `SET ROLE <user>`, so the objects belong to `user` there too).
   * @default - none
   */
  readonly initScripts?: readonly string[];
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
  /**
   * Encrypted, verified connections: a cert-manager Certificate (`<name>-tls`) for the store's
   * Service names (and its members', loopback for the exporter), signed by `issuer`; the server
   * requires TLS 1.2+ on every TCP connection (`ssl = on`, pg_hba.conf `hostssl` only, plain
   * `host` connections refused). Connected workloads get the CA (`ca.crt` of that Secret)
   * mounted read-only at `/etc/db-ca/<name>/ca.crt`, `PGSSLMODE=verify-full` and
   * `PGSSLROOTCERT`, and URLs carry `sslmode=verify-full&sslrootcert=...`; backup and restore
   * Jobs verify the same way. With CloudNativePG the certificate (for `<name>-rw`, `-ro`, `-r`)
   * becomes the Cluster's `certificates.serverTLSSecret`/`serverCASecret`.
   * @default - no TLS (connections are confined by NetworkPolicy only)
   */
  readonly tls?: DatabaseTlsOptions;
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
 * @sealed subclassing is not supported; its protected members are not API
 */
export class Postgres extends DatabaseStore {
  public readonly backupEngine = 'postgres' as const;
  public readonly flavour: PostgresFlavour;
  /** Settings derived from the limits and props (what postgresql.conf says). */
  public readonly tuning: PostgresTuning;
  private readonly pgProps: PostgresProps;
  private readonly initScripts: InitScripts;

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
    const engine = resolveEngine<PostgresSettings>(props.engine, 'postgres');
    const shape = shapeFor(engine, scope, id, { version, image });
    const initScripts = readInitScripts(scope, props.initScripts, SQL_INIT_SCRIPT_RULES);
    // With init scripts the server starts behind a guard against half-initialised databases.
    const guard = initScripts.given
      ? { command: initGuardCommand({ marker: initMarker(POSTGRES_VOLUME_PATH), initialized: '[ -s "$PGDATA/PG_VERSION" ]', store: id }) }
      : {};
    super(
      scope,
      id,
      ...shaped(
        shape,
        props as PostgresProps & StatefulStoreProps,
        {
          image,
          ...guard,
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
      ),
      accounts,
    );
    checkProps(this, 'PostgresProps', props);
    this.pgProps = props;
    this.flavour = flavour;
    this.initScripts = initScripts;
    this.tlsPlan = storeTlsPlan(id, props.tls);

    const limits = this.container.resources?.limits;
    this.tuning = postgresTuning({
      memoryLimit: parseQuantity(limits?.memory) ?? 512 * MiB,
      cpuLimit: parseQuantity(limits?.cpu) ?? 1,
      storage: parseQuantity(props.storage) ?? 2 ** 30,
      maxConnections: props.maxConnections ?? 100,
      sharedBuffers: props.sharedBuffers !== undefined ? parseQuantity(props.sharedBuffers) : undefined,
      timescale: flavour === 'timescaledb',
    });
    this.bindEngine(
      engine,
      { render: () => this.renderOwnServer(exporterKey), validate: () => {} },
      {
        database,
        user,
        flavour,
        tuning: this.tuning,
        storage: props.storage,
        storageClassName: props.storageClassName,
        credentials: props.credentials,
        appKey: props.credentialKeys?.app,
        exporter: props.monitoring?.exporter === true,
        initScripts: initScripts.files,
        tls: this.tlsPlan,
      },
    );
  }

  /** The server the StatefulSet engine runs: its configuration, init script and exporter. */
  private renderOwnServer(exporterKey: string | undefined): void {
    this.addWritableVolume('run', POSTGRES_SOCKET_DIR);
    // Dynamic shared memory (parallel queries); a container's own /dev/shm is 64MB at most.
    this.addWritableVolume('dshm', '/dev/shm', { medium: 'Memory', sizeLimit: formatBytes(this.tuning.sharedMemoryVolume) });

    const timescale = this.flavour === 'timescaledb';
    const tls = this.tlsPlan;
    if (tls) this.renderServerTls(tls);
    const source = `the props of ${this.node.path} and its container limits`;
    this.addConfigFile(
      'postgresql.conf',
      renderPostgresConf(this.tuning, { timescale, source, tlsDir: tls ? SERVER_TLS_DIR : undefined }),
      POSTGRES_CONFIG_DIR,
    );
    this.addConfigFile('pg_hba.conf', renderPgHba({ tls: tls !== undefined }), POSTGRES_CONFIG_DIR);
    if (tls) {
      const values = { SOCKET_DIR: POSTGRES_SOCKET_DIR, PORT: String(POSTGRES_PORT), SUPERUSER: POSTGRES_SUPERUSER };
      this.addConfigFile(TLS_RELOAD_SCRIPT, renderTlsReloadScript('postgres', values), POSTGRES_CONFIG_DIR);
      this.addSidecar(
        tlsReloaderSidecar({
          image: this.engineImage,
          uid: this.engineUid,
          configDir: POSTGRES_CONFIG_DIR,
          socket: { volume: 'run', path: POSTGRES_SOCKET_DIR },
          env: { POSTGRES_PASSWORD: this.adminPassword },
        }),
      );
    }
    this.addConfigFile(POSTGRES_INIT_SCRIPT, renderPostgresInitScript({ timescale, monitoring: exporterKey !== undefined }), POSTGRES_CONFIG_DIR);
    const initFiles = [POSTGRES_INIT_SCRIPT];
    const userFiles = this.initScripts.files;
    if (userFiles.length > 0) {
      // The user's files in a ConfigMap of their own (they do not roll the pod: they only ever
      // run on an empty volume), and the runner after init-app.sh.
      const marker = initMarker(POSTGRES_VOLUME_PATH);
      const runner = renderPostgresInitScriptsRunner(userFiles, { socketDir: POSTGRES_SOCKET_DIR, port: POSTGRES_PORT, marker });
      initFiles.push(this.addInitScripts(userFiles, runner, POSTGRES_CONFIG_DIR));
    }
    // Mounting over the directory also hides the TimescaleDB image's own init scripts
    // (timescaledb-tune would rewrite a postgresql.conf the server does not read).
    this.mountEntrypointScripts(initFiles, POSTGRES_INITDB_DIR);

    if (exporterKey) {
      // With TLS the exporter verifies the server like any client: the certificate names 127.0.0.1.
      const caFile = `${clientCaDir(this.name)}/ca.crt`;
      const env = {
        DATA_SOURCE_URI: `127.0.0.1:${POSTGRES_PORT}/postgres?${tls ? `sslmode=verify-full&sslrootcert=${caFile}` : 'sslmode=disable'}`,
        DATA_SOURCE_USER: POSTGRES_MONITORING_ROLE,
        DATA_SOURCE_PASS: fromSecret(this.pgProps.credentials, exporterKey),
      };
      this.addExporter({
        image: EXPORTER_IMAGES.postgres,
        port: 9187,
        env,
        mounts: tls ? [{ path: clientCaDir(this.name), volume: 'server-ca' }] : [],
      });
    }
  }

  /**
   * The server's Certificate, for the client Service's names and the members' (and loopback,
   * for the exporter), its Secret mounted where postgresql.conf reads it, and the CA alone for
   * the exporter. The server reads a renewed certificate when told to reload: the
   * `tls-reload` sidecar (tls-reloader.ts) tells it within a minute of the renewal.
   */
  private renderServerTls(tls: StoreTlsPlan): void {
    const names = [...serviceNames(this.name, this.namespaceName), ...withClusterDomain(this.memberHosts)];
    renderStoreCertificate(this, tls, names, { loopback: true });
    this.addVolume(serverTlsVolume(tls));
    this.container.mount(SERVER_TLS_DIR, 'server-tls', { readOnly: true });
    this.addVolume({ name: 'server-ca', secret: { secretName: tls.secretName, items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } });
  }

  protected tlsConnection(tls: StoreTlsPlan): Pick<ConnectionInfo, 'tls' | 'params'> {
    const caFile = `${clientCaDir(this.name)}/ca.crt`;
    return {
      params: { sslmode: 'verify-full', sslrootcert: caFile },
      tls: { ...clientTls(this.name, tls, { PGSSLMODE: 'verify-full', PGSSLROOTCERT: caFile }), mode: 'verify-full' },
    };
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
      report.error('postgres.flavour', 'flavour', `'${this.flavour}' must be 'postgres' or 'timescaledb'`);
    } else if (this.flavour === 'timescaledb') {
      this.checkVersion(report, 'timescaledb', 'TimescaleDB');
    } else {
      this.checkVersion(report, 'postgres', 'PostgreSQL');
    }
    this.checkNames(report, checkPostgresName);
    checkStoreTls(report, p.tls, this.namespaceName);
    reportInitScripts(report, this.initScripts, SQL_INIT_SCRIPT_RULES);
    if (p.engine !== undefined && !PostgresEngine.isPostgresEngine(p.engine)) {
      report.error('postgres.engine', 'engine', 'must be PostgresEngine.statefulSet() or PostgresEngine.cloudNativePg({ ... })');
    }

    this.checkAccountKeys(report, 'every role needs its own password');
    const maxConnections = this.tuning.maxConnections;
    this.checkMaxConnections(report, maxConnections, 10, 10000);
    this.checkMemoryLimit(report, MIN_MEMORY, 'PostgreSQL needs for shared buffers and sessions');
    const leaves = `${maxConnections} sessions (work_mem), maintenance and the page cache`;
    const minimum = [128 * 1024, "PostgreSQL's minimum of 128Ki"] as const;
    this.checkMemorySetting(report, { field: 'sharedBuffers', value: p.sharedBuffers, example: '256Mi', minimum, leaves });
  }
}
