/**
 * MySql `initScripts`, run by a real MariaDB (Debian's stand-in for MySQL) the way the
 * official mysql image runs a pod's start: the server container's command (the guard,
 * before a stand-in for the image's docker-entrypoint.sh), then the entrypoint's
 * initialization step by step (as in mysql.test.ts: the system tables, the socket-only
 * temporary server, root, MYSQL_DATABASE and MYSQL_USER, then every file of
 * /docker-entrypoint-initdb.d in order), then the server. Two stores: one whose two files
 * succeed (a table, then rows referencing it), one whose second file fails.
 *
 *   npx jest -c jest.integration.config.js test/integration/engines/init-scripts-mysql
 *
 * What differs from the pod (each a substitution below): mount paths (volume, the
 * /var/run/mysqld emptyDir, the two ConfigMaps), the port, the bind address, the Service
 * host name, and docker-entrypoint.sh, which here only records that it was started.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConnectionEnv, ExistingSecret, Worker } from '../../../lib';
import { MySql } from '../../../lib/data/mysql';
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
  prependPath,
  requirePrograms,
  run,
  RunResult,
  serviceUser,
  Substitution,
  substitute,
  substituteEnv,
  synthesized,
  writeOwned,
} from './support';

// Spliced into SQL by the image's entrypoint as they are: alphanumeric, like the generated ones.
const SECRETS = {
  'mysql-credentials/root-password': 'R00tPassw0rd',
  'mysql-credentials/password': 'LoopiPassw0rd',
};
const SERVICE_HOST = 'mysql.test-prod.svc';

const TABLES = `CREATE TABLE item (
  id INT PRIMARY KEY,
  title VARCHAR(100) NOT NULL,
  created_by VARCHAR(100) NOT NULL
) DEFAULT CHARSET = utf8mb4;
CREATE TABLE item_note (item_id INT NOT NULL, note VARCHAR(100) NOT NULL, FOREIGN KEY (item_id) REFERENCES item (id)) DEFAULT CHARSET = utf8mb4;
`;
const ROWS = `INSERT INTO item (id, title, created_by) VALUES (1, 'from the init scripts ✓', CURRENT_USER());
INSERT INTO item_note (item_id, note) VALUES (1, 'references item 1');
`;
const BAD = `INSERT INTO item (id, title, created_by) VALUES (2, 'before the error', CURRENT_USER());
INSERT INTO no_such_table VALUES (1);
INSERT INTO item (id, title, created_by) VALUES (3, 'after the error', CURRENT_USER());
`;

const { servers, workDir } = engineSession();
const user = serviceUser('mysql');

interface Pod {
  readonly objects: Json[];
  readonly dir: string;
  readonly port: number;
  readonly socket: string;
  readonly cnf: string;
  readonly serverEnv: Record<string, string>;
  readonly marker: string;
  startContainer(): RunResult & { entrypointRan: boolean };
  initialize(): Promise<{ failed?: { file: string; result: RunResult } }>;
}

/** The mysql client as root on the socket (the temporary server), no password yet or with it. */
function socketSql(socket: string, statement: string, password?: string): string {
  return mustRun(
    'mysql',
    ['--protocol=socket', `--socket=${socket}`, '--user=root', '--batch', '--skip-column-names', '--database=mysql', '-e', statement],
    { env: password ? { MYSQL_PWD: password } : {} },
  );
}

async function pod(name: string, scripts: Record<string, string>): Promise<Pod> {
  const { app, chart } = testChart();
  const credentials = ExistingSecret.named('mysql-credentials', ['root-password', 'password']);
  const resources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };
  const dir = workDir(`init-${name}`, user);
  const sources = mkdirOwned(path.join(dir, 'design', 'scripts', 'tables'), user, 0o755);
  const paths = Object.entries(scripts).map(([file, text]) => writeOwned(path.join(sources, file), text, user));
  const mysql = new MySql(chart, 'mysql', {
    database: 'loopi_db',
    user: 'loopi',
    storage: '10Gi',
    credentials,
    resources,
    initScripts: paths,
  }).noBackup(NOT_BACKED_UP_IN_TEST);
  const api = new Worker(chart, 'api', { image: 'registry.stackworks.io/loopi-api:1.0.0', resources });
  api.connect(mysql, {
    env: ConnectionEnv.discrete({ host: 'DB_HOST', port: 'DB_PORT', database: 'DB_NAME', user: 'DB_USER', password: 'DB_PASSWORD' }),
  });
  const objects = synthesized(app);
  const port = await freePort();

  const volume = mkdirOwned(path.join(dir, 'volume'), user, 0o750);
  const runDir = mkdirOwned(path.join(dir, 'run'), user, 0o755);
  const confDir = mkdirOwned(path.join(dir, 'conf.d'), user, 0o755);
  const initdbDir = mkdirOwned(path.join(dir, 'initdb'), user, 0o755);
  const scriptsDir = mkdirOwned(path.join(dir, 'init-scripts'), user, 0o755);
  const stubDir = mkdirOwned(path.join(dir, 'bin'), user, 0o755);
  const socket = path.join(runDir, 'mysqld.sock');
  const volumePath: Substitution = { why: 'the volume claim is mounted here in the pod', from: '/var/lib/mysql', to: volume };
  const runPath: Substitution = { why: 'the /var/run/mysqld emptyDir', from: '/var/run/mysqld', to: runDir };
  const scriptsPath: Substitution = { why: 'the init scripts ConfigMap mount', from: '/etc/init-scripts', to: scriptsDir };
  const portSub: Substitution = { why: 'a free port instead of 3306', from: '3306', to: String(port) };
  const bind: Substitution = { why: 'loopback instead of every pod address', from: 'bind-address = *', to: 'bind-address = 127.0.0.1' };

  const sts = find(objects, 'StatefulSet', 'mysql');
  const configMap = find(objects, 'ConfigMap', 'mysql-config').data;
  const cnf = writeOwned(path.join(confDir, 'my.cnf'), substitute(configMap['my.cnf'], [volumePath, runPath, portSub, bind], 'my.cnf'), user);
  const initdbVolume = podSpec(sts).volumes.find((v: Json) => v.name === 'initdb').configMap;
  for (const item of initdbVolume.items) {
    writeOwned(path.join(initdbDir, item.path), substitute(configMap[item.key], [volumePath, runPath, scriptsPath], item.key), user, 0o555);
  }
  const scriptsVolume = podSpec(sts).volumes.find((v: Json) => v.name === 'init-scripts').configMap;
  for (const [key, text] of Object.entries(find(objects, 'ConfigMap', scriptsVolume.name).data)) {
    writeOwned(path.join(scriptsDir, key), text as string, user, 0o444);
  }
  const started = path.join(dir, 'entrypoint-started');
  writeOwned(path.join(stubDir, 'docker-entrypoint.sh'), `#!/bin/sh\necho "$@" > '${started}'\n`, user, 0o755);

  const server = container(sts, 'mysql');
  const serverEnv = substituteEnv(containerEnv(server, SECRETS), [volumePath, runPath]);
  const marker = path.join(volume, 'initialization-incomplete');

  return {
    objects,
    dir,
    port,
    socket,
    cnf,
    serverEnv,
    marker,
    startContainer() {
      fs.rmSync(started, { force: true });
      const [sh, flag, guard, name0] = server.command as string[];
      const text = substitute(guard, [volumePath], 'the guard');
      const r = run(sh, [flag, text, name0, ...server.args], { user: user.name, env: { ...serverEnv, PATH: `${stubDir}:${process.env.PATH}` } });
      return { ...r, entrypointRan: fs.existsSync(started) && fs.readFileSync(started, 'utf8') === 'mysqld\n' };
    },
    async initialize() {
      const env = serverEnv;
      mustRun('mariadb-install-db', [`--defaults-file=${cnf}`, '--auth-root-authentication-method=normal', '--skip-test-db'], {
        user: user.name,
        timeoutMs: 120_000,
      });
      servers.start(
        `${name}-temporary`,
        'mariadbd',
        [`--defaults-file=${cnf}`, '--skip-networking', '--default-time-zone=SYSTEM', `--socket=${socket}`],
        {
          user: user.name,
        },
      );
      await servers.waitUntil(
        `${name}-temporary`,
        () => run('mysqladmin', ['--protocol=socket', `--socket=${socket}`, '--user=root', 'ping'], { env: {} }).status === 0,
      );
      // docker_setup_db (see mysql.test.ts): root's password, no other accounts, MYSQL_DATABASE, MYSQL_USER with ALL on it.
      const others = socketSql(
        socket,
        "SELECT CONCAT(QUOTE(User), '@', QUOTE(Host)) FROM mysql.global_priv WHERE User NOT IN ('mariadb.sys', 'root') OR Host <> 'localhost'",
      )
        .split('\n')
        .filter(Boolean);
      const rootPassword = env.MYSQL_ROOT_PASSWORD;
      socketSql(
        socket,
        [
          'SET autocommit = 1',
          ...others.map((account) => `DROP USER ${account}`),
          `ALTER USER 'root'@'localhost' IDENTIFIED BY '${rootPassword}'`,
          'FLUSH PRIVILEGES',
          'DROP DATABASE IF EXISTS test',
        ].join(';\n'),
      );
      socketSql(socket, `CREATE DATABASE IF NOT EXISTS \`${env.MYSQL_DATABASE}\``, rootPassword);
      socketSql(socket, `CREATE USER '${env.MYSQL_USER}'@'%' IDENTIFIED BY '${env.MYSQL_PASSWORD}'`, rootPassword);
      socketSql(socket, `GRANT ALL ON \`${env.MYSQL_DATABASE.replace(/_/g, '\\_')}\`.* TO '${env.MYSQL_USER}'@'%'`, rootPassword);
      // docker_process_init_files /docker-entrypoint-initdb.d/*: in order, stopping at the first failure.
      for (const file of fs.readdirSync(initdbDir).sort()) {
        const result = run(path.join(initdbDir, file), [], { user: user.name, env });
        if (result.status !== 0) return { failed: { file, result } };
      }
      return {};
    },
  };
}

function sql(p: Pod, account: { user: string; password: string; database?: string }, statement: string): RunResult {
  const args = ['--host=127.0.0.1', `--port=${p.port}`, `--user=${account.user}`, '--batch', '--skip-column-names', '-e', statement];
  if (account.database) args.push(account.database);
  return run('mysql', args, { env: { MYSQL_PWD: account.password } });
}

function must(r: RunResult): string {
  if (r.status !== 0) throw new Error(`mysql exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

beforeAll(() => {
  prependPath('/usr/sbin');
  requirePrograms('mariadbd', 'mariadb-install-db', 'mysql', 'mysqladmin');
});

describe('two init scripts that succeed: a table, then rows referencing it', () => {
  let p: Pod;
  let first: ReturnType<Pod['startContainer']>;
  let init: Awaited<ReturnType<Pod['initialize']>>;
  const root = () => ({ user: 'root', password: SECRETS['mysql-credentials/root-password'], database: 'loopi_db' });

  beforeAll(async () => {
    p = await pod('ok', { 'tables.sql': TABLES, 'rows.sql': ROWS });
    first = p.startContainer();
    init = await p.initialize();
    await servers.stop('ok-temporary');
    servers.start('ok', 'mariadbd', [`--defaults-file=${p.cnf}`], { user: user.name });
    // As the image's root@'%' is not made here, root reaches the server on the socket only.
    await servers.waitUntil('ok', () => sql(p, { user: 'loopi', password: SECRETS['mysql-credentials/password'] }, 'SELECT 1').status === 0);
  }, 300_000);

  const rootSocket = (statement: string) => socketSql(p.socket, statement, root().password).trim();

  test('the first start of the container on an empty volume marks the initialization begun and hands over to the entrypoint', () => {
    expect(first).toMatchObject({ status: 0, entrypointRan: true });
  });

  test('initialization succeeds: the runner is the only init file without the exporter', () => {
    expect(init.failed).toBeUndefined();
    expect(fs.readdirSync(path.join(p.dir, 'initdb'))).toEqual(['init-scripts.sh']);
  });

  test('the tables exist in the application database, the rows were written by the application account', () => {
    expect(rootSocket("SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'loopi_db'")).toBe(
      'item,item_note',
    );
    expect(rootSocket("SELECT CONCAT_WS('|', id, title, created_by) FROM loopi_db.item")).toBe('1|from the init scripts ✓|loopi@%');
    expect(rootSocket("SELECT CONCAT_WS('|', item_id, note) FROM loopi_db.item_note")).toBe('1|references item 1');
  });

  test("the application's connection environment reads them, and may write them", () => {
    const env = substituteEnv(containerEnv(container(find(p.objects, 'Deployment', 'api'), 'api'), SECRETS), [
      { why: 'the Service name resolves only in the cluster', from: SERVICE_HOST, to: '127.0.0.1' },
      { why: 'a free port instead of 3306', from: '3306', to: String(p.port) },
    ]);
    const account = { user: env.DB_USER, password: env.DB_PASSWORD, database: env.DB_NAME };
    expect(must(sql(p, account, "SELECT CONCAT(i.title, ' / ', n.note) FROM item i JOIN item_note n ON n.item_id = i.id"))).toBe(
      'from the init scripts ✓ / references item 1',
    );
    must(sql(p, account, "INSERT INTO item (id, title, created_by) VALUES (3, 'from the application', CURRENT_USER())"));
    expect(must(sql(p, account, 'SELECT COUNT(*) FROM item'))).toBe('2');
  });

  test('the mark is gone: the next start of the container goes straight to the entrypoint (with mysqld) and marks nothing', () => {
    expect(fs.existsSync(p.marker)).toBe(false);
    expect(p.startContainer()).toMatchObject({ status: 0, entrypointRan: true });
    expect(fs.existsSync(p.marker)).toBe(false);
  });

  test('run again by hand, the runner refuses and the files do not run twice', () => {
    const again = run(path.join(p.dir, 'initdb', 'init-scripts.sh'), [], { user: user.name, env: p.serverEnv });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/no initialization in progress/);
    expect(rootSocket('SELECT COUNT(*) FROM loopi_db.item_note')).toBe('1');
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
    leftBehind = socketSql(p.socket, 'SELECT GROUP_CONCAT(title ORDER BY id) FROM loopi_db.item', SECRETS['mysql-credentials/root-password']).trim();
    await servers.stop('failing-temporary');
  }, 300_000);

  test('init-scripts.sh exits non-zero at the failing statement, with the error (the entrypoint, set -e, aborts there)', () => {
    expect(init.failed?.file).toBe('init-scripts.sh');
    expect(init.failed?.result.status).not.toBe(0);
    expect(init.failed?.result.stdout).toMatch(/running bad\.sql as loopi in loopi_db/);
    expect(init.failed?.result.stderr).toMatch(/no_such_table' doesn't exist/);
  });

  test('the client stopped at the first error: the statement after it never ran', () => {
    // MySQL commits each statement (a file is not one transaction): the one before the error stays.
    expect(leftBehind).toBe('before the error');
  });

  test('the mark stays, and the restarted container refuses to start the server on the half-initialised volume', () => {
    expect(fs.existsSync(p.marker)).toBe(true);
    const restart = p.startContainer();
    expect(restart.status).toBe(1);
    expect(restart.entrypointRan).toBe(false);
    expect(restart.stderr).toMatch(/^mysql: the initialization of this database began and did not finish/);
  });
});
