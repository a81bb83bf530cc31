import { Probe, Redis, SystemDashboard, SystemSecret, WebService, Worker } from '../../lib';
import { CONNECTION_QUERIES, dashboardUid } from '../../lib/observability/dashboard-model';
import { exporterEngineOf } from '../../lib/observability/scrape-targets';
import { errorsOf, objectOf, testChart, testEnv } from '../support/synth';
import { NOT_BACKED_UP_IN_TEST, sampleMySql, samplePostgres } from '../support/stores';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const web = { image: 'registry.stackworks.io/org/api:1.0.0', ports: [{ name: 'http', port: 8080 }], readiness: Probe.http('/ready'), resources };

function build(env = testEnv()) {
  const { app, chart } = testChart(env);
  new WebService(chart, 'api', web).exposeMetrics({ port: 'http' });
  new WebService(chart, 'frontend', web); // no metrics: no row
  new Redis(chart, 'cache', {
    use: 'cache',
    storage: '1Gi',
    credentials: new SystemSecret(chart, 'redis', { keys: ['redis-password'] }),
    resources,
    monitoring: { exporter: true },
  }).noBackup(NOT_BACKED_UP_IN_TEST);
  samplePostgres(chart, resources, { exporter: true }).noBackup(NOT_BACKED_UP_IN_TEST);
  sampleMySql(chart, resources, { exporter: true }).noBackup(NOT_BACKED_UP_IN_TEST);
  const dashboard = new SystemDashboard(chart, 'dashboard');
  return { app, chart, dashboard };
}

describe('SystemDashboard', () => {
  const { app, dashboard } = build();
  const configMap = objectOf(app, 'ConfigMap', 'dashboard-grafana');
  const json = JSON.parse(configMap.data['test-prod.json']);
  const panels: any[] = json.panels;
  const titles = panels.map((p) => p.title);
  const exprOf = (title: string) => panels.find((p) => p.title === title).targets[0].expr;

  test('a ConfigMap labelled for the Grafana sidecar, one JSON file', () => {
    expect(configMap.metadata.labels.grafana_dashboard).toBe('1');
    expect(Object.keys(configMap.data)).toEqual(['test-prod.json']);
  });

  test('valid dashboard JSON with a stable uid from the system and environment', () => {
    expect(json).toMatchObject({
      uid: 'test-prod',
      title: 'test (prod)',
      schemaVersion: 39,
      editable: false,
      tags: ['cdk8s-stacks', 'test', 'prod'],
    });
    expect(dashboard.uid).toBe('test-prod');
    expect(json.templating.list).toEqual([expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' })]);
  });

  test('a row per web service exposing metrics: request rate, p95 latency, error rate, client errors', () => {
    expect(titles).toEqual([
      'api: HTTP',
      'api request rate',
      'api p95 latency',
      'api error rate (5xx)',
      'api client errors (4xx)',
      'cache: redis',
      'cache connections',
      'cache exporter up',
      'cache hit ratio',
      'db: postgres',
      'db connections',
      'db exporter up',
      'mysql: mysql',
      'mysql connections',
      'mysql exporter up',
    ]);
    expect(exprOf('api request rate')).toBe('sum by (status) (rate(http_requests_total{namespace="test-prod",job="api"}[5m]))');
    expect(exprOf('api p95 latency')).toBe(
      'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="test-prod",job="api"}[5m])))',
    );
    expect(exprOf('api error rate (5xx)')).toBe(
      'sum(rate(http_requests_total{namespace="test-prod",job="api",status=~"5.."}[5m])) / sum(rate(http_requests_total{namespace="test-prod",job="api"}[5m]))',
    );
    // The seeds' error panels count 4xx too (Loopi: status=~"4..|5.."): their own panel, as a ratio of all requests.
    expect(exprOf('api client errors (4xx)')).toBe(
      'sum(rate(http_requests_total{namespace="test-prod",job="api",status=~"4.."}[5m])) / sum(rate(http_requests_total{namespace="test-prod",job="api"}[5m]))',
    );
    expect(panels.filter((p) => p.type === 'timeseries' && p.title.startsWith('api ')).map((p) => p.gridPos.w)).toEqual([6, 6, 6, 6]);
  });

  test('store exporter panels: connections as each exporter names them', () => {
    expect(exprOf('cache connections')).toBe('sum by (pod) (redis_connected_clients{namespace="test-prod",job="cache"})');
    expect(exprOf('db connections')).toBe('sum by (pod, datname) (pg_stat_database_numbackends{namespace="test-prod",job="db"})');
    expect(exprOf('mysql connections')).toBe('sum by (pod) (mysql_global_status_threads_connected{namespace="test-prod",job="mysql"})');
    expect(CONNECTION_QUERIES.mongo('job="m"')).toContain('mongodb_connections{job="m",state="current"}');
  });

  test('panel ids unique, every panel inside the 24-column grid, graphs on the Prometheus datasource variable', () => {
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      if (p.type === 'timeseries') expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
  });

  test('deterministic: the same model gives the same bytes', () => {
    const again = objectOf(build().app, 'ConfigMap', 'dashboard-grafana');
    expect(again.data).toEqual(configMap.data);
  });
});

describe('SystemDashboard options and errors', () => {
  test('labels from the environment, uid distinct per environment, long names hashed to 40 characters', () => {
    const { app } = build(testEnv('staging', { platform: { grafana: { dashboardLabels: { grafana_dashboard: 'yes', team: 'ops' } } } }));
    const configMap = objectOf(app, 'ConfigMap', 'dashboard-grafana');
    expect(configMap.metadata.labels).toMatchObject({ grafana_dashboard: 'yes', team: 'ops' });
    expect(JSON.parse(configMap.data['test-staging.json']).uid).toBe('test-staging');
    const long = dashboardUid('a-very-long-system-name-for-dashboards-prod');
    expect(long).toHaveLength(40);
    expect(long).toBe(dashboardUid('a-very-long-system-name-for-dashboards-prod'));
  });

  test('a worker exposing metrics has no HTTP row', () => {
    const { app, chart } = testChart();
    new Worker(chart, 'workers', {
      image: 'registry.stackworks.io/org/w:1.0.0',
      ports: [{ name: 'metrics', port: 9100 }],
      readiness: Probe.tcp(),
      resources,
    }).exposeMetrics({ port: 'metrics' });
    new SystemDashboard(chart, 'dashboard');
    expect(JSON.parse(objectOf(app, 'ConfigMap', 'dashboard-grafana').data['test-prod.json']).panels).toEqual([]);
  });

  test('exporter images are recognised by repository, whatever the tag', () => {
    expect(exporterEngineOf('oliver006/redis_exporter:v9.9.9')).toBe('redis');
    expect(exporterEngineOf('percona/mongodb_exporter:0.44.0')).toBe('mongo');
    expect(exporterEngineOf('org/unknown:1')).toBeUndefined();
  });

  test('nothing to show, and a bad rate window, are synth errors', () => {
    const { app, chart } = testChart();
    new WebService(chart, 'api', web);
    new SystemDashboard(chart, 'dashboard', { rateWindow: 'often' as never });
    expect(errorsOf(app)).toEqual([
      "[test-prod/dashboard] rateWindow: 'often' is a string: give a Duration, e.g. Duration.minutes(5)",
      '[test-prod/dashboard] dashboard: the system has nothing to show: no workload exposes metrics (exposeMetrics) and no store runs an exporter',
    ]);
  });
});
