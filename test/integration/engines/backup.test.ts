/**
 * Backups and restores, proven against real servers: PostgreSQL, MariaDB (the MySQL
 * stand-in) and Redis from Debian. For each engine a server on 127.0.0.1 is seeded with
 * known data; the backup script and its environment are taken from the synthesized
 * CronJob and its scripts ConfigMap (not copies), pointed at the server and at a local
 * directory standing in for the backup volume, and run as a non-root user. Then:
 * checksums and the engine's own listing pass; retention keeps exactly `keep` backups
 * after keep + 2 runs; the data is destroyed; the synthesized restore Job's script brings
 * it back with no difference (row counts and content checksums, keys, values and TTLs);
 * a corrupted backup fails before anything is restored. (Every generated script passes
 * shellcheck in `npm test`: test/scripts/shellcheck.test.ts.)
 *
 *   npx jest -c jest.integration.config.js test/integration/engines/backup
 *
 * Substitutions (values that only make sense in a pod): the Service host name
 * (127.0.0.1), the port (a free one), the volume mount /backup and the scripts mount.
 *
 * The S3 target (upload and download containers, retention in the bucket) is proven the
 * same way against a real MinIO in backup-s3.test.ts. Not exercised: MongoDB (no server
 * package reachable): its scripts pass shellcheck (npm test) and their commands are unit-tested.
 */
import * as fs from 'fs';
import * as crypto from 'crypto';
import * as path from 'path';
import { App } from 'cdk8s';
import { BackupTarget, ExistingSecret, Postgres, Redis } from '../../../lib';
import { MySql } from '../../../lib/data/mysql';
import { testChart } from '../../support/synth';
import {
  containerEnv,
  engineSession,
  find,
  freePort,
  Json,
  mkdirOwned,
  mustRun,
  postgresBinDir,
  prependPath,
  requirePrograms,
  run,
  RunResult,
  serviceUser,
  startAppPostgres,
  Substitution,
  substituteEnv,
  synthesized,
  writeOwned,
} from './support';

const KEEP = 2;
const resources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };
const { servers, workDir } = engineSession();

type User = ReturnType<typeof serviceUser>;

/** The backup machinery of one store, as synthesized. */
interface Synthesized {
  readonly objects: Json[];
  readonly cronJob: Json;
  readonly restoreJob: Json;
  readonly scripts: Record<string, string>;
}

function synthesizeBackups(app: App, store: string): Synthesized {
  const objects = synthesized(app);
  const cronJob = find(objects, 'CronJob', `${store}-backup`);
  const restoreJob = find(objects, 'Job', `${store}-restore`);
  const scripts = find(objects, 'ConfigMap', `${store}-backup-scripts`).data;
  return { objects, cronJob, restoreJob, scripts };
}

/** A local stand-in for the pod's mounts: the scripts folder and the backup volume. */
class PodFiles {
  public readonly scripts: string;
  public readonly backups: string;
  constructor(
    public readonly root: string,
    synthesized: Synthesized,
    public readonly user: User,
  ) {
    this.scripts = mkdirOwned(path.join(root, 'scripts'), user, 0o755);
    this.backups = mkdirOwned(path.join(root, 'backups'), user, 0o700);
    for (const [name, text] of Object.entries(synthesized.scripts)) writeOwned(path.join(this.scripts, name), text, user, 0o555);
  }

  public substitutions(storeHost: string, podPort: number, port: number): Substitution[] {
    return [
      { why: 'the Service name resolves only in the cluster', from: storeHost, to: '127.0.0.1' },
      { why: 'a free port', from: String(podPort), to: String(port) },
      { why: 'the backup volume mount', from: '/backup', to: this.backups },
    ];
  }

  /** Runs a container's command (`bash /opt/backup/<script>`) with its environment. */
  public runContainer(c: Json, env: Record<string, string>): RunResult {
    expect(c.command[0]).toBe('bash');
    const script = path.join(this.scripts, path.basename(c.command[1]));
    expect(c.command[1]).toBe(`/opt/backup/${path.basename(c.command[1])}`);
    return run('bash', [script], { user: this.user.name, env, timeoutMs: 180_000 });
  }

  public backupNames(): string[] {
    return fs
      .readdirSync(this.backups)
      .filter((n) => /^\d{8}T\d{6}Z$/.test(n))
      .sort();
  }
}

function ok(r: RunResult, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * The same checks for every engine: backup, checksum and listing, retention, destroy,
 * restore, compare, corruption.
 */
function roundTrip(
  engine: string,
  setup: () => Promise<{
    files: PodFiles;
    synthesized: Synthesized;
    subs: Substitution[];
    secrets: Record<string, string>;
    fingerprint: () => string;
    destroy: () => void;
    listing: (dir: string) => RunResult;
  }>,
) {
  let ctx: Awaited<ReturnType<typeof setup>>;
  let seeded: string;
  const backupContainer = () => ctx.synthesized.cronJob.spec.jobTemplate.spec.template.spec.containers[0];
  const restoreContainer = () => ctx.synthesized.restoreJob.spec.template.spec.containers[0];

  describe(`${engine}: backup, retention, restore, corruption`, () => {
    beforeAll(async () => {
      ctx = await setup();
      seeded = ctx.fingerprint();
    }, 300_000);

    test('the CronJob runs the backup script in the engine image, and the backup is complete: checksums match and the engine lists it', () => {
      const env = substituteEnv(containerEnv(backupContainer(), ctx.secrets), ctx.subs);
      expect(env.KEEP_COUNT).toBe(String(KEEP));
      const out = ok(ctx.files.runContainer(backupContainer(), env), 'backup.sh');
      expect(out).toMatch(/backup \d{8}T\d{6}Z: verified/);
      const names = ctx.files.backupNames();
      expect(names).toHaveLength(1);
      const dir = path.join(ctx.files.backups, names[0]);
      expect(fs.existsSync(path.join(dir, 'SHA256SUMS'))).toBe(true);
      mustRun('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: dir });
      expect(ctx.listing(dir)).toMatchObject({ status: 0 });
      expect(fs.readdirSync(ctx.files.backups).filter((n) => n.startsWith('.partial'))).toEqual([]);
    });

    test(`retention keeps exactly ${KEEP} (the newest) after ${KEEP + 2} runs`, () => {
      const env = substituteEnv(containerEnv(backupContainer(), ctx.secrets), ctx.subs);
      const before = ctx.files.backupNames();
      for (let i = 0; i < KEEP + 1; i++) ok(ctx.files.runContainer(backupContainer(), env), 'backup.sh');
      const after = ctx.files.backupNames();
      expect(after).toHaveLength(KEEP);
      expect(after).not.toContain(before[0]);
    });

    test('retention by age: a backup older than KEEP_DAYS goes even when the count allows it; the newest stays', () => {
      const names = ctx.files.backupNames();
      const ancient = path.join(ctx.files.backups, '20000101T000000Z');
      fs.cpSync(path.join(ctx.files.backups, names[0]), ancient, { recursive: true });
      chownTree(ancient, ctx.files.user);
      // A count that keeps everything, so only the age rule (the CronJob's KEEP_DAYS) can remove it.
      const env = { ...substituteEnv(containerEnv(backupContainer(), ctx.secrets), ctx.subs), KEEP_COUNT: '100' };
      const out = ok(ctx.files.runContainer(backupContainer(), env), 'backup.sh');
      expect(out).toContain('retention: removed 20000101T000000Z');
      expect(ctx.files.backupNames()).toEqual(expect.arrayContaining(names));
      expect(ctx.files.backupNames()).not.toContain('20000101T000000Z');
      // Back to `keep` backups for the tests that follow.
      ok(ctx.files.runContainer(backupContainer(), substituteEnv(containerEnv(backupContainer(), ctx.secrets), ctx.subs)), 'backup.sh');
      expect(ctx.files.backupNames()).toHaveLength(KEEP);
    });

    test('the restore Job with BACKUP_ID=list prints the backups there are and restores nothing', () => {
      const before = ctx.fingerprint();
      const env = { ...substituteEnv(containerEnv(restoreContainer(), ctx.secrets), ctx.subs), BACKUP_ID: 'list' };
      const out = ok(ctx.files.runContainer(restoreContainer(), env), 'restore.sh (list)');
      expect(out.split('\n').filter(Boolean)).toEqual(ctx.files.backupNames());
      expect(ctx.fingerprint()).toBe(before);
    });

    test('after the data is destroyed, the restore Job brings back exactly what was seeded', () => {
      ctx.destroy();
      expect(ctx.fingerprint()).not.toBe(seeded);
      const env = substituteEnv(containerEnv(restoreContainer(), ctx.secrets), ctx.subs);
      expect(env.BACKUP_ID).toBe('latest');
      const out = ok(ctx.files.runContainer(restoreContainer(), env), 'restore.sh');
      expect(out).toMatch(/restore \d{8}T\d{6}Z: done/);
      const restored = ctx.fingerprint();
      if (restored !== seeded) throw new Error(`restored data differs:\n${restored}\nrestore output:\n${out}`);
    });

    test('a corrupted backup fails the checksum check, and a re-checksummed corrupt dump fails the engine check, before anything is restored', () => {
      const names = ctx.files.backupNames();
      const good = path.join(ctx.files.backups, names[names.length - 1]);
      const bad = path.join(ctx.files.backups, '19990101T000000Z');
      fs.cpSync(good, bad, { recursive: true });
      chownTree(bad, ctx.files.user);
      const dump = fs.readdirSync(bad).filter((f) => f !== 'SHA256SUMS' && !f.endsWith('.sql'))[0];
      const bytes = fs.readFileSync(path.join(bad, dump));
      // Cut the dump short: what a full disk or an interrupted copy leaves.
      fs.writeFileSync(path.join(bad, dump), bytes.subarray(0, Math.floor(bytes.length / 2)));
      const env = { ...substituteEnv(containerEnv(restoreContainer(), ctx.secrets), ctx.subs), BACKUP_ID: '19990101T000000Z' };
      const checksum = ctx.files.runContainer(restoreContainer(), env);
      expect(checksum.status).not.toBe(0);
      expect(checksum.stdout + checksum.stderr).toMatch(/FAILED|did NOT match/);
      // Checksums rewritten to match the damage: the engine's own verification still refuses it.
      mustRun('sh', ['-c', 'sha256sum -- * | grep -v " SHA256SUMS$" > ../sums && mv ../sums SHA256SUMS'], { cwd: bad });
      chownTree(bad, ctx.files.user);
      const verify = ctx.files.runContainer(restoreContainer(), env);
      expect(verify.status).not.toBe(0);
      expect(verify.stdout).not.toMatch(/restoring into/);
      expect(ctx.fingerprint()).toBe(seeded);
      fs.rmSync(bad, { recursive: true, force: true });
    });
  });
}

// ---- PostgreSQL -------------------------------------------------------------------------

const PG_SECRETS = { 'db-credentials/postgres-password': `Super'user "pw" \\ 1`, 'db-credentials/password': 'AppUserPassw0rd' };

roundTrip('PostgreSQL', async () => {
  prependPath(postgresBinDir());
  requirePrograms('initdb', 'postgres', 'pg_dump', 'pg_restore', 'psql');
  const user = serviceUser('postgres');
  const { app, chart } = testChart();
  const db = new Postgres(chart, 'db', {
    version: '15',
    database: 'app',
    user: 'app_user',
    storage: '10Gi',
    credentials: ExistingSecret.named('db-credentials', ['postgres-password', 'password']),
    resources,
  });
  db.backup({ target: BackupTarget.volume({ size: '20Gi' }), keep: KEEP });
  const synth = synthesizeBackups(app, 'db');

  const dir = workDir('backup-postgres', user);
  const { port, psql } = await startAppPostgres(servers, dir, user, PG_SECRETS['db-credentials/postgres-password']);
  psql(
    'SET ROLE app_user; CREATE TABLE item (id int PRIMARY KEY, title text NOT NULL, price numeric(10,2)); CREATE INDEX item_title ON item (title)',
  );
  psql("SET ROLE app_user; INSERT INTO item SELECT g, 'item ' || g || E' \\u00e9\\'\"', g * 1.5 FROM generate_series(1, 5000) g");
  psql(
    "SET ROLE app_user; CREATE VIEW expensive AS SELECT * FROM item WHERE price > 100; CREATE FUNCTION double_it(int) RETURNS int LANGUAGE sql AS 'SELECT $1 * 2'",
  );

  const files = new PodFiles(dir, synth, user);
  return {
    files,
    synthesized: synth,
    subs: files.substitutions('db.test-prod.svc', 5432, port),
    secrets: PG_SECRETS,
    fingerprint: () => {
      const exists = psql("SELECT count(*) FROM pg_database WHERE datname = 'app'", 'postgres');
      if (exists !== '1') return 'no database';
      return [
        psql("SELECT count(*) || ':' || md5(coalesce(string_agg(id || '|' || title || '|' || price, ',' ORDER BY id), '')) FROM item"),
        psql("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'item'"),
        psql("SELECT double_it(21) || ' ' || (SELECT coalesce(string_agg(definition, ''), 'no view') FROM pg_views WHERE viewname = 'expensive')"),
        psql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app'", 'postgres'),
        psql("SELECT tableowner FROM pg_tables WHERE tablename = 'item'"),
      ].join(' / ');
    },
    destroy: () => {
      psql("DELETE FROM item WHERE id % 2 = 0; UPDATE item SET title = 'changed'; DROP VIEW expensive");
    },
    listing: (backup) => run('pg_restore', ['--list', path.join(backup, 'app.dump')]),
  };
});

// ---- MariaDB (MySQL) --------------------------------------------------------------------

const MYSQL_SECRETS = { 'mysql-credentials/root-password': 'R00t"Pa\\ss\'w0rd', 'mysql-credentials/password': 'LoopiPassw0rd' };

roundTrip('MariaDB (as MySQL)', async () => {
  prependPath('/usr/sbin');
  requirePrograms('mariadbd', 'mariadb-install-db', 'mysql', 'mysqldump');
  const user = serviceUser('mysql');
  const { app, chart } = testChart();
  const db = new MySql(chart, 'mysql', {
    database: 'loopi_db',
    user: 'loopi',
    storage: '10Gi',
    credentials: ExistingSecret.named('mysql-credentials', ['root-password', 'password']),
    resources,
  });
  db.backup({ target: BackupTarget.volume({ size: '20Gi' }), keep: KEEP });
  const synth = synthesizeBackups(app, 'mysql');

  const dir = workDir('backup-mysql', user);
  const data = mkdirOwned(path.join(dir, 'data'), user, 0o750);
  const sock = path.join(mkdirOwned(path.join(dir, 'run'), user, 0o755), 'mysqld.sock');
  mustRun(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', `--user=${user.name}`],
    { user: user.name, timeoutMs: 120_000 },
  );
  const port = await freePort();
  servers.start(
    'mariadb',
    'mariadbd',
    ['--no-defaults', `--datadir=${data}`, `--socket=${sock}`, `--port=${port}`, '--bind-address=127.0.0.1', '--skip-name-resolve'],
    { user: user.name },
  );
  await servers.waitUntil('mariadb', () => run('mysqladmin', ['--protocol=socket', `--socket=${sock}`, '--user=root', 'ping']).status === 0);
  const rootPw = MYSQL_SECRETS['mysql-credentials/root-password'];
  const quoted = `'${rootPw.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  // install-db also creates root@127.0.0.1, root@::1 and root@<hostname> without a password; they would match first.
  mustRun('mysql', [
    '--protocol=socket',
    `--socket=${sock}`,
    '--user=root',
    '-e',
    "DELETE FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost'; DELETE FROM mysql.global_priv WHERE User = ''; FLUSH PRIVILEGES",
  ]);
  mustRun('mysql', [
    '--protocol=socket',
    `--socket=${sock}`,
    '--user=root',
    '-e',
    `CREATE USER 'root'@'%' IDENTIFIED BY ${quoted}; GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION; ALTER USER 'root'@'localhost' IDENTIFIED BY ${quoted};`,
  ]);
  const sql = (statement: string, database = 'loopi_db') =>
    mustRun('mysql', ['--host=127.0.0.1', `--port=${port}`, '--user=root', '--batch', '--skip-column-names', '-e', statement, database], {
      env: { MYSQL_PWD: rootPw },
    }).trim();
  sql(
    "CREATE DATABASE loopi_db CHARACTER SET utf8mb4; CREATE USER 'loopi'@'%' IDENTIFIED BY 'LoopiPassw0rd'; GRANT ALL ON `loopi\\_db`.* TO 'loopi'@'%'",
    'mysql',
  );
  sql('CREATE TABLE visit (id INT PRIMARY KEY, path VARCHAR(200) NOT NULL, at DATETIME NOT NULL, INDEX (path)) ENGINE=InnoDB');
  sql(
    "INSERT INTO visit WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 900) SELECT n, CONCAT('/p/', n, '/é\\'\"'), '2026-11-25 02:00:00' + INTERVAL n MINUTE FROM seq",
  );
  sql('CREATE TRIGGER visit_path BEFORE INSERT ON visit FOR EACH ROW SET NEW.path = LOWER(NEW.path)');
  sql('CREATE PROCEDURE visits() SELECT COUNT(*) FROM visit');

  const files = new PodFiles(dir, synth, user);
  return {
    files,
    synthesized: synth,
    subs: files.substitutions('mysql.test-prod.svc', 3306, port),
    secrets: MYSQL_SECRETS,
    fingerprint: () => {
      if (sql("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'loopi_db'", 'mysql') !== '1') return 'no database';
      return [
        sql("SELECT CONCAT(COUNT(*), ':', MD5(COALESCE(GROUP_CONCAT(id, '|', path, '|', at ORDER BY id SEPARATOR ','), ''))) FROM visit"),
        sql("SELECT GROUP_CONCAT(trigger_name) FROM information_schema.triggers WHERE trigger_schema = 'loopi_db'"),
        sql("SELECT GROUP_CONCAT(routine_name) FROM information_schema.routines WHERE routine_schema = 'loopi_db'"),
      ].join(' / ');
    },
    destroy: () => sql('DELETE FROM visit WHERE id > 100; DROP TRIGGER visit_path'),
    listing: (backup) => run('sh', ['-c', `gzip -dc '${path.join(backup, 'loopi_db.sql.gz')}' | grep -c 'CREATE TABLE'`]),
  };
});

// ---- Redis ------------------------------------------------------------------------------

const REDIS_SECRETS = { 'redis-credentials/redis-password': 'RedisPassw0rd' };

roundTrip('Redis', async () => {
  requirePrograms('redis-server', 'redis-cli', 'redis-check-rdb');
  const user = serviceUser('redis');
  const { app, chart } = testChart();
  const redis = new Redis(chart, 'redis', {
    use: 'sessions',
    storage: '5Gi',
    credentials: ExistingSecret.named('redis-credentials', ['redis-password']),
    resources,
  });
  redis.backup({ target: BackupTarget.volume({ size: '10Gi' }), keep: KEEP });
  const synth = synthesizeBackups(app, 'redis');

  const dir = workDir('backup-redis', user);
  const data = mkdirOwned(path.join(dir, 'data'), user);
  const port = await freePort();
  const password = REDIS_SECRETS['redis-credentials/redis-password'];
  servers.start(
    'redis',
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', data, '--appendonly', 'yes', '--save', '', '--requirepass', password],
    { user: user.name },
  );
  const cli = (...args: string[]) =>
    mustRun('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--no-auth-warning', ...args], { env: { REDISCLI_AUTH: password } }).trim();
  await servers.waitUntil(
    'redis',
    () => run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { env: { REDISCLI_AUTH: password } }).stdout.trim() === 'PONG',
  );
  for (let i = 0; i < 500; i++) cli('SET', `session:${i}`, `user-${i} "é" \\ ${'x'.repeat(i % 50)}`);
  cli('EXPIRE', 'session:7', '86400');
  cli('RPUSH', 'queue:jobs', 'a', 'b', 'c');
  cli('HSET', 'user:1', 'name', 'Ana', 'plan', 'pro');
  cli('SADD', 'tags', 'x', 'y');
  cli('-n', '2', 'SET', 'other-db', 'kept');

  const files = new PodFiles(dir, synth, user);
  return {
    files,
    synthesized: synth,
    subs: files.substitutions('redis.test-prod.svc', 6379, port),
    secrets: REDIS_SECRETS,
    fingerprint: () => {
      const keys = cli('--scan').split('\n').filter(Boolean).sort();
      // One client for all keys: TYPE and the serialized value (DUMP, hex) of each.
      const script = keys.map((k) => `TYPE "${k}"\nDEBUG DIGEST-VALUE "${k}"`).join('\n');
      const details = mustRun('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--no-auth-warning'], {
        env: { REDISCLI_AUTH: password },
        input: `${script}\n`,
      }).trim();
      const ttl = Number(cli('TTL', 'session:7'));
      return [
        keys.length,
        cli('GET', 'session:42'),
        cli('LRANGE', 'queue:jobs', '0', '-1'),
        cli('HGETALL', 'user:1'),
        cli('-n', '2', 'GET', 'other-db'),
        ttl > 86000 && ttl <= 86400 ? 'ttl kept' : `ttl ${ttl}`,
        keys.join(','),
        crypto.createHash('sha256').update(details).digest('hex'),
      ].join(' / ');
    },
    destroy: () => {
      cli('DEL', 'session:42', 'queue:jobs');
      cli('SET', 'written-after-backup', '1');
      cli('-n', '2', 'FLUSHDB');
    },
    listing: (backup) => run('redis-check-rdb', [path.join(backup, 'dump.rdb')]),
  };
});

// ---- helpers ----------------------------------------------------------------------------

function chownTree(dir: string, user: User): void {
  if (process.getuid?.() !== 0) return;
  fs.chownSync(dir, user.uid, user.gid);
  for (const entry of fs.readdirSync(dir)) fs.chownSync(path.join(dir, entry), user.uid, user.gid);
}
