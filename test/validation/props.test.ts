/**
 * Every public prop of every construct, fed `undefined`, `null`, a value of the wrong type
 * and (for enums) an unknown value: the result is always collected errors naming the
 * construct path and the prop, never a TypeError or a raw Error. The props are read from
 * the TypeScript declarations (scripts/prop-types/props-table.ts), so a new prop or a new
 * construct is covered without editing this file; a construct without a baseline below
 * fails the completeness test.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AcmeIssuer,
  ArgoCdApplications,
  PlatformPrometheusChart,
  BackupTarget,
  CaIssuer,
  Certificate,
  ExistingSecret,
  ExternalSecretSource,
  MigrationJob,
  Memcached,
  MongoDb,
  MySql,
  ObjectStore,
  ObjectStoreGateway,
  S3Bucket,
  PersistentVolume,
  AppConfig,
  Postgres,
  Probe,
  PublicEndpoint,
  Redis,
  ScheduledTask,
  SecretStoreRef,
  SelfSignedIssuer,
  SynthesisError,
  SystemAlertRoutes,
  SystemAlerts,
  SystemChart,
  SystemDashboard,
  SystemLogs,
  SystemSecret,
  WebService,
  Worker,
} from '../../lib';
import { AlertmanagerServer } from '../../lib/observability/alertmanager-server';
import { PrometheusServer } from '../../lib/observability/prometheus-server';
import { NamespaceBudget } from '../../lib/scaling/namespace-budget';
import { ConstructProps, PropSpec, propTypesSource, readPropsTable } from '../../scripts/prop-types/props-table';
import { render, testEnv, UNUSED_OUTDIR } from '../support/synth';

type Props = Record<string, unknown>;
const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '1Gi' } };
const image = 'registry.stackworks.io/org/app:1.0.0';

/** A valid construct of each kind: its props, and how it is made from them. */
interface Baseline {
  readonly props: (chart: SystemChart) => Props;
  /** Makes the construct; returns it (its path is where errors must be reported). */
  readonly make: (chart: SystemChart, props: Props) => Construct;
}

const make =
  <T>(ctor: new (scope: Construct, id: string, props: T) => Construct, id: string) =>
  (chart: SystemChart, props: Props) =>
    new ctor(chart, id, props as T);
const service = (chart: SystemChart) =>
  new WebService(chart, 'api', { image, ports: [{ name: 'http', port: 8000 }], readiness: Probe.http('/ready'), resources });
const pgSecret = (chart: SystemChart) => new SystemSecret(chart, 'pg', { keys: ['postgres-password', 'password', 'monitoring-password'] });

const BASELINES: Record<string, Baseline> = {
  AcmeIssuer: { props: () => ({ email: 'ops@loopi.com' }), make: make(AcmeIssuer, 'letsencrypt') },
  ArgoCdApplications: {
    props: (chart) => ({ environment: chart.environment, systems: ['test'] }),
    make: (chart, props) => new ArgoCdApplications(chart.node.scope as App, props as never),
  },
  Autoscaler: { props: () => ({ min: 2, max: 4 }), make: (chart, props) => service(chart).autoscale(props as never) },
  BackupSchedule: {
    props: () => ({ target: BackupTarget.volume({ size: '20Gi' }) }),
    make: (chart, props) =>
      new Postgres(chart, 'db', { version: '17', database: 'app', storage: '1Gi', credentials: pgSecret(chart), resources }).backup(props as never),
  },
  BucketBackup: {
    props: () => ({ target: BackupTarget.volume({ size: '20Gi' }) }),
    make: (chart, props) => {
      const store = new ObjectStore(chart, 'minio', {
        storage: '1Gi',
        credentials: ExistingSecret.named('minio', ['root-user', 'root-password']),
        resources,
      });
      store.addBucket('uploads');
      return store.backup(props as never);
    },
  },
  CaIssuer: { props: () => ({}), make: make(CaIssuer, 'ca') },
  S3Bucket: {
    props: () => ({ bucket: 'files', credentials: ExistingSecret.named('files-s3', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) }),
    make: make(S3Bucket, 'files'),
  },
  ObjectStoreGateway: {
    props: (chart) => {
      const store = new ObjectStore(chart, 'minio', {
        storage: '1Gi',
        credentials: ExistingSecret.named('minio', ['root-user', 'root-password']),
        resources,
      });
      return { bucket: store.noBackup({ reason: 'a test store whose data is not kept' }).addBucket('assets', { publicRead: true }) };
    },
    make: make(ObjectStoreGateway, 'assets-gateway'),
  },
  Certificate: { props: (chart) => ({ issuer: new CaIssuer(chart, 'ca'), dnsNames: ['db.test-prod.svc'] }), make: make(Certificate, 'cert') },
  ExternalSecretSource: {
    props: () => ({ store: SecretStoreRef.namespaced('aws'), data: { A: { key: 'a' } } }),
    make: make(ExternalSecretSource, 'secret'),
  },
  MigrationJob: { props: () => ({ image, command: ['migrate'], readyCheck: 'true', resources }), make: make(MigrationJob, 'migrate') },
  MongoDb: {
    props: (chart) => ({
      database: 'shop',
      storage: '1Gi',
      replicas: 1,
      resources: { ...resources, limits: { cpu: '1', memory: '2Gi' } },
      credentials: new SystemSecret(chart, 'mongo', { keys: ['root-password', 'password', 'keyfile', 'exporter-password'] }),
    }),
    make: make(MongoDb, 'mongodb'),
  },
  MySql: {
    props: (chart) => ({
      database: 'app',
      storage: '1Gi',
      resources,
      credentials: new SystemSecret(chart, 'my', { keys: ['root-password', 'password', 'exporter-password'] }),
    }),
    make: make(MySql, 'mysql'),
  },
  AppConfig: { props: () => ({ env: { LOG_LEVEL: 'info' }, files: { '/etc/app/config.yaml': 'a: 1\n' } }), make: make(AppConfig, 'common') },
  NamespaceBudget: { props: () => ({}), make: make(NamespaceBudget, 'extra-budget') },
  ObjectStore: {
    props: () => ({ storage: '50Gi', credentials: ExistingSecret.named('minio-credentials', ['root-user', 'root-password']), resources }),
    make: make(ObjectStore, 'minio'),
  },
  Postgres: {
    props: (chart) => ({ version: '17', database: 'app', storage: '1Gi', credentials: pgSecret(chart), resources }),
    make: make(Postgres, 'db'),
  },
  PublicEndpoint: { props: (chart) => ({ host: 'api.loopi.com', backend: service(chart) }), make: make(PublicEndpoint, 'public') },
  Redis: {
    props: (chart) => ({ use: 'cache', storage: '1Gi', resources, credentials: new SystemSecret(chart, 'redis', { keys: ['redis-password'] }) }),
    make: make(Redis, 'cache'),
  },
  Memcached: { props: () => ({ resources }), make: make(Memcached, 'memcached') },
  PersistentVolume: { props: () => ({ size: '1Gi' }), make: make(PersistentVolume, 'data') },
  PlatformPrometheusChart: {
    props: (chart) => ({ environment: chart.environment }),
    make: (chart, props) => new PlatformPrometheusChart(chart.node.scope as App, props as never),
  },
  PrometheusServer: { props: (chart) => ({ environment: chart.environment }), make: make(PrometheusServer, 'prometheus') },
  AlertmanagerServer: { props: (chart) => ({ environment: chart.environment }), make: make(AlertmanagerServer, 'alertmanager') },
  SystemAlertRoutes: {
    props: () => ({ receivers: [{ name: 'team', webhook: { url: 'https://hooks.acme-corp.io/alerts' } }], routes: [{ receiver: 'team' }] }),
    make: make(SystemAlertRoutes, 'alert-routes'),
  },
  ScheduledTask: { props: () => ({ image, command: ['report'], schedule: '0 2 * * *', resources }), make: make(ScheduledTask, 'report') },
  SelfSignedIssuer: { props: () => ({}), make: make(SelfSignedIssuer, 'self-signed') },
  SystemAlerts: { props: () => ({}), make: make(SystemAlerts, 'alerts') },
  SystemChart: {
    props: (chart) => ({ system: 'other', environment: chart.environment }),
    make: (chart, props) => new SystemChart(chart.node.scope as App, props as never),
  },
  SystemDashboard: { props: () => ({}), make: make(SystemDashboard, 'dashboard') },
  SystemLogs: { props: () => ({ errorBurst: { linesPerMinute: 10 } }), make: make(SystemLogs, 'logs') },
  SystemSecret: { props: () => ({ keys: ['password'] }), make: make(SystemSecret, 'secret') },
  VerticalAutoscaler: { props: () => ({ mode: 'Off' }), make: (chart, props) => service(chart).autoscaleVertically(props as never) },
  WebService: {
    props: () => ({ image, ports: [{ name: 'http', port: 8000 }], readiness: Probe.http('/ready'), resources }),
    make: make(WebService, 'web'),
  },
  Worker: { props: () => ({ image, resources }), make: make(Worker, 'worker') },
  WorkloadTracing: { props: () => ({ protocol: 'grpc' }), make: (chart, props) => service(chart).tracing(props as never) },
};

/** Constructs only other constructs create, with props those constructs compute (never user input). */
const INTERNAL: Record<string, string> = {
  DisruptionBudget: 'made by ReplicatedWorkload from disruptionBudget() (whose options are covered by its own checks)',
  BucketRestoreJob: 'made by BucketBackup for every bucket backup',
  RestoreJob: 'made by BackupSchedule for every backup',
  SystemNamespace: 'made by SystemChart',
  RedisProxy: 'made by Redis for a replica group (replicas > 1), from the Redis props, which are covered by their own checks',
};

const TABLE: ConstructProps[] = readPropsTable();

test('the generated prop table (lib/core/prop-types.generated.ts) matches the declarations', () => {
  const committed = fs.readFileSync(path.join(__dirname, '..', '..', 'lib', 'core', 'prop-types.generated.ts'), 'utf8');
  expect(committed).toBe(propTypesSource(TABLE));
});

test('every construct with props has a baseline here, or is listed as internal with the reason', () => {
  expect(TABLE.map((c) => c.construct).sort()).toEqual([...Object.keys(BASELINES), ...Object.keys(INTERNAL)].sort());
});

/** The bad values of one prop: [label, value, whether a collected error on the prop is required]. */
function badValues(spec: PropSpec): Array<[string, unknown, boolean]> {
  const out: Array<[string, unknown, boolean]> = [
    ['undefined', undefined, !spec.optional],
    ['null', null, true],
  ];
  if (spec.values) {
    out.push(['an unknown enum value', 'no-such-value', true]);
    out.push([
      'an enum value in the wrong case',
      spec.values[0].toUpperCase() === spec.values[0] ? spec.values[0].toLowerCase() : spec.values[0].toUpperCase(),
      spec.values[0].toUpperCase() !== spec.values[0].toLowerCase(),
    ]);
  }
  if (!spec.kinds.includes('any')) {
    out.push(['a wrong type', spec.kinds.includes('number') ? 'three' : 42, true]);
    if (!spec.kinds.includes('array') && !spec.kinds.includes('object')) out.push(['an array', ['x'], true]);
    if (!spec.kinds.includes('object') && !spec.kinds.includes('array')) out.push(['an object', { x: 1 }, true]);
  }
  return out;
}

const CASES = TABLE.filter((c) => BASELINES[c.construct]).flatMap((c) =>
  Object.entries(c.props).flatMap(([prop, spec]) =>
    badValues(spec).map(([label, value, mustFail]) => ({ construct: c.construct, prop, label, value, mustFail })),
  ),
);

test('the table is not empty (the declarations were read)', () => {
  expect(CASES.length).toBeGreaterThan(300);
});

test.each(CASES)('$construct $prop = $label: collected errors, never a TypeError', ({ construct, prop, value, mustFail }) => {
  const app = new App({ outdir: UNUSED_OUTDIR });
  const chart = new SystemChart(app, { system: 'test', environment: testEnv('prod') });
  const baseline = BASELINES[construct];
  const props = { ...baseline.props(chart), [prop]: value };
  let target: Construct | undefined;
  let outcome: unknown;
  try {
    target = baseline.make(chart, props);
    render(app);
    outcome = 'synthesized';
  } catch (error) {
    outcome = error;
  }
  if (outcome === 'synthesized') {
    expect(mustFail).toBe(false);
    return;
  }
  if (!(outcome instanceof SynthesisError)) throw new Error(`not a collected error: ${(outcome as Error)?.stack ?? String(outcome)}`);
  if (!mustFail) return;
  const onProp = outcome.issues.filter((i) => i.path === target!.node.path && new RegExp(`^${prop}[:.\\[]`).test(i.message));
  expect(onProp.map((i) => `[${i.path}] ${i.message}`)).toEqual([expect.stringMatching(new RegExp(`^\\[${target!.node.path}\\] ${prop}`))]);
});
