/**
 * Every store that holds data is backed up or deliberately not (noBackup with a reason);
 * MinIO buckets are backed up with BucketBackup; public-read buckets get an anonymous
 * GetObject-only policy.
 */
import { BackupTarget, ExistingSecret, fromSecret, ObjectStore, ObjectStoreGateway, PublicEndpoint, Redis } from '../../lib';
import { publicReadPolicyJson } from '../../lib/data/minio';
import { render, errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } };
const redisSecret = ExistingSecret.named('redis', ['redis-password']);
const minioSecret = ExistingSecret.named('minio', ['root-user', 'root-password']);
const redis = (chart: any) => new Redis(chart, 'cache', { use: 'cache', storage: '1Gi', credentials: redisSecret, resources });
const minio = (chart: any, id = 'minio') => new ObjectStore(chart, id, { storage: '10Gi', credentials: minioSecret, resources });

describe('a store holds data: backup() or noBackup({ reason })', () => {
  test.each(['staging', 'prod'] as const)('neither, in %s: an error naming the store and both ways out', (env) => {
    const { app, chart } = testChart(testEnv(env));
    redis(chart);
    expect(errorsOf(app)).toEqual([
      `[test-${env}/cache] backup: cache holds data on a volume but has neither a backup nor a reasoned opt-out: call backup({ target }) (verified, with a restore Job), or noBackup({ reason }) saying why its data may be lost`,
    ]);
  });

  test('neither, in dev: a warning that says it is an error in staging and prod', () => {
    const { app, chart } = testChart(testEnv('dev'));
    redis(chart);
    const result = render(app);
    expect(result.warnings.map((w) => `[${w.path}] ${w.message}`)).toContainEqual(
      expect.stringMatching(/^\[test-dev\/cache\] backup: .*\(an error in staging and prod\)$/),
    );
  });

  test('a reasoned opt-out synthesizes and is listed with its reason', () => {
    const { app, chart } = testChart();
    const cache = redis(chart).noBackup({ reason: 'a cache in front of the database, refilled on a miss' });
    expect(errorsOf(app)).toEqual([]);
    expect(cache.backupDecision).toEqual({ kind: 'none', reason: 'a cache in front of the database, refilled on a miss' });
  });

  test.each([
    ['empty', ''],
    ['a word', 'cache'],
    ['not a string', 42],
    ['missing', undefined],
  ])('an opt-out without a real reason (%s) is an error on noBackup.reason', (_, reason) => {
    const { app, chart } = testChart();
    redis(chart).noBackup({ reason } as never);
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(/^\[test-prod\/cache\] noBackup\.reason: .* is not a reason: say in a sentence \(at least 20 characters\)/),
    ]);
  });

  test('both a backup and an opt-out: an error, keep one', () => {
    const { app, chart } = testChart();
    const cache = redis(chart);
    cache.backup({ target: BackupTarget.volume({ size: '1Gi' }) });
    cache.noBackup({ reason: 'a cache in front of the database, refilled on a miss' });
    expect(errorsOf(app)).toEqual([
      '[test-prod/cache] noBackup: the store is also backed up (backup() was called); keep the backup or the opt-out, not both',
    ]);
  });
});

describe('ObjectStore.backup(): bucket copies with mc', () => {
  test('to AWS S3: HTTPS out of the cluster only, the bucket read with its read-only user; the restore Job writes with the read-write user and is not applied', () => {
    const { app, chart } = testChart();
    const store = minio(chart);
    const uploads = store.addBucket('uploads');
    store.addBucket('tmp');
    const backup = store.backup({
      target: BackupTarget.s3({
        bucket: 'offsite',
        accessKeyId: 'AKIA',
        secretAccessKey: fromSecret(ExistingSecret.named('s3', ['secret']), 'secret'),
      }),
      buckets: [uploads],
    });
    expect(errorsOf(app)).toEqual([]);
    expect(store.backupDecision).toEqual({ kind: 'backup' });
    expect(backup.buckets.map((b) => b.name)).toEqual(['uploads']);
    const env = Object.fromEntries(
      objectOf(app, 'CronJob', 'minio-backup').spec.jobTemplate.spec.template.spec.containers[0].env.map((e: any) => [
        e.name,
        e.value ?? e.valueFrom,
      ]),
    );
    expect(env).toMatchObject({
      BUCKETS: 'uploads',
      SOURCE_ACCESS_KEY_0: 'uploads-ro',
      S3_BUCKET: 'offsite',
      S3_PREFIX: 'test-prod/minio',
      MC_CONFIG_DIR: '/tmp/.mc',
    });
    expect(env.S3_ENDPOINT).toBeUndefined();
    const egress = objectOf(app, 'NetworkPolicy', 'minio-backup').spec.egress;
    expect(egress).toContainEqual({
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } }],
      ports: [{ port: 443, protocol: 'TCP' }],
    });
    const restoreEnv = objectOf(app, 'Job', 'minio-restore').spec.template.spec.containers[0].env;
    expect(restoreEnv).toContainEqual({ name: 'SOURCE_ACCESS_KEY_0', value: 'uploads-rw' });
    const scripts = objectOf(app, 'ConfigMap', 'minio-backup-scripts').data;
    expect(Object.keys(scripts).sort()).toEqual(['mirror.sh', 'restore.sh']);
    expect(scripts['mirror.sh']).toContain('mc mirror --overwrite');
    expect(scripts['restore.sh']).toContain('does not match SHA256SUMS; nothing restored');
  });

  test('to a volume: a claim Argo CD never prunes, mounted at /backup (read-only in the restore Job)', () => {
    const { app, chart } = testChart();
    const store = minio(chart);
    store.addBucket('uploads');
    store.backup({ target: BackupTarget.volume({ size: '20Gi' }) });
    const claim = objectOf(app, 'PersistentVolumeClaim', 'minio-backups');
    expect(claim.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Delete=false,Prune=false');
    const restore = objectOf(app, 'Job', 'minio-restore').spec.template.spec.containers[0];
    expect(restore.volumeMounts).toContainEqual({ name: 'backup', mountPath: '/backup', readOnly: true });
  });

  test('to a bucket of another MinIO: egress to exactly that server', () => {
    const { app, chart } = testChart();
    const store = minio(chart);
    store.addBucket('uploads');
    const archive = minio(chart, 'archive').noBackup({ reason: 'it holds only the copies of the other store' });
    store.backup({ target: archive.addBucket('copies', { versioning: true }).asBackupTarget() });
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'NetworkPolicy', 'minio-backup').spec.egress).toContainEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'archive', 'app.kubernetes.io/instance': 'test-prod' } } }],
      ports: [{ port: 9000, protocol: 'TCP' }],
    });
  });

  test.each([
    [
      'a bucket of the same store',
      (store: ObjectStore) => ({ target: store.addBucket('copies').asBackupTarget() }),
      /^\[test-prod\/minio-backup\] target: bucket 'copies' is on test-prod\/minio itself: a copy on the same server and disk is lost with it/,
    ],
    [
      'no bucket to back up',
      () => ({ target: BackupTarget.volume({ size: '1Gi' }), buckets: [] }),
      /^\[test-prod\/minio-backup\] buckets: test-prod\/minio has no bucket to back up/,
    ],
    [
      'a bad volume size',
      () => ({ target: BackupTarget.volume({ size: 'lots' }) }),
      /^\[test-prod\/minio-backup\] target\.volume\.size: 'lots' must be a positive quantity/,
    ],
    ['a target that is no BackupTarget', () => ({ target: { kind: 'ftp' } }), /^\[test-prod\/minio-backup\] target: must be BackupTarget\.volume/],
  ])('refused: %s', (_, props, message) => {
    const { app, chart } = testChart();
    const store = minio(chart);
    store.addBucket('uploads');
    store.backup(props(store) as never);
    expect(errorsOf(app)).toContainEqual(expect.stringMatching(message));
  });

  test("refused: a bucket of another store, with the other store's path", () => {
    const { app, chart } = testChart();
    const store = minio(chart);
    store.addBucket('uploads');
    const other = minio(chart, 'other').noBackup({ reason: 'a test store whose data is not kept' });
    store.backup({ target: BackupTarget.volume({ size: '1Gi' }), buckets: [other.addBucket('theirs')] });
    expect(errorsOf(app)).toContainEqual("[test-prod/minio-backup] buckets[0]: 'theirs' is not a bucket of test-prod/minio");
  });
});

describe('public-read buckets', () => {
  test('the bucket Job sets an anonymous policy allowing GetObject only (no listing), and removes it from private buckets', () => {
    const { app, chart } = testChart();
    const store = minio(chart).noBackup({ reason: 'a test store whose data is not kept' });
    const assets = store.addBucket('assets', { publicRead: true });
    store.addBucket('uploads');
    const job = objectsOf(app, 'Job').find((j) => j.metadata.name.startsWith('minio-buckets-'))!;
    const script: string = job.spec.template.spec.containers[0].command[2];
    expect(JSON.parse(publicReadPolicyJson(assets))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::assets/*'] }],
    });
    expect(script).toContain(`printf '%s\\n' '${publicReadPolicyJson(assets)}' > "$HOME/anonymous-assets.json"`);
    expect(script).toContain('mc anonymous set-json "$HOME/anonymous-assets.json" store/assets');
    expect(script).toContain('mc anonymous set none store/uploads');
  });

  test('publicRead must be a boolean', () => {
    const { app, chart } = testChart();
    minio(chart)
      .noBackup({ reason: 'a test store whose data is not kept' })
      .addBucket('assets', { publicRead: 'yes' } as never);
    expect(errorsOf(app)).toContainEqual(expect.stringMatching(/^\[test-prod\/minio\] buckets\.assets\.publicRead: "yes" must be true or false/));
  });
});

describe('ObjectStoreGateway: one public bucket, read-only, nothing else of the MinIO API', () => {
  test('nginx (unprivileged) with a generated nginx.conf: GET/HEAD of /<bucket>/ only, keys and query strings dropped; egress to the MinIO API port only; routable by a PublicEndpoint', () => {
    const { app, chart } = testChart();
    const store = minio(chart).noBackup({ reason: 'a test store whose data is not kept' });
    const assets = store.addBucket('assets', { publicRead: true });
    const gateway = new ObjectStoreGateway(chart, 'assets-gateway', { bucket: assets });
    new PublicEndpoint(chart, 'static', { host: 'static.shop.my-company.io', backend: gateway, tls: false });
    expect(errorsOf(app)).toEqual([]);
    const conf: string = objectOf(app, 'ConfigMap', 'assets-gateway-config').data['nginx.conf'];
    expect(conf).toContain('server minio.test-prod.svc:9000;');
    expect(conf).toContain('location /assets/ {');
    expect(conf).toContain('if ($request_method !~ ^(GET|HEAD)$) {\n        return 405;');
    expect(conf).toContain('proxy_set_header Authorization "";');
    expect(conf).toContain('rewrite ^(.*)$ $1? break;');
    expect(conf).toContain('location = /assets/ {\n      return 404;');
    expect(conf).toContain('location / {\n      return 404;');
    const deployment = objectOf(app, 'Deployment', 'assets-gateway');
    const c = deployment.spec.template.spec.containers[0];
    expect(c.image).toBe('docker.io/nginxinc/nginx-unprivileged:1.27.3');
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'config', mountPath: '/etc/gateway', readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
      ]),
    );
    expect(deployment.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]+$/);
    expect(objectOf(app, 'NetworkPolicy', 'assets-gateway').spec.egress).toContainEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'minio', 'app.kubernetes.io/instance': 'test-prod' } } }],
      ports: [{ port: 9000, protocol: 'TCP' }],
    });
    expect(objectOf(app, 'Ingress', 'static').spec.rules[0].http.paths[0].backend.service).toEqual({
      name: 'assets-gateway',
      port: { name: 'http' },
    });
  });

  test('refused: a bucket that is not public-read (every anonymous request would be refused)', () => {
    const { app, chart } = testChart();
    const store = minio(chart).noBackup({ reason: 'a test store whose data is not kept' });
    new ObjectStoreGateway(chart, 'gateway', { bucket: store.addBucket('uploads') });
    expect(errorsOf(app)).toContainEqual(
      expect.stringMatching(/^\[test-prod\/gateway\] bucket: 'uploads' is not public-read: .* add it with \{ publicRead: true \}/),
    );
  });

  test('refused: no bucket', () => {
    const { app, chart } = testChart();
    new ObjectStoreGateway(chart, 'gateway', {} as never);
    expect(errorsOf(app).join('\n')).toMatch(/\[test-prod\/gateway\] bucket: /);
  });
});
