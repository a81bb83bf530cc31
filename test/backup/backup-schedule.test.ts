import { BackupTarget, Duration, ExistingSecret, fromSecret, MongoDb, ObjectStore, Redis, SystemAlerts, synthesize } from '../../lib';
import { S3_CLIENT_IMAGE } from '../../lib/backup/tools';
import { ENGINE_IMAGES } from '../../lib/data/versions';
import { cronPeriodSeconds } from '../../lib/core/cron';
import { restoreRunbook } from '../../lib/pipeline/restore-runbook';
import { errorsOf, objectOf, testChart, testEnv, UNUSED_OUTDIR } from '../support/synth';
import { NOT_BACKED_UP_IN_TEST, postgresWithApi } from '../support/stores';

const resources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };
type Json = Record<string, any>;

function postgresWithBackup(target: BackupTarget, extra: Record<string, unknown> = {}) {
  const { app, chart } = testChart();
  const { db } = postgresWithApi(chart, resources);
  new SystemAlerts(chart, 'alerts', {});
  const backup = db.backup({ target, ...extra });
  return { app, chart, db, backup };
}

const podOf = (cronJob: Json): Json => cronJob.spec.jobTemplate.spec.template.spec;
const envOf = (container: Json): Record<string, Json> => Object.fromEntries((container.env ?? []).map((e: Json) => [e.name, e]));

describe('BackupSchedule to a volume (PostgreSQL)', () => {
  const { app, backup } = postgresWithBackup(BackupTarget.volume({ size: '20Gi' }), { keep: 5 });
  const cronJob = objectOf(app, 'CronJob', 'db-backup');
  const pod = podOf(cronJob);
  const main = pod.containers[0];

  test("a CronJob that never overlaps, with deadlines, retries, history and the environment's schedule", () => {
    expect(cronJob.spec).toMatchObject({
      schedule: '0 2 * * *',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect(cronJob.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 3600 });
    expect(pod.restartPolicy).toBe('Never');
  });

  test("the engine's own image (its pg_dump matches the server) as the engine's uid, under restricted", () => {
    expect(main.image).toBe(ENGINE_IMAGES.postgres['17']);
    expect(main.command).toEqual(['bash', '/opt/backup/backup.sh']);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, fsGroup: 999, seccompProfile: { type: 'RuntimeDefault' } });
    expect(main.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(main.resources.limits).toMatchObject({ cpu: '1', memory: '1Gi' });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('credentials by reference only; databases, retention and the volume from the props', () => {
    const env = envOf(main);
    expect(env.STORE_PASSWORD).toEqual({ name: 'STORE_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'postgres-password' } } });
    expect(env.STORE_USER.value).toBe('postgres');
    expect(env.STORE_HOST.value).toBe('db.test-prod.svc');
    expect(env.BACKUP_DATABASES.value).toBe('app');
    expect(env.KEEP_COUNT.value).toBe('5');
    expect(env.KEEP_DAYS.value).toBe('30');
    expect(pod.volumes).toContainEqual({ name: 'backup', persistentVolumeClaim: { claimName: 'db-backups' } });
    expect(pod.volumes).toContainEqual({ name: 'scripts', configMap: { name: 'db-backup-scripts', defaultMode: 0o555 } });
    const claim = objectOf(app, 'PersistentVolumeClaim', 'db-backups');
    expect(claim.spec).toMatchObject({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } });
    expect(claim.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Delete=false,Prune=false');
  });

  test('the scripts stop at the first failure and never swallow one', () => {
    const scripts = objectOf(app, 'ConfigMap', 'db-backup-scripts').data;
    expect(Object.keys(scripts).sort()).toEqual(['backup.sh', 'restore.sh']);
    for (const text of Object.values(scripts) as string[]) {
      expect(text.split('\n').slice(0, 2)).toEqual(['#!/usr/bin/env bash', 'set -euo pipefail']);
      expect(text).not.toMatch(/\|\| *true|set \+e/);
    }
    expect(scripts['backup.sh']).toContain('pg_dump --format=custom');
    expect(scripts['backup.sh']).toContain('pg_dumpall --globals-only');
    expect(scripts['backup.sh']).toContain('pg_restore --list');
    expect(scripts['backup.sh']).toContain('sha256sum -- * > SHA256SUMS');
    expect(scripts['backup.sh']).toContain('apply_retention');
    expect(scripts['restore.sh']).toContain('sha256sum --check --strict');
  });

  test('the NetworkPolicy lets the backup reach the store on its port, and the store accept it', () => {
    const own = objectOf(app, 'NetworkPolicy', 'db-backup').spec;
    expect(own.egress).toContainEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'db', 'app.kubernetes.io/instance': 'test-prod' } } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
    const store = objectOf(app, 'NetworkPolicy', 'db').spec;
    expect(JSON.stringify(store.ingress)).toContain('"app.kubernetes.io/name":"db-backup"');
  });

  test('the restore Job: written to restore/, restores `latest` unless told otherwise, never retried', () => {
    const result = synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true, rules: [] });
    const restore = result.objects.find((o) => o.object.kind === 'Job' && o.object.metadata.name === 'db-restore')!;
    expect(restore.placement).toBe('restore');
    expect(restore.file).toBe('restore/job-db-restore.yaml');
    const job = restore.object;
    expect(job.spec).toMatchObject({ backoffLimit: 0 });
    const c = job.spec.template.spec.containers[0];
    expect(c.command).toEqual(['bash', '/opt/backup/restore.sh']);
    expect(envOf(c).BACKUP_ID.value).toBe('latest');
    expect(job.spec.template.spec.volumes).toContainEqual({ name: 'backup', persistentVolumeClaim: { claimName: 'db-backups' } });
    // Its ServiceAccount and NetworkPolicy are applied with the system, so it can run at once.
    const applied = result.objects.filter((o) => o.placement === 'applied').map((o) => `${o.object.kind}/${o.object.metadata.name}`);
    expect(applied).toEqual(expect.arrayContaining(['ServiceAccount/db-restore', 'NetworkPolicy/db-restore']));
  });

  test('alerts when a run fails or no run succeeded for a day', () => {
    const rules = objectOf(app, 'PrometheusRule', 'alerts').spec.groups.flatMap((g: Json) => g.rules);
    const failed = rules.find((r: Json) => r.alert === 'BackupJobFailed');
    const stale = rules.find((r: Json) => r.alert === 'BackupNotSuccessful');
    expect(failed.expr).toContain('owner_name=~"db-backup"');
    expect(stale.expr).toContain('cronjob="db-backup"');
    expect(stale.expr).toMatch(/> (86400|90000)\b/);
  });

  test('the README names the restore Job file and the commands', () => {
    const text = restoreRunbook(backup);
    expect(text).toContain('kubectl set env --local -f dist/prod/test/restore/job-db-restore.yaml BACKUP_ID=<name>');
    expect(text).toContain('kubectl -n test-prod scale deployment/api --replicas=0');
    expect(text).toContain('kubectl -n test-prod wait --for=condition=complete job/db-restore');
  });
});

describe('BackupSchedule to S3', () => {
  test('AWS: dump in an init container with the engine image, upload with an S3 client image; HTTPS egress outside the cluster only', () => {
    const keys = ExistingSecret.named('backup-keys', ['id', 'secret']);
    const { app } = postgresWithBackup(
      BackupTarget.s3({
        bucket: 'acme-backups',
        accessKeyId: fromSecret(keys, 'id'),
        secretAccessKey: fromSecret(keys, 'secret'),
        scratchSize: '8Gi',
      }),
    );
    const pod = podOf(objectOf(app, 'CronJob', 'db-backup'));
    expect(pod.initContainers.map((c: Json) => [c.name, c.image])).toContainEqual(['dump', ENGINE_IMAGES.postgres['17']]);
    const upload = pod.containers[0];
    expect(upload.image).toBe(S3_CLIENT_IMAGE);
    expect(upload.command).toEqual(['bash', '/opt/backup/upload.sh']);
    const env = envOf(upload);
    expect(env.AWS_ACCESS_KEY_ID.valueFrom.secretKeyRef).toEqual({ name: 'backup-keys', key: 'id' });
    expect(env.AWS_SECRET_ACCESS_KEY.valueFrom.secretKeyRef).toEqual({ name: 'backup-keys', key: 'secret' });
    expect(env.S3_PREFIX.value).toBe('test-prod/db');
    expect(env.S3_ENDPOINT).toBeUndefined();
    expect(envOf(pod.initContainers.find((c: Json) => c.name === 'dump')).STORE_PASSWORD.valueFrom.secretKeyRef.key).toBe('postgres-password');
    expect(pod.volumes).toContainEqual({ name: 'backup', emptyDir: { sizeLimit: '8Gi' } });
    // The scratch volume counts against the dump container's local disk.
    expect(pod.initContainers.find((c: Json) => c.name === 'dump').resources.limits['ephemeral-storage']).toBe('9Gi');
    const egress = objectOf(app, 'NetworkPolicy', 'db-backup').spec.egress;
    expect(egress).toContainEqual({
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } }],
      ports: [{ port: 443, protocol: 'TCP' }],
    });
    const restore = objectOf(app, 'Job', 'db-restore').spec.template.spec;
    expect(restore.initContainers.map((c: Json) => [c.name, c.image, c.command[1]])).toContainEqual([
      'download',
      S3_CLIENT_IMAGE,
      '/opt/backup/download.sh',
    ]);
    const scripts = objectOf(app, 'ConfigMap', 'db-backup-scripts').data;
    expect(Object.keys(scripts).sort()).toEqual(['backup.sh', 'download.sh', 'restore.sh', 'upload.sh']);
    expect(scripts['upload.sh']).toContain('cmp -s "$check/SHA256SUMS"');
    expect(scripts['backup.sh']).not.toContain('apply_retention');
  });

  test('MongoDB to a MinIO bucket (TechShop): mongodump --oplog of the replica set, egress to exactly the MinIO pods', () => {
    // TechShop backs up to its MinIO outside prod (in prod a bucket inside the cluster is refused).
    const { app, chart } = testChart(testEnv('staging'));
    const mongo = new MongoDb(chart, 'mongodb', {
      database: 'shop',
      storage: '20Gi',
      credentials: ExistingSecret.named('mongo-credentials', ['root-password', 'password', 'keyfile']),
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    });
    const minio = new ObjectStore(chart, 'minio', {
      storage: '50Gi',
      credentials: ExistingSecret.named('minio-credentials', ['root-user', 'root-password']),
      resources,
    }).noBackup(NOT_BACKED_UP_IN_TEST);
    const bucket = minio.addBucket('backups', { expireAfter: Duration.days(60) });
    mongo.backup({ target: bucket.asBackupTarget(), schedule: '0 2 * * *' });
    const pod = podOf(objectOf(app, 'CronJob', 'mongodb-backup'));
    const dump = pod.initContainers.find((c: Json) => c.name === 'dump');
    expect(dump.image).toBe(ENGINE_IMAGES.mongo['8.0']);
    const env = envOf(dump);
    expect(env.STORE_MEMBERS.value).toBe(['0', '1', '2'].map((i) => `mongodb-${i}.mongodb-headless.test-staging.svc:27017`).join(','));
    expect(env.MONGO_REPLICA_SET.value).toBeDefined();
    expect(envOf(pod.containers[0]).S3_ENDPOINT.value).toBe('http://minio.test-staging.svc:9000');
    expect(envOf(pod.containers[0]).S3_BUCKET.value).toBe('backups');
    const scripts = objectOf(app, 'ConfigMap', 'mongodb-backup-scripts').data;
    expect(scripts['backup.sh']).toContain('mongodump --config="$mongo_config"');
    expect(scripts['backup.sh']).toContain('--oplog --gzip --archive=');
    expect(scripts['restore.sh']).toContain('mongorestore --config="$mongo_config" --uri="$mongo_uri" --drop --oplogReplay');
    // The password reaches mongodump through a 0600 file, never its command line.
    expect(scripts['backup.sh']).not.toMatch(/--password/);
    const egress = objectOf(app, 'NetworkPolicy', 'mongodb-backup').spec.egress;
    expect(egress).toContainEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'minio', 'app.kubernetes.io/instance': 'test-staging' } } }],
      ports: [{ port: 9000, protocol: 'TCP' }],
    });
    expect(JSON.stringify(egress)).not.toContain('0.0.0.0/0');
  });

  test('Redis: an RDB snapshot streamed by the server, checked with redis-check-rdb; restored through MIGRATE', () => {
    const { app, chart } = testChart();
    const redis = new Redis(chart, 'queue', {
      use: 'queue',
      storage: '5Gi',
      credentials: ExistingSecret.named('redis-credentials', ['redis-password']),
      resources,
    });
    redis.backup({ target: BackupTarget.volume({ size: '5Gi' }) });
    const scripts = objectOf(app, 'ConfigMap', 'queue-backup-scripts').data;
    expect(scripts['backup.sh']).toContain('store_cli --rdb "$work/dump.rdb"');
    expect(scripts['backup.sh']).toContain('redis-check-rdb "$dir/dump.rdb"');
    expect(scripts['restore.sh']).toContain('MIGRATE');
    expect(scripts['restore.sh']).toContain('copied $total keys of $expected');
    expect(envOf(podOf(objectOf(app, 'CronJob', 'queue-backup')).containers[0]).BACKUP_DATABASES).toBeUndefined();
  });
});

describe('bad input', () => {
  test('every problem at once, with the backup path and field', () => {
    const keys = ExistingSecret.named('k', ['id', 'secret']);
    const { app } = postgresWithBackup(
      BackupTarget.s3({
        bucket: 'Bad_Bucket',
        prefix: '/leading/',
        endpoint: 'http://minio:9000',
        accessKeyId: fromSecret(keys, 'id'),
        secretAccessKey: fromSecret(keys, 'secret'),
        scratchSize: 'lots',
      }),
      { keep: 0, maxAge: Duration.hours(36), schedule: '0 25 * * *' },
    );
    const errors = errorsOf(app);
    const expected = [
      /\[test-prod\/db-backup\] keep: /,
      /\[test-prod\/db-backup\] maxAge: 36h is not whole days, e\.g\. Duration\.days\(30\)/,
      /\[test-prod\/db-backup\] schedule: .*hour/,
      /\[test-prod\/db-backup\] target\.s3\.bucket: 'Bad_Bucket' is not a valid bucket name/,
      /\[test-prod\/db-backup\] target\.s3\.prefix: /,
      /\[test-prod\/db-backup\] target\.s3\.server: an http endpoint is an in-cluster server/,
      /\[test-prod\/db-backup\] target\.s3\.scratchSize: /,
    ];
    for (const e of expected) expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(e)]));
  });

  test('a volume size that does not parse', () => {
    const { app } = postgresWithBackup(BackupTarget.volume({ size: 'big' }));
    expect(errorsOf(app)).toEqual(
      expect.arrayContaining([expect.stringMatching(/\[test-prod\/db-backup\] target\.volume\.size: 'big' must be a positive quantity/)]),
    );
  });
});

describe('cronPeriodSeconds: the longest gap between runs', () => {
  test.each([
    ['0 2 * * *', 86400],
    ['@daily', 86400],
    ['0 */6 * * *', 6 * 3600],
    ['@weekly', 7 * 86400],
    ['0 2 * * 1-5', 3 * 86400],
    ['30 1 1 * *', 31 * 86400],
  ])('%s -> %i s', (schedule, seconds) => {
    expect(cronPeriodSeconds(schedule)).toBe(seconds);
  });
});
