/**
 * Init scripts the user provides (issue 30): read at synth time, carried in a ConfigMap of
 * their own, run once by the engine's own mechanism as the application account; refused
 * where the engine has none; every bad input a collected error with its path and field.
 * The real engines run them in test/integration/engines/init-scripts-*.test.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_RULES, MongoDb, MongoDbEngine, SystemSecret } from '../../lib';
import { Postgres, PostgresProps } from '../../lib/data/postgres';
import { PostgresEngine } from '../../lib/data/postgres-engine';
import { MySql, MySqlProps } from '../../lib/data/mysql';
import { MySqlEngine } from '../../lib/data/mysql-engine';
import { INIT_SCRIPTS_MAX_BYTES } from '../../lib/data/init-scripts';
import { synthInputsDigest } from '../../lib/core/synth-inputs';
import { errorIdsOf, errorsOf, objectOf, objectsOf, testChart, testEnv, tmpdir } from '../support/synth';
import { testStrictSchemaValidation } from '../support/construct-tests';
import { NOT_BACKED_UP_IN_TEST } from '../support/stores';

const resources = { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } };

/** A folder of script files: `tables.sql` then `rows.sql` (given in that order, which is not alphabetical). */
function scripts(content: Record<string, string> = {}): { dir: string; tables: string; rows: string } {
  const dir = tmpdir('init-scripts');
  const tables = path.join(dir, 'tables.sql');
  const rows = path.join(dir, 'rows.sql');
  fs.writeFileSync(tables, content.tables ?? 'CREATE TABLE item (id int PRIMARY KEY, title text NOT NULL);\n');
  fs.writeFileSync(rows, content.rows ?? "INSERT INTO item VALUES (1, 'first');\n");
  return { dir, tables, rows };
}

function postgres(props: Partial<PostgresProps> = {}) {
  const { app, chart } = testChart();
  const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['postgres-password', 'password'] });
  const db = new Postgres(chart, 'db', { database: 'app', user: 'app_user', storage: '10Gi', credentials, resources, ...props });
  db.noBackup(NOT_BACKED_UP_IN_TEST);
  return { app, chart, db };
}

function mysql(props: Partial<MySqlProps> = {}) {
  const { app, chart } = testChart();
  const keys = props.monitoring?.exporter ? ['root-password', 'password', 'exporter-password'] : ['root-password', 'password'];
  const credentials = new SystemSecret(chart, 'mysql-credentials', { keys });
  new MySql(chart, 'mysql', { database: 'loopi_db', user: 'loopi', storage: '10Gi', credentials, resources, ...props }).noBackup(
    NOT_BACKED_UP_IN_TEST,
  );
  return { app, chart };
}

const volume = (sts: Record<string, any>, name: string) => sts.spec.template.spec.volumes.find((v: { name: string }) => v.name === name);
const mount = (sts: Record<string, any>, name: string) =>
  sts.spec.template.spec.containers[0].volumeMounts.find((m: { name: string }) => m.name === name);

describe('Postgres (StatefulSet) with init scripts', () => {
  const files = scripts();
  const { app } = postgres({ initScripts: [files.tables, files.rows] });
  const sts = objectOf(app, 'StatefulSet', 'db');
  const config = objectOf(app, 'ConfigMap', 'db-config').data;
  const runner: string = config['init-scripts.sh'];

  test('the files in a ConfigMap of their own, under their names, mounted read-only at /etc/init-scripts', () => {
    expect(objectOf(app, 'ConfigMap', 'db-init-scripts').data).toEqual({
      'tables.sql': fs.readFileSync(files.tables, 'utf8'),
      'rows.sql': fs.readFileSync(files.rows, 'utf8'),
    });
    expect(volume(sts, 'init-scripts')).toEqual({ name: 'init-scripts', configMap: { name: 'db-init-scripts', defaultMode: 0o444 } });
    expect(mount(sts, 'init-scripts')).toEqual({ name: 'init-scripts', mountPath: '/etc/init-scripts', readOnly: true });
  });

  test('not in /docker-entrypoint-initdb.d: there only the library init script and the runner, which sorts after it', () => {
    expect(volume(sts, 'initdb').configMap).toEqual({
      name: 'db-config',
      items: [
        { key: 'init-app.sh', path: 'init-app.sh' },
        { key: 'init-scripts.sh', path: 'init-scripts.sh' },
      ],
      defaultMode: 0o555,
    });
    expect(['init-scripts.sh', 'init-app.sh'].sort()).toEqual(['init-app.sh', 'init-scripts.sh']);
    expect(mount(sts, 'initdb')).toEqual({ name: 'initdb', mountPath: '/docker-entrypoint-initdb.d', readOnly: true });
  });

  test('the runner runs each file in the order given, as the application role in the application database, one transaction each', () => {
    expect(runner).toMatch(/^#!\/bin\/sh\n/);
    expect(runner).toContain("for file in 'tables.sql' 'rows.sql'; do");
    expect(runner).toContain('export PGPASSWORD="$APP_PASSWORD"');
    expect(runner).toContain(
      'psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --single-transaction --host /var/run/postgresql --port 5432 \\\n' +
        '    --username "$APP_USER" --dbname "$APP_DATABASE" -f "/etc/init-scripts/$file"',
    );
    expect(runner).toMatch(/^set -eu$/m);
    // Not as the superuser: the superuser's name and password are not in it.
    expect(runner).not.toMatch(/POSTGRES_PASSWORD|--username "?\$\{?POSTGRES_USER|postgres"/);
  });

  test('the runner runs only while an initialization is under way, and marks it finished at its end', () => {
    const marker = '/var/lib/postgresql/data/initialization-incomplete';
    expect(runner).toContain(`if [ ! -e '${marker}' ]; then`);
    expect(runner.trimEnd().split('\n').pop()).toBe(`rm -f '${marker}'`);
  });

  test('the server container starts behind the guard: no server on a half-initialised database', () => {
    const container = sts.spec.template.spec.containers[0];
    expect(container.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(container.command[3]).toBe('init-guard');
    const guard: string = container.command[2];
    expect(guard).toContain("marker='/var/lib/postgresql/data/initialization-incomplete'");
    expect(guard).toContain('if ! [ -s "$PGDATA/PG_VERSION" ]; then');
    expect(guard).toMatch(/exit 1\n/);
    expect(guard.trimEnd().split('\n').pop()).toBe('exec docker-entrypoint.sh "$@"');
    expect(container.args[0]).toBe('postgres');
    // No $(...) the kubelet could take for a variable reference.
    expect(guard).not.toContain('$(');
  });

  test("the files' content does not roll the pods (it only ever runs on an empty volume); the list of names does", () => {
    const other = scripts({ rows: "INSERT INTO item VALUES (2, 'second');\n" });
    const again = postgres({ initScripts: [other.tables, other.rows] });
    expect(objectOf(again.app, 'StatefulSet', 'db').spec.template).toEqual(sts.spec.template);
    expect(objectOf(again.app, 'ConfigMap', 'db-init-scripts').data['rows.sql']).toContain('second');
    const reordered = postgres({ initScripts: [files.rows, files.tables] });
    expect(objectOf(reordered.app, 'ConfigMap', 'db-config').data['init-scripts.sh']).toContain("for file in 'rows.sql' 'tables.sql'; do");
  });

  test('every policy rule passes', () => {
    expect(errorsOf(app, DEFAULT_RULES)).toEqual([]);
  });

  testStrictSchemaValidation(() => objectsOf(app));
});

test('Postgres without init scripts: no ConfigMap, no runner, no guard (as before)', () => {
  const { app } = postgres();
  expect(objectsOf(app, 'ConfigMap').map((c) => c.metadata.name)).not.toContain('db-init-scripts');
  const sts = objectOf(app, 'StatefulSet', 'db');
  expect(sts.spec.template.spec.containers[0].command).toBeUndefined();
  expect(volume(sts, 'init-scripts')).toBeUndefined();
  expect(volume(sts, 'initdb').configMap.items).toEqual([{ key: 'init-app.sh', path: 'init-app.sh' }]);
});

test('a relative path is read from the directory the synth runs in (process.cwd())', () => {
  const files = scripts();
  const relative = path.relative(process.cwd(), files.tables);
  expect(path.isAbsolute(relative)).toBe(false);
  const { app } = postgres({ initScripts: [relative] });
  expect(objectOf(app, 'ConfigMap', 'db-init-scripts').data['tables.sql']).toContain('CREATE TABLE item');
});

describe('Postgres on CloudNativePG with init scripts', () => {
  const files = scripts();
  const { app, chart } = testChart(testEnv('dev'), 'shop');
  const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['postgres-password', 'password'], basicAuthUsername: 'shop_owner' });
  new Postgres(chart, 'db', {
    database: 'shop',
    user: 'shop_owner',
    storage: '10Gi',
    credentials,
    resources,
    engine: PostgresEngine.cloudNativePg({ instances: 1 }),
    initScripts: [files.tables, files.rows],
  }).noBackup(NOT_BACKED_UP_IN_TEST);

  test('bootstrap.initdb.postInitApplicationSQLRefs names each file of the ConfigMap, in the order given', () => {
    const initdb = objectOf(app, 'Cluster', 'db').spec.bootstrap.initdb;
    expect(initdb).toMatchObject({ database: 'shop', owner: 'shop_owner' });
    expect(initdb.postInitApplicationSQLRefs).toEqual({
      configMapRefs: [
        { name: 'db-init-scripts', key: 'tables.sql' },
        { name: 'db-init-scripts', key: 'rows.sql' },
      ],
    });
  });

  test('each file starts with SET ROLE <owner>: the operator runs it as the superuser, the objects belong to the owner', () => {
    expect(objectOf(app, 'ConfigMap', 'db-init-scripts').data).toEqual({
      'tables.sql': `SET ROLE shop_owner;\n${fs.readFileSync(files.tables, 'utf8')}`,
      'rows.sql': `SET ROLE shop_owner;\n${fs.readFileSync(files.rows, 'utf8')}`,
    });
  });

  test('no StatefulSet of its own, and the chart synthesizes', () => {
    expect(objectsOf(app, 'StatefulSet')).toEqual([]);
    expect(errorsOf(app)).toEqual([]);
  });
});

describe('MySql (StatefulSet) with init scripts', () => {
  const files = scripts();
  const { app } = mysql({ initScripts: [files.tables, files.rows] });
  const sts = objectOf(app, 'StatefulSet', 'mysql');
  const runner: string = objectOf(app, 'ConfigMap', 'mysql-config').data['init-scripts.sh'];

  test('the files in their own ConfigMap at /etc/init-scripts; without the exporter the runner alone in /docker-entrypoint-initdb.d', () => {
    expect(objectOf(app, 'ConfigMap', 'mysql-init-scripts').data).toEqual({
      'tables.sql': fs.readFileSync(files.tables, 'utf8'),
      'rows.sql': fs.readFileSync(files.rows, 'utf8'),
    });
    expect(mount(sts, 'init-scripts')).toEqual({ name: 'init-scripts', mountPath: '/etc/init-scripts', readOnly: true });
    expect(volume(sts, 'initdb').configMap.items).toEqual([{ key: 'init-scripts.sh', path: 'init-scripts.sh' }]);
  });

  test('the runner: each file in order with the mysql client as the application account in its database, password by MYSQL_PWD', () => {
    expect(runner).toMatch(/^#!\/bin\/bash\n/);
    expect(runner).toContain("for file in 'tables.sql' 'rows.sql'; do");
    expect(runner).toContain(
      'MYSQL_PWD="$MYSQL_PASSWORD" mysql --protocol=socket --socket=/var/run/mysqld/mysqld.sock --user="$MYSQL_USER" \\\n' +
        '    --database="$MYSQL_DATABASE" --default-character-set=utf8mb4 --batch < "/etc/init-scripts/$file"',
    );
    expect(runner).not.toContain('MYSQL_ROOT_PASSWORD');
    expect(runner).not.toContain('--force');
  });

  test("the guard before the image's entrypoint, with the image's command as its argument", () => {
    const container = sts.spec.template.spec.containers[0];
    expect(container.command[2]).toContain("if ! [ -d '/var/lib/mysql/data/mysql' ]; then");
    expect(container.command[2]).toContain("marker='/var/lib/mysql/initialization-incomplete'");
    expect(container.args).toEqual(['mysqld']);
  });

  test('with the exporter, its init script and the runner, the runner last', () => {
    const withExporter = mysql({ initScripts: [files.tables], monitoring: { exporter: true } });
    expect(volume(objectOf(withExporter.app, 'StatefulSet', 'mysql'), 'initdb').configMap.items).toEqual([
      { key: 'init-exporter.sh', path: 'init-exporter.sh' },
      { key: 'init-scripts.sh', path: 'init-scripts.sh' },
    ]);
  });

  test('every policy rule passes', () => {
    expect(errorsOf(app, DEFAULT_RULES)).toEqual([]);
  });

  testStrictSchemaValidation(() => objectsOf(app));
});

/** A file of mongosh JavaScript beside the SQL ones. */
function jsScript(content = "db.createCollection('products');\ndb.products.createIndex({ sku: 1 }, { unique: true });\n"): string {
  const file = path.join(tmpdir('init-scripts'), 'mongo-init.js');
  fs.writeFileSync(file, content);
  return file;
}

function moco(props: Partial<MySqlProps> = {}) {
  const { app, chart } = testChart(testEnv('dev'));
  const credentials = new SystemSecret(chart, 'mysql-credentials', { keys: ['password'] });
  new MySql(chart, 'mysql', {
    database: 'loopi_db',
    user: 'loopi',
    storage: '10Gi',
    credentials,
    resources,
    engine: MySqlEngine.moco({ instances: 3 }),
    ...props,
  }).noBackup(NOT_BACKED_UP_IN_TEST);
  return { app, job: () => objectsOf(app, 'Job').find((j) => j.metadata.name.startsWith('mysql-app-user-'))! };
}

describe('MySql on MOCO with init scripts: the app-user Job runs them once after making the account', () => {
  const files = scripts();
  const { app, job } = moco({ initScripts: [files.tables, files.rows] });
  const spec = job().spec.template.spec;
  const runner: string = objectOf(app, 'ConfigMap', 'mysql-app-user').data['init-scripts.sh'];

  test('the files in a ConfigMap of their own, mounted read-only at /etc/init-scripts in the Job', () => {
    expect(objectOf(app, 'ConfigMap', 'mysql-init-scripts').data).toEqual({
      'tables.sql': fs.readFileSync(files.tables, 'utf8'),
      'rows.sql': fs.readFileSync(files.rows, 'utf8'),
    });
    expect(spec.volumes).toContainEqual({ name: 'init-scripts', configMap: { name: 'mysql-init-scripts', defaultMode: 0o444 } });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'init-scripts', mountPath: '/etc/init-scripts', readOnly: true });
  });

  test('the runner runs after app-user.sh, only when it succeeded, in the same Job (a Sync hook in the wave before the API)', () => {
    expect(spec.containers[0].command).toEqual(['bash', '-c', 'bash /scripts/app-user.sh && bash /scripts/init-scripts.sh']);
    expect(job().metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
  });

  test('the runner: each file in order as the application account on the primary, the run recorded with the checksum', () => {
    expect(runner).toContain("for file in 'tables.sql' 'rows.sql'; do");
    expect(runner).toContain(
      "MYSQL_PWD=\"$APP_PASSWORD\" mysql --host='moco-mysql-primary.test-dev.svc' --port='3306' --user='loopi' --database='loopi_db'",
    );
    expect(runner).toMatch(/digest='[0-9a-f]{64}'/);
    expect(runner).toContain('CREATE TABLE IF NOT EXISTS \\`cdk8s_init_scripts\\`');
    expect(runner).not.toContain('MOCO_WRITABLE_PASSWORD');
  });

  test("the Job's name follows the files' content (kubectl apply makes a new Job rather than failing on an immutable one)", () => {
    const same = scripts();
    expect(moco({ initScripts: [same.tables, same.rows] }).job().metadata.name).toBe(job().metadata.name);
    const changed = scripts({ rows: "INSERT INTO item VALUES (2, 'second');\n" });
    expect(moco({ initScripts: [changed.tables, changed.rows] }).job().metadata.name).not.toBe(job().metadata.name);
  });

  test('no error, and every policy rule passes', () => {
    expect(errorsOf(app, DEFAULT_RULES)).toEqual([]);
  });

  testStrictSchemaValidation(() => objectsOf(app));

  test('without init scripts the Job is as before: app-user.sh alone, no files ConfigMap', () => {
    const plain = moco();
    expect(plain.job().spec.template.spec.containers[0].command).toEqual(['bash', '/scripts/app-user.sh']);
    expect(objectsOf(plain.app, 'ConfigMap').map((c) => c.metadata.name)).not.toContain('mysql-init-scripts');
  });
});

function mongo(props: Record<string, unknown> = {}) {
  const { app, chart } = testChart(testEnv('dev'));
  const credentials = new SystemSecret(chart, 'mongodb-credentials', { keys: ['root-password', 'password', 'keyfile'] });
  new MongoDb(chart, 'mongodb', { database: 'techshop', replicas: 1, storage: '10Gi', credentials, resources, ...props } as never).noBackup(
    NOT_BACKED_UP_IN_TEST,
  );
  return { app, job: () => objectsOf(app, 'Job').find((j) => j.metadata.name.startsWith('mongodb-init-'))! };
}

describe("MongoDb (StatefulSet engine) with init scripts: the initialization Job runs them once, after the replica set's", () => {
  const file = jsScript();
  const { app, job } = mongo({ initScripts: [file] });
  const spec = job().spec.template.spec;
  const runner: string = objectOf(app, 'ConfigMap', 'mongodb-init-script').data['init-scripts.js'];

  test('the files in a ConfigMap of their own at /etc/init-scripts; the runner beside init-replica-set.js', () => {
    expect(objectOf(app, 'ConfigMap', 'mongodb-init-scripts').data).toEqual({ 'mongo-init.js': fs.readFileSync(file, 'utf8') });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'init-scripts', mountPath: '/etc/init-scripts', readOnly: true });
    expect(Object.keys(objectOf(app, 'ConfigMap', 'mongodb-init-script').data)).toEqual(['init-replica-set.js', 'init-scripts.js']);
  });

  test('a second mongosh runs the runner only when the initialization succeeded', () => {
    expect(spec.containers[0].command).toEqual([
      'sh',
      '-c',
      'mongosh --nodb --quiet --norc /etc/mongo-init/init-replica-set.js && mongosh --nodb --quiet --norc /etc/mongo-init/init-scripts.js',
    ]);
  });

  test('the runner names the files and their checksum, and logs in as the application user, not root', () => {
    expect(runner).toContain('const files = ["mongo-init.js"];');
    expect(runner).toMatch(/const digest = '[0-9a-f]{64}';/);
    expect(runner).toContain('appDb.auth(appUser, appPassword);');
    expect(runner).not.toContain('MONGO_ROOT_PASSWORD');
  });

  test('no error, and every policy rule passes', () => {
    expect(errorsOf(app, DEFAULT_RULES)).toEqual([]);
  });

  testStrictSchemaValidation(() => objectsOf(app));

  test('a .sql file is not a MongoDB init script; a missing file is named', () => {
    const sql = scripts();
    expect(errorsOf(mongo({ initScripts: [sql.tables, 'scripts/mongo-init.js'] }).app)).toEqual([
      `[test-dev/mongodb] initScripts[0]: '${sql.tables}' must be a .js file`,
      `[test-dev/mongodb] initScripts[1]: 'scripts/mongo-init.js' does not exist (looked for ${path.resolve('scripts/mongo-init.js')}; relative paths are read from the directory the synth runs in, ${process.cwd()})`,
    ]);
  });
});

describe('the Percona operator has no way to run them: refused', () => {
  test('a collected error naming the store, the field and what is allowed', () => {
    const { app } = mongo({ replicas: undefined, engine: MongoDbEngine.percona({ members: 3 }), initScripts: [jsScript()] });
    expect(errorIdsOf(app)).toContain('[test-dev/mongodb] init-scripts.unsupported-engine');
    expect(errorsOf(app).filter((e) => e.includes('initScripts'))).toEqual([
      "[test-dev/mongodb] initScripts: the Percona operator initiates its replica set itself and has no hook that runs the user's files once: its hookScript is shell the mongod container's entrypoint sources at every start, on every member; init scripts run with MongoDbEngine.statefulSet() (the default), whose initialization Job runs them once",
    ]);
  });
});

describe('bad init scripts: every problem collected, with the store path and the field', () => {
  const errors = (initScripts: unknown, build: 'postgres' | 'mysql' = 'postgres') => {
    const { app } = build === 'postgres' ? postgres({ initScripts: initScripts as never }) : mysql({ initScripts: initScripts as never });
    return errorsOf(app);
  };

  test('not a list, or an empty one', () => {
    expect(errors('schema.sql')).toEqual(["[test-prod/db] initScripts: must be a list of file paths (is 'schema.sql')"]);
    expect(errors({ file: 'a.sql' })).toEqual(['[test-prod/db] initScripts: must be a list of file paths (is an object)']);
    expect(errors([])).toEqual([
      '[test-prod/db] initScripts: lists no file; leave initScripts unset when there is nothing to run (a list that came out empty is usually a wrong folder)',
    ]);
  });

  test('an empty path, not a string, not a .sql file, a name that is no ConfigMap key, a duplicate name: all at once', () => {
    const a = scripts();
    const b = scripts();
    const text = path.join(a.dir, 'notes.txt');
    fs.writeFileSync(text, 'not sql\n');
    const spaced = path.join(a.dir, 'my tables.sql');
    fs.writeFileSync(spaced, 'SELECT 1;\n');
    expect(errors([a.tables, '', 42, text, spaced, b.tables, a.rows], 'mysql')).toEqual([
      "[test-prod/mysql] initScripts[1]: must be the path of a .sql file (is '')",
      '[test-prod/mysql] initScripts[2]: must be the path of a .sql file (is number 42)',
      `[test-prod/mysql] initScripts[3]: '${text}' must be a .sql file`,
      "[test-prod/mysql] initScripts[4]: 'my tables.sql' cannot be a ConfigMap key: name the file with letters, digits, '-', '_' and '.' only (at most 253)",
      `[test-prod/mysql] initScripts[5]: '${b.tables}' has the same file name as '${a.tables}'; each file is a key of one ConfigMap, so names must differ`,
    ]);
  });

  test('a file that does not exist (relative paths from process.cwd()), a folder, a file that is not UTF-8', () => {
    const a = scripts();
    const latin1 = path.join(a.dir, 'latin1.sql');
    fs.writeFileSync(latin1, Buffer.from([0x49, 0x4e, 0x53, 0x45, 0x52, 0x54, 0x20, 0xe9, 0x3b, 0x0a]));
    const folder = path.join(a.dir, 'tables.d.sql');
    fs.mkdirSync(folder);
    expect(errors(['scripts/tables/missing.sql', folder, latin1, a.tables])).toEqual([
      `[test-prod/db] initScripts[0]: 'scripts/tables/missing.sql' does not exist (looked for ${path.resolve('scripts/tables/missing.sql')}; relative paths are read from the directory the synth runs in, ${process.cwd()})`,
      `[test-prod/db] initScripts[1]: '${folder}' cannot be read as a file (not a regular file)`,
      `[test-prod/db] initScripts[2]: '${latin1}' is not UTF-8 text; save it as UTF-8 (a ConfigMap holds text)`,
    ]);
  });

  test('more than a ConfigMap holds', () => {
    const a = scripts({ tables: `-- ${'x'.repeat(INIT_SCRIPTS_MAX_BYTES)}\n` });
    const found = errors([a.tables, a.rows]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^\[test-prod\/db\] initScripts: the files hold \d+ bytes together, more than the 921600 a ConfigMap \(at most 1 MiB\) takes with room for its metadata/,
    );
    // Just below the limit is fine.
    const fits = scripts({ tables: `-- ${'x'.repeat(INIT_SCRIPTS_MAX_BYTES - 1000)}\n` });
    expect(errors([fits.tables])).toEqual([]);
  });

  test('each problem has its id (docs/error-ids.md)', () => {
    const { app } = postgres({ initScripts: ['missing.sql', 'x.txt'] });
    expect(errorIdsOf(app)).toEqual(['[test-prod/db] init-scripts.file-missing', '[test-prod/db] init-scripts.extension']);
  });
});

test("the files are inputs of the system: the incremental synth's key follows their content", () => {
  const files = scripts();
  const first = postgres({ initScripts: [files.tables] });
  const same = postgres({ initScripts: [files.tables] });
  fs.writeFileSync(files.tables, 'CREATE TABLE other (id int);\n');
  const changed = postgres({ initScripts: [files.tables] });
  expect(synthInputsDigest(first.chart)).toMatch(/^[0-9a-f]{64}$/);
  expect(synthInputsDigest(same.chart)).toBe(synthInputsDigest(first.chart));
  expect(synthInputsDigest(changed.chart)).not.toBe(synthInputsDigest(first.chart));
  expect(synthInputsDigest(postgres().chart)).toBeUndefined();
});
