/**
 * What the Postgres construct generates, as pure functions of its settings: the server
 * configuration (`postgresql.conf`), client authentication (`pg_hba.conf`), the init
 * script the image's entrypoint runs on an empty data directory, and the identifier
 * rules PostgreSQL applies to database and role names. Kept apart from the construct so
 * the real-engine integration suite and the unit tests read the same text the pod does.
 */

import { formatBytes } from '../core/quantity';
import { renderScriptFile, ScriptValues } from '../core/script-file';

export const POSTGRES_PORT = 5432;
/** Where the volume is mounted. */
export const POSTGRES_VOLUME_PATH = '/var/lib/postgresql/data';
/**
 * The cluster lives in a subdirectory of the volume: a fresh block volume holds a
 * `lost+found` at its root, and initdb refuses a non-empty directory. (It also keeps the
 * PostgreSQL 18 image's "unused mount" check quiet: that check only runs when PGDATA is
 * the image's default.)
 */
export const PGDATA = `${POSTGRES_VOLUME_PATH}/pgdata`;
/** Where the ConfigMap (postgresql.conf, pg_hba.conf, the init script) is mounted. */
export const POSTGRES_CONFIG_DIR = '/etc/postgresql';
/** The Unix socket directory (an emptyDir: the root filesystem is read-only). */
export const POSTGRES_SOCKET_DIR = '/var/run/postgresql';
/** Where the official images look for init scripts. */
export const POSTGRES_INITDB_DIR = '/docker-entrypoint-initdb.d';
export const POSTGRES_INIT_SCRIPT = 'init-app.sh';
/** The superuser the image creates (POSTGRES_USER is left at its default). */
export const POSTGRES_SUPERUSER = 'postgres';
/** The least-privilege login postgres_exporter uses (member of pg_monitor only). */
export const POSTGRES_MONITORING_ROLE = 'postgres_exporter';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Settings derived from the container limits, the volume size and the props. */
export interface PostgresTuning {
  readonly memoryLimit: number;
  readonly cpuLimit: number;
  readonly maxConnections: number;
  readonly sharedBuffers: number;
  readonly effectiveCacheSize: number;
  readonly workMem: number;
  readonly maintenanceWorkMem: number;
  readonly maxWalSize: number;
  readonly minWalSize: number;
  readonly maxWorkerProcesses: number;
  readonly maxParallelWorkers: number;
  readonly maxParallelWorkersPerGather: number;
  /** Size of the memory-backed /dev/shm (dynamic shared memory for parallel queries). */
  readonly sharedMemoryVolume: number;
}

export interface PostgresTuningInput {
  /** Container memory limit, bytes. */
  readonly memoryLimit: number;
  /** Container cpu limit, cores. */
  readonly cpuLimit: number;
  /** Volume size, bytes. */
  readonly storage: number;
  readonly maxConnections: number;
  /** Explicit shared_buffers, bytes. */
  readonly sharedBuffers?: number;
  readonly timescale: boolean;
}

/** TimescaleDB's job scheduler workers (compression, retention, continuous aggregates). */
export const TIMESCALEDB_BACKGROUND_WORKERS = 8;

/** TimescaleDB's settings beside `shared_preload_libraries = 'timescaledb'`, whichever engine runs the server. */
export const TIMESCALEDB_PARAMETERS: Readonly<Record<string, string>> = {
  // No reports to Timescale's servers from production databases.
  'timescaledb.telemetry_level': 'off',
  'timescaledb.max_background_workers': String(TIMESCALEDB_BACKGROUND_WORKERS),
};

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
const floorTo = (value: number, unit: number) => Math.floor(value / unit) * unit;

/**
 * Memory: shared_buffers 25 % of the limit; effective_cache_size 75 % (a planner hint:
 * shared buffers plus the page cache the pod can hold); maintenance_work_mem 1/16 of the
 * limit (at most 2GB); work_mem what is left after shared_buffers and 10 % headroom,
 * shared by max_connections sessions running up to four sorts or hashes each.
 * WAL: max_wal_size 10 % of the volume (128MB to 4GB), so checkpoints keep the WAL well
 * inside a small volume. Parallel workers follow the cpu limit.
 */
export function postgresTuning(input: PostgresTuningInput): PostgresTuning {
  const { memoryLimit, maxConnections } = input;
  const sharedBuffers = input.sharedBuffers ?? Math.max(128 * KiB, floorTo(memoryLimit * 0.25, MiB));
  const effectiveCacheSize = Math.max(sharedBuffers, floorTo(memoryLimit * 0.75, MiB));
  const maintenanceWorkMem = clamp(floorTo(memoryLimit / 16, MiB), MiB, 2 * GiB);
  const forSessions = memoryLimit * 0.9 - sharedBuffers;
  const workMem = clamp(floorTo(forSessions / (Math.max(1, maxConnections) * 4), KiB), 64 * KiB, 256 * MiB);
  const maxWalSize = clamp(floorTo(input.storage * 0.1, MiB), 128 * MiB, 4 * GiB);
  const minWalSize = clamp(floorTo(maxWalSize / 4, MiB), 32 * MiB, GiB);
  const cores = Math.max(0, Math.floor(input.cpuLimit));
  const maxParallelWorkers = cores;
  const maxParallelWorkersPerGather = Math.floor(cores / 2);
  const maxWorkerProcesses = input.timescale ? TIMESCALEDB_BACKGROUND_WORKERS + maxParallelWorkers + 3 : Math.max(8, maxParallelWorkers + 2);
  const sharedMemoryVolume = Math.max(64 * MiB, floorTo(memoryLimit * 0.25, MiB));
  return {
    memoryLimit,
    cpuLimit: input.cpuLimit,
    maxConnections,
    sharedBuffers,
    effectiveCacheSize,
    workMem,
    maintenanceWorkMem,
    maxWalSize,
    minWalSize,
    maxWorkerProcesses,
    maxParallelWorkers,
    maxParallelWorkersPerGather,
    sharedMemoryVolume,
  };
}

/** A memory size in PostgreSQL's units (`kB`, `MB`, `GB`; case-sensitive). */
export function pgSize(bytes: number): string {
  const kb = Math.floor(bytes / KiB);
  if (kb > 0 && kb % (MiB / KiB) === 0) {
    const mb = kb / 1024;
    return mb % 1024 === 0 ? `${mb / 1024}GB` : `${mb}MB`;
  }
  return `${kb}kB`;
}

export interface PostgresConfOptions {
  readonly timescale: boolean;
  /** For the header: where the numbers come from. */
  readonly source: string;
  /** The directory of the server's key pair and CA (`tls.crt`, `tls.key`, `ca.crt`): TLS on. @default - no TLS */
  readonly tlsDir?: string;
}

/** postgresql.conf. Every setting exists in PostgreSQL 15 to 18. */
export function renderPostgresConf(t: PostgresTuning, options: PostgresConfOptions): string {
  const lines = [
    `# Generated by cdk8s-stacks from ${options.source}. Do not edit: change the construct.`,
    '# Passed to the server as -c config_file=...; pg_hba.conf as -c hba_file=... (the copies',
    '# initdb writes into PGDATA are not read).',
    '',
    '# Connections',
    "listen_addresses = '*'",
    `port = ${POSTGRES_PORT}`,
    `max_connections = ${t.maxConnections}`,
    'superuser_reserved_connections = 3',
    `unix_socket_directories = '${POSTGRES_SOCKET_DIR}'`,
    "password_encryption = 'scram-sha-256'",
    ...(options.tlsDir ? postgresTlsSettings(options.tlsDir) : []),
    '',
    `# Memory, from the container memory limit (${formatBytes(t.memoryLimit)})`,
    `shared_buffers = ${pgSize(t.sharedBuffers)}`,
    // A pod gets huge pages only when it requests them; 'try' has crashed servers whose
    // cgroup had none, so they are off.
    'huge_pages = off',
    `effective_cache_size = ${pgSize(t.effectiveCacheSize)}`,
    `work_mem = ${pgSize(t.workMem)}`,
    `maintenance_work_mem = ${pgSize(t.maintenanceWorkMem)}`,
    '# /dev/shm is a memory-backed emptyDir',
    'dynamic_shared_memory_type = posix',
    '',
    `# Parallelism, from the container cpu limit (${t.cpuLimit})`,
    `max_worker_processes = ${t.maxWorkerProcesses}`,
    `max_parallel_workers = ${t.maxParallelWorkers}`,
    `max_parallel_workers_per_gather = ${t.maxParallelWorkersPerGather}`,
    `max_parallel_maintenance_workers = ${t.maxParallelWorkersPerGather}`,
    '',
    '# Write-ahead log: durable commits, base backups and point-in-time recovery possible',
    'wal_level = replica',
    'fsync = on',
    'synchronous_commit = on',
    'full_page_writes = on',
    'wal_compression = on',
    `max_wal_size = ${pgSize(t.maxWalSize)}`,
    `min_wal_size = ${pgSize(t.minWalSize)}`,
    'checkpoint_timeout = 15min',
    'checkpoint_completion_target = 0.9',
    '',
    '# Planner: network-attached SSD volumes',
    'random_page_cost = 1.1',
    'effective_io_concurrency = 200',
    '',
    '# Logging: to stderr, collected by the container runtime',
    "log_destination = 'stderr'",
    'logging_collector = off',
    "log_line_prefix = '%m [%p] %q%u@%d '",
    'log_min_duration_statement = 1000',
    'log_checkpoints = on',
    'log_lock_waits = on',
    'log_temp_files = 10240',
    "log_timezone = 'UTC'",
    '',
    '# Locale and time',
    "timezone = 'UTC'",
    "datestyle = 'iso, mdy'",
    "default_text_search_config = 'pg_catalog.english'",
    '',
    '# Statistics',
    'track_io_timing = on',
  ];
  if (options.timescale) {
    lines.push(
      '',
      '# TimescaleDB',
      "shared_preload_libraries = 'timescaledb'",
      ...Object.entries(TIMESCALEDB_PARAMETERS).map(([k, v]) => `${k} = ${v}`),
    );
  }
  lines.push('');
  return lines.join('\n');
}

/**
 * TLS with the certificate cert-manager wrote into the Secret mounted at `dir`. Every TCP
 * connection must use it (pg_hba.conf has `hostssl` lines only); TLS 1.2 at least. The
 * server reads the files at start and on every reload (SIGHUP, `SELECT pg_reload_conf()`).
 */
function postgresTlsSettings(dir: string): string[] {
  return [
    '',
    '# TLS: required on every TCP connection (pg_hba.conf: hostssl only)',
    'ssl = on',
    `ssl_cert_file = '${dir}/tls.crt'`,
    `ssl_key_file = '${dir}/tls.key'`,
    `ssl_ca_file = '${dir}/ca.crt'`,
    "ssl_min_protocol_version = 'TLSv1.2'",
  ];
}

/**
 * pg_hba.conf: a SCRAM password for everyone, on the socket and over the network. No
 * `trust` and no `peer`: the image's entrypoint exports PGPASSWORD (the superuser
 * password) while it runs the init scripts against the socket-only temporary server, so
 * initialization needs neither; and a password on the socket does not depend on which
 * uid the image maps to `postgres` (999 in the Debian images, 70 in the Alpine ones).
 * No replication line: nothing streams from this server. With TLS every TCP line is
 * `hostssl`: plain TCP connections are refused, the socket (initialization) stays as it is.
 */
export function renderPgHba(options: { readonly tls?: boolean } = {}): string {
  // With TLS, `hostssl` only: a TCP connection without TLS matches no line and is refused.
  const tcp = options.tls ? 'hostssl all       all   all      scram-sha-256' : 'host    all       all   all      scram-sha-256';
  return [
    '# Generated by cdk8s-stacks. Do not edit: change the construct.',
    '# TYPE  DATABASE  USER  ADDRESS  METHOD',
    'local   all       all            scram-sha-256',
    tcp,
    '',
  ].join('\n');
}

export interface PostgresInitOptions {
  readonly timescale: boolean;
  /** Create the monitoring role (exporter enabled). */
  readonly monitoring: boolean;
}

/**
 * The init script (scripts/postgres-init-app.sh), mounted executable into /docker-entrypoint-initdb.d. The entrypoint
 * runs it once, on an empty data directory, against the temporary server that listens on
 * the socket only, with the superuser password in PGPASSWORD. Names and passwords come
 * from the environment (the passwords by secretKeyRef) and reach SQL only as psql
 * variables (`:'var'` quotes them), never spliced into SQL text. Idempotent, so it can be
 * run again by hand to re-apply roles and passwords (`kubectl exec` into the pod and run
 * `/docker-entrypoint-initdb.d/init-app.sh`).
 */
export function renderPostgresInitScript(options: PostgresInitOptions): string {
  // The text is in ./scripts/: the shell script, the SQL each psql reads on stdin, and the
  // exporter's role (only with monitoring).
  const server = { SOCKET_DIR: POSTGRES_SOCKET_DIR, PORT: String(POSTGRES_PORT), SUPERUSER: POSTGRES_SUPERUSER };
  const file = (name: string, values: ScriptValues = {}) => renderScriptFile(__dirname, `scripts/${name}`, values);
  return file('postgres-init-app.sh', {
    ...server,
    REQUIRE_MONITORING_PASSWORD: options.monitoring ? file('postgres-require-monitoring.sh') : '',
    APP_ROLE_SQL: file('postgres-app-role.sql'),
    APP_DATABASE_SQL: file('postgres-app-database.sql', { TIMESCALE: options.timescale ? file('postgres-timescale.sql') : '' }),
    MONITORING: options.monitoring
      ? file('postgres-init-monitoring.sh', {
          ...server,
          ROLE: POSTGRES_MONITORING_ROLE,
          MONITORING_SQL: file('postgres-monitoring-role.sql', { ROLE: POSTGRES_MONITORING_ROLE }),
        })
      : '',
  });
}

/** PostgreSQL's reserved key words (SQL Key Words appendix): unusable as unquoted names. */
export const POSTGRES_RESERVED_WORDS: ReadonlySet<string> = new Set([
  'all',
  'analyse',
  'analyze',
  'and',
  'any',
  'array',
  'as',
  'asc',
  'asymmetric',
  'authorization',
  'binary',
  'both',
  'case',
  'cast',
  'check',
  'collate',
  'collation',
  'column',
  'concurrently',
  'constraint',
  'create',
  'cross',
  'current_catalog',
  'current_date',
  'current_role',
  'current_schema',
  'current_time',
  'current_timestamp',
  'current_user',
  'default',
  'deferrable',
  'desc',
  'distinct',
  'do',
  'else',
  'end',
  'except',
  'false',
  'fetch',
  'for',
  'foreign',
  'freeze',
  'from',
  'full',
  'grant',
  'group',
  'having',
  'ilike',
  'in',
  'initially',
  'inner',
  'intersect',
  'into',
  'is',
  'isnull',
  'join',
  'lateral',
  'leading',
  'left',
  'like',
  'limit',
  'localtime',
  'localtimestamp',
  'natural',
  'not',
  'notnull',
  'null',
  'offset',
  'on',
  'only',
  'or',
  'order',
  'outer',
  'overlaps',
  'placing',
  'primary',
  'references',
  'returning',
  'right',
  'select',
  'session_user',
  'similar',
  'some',
  'symmetric',
  'system_user',
  'table',
  'tablesample',
  'then',
  'to',
  'trailing',
  'true',
  'union',
  'unique',
  'user',
  'using',
  'variadic',
  'verbose',
  'when',
  'where',
  'window',
  'with',
]);

const POSTGRES_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Why PostgreSQL (or a client that does not quote names) would reject `name` as the
 * application database or role, or undefined when it is fine.
 */
export function checkPostgresName(name: string, kind: 'database' | 'user'): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'must not be empty';
  if (!POSTGRES_IDENTIFIER.test(name)) {
    return `'${name}' is not a plain PostgreSQL identifier: use lower-case letters, digits and '_', starting with a letter or '_' (other names must be quoted in every statement and folded differently by clients)`;
  }
  if (Buffer.byteLength(name, 'utf8') > 63)
    return `'${name}' is ${Buffer.byteLength(name, 'utf8')} bytes; PostgreSQL truncates identifiers to 63 bytes`;
  if (POSTGRES_RESERVED_WORDS.has(name)) return `'${name}' is a reserved SQL key word`;
  if (kind === 'database' && ['postgres', 'template0', 'template1'].includes(name)) {
    return `'${name}' is a database PostgreSQL creates for itself; give the application its own`;
  }
  if (kind === 'user') {
    if (name === POSTGRES_SUPERUSER) return `'${name}' is the superuser; the application connects as an ordinary role`;
    if (name.startsWith('pg_')) return `'${name}': role names starting with 'pg_' are reserved for PostgreSQL's predefined roles`;
    if (name === 'public' || name === 'none') return `'${name}' is reserved as a role name`;
    if (name === POSTGRES_MONITORING_ROLE) return `'${name}' is the exporter's monitoring role`;
  }
  return undefined;
}
