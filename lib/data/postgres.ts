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
import { BackupableStore } from './backupable-store';
import { ENGINE_IMAGES, engineImage, EXPORTER_IMAGES, supportedVersions } from './versions';
import { checkProps } from '../core/prop-check';

/** PostgreSQL major versions with an image in versions.ts. */
export type PostgresVersion = keyof typeof ENGINE_IMAGES.postgres;

/** Plain PostgreSQL, or PostgreSQL with the TimescaleDB extension (time series). */
export type PostgresFlavour = 'postgres' | 'timescaledb';

export interface PostgresProps {
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
  /** Volume size, e.g. `10Gi`. */
  readonly storage: string;
  /** @default - the environment's storage class */
  readonly storageClassName?: string;
  /**
   * Secret holding the passwords (by reference only): the superuser's (`postgres`, used by
   * initialization, backups and restores), the application role's and, with the exporter,
   * the monitoring role's.
   */
  readonly credentials: ISecretSource;
  /** Key of the superuser password in `credentials`. @default 'postgres-password' */
  readonly superuserPasswordKey?: string;
  /** Key of the application role's password in `credentials`. @default 'password' */
  readonly passwordKey?: string;
  /** Key of the monitoring role's password (only read with `exporter`). @default 'monitoring-password' */
  readonly monitoringPasswordKey?: string;
  /** max_connections. @default 100 */
  readonly maxConnections?: number;
  /** shared_buffers, e.g. `256Mi`. @default - 25 % of the container memory limit */
  readonly sharedBuffers?: string;
  /** @default - the environment's default profile */
  readonly resources?: ResourceProfile;
  /**
   * Run postgres_exporter as a sidecar on port 9187 (`metrics`). It logs in as its own
   * role, `postgres_exporter`, a member of `pg_monitor` only, with the password under
   * `monitoringPasswordKey`. @default false
   */
  readonly exporter?: boolean;
}

/** uid/gid of `postgres` in the images: the Debian-based official images use 999, the Alpine-based TimescaleDB images 70. */
export const POSTGRES_UIDS: Readonly<Record<PostgresFlavour, number>> = { postgres: 999, timescaledb: 70 };

const MiB = 2 ** 20;
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
export class Postgres extends BackupableStore {
  public readonly backupEngine = 'postgres' as const;
  public readonly engineUser: number;
  public readonly backupDatabases: readonly string[];
  public readonly version: string;
  public readonly flavour: PostgresFlavour;
  /** The application database. */
  public readonly database: string;
  /** The application role. */
  public readonly user: string;
  /** Settings derived from the limits and props (what postgresql.conf says). */
  public readonly tuning: PostgresTuning;
  private readonly pgProps: PostgresProps;
  private readonly keys: { readonly superuser: string; readonly app: string; readonly monitoring: string };

  constructor(scope: Construct, id: string, props: PostgresProps) {
    const version: string = props.version ?? '17';
    const flavour: PostgresFlavour = props.flavour ?? 'postgres';
    const image = (flavour === 'timescaledb' ? engineImage('timescaledb', version) : engineImage('postgres', version)) ?? `postgres:${version}`;
    const uid = POSTGRES_UIDS[flavour] ?? POSTGRES_UIDS.postgres;
    const database = props.database;
    const user = props.user ?? props.database;
    const keys = {
      superuser: props.superuserPasswordKey ?? 'postgres-password',
      app: props.passwordKey ?? 'password',
      monitoring: props.monitoringPasswordKey ?? 'monitoring-password',
    };
    const isready = ['pg_isready', '-h', '127.0.0.1', '-p', String(POSTGRES_PORT), '-U', user, '-d', database];
    // Ready: accepting connections. Alive (and started): answering at all; pg_isready exits
    // 1 while the server rejects connections during start-up or crash recovery, which can
    // take long after an unclean stop and must not be killed for it. Until initialization
    // has finished the server listens on its socket only, so neither passes.
    const answering = ['sh', '-c', `${isready.join(' ')} -q; [ $? -le 1 ]`];
    super(
      scope,
      id,
      {
        image,
        storage: props.storage,
        storageClassName: props.storageClassName,
        resources: props.resources,
        runAs: { user: uid, group: uid, fsGroup: uid },
        args: ['postgres', '-c', `config_file=${POSTGRES_CONFIG_DIR}/postgresql.conf`, '-c', `hba_file=${POSTGRES_CONFIG_DIR}/pg_hba.conf`],
        env: {
          PGDATA,
          // Read by the entrypoint (initdb) and by the init script, never by the application.
          POSTGRES_PASSWORD: fromSecret(props.credentials, keys.superuser),
          POSTGRES_INITDB_ARGS: '--data-checksums --auth-local=scram-sha-256 --auth-host=scram-sha-256',
          APP_DATABASE: database,
          APP_USER: user,
          APP_PASSWORD: fromSecret(props.credentials, keys.app),
          ...(props.exporter ? { MONITORING_PASSWORD: fromSecret(props.credentials, keys.monitoring) } : {}),
        },
        readiness: Probe.exec(isready, { timeoutSeconds: 5 }),
        liveness: Probe.exec(answering, { timeoutSeconds: 5, failureThreshold: 6 }),
        // Up to ten minutes for initdb and the init script on a slow volume.
        startup: Probe.exec(answering, { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 120 }),
      },
      { port: { name: 'postgres', port: POSTGRES_PORT }, dataPath: POSTGRES_VOLUME_PATH, role: 'database' },
    );
    checkProps(this, 'PostgresProps', props);
    this.pgProps = props;
    this.version = version;
    this.flavour = flavour;
    this.database = database;
    this.user = user;
    this.keys = keys;
    this.engineUser = uid;
    this.backupDatabases = [database];

    const limits = this.container.resources?.limits;
    this.tuning = postgresTuning({
      memoryLimit: parseQuantity(limits?.memory) ?? 512 * MiB,
      cpuLimit: parseQuantity(limits?.cpu) ?? 1,
      storage: parseQuantity(props.storage) ?? 2 ** 30,
      maxConnections: props.maxConnections ?? 100,
      sharedBuffers: props.sharedBuffers !== undefined ? parseQuantity(props.sharedBuffers) : undefined,
      timescale: flavour === 'timescaledb',
    });

    this.addWritableVolume('run', POSTGRES_SOCKET_DIR);
    // Dynamic shared memory (parallel queries); a container's own /dev/shm is 64MB at most.
    this.addWritableVolume('dshm', '/dev/shm', { medium: 'Memory', sizeLimit: formatBytes(this.tuning.sharedMemoryVolume) });

    const timescale = flavour === 'timescaledb';
    this.addConfigFile('postgresql.conf', renderPostgresConf(this.tuning, { timescale, source: `the props of ${this.node.path} and its container limits` }), POSTGRES_CONFIG_DIR);
    this.addConfigFile('pg_hba.conf', renderPgHba(), POSTGRES_CONFIG_DIR);
    this.addConfigFile(POSTGRES_INIT_SCRIPT, renderPostgresInitScript({ timescale, monitoring: props.exporter === true }), POSTGRES_CONFIG_DIR);
    // The same ConfigMap again, only the init script, executable, where the entrypoint looks.
    // Mounting over the directory also hides the TimescaleDB image's own init scripts
    // (timescaledb-tune would rewrite a postgresql.conf the server does not read).
    this.addVolume({ name: 'initdb', configMap: { name: `${this.name}-config`, items: [{ key: POSTGRES_INIT_SCRIPT, path: POSTGRES_INIT_SCRIPT }], defaultMode: 0o555 } });
    this.container.mounts.push({ name: 'initdb', mountPath: POSTGRES_INITDB_DIR, readOnly: true });

    if (props.exporter) {
      this.addSidecar(
        new ContainerModel(
          'metrics',
          {
            image: EXPORTER_IMAGES.postgres,
            env: {
              DATA_SOURCE_URI: `127.0.0.1:${POSTGRES_PORT}/postgres?sslmode=disable`,
              DATA_SOURCE_USER: POSTGRES_MONITORING_ROLE,
              DATA_SOURCE_PASS: fromSecret(props.credentials, keys.monitoring),
            },
            readiness: Probe.http('/'),
            liveness: Probe.tcp(),
            runAs: { user: 65534 },
          },
          { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
          [{ name: 'metrics', port: 9187 }],
        ),
      );
    }
  }

  /** The superuser's password, by reference (backups and restores). */
  public get superuserPassword() {
    return fromSecret(this.pgProps.credentials, this.keys.superuser);
  }

  public connectionInfo(): ConnectionInfo {
    return {
      scheme: 'postgresql',
      host: this.host,
      port: POSTGRES_PORT,
      database: this.database,
      user: this.user,
      password: fromSecret(this.pgProps.credentials, this.keys.app),
    };
  }

  public get readinessCheck() {
    return {
      image: this.container.props.image,
      command: `pg_isready -h "$STORE_HOST" -p "$STORE_PORT" -U "$STORE_USER" -d '${this.database}'`,
    };
  }

  public adminConnection(): AdminConnection {
    return { host: this.host, port: POSTGRES_PORT, user: POSTGRES_SUPERUSER, password: this.superuserPassword };
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
      if (engineImage('timescaledb', this.version) === undefined) {
        report.error('version', `'${this.version}' is not a supported TimescaleDB version (supported: ${supportedVersions('timescaledb').join(', ')})`);
      }
    } else if (engineImage('postgres', this.version) === undefined) {
      report.error('version', `'${this.version}' is not a supported PostgreSQL version (supported: ${supportedVersions('postgres').join(', ')})`);
    }

    const databaseProblem = checkPostgresName(this.database, 'database');
    if (databaseProblem) report.error('database', databaseProblem);
    const userProblem = checkPostgresName(this.user, 'user');
    if (userProblem) report.error('user', p.user === undefined ? `${userProblem} (the default is the database name; set user)` : userProblem);

    const keyNames: Array<[string, string]> = [['superuserPasswordKey', this.keys.superuser], ['passwordKey', this.keys.app]];
    if (p.exporter) keyNames.push(['monitoringPasswordKey', this.keys.monitoring]);
    keyNames.forEach(([field, key], i) => {
      const earlier = keyNames.slice(0, i).find(([, other]) => other === key);
      if (earlier) report.error(field, `'${key}' is also ${earlier[0]}; every role needs its own password`);
    });

    const maxConnections = this.tuning.maxConnections;
    if (!Number.isInteger(maxConnections) || maxConnections < 10 || maxConnections > 10000) {
      report.error('maxConnections', `${maxConnections} must be a whole number from 10 to 10000`);
    }

    const limitText = this.container.resources?.limits?.memory;
    const limit = parseQuantity(limitText);
    if (limit !== undefined && limit < MIN_MEMORY) {
      report.error('resources.limits.memory', `${limitText} is below the ${formatBytes(MIN_MEMORY)} PostgreSQL needs for shared buffers and sessions`);
    }
    if (p.sharedBuffers !== undefined) {
      const sharedBuffers = parseQuantity(p.sharedBuffers);
      const problem = checkQuantity(p.sharedBuffers, 'bytes', '256Mi');
      if (problem || sharedBuffers === undefined) report.error('sharedBuffers', problem ?? `'${p.sharedBuffers}' is not a valid quantity (e.g. 256Mi)`);
      else if (sharedBuffers < 128 * 1024) report.error('sharedBuffers', `${p.sharedBuffers} is below PostgreSQL's minimum of 128Ki`);
      else if (limit !== undefined && sharedBuffers >= limit) {
        report.error('sharedBuffers', `${p.sharedBuffers} is at or above the container memory limit ${limitText}; the server would be OOM-killed`);
      } else if (limit !== undefined && sharedBuffers > limit * 0.75) {
        report.error('sharedBuffers', `${p.sharedBuffers} is more than 75 % of the container memory limit ${limitText}, leaving too little for ${maxConnections} sessions (work_mem), maintenance and the page cache`);
      }
    }
  }
}
