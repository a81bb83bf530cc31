/**
 * The MySql construct's generated my.cnf and exporter init script, run by a real
 * MariaDB (Debian's stand-in for MySQL), the way the official mysql image's entrypoint
 * runs them; then a workload's exact connection environment writes and reads as the
 * application account, and the accounts' privileges are probed.
 *
 *   npx jest -c jest.integration.config.js test/integration/engines/mysql
 *
 * MariaDB reads the [mysqld] group and skips [mysqld-8.4] (MySQL-8.4-only options). What
 * differs from the pod, and nothing else (each listed below as a substitution): mount
 * paths (volume, /var/run/mysqld emptyDir, ConfigMap), the port (a free one instead of
 * 3306), the bind address (loopback instead of every pod address) and the Service host
 * name (127.0.0.1 instead of mysql.<namespace>.svc).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConnectionEnv, ExistingSecret, Probe, WebService } from '../../../lib';
import { MySql } from '../../../lib/data/mysql';
import { NOT_BACKED_UP_IN_TEST } from '../../support/stores';
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

// root's and the application's passwords are spliced into SQL by the image's entrypoint
// as they are (it quotes them with '...'), so they are alphanumeric like the generated
// ones. The exporter's carries a quote and a backslash: the generated init script escapes it.
const SECRETS = {
  'mysql-credentials/root-password': 'R00tPassw0rd',
  'mysql-credentials/password': 'LoopiPassw0rd',
  'mysql-credentials/exporter-password': `Exp'orter\\pw`,
};
const SERVICE_HOST = 'mysql.test-prod.svc';

const { servers, workDir } = engineSession();
let dir: string;
let port: number;
let socket: string;
let objects: Json[];
let serverEnv: Record<string, string>;
let user: ReturnType<typeof serviceUser>;

/** The mysql client over TCP; the password through MYSQL_PWD, never the command line. */
function sql(account: { user: string; password: string; database?: string }, statement: string): RunResult {
  const args = ['--host=127.0.0.1', `--port=${port}`, `--user=${account.user}`, '--batch', '--skip-column-names', '-e', statement];
  if (account.database) args.push(account.database);
  return run('mysql', args, { env: { MYSQL_PWD: account.password } });
}

function must(r: RunResult): string {
  if (r.status !== 0) throw new Error(`mysql exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

const root = () => ({ user: 'root', password: SECRETS['mysql-credentials/root-password'] });
const application = (database = 'loopi_db') => ({ user: 'loopi', password: SECRETS['mysql-credentials/password'], database });

/** As root on the socket of the temporary server, with no password yet or with it. */
function socketSql(statement: string, password?: string): string {
  return mustRun(
    'mysql',
    ['--protocol=socket', `--socket=${socket}`, '--user=root', '--batch', '--skip-column-names', '--database=mysql', '-e', statement],
    {
      env: password ? { MYSQL_PWD: password } : {},
    },
  );
}

beforeAll(async () => {
  prependPath('/usr/sbin');
  requirePrograms('mariadbd', 'mariadb-install-db', 'mysql', 'mysqladmin');
  user = serviceUser('mysql');
  port = await freePort();

  const { app, chart } = testChart();
  const credentials = ExistingSecret.named('mysql-credentials', ['root-password', 'password', 'exporter-password']);
  const resources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };
  // As the Loopi chart: a database name with '_' (a wildcard in GRANT unless escaped) and its own user.
  const mysql = new MySql(chart, 'mysql', {
    database: 'loopi_db',
    user: 'loopi',
    storage: '10Gi',
    credentials,
    resources,
    monitoring: { exporter: true },
  }).noBackup(NOT_BACKED_UP_IN_TEST);
  const api = new WebService(chart, 'api', {
    image: 'registry.stackworks.io/loopi-api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources,
  });
  api.connect(mysql, {
    env: ConnectionEnv.all(
      ConnectionEnv.discrete({ host: 'DB_HOST', port: 'DB_PORT', database: 'DB_NAME', user: 'DB_USER', password: 'DB_PASSWORD' }),
      ConnectionEnv.url('DATABASE_URL'),
    ),
  });
  objects = synthesized(app);

  dir = workDir('mysql', user);
  const volume = mkdirOwned(path.join(dir, 'volume'), user, 0o750);
  const runDir = mkdirOwned(path.join(dir, 'run'), user, 0o755);
  const confDir = mkdirOwned(path.join(dir, 'conf.d'), user, 0o755);
  const initdbDir = mkdirOwned(path.join(dir, 'initdb'), user, 0o755);
  socket = path.join(runDir, 'mysqld.sock');
  const volumePath: Substitution = { why: 'the volume claim is mounted here in the pod', from: '/var/lib/mysql', to: volume };
  const runPath: Substitution = { why: 'the /var/run/mysqld emptyDir', from: '/var/run/mysqld', to: runDir };
  const portSub: Substitution = { why: 'a free port instead of 3306', from: '3306', to: String(port) };
  const bind: Substitution = { why: 'loopback instead of every pod address', from: 'bind-address = *', to: 'bind-address = 127.0.0.1' };

  const sts = find(objects, 'StatefulSet', 'mysql');
  const configMap = find(objects, 'ConfigMap', 'mysql-config').data;
  const cnf = writeOwned(path.join(confDir, 'my.cnf'), substitute(configMap['my.cnf'], [volumePath, runPath, portSub, bind], 'my.cnf'), user);
  const initItem = podSpec(sts).volumes.find((v: Json) => v.name === 'initdb').configMap.items[0];
  const initScript = writeOwned(
    path.join(initdbDir, initItem.path),
    substitute(configMap[initItem.key], [runPath], 'the exporter init script'),
    user,
    0o555,
  );

  const server = container(sts, 'mysql');
  serverEnv = substituteEnv(containerEnv(server, SECRETS), [volumePath, runPath]);
  const env = serverEnv;

  // The entrypoint (docker-library/mysql 8.4 docker-entrypoint.sh), step by step:
  // docker_init_database_dir: `mysqld --initialize-insecure` (root@localhost without a password).
  mustRun('mariadb-install-db', [`--defaults-file=${cnf}`, '--auth-root-authentication-method=normal', '--skip-test-db'], {
    user: user.name,
    timeoutMs: 120_000,
  });
  // docker_temp_server_start: socket only, the server's time zone.
  servers.start('temporary', 'mariadbd', [`--defaults-file=${cnf}`, '--skip-networking', '--default-time-zone=SYSTEM', `--socket=${socket}`], {
    user: user.name,
  });
  await servers.waitUntil(
    'temporary',
    () => run('mysqladmin', ['--protocol=socket', `--socket=${socket}`, '--user=root', 'ping'], { env: {} }).status === 0,
  );
  // docker_setup_db: time zones, then root's password, root@'%' (MYSQL_ROOT_HOST), no
  // other accounts, no test database; MYSQL_DATABASE; MYSQL_USER with MYSQL_PASSWORD and
  // ALL on MYSQL_DATABASE only ('_' escaped so it is no wildcard).
  if (fs.existsSync('/usr/share/zoneinfo')) {
    mustRun('sh', ['-c', `mysql_tzinfo_to_sql /usr/share/zoneinfo | mysql --protocol=socket --socket='${socket}' --user=root --database=mysql`], {
      timeoutMs: 120_000,
    });
  }
  // MariaDB keeps accounts in mysql.global_priv (mysql.user is a view): the entrypoint's
  // `DELETE FROM mysql.user WHERE user NOT IN ('mysql.sys', 'mysqlxsys', 'root') OR host NOT IN ('localhost')`
  // becomes a DROP USER of each such account.
  const others = socketSql(
    "SELECT CONCAT(QUOTE(User), '@', QUOTE(Host)) FROM mysql.global_priv WHERE User NOT IN ('mariadb.sys', 'root') OR Host <> 'localhost'",
  )
    .split('\n')
    .filter(Boolean);
  const rootPassword = env.MYSQL_ROOT_PASSWORD;
  socketSql(
    [
      'SET autocommit = 1',
      'SET @@SESSION.SQL_LOG_BIN = 0',
      "SET @@SESSION.SQL_MODE = REPLACE(@@SESSION.SQL_MODE, 'NO_BACKSLASH_ESCAPES', '')",
      ...others.map((account) => `DROP USER ${account}`),
      `ALTER USER 'root'@'localhost' IDENTIFIED BY '${rootPassword}'`,
      "GRANT ALL ON *.* TO 'root'@'localhost' WITH GRANT OPTION",
      'FLUSH PRIVILEGES',
      `CREATE USER 'root'@'%' IDENTIFIED BY '${rootPassword}'`,
      "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION",
      'DROP DATABASE IF EXISTS test',
    ].join(';\n'),
  );
  socketSql(`CREATE DATABASE IF NOT EXISTS \`${env.MYSQL_DATABASE}\``, rootPassword);
  socketSql(`CREATE USER '${env.MYSQL_USER}'@'%' IDENTIFIED BY '${env.MYSQL_PASSWORD}'`, rootPassword);
  socketSql(`GRANT ALL ON \`${env.MYSQL_DATABASE.replace(/_/g, '\\_')}\`.* TO '${env.MYSQL_USER}'@'%'`, rootPassword);
  // docker_process_init_files: the executable script, with the container's environment.
  mustRun(initScript, [], { user: user.name, env });
  // docker_temp_server_stop, then exec mysqld.
  await servers.stop('temporary');
  servers.start('mysql', 'mariadbd', [`--defaults-file=${cnf}`], { user: user.name });
  const readiness: string[] = server.readinessProbe.exec.command.map((a: string) => a.replace('--port=3306', `--port=${port}`));
  await servers.waitUntil('mysql', () => run(readiness[0], readiness.slice(1), { env }).status === 0);
}, 300_000);

describe('MariaDB runs what MySql generated', () => {
  test(`the server runs as ${IS_ROOT ? 'the mysql system user' : 'the current (non-root) user'}, with my.cnf [mysqld] in effect`, () => {
    expect(user.uid).not.toBe(0);
    const variables = must(
      sql(
        root(),
        "SELECT CONCAT_WS(',', @@innodb_buffer_pool_size, @@max_connections, @@character_set_server, @@skip_name_resolve, @@log_bin, @@sync_binlog, @@binlog_expire_logs_seconds, @@local_infile, @@performance_schema, @@time_zone, @@max_connect_errors, @@datadir)",
      ),
    );
    expect(variables.split(',')).toEqual([
      String(512 * 2 ** 20),
      '151',
      'utf8mb4',
      'ON',
      'ON',
      '1',
      '259200',
      'OFF',
      'ON',
      '+00:00',
      '1000000',
      `${path.join(dir, 'volume', 'data')}/`,
    ]);
  });

  test('the readiness, liveness and startup probes pass', () => {
    const server = container(find(objects, 'StatefulSet', 'mysql'), 'mysql');
    for (const probe of [server.readinessProbe, server.livenessProbe, server.startupProbe]) {
      const command: string[] = probe.exec.command.map((a: string) => a.replace('--port=3306', `--port=${port}`));
      expect(run(command[0], command.slice(1), { env: serverEnv })).toMatchObject({ status: 0 });
    }
  });

  test("the wait-for-mysql init container's command returns with its own environment", () => {
    const wait = container(find(objects, 'Deployment', 'api'), 'wait-for-mysql', 'initContainers');
    const env = substituteEnv(containerEnv(wait, SECRETS), [
      { why: 'the Service name resolves only in the cluster', from: SERVICE_HOST, to: '127.0.0.1' },
      { why: 'a free port instead of 3306', from: '3306', to: String(port) },
    ]);
    expect(run(wait.command[0], wait.command.slice(1), { env, timeoutMs: 20_000 })).toMatchObject({ status: 0 });
  });

  describe('as the application, with the environment a connected workload receives', () => {
    const appEnv = () =>
      substituteEnv(containerEnv(container(find(objects, 'Deployment', 'api'), 'api'), SECRETS), [
        { why: 'the Service name resolves only in the cluster', from: SERVICE_HOST, to: '127.0.0.1' },
        { why: 'a free port instead of 3306', from: '3306', to: String(port) },
      ]);

    test('Loopi variables (DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD): create, write, read', () => {
      const env = appEnv();
      const account = { user: env.DB_USER, password: env.DB_PASSWORD, database: env.DB_NAME };
      expect(env.DB_HOST).toBe('127.0.0.1');
      expect(env.DB_PORT).toBe(String(port));
      must(sql(account, 'CREATE TABLE session (id INT AUTO_INCREMENT PRIMARY KEY, token VARCHAR(64) NOT NULL) DEFAULT CHARSET = utf8mb4'));
      must(sql(account, "INSERT INTO session (token) VALUES ('from loopi ✓')"));
      expect(must(sql(account, 'SELECT token FROM session'))).toBe('from loopi ✓');
      expect(must(sql(account, 'SELECT CURRENT_USER()'))).toBe('loopi@%');
    });

    test('the URL form (DATABASE_URL, password spliced in with $(VAR)): reads what was written', () => {
      const url = new URL(appEnv().DATABASE_URL);
      expect(url.protocol).toBe('mysql:');
      expect(url.host).toBe(`127.0.0.1:${port}`);
      const account = { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: url.pathname.slice(1) };
      expect(account).toEqual({ user: 'loopi', password: 'LoopiPassw0rd', database: 'loopi_db' });
      expect(must(sql(account, 'SELECT COUNT(*) FROM session'))).toBe('1');
    });
  });

  describe('least privilege', () => {
    test('the application account holds every privilege on its database and no global one', () => {
      expect(must(sql(application(), 'SHOW GRANTS')).split('\n')).toEqual([
        expect.stringMatching(/^GRANT USAGE ON \*\.\* TO `loopi`@`%` IDENTIFIED BY PASSWORD '\*[0-9A-F]{40}'$/),
        // `loopi\_db`: '_' escaped, no wildcard (--batch prints the backslash as \\).
        'GRANT ALL PRIVILEGES ON `loopi\\\\_db`.* TO `loopi`@`%`',
      ]);
      expect(must(sql(application(), 'SHOW DATABASES')).split('\n')).toEqual(['information_schema', 'loopi_db']);
    });

    test('it cannot create a database, read the account tables, change server settings or read files', () => {
      expect(sql(application(), 'CREATE DATABASE other').stderr).toMatch(/Access denied for user 'loopi'@'%' to database 'other'/);
      expect(sql(application(), 'SELECT User FROM mysql.user').stderr).toMatch(/command denied to user 'loopi'@'localhost'|denied to user 'loopi'/);
      expect(sql(application(), 'SET GLOBAL max_connections = 10').stderr).toMatch(/Access denied; you need .*SUPER/);
      expect(sql(application(), "CREATE USER 'intruder'@'%' IDENTIFIED BY 'x'").stderr).toMatch(/Access denied; you need .*CREATE USER/);
      expect(must(sql(application(), "SELECT LOAD_FILE('/etc/passwd') IS NULL"))).toBe('1');
    });

    test('it cannot read another database', () => {
      must(sql(root(), "CREATE DATABASE other; CREATE TABLE other.secret (value TEXT); INSERT INTO other.secret VALUES ('classified')"));
      expect(sql(application(), 'SELECT value FROM other.secret').stderr).toMatch(/SELECT command denied to user 'loopi'/);
      expect(sql(application('other'), 'SELECT 1').stderr).toMatch(/Access denied for user 'loopi'@'%' to database 'other'/);
      // '_' in the grant is escaped: a database whose name only matches it as a wildcard stays closed.
      must(sql(root(), 'CREATE DATABASE loopiXdb'));
      expect(sql(application('loopiXdb'), 'SELECT 1').stderr).toMatch(/Access denied for user 'loopi'@'%' to database 'loopiXdb'/);
    });

    test('root: only with its password; over TCP for backup Jobs', () => {
      expect(sql({ user: 'root', password: 'wrong' }, 'SELECT 1').stderr).toMatch(/Access denied for user 'root'/);
      expect(must(sql(root(), 'SELECT CURRENT_USER()'))).toBe('root@%');
    });

    test("the exporter's account, with the sidecar's environment and flags: status and performance_schema, no application data", () => {
      const metrics = container(find(objects, 'StatefulSet', 'mysql'), 'metrics');
      const env = containerEnv(metrics, SECRETS);
      const flag = (name: string) => (metrics.args as string[]).find((a) => a.startsWith(`--${name}=`))!.split('=')[1];
      expect(flag('mysqld.address')).toBe('127.0.0.1:3306');
      const exporter = { user: flag('mysqld.username'), password: env.MYSQLD_EXPORTER_PASSWORD };
      expect(exporter.password).toBe(`Exp'orter\\pw`);
      expect(must(sql(exporter, "SHOW GLOBAL STATUS LIKE 'Uptime'"))).toMatch(/^Uptime\t\d+$/);
      expect(Number(must(sql(exporter, 'SELECT COUNT(*) FROM performance_schema.events_statements_summary_by_digest')))).toBeGreaterThanOrEqual(0);
      expect(must(sql(exporter, 'SELECT COUNT(*) > 0 FROM information_schema.PROCESSLIST'))).toBe('1');
      expect(must(sql(exporter, 'SHOW GRANTS')).split('\n').sort()).toEqual([
        expect.stringMatching(
          /^GRANT (PROCESS, BINLOG MONITOR|PROCESS, REPLICATION CLIENT|PROCESS, SLAVE MONITOR, BINLOG MONITOR).* ON \*\.\* TO `mysqld_exporter`@`127\.0\.0\.1`/,
        ),
        'GRANT SELECT ON `performance_schema`.* TO `mysqld_exporter`@`127.0.0.1`',
      ]);
      expect(sql(exporter, 'SELECT token FROM loopi_db.session').stderr).toMatch(/SELECT command denied to user 'mysqld_exporter'/);
    });
  });

  test('the exporter init script is idempotent: run again against the running server', () => {
    const script = fs.readdirSync(path.join(dir, 'initdb')).map((f) => path.join(dir, 'initdb', f))[0];
    mustRun(script, [], { user: user.name, env: serverEnv });
    expect(must(sql(application(), 'SELECT COUNT(*) FROM session'))).toBe('1');
  });
});
