import * as fs from 'fs';
import * as path from 'path';
import { S3_CLIENT_IMAGE } from '../../lib/backup/tools';
import { envOf, find, kinds, mainContainer, systemObjects, workloadObject } from './support';

type Json = Record<string, any>;
const pod = (cronJob: Json): Json => cronJob.spec.jobTemplate.spec.template.spec;

describe("the seeds' backups, scheduled, verified and restorable", () => {
  test("TechShop (seeds/002), staging: the daily 02:00 Mongo backup goes to MinIO through an S3 client image, not `aws` in the mongo image (the seed's defect)", () => {
    const staging = systemObjects('techshop', 'staging');
    const cronJob = find(staging, 'CronJob', 'mongodb-backup');
    expect(cronJob.spec.schedule).toBe('0 2 * * *');
    const spec = pod(cronJob);
    const dump = spec.initContainers.find((c: Json) => c.name === 'dump');
    expect(dump.image).toMatch(/^docker\.io\/library\/mongo:\d/);
    expect(dump.command).toEqual(['bash', '/opt/backup/backup.sh']);
    expect(mainContainer(cronJob).image).toBe(S3_CLIENT_IMAGE);
    expect(envOf(mainContainer(cronJob)).S3_ENDPOINT.value).toBe('http://minio.techshop-staging.svc:9000');
    expect(find(staging, 'Job', 'mongodb-restore').spec.template.spec.initContainers.map((c: Json) => c.name)).toContain('download');
  });

  test('TechShop, prod: every backup goes off-site to the AWS S3 bucket techshop-backups (no endpoint, HTTPS out of the cluster), keys from the secret store', () => {
    const prod = systemObjects('techshop', 'prod');
    const mongo = envOf(mainContainer(find(prod, 'CronJob', 'mongodb-backup')));
    const minio = envOf(mainContainer(find(prod, 'CronJob', 'minio-backup')));
    for (const env of [mongo, minio]) {
      expect(env.S3_BUCKET.value).toBe('techshop-backups');
      expect(env.S3_ENDPOINT).toBeUndefined();
      expect(env.AWS_ACCESS_KEY_ID.valueFrom.secretKeyRef).toEqual({ name: 'backup-s3-credentials', key: 'AWS_ACCESS_KEY_ID' });
      expect(env.AWS_SECRET_ACCESS_KEY.valueFrom.secretKeyRef).toEqual({ name: 'backup-s3-credentials', key: 'AWS_SECRET_ACCESS_KEY' });
    }
    expect([mongo.S3_PREFIX.value, minio.S3_PREFIX.value]).toEqual(['techshop-prod/mongodb', 'techshop-prod/minio']);
    // No in-cluster copy in prod: the MinIO has no backups bucket, and the backup pods reach AWS on 443 only.
    const bucketScript = kinds(prod, 'Job').find((j) => j.metadata.name.startsWith('minio-buckets-'))!.spec.template.spec.containers[0].command[2];
    expect(bucketScript).not.toContain('store/backups');
    for (const name of ['mongodb-backup', 'minio-backup']) {
      const egress = find(prod, 'NetworkPolicy', name).spec.egress;
      expect(egress).toContainEqual({
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } }],
        ports: [{ port: 443, protocol: 'TCP' }],
      });
    }
    expect(find(prod, 'ExternalSecret', 'backup-s3-credentials')).toBeDefined();
  });

  test('TechShop: the uploads bucket is mirrored and checked daily with mc (its own read-only user), to a volume in dev and staging; the Mongo backups bucket is not copied', () => {
    for (const env of ['dev', 'staging'] as const) {
      const objects = systemObjects('techshop', env);
      const cronJob = find(objects, 'CronJob', 'minio-backup');
      expect(cronJob.spec.schedule).toBe('30 2 * * *');
      const c = mainContainer(cronJob);
      expect(c.image).toMatch(/^quay\.io\/minio\/mc:RELEASE\./);
      expect(c.command).toEqual(['bash', '/opt/backup/mirror.sh']);
      const env_ = envOf(c);
      expect(env_.BUCKETS.value).toBe('uploads');
      expect(env_.SOURCE_ACCESS_KEY_0.value).toBe('uploads-ro');
      expect(env_.SOURCE_SECRET_KEY_0.valueFrom.secretKeyRef.name).toBe('minio-uploads-ro');
      expect(env_.BACKUP_ROOT.value).toBe('/backup');
      expect(pod(cronJob).volumes).toContainEqual({ name: 'backup', persistentVolumeClaim: { claimName: 'minio-backups' } });
      const restore = find(objects, 'Job', 'minio-restore');
      expect(envOf(restore.spec.template.spec.containers[0]).SOURCE_ACCESS_KEY_0.value).toBe('uploads-rw');
    }
  });

  test('TechShop: Redis (sessions) is not backed up, and the README says why', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../dist/prod/techshop/README.md'), 'utf8');
    expect(kinds(systemObjects('techshop', 'prod'), 'CronJob').map((c) => c.metadata.name)).not.toContain('redis-backup');
    expect(readme).toContain('### Not backed up, on purpose');
    expect(readme).toMatch(/- `redis`: sessions and cache only: losing them signs users out, while restoring a snapshot would bring back sessions/);
    expect(readme).toContain('### minio (MinIO buckets: uploads)');
  });

  test('ChatNomina (seeds/003): daily pg_dump and Redis backups, off-site to S3 in staging and prod, on a volume in dev; prod PostgreSQL archived by CloudNativePG', () => {
    for (const [env, stores] of [
      ['staging', ['db', 'cache']],
      ['prod', ['cache']],
    ] as const) {
      const objects = systemObjects('chatnomina', env);
      for (const store of stores) {
        const cronJob = find(objects, 'CronJob', `${store}-backup`);
        expect(envOf(mainContainer(cronJob)).S3_BUCKET.value).toBe(`chatnomina-backups-${env}`);
        expect(envOf(mainContainer(cronJob)).AWS_ACCESS_KEY_ID.valueFrom.secretKeyRef.name).toBe('backup-s3-credentials');
      }
    }
    const prod = systemObjects('chatnomina', 'prod');
    expect(find(prod, 'ObjectStore', 'db-backups').spec.configuration.destinationPath).toBe('s3://chatnomina-backups-prod/chatnomina-prod/cnpg');
    expect(kinds(prod, 'CronJob').map((c) => c.metadata.name)).toEqual(['cache-backup']);
    const dev = systemObjects('chatnomina', 'dev');
    expect(pod(find(dev, 'CronJob', 'db-backup')).volumes).toContainEqual({ name: 'backup', persistentVolumeClaim: { claimName: 'db-backups' } });
  });

  test('Feature-models (seeds/001): the backups the seed calls critical exist (database and broker)', () => {
    // Prod: CloudNativePG's daily base backups and WAL archive in S3, and the broker's dumps.
    const prod = systemObjects('feature-models', 'prod');
    expect(kinds(prod, 'CronJob').map((c) => c.metadata.name)).toContain('redis-backup');
    expect(find(prod, 'ScheduledBackup', 'db-daily').spec.cluster.name).toBe('db');
    expect(find(prod, 'ObjectStore', 'db-backups').spec.configuration.destinationPath).toBe(
      's3://feature-models-backups-prod/feature-models-prod/cnpg',
    );
    // Dev and staging: the single server's daily dumps.
    expect(kinds(systemObjects('feature-models', 'staging'), 'CronJob').map((c) => c.metadata.name)).toEqual(
      expect.arrayContaining(['db-backup', 'redis-backup']),
    );
  });

  test('Loopi and capibara6: every relational database is backed up, and the capibara6 queue (jobs nothing else records)', () => {
    // Loopi prod: MOCO's BackupPolicy (full dumps and binary logs); dev and staging: the dump CronJob.
    expect(kinds(systemObjects('loopi', 'prod'), 'BackupPolicy').map((c) => c.metadata.name)).toEqual(['mysql-backup']);
    expect(kinds(systemObjects('loopi', 'staging'), 'CronJob').map((c) => c.metadata.name)).toContain('mysql-backup');
    // capibara6 prod: CloudNativePG backs up db and metrics-db (base backups and WAL in S3, each
    // Cluster in its own folder of the bucket, named after it); the queue's dumps.
    const capibara6 = systemObjects('capibara6', 'prod');
    expect(kinds(capibara6, 'CronJob').map((c) => c.metadata.name)).toEqual(['queue-backup']);
    for (const db of ['db', 'metrics-db']) {
      expect(find(capibara6, 'ScheduledBackup', `${db}-daily`).spec.cluster.name).toBe(db);
      expect(find(capibara6, 'ObjectStore', `${db}-backups`).spec.configuration.destinationPath).toBe(
        's3://capibara6-backups-prod/capibara6-prod/cnpg',
      );
      expect(find(capibara6, 'Cluster', db).spec.plugins[0].parameters.barmanObjectName).toBe(`${db}-backups`);
    }
    expect(kinds(systemObjects('capibara6', 'staging'), 'CronJob').map((c) => c.metadata.name)).toEqual(
      expect.arrayContaining(['db-backup', 'metrics-db-backup', 'queue-backup']),
    );
  });

  test('capibara6 prod: the application database runs three instances (primary and two standbys); the apps use the primary', () => {
    const capibara6 = systemObjects('capibara6', 'prod');
    expect(find(capibara6, 'Cluster', 'db').spec.instances).toBe(3);
    for (const name of ['api', 'graphql']) {
      const env = envOf(mainContainer(workloadObject(capibara6, name)));
      expect(JSON.stringify(env)).toContain('db-rw.capibara6-prod.svc');
    }
  });

  test.each([
    ['capibara6', 'cache'],
    ['loopi', 'redis'],
    ['techshop', 'redis'],
  ])('%s: the store %s is not backed up on purpose, with the reason in the README', (system, store) => {
    expect(kinds(systemObjects(system, 'prod'), 'CronJob').map((c) => c.metadata.name)).not.toContain(`${store}-backup`);
    const readme = fs.readFileSync(path.join(__dirname, `../../dist/prod/${system}/README.md`), 'utf8');
    expect(readme).toMatch(new RegExp(`### Not backed up, on purpose\\n\\n(- .*\\n)*- \`${store}\`: .{20,}`));
  });

  test('every committed system README carries a restore runbook for each of its restore Jobs, and restore Jobs are not in the kustomization', () => {
    const dist = path.resolve(__dirname, '../../dist');
    for (const env of ['dev', 'staging', 'prod']) {
      for (const system of fs.readdirSync(path.join(dist, env)).filter((s) => s !== 'argocd' && s !== 'platform')) {
        const folder = path.join(dist, env, system);
        const restoreDir = path.join(folder, 'restore');
        const jobs = fs.existsSync(restoreDir) ? fs.readdirSync(restoreDir) : [];
        const readme = fs.readFileSync(path.join(folder, 'README.md'), 'utf8');
        // A store on an operator engine restores through the operator (its runbook instead of a Job).
        expect(jobs.length > 0 || readme.includes('point-in-time recovery)')).toBe(true);
        const kustomization = fs.readFileSync(path.join(folder, 'kustomization.yaml'), 'utf8');
        expect(readme).toContain('## Backups and restore');
        for (const job of jobs) {
          // A bucket restore puts back the last run's objects (RESTORE_BUCKETS); a dump restore takes a backup's name.
          const variable = job.startsWith('job-minio-') ? 'RESTORE_BUCKETS=' : 'BACKUP_ID=<name>';
          expect(readme).toContain(`kubectl set env --local -f dist/${env}/${system}/restore/${job} ${variable}`);
          expect(kustomization).not.toContain(job);
        }
      }
    }
  });
});
