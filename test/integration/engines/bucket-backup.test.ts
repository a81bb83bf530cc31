/**
 * MinIO bucket backups, proven against real MinIO servers (built from the Go module proxy by
 * scripts/backup/install-s3-tools.sh, with mc): the synthesized CronJob's `mirror.sh` copies
 * the uploads bucket of one ObjectStore to a bucket of another (the production shape of "to
 * another MinIO"), checks every object by sha256 and writes SHA256SUMS; the synthesized
 * restore Job's `restore.sh` refuses a copy that no longer matches its checksums, then, once
 * the copy is whole again, puts every object back into the emptied bucket: byte for byte.
 *
 * Both servers run with the synthesized StatefulSet's arguments and environment; the buckets,
 * their users and the public-read policy are made by the synthesized bucket Jobs' scripts,
 * run with mc. The backup and restore scripts run with the synthesized containers' command
 * and environment, as the pods' non-root user.
 *
 * The ObjectStoreGateway runs as Debian's nginx with the synthesized command and nginx.conf,
 * in front of the source MinIO: every method and path that is not a read of the public bucket
 * is refused.
 *
 * Substitutions (values that only make sense in a pod): the Service URLs (127.0.0.1 and a
 * free port), HOME (/tmp, an emptyDir: a directory here), the /opt/backup scripts mount (the
 * ConfigMap's scripts written to a directory), PATH (the mc image's `mc`: the cached one), the
 * gateway's listen port, /tmp and its logs (/dev/stderr cannot be opened on the harness's
 * socket stdio; files instead).
 *
 *   bash scripts/backup/install-s3-tools.sh     (once; `npm run test:engines` runs it)
 *   npx jest -c jest.integration.config.js test/integration/engines/bucket-backup
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ExistingSecret, ObjectStore, ObjectStoreGateway } from '../../../lib';
import { NOT_BACKED_UP_IN_TEST } from '../../support/stores';
import { testChart } from '../../support/synth';
import {
  containerEnv,
  engineSession,
  find,
  freePort,
  Json,
  mkdirOwned,
  mustRun,
  podSpec,
  run,
  RunResult,
  serviceUser,
  Substitution,
  substituteEnv,
  synthesized,
  writeOwned,
} from './support';

const repo = path.resolve(__dirname, '../../..');
const INSTALL_SCRIPT = 'scripts/backup/install-s3-tools.sh';
const resources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };

const SECRETS = {
  'minio-credentials/root-user': 'source-admin',
  'minio-credentials/root-password': 'Source r00t/+pw"\'',
  'archive-credentials/root-user': 'archive-admin',
  'archive-credentials/root-password': 'Archive r00t pw 0123',
  'minio-uploads-ro/secret-key': 'UploadsReader0123456789abcdef',
  'minio-uploads-rw/secret-key': 'UploadsWriter0123456789abcdef',
  'minio-assets-ro/secret-key': 'AssetsReader0123456789abcdefgh',
  'minio-assets-rw/secret-key': 'AssetsWriter0123456789abcdefgh',
  'archive-mirror-rw/secret-key': 'MirrorWriter0123456789abcdefgh',
};

/** mc and minio from the cache install-s3-tools.sh fills (its versions, read from its top lines). */
function tools(): { minio: string; mc: string } {
  const script = fs.readFileSync(path.join(repo, INSTALL_SCRIPT), 'utf8');
  const version = (name: string) => {
    const m = new RegExp(`^${name}=(\\S+)$`, 'm').exec(script);
    if (!m) throw new Error(`${INSTALL_SCRIPT} does not set ${name}`);
    return m[1];
  };
  const cache = process.env.CDK8S_STACKS_CACHE || path.join(repo, '.cache');
  const minio = path.join(cache, 'minio', version('MINIO_VERSION'), 'bin', 'minio');
  const mc = path.join(cache, 'mc', version('MC_VERSION'), 'bin', 'mc');
  const missing = [minio, mc].filter((f) => !fs.existsSync(f));
  if (missing.length)
    throw new Error(`MinIO tools not found: ${missing.join(', ')} (cache: ${cache}). Run: bash ${INSTALL_SCRIPT} (honours CDK8S_STACKS_CACHE)`);
  return { minio, mc };
}

const { servers, workDir } = engineSession();
type User = ReturnType<typeof serviceUser>;

interface Context {
  readonly user: User;
  readonly dir: string;
  readonly mc: string;
  readonly scripts: string;
  readonly cronJob: Json;
  readonly restoreJob: Json;
  readonly subs: Substitution[];
  readonly endpoints: { source: string; archive: string };
  readonly originals: Map<string, Buffer>;
  /** The gateway's URL (nginx with the synthesized configuration). */
  gateway: string;
}
let ctx: Context;

/** mc as the test's administrator (root keys of both servers, aliases `src` and `arc`). */
function admin(args: string[], input?: string): string {
  return mustRun(ctx.mc, ['--quiet', ...args], { env: { HOME: path.join(ctx.dir, 'admin-home') }, input, timeoutMs: 120_000 });
}

function ok(r: RunResult, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Runs a synthesized container's `bash /opt/backup/<script>` with its environment, as the pod's user. */
function runScript(c: Json, extra: Record<string, string> = {}): RunResult {
  expect(c.command).toHaveLength(2);
  expect(c.command[0]).toBe('bash');
  const name = path.basename(c.command[1]);
  expect(c.command[1]).toBe(`/opt/backup/${name}`);
  const home = mkdirOwned(fs.mkdtempSync(path.join(ctx.dir, 'home-')), ctx.user, 0o700);
  const env = {
    ...substituteEnv(containerEnv(c, SECRETS), [...ctx.subs, { why: 'HOME is a /tmp emptyDir in the pod', from: '/tmp', to: home }]),
    PATH: `${path.dirname(ctx.mc)}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`,
    ...extra,
  };
  return run('bash', [path.join(ctx.scripts, name)], { user: ctx.user.name, env, timeoutMs: 300_000 });
}

/** Every object of a bucket (alias path) with its sha256, read through mc. */
function objectsOf(target: string): Record<string, string> {
  const out: Record<string, string> = {};
  const env = { HOME: path.join(ctx.dir, 'admin-home'), MC: ctx.mc };
  // (On S3 a listing is by key prefix: `uploads` also matches `uploads.SHA256SUMS` beside the folder.)
  for (const line of admin(['find', target])
    .split('\n')
    .filter((l) => l.startsWith(`${target}/`))) {
    const sum = mustRun('bash', ['-c', 'set -o pipefail; "$MC" --quiet cat "$1" | sha256sum', 'bash', line], { env });
    out[line.slice(target.length + 1)] = sum.slice(0, 64);
  }
  return out;
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const expected = () => Object.fromEntries([...ctx.originals].map(([k, v]) => [k, sha256(v)]).sort());

describe('MinIO bucket backups to another MinIO: mirror, sha256 check, refusal of a damaged copy, restore into an emptied bucket', () => {
  beforeAll(async () => {
    const { minio: minioBin, mc } = tools();
    const user = serviceUser('minio');
    const { app, chart } = testChart();
    const credentials = (name: string) => ExistingSecret.named(name, ['root-user', 'root-password']);
    const source = new ObjectStore(chart, 'minio', { storage: '50Gi', credentials: credentials('minio-credentials'), resources });
    const archive = new ObjectStore(chart, 'archive', { storage: '50Gi', credentials: credentials('archive-credentials'), resources }).noBackup(
      NOT_BACKED_UP_IN_TEST,
    );
    const uploads = source.addBucket('uploads', { versioning: true });
    const assets = source.addBucket('assets', { publicRead: true });
    new ObjectStoreGateway(chart, 'assets-gateway', { bucket: assets });
    const mirror = archive.addBucket('mirror', { versioning: true });
    source.backup({ target: mirror.asBackupTarget({ prefix: 'techshop' }), buckets: [uploads, source.buckets[1]] });
    const objects = synthesized(app);

    const dir = workDir('bucket-backup', user);
    mkdirOwned(path.join(dir, 'admin-home'), user, 0o700);
    const scripts = mkdirOwned(path.join(dir, 'scripts'), user, 0o755);
    for (const [name, text] of Object.entries(find(objects, 'ConfigMap', 'minio-backup-scripts').data as Record<string, string>)) {
      writeOwned(path.join(scripts, name), text, user, 0o555);
    }

    // ---- Two MinIO servers, each with its synthesized StatefulSet's arguments and environment.
    const endpoints: Record<string, string> = {};
    const subs: Substitution[] = [];
    for (const name of ['minio', 'archive']) {
      const server = podSpec(find(objects, 'StatefulSet', name)).containers[0];
      expect(server.args).toEqual(['server', '/data', '--address', ':9000', '--console-address', ':9001']);
      const root = mkdirOwned(path.join(dir, name), user, 0o755);
      const data = mkdirOwned(path.join(root, 'data'), user, 0o700);
      const home = mkdirOwned(path.join(root, 'home'), user, 0o700);
      const [apiPort, consolePort] = [await freePort(), await freePort()];
      const args: string[] = server.args.map(
        (a: string) => ({ '/data': data, ':9000': `127.0.0.1:${apiPort}`, ':9001': `127.0.0.1:${consolePort}` })[a] ?? a,
      );
      const env = substituteEnv(containerEnv(server, SECRETS), [{ why: 'HOME is a /tmp emptyDir in the pod', from: '/tmp', to: home }]);
      servers.start(name, minioBin, args, { user: user.name, env });
      endpoints[name] = `http://127.0.0.1:${apiPort}`;
      subs.push({ why: `${name}'s Service, only in the cluster`, from: `http://${name}.test-prod.svc:9000`, to: endpoints[name] });
    }
    for (const name of ['minio', 'archive']) {
      await servers.waitUntil(name, () => run('curl', ['-sf', '-o', '/dev/null', `${endpoints[name]}/minio/health/ready`]).status === 0, 120_000);
    }
    ctx = {
      user,
      dir,
      mc,
      scripts,
      cronJob: find(objects, 'CronJob', 'minio-backup'),
      restoreJob: find(objects, 'Job', 'minio-restore'),
      subs,
      endpoints: { source: endpoints.minio, archive: endpoints.archive },
      originals: new Map(),
      gateway: '',
    };

    // ---- The buckets, users and policies, made by each store's synthesized bucket Job script.
    for (const store of ['minio', 'archive']) {
      const job = objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith(`${store}-buckets-`))!;
      const c = podSpec(job).containers[0];
      const env = {
        ...substituteEnv(containerEnv(c, SECRETS), [...subs, { why: 'HOME is a /tmp emptyDir', from: '/tmp', to: path.join(dir, store) }]),
        PATH: `${path.dirname(mc)}:/usr/bin:/bin`,
      };
      ok(run('sh', ['-c', c.command[2]], { env, timeoutMs: 120_000 }), `${store} bucket Job`);
    }
    admin(['alias', 'set', 'src', endpoints.minio, SECRETS['minio-credentials/root-user'], SECRETS['minio-credentials/root-password']]);
    admin(['alias', 'set', 'arc', endpoints.archive, SECRETS['archive-credentials/root-user'], SECRETS['archive-credentials/root-password']]);

    // ---- What customers uploaded: nested keys, spaces, an empty object, binary, and one large enough for multipart.
    const files: Array<[string, Buffer]> = [
      ['invoice.pdf', Buffer.from('%PDF-1.7 invoice 42\n')],
      ['users/7/avatar image.png', crypto.randomBytes(70_000)],
      ['users/8/empty.txt', Buffer.alloc(0)],
      ['deep/a/b/c/d/notes ü.txt', Buffer.from('unicode ü ñ 日本\n')],
      ['big/archive.bin', crypto.randomBytes(20 * 2 ** 20)],
    ];
    for (const [key, bytes] of files) {
      const local = path.join(dir, 'upload.tmp');
      fs.writeFileSync(local, bytes);
      admin(['cp', local, `src/uploads/${key}`]);
      ctx.originals.set(key, bytes);
    }
    admin(['cp', path.join(dir, 'upload.tmp'), 'src/assets/logo.svg']);

    // ---- The gateway: nginx (Debian's, for the image's) with the synthesized nginx.conf and command.
    const gateway = podSpec(find(objects, 'Deployment', 'assets-gateway')).containers[0];
    expect(gateway.command).toEqual(['nginx', '-e', '/dev/stderr', '-c', '/etc/gateway/nginx.conf', '-g', 'daemon off;']);
    const gatewayDir = mkdirOwned(path.join(dir, 'gateway'), user, 0o755);
    const gatewayPort = await freePort();
    const conf = (find(objects, 'ConfigMap', 'assets-gateway-config').data as Record<string, string>)['nginx.conf']
      .replace('listen 8080;', `listen 127.0.0.1:${gatewayPort};`)
      .split('minio.test-prod.svc:9000')
      .join(endpoints.minio.replace('http://', ''))
      .split('/tmp/')
      .join(`${gatewayDir}/`)
      // The harness's stdio are sockets, which /dev/stderr cannot be opened on (in a pod they are pipes).
      .split('/dev/stderr')
      .join(path.join(gatewayDir, 'error.log'))
      .split('/dev/stdout')
      .join(path.join(gatewayDir, 'access.log'));
    writeOwned(path.join(gatewayDir, 'nginx.conf'), conf, user, 0o644);
    const args = gateway.command
      .slice(1)
      .map(
        (a: string) =>
          ({ '/etc/gateway/nginx.conf': path.join(gatewayDir, 'nginx.conf'), '/dev/stderr': path.join(gatewayDir, 'error.log') })[a] ?? a,
      );
    servers.start('gateway', 'nginx', args, { user: user.name, env: {} });
    ctx.gateway = `http://127.0.0.1:${gatewayPort}`;
    await servers.waitUntil('gateway', () => run('curl', ['-sf', '-o', '/dev/null', `${ctx.gateway}/healthz`]).status === 0, 30_000);
  }, 600_000);

  test('the synthesized pods: mc, each bucket read with its own read-only user and restored with its read-write user, never the root keys', () => {
    const backup = containerEnv(ctx.cronJob.spec.jobTemplate.spec.template.spec.containers[0], SECRETS);
    const restore = containerEnv(ctx.restoreJob.spec.template.spec.containers[0], SECRETS);
    expect(backup).toMatchObject({ BUCKETS: 'uploads assets', SOURCE_ACCESS_KEY_0: 'uploads-ro', SOURCE_ACCESS_KEY_1: 'assets-ro' });
    expect(restore).toMatchObject({ BUCKETS: 'uploads assets', SOURCE_ACCESS_KEY_0: 'uploads-rw', SOURCE_ACCESS_KEY_1: 'assets-rw' });
    for (const env of [backup, restore]) {
      expect(env).toMatchObject({
        S3_ENDPOINT: 'http://archive.test-prod.svc:9000',
        S3_BUCKET: 'mirror',
        S3_PREFIX: 'techshop',
        AWS_ACCESS_KEY_ID: 'mirror-rw',
      });
      expect(Object.values(env)).not.toContain(SECRETS['minio-credentials/root-password']);
    }
  });

  test('a public-read bucket serves an object to anyone, but lists nothing and takes no writes; a private bucket serves nothing', () => {
    expect(run('curl', ['-sf', '-o', '/dev/null', `${ctx.endpoints.source}/assets/logo.svg`]).status).toBe(0);
    const list = run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `${ctx.endpoints.source}/assets/`]);
    expect(list.stdout).toBe('403');
    const put = run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'PUT', '--data', 'x', `${ctx.endpoints.source}/assets/evil.txt`]);
    expect(put.stdout).toBe('403');
    const priv = run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `${ctx.endpoints.source}/uploads/invoice.pdf`]);
    expect(priv.stdout).toBe('403');
  });

  test.each([
    ['GET an object of the bucket', ['/assets/logo.svg'], '200'],
    ['HEAD an object', ['-I', '/assets/logo.svg'], '200'],
    ['a presigned or sub-resource query is dropped: still the object', ['/assets/logo.svg?acl&X-Amz-Signature=x'], '200'],
    ['PUT', ['-X', 'PUT', '--data', 'x', '/assets/evil.txt'], '405'],
    ['DELETE', ['-X', 'DELETE', '/assets/logo.svg'], '405'],
    ['POST (a multipart upload)', ['-X', 'POST', '--data', 'x', '/assets/big.bin?uploads'], '405'],
    ['POST on the bucket (multi-delete): not even routed', ['-X', 'POST', '--data', 'x', '/assets/?delete'], '404'],
    ['the listing of the bucket', ['/assets/'], '404'],
    ['another bucket', ['/uploads/invoice.pdf'], '404'],
    ['another bucket through ..', ['--path-as-is', '/assets/../uploads/invoice.pdf'], '404'],
    ['another bucket through an encoded ..', ['--path-as-is', '/assets/%2e%2e/uploads/invoice.pdf'], '404'],
    ['the admin API', ['/minio/admin/v3/info'], '404'],
    ['health and metrics', ['/minio/v2/metrics/cluster'], '404'],
    ['the bucket list', ['/'], '404'],
  ])('the gateway publishes the public bucket and nothing else: %s -> %s', (_, args, status) => {
    const urlArg = args[args.length - 1];
    const r = run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...args.slice(0, -1), `${ctx.gateway}${urlArg}`]);
    expect(r.stdout).toBe(status);
  });

  test('the gateway serves the object byte for byte', () => {
    const out = path.join(ctx.dir, 'via-gateway.tmp');
    mustRun('curl', ['-sf', '-o', out, `${ctx.gateway}/assets/logo.svg`]);
    expect(fs.readFileSync(out).equals(fs.readFileSync(path.join(ctx.dir, 'upload.tmp')))).toBe(true);
  });

  test('mirror.sh copies every object and checks it by sha256; SHA256SUMS lists the bucket as it is', () => {
    const out = ok(runScript(ctx.cronJob.spec.jobTemplate.spec.template.spec.containers[0]), 'mirror.sh');
    expect(out).toContain('mirror uploads: 5 objects verified (sha256)');
    expect(out).toContain('mirror assets: 1 objects verified (sha256)');
    expect(objectsOf('arc/mirror/techshop/uploads')).toEqual(expected());
    const sums = admin(['cat', 'arc/mirror/techshop/uploads.SHA256SUMS']);
    const listed = Object.fromEntries(
      sums
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(66), l.slice(0, 64)]),
    );
    expect(listed).toEqual(expected());
  });

  test('a second run with an object changed in the bucket copies only what changed, and the copy follows', () => {
    const changed = Buffer.from('%PDF-1.7 invoice 42, corrected\n');
    fs.writeFileSync(path.join(ctx.dir, 'upload.tmp'), changed);
    admin(['cp', path.join(ctx.dir, 'upload.tmp'), 'src/uploads/invoice.pdf']);
    ctx.originals.set('invoice.pdf', changed);
    ok(runScript(ctx.cronJob.spec.jobTemplate.spec.template.spec.containers[0]), 'mirror.sh (second run)');
    expect(objectsOf('arc/mirror/techshop/uploads')).toEqual(expected());
  });

  test('a damaged copy is refused by restore.sh before it writes anything', () => {
    fs.writeFileSync(path.join(ctx.dir, 'damaged.tmp'), 'not the avatar');
    admin(['cp', path.join(ctx.dir, 'damaged.tmp'), 'arc/mirror/techshop/uploads/users/7/avatar image.png']);
    admin(['rm', 'src/uploads/invoice.pdf']);
    const r = runScript(ctx.restoreJob.spec.template.spec.containers[0]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("'users/7/avatar image.png' in the copy does not match SHA256SUMS; nothing restored");
    expect(Object.keys(objectsOf('src/uploads'))).not.toContain('invoice.pdf');
    // The next backup run finds the difference and copies the object again.
    const again = ok(runScript(ctx.cronJob.spec.jobTemplate.spec.template.spec.containers[0]), 'mirror.sh (repair)');
    expect(again).toContain('mirror uploads: 4 objects verified');
  });

  test('after the bucket is emptied, restore.sh puts every object of the last run back, identical (sha256 of each)', () => {
    // invoice.pdf was deleted before the last run: the copy keeps it, the last run's SHA256SUMS does not list it.
    ctx.originals.delete('invoice.pdf');
    admin(['rm', '--recursive', '--force', 'src/uploads']);
    expect(objectsOf('src/uploads')).toEqual({});
    const out = ok(runScript(ctx.restoreJob.spec.template.spec.containers[0], { RESTORE_BUCKETS: 'uploads' }), 'restore.sh');
    expect(out).toContain('restore uploads: 4 objects restored and verified (sha256)');
    expect(out).not.toContain('restore assets');
    expect(objectsOf('src/uploads')).toEqual(expected());
    // Byte for byte, as uploaded.
    for (const [key, bytes] of ctx.originals) {
      const local = path.join(ctx.dir, 'restored.tmp');
      admin(['cp', `src/uploads/${key}`, local]);
      expect(fs.readFileSync(local).equals(bytes)).toBe(true);
    }
  });
});
