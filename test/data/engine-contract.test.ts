/**
 * The engine contract: every engine a store can run on goes through the same assertions,
 * through the engine interface only (store.engine), against what is rendered and what the
 * synth passes derive. A new engine is added to ENGINES and must pass all of them.
 */
import { App, Duration } from 'cdk8s';
import {
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
  SystemAlerts,
  SystemChart,
  SystemSecret,
  WebService,
} from '../../lib';
import { BackupableStore } from '../../lib/data/backupable-store';
import { Architecture } from '../../lib/gitops/architecture';
import { backupReadmeSections } from '../../lib/pipeline/backup-passes';
import { errorIdsOf, errorsOf, objectsOf, render, testChart, testEnv } from '../support/synth';

const resources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } };
const keys = ExistingSecret.named('backup-s3', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
const SCRAPE_INTERVAL = '20s';
const SCRAPE_DURATION = Duration.seconds(20);

function bucket(endpoint?: string): BackupTarget {
  return BackupTarget.s3({
    bucket: 'contract-backups',
    region: 'eu-west-1',
    ...(endpoint ? { endpoint } : {}),
    accessKeyId: fromSecret(keys, 'AWS_ACCESS_KEY_ID'),
    secretAccessKey: fromSecret(keys, 'AWS_SECRET_ACCESS_KEY'),
  });
}

interface EngineCase {
  /** A store on this engine with an exporter, backed up to `target` (or not at all). */
  readonly build: (chart: SystemChart, target: BackupTarget | undefined) => BackupableStore;
  /** The kind of the object the engine renders the members from. */
  readonly renders: string;
  /** Whether an operator makes the pods (they are in no manifest). */
  readonly operator: boolean;
  /** The id of the error on a missing backup, in prod. */
  readonly missingBackupId: string;
}

const ENGINES: Record<string, EngineCase> = {
  'StatefulSet (Postgres)': {
    build: (chart, target) => {
      const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['postgres-password', 'password', 'monitoring-password'] });
      const db = new Postgres(chart, 'db', { database: 'app', storage: '10Gi', credentials, resources, monitoring: { exporter: true } });
      if (target) db.backup({ target });
      return db;
    },
    renders: 'StatefulSet',
    operator: false,
    missingBackupId: 'store.backup.decision-missing',
  },
  CloudNativePG: {
    build: (chart, target) => {
      const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['password'], basicAuthUsername: 'app' });
      const engine = PostgresEngine.cloudNativePg({ instances: 3, ...(target ? { backup: { target } } : {}) });
      return new Postgres(chart, 'db', { database: 'app', storage: '10Gi', credentials, resources, monitoring: { exporter: true }, engine });
    },
    renders: 'Cluster',
    operator: true,
    missingBackupId: 'store.engine.backup-missing-in-prod',
  },
  MOCO: {
    build: (chart, target) => {
      const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['root-password', 'password'] });
      const engine = MySqlEngine.moco({ instances: 3, ...(target ? { backup: { target } } : {}) });
      return new MySql(chart, 'db', { database: 'app', storage: '10Gi', credentials, resources, monitoring: { exporter: true }, engine });
    },
    renders: 'MySQLCluster',
    operator: true,
    missingBackupId: 'store.engine.backup-missing-in-prod',
  },
  Percona: {
    build: (chart, target) => {
      const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['root-password', 'password', 'keyfile'] });
      const engine = MongoDbEngine.percona({ members: 3, ...(target ? { backup: { target } } : {}) });
      return new MongoDb(chart, 'db', { database: 'app', storage: '10Gi', credentials, resources, monitoring: { exporter: true }, engine });
    },
    renders: 'PerconaServerMongoDB',
    operator: true,
    missingBackupId: 'store.engine.backup-missing-in-prod',
  },
};

/** A prod system with the store, an application reading from it, and the system's alerts. */
function system(engine: EngineCase, target: BackupTarget | 'none' = bucket()): { app: App; chart: SystemChart; store: BackupableStore } {
  const { app, chart } = testChart(testEnv('prod', { monitoring: { scrapeInterval: SCRAPE_DURATION } }));
  const store = engine.build(chart, target === 'none' ? undefined : target);
  const api = new WebService(chart, 'api', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    resources,
    readiness: Probe.http('/ready'),
  });
  api.connect(store, { env: ConnectionEnv.discrete({ host: 'DB_HOST', port: 'DB_PORT' }) });
  new SystemAlerts(chart, 'alerts', {});
  return { app, chart, store };
}

describe.each(Object.entries(ENGINES))('engine contract: %s', (_, engine) => {
  const { app, chart, store } = system(engine);
  const objects = objectsOf(app);
  const named = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

  test('renders the members from one object, and no StatefulSet when an operator makes them', () => {
    expect(errorsOf(app)).toEqual([]);
    const main = store.engine.mainObject!;
    expect(main.kind).toBe(engine.renders);
    expect(named(main.kind, main.metadata.name!)).toBeDefined();
    expect(objects.filter((o) => o.kind === 'StatefulSet')).toHaveLength(engine.operator ? 0 : 1);
  });

  test("the store's NetworkPolicy selects the pods the engine makes, by their labels", () => {
    const policy = named('NetworkPolicy', 'db')!;
    expect(policy.spec.podSelector.matchLabels).toEqual(store.selectorLabels);
    const main = named(engine.renders, store.engine.mainObject!.metadata.name!)!;
    // Where the pod template is in the manifest, it carries the labels; an operator's pods are declared as such.
    if (!engine.operator) expect(main.spec.template.metadata.labels).toMatchObject(store.selectorLabels);
    expect(store.operatorPodsReason !== undefined).toBe(engine.operator);
    // The linters are told why the policy selects pods no manifest holds.
    if (engine.operator) expect(Object.values(policy.metadata.annotations ?? {})).toContain(store.operatorPodsReason);
  });

  test('the endpoints: connect() gives the read-write endpoint; readOnly gives the read-only one, or is refused where there is none', () => {
    const endpoints = store.engine.endpoints();
    expect(endpoints.readWrite).toMatch(new RegExp(`\\.${chart.namespaceName}\\.svc$`));
    const env = named('Deployment', 'api')!.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'DB_HOST', value: endpoints.readWrite });
    expect(store.host).toBe(endpoints.readWrite);

    const other = system(engine);
    const reports = new WebService(other.chart, 'reports', {
      image: 'registry.stackworks.io/org/reports:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      resources,
      readiness: Probe.http('/ready'),
    });
    reports.connect(other.store, { env: ConnectionEnv.discrete({ host: 'DB_HOST' }), readOnly: true });
    const readOnly = other.store.engine.endpoints().readOnly;
    if (readOnly === undefined) {
      expect(errorsOf(other.app).filter((e) => e.includes('readOnly'))).toHaveLength(1);
    } else {
      expect(readOnly).not.toBe(endpoints.readWrite);
      const reportsEnv = objectsOf(other.app, 'Deployment').find((d) => d.metadata.name === 'reports')!.spec.template.spec.containers[0].env;
      expect(reportsEnv).toContainEqual({ name: 'DB_HOST', value: readOnly });
    }
  });

  test('the backup plan: the store counts as backed up, and store.backup() is refused where the engine backs up itself', () => {
    const plan = store.engine.backupPlan();
    if (engine.operator) {
      expect(plan?.target).toBeDefined();
      expect(store.engine.ownBackups).toMatch(/engine|instead/);
      const other = system(engine);
      other.store.backup({ target: bucket() });
      expect(errorIdsOf(other.app)).toEqual(['[test-prod/db] store.backup.engine-backs-up-itself']);
    } else {
      expect(plan).toBeUndefined();
      expect(store.engine.ownBackups).toBeUndefined();
    }
    expect(store.backupDecision).toEqual({ kind: 'backup' });
  });

  test('the backup target: in prod, a bucket inside the cluster is refused, once', () => {
    const { app: bad } = system(engine, bucket('https://minio.storage.svc:9000'));
    expect(errorIdsOf(bad).filter((e) => e.endsWith(' store.backup.target-in-cluster'))).toHaveLength(1);
  });

  test('no backup in prod: one error, on the field that would hold it', () => {
    const { app: bare } = system(engine, 'none');
    expect(errorIdsOf(bare)).toEqual([`[test-prod/db] ${engine.missingBackupId}`]);
  });

  test("monitoring: the exporter is scraped at the environment's interval", () => {
    const monitors = objects.filter((o) => ['ServiceMonitor', 'PodMonitor'].includes(o.kind) && o.metadata.name === 'db');
    expect(monitors).toHaveLength(1);
    const endpoints = monitors[0].spec.endpoints ?? monitors[0].spec.podMetricsEndpoints;
    expect(endpoints.map((e: { interval: string }) => e.interval)).toEqual(endpoints.map(() => SCRAPE_INTERVAL));
  });

  test('the restore runbook names the store, its namespace and how to give the system back to Argo CD', () => {
    render(app);
    const section = backupReadmeSections(chart).join('\n');
    const runbook = section.slice(section.indexOf('### db'));
    expect(runbook.startsWith('### db')).toBe(true);
    expect(runbook).toContain(`-n ${chart.namespaceName}`);
    expect(runbook).toContain('kubectl apply --server-side -k dist/prod/argocd');
  });

  test('the architecture graph: the store, where its backups go, and the way back', () => {
    render(app);
    const graph = Architecture.of(chart);
    expect(graph.allNodes.map((n) => n.id)).toContain('db');
    const destination = graph.allNodes.find((n) => n.kind === 'destination' && n.label === 'contract-backups');
    expect(destination).toBeDefined();
    const reachable = (from: string, to: string, kind: string) => {
      const seen = new Set([from]);
      const queue = [from];
      while (queue.length) {
        const at = queue.shift()!;
        for (const e of graph.allEdges.filter((x) => x.from === at && x.kind === kind && !seen.has(x.to))) {
          if (e.to === to) return true;
          seen.add(e.to);
          queue.push(e.to);
        }
      }
      return false;
    };
    expect(reachable('db', destination!.id, 'backup')).toBe(true);
    expect(reachable(destination!.id, 'db', 'restore')).toBe(true);
  });
});
