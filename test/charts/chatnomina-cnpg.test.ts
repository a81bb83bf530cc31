/**
 * ChatNomina (seeds/003) runs prod on an RDS cluster with high availability: prod's
 * PostgreSQL is a CloudNativePG Cluster (primary + 2 standbys, WAL archived to the
 * off-site S3 bucket within 5 minutes), dev and staging keep the single StatefulSet.
 */
import * as fs from 'fs';
import * as path from 'path';
import { envOf, find, kinds, mainContainer, systemObjects, workloadObject } from './support';

type Json = Record<string, any>;

describe('ChatNomina prod: PostgreSQL on CloudNativePG', () => {
  const prod = systemObjects('chatnomina', 'prod');
  const cluster = find(prod, 'Cluster', 'db');

  test('three instances on different nodes, the chatnomina database owned by chatnomina, 50Gi each', () => {
    expect(cluster.spec).toMatchObject({
      instances: 3,
      imageName: 'ghcr.io/cloudnative-pg/postgresql:15.14-standard-trixie',
      affinity: { enablePodAntiAffinity: true, podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' },
      bootstrap: { initdb: { database: 'chatnomina', owner: 'chatnomina', secret: { name: 'db-credentials' } } },
      storage: { size: '50Gi' },
      enableSuperuserAccess: false,
    });
    expect(cluster.metadata.namespace).toBe('chatnomina-prod');
  });

  test('the owner credentials are a basic-auth Secret from the secret store', () => {
    const secret = find(prod, 'ExternalSecret', 'db-credentials').spec;
    expect(secret.target.template).toMatchObject({ type: 'kubernetes.io/basic-auth', mergePolicy: 'Merge', data: { username: 'chatnomina' } });
    expect(secret.data.find((d: Json) => d.secretKey === 'password').remoteRef).toEqual({
      key: 'chatnomina/prod/db-credentials',
      property: 'password',
    });
  });

  test('WAL archived to the off-site bucket at least every 5 minutes (rpo), daily base backups kept 30 days', () => {
    expect(cluster.spec.postgresql.parameters.archive_timeout).toBe('5min');
    expect(cluster.spec.plugins).toEqual([
      { name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'db-backups' } },
    ]);
    expect(find(prod, 'ObjectStore', 'db-backups').spec).toMatchObject({
      retentionPolicy: '30d',
      configuration: {
        destinationPath: 's3://chatnomina-backups-prod/chatnomina-prod/cnpg',
        endpointURL: 'https://s3.us-east-1.amazonaws.com',
        s3Credentials: { accessKeyId: { name: 'backup-s3-credentials', key: 'AWS_ACCESS_KEY_ID' } },
      },
    });
    expect(find(prod, 'ScheduledBackup', 'db-daily').spec).toMatchObject({ cluster: { name: 'db' }, method: 'plugin', schedule: '0 0 2 * * *' });
  });

  test('an alert when WAL archiving has been failing for longer than the rpo, from the PodMonitor-scraped exporter', () => {
    expect(find(prod, 'PodMonitor', 'db').spec.selector.matchLabels).toEqual({ 'cnpg.io/cluster': 'db', 'cnpg.io/podRole': 'instance' });
    const rules = find(prod, 'PrometheusRule', 'alerts').spec.groups.flatMap((g: Json) => g.rules);
    const rule = rules.find((r: Json) => r.alert === 'WalArchiveFailingDb');
    expect(rule).toMatchObject({ for: '5m', labels: { severity: 'critical' } });
    expect(rule.expr).toBe(
      'max by (namespace, pod) (cnpg_pg_stat_archiver_last_failed_time{namespace="chatnomina-prod",pod=~"db-[0-9]+"}) > ' +
        'max by (namespace, pod) (cnpg_pg_stat_archiver_last_archived_time{namespace="chatnomina-prod",pod=~"db-[0-9]+"})',
    );
    // The pg_dump backup's CronJob alerts are gone with the CronJob.
    expect(JSON.stringify(rules)).not.toContain('db-backup');
  });

  test('alerts when instances are not ready, a base backup failed, or none succeeded for a day and an hour', () => {
    const rules = find(prod, 'PrometheusRule', 'alerts').spec.groups.flatMap((g: Json) => g.rules);
    const byName = (name: string) => rules.find((r: Json) => r.alert === name);
    expect(byName('PostgresInstancesNotReadyDb').expr).toBe(
      'sum by (namespace) (kube_pod_status_ready{namespace="chatnomina-prod",pod=~"db-[0-9]+",condition="true"}) < 3',
    );
    // Three instances: one down still serves, so it is a warning, not a page.
    expect(byName('PostgresInstancesNotReadyDb').labels.severity).toBe('warning');
    expect(byName('BaseBackupFailedDb').expr).toBe(
      'max by (namespace) (barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp{namespace="chatnomina-prod",pod=~"db-[0-9]+"}) > ' +
        'max by (namespace) (barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{namespace="chatnomina-prod",pod=~"db-[0-9]+"})',
    );
    // Daily at 02:00: 24 h plus an hour.
    expect(byName('BaseBackupStaleDb').expr).toMatch(
      /^time\(\) - max by \(namespace\) \(barman_cloud_cloudnative_pg_io_last_available_backup_timestamp\{.*\}\) > 90000$/,
    );
    expect(byName('BaseBackupStaleDb').labels.severity).toBe('critical');
  });

  test('the API connects to the primary through db-rw with the same variables as before', () => {
    const env = envOf(mainContainer(workloadObject(prod, 'api')));
    expect(env.DB_HOST.value).toBe('db-rw.chatnomina-prod.svc');
    expect(env.DB_PORT.value).toBe('5432');
    expect(env.DB_NAME.value).toBe('chatnomina');
    expect(env.DB_USER.value).toBe('chatnomina');
    expect(env.DB_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'db-credentials', key: 'password' });
  });

  test('no StatefulSet, Service, PDB or pg_dump CronJob of its own for db; the operator makes them', () => {
    const dbObjects = prod.filter((o) => /^db(-|$)/.test(o.metadata.name)).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(dbObjects.sort()).toEqual([
      'Cluster/db',
      'ExternalSecret/db-credentials',
      'NetworkPolicy/db',
      'ObjectStore/db-backups',
      'PodMonitor/db',
      'ScheduledBackup/db-daily',
    ]);
    expect(kinds(prod, 'PodDisruptionBudget').map((p) => p.metadata.name)).not.toContain('db');
  });

  test('dev and staging keep the StatefulSet on db:5432', () => {
    for (const env of ['dev', 'staging'] as const) {
      const objects = systemObjects('chatnomina', env);
      expect(kinds(objects, 'Cluster')).toEqual([]);
      expect(find(objects, 'StatefulSet', 'db').spec.replicas).toBe(1);
      expect(envOf(mainContainer(workloadObject(objects, 'api'))).DB_HOST.value).toBe(`db.chatnomina-${env}.svc`);
    }
  });

  test('the README has the point-in-time recovery runbook with the real names', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'dist', 'prod', 'chatnomina', 'README.md'), 'utf8');
    // In the one section every store's restore runbook is in, whatever its engine.
    const section = readme.slice(readme.indexOf('## Backups and restore'));
    expect(section).toContain('### db (CloudNativePG Cluster `db`, 3 instances)');
    expect(readme).not.toContain('## PostgreSQL on CloudNativePG');
    expect(readme).toContain('`s3://chatnomina-backups-prod/chatnomina-prod/cnpg/db/`');
    expect(readme).toContain('kubectl -n chatnomina-prod wait cluster/db-pitr --for=condition=Ready --timeout=4h');
    expect(readme).toContain('kubectl -n chatnomina-prod scale rollout/api --replicas=0');
    expect(readme).toMatch(/recoveryTarget:\n\s+targetTime: /);
    expect(readme).toContain('barmanObjectName: db-backups');
    // The quota raised by exactly one more instance (postgres 1 cpu / 2Gi, the Barman Cloud sidecar 500m / 512Mi) and its 50Gi volume.
    const quota = find(prod, 'ResourceQuota', 'stack').spec.hard;
    const patch = /kubectl -n chatnomina-prod patch resourcequota stack --type merge -p '(.*)'/.exec(readme)![1];
    const raised = JSON.parse(patch).spec.hard;
    expect(Object.keys(raised).sort()).toEqual(Object.keys(quota).sort());
    expect(Number(raised.pods)).toBe(Number(quota.pods) + 1);
    expect(Number(raised.persistentvolumeclaims)).toBe(Number(quota.persistentvolumeclaims) + 1);
    expect(parseInt(raised['requests.storage'], 10)).toBe(parseInt(quota['requests.storage'], 10) + 50);
    expect(parseInt(raised['limits.cpu'], 10)).toBe(parseInt(quota['limits.cpu'], 10) + 1500);
    expect(parseInt(raised['limits.memory'], 10)).toBe(parseInt(quota['limits.memory'], 10) + 2560);
  });
});
