/**
 * Backups to an S3 bucket, proven against a real S3-compatible server: MinIO (built from
 * the Go module proxy) with the AWS CLI (v1, from PyPI: the same `aws s3 cp/ls/rm` the
 * CronJob's amazon/aws-cli image runs), and PostgreSQL from Debian seeded with known data.
 *
 * The chart is the production shape: a Postgres store backed up to a bucket of an
 * ObjectStore (`bucket.asBackupTarget()`), so the endpoint is the in-cluster Service and
 * the keys are those of the bucket's own MinIO user, created (with its one-bucket policy)
 * by the synthesized bucket Job's script, run here with mc against the real server. MinIO itself runs with the
 * synthesized StatefulSet's arguments and environment. Every backup or restore "pod" runs
 * the synthesized containers in order (not copies of them): the CronJob's `dump` init
 * container (backup.sh) then its `upload` container (upload.sh); the restore Job's
 * `download` init container (download.sh) then its main container (restore.sh). Checked:
 * the upload lands complete under s3://backups/test-staging/db/<stamp>/ (SHA256SUMS
 * included, bytes equal to the dump); retention in the bucket keeps exactly `keep`
 * backups (the newest) after keep + 2 runs; destroyed data comes back exactly; a
 * corrupted object fails download.sh's checksum check, so restore.sh never runs.
 *
 *   bash scripts/backup/install-s3-tools.sh     (once; `npm run test:engines` runs it)
 *   npx jest -c jest.integration.config.js test/integration/engines/backup-s3
 *
 * Substitutions (values that only make sense in a pod): the Service host names
 * (127.0.0.1), the ports (free ones), the /backup mount (a fresh directory per pod: an
 * emptyDir), the /opt/backup scripts mount (the ConfigMap's scripts written to a
 * directory), and PATH (the S3 client image's `aws` is the venv's; the engine image's
 * tools are Debian's PostgreSQL programs).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Duration, ExistingSecret, ObjectStore, Postgres } from '../../../lib';
import { NOT_BACKED_UP_IN_TEST } from '../../support/stores';
import { testChart, testEnv } from '../../support/synth';
import {
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
const BUCKET = 'backups';
const PREFIX = 'test-staging/db';
const resources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };

const PG_SECRETS = { 'db-credentials/postgres-password': `Super'user "pw" \\ 1`, 'db-credentials/password': 'AppUserPassw0rd' };
const MINIO_SECRETS = {
  'minio-credentials/root-user': 'backup-admin',
  'minio-credentials/root-password': 'Min10 s3cret/+pw"\'',
  // The bucket users' secret keys (generated letters and digits in the cluster).
  'minio-backups-rw/secret-key': 'BackupsUserSecret0123456789abcdef',
  'minio-uploads-rw/secret-key': 'UploadsUserSecret0123456789abcdef',
};
const SECRETS = { ...PG_SECRETS, ...MINIO_SECRETS };

const repo = path.resolve(__dirname, '../../..');
const INSTALL_SCRIPT = 'scripts/backup/install-s3-tools.sh';

/** The tools install-s3-tools.sh puts in the cache (its versions, read from its top lines: one place). */
function s3Tools(): { minio: string; mc: string; aws: string } {
  const script = fs.readFileSync(path.join(repo, INSTALL_SCRIPT), 'utf8');
  const version = (name: string) => {
    const m = new RegExp(`^${name}=(\\S+)$`, 'm').exec(script);
    if (!m) throw new Error(`${INSTALL_SCRIPT} does not set ${name}`);
    return m[1];
  };
  const cache = process.env.CDK8S_STACKS_CACHE || path.join(repo, '.cache');
  const minio = path.join(cache, 'minio', version('MINIO_VERSION'), 'bin', 'minio');
  const mc = path.join(cache, 'mc', version('MC_VERSION'), 'bin', 'mc');
  const aws = path.join(cache, 'awscli', version('AWSCLI_VERSION'), 'bin', 'aws');
  const missing = [minio, mc, aws].filter((f) => !fs.existsSync(f));
  if (missing.length) {
    throw new Error(
      `S3 tools not found: ${missing.join(', ')} (cache: ${cache}). Run: bash ${INSTALL_SCRIPT} (it builds MinIO with go install and installs the AWS CLI into a venv; honours CDK8S_STACKS_CACHE)`,
    );
  }
  return { minio, mc, aws };
}

const { servers, workDir } = engineSession();
let tmpBefore: Set<string>;

beforeAll(() => {
  tmpBefore = new Set(checkDirs());
});

afterAll(() => {
  // upload.sh fetches the uploaded SHA256SUMS into /tmp/check.XXXXXX (an emptyDir in the pod).
  for (const d of checkDirs()) if (!tmpBefore.has(d)) fs.rmSync(d, { recursive: true, force: true });
});

function checkDirs(): string[] {
  return fs
    .readdirSync('/tmp')
    .filter((n) => n.startsWith('check.'))
    .map((n) => path.join('/tmp', n));
}

type User = ReturnType<typeof serviceUser>;

interface Context {
  readonly user: User;
  readonly dir: string;
  readonly scripts: string;
  readonly cronJob: Json;
  readonly restoreJob: Json;
  readonly subs: readonly Substitution[];
  readonly aws: string;
  readonly endpoint: string;
  readonly psql: (sql: string, database?: string) => string;
}

let ctx: Context;
let seeded: string;
let pods = 0;

/** The CronJob's or Job's pod spec. */
const cronPod = () => ctx.cronJob.spec.jobTemplate.spec.template.spec;
const restorePod = () => ctx.restoreJob.spec.template.spec;

function named(list: Json[] | undefined, name: string): Json {
  const found = (list ?? []).find((c) => c.name === name);
  if (!found) throw new Error(`no container '${name}' in ${JSON.stringify((list ?? []).map((c) => c.name))}`);
  return found;
}

/** What the test itself asks the bucket (as root, with the MinIO root keys, unless other keys are given). */
function s3(
  args: string[],
  keys: { id: string; secret: string } = {
    id: MINIO_SECRETS['minio-credentials/root-user'],
    secret: MINIO_SECRETS['minio-credentials/root-password'],
  },
): RunResult {
  return run(ctx.aws, ['--endpoint-url', ctx.endpoint, 's3', ...args], {
    env: {
      AWS_ACCESS_KEY_ID: keys.id,
      AWS_SECRET_ACCESS_KEY: keys.secret,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      HOME: ctx.dir,
    },
    timeoutMs: 120_000,
  });
}

function mustS3(args: string[]): string {
  return ok(s3(args), `aws s3 ${args.join(' ')}`);
}

/** Every object key in the bucket under the backups' prefix. */
function objectKeys(): string[] {
  const out = mustS3(['ls', '--recursive', `s3://${BUCKET}/${PREFIX}/`]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/).slice(3).join(' '))
    .sort();
}

function bucketBackups(): string[] {
  return [...new Set(objectKeys().map((k) => k.slice(PREFIX.length + 1).split('/')[0]))].sort();
}

/** One pod: its own empty /backup (emptyDir) and the scripts ConfigMap at /opt/backup. */
class Pod {
  public readonly backupDir: string;
  constructor(what: string) {
    const root = mkdirOwned(path.join(ctx.dir, `pod-${++pods}-${what}`), ctx.user, 0o755);
    this.backupDir = mkdirOwned(path.join(root, 'backup'), ctx.user, 0o700);
  }

  /** The container's environment, with the pod-only values substituted. */
  public env(c: Json, extra: Record<string, string> = {}): Record<string, string> {
    const subs = [...ctx.subs, { why: 'the backup volume mount (an emptyDir, fresh per pod)', from: '/backup', to: this.backupDir }];
    return { ...substituteEnv(containerEnv(c, SECRETS), subs), ...extra };
  }

  /** Runs the container's command (`bash /opt/backup/<script>`) as the pod's user. */
  public run(c: Json, env: Record<string, string>): RunResult {
    expect(c.command).toHaveLength(2);
    expect(c.command[0]).toBe('bash');
    const name = path.basename(c.command[1]);
    expect(c.command[1]).toBe(`/opt/backup/${name}`);
    return run('bash', [path.join(ctx.scripts, name)], { user: ctx.user.name, env, timeoutMs: 180_000 });
  }
}

/** The S3 client image's PATH: `aws` is the venv's. */
function clientPath(): Record<string, string> {
  // (/usr/sbin: runuser, which starts the script as the pod's user.)
  return { PATH: `${path.dirname(ctx.aws)}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin` };
}

/** A CronJob run: the dump init container, then (only when it succeeded) the upload container. */
function backupRun(): { stamp: string; dump: string; upload: string; pod: Pod } {
  const pod = new Pod('backup');
  const dumpC = named(cronPod().initContainers, 'dump');
  const uploadC = cronPod().containers[0];
  const dump = ok(pod.run(dumpC, pod.env(dumpC)), 'dump (backup.sh)');
  const upload = ok(pod.run(uploadC, pod.env(uploadC, clientPath())), 'upload (upload.sh)');
  const m = /backup (\d{8}T\d{6}Z): verified/.exec(dump);
  if (!m) throw new Error(`backup.sh printed no 'verified' line:\n${dump}`);
  return { stamp: m[1], dump, upload, pod };
}

/** Backups are named by their start second: the next run must start in a later one, as scheduled runs do. */
async function nextSecond(stamp: string): Promise<void> {
  const stampNow = () =>
    new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
  while (stampNow() <= stamp) await new Promise((r) => setTimeout(r, 100));
}

function ok(r: RunResult, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('PostgreSQL backups to a MinIO bucket: upload, retention, restore, corruption', () => {
  const stamps: string[] = [];

  beforeAll(async () => {
    const tools = s3Tools();
    prependPath(postgresBinDir());
    requirePrograms('initdb', 'postgres', 'pg_dump', 'pg_restore', 'psql', 'curl', 'sha256sum');
    const user = serviceUser('postgres');
    const minioUser = serviceUser('minio');
    // Staging: an in-cluster MinIO is a valid backup target there (prod requires one outside the cluster).
    const { app, chart } = testChart(testEnv('staging'));
    const db = new Postgres(chart, 'db', {
      version: '15',
      database: 'app',
      user: 'app_user',
      storage: '10Gi',
      credentials: ExistingSecret.named('db-credentials', ['postgres-password', 'password']),
      resources,
    });
    const minio = new ObjectStore(chart, 'minio', {
      storage: '50Gi',
      credentials: ExistingSecret.named('minio-credentials', ['root-user', 'root-password']),
      resources,
    }).noBackup(NOT_BACKED_UP_IN_TEST);
    const bucket = minio.addBucket(BUCKET, { expireAfter: Duration.days(60) });
    db.backup({ target: bucket.asBackupTarget(), keep: KEEP });
    // A second bucket with its own user: the backup keys must not reach it.
    minio.addBucket('uploads', { versioning: true }).user('readwrite');
    const objects = synthesized(app);

    const dir = workDir('backup-s3', user);
    const scripts = mkdirOwned(path.join(dir, 'scripts'), user, 0o755);
    for (const [name, text] of Object.entries(find(objects, 'ConfigMap', 'db-backup-scripts').data as Record<string, string>)) {
      writeOwned(path.join(scripts, name), text, user, 0o555);
    }

    // ---- MinIO, with the synthesized StatefulSet's arguments and environment.
    const server = podSpec(find(objects, 'StatefulSet', 'minio')).containers[0];
    expect(server.command).toEqual(['minio']);
    expect(server.args).toEqual(['server', '/data', '--address', ':9000', '--console-address', ':9001']);
    const minioDir = mkdirOwned(path.join(dir, 'minio'), minioUser, 0o755);
    const minioData = mkdirOwned(path.join(minioDir, 'data'), minioUser, 0o700);
    const minioHome = mkdirOwned(path.join(minioDir, 'home'), minioUser, 0o700);
    const [apiPort, consolePort] = [await freePort(), await freePort()];
    const args: string[] = server.args.map(
      (a: string) => ({ '/data': minioData, ':9000': `127.0.0.1:${apiPort}`, ':9001': `127.0.0.1:${consolePort}` })[a] ?? a,
    );
    const minioEnv = substituteEnv(containerEnv(server, SECRETS), [{ why: 'HOME is a /tmp emptyDir in the pod', from: '/tmp', to: minioHome }]);
    expect(Object.keys(minioEnv)).toEqual(expect.arrayContaining(['MINIO_ROOT_USER', 'MINIO_ROOT_PASSWORD']));
    servers.start('minio', tools.minio, args, { user: minioUser.name, env: minioEnv });
    const endpoint = `http://127.0.0.1:${apiPort}`;
    await servers.waitUntil('minio', () => run('curl', ['-sf', '-o', '/dev/null', `${endpoint}/minio/health/ready`]).status === 0, 120_000);

    // ---- PostgreSQL, as in backup.test.ts.
    const { port: pgPort, psql } = await startAppPostgres(servers, dir, user, PG_SECRETS['db-credentials/postgres-password']);
    psql('SET ROLE app_user; CREATE TABLE item (id int PRIMARY KEY, title text NOT NULL, price numeric(10,2))');
    psql("SET ROLE app_user; INSERT INTO item SELECT g, 'item ' || g || E' \\u00e9\\'\"', g * 1.5 FROM generate_series(1, 5000) g");

    ctx = {
      user,
      dir,
      scripts,
      cronJob: find(objects, 'CronJob', 'db-backup'),
      restoreJob: find(objects, 'Job', 'db-restore'),
      subs: [
        { why: 'the Service name resolves only in the cluster', from: 'db.test-staging.svc', to: '127.0.0.1' },
        { why: 'a free port', from: '5432', to: String(pgPort) },
        { why: "MinIO's Service and port, only in the cluster", from: 'http://minio.test-staging.svc:9000', to: endpoint },
      ],
      aws: tools.aws,
      endpoint,
      psql,
    };
    // The buckets and their users, made by the synthesized bucket Job's own script (twice:
    // the Job is re-run on every sync and must be idempotent), with mc on its PATH.
    const bucketJob = objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('minio-buckets-'))!;
    const jobContainer = podSpec(bucketJob).containers[0];
    expect(jobContainer.command.slice(0, 2)).toEqual(['sh', '-c']);
    const jobEnv = {
      ...substituteEnv(containerEnv(jobContainer, SECRETS), [...ctx.subs, { why: 'HOME is a /tmp emptyDir in the pod', from: '/tmp', to: dir }]),
      PATH: `${path.dirname(tools.mc)}:/usr/bin:/bin`,
    };
    for (let i = 0; i < 2; i++) {
      const jobRun = run('sh', ['-c', jobContainer.command[2]], { env: jobEnv, timeoutMs: 120_000 });
      if (jobRun.status !== 0) throw new Error(`bucket Job (run ${i + 1}) exited ${jobRun.status}\n${jobRun.stdout}\n${jobRun.stderr}`);
      expect(jobRun.stdout).toContain('buckets ready');
    }
    // What the Job set up, as the server reports it.
    // (The Job's `mc alias set store ...` left its alias in HOME.)
    const mcEnv = jobEnv;
    expect(mustRun(tools.mc, ['version', 'info', 'store/uploads'], { env: mcEnv })).toMatch(/versioning is enabled/i);
    expect(mustRun(tools.mc, ['ilm', 'rule', 'ls', 'store/backups', '--json'], { env: mcEnv })).toMatch(/"Days":\s*60/);
    expect(mustRun(tools.mc, ['admin', 'user', 'info', 'store', 'backups-rw', '--json'], { env: mcEnv })).toContain(
      '"policyName":"bucket-backups-rw"',
    );
    seeded = fingerprint();
    expect(seeded).toMatch(/^5000:[0-9a-f]{32}$/);
  }, 300_000);

  function fingerprint(): string {
    if (ctx.psql("SELECT count(*) FROM pg_database WHERE datname = 'app'", 'postgres') !== '1') return 'no database';
    return ctx.psql("SELECT count(*) || ':' || md5(coalesce(string_agg(id || '|' || title || '|' || price, ',' ORDER BY id), '')) FROM item");
  }

  test('the synthesized pods: dump in the engine image, upload and download with the S3 client, to the ObjectStore bucket with its keys', () => {
    const dump = named(cronPod().initContainers, 'dump');
    const upload = cronPod().containers[0];
    const download = named(restorePod().initContainers, 'download');
    expect(dump.image).toMatch(/postgres/);
    expect(upload.image).toMatch(/^docker\.io\/amazon\/aws-cli:/);
    expect(download.image).toBe(upload.image);
    for (const c of [upload, download]) {
      const env = containerEnv(c, SECRETS);
      expect(env).toMatchObject({ S3_ENDPOINT: 'http://minio.test-staging.svc:9000', S3_BUCKET: BUCKET, S3_PREFIX: PREFIX, BACKUP_ROOT: '/backup' });
      // Not the root keys: the bucket's own user.
      expect(env.AWS_ACCESS_KEY_ID).toBe('backups-rw');
      expect(env.AWS_SECRET_ACCESS_KEY).toBe(MINIO_SECRETS['minio-backups-rw/secret-key']);
    }
    expect(containerEnv(upload, SECRETS).KEEP_COUNT).toBe(String(KEEP));
    expect(containerEnv(dump, SECRETS)).toMatchObject({ STORE_HOST: 'db.test-staging.svc', STORE_PORT: '5432', BACKUP_ROOT: '/backup' });
    expect(containerEnv(restorePod().containers[0], SECRETS)).toMatchObject({
      STORE_HOST: 'db.test-staging.svc',
      BACKUP_ID: 'latest',
      BACKUP_ROOT: '/backup',
    });
    expect(containerEnv(download, SECRETS).BACKUP_ID).toBe('latest');
  });

  test('the backup user (made by the bucket Job) reaches its bucket and nothing else: not the uploads bucket, not the admin API', () => {
    const backups = { id: 'backups-rw', secret: MINIO_SECRETS['minio-backups-rw/secret-key'] };
    expect(s3(['ls', `s3://${BUCKET}/`], backups)).toMatchObject({ status: 0 });
    const other = s3(['ls', 's3://uploads/'], backups);
    expect(other.status).not.toBe(0);
    expect(other.stderr).toMatch(/AccessDenied/);
    expect(s3(['mb', 's3://not-allowed'], backups).stderr).toMatch(/AccessDenied/);
    // The uploads user likewise, the other way round.
    const uploads = { id: 'uploads-rw', secret: MINIO_SECRETS['minio-uploads-rw/secret-key'] };
    expect(s3(['ls', 's3://uploads/'], uploads)).toMatchObject({ status: 0 });
    expect(s3(['ls', `s3://${BUCKET}/`], uploads).stderr).toMatch(/AccessDenied/);
  });

  test('with the in-cluster endpoint (a host name, not substituted here) the CLI addresses the bucket by path, not as a sub-domain that would not resolve', () => {
    const upload = cronPod().containers[0];
    const env: Record<string, string> = { ...containerEnv(upload, SECRETS), ...clientPath(), AWS_MAX_ATTEMPTS: '1' };
    // Nothing listens there outside the cluster: only the request the client builds is looked at.
    const r = run(
      ctx.aws,
      ['--debug', '--cli-connect-timeout', '2', '--endpoint-url', env.S3_ENDPOINT, 's3', 'ls', `s3://${env.S3_BUCKET}/${env.S3_PREFIX}/`],
      { env, timeoutMs: 60_000 },
    );
    expect(r.stderr).toContain(`url=http://minio.test-staging.svc:9000/${BUCKET}?`);
    expect(r.stderr).not.toContain(`${BUCKET}.minio.test-staging.svc`);
    expect(r.stderr).toContain("'signing': {'region': 'us-east-1'");
  });

  test('a run dumps into the scratch volume and uploads it: every file, SHA256SUMS included, byte for byte, under s3://backups/test-staging/db/<stamp>/', () => {
    const { stamp, upload, pod } = backupRun();
    stamps.push(stamp);
    expect(upload).toContain(`upload ${stamp}: 3 files in s3://${BUCKET}/${PREFIX}/${stamp}/`);
    expect(upload).toMatch(/retention: 1 kept/);
    expect(objectKeys()).toEqual([`${PREFIX}/${stamp}/SHA256SUMS`, `${PREFIX}/${stamp}/app.dump`, `${PREFIX}/${stamp}/globals.sql`]);
    // The objects are the dump's bytes.
    const local = path.join(pod.backupDir, stamp);
    const fetched = fs.mkdtempSync(path.join(ctx.dir, 'fetched-'));
    mustS3(['cp', '--recursive', '--only-show-errors', `s3://${BUCKET}/${PREFIX}/${stamp}/`, `${fetched}/`]);
    for (const f of ['SHA256SUMS', 'app.dump', 'globals.sql'])
      expect(fs.readFileSync(path.join(fetched, f)).equals(fs.readFileSync(path.join(local, f)))).toBe(true);
    mustRun('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: fetched });
    expect(run('pg_restore', ['--list', path.join(fetched, 'app.dump')]).status).toBe(0);
  });

  test(`retention in the bucket keeps exactly ${KEEP} backups (the newest) after ${KEEP + 2} runs`, async () => {
    for (let i = 0; i < KEEP + 1; i++) {
      await nextSecond(stamps[stamps.length - 1]);
      const { stamp, upload } = backupRun();
      stamps.push(stamp);
      expect(upload).toMatch(new RegExp(`retention: ${Math.min(i + 2, KEEP)} kept`));
    }
    expect(stamps).toHaveLength(KEEP + 2);
    expect(new Set(stamps).size).toBe(KEEP + 2);
    expect(bucketBackups()).toEqual(stamps.slice(-KEEP));
    // Nothing else is left behind under the prefix: every remaining backup is whole.
    expect(objectKeys()).toHaveLength(3 * KEEP);
  }, 600_000);

  test('the restore Job with BACKUP_ID=list: download.sh prints the backups in the bucket, restore.sh then finds nothing to do', () => {
    const pod = new Pod('list');
    const downloadC = named(restorePod().initContainers, 'download');
    const restoreC = restorePod().containers[0];
    const listed = ok(pod.run(downloadC, pod.env(downloadC, { ...clientPath(), BACKUP_ID: 'list' })), 'download (list)');
    expect(listed.split('\n').filter(Boolean)).toEqual(bucketBackups());
    expect(fs.readdirSync(pod.backupDir)).toEqual([]);
    expect(ok(pod.run(restoreC, pod.env(restoreC, { BACKUP_ID: 'list' })), 'restore (list)')).toBe('');
  });

  test('after the data is destroyed, the restore Job (download, then restore) brings back exactly what was seeded', () => {
    ctx.psql("DELETE FROM item WHERE id % 2 = 0; UPDATE item SET title = 'changed'");
    expect(fingerprint()).not.toBe(seeded);
    const newest = stamps[stamps.length - 1];
    const pod = new Pod('restore');
    const downloadC = named(restorePod().initContainers, 'download');
    const restoreC = restorePod().containers[0];
    const downloadEnv = pod.env(downloadC, clientPath());
    expect(downloadEnv.BACKUP_ID).toBe('latest');
    const downloaded = ok(pod.run(downloadC, downloadEnv), 'download (download.sh)');
    expect(downloaded).toContain(`download ${newest}: checksums match`);
    const restored = ok(pod.run(restoreC, pod.env(restoreC)), 'restore (restore.sh)');
    expect(restored).toContain(`restore ${newest}: done`);
    const now = fingerprint();
    if (now !== seeded) throw new Error(`restored data differs: ${now} (seeded ${seeded})\nrestore output:\n${restored}`);
  });

  test('a corrupted object in the bucket fails download.sh on the checksum, so restore.sh never runs', () => {
    const newest = stamps[stamps.length - 1];
    const key = `s3://${BUCKET}/${PREFIX}/${newest}/app.dump`;
    const work = fs.mkdtempSync(path.join(ctx.dir, 'corrupt-'));
    mustS3(['cp', '--only-show-errors', key, path.join(work, 'app.dump')]);
    const bytes = fs.readFileSync(path.join(work, 'app.dump'));
    // Cut short: what an interrupted copy or a damaged object leaves.
    fs.writeFileSync(path.join(work, 'app.dump'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    mustS3(['cp', '--only-show-errors', path.join(work, 'app.dump'), key]);
    ctx.psql("UPDATE item SET title = 'changed after the restore' WHERE id = 1");
    const changed = fingerprint();

    const pod = new Pod('restore-corrupt');
    const downloadC = named(restorePod().initContainers, 'download');
    const download = pod.run(downloadC, pod.env(downloadC, clientPath()));
    expect(download.status).not.toBe(0);
    expect(download.stdout + download.stderr).toMatch(/app\.dump: FAILED|did NOT match/);
    expect(download.stdout).not.toMatch(/checksums match/);
    // An init container that fails stops the pod: the restore container is never started,
    // and the store is as it was.
    expect(fingerprint()).toBe(changed);
  });
});
