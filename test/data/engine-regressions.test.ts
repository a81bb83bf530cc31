/**
 * The inconsistencies between the store engines named in issue 29, each as a test of the
 * public behaviour (rendered objects, synth errors, the architecture graph), so that each
 * fails on the code before the engines became objects and passes now.
 */
import {
  Duration,
  BackupTarget,
  ConnectionEnv,
  ExistingSecret,
  fromSecret,
  MongoDb,
  MongoDbEngine,
  MySql,
  MySqlEngine,
  Postgres,
  PostgresEngine,
  Probe,
  SystemChart,
  SystemSecret,
  WebService,
} from '../../lib';
import { Architecture } from '../../lib/gitops/architecture';
import { errorIdsOf, errorsOf, objectOf, render, testChart, testEnv } from '../support/synth';

const resources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } };
const keys = ExistingSecret.named('backup-s3', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);

/** A bucket whose endpoint is a Service of the cluster (no `server` given): it dies with the cluster. */
function inClusterBucket() {
  return BackupTarget.s3({
    bucket: 'backups',
    endpoint: 'https://minio.storage.svc:9000',
    accessKeyId: fromSecret(keys, 'AWS_ACCESS_KEY_ID'),
    secretAccessKey: fromSecret(keys, 'AWS_SECRET_ACCESS_KEY'),
  });
}

function awsBucket() {
  return BackupTarget.s3({
    bucket: 'backups',
    region: 'eu-west-1',
    accessKeyId: fromSecret(keys, 'AWS_ACCESS_KEY_ID'),
    secretAccessKey: fromSecret(keys, 'AWS_SECRET_ACCESS_KEY'),
  });
}

const stores: Record<string, (chart: SystemChart, target: BackupTarget) => void> = {
  'the StatefulSet engine (backup())': (chart, target) => {
    const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['postgres-password', 'password'] });
    new Postgres(chart, 'db', { database: 'app', storage: '10Gi', credentials, resources }).backup({ target });
  },
  CloudNativePG: (chart, target) => {
    const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['password'], basicAuthUsername: 'app' });
    new Postgres(chart, 'db', {
      database: 'app',
      storage: '10Gi',
      credentials,
      resources,
      engine: PostgresEngine.cloudNativePg({ instances: 3, backup: { target } }),
    });
  },
  MOCO: (chart, target) => {
    const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['root-password', 'password'] });
    new MySql(chart, 'db', {
      database: 'app',
      storage: '10Gi',
      credentials,
      resources,
      engine: MySqlEngine.moco({ instances: 3, backup: { target } }),
    });
  },
  Percona: (chart, target) => {
    const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['root-password', 'password', 'keyfile'] });
    new MongoDb(chart, 'db', {
      database: 'app',
      storage: '10Gi',
      credentials,
      resources,
      engine: MongoDbEngine.percona({ members: 3, backup: { target } }),
    });
  },
};

describe('issue 29: one rule for backups that must leave the cluster', () => {
  test.each(Object.keys(stores))('%s: a bucket at an in-cluster endpoint is refused as the prod backup target', (engine) => {
    const { app, chart } = testChart(testEnv('prod'));
    stores[engine](chart, inClusterBucket());
    expect(errorIdsOf(app).filter((e) => e.endsWith(' store.backup.target-in-cluster'))).toHaveLength(1);
  });

  test.each(Object.keys(stores))('%s: the same bucket is accepted outside prod, and a bucket off the cluster in prod', (engine) => {
    for (const [env, target] of [
      ['staging', inClusterBucket()],
      ['prod', awsBucket()],
    ] as const) {
      const { app, chart } = testChart(testEnv(env));
      stores[engine](chart, target);
      expect(errorIdsOf(app).filter((e) => e.endsWith(' store.backup.target-in-cluster'))).toEqual([]);
    }
  });
});

describe('issue 29: connect(store, { readOnly: true }) wherever the engine has a read-only endpoint', () => {
  test("MOCO: the replicas' Service", () => {
    const { app, chart } = testChart(testEnv('prod'));
    const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['root-password', 'password'] });
    const db = new MySql(chart, 'db', {
      database: 'app',
      storage: '10Gi',
      credentials,
      resources,
      engine: MySqlEngine.moco({ instances: 3, backup: { target: awsBucket() } }),
    });
    const reports = new WebService(chart, 'reports', {
      image: 'registry.stackworks.io/org/reports:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      resources,
      readiness: Probe.http('/ready'),
    });
    reports.connect(db, { env: ConnectionEnv.discrete({ host: 'DB_HOST', port: 'DB_PORT' }), readOnly: true });
    expect(errorsOf(app)).toEqual([]);
    const env = objectOf(app, 'Deployment', 'reports').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'DB_HOST', value: 'moco-db-replica.test-prod.svc' });
  });
});

describe('issue 29: CloudNativePG like every other scrape target and store', () => {
  function cnpg(scrapeInterval = Duration.seconds(30)) {
    const { app, chart } = testChart(testEnv('prod', { monitoring: { scrapeInterval } }));
    const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['password'], basicAuthUsername: 'app' });
    new Postgres(chart, 'db', {
      database: 'app',
      storage: '10Gi',
      credentials,
      resources,
      monitoring: { exporter: true },
      engine: PostgresEngine.cloudNativePg({ instances: 3, backup: { target: awsBucket() } }),
    });
    return { app, chart };
  }

  test("the PodMonitor scrapes at the environment's interval", () => {
    const { app } = cnpg(Duration.seconds(15));
    expect(objectOf(app, 'PodMonitor', 'db').spec.podMetricsEndpoints).toEqual([{ port: 'metrics', interval: '15s' }]);
  });

  test('the architecture graph draws its WAL archive and the recovery path', () => {
    const { app, chart } = cnpg();
    render(app);
    const graph = Architecture.of(chart);
    const bucket = graph.allNodes.find((n) => n.kind === 'destination');
    expect(bucket).toMatchObject({ id: 'bucket-backups-db', label: 'backups' });
    expect(graph.allEdges).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ from: 'db', to: 'bucket-backups-db', kind: 'backup' }),
        expect.objectContaining({ from: 'bucket-backups-db', to: 'db-pitr', kind: 'restore' }),
        expect.objectContaining({ from: 'db-pitr', to: 'db', kind: 'restore' }),
      ]),
    );
  });
});
