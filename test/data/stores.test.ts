/**
 * What the store engines share through StatefulStore and DatabaseStore: the engine's uid,
 * the exporter sidecar, the grouped credential and monitoring props, the connection and
 * the administrator's connection.
 */
import { ExistingSecret, MongoDb, MySql, ObjectStore, Postgres, Redis, SystemChart } from '../../lib';
import { StatefulStore } from '../../lib/data/stateful-store';
import { NOT_BACKED_UP_IN_TEST } from '../support/stores';
import { errorsOf, objectOf, testChart } from '../support/synth';

const resources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } };
const keys = ['admin-pw', 'app-pw', 'exporter-pw', 'keyfile', 'redis-pw', 'root-user', 'root-password'];
const credentials = ExistingSecret.named('store-credentials', keys);
const secretRef = (key: string) => ({ valueFrom: { secretKeyRef: { name: 'store-credentials', key } } });
const base = { storage: '10Gi', credentials, resources };

interface Case {
  readonly build: (chart: SystemChart) => StatefulStore;
  readonly uid: number;
  readonly port: number;
  readonly exporter?: { readonly port: number; readonly limits: object; readonly passwordVariable: string; readonly key: string };
}

const sidecarLimits = { cpu: '100m', memory: '64Mi' };
const monitoring = { exporter: true, passwordKey: 'exporter-pw' };
const pgKeys = { superuser: 'admin-pw', app: 'app-pw' };

const CASES: Record<string, Case> = {
  postgres: {
    build: (c) => new Postgres(c, 'store', { ...base, database: 'app', credentialKeys: pgKeys, monitoring }),
    uid: 999,
    port: 5432,
    exporter: { port: 9187, limits: sidecarLimits, passwordVariable: 'DATA_SOURCE_PASS', key: 'exporter-pw' },
  },
  timescaledb: {
    build: (c) => new Postgres(c, 'store', { ...base, version: '16', flavour: 'timescaledb', database: 'app', credentialKeys: pgKeys }),
    uid: 70,
    port: 5432,
  },
  mysql: {
    build: (c) => new MySql(c, 'store', { ...base, database: 'app', credentialKeys: { root: 'admin-pw', app: 'app-pw' }, monitoring }),
    uid: 999,
    port: 3306,
    exporter: { port: 9104, limits: sidecarLimits, passwordVariable: 'MYSQLD_EXPORTER_PASSWORD', key: 'exporter-pw' },
  },
  mongodb: {
    build: (c) => new MongoDb(c, 'store', { ...base, database: 'app', credentialKeys: { root: 'admin-pw', app: 'app-pw' }, monitoring }),
    uid: 999,
    port: 27017,
    exporter: { port: 9216, limits: { cpu: '200m', memory: '128Mi' }, passwordVariable: 'MONGODB_PASSWORD', key: 'exporter-pw' },
  },
  redis: {
    build: (c) => new Redis(c, 'store', { ...base, use: 'cache', credentialKeys: { password: 'redis-pw' }, monitoring: { exporter: true } }),
    uid: 999,
    port: 6379,
    exporter: { port: 9121, limits: sidecarLimits, passwordVariable: 'REDIS_PASSWORD', key: 'redis-pw' },
  },
  minio: {
    build: (c) => new ObjectStore(c, 'store', { ...base, credentialKeys: { accessKey: 'root-user', secretKey: 'root-password' } }),
    uid: 1000,
    port: 9000,
  },
};

describe.each(Object.entries(CASES))('%s', (_, spec) => {
  const { app, chart } = testChart();
  const store = spec.build(chart).noBackup(NOT_BACKED_UP_IN_TEST);
  const pod = () => objectOf(app, 'StatefulSet', 'store').spec.template.spec;

  test('synthesizes without errors', () => {
    expect(errorsOf(app)).toEqual([]);
  });

  test('the pod runs as the engine uid, which the store exposes for its Jobs', () => {
    expect(store.engineUid).toBe(spec.uid);
    expect(pod().securityContext).toMatchObject({ runAsUser: spec.uid, runAsGroup: spec.uid, fsGroup: spec.uid });
  });

  test('the connection is the client Service on the engine port', () => {
    expect(store.connectionInfo()).toMatchObject({ host: 'store.test-prod.svc', port: spec.port });
  });

  test('the exporter sidecar, when asked for: port `metrics`, its resources, the password under the grouped key', () => {
    const sidecar = pod().containers.find((c: { name: string }) => c.name === 'metrics');
    if (!spec.exporter) {
      expect(sidecar).toBeUndefined();
      return;
    }
    expect(sidecar.ports).toEqual([{ name: 'metrics', containerPort: spec.exporter.port, protocol: 'TCP' }]);
    expect(sidecar.resources.limits).toMatchObject(spec.exporter.limits);
    expect(sidecar.resources.requests).toMatchObject({ cpu: '10m', memory: '32Mi' });
    expect(sidecar.env).toContainEqual({ name: spec.exporter.passwordVariable, ...secretRef(spec.exporter.key) });
  });
});

describe.each([
  ['postgres', (c: SystemChart) => new Postgres(c, 'store', { ...base, database: 'app', credentialKeys: pgKeys }), 'postgres'],
  ['mysql', (c: SystemChart) => new MySql(c, 'store', { ...base, database: 'app', credentialKeys: { root: 'admin-pw', app: 'app-pw' } }), 'root'],
  ['mongodb', (c: SystemChart) => new MongoDb(c, 'store', { ...base, database: 'app', credentialKeys: { root: 'admin-pw', app: 'app-pw' } }), 'root'],
])('%s accounts', (_, build, admin) => {
  const { chart } = testChart();
  const store = build(chart);

  test('the application gets its own account and password key; the administrator stays with backups', () => {
    expect(store.connectionInfo()).toMatchObject({ database: 'app', user: 'app', password: { key: 'app-pw' } });
    expect(store.adminConnection()).toMatchObject({ host: 'store.test-prod.svc', user: admin, password: { key: 'admin-pw' } });
    expect(store.backupDatabases).toEqual(['app']);
    expect(store.exporterPassword).toBeUndefined();
  });
});
