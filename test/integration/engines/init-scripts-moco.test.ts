/**
 * MySql `initScripts` on MOCO, run by a real MariaDB (Debian's stand-in for MySQL) the way
 * the cluster's app-user Job runs them: its container's command from the synthesized Job,
 * its two scripts from the synthesized ConfigMap (app-user.sh as moco-writable, then the
 * init scripts' runner as the application account), the files from theirs, its environment
 * from its secretKeyRefs. MOCO's MySQLCluster has no initialization hook (v0.30.0,
 * api/v1beta2/mysqlcluster_types.go), so this Job is what runs them: once, recorded in the
 * application database, nothing on a re-run, a failure on changed files and on a bad file.
 *
 *   npx jest -c jest.integration.config.js test/integration/engines/init-scripts-moco
 *
 * What differs from the pod (each a substitution below): the primary's Service name and
 * port (a loopback port here), and the mount paths of the two ConfigMaps. moco-writable is
 * created here with the grant MOCO gives it (pkg/dbop/test_util.go: ALL ON *.* WITH GRANT
 * OPTION); in a cluster MOCO creates it and the password comes from its Secret.
 */
import * as path from 'path';
import { ExistingSecret } from '../../../lib';
import { MySql } from '../../../lib/data/mysql';
import { MySqlEngine } from '../../../lib/data/mysql-engine';
import { NOT_BACKED_UP_IN_TEST } from '../../support/stores';
import { testChart, testEnv } from '../../support/synth';
import {
  container,
  containerEnv,
  engineSession,
  freePort,
  Json,
  mkdirOwned,
  mustRun,
  prependPath,
  requirePrograms,
  run,
  RunResult,
  serviceUser,
  Substitution,
  substitute,
  synthesized,
  writeOwned,
} from './support';

const SECRETS = {
  'moco-mysql/WRITABLE_PASSWORD': 'W7itable-Passw0rd',
  'mysql-credentials/password': 'LoopiPassw0rd',
};

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
let server: { port: number; socket: string };

/** The mysql client as root on the socket. */
function rootSql(statement: string): string {
  return mustRun('mysql', ['--protocol=socket', `--socket=${server.socket}`, '--user=root', '--batch', '--skip-column-names', '-e', statement], {
    env: {},
  }).trim();
}

/** The app-user Job of a MOCO store with `scripts`, as synthesized, ready to run against the server. */
function job(name: string, database: string, scripts: Record<string, string>): { run(): RunResult; objects: Json[] } {
  const { app, chart } = testChart(testEnv('dev'));
  const dir = workDir(`moco-${name}`, user);
  const sources = mkdirOwned(path.join(dir, 'design', 'scripts', 'tables'), user, 0o755);
  const paths = Object.entries(scripts).map(([file, text]) => writeOwned(path.join(sources, file), text, user));
  new MySql(chart, 'mysql', {
    database,
    user: database.replace(/_db$/, ''),
    storage: '10Gi',
    credentials: ExistingSecret.named('mysql-credentials', ['password']),
    resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    engine: MySqlEngine.moco({ instances: 3 }),
    initScripts: paths,
  }).noBackup(NOT_BACKED_UP_IN_TEST);
  const objects = synthesized(app);
  const jobObject = objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('mysql-app-user-'))!;
  const scriptsDir = mkdirOwned(path.join(dir, 'scripts'), user, 0o755);
  const filesDir = mkdirOwned(path.join(dir, 'init-scripts'), user, 0o755);
  const primary: Substitution = {
    why: "the primary's Service resolves only in the cluster",
    from: 'moco-mysql-primary.test-dev.svc',
    to: '127.0.0.1',
  };
  const port: Substitution = { why: 'a free loopback port instead of 3306', from: "'3306'", to: `'${server.port}'` };
  const mounts: Substitution[] = [
    { why: 'the app-user ConfigMap mount', from: '/scripts/', to: `${scriptsDir}/` },
    { why: 'the init scripts ConfigMap mount', from: '/etc/init-scripts', to: filesDir },
  ];
  const data = (configMap: string) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMap)!.data as Record<string, string>;
  for (const [key, text] of Object.entries(data('mysql-app-user'))) {
    writeOwned(path.join(scriptsDir, key), substitute(text, key === 'app-user.sh' ? [primary, port] : [primary, port, mounts[1]], key), user, 0o555);
  }
  for (const [key, text] of Object.entries(data('mysql-init-scripts'))) writeOwned(path.join(filesDir, key), text, user, 0o444);
  const c = container(jobObject, 'app-user');
  const [command, ...args] = (c.command as string[]).map((word, i) => (i === 2 ? substitute(word, [mounts[0]], 'the command') : word));
  const env = containerEnv(c, SECRETS);
  return { objects, run: () => run(command, args, { user: user.name, env }) };
}

beforeAll(async () => {
  prependPath('/usr/sbin');
  requirePrograms('mariadbd', 'mariadb-install-db', 'mysql', 'mysqladmin');
  const dir = workDir('moco-server', user);
  const data = mkdirOwned(path.join(dir, 'data'), user, 0o750);
  const socket = path.join(mkdirOwned(path.join(dir, 'run'), user, 0o755), 'mysqld.sock');
  const port = await freePort();
  mustRun('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=socket', '--skip-test-db'], {
    user: user.name,
    timeoutMs: 120_000,
  });
  servers.start(
    'moco-primary',
    'mariadbd',
    ['--no-defaults', `--datadir=${data}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1', '--default-time-zone=+00:00'],
    { user: user.name },
  );
  server = { port, socket };
  await servers.waitUntil(
    'moco-primary',
    () => run('mysqladmin', ['--protocol=socket', `--socket=${socket}`, '--user=root', 'ping'], {}).status === 0,
  );
  // Only root and MOCO's writable account, as MOCO leaves a new cluster.
  const others = rootSql("SELECT CONCAT(QUOTE(User), '@', QUOTE(Host)) FROM mysql.global_priv WHERE User NOT IN ('mariadb.sys', 'root')")
    .split('\n')
    .filter(Boolean);
  rootSql(
    [
      ...others.map((account) => `DROP USER ${account}`),
      `CREATE USER 'moco-writable'@'%' IDENTIFIED BY '${SECRETS['moco-mysql/WRITABLE_PASSWORD']}'`,
      "GRANT ALL ON *.* TO 'moco-writable'@'%' WITH GRANT OPTION",
    ].join(';\n'),
  );
}, 180_000);

describe('two files that succeed: run once, recorded; a re-run does nothing; changed files fail the Job', () => {
  let first: RunResult;
  let again: RunResult;
  let changed: RunResult;
  let records: string;
  let rowsAfterChange: string;

  beforeAll(() => {
    const files = { 'tables.sql': TABLES, 'rows.sql': ROWS };
    first = job('ok', 'loopi_db', files).run();
    records = rootSql("SELECT CONCAT_WS('|', id, files, LENGTH(sha256)) FROM loopi_db.cdk8s_init_scripts");
    again = job('ok-again', 'loopi_db', files).run();
    changed = job('ok-changed', 'loopi_db', {
      ...files,
      'rows.sql': `${ROWS}INSERT INTO item_note (item_id, note) VALUES (1, 'added later');\n`,
    }).run();
    rowsAfterChange = rootSql('SELECT COUNT(*) FROM loopi_db.item_note');
  }, 180_000);

  test('the Job succeeds: app-user.sh made the account, then each file ran as it, in the order given', () => {
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(
      /database loopi_db and account loopi are in place[\s\S]*running tables\.sql as loopi in loopi_db[\s\S]*running rows\.sql/,
    );
  });

  test('the tables exist in the application database; the rows were written by the application account', () => {
    expect(rootSql("SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'loopi_db'")).toBe(
      'cdk8s_init_scripts,item,item_note',
    );
    expect(rootSql("SELECT CONCAT_WS('|', id, title, created_by) FROM loopi_db.item")).toBe('1|from the init scripts ✓|loopi@%');
  });

  test('the run is recorded once, with the names and the checksum', () => {
    expect(records).toBe('1|tables.sql,rows.sql|64');
  });

  test('run again (the next sync re-creates the Job), it does nothing and says so', () => {
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/the init scripts \(tables\.sql,rows\.sql\) ran on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ; nothing to do/);
    expect(again.stdout).not.toMatch(/running /);
  });

  test('with a file changed after the run, the Job fails, says why, and applies nothing', () => {
    expect(changed.status).toBe(1);
    expect(changed.stderr).toMatch(
      /the init scripts changed since they ran on .*then: tables\.sql,rows\.sql, sha256 [0-9a-f]{64}; now: tables\.sql,rows\.sql, sha256 [0-9a-f]{64}/,
    );
    expect(changed.stderr).toMatch(/change the database with a migration/);
    expect(rowsAfterChange).toBe('1');
  });
});

describe('a failing file fails the Job loudly and records nothing', () => {
  let result: RunResult;

  beforeAll(() => {
    result = job('bad', 'shop_db', { 'tables.sql': TABLES, 'bad.sql': BAD }).run();
  }, 120_000);

  test('the Job exits non-zero with the server error and what to do', () => {
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/no_such_table' doesn't exist/);
    expect(result.stderr).toMatch(/bad\.sql failed; nothing is recorded, so the next sync runs every file again/);
  });

  test('the client stopped at the first error, and no run is recorded', () => {
    expect(rootSql('SELECT GROUP_CONCAT(title ORDER BY id) FROM shop_db.item')).toBe('before the error');
    expect(rootSql('SELECT COUNT(*) FROM shop_db.cdk8s_init_scripts')).toBe('0');
  });
});
