/**
 * The Postgres construct's generated postgresql.conf, pg_hba.conf and init script, run
 * by a real PostgreSQL (Debian's), the way the official image's entrypoint runs them;
 * then a workload's exact connection environment writes and reads as the application
 * role, and the role's privileges are probed.
 *
 *   npx jest -c jest.integration.config.js test/integration/engines/postgres
 *
 * What differs from the pod, and nothing else (each listed below as a substitution):
 * mount paths (volume, socket emptyDir, ConfigMap), the port (a free one instead of
 * 5432), the listen address (loopback instead of the pod IP), and the Service host name
 * (127.0.0.1 instead of db.<namespace>.svc).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConnectionEnv, ExistingSecret, Worker } from '../../../lib';
import { Postgres } from '../../../lib/data/postgres';
import { fastApiBackend, NOT_BACKED_UP_IN_TEST } from '../../support/stores';
import { testChart } from '../../support/synth';
import {
  container,
  containerEnv,
  engineSession,
  find,
  freePort,
  IS_ROOT,
  Json,
  mkdirOwned,
  mustRun,
  podSpec,
  postgresBinDir,
  prependPath,
  run,
  RunResult,
  serviceUser,
  Substitution,
  substitute,
  substituteEnv,
  synthesized,
  writeOwned,
} from './support';

// Passwords the test puts in the Secret. The superuser's and the monitoring role's carry
// quotes and a backslash: they reach SQL through psql variables and must survive. The
// application's is alphanumeric like the generated ones: it is spliced into a URL.
const SECRETS = {
  'db-credentials/postgres-password': `Super'user "pw" \\ 1`,
  'db-credentials/password': 'AppUserPassw0rd',
  'db-credentials/monitoring-password': `Mon'itor\\ing`,
};
const NAMESPACE_HOST = 'db.test-prod.svc';

const { servers, workDir } = engineSession();
let dir: string;
let port: number;
let objects: Json[];
let serverEnv: Record<string, string>;
let user: ReturnType<typeof serviceUser>;
let subs: Substitution[];

/** psql with a libpq environment, never a password on the command line. */
function psql(env: Record<string, string>, sql: string, extra: string[] = []): RunResult {
  return run('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-At', ...extra, '-c', sql], { env });
}

function must(r: RunResult): string {
  if (r.status !== 0) throw new Error(`psql exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

const superuser = () => ({
  PGHOST: '127.0.0.1',
  PGPORT: String(port),
  PGUSER: 'postgres',
  PGDATABASE: 'postgres',
  PGPASSWORD: SECRETS['db-credentials/postgres-password'],
});
const appRole = (database = 'app') => ({
  PGHOST: '127.0.0.1',
  PGPORT: String(port),
  PGUSER: 'app_user',
  PGDATABASE: database,
  PGPASSWORD: SECRETS['db-credentials/password'],
});

beforeAll(async () => {
  prependPath(postgresBinDir());
  user = serviceUser('postgres');
  port = await freePort();

  // The chart: PostgreSQL 15 (what Debian ships), the exporter's role, two connected workloads.
  const { app, chart } = testChart();
  const credentials = ExistingSecret.named('db-credentials', ['postgres-password', 'password', 'monitoring-password']);
  const resources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };
  const db = new Postgres(chart, 'db', {
    version: '15',
    database: 'app',
    user: 'app_user',
    storage: '10Gi',
    credentials,
    resources,
    monitoring: { exporter: true },
  }).noBackup(NOT_BACKED_UP_IN_TEST);
  fastApiBackend(chart, db, resources);
  const api = new Worker(chart, 'api', { image: 'registry.stackworks.io/org/api:1.0.0', resources });
  api.connect(db, {
    env: ConnectionEnv.discrete({ host: 'DB_HOST', port: 'DB_PORT', database: 'DB_NAME', user: 'DB_USER', password: 'DB_PASSWORD' }),
  });
  objects = synthesized(app);

  dir = workDir('postgres', user);
  const volume = mkdirOwned(path.join(dir, 'volume'), user);
  const socketDir = mkdirOwned(path.join(dir, 'run'), user, 0o775);
  const configDir = mkdirOwned(path.join(dir, 'config'), user, 0o755);
  const initdbDir = mkdirOwned(path.join(dir, 'initdb'), user, 0o755);
  subs = [
    { why: 'the volume claim is mounted here in the pod', from: '/var/lib/postgresql/data', to: volume },
    { why: 'the socket emptyDir', from: '/var/run/postgresql', to: socketDir },
    { why: 'the ConfigMap mount', from: '/etc/postgresql', to: configDir },
    { why: 'a free port instead of 5432', from: '5432', to: String(port) },
    { why: 'loopback instead of the pod IP', from: "listen_addresses = '*'", to: "listen_addresses = '127.0.0.1'" },
  ];

  // The ConfigMap's files, as mounted (the init script executable: defaultMode 0555).
  const sts = find(objects, 'StatefulSet', 'db');
  const configMap = find(objects, 'ConfigMap', 'db-config').data;
  const pathsAndPort = subs.filter((s) => !s.from.startsWith('listen'));
  writeOwned(path.join(configDir, 'postgresql.conf'), substitute(configMap['postgresql.conf'], [subs[1], subs[3], subs[4]], 'postgresql.conf'), user);
  writeOwned(path.join(configDir, 'pg_hba.conf'), configMap['pg_hba.conf'], user);
  const initItem = podSpec(sts).volumes.find((v: Json) => v.name === 'initdb').configMap.items[0];
  const initScript = writeOwned(
    path.join(initdbDir, initItem.path),
    substitute(configMap[initItem.key], [subs[1], subs[3]], 'the init script'),
    user,
    0o555,
  );

  // The server container's environment, with its paths substituted.
  const server = container(sts, 'db');
  serverEnv = substituteEnv(containerEnv(server, SECRETS), pathsAndPort);
  const args: string[] = server.args.map((a: string) => a.replace('/etc/postgresql', configDir));
  expect(args[0]).toBe('postgres');

  // The entrypoint (docker-library/postgres docker-entrypoint.sh), step by step:
  // 1. docker_create_db_directories: PGDATA with mode 700.
  mkdirOwned(serverEnv.PGDATA, user, 0o700);
  // 2. docker_init_database_dir: initdb --username=postgres --pwfile=<password> $POSTGRES_INITDB_ARGS
  const pwfile = writeOwned(path.join(dir, 'pwfile'), `${serverEnv.POSTGRES_PASSWORD}\n`, user, 0o600);
  mustRun('initdb', ['--username=postgres', `--pwfile=${pwfile}`, ...serverEnv.POSTGRES_INITDB_ARGS.split(' ')], {
    user: user.name,
    env: serverEnv,
    timeoutMs: 120_000,
  });
  fs.rmSync(pwfile);
  // 3. docker_temp_server_start: the same arguments, socket only.
  servers.start('temporary', 'postgres', [...args.slice(1), '-c', 'listen_addresses=', '-p', String(port)], {
    user: user.name,
    env: serverEnv,
    stopSignal: 'SIGINT',
  });
  await servers.waitUntil('temporary', () => run('pg_isready', ['-q', '-h', socketDir, '-p', String(port)]).status === 0);
  // 4. docker_setup_db: POSTGRES_DB defaults to POSTGRES_USER (postgres), which exists: nothing to do.
  // 5. docker_process_init_files: the executable script runs with the container's
  //    environment and PGPASSWORD exported (the superuser's).
  mustRun(initScript, [], { user: user.name, env: { ...serverEnv, PGPASSWORD: serverEnv.POSTGRES_PASSWORD } });
  // 6. docker_temp_server_stop, then exec "$@".
  await servers.stop('temporary');
  servers.start('postgres', 'postgres', args.slice(1), { user: user.name, env: serverEnv, stopSignal: 'SIGINT' });
  const readiness: string[] = server.readinessProbe.exec.command.map((a: string) => (a === '5432' ? String(port) : a));
  await servers.waitUntil('postgres', () => run(readiness[0], readiness.slice(1), { env: serverEnv }).status === 0);
}, 300_000);

describe('PostgreSQL runs what Postgres generated', () => {
  test(`the server runs as ${IS_ROOT ? 'the postgres system user' : 'the current (non-root) user'}, with postgresql.conf in effect`, () => {
    expect(user.uid).not.toBe(0);
    const show = (name: string) => must(psql(superuser(), `SHOW ${name}`));
    expect(show('config_file')).toBe(path.join(dir, 'config', 'postgresql.conf'));
    expect(show('hba_file')).toBe(path.join(dir, 'config', 'pg_hba.conf'));
    expect(show('shared_buffers')).toBe('256MB');
    expect(show('effective_cache_size')).toBe('768MB');
    expect(show('work_mem')).toBe('1703kB');
    expect(show('max_connections')).toBe('100');
    expect(show('password_encryption')).toBe('scram-sha-256');
    expect(show('wal_level')).toBe('replica');
    expect(show('huge_pages')).toBe('off');
    expect(show('data_checksums')).toBe('on');
    expect(show('data_directory')).toBe(path.join(dir, 'volume', 'pgdata'));
  });

  test('the readiness, liveness and startup probes pass', () => {
    const server = container(find(objects, 'StatefulSet', 'db'), 'db');
    for (const probe of [server.readinessProbe, server.livenessProbe, server.startupProbe]) {
      const command: string[] = probe.exec.command.map((a: string) => a.replace('5432', String(port)));
      expect(run(command[0], command.slice(1), { env: serverEnv })).toMatchObject({ status: 0 });
    }
  });

  test("the wait-for-db init container's command returns with its own environment", () => {
    const wait = container(find(objects, 'Deployment', 'api'), 'wait-for-db', 'initContainers');
    const env = substituteEnv(containerEnv(wait, SECRETS), [
      { why: 'the Service name resolves only in the cluster', from: NAMESPACE_HOST, to: '127.0.0.1' },
      { why: 'a free port instead of 5432', from: '5432', to: String(port) },
    ]);
    expect(run(wait.command[0], wait.command.slice(1), { env, timeoutMs: 20_000 })).toMatchObject({ status: 0 });
  });

  describe('as the application, with the environment a connected workload receives', () => {
    const service = (): Substitution[] => [
      { why: 'the Service name resolves only in the cluster', from: NAMESPACE_HOST, to: '127.0.0.1' },
      { why: 'a free port instead of 5432', from: '5432', to: String(port) },
    ];

    test('feature-models variables (POSTGRES_SERVER ...): create, write, read', () => {
      const env = substituteEnv(containerEnv(container(find(objects, 'Deployment', 'backend'), 'backend'), SECRETS), service());
      const conninfo = `host=${env.POSTGRES_SERVER} port=${env.POSTGRES_PORT} dbname=${env.POSTGRES_DB} user=${env.POSTGRES_USER}`;
      const as = { PGPASSWORD: env.POSTGRES_PASSWORD };
      must(psql(as, 'CREATE TABLE item (id serial PRIMARY KEY, title text NOT NULL)', ['-d', conninfo]));
      must(psql(as, "INSERT INTO item (title) VALUES ('from feature-models')", ['-d', conninfo]));
      expect(must(psql(as, 'SELECT title FROM item ORDER BY id', ['-d', conninfo]))).toBe('from feature-models');
      expect(must(psql(as, "SELECT current_user || '@' || current_database()", ['-d', conninfo]))).toBe('app_user@app');
    });

    test('the URL form (DATABASE_URL, password spliced in with $(VAR)): reads what was written', () => {
      const env = substituteEnv(containerEnv(container(find(objects, 'Deployment', 'backend'), 'backend'), SECRETS), service());
      expect(env.DATABASE_URL).toBe(`postgresql://app_user:AppUserPassw0rd@127.0.0.1:${port}/app`);
      must(psql({}, "INSERT INTO item (title) VALUES ('from the URL')", ['-d', env.DATABASE_URL]));
      expect(must(psql({}, 'SELECT count(*) FROM item', ['-d', env.DATABASE_URL]))).toBe('2');
    });

    test('Loopi variables (DB_HOST ...): write and read', () => {
      const env = substituteEnv(containerEnv(container(find(objects, 'Deployment', 'api'), 'api'), SECRETS), service());
      const libpq = { PGHOST: env.DB_HOST, PGPORT: env.DB_PORT, PGDATABASE: env.DB_NAME, PGUSER: env.DB_USER, PGPASSWORD: env.DB_PASSWORD };
      must(psql(libpq, "INSERT INTO item (title) VALUES ('from loopi')"));
      expect(must(psql(libpq, "SELECT title FROM item WHERE title = 'from loopi'"))).toBe('from loopi');
    });
  });

  describe('least privilege', () => {
    test('the application role is an ordinary role with a SCRAM password', () => {
      expect(
        must(
          psql(
            appRole(),
            "SELECT concat_ws(',', rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls) FROM pg_roles WHERE rolname = current_user",
          ),
        ),
      ).toBe('f,f,f,f,f');
      expect(must(psql(superuser(), "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'app_user'"))).toBe('t');
      expect(must(psql(superuser(), "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app'"))).toBe('app_user');
    });

    test('it cannot create a database or a role, nor make itself superuser, nor read server files', () => {
      expect(psql(appRole(), 'CREATE DATABASE other').stderr).toMatch(/permission denied to create database/);
      expect(psql(appRole(), 'CREATE ROLE intruder LOGIN').stderr).toMatch(/permission denied to create role/);
      expect(psql(appRole(), 'ALTER ROLE app_user SUPERUSER').stderr).toMatch(/permission denied|must be superuser/);
      expect(psql(appRole(), "COPY item (title) FROM '/etc/passwd'").stderr).toMatch(/permission denied|must be superuser|pg_read_server_files/);
    });

    test('it cannot connect to the maintenance database nor read another database', () => {
      expect(psql(appRole('postgres'), 'SELECT 1').stderr).toMatch(/permission denied for database "postgres"/);
      expect(psql(appRole('template1'), 'SELECT 1').stderr).toMatch(/permission denied for database "template1"/);
      // Another database created later by an administrator, holding data.
      must(psql(superuser(), 'CREATE DATABASE other'));
      must(psql({ ...superuser(), PGDATABASE: 'other' }, "CREATE TABLE secret AS SELECT 'classified'::text AS value"));
      expect(psql(appRole('other'), 'SELECT value FROM secret').stderr).toMatch(/permission denied for table secret/);
      must(psql(superuser(), 'REVOKE CONNECT ON DATABASE other FROM PUBLIC'));
      expect(psql(appRole('other'), 'SELECT 1').stderr).toMatch(/permission denied for database "other"/);
    });

    test('nobody gets in without the password: no trust, not even on the socket', () => {
      expect(psql({ ...appRole(), PGPASSWORD: 'wrong' }, 'SELECT 1').stderr).toMatch(/password authentication failed for user "app_user"/);
      const socket = path.join(dir, 'run');
      const noPassword = run('psql', ['-X', '-w', '-h', socket, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', 'SELECT 1'], {
        env: {},
      });
      expect(noPassword.status).not.toBe(0);
      expect(noPassword.stderr).toMatch(/no password supplied|password authentication failed/);
      // With it, the superuser reaches the server over TCP (what backup Jobs do).
      expect(must(psql(superuser(), "SELECT current_setting('is_superuser')"))).toBe('on');
    });

    test("the exporter's role, with the sidecar's environment: pg_monitor statistics, no application data", () => {
      const env = containerEnv(container(find(objects, 'StatefulSet', 'db'), 'metrics'), SECRETS);
      const [hostPort, rest] = env.DATA_SOURCE_URI.split('/');
      const [host] = hostPort.split(':');
      const [database, query] = rest.split('?');
      expect(query).toBe('sslmode=disable');
      const monitor = {
        PGHOST: host,
        PGPORT: String(port),
        PGDATABASE: database,
        PGUSER: env.DATA_SOURCE_USER,
        PGPASSWORD: env.DATA_SOURCE_PASS,
        PGSSLMODE: 'disable',
      };
      expect(must(psql(monitor, "SELECT pg_has_role(current_user, 'pg_monitor', 'MEMBER')"))).toBe('t');
      expect(Number(must(psql(monitor, 'SELECT count(*) FROM pg_stat_database')))).toBeGreaterThan(0);
      expect(must(psql(monitor, 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user'))).toBe('f');
      expect(psql({ ...monitor, PGDATABASE: 'app' }, 'SELECT 1').stderr).toMatch(/permission denied for database "app"/);
    });
  });

  test('the init script is idempotent: run again against the running server, nothing changes', () => {
    const socketDir = path.join(dir, 'run');
    const script = fs.readdirSync(path.join(dir, 'initdb')).map((f) => path.join(dir, 'initdb', f))[0];
    mustRun(script, [], { user: user.name, env: { ...serverEnv, PGPASSWORD: serverEnv.POSTGRES_PASSWORD } });
    expect(fs.existsSync(socketDir)).toBe(true);
    expect(must(psql(appRole(), 'SELECT count(*) FROM item'))).toBe('3');
  });
});
