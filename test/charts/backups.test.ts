import * as fs from 'fs';
import * as path from 'path';
import { S3_CLIENT_IMAGE } from '../../lib/backup/tools';
import { envOf, find, kinds, mainContainer, systemObjects } from './support';

type Json = Record<string, any>;
const pod = (cronJob: Json): Json => cronJob.spec.jobTemplate.spec.template.spec;

describe("the seeds' backups, scheduled, verified and restorable", () => {
  test("TechShop (seeds/002): the daily 02:00 Mongo backup goes to MinIO through an S3 client image, not `aws` in the mongo image (the seed's defect)", () => {
    const prod = systemObjects('techshop', 'prod');
    const cronJob = find(prod, 'CronJob', 'mongodb-backup');
    expect(cronJob.spec.schedule).toBe('0 2 * * *');
    const spec = pod(cronJob);
    const dump = spec.initContainers.find((c: Json) => c.name === 'dump');
    expect(dump.image).toMatch(/^mongo:\d/);
    expect(dump.command).toEqual(['bash', '/opt/backup/backup.sh']);
    expect(mainContainer(cronJob).image).toBe(S3_CLIENT_IMAGE);
    expect(envOf(mainContainer(cronJob)).S3_ENDPOINT.value).toBe('http://minio.techshop-prod.svc:9000');
    expect(find(prod, 'Job', 'mongodb-restore').spec.template.spec.initContainers.map((c: Json) => c.name)).toContain('download');
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
    const prod = systemObjects('feature-models', 'prod');
    expect(
      kinds(prod, 'CronJob')
        .map((c) => c.metadata.name)
        .sort(),
    ).toEqual(expect.arrayContaining(['db-backup', 'redis-backup']));
  });

  test('Loopi and capibara6: every relational database is backed up', () => {
    expect(kinds(systemObjects('loopi', 'prod'), 'CronJob').map((c) => c.metadata.name)).toContain('mysql-backup');
    expect(kinds(systemObjects('capibara6', 'prod'), 'CronJob').map((c) => c.metadata.name)).toEqual(
      expect.arrayContaining(['db-backup', 'metrics-db-backup']),
    );
  });

  test('every committed system README carries a restore runbook for each of its restore Jobs, and restore Jobs are not in the kustomization', () => {
    const dist = path.resolve(__dirname, '../../dist');
    for (const env of ['dev', 'staging', 'prod']) {
      for (const system of fs.readdirSync(path.join(dist, env)).filter((s) => s !== 'argocd')) {
        const folder = path.join(dist, env, system);
        const restoreDir = path.join(folder, 'restore');
        const jobs = fs.existsSync(restoreDir) ? fs.readdirSync(restoreDir) : [];
        expect(jobs.length).toBeGreaterThan(0);
        const readme = fs.readFileSync(path.join(folder, 'README.md'), 'utf8');
        const kustomization = fs.readFileSync(path.join(folder, 'kustomization.yaml'), 'utf8');
        expect(readme).toContain('## Backups and restore');
        for (const job of jobs) {
          expect(readme).toContain(`kubectl set env --local -f dist/${env}/${system}/restore/${job} BACKUP_ID=<name>`);
          expect(kustomization).not.toContain(job);
        }
      }
    }
  });
});
