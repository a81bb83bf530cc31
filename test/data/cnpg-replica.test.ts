/**
 * A CloudNativePG replica cluster (`engine.replicaOf`): the backup site's copy of another site's
 * cluster, bootstrapped from the origin's base backups and replaying its WAL archive through the
 * Barman Cloud plugin, read-only until promoted; the origin's archive is read, never pruned.
 */
import { BackupTarget, ExistingSecret, fromSecret, SystemSecret } from '../../lib';
import { Postgres } from '../../lib/data/postgres';
import { PostgresEngine } from '../../lib/data/postgres-engine';
import { CloudNativePgProps } from '../../lib/data/cloudnative-pg-settings';
import { platformRequirements } from '../../lib/core/platform-requirements';
import { errorIdsOf, errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';
import { backupReadmeSections } from '../../lib/pipeline/backup-passes';

const keys = ExistingSecret.named('backup-s3', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
const s3 = (bucket: string, prefix?: string) =>
  BackupTarget.s3({
    bucket,
    region: 'us-east-1',
    ...(prefix ? { prefix } : {}),
    accessKeyId: fromSecret(keys, 'AWS_ACCESS_KEY_ID'),
    secretAccessKey: fromSecret(keys, 'AWS_SECRET_ACCESS_KEY'),
  });
const ORIGIN = { target: s3('chatnomina-backups-prod', 'chatnomina-prod/cnpg') };

function build(engine: CloudNativePgProps, env: 'staging' | 'prod' = 'prod') {
  const { app, chart } = testChart(testEnv(env), 'chatnomina');
  const db = new Postgres(chart, 'db', {
    version: '15',
    database: 'chatnomina',
    storage: '50Gi',
    credentials: new SystemSecret(chart, 'db-credentials', { keys: ['postgres-password', 'password'], basicAuthUsername: 'chatnomina' }),
    resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    engine: PostgresEngine.cloudNativePg(engine),
  });
  return { app, chart, db };
}

describe('a replica of the origin with an archive of its own', () => {
  const { app, chart } = build({ instances: 2, backup: { target: s3('chatnomina-backups-standby', 'chatnomina-standby/cnpg') }, replicaOf: ORIGIN });
  const cluster = objectOf(app, 'Cluster', 'db');

  test('synthesizes', () => expect(errorsOf(app)).toEqual([]));

  test("bootstrapped from the origin's backups, not initdb; a replica of the origin until promoted", () => {
    expect(cluster.spec.bootstrap).toEqual({
      recovery: { source: 'origin', database: 'chatnomina', owner: 'chatnomina', secret: { name: 'db-credentials' } },
    });
    expect(cluster.spec.replica).toEqual({ enabled: true, source: 'origin' });
    expect(cluster.spec.externalClusters).toEqual([
      { name: 'origin', plugin: { name: 'barman-cloud.cloudnative-pg.io', parameters: { barmanObjectName: 'db-origin', serverName: 'db' } } },
    ]);
  });

  test("the origin's archive is an ObjectStore of its own with no retention policy: the replica never prunes the origin's backups", () => {
    const origin = objectOf(app, 'ObjectStore', 'db-origin');
    expect(origin.spec.retentionPolicy).toBeUndefined();
    expect(origin.spec.configuration).toMatchObject({
      destinationPath: 's3://chatnomina-backups-prod/chatnomina-prod/cnpg',
      endpointURL: 'https://s3.us-east-1.amazonaws.com',
      s3Credentials: {
        accessKeyId: { name: 'backup-s3', key: 'AWS_ACCESS_KEY_ID' },
        secretAccessKey: { name: 'backup-s3', key: 'AWS_SECRET_ACCESS_KEY' },
      },
    });
    // Its own archive goes elsewhere, with its retention.
    const own = objectOf(app, 'ObjectStore', 'db-backups');
    expect(own.spec.configuration.destinationPath).toBe('s3://chatnomina-backups-standby/chatnomina-standby/cnpg');
    expect(own.spec.retentionPolicy).toBe('30d');
    expect(cluster.spec.plugins).toEqual([
      { name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'db-backups' } },
    ]);
  });

  test('requires the Barman Cloud plugin for the recovery', () => {
    expect(
      platformRequirements(chart)
        .filter((r) => r.component === 'barman-cloud-plugin')
        .map((r) => r.reason),
    ).toContainEqual(expect.stringContaining('externalClusters[].plugin'));
  });

  test('the runbook names the origin and the promotion of the backup site', () => {
    const [section] = backupReadmeSections(chart);
    expect(section).toContain('**Replica of** `s3://chatnomina-backups-prod/chatnomina-prod/cnpg/db/` (ObjectStore `db-origin`)');
    expect(section).toContain(`kubectl -n chatnomina-prod patch cluster db --type merge -p '{"spec":{"replica":{"enabled":false}}}'`);
    expect(section).toContain('kubectl -n argocd patch application chatnomina-prod');
  });
});

test("a replica without an archive of its own reads the origin's ObjectStore and reaches S3 over HTTPS", () => {
  const { app, db } = build({ instances: 1, replicaOf: { ...ORIGIN, serverName: 'db' } }, 'staging');
  db.noBackup({ reason: 'a standby of the origin, whose archive holds the data' });
  expect(errorsOf(app)).toEqual([]);
  expect(objectsOf(app, 'ObjectStore').map((o) => o.metadata.name)).toEqual(['db-origin']);
  expect(objectsOf(app, 'ScheduledBackup')).toEqual([]);
  const egress = objectsOf(app, 'NetworkPolicy').flatMap((p) => p.spec.egress ?? []);
  expect(JSON.stringify(egress)).toContain('443');
});

describe('validation', () => {
  test.each([
    ['a target that is no S3 bucket', { target: BackupTarget.volume({ size: '1Gi' }) }, 'cloudnative-pg-engine.replica-of.target-not-s3'],
    [
      "no prefix (the origin's default would be its namespace)",
      { target: s3('chatnomina-backups-prod') },
      'cloudnative-pg-engine.replica-of.prefix-required',
    ],
    [
      'keys given as strings',
      { target: BackupTarget.s3({ bucket: 'b', prefix: 'p', region: 'us-east-1', accessKeyId: 'AKIA', secretAccessKey: 'x' } as never) },
      'cloudnative-pg-engine.replica-of.key-not-from-secret',
    ],
    ['a server name that is none', { ...ORIGIN, serverName: 'DB_1' }, 'cloudnative-pg-engine.replica-of.server-name'],
  ])('%s is an error naming the field', (_, replicaOf, id) => {
    expect(errorIdsOf(build({ instances: 2, backup: { target: s3('other', 'x') }, replicaOf: replicaOf as never }).app)).toContain(
      `[chatnomina-prod/db] ${id}`,
    );
  });

  test("archiving into the origin's own folder is an error", () => {
    const ids = errorIdsOf(build({ instances: 2, backup: { target: ORIGIN.target }, replicaOf: ORIGIN }).app);
    expect(ids).toContain('[chatnomina-prod/db] cloudnative-pg-engine.replica-of.same-archive');
  });
});
