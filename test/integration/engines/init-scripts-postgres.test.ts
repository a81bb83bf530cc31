/**
 * Postgres `initScripts`, run by a real PostgreSQL (Debian's) the way the official image
 * runs a pod's start: the server container's command (the guard, before a stand-in for
 * the image's docker-entrypoint.sh), then the entrypoint's initialization step by step
 * (initdb, the socket-only temporary server, every file of /docker-entrypoint-initdb.d in
 * order), then the server. Two stores: one whose two files succeed (a table, then rows
 * referencing it), one whose second file fails.
 *
 *   npx jest -c jest.integration.config.js test/integration/engines/init-scripts-postgres
 *
 * What differs from the pod (each a substitution below): mount paths (volume, socket
 * emptyDir, the two ConfigMaps), the port, the listen address, the Service host name, and
 * docker-entrypoint.sh, which here only records that it was started (its steps are run
 * by the test, as in postgres.test.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConnectionEnv, ExistingSecret, Worker } from '../../../lib';
import { Postgres } from '../../../lib/data/postgres';
import { NOT_BACKED_UP_IN_TEST } from '../../support/stores';
import { testChart } from '../../support/synth';
import {
  container,
  containerEnv,
  engineSession,
  find,
  freePort,
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

const SECRETS = {
  'db-credentials/postgres-password': `Super'user "pw" \\ 1`,
  'db-credentials/password': 'AppUserPassw0rd',
};
const SERVICE_HOST = 'db.test-prod.svc';

const TABLES = `CREATE TABLE item (
  id int PRIMARY KEY,
  title text NOT NULL,
  created_by text NOT NULL DEFAULT current_user
);
CREATE TABLE item_note (item_id int NOT NULL REFERENCES item (id), note text NOT NULL);
`;
const ROWS = `INSERT INTO item (id, title) VALUES (1, 'from the init scripts');
INSERT INTO item_note (item_id, note) VALUES (1, 'references item 1');
`;
// The first statement succeeds, the second fails: the file is one transaction, so neither stays.
const BAD = `INSERT INTO item (id, title) VALUES (2, 'half');
INSERT INTO no_such_table VALUES (1);
`;

const { servers, workDir } = engineSession();
const user = serviceUser('postgres');

/** One store's pod, run step by step. */
interface Pod {
  readonly objects: Json[];
  readonly dir: string;
  readonly port: number;
  readonly serverEnv: Record<string, string>;
  readonly subs: Substitution[];
  readonly marker: string;
  /** The server container's command and args, as the kubelet starts them (docker-entrypoint.sh a stand-in). */
  startContainer(): RunResult & { entrypointRan: boolean };
  /** The entrypoint's initialization; the exit status and output of the first init file that failed, if one did. */
  initialize(): Promise<{ failed?: { file: string; result: RunResult } }>;
}

async function pod(name: string, scripts: Record<string, string>): Promise<Pod> {
  const { app, chart } = testChart();
  const credentials = ExistingSecret.named('db-credentials', ['postgres-password', 'password']);
  const resources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };
  const dir = workDir(`init-${name}`, user);
  const sources = mkdirOwned(path.join(dir, 'design', 'scripts', 'tables'), user, 0o755);
  const paths = Object.entries(scripts).map(([file, text]) => writeOwned(path.join(sources, file), text, user));
  const db = new Postgres(chart, 'db', {
    version: '15',
    database: 'app',
    user: 'app_user',
    storage: '10Gi',
    credentials,
    resources,
    initScripts: paths,
  }).noBackup(NOT_BACKED_UP_IN_TEST);
  const api = new Worker(chart, 'api', { image: 'registry.stackworks.io/org/api:1.0.0', resources });
  api.connect(db, {
    env: ConnectionEnv.discrete({ host: 'DB_HOST', port: 'DB_PORT', database: 'DB_NAME', user: 'DB_USER', password: 'DB_PASSWORD' }),
  });
  const objects = synthesized(app);
  const port = await freePort();

  const volume = mkdirOwned(path.join(dir, 'volume'), user, 0o770);
  const socketDir = mkdirOwned(path.join(dir, 'run'), user, 0o775);
  const configDir = mkdirOwned(path.join(dir, 'config'), user, 0o755);
  const initdbDir = mkdirOwned(path.join(dir, 'initdb'), user, 0o755);
  const scriptsDir = mkdirOwned(path.join(dir, 'init-scripts'), user, 0o755);
  const stubDir = mkdirOwned(path.join(dir, 'bin'), user, 0o755);
  const subs: Substitution[] = [
    { why: 'the volume claim is mounted here in the pod', from: '/var/lib/postgresql/data', to: volume },
    { why: 'the socket emptyDir', from: '/var/run/postgresql', to: socketDir },
    { why: 'the ConfigMap mount', from: '/etc/postgresql', to: configDir },
    { why: 'the init scripts ConfigMap mount', from: '/etc/init-scripts', to: scriptsDir },
    { why: 'a free port instead of 5432', from: '5432', to: String(port) },
  ];
  const [volumePath, socketPath, configPath, scriptsPath, portSub] = subs;

  const sts = find(objects, 'StatefulSet', 'db');
  const configMap = find(objects, 'ConfigMap', 'db-config').data;
  const conf = substitute(configMap['postgresql.conf'], [socketPath, portSub], 'postgresql.conf');
  writeOwned(path.join(configDir, 'postgresql.conf'), conf.replace("listen_addresses = '*'", "listen_addresses = '127.0.0.1'"), user);
  writeOwned(path.join(configDir, 'pg_hba.conf'), configMap['pg_hba.conf'], user);
  // /docker-entrypoint-initdb.d: the items of the initdb volume, executable (defaultMode 0555).
  const initdbVolume = podSpec(sts).volumes.find((v: Json) => v.name === 'initdb').configMap;
  for (const item of initdbVolume.items) {
    const applies = item.key === 'init-app.sh' ? [socketPath, portSub] : [volumePath, socketPath, scriptsPath, portSub];
    const text = substitute(configMap[item.key], applies, item.key);
    writeOwned(path.join(initdbDir, item.path), text, user, 0o555);
  }
  // /etc/init-scripts: the init scripts ConfigMap (defaultMode 0444).
  const scriptsVolume = podSpec(sts).volumes.find((v: Json) => v.name === 'init-scripts').configMap;
  for (const [key, text] of Object.entries(find(objects, 'ConfigMap', scriptsVolume.name).data)) {
    writeOwned(path.join(scriptsDir, key), text as string, user, 0o444);
  }
  // The image's entrypoint, as a stand-in that records being started with its arguments.
  const started = path.join(dir, 'entrypoint-started');
  writeOwned(path.join(stubDir, 'docker-entrypoint.sh'), `#!/bin/sh\necho "$@" > '${started}'\n`, user, 0o755);

  const server = container(sts, 'db');
  const serverEnv = substituteEnv(containerEnv(server, SECRETS), [volumePath, socketPath, configPath, portSub]);
  const args: string[] = server.args.map((a: string) => a.replace('/etc/postgresql', configDir));
  const marker = path.join(volume, 'initialization-incomplete');

  return {
    objects,
    dir,
    port,
    serverEnv,
    subs,
    marker,
    startContainer() {
      fs.rmSync(started, { force: true });
      const [sh, flag, guard, name0] = server.command as string[];
      const text = substitute(guard, [volumePath], 'the guard');
      const r = run(sh, [flag, text, name0, ...args], { user: user.name, env: { ...serverEnv, PATH: `${stubDir}:${process.env.PATH}` } });
      return { ...r, entrypointRan: fs.existsSync(started) };
    },
    async initialize() {
      // docker_create_db_directories, docker_init_database_dir.
      mkdirOwned(serverEnv.PGDATA, user, 0o700);
      const pwfile = writeOwned(path.join(dir, 'pwfile'), `${serverEnv.POSTGRES_PASSWORD}\n`, user, 0o600);
      mustRun('initdb', ['--username=postgres', `--pwfile=${pwfile}`, ...serverEnv.POSTGRES_INITDB_ARGS.split(' ')], {
        user: user.name,
        env: serverEnv,
        timeoutMs: 120_000,
      });
      fs.rmSync(pwfile);
      servers.start(`${name}-temporary`, 'postgres', [...args.slice(1), '-c', 'listen_addresses=', '-p', String(port)], {
        user: user.name,
        env: serverEnv,
        stopSignal: 'SIGINT',
      });
      await servers.waitUntil(`${name}-temporary`, () => run('pg_isready', ['-q', '-h', socketDir, '-p', String(port)]).status === 0);
      // docker_process_init_files /docker-entrypoint-initdb.d/*: in the glob's order; the entrypoint stops at the first failure (set -e).
      for (const file of fs.readdirSync(initdbDir).sort()) {
        const result = run(path.join(initdbDir, file), [], { user: user.name, env: { ...serverEnv, PGPASSWORD: serverEnv.POSTGRES_PASSWORD } });
        if (result.status !== 0) return { failed: { file, result } };
      }
      return {};
    },
  };
}

/** psql with a libpq environment. */
function psql(env: Record<string, string>, sql: string): RunResult {
  return run('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql], { env });
}

function must(r: RunResult): string {
  if (r.status !== 0) throw new Error(`psql exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

beforeAll(() => {
  prependPath(postgresBinDir());
});

describe('two init scripts that succeed: a table, then rows referencing it', () => {
  let p: Pod;
  let first: ReturnType<Pod['startContainer']>;
  let init: Awaited<ReturnType<Pod['initialize']>>;
  const superuser = () => ({
    PGHOST: '127.0.0.1',
    PGPORT: String(p.port),
    PGUSER: 'postgres',
    PGDATABASE: 'app',
    PGPASSWORD: SECRETS['db-credentials/postgres-password'],
  });

  beforeAll(async () => {
    p = await pod('ok', { 'tables.sql': TABLES, 'rows.sql': ROWS });
    first = p.startContainer();
    init = await p.initialize();
    await servers.stop('ok-temporary');
    const server = container(find(p.objects, 'StatefulSet', 'db'), 'db');
    const args: string[] = server.args.map((a: string) => a.replace('/etc/postgresql', path.join(p.dir, 'config')));
    servers.start('ok', 'postgres', args.slice(1), { user: user.name, env: p.serverEnv, stopSignal: 'SIGINT' });
    await servers.waitUntil('ok', () => psql(superuser(), 'SELECT 1').status === 0);
  }, 300_000);

  test('the first start of the container on an empty volume marks the initialization begun and hands over to the entrypoint', () => {
    expect(first).toMatchObject({ status: 0, entrypointRan: true });
  });

  test('initialization succeeds: init-app.sh, then init-scripts.sh', () => {
    expect(init.failed).toBeUndefined();
    expect(fs.readdirSync(path.join(p.dir, 'initdb')).sort()).toEqual(['init-app.sh', 'init-scripts.sh']);
  });

  test('the tables exist and belong to the application role', () => {
    expect(
      must(psql(superuser(), "SELECT string_agg(tablename || ':' || tableowner, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'")),
    ).toBe('item:app_user,item_note:app_user');
  });

  test('the rows are there, written by the application role', () => {
    expect(must(psql(superuser(), 'SELECT id, title, created_by FROM item'))).toBe('1|from the init scripts|app_user');
    expect(must(psql(superuser(), 'SELECT item_id, note FROM item_note'))).toBe('1|references item 1');
  });

  test("the application's connection environment reads them, and may write them", () => {
    const env = substituteEnv(containerEnv(container(find(p.objects, 'Deployment', 'api'), 'api'), SECRETS), [
      { why: 'the Service name resolves only in the cluster', from: SERVICE_HOST, to: '127.0.0.1' },
      { why: 'a free port instead of 5432', from: '5432', to: String(p.port) },
    ]);
    const libpq = { PGHOST: env.DB_HOST, PGPORT: env.DB_PORT, PGDATABASE: env.DB_NAME, PGUSER: env.DB_USER, PGPASSWORD: env.DB_PASSWORD };
    expect(must(psql(libpq, "SELECT i.title || ' / ' || n.note FROM item i JOIN item_note n ON n.item_id = i.id"))).toBe(
      'from the init scripts / references item 1',
    );
    must(psql(libpq, "INSERT INTO item (id, title) VALUES (3, 'from the application')"));
    expect(must(psql(libpq, 'SELECT count(*) FROM item'))).toBe('2');
  });

  test('the mark is gone: the next start of the container goes straight to the entrypoint and marks nothing', () => {
    expect(fs.existsSync(p.marker)).toBe(false);
    expect(p.startContainer()).toMatchObject({ status: 0, entrypointRan: true });
    expect(fs.existsSync(p.marker)).toBe(false);
  });

  test('run again by hand, the runner refuses and the files do not run twice; init-app.sh stays re-runnable', () => {
    const initdb = path.join(p.dir, 'initdb');
    const env = { ...p.serverEnv, PGPASSWORD: p.serverEnv.POSTGRES_PASSWORD };
    const again = run(path.join(initdb, 'init-scripts.sh'), [], { user: user.name, env });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/no initialization in progress/);
    expect(must(psql(superuser(), 'SELECT count(*) FROM item_note'))).toBe('1');
    mustRun(path.join(initdb, 'init-app.sh'), [], { user: user.name, env });
  });
});

describe('a failing init script fails the initialization, and the server is not started on what is left', () => {
  let p: Pod;
  let init: Awaited<ReturnType<Pod['initialize']>>;
  let leftBehind: string;

  beforeAll(async () => {
    p = await pod('failing', { 'tables.sql': TABLES, 'bad.sql': BAD });
    expect(p.startContainer()).toMatchObject({ status: 0, entrypointRan: true });
    init = await p.initialize();
    // What the temporary server holds when the entrypoint aborts.
    const socket = {
      PGHOST: path.join(p.dir, 'run'),
      PGPORT: String(p.port),
      PGUSER: 'postgres',
      PGDATABASE: 'app',
      PGPASSWORD: SECRETS['db-credentials/postgres-password'],
    };
    leftBehind = must(
      psql(
        socket,
        "SELECT string_agg(tablename, ',' ORDER BY tablename) || ' rows:' || (SELECT count(*) FROM item) FROM pg_tables WHERE schemaname = 'public'",
      ),
    );
    await servers.stop('failing-temporary');
  }, 300_000);

  test('init-scripts.sh exits non-zero at the failing file, with the error (the entrypoint, set -e, aborts there)', () => {
    expect(init.failed?.file).toBe('init-scripts.sh');
    expect(init.failed?.result.status).not.toBe(0);
    expect(init.failed?.result.stdout).toMatch(/running bad\.sql as app_user in app/);
    expect(init.failed?.result.stderr).toMatch(/relation "no_such_table" does not exist/);
  });

  test('the failing file left nothing (one transaction); the file before it stays', () => {
    expect(leftBehind).toBe('item,item_note rows:0');
  });

  test('the mark stays, and the restarted container refuses to start the server on the half-initialised volume', () => {
    expect(fs.existsSync(p.marker)).toBe(true);
    const restart = p.startContainer();
    expect(restart.status).toBe(1);
    expect(restart.entrypointRan).toBe(false);
    expect(restart.stderr).toMatch(/^db: the initialization of this database began and did not finish/);
    expect(restart.stderr).toMatch(/delete this member's PersistentVolumeClaim/);
  });
});
