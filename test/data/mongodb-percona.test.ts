import { NOT_BACKED_UP_IN_TEST } from '../support/stores';
import {
  BackupTarget,
  ConnectionEnv,
  DEFAULT_RULES,
  Duration,
  fromSecret,
  MongoDb,
  MongoDbEngine,
  ObjectStore,
  Probe,
  SystemChart,
  SystemSecret,
  WebService,
} from '../../lib';
import { PSMDB } from '../../lib/data/psmdb-cluster';
import type { MongoDbProps } from '../../lib/data/mongodb';
import type { PerconaEngineOptions } from '../../lib/data/mongodb-engine';
import { platformRequirements } from '../../lib/core/platform-requirements';
import { backupReadmeSections } from '../../lib/pipeline/backup-passes';
import { errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';
import { expectOneError, testStrictSchemaValidation } from '../support/construct-tests';

const resources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } };
type Env = 'dev' | 'staging' | 'prod';

/** A MongoDb store on the Percona operator in `env` (3 members, PBM to AWS S3, rpo 10m unless `engine` says otherwise). */
function build(engine: (chart: SystemChart) => Partial<PerconaEngineOptions> = () => ({}), env: Env = 'prod', props: Partial<MongoDbProps> = {}) {
  const { app, chart } = testChart(testEnv(env));
  const credentials = new SystemSecret(chart, 'mongodb-credentials', { keys: ['password'] });
  const keys = new SystemSecret(chart, 'backup-s3', { keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] });
  const target = BackupTarget.s3({
    bucket: 'techshop-mongodb-backups',
    region: 'eu-west-1',
    accessKeyId: fromSecret(keys, 'AWS_ACCESS_KEY_ID'),
    secretAccessKey: fromSecret(keys, 'AWS_SECRET_ACCESS_KEY'),
  });
  const mongo = new MongoDb(chart, 'mongodb', {
    database: 'techshop',
    storage: '20Gi',
    credentials,
    resources,
    monitoring: { exporter: true },
    engine: MongoDbEngine.percona({ members: 3, rpo: Duration.minutes(10), backup: { target }, ...engine(chart) }),
    ...props,
  });
  return { app, chart, mongo };
}

const web = (chart: SystemChart) =>
  new WebService(chart, 'app', {
    image: 'registry.stackworks.io/techshop/app:1.0.0',
    ports: [{ name: 'http', port: 3000 }],
    readiness: Probe.http('/ready'),
    resources,
  });

const minioTarget = (chart: SystemChart) =>
  new ObjectStore(chart, 'minio', {
    storage: '10Gi',
    credentials: new SystemSecret(chart, 'minio-credentials', { keys: ['root-user', 'root-password'] }),
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
  })
    .noBackup(NOT_BACKED_UP_IN_TEST)
    .addBucket('backups')
    .asBackupTarget();

describe('MongoDb on the Percona operator', () => {
  const { app, chart, mongo } = build();
  web(chart).connect(mongo, { env: ConnectionEnv.url('MONGODB_URI') });
  const cluster = objectOf(app, 'PerconaServerMongoDB', 'mongodb');
  const replset = cluster.spec.replsets[0];

  test('synthesizes with every policy rule and no error', () => {
    expect(errorsOf(app, DEFAULT_RULES)).toEqual([]);
  });

  testStrictSchemaValidation(() => objectsOf(app));

  test('a three-member replica set rs0 on Percona Server for MongoDB 8.0, no StatefulSet or init Job of its own', () => {
    expect(cluster.apiVersion).toBe('psmdb.percona.com/v1');
    expect(cluster.spec).toMatchObject({
      crVersion: '1.23.0',
      image: 'docker.io/percona/percona-server-mongodb:8.0.26-11',
      upgradeOptions: { apply: 'disabled' },
    });
    expect(replset).toMatchObject({
      name: 'rs0',
      size: 3,
      affinity: { antiAffinityTopologyKey: 'kubernetes.io/hostname' },
      podDisruptionBudget: { maxUnavailable: 1 },
    });
    expect(replset.volumeSpec.persistentVolumeClaim.resources.requests.storage).toBe('20Gi');
    expect(replset.resources).toEqual(resources);
    expect(objectsOf(app, 'StatefulSet')).toEqual([]);
    expect(objectsOf(app, 'Job')).toEqual([]);
  });

  test('restricted security contexts for mongod, the PBM agent and the operator init container', () => {
    for (const context of [
      replset.containerSecurityContext,
      cluster.spec.backup.containerSecurityContext,
      cluster.spec.initContainerSecurityContext,
    ]) {
      expect(context).toMatchObject({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
    expect(replset.podSecurityContext).toMatchObject({ runAsNonRoot: true, fsGroup: 1001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(objectOf(app, 'Namespace', 'test-prod').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('the application user by the operator: readWrite on its database only, password by reference', () => {
    expect(cluster.spec.users).toEqual([
      {
        name: 'techshop',
        db: 'techshop',
        passwordSecretRef: { name: 'mongodb-credentials', key: 'password' },
        roles: [{ name: 'readWrite', db: 'techshop' }],
      },
    ]);
  });

  test('connect(): the same URL variable, every member of the operator set, replicaSet and authSource', () => {
    const env = objectOf(app, 'Deployment', 'app').spec.template.spec.containers[0].env;
    const members = [0, 1, 2].map((i) => `mongodb-rs0-${i}.mongodb-rs0.test-prod.svc:27017`).join(',');
    expect(env).toContainEqual({
      name: 'MONGODB_URI',
      value: `mongodb://techshop:$(MONGODB_URI_PASSWORD)@${members}/techshop?replicaSet=rs0&authSource=techshop`,
    });
  });

  test('PBM backups: a daily full backup kept 7 times and oplog slices of 10 minutes for point-in-time recovery', () => {
    expect(cluster.spec.backup).toMatchObject({
      enabled: true,
      image: 'docker.io/percona/percona-backup-mongodb:2.15.0',
      pitr: { enabled: true, oplogSpanMin: 10 },
      storages: { s3: { type: 's3', s3: { bucket: 'techshop-mongodb-backups', region: 'eu-west-1', credentialsSecret: 'backup-s3' } } },
      tasks: [
        { name: 'daily', schedule: '0 2 * * *', retention: { count: 7, type: 'count', deleteFromStorage: true }, storageName: 's3', type: 'logical' },
      ],
    });
  });

  test("metrics: mongodb_exporter beside mongod as the operator's clusterMonitor user, scraped on metrics", () => {
    const exporter = replset.sidecars[0];
    expect(exporter.image).toMatch(/^docker\.io\/percona\/mongodb_exporter:/);
    expect(exporter.env.slice(1).map((e: any) => e.valueFrom.secretKeyRef)).toEqual([
      { name: 'mongodb-system-users', key: 'MONGODB_CLUSTER_MONITOR_USER' },
      { name: 'mongodb-system-users', key: 'MONGODB_CLUSTER_MONITOR_PASSWORD' },
    ]);
    expect(objectOf(app, 'Service', 'mongodb-metrics').spec.selector['app.kubernetes.io/instance']).toBe('mongodb');
    expect(objectOf(app, 'ServiceMonitor', 'mongodb').spec.endpoints[0].port).toBe('metrics');
  });

  test('NetworkPolicy: the operator and the members reach mongod; the PBM agents reach S3 over HTTPS outside the cluster', () => {
    const policy = objectOf(app, 'NetworkPolicy', 'mongodb').spec;
    expect(policy.podSelector.matchLabels).toMatchObject({ 'app.kubernetes.io/instance': 'mongodb', 'app.kubernetes.io/replset': 'rs0' });
    const operator = policy.ingress.find((r: any) => r.from[0].namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'psmdb-operator');
    expect(operator.ports).toEqual([{ port: 27017, protocol: 'TCP' }]);
    expect(policy.egress).toContainEqual({
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } }],
      ports: [{ port: 443, protocol: 'TCP' }],
    });
  });

  test('the README runbook restores in place to a point in time through a PerconaServerMongoDBRestore', () => {
    const [section] = backupReadmeSections(chart);
    expect(section).toContain('### mongodb (Percona operator, point-in-time recovery)');
    expect(section).toContain('`s3://techshop-mongodb-backups/` (AWS S3)');
    expect(section).toContain('kubectl -n test-prod scale deployment/app --replicas=0');
    expect(section).toMatch(/kind: PerconaServerMongoDBRestore\n[^]*clusterName: mongodb\n {2}backupName: <backup>\n {2}pitr:\n {4}type: date/);
  });

  test('declares the operator with its minimum version', () => {
    expect(platformRequirements(chart).map((r) => [r.component, r.minVersion])).toContainEqual(['percona-server-mongodb-operator', '1.23.0']);
  });
});

describe('MongoDb on the Percona operator: MinIO outside prod', () => {
  test("a MinIO bucket target is allowed in staging, but its bucket user's keys are not the Secret layout PBM reads: a clear error", () => {
    const errors = errorsOf(build((chart) => ({ backup: { target: minioTarget(chart) } }), 'staging').app);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => /engine\.backup\.target\.(accessKeyId|secretAccessKey): PBM reads the keys/.test(e))).toBe(true);
  });
});

describe('MongoDb on the Percona operator refuses', () => {
  const path = 'test-prod/mongodb';
  test.each([
    [1, /1 is not allowed: 3, 5, 7/],
    [4, /4 is not allowed: 3, 5, 7 \(the operator runs an odd number of voting members/],
  ])('members %p', (members, message) => {
    expectOneError(errorsOf(build(() => ({ members })).app), path, 'engine.members', message);
  });

  test('replicas beside engine.members', () => {
    expectOneError(
      errorsOf(build(() => ({}), 'prod', { replicas: 3 }).app),
      path,
      'replicas',
      /is not read with MongoDbEngine.percona\(\): set engine.members/,
    );
  });

  test('no backups in prod', () => {
    expectOneError(errorsOf(build(() => ({ backup: undefined, rpo: undefined })).app), path, 'engine.backup', /required in prod/);
  });

  test('an rpo the oplog span cannot meet', () => {
    const { app } = build(() => ({ rpo: Duration.minutes(5) }));
    expectOneError(
      errorsOf(app),
      path,
      'engine.rpo',
      /5m cannot be met: PBM uploads the oplog in slices up to 10m apart; shorten engine.backup.oplogSpan or accept rpo 10m/,
    );
  });

  test('a volume target', () => {
    const { app } = build(() => ({ backup: { target: BackupTarget.volume({ size: '10Gi' }) }, rpo: undefined }));
    expectOneError(
      errorsOf(app),
      path,
      'engine.backup.target',
      /must be BackupTarget.s3\(\{...\}\): Percona Backup for MongoDB writes its backups to an S3 bucket only/,
    );
  });

  test('an in-cluster MinIO in prod', () => {
    const errors = errorsOf(build((chart) => ({ backup: { target: minioTarget(chart) } })).app);
    expect(errors).toContainEqual(
      expect.stringMatching(/^\[test-prod\/mongodb\] engine.backup.target: is an S3 server inside the cluster .*: in prod/),
    );
  });

  test('S3 keys that are not AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of one Secret', () => {
    const { app } = build((chart) => {
      const keys = new SystemSecret(chart, 'keys', { keys: ['id', 'secret'] });
      return {
        backup: {
          target: BackupTarget.s3({ bucket: 'b-backups', accessKeyId: fromSecret(keys, 'id'), secretAccessKey: fromSecret(keys, 'secret') }),
        },
      };
    });
    const errors = errorsOf(app);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/engine.backup.target.accessKeyId: PBM reads the keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of one Secret/);
  });

  test('store.backup() (PBM takes the backups)', () => {
    const { app, mongo } = build();
    mongo.backup({ target: BackupTarget.volume({ size: '20Gi' }) });
    expect(errorsOf(app).filter((e) => e.startsWith(`[${path}] backup()`))).toHaveLength(1);
  });

  test('an engine that is not a MongoDbEngine', () => {
    const { app } = build(() => ({}), 'prod', { engine: 'percona' as unknown as MongoDbEngine });
    expect(errorsOf(app)).toContainEqual(
      expect.stringMatching(/^\[test-prod\/mongodb\] engine: must be MongoDbEngine.statefulSet\(\) or MongoDbEngine.percona/),
    );
  });
});

describe('Percona images', () => {
  test('every image names its registry (no implicit Docker Hub)', () => {
    const images = [...Object.values(PSMDB.mongodImages), PSMDB.backupImage];
    for (const image of images) expect(image.split('/')[0]).toMatch(/\./);
  });
});
