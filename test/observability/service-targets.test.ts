import { App } from 'cdk8s';
import {
  ArgoCdApplications,
  Duration,
  PlatformPrometheusChart,
  Probe,
  Redis,
  SystemAlerts,
  SystemChart,
  SystemDashboard,
  SystemSecret,
  WebService,
  Worker,
} from '../../lib';
import { errorsOf, objectOf, render, testChart, testEnv, UNUSED_OUTDIR } from '../support/synth';

type Json = Record<string, any>;

const IMAGE = 'registry.stackworks.io/org/api:1.0.0';
const RESOURCES = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } };

/** A traced API and worker, a Redis cache and a Redis queue with exporters, and the given alerts. */
function system(chart: SystemChart, alerts: (w: { api: WebService; workers: Worker }) => ConstructorParameters<typeof SystemAlerts>[2]) {
  const api = new WebService(chart, 'api', {
    image: IMAGE,
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources: RESOURCES,
  });
  api.tracing();
  const workers = new Worker(chart, 'workers', { image: IMAGE, resources: RESOURCES });
  workers.tracing();
  const credentials = new SystemSecret(chart, 'redis-credentials', { keys: ['redis-password'] });
  new Redis(chart, 'cache', { use: 'cache', storage: '1Gi', credentials, resources: RESOURCES, monitoring: { exporter: true } }).noBackup({
    reason: 'a cache, refilled from the database on a miss',
  });
  new Redis(chart, 'queue', { use: 'queue', storage: '1Gi', credentials, resources: RESOURCES, monitoring: { exporter: true } }).noBackup({
    reason: 'a test queue whose jobs are re-sent by their producers',
  });
  const systemAlerts = new SystemAlerts(chart, 'alerts', alerts({ api, workers }));
  new SystemDashboard(chart, 'dashboard');
  return { api, workers, systemAlerts };
}

const TARGETS = ({ api, workers }: { api: WebService; workers: Worker }) => ({
  traceLatencyP95: [
    { alert: 'WorkerJobLatencyHigh', workloads: [workers], spanKind: 'consumer' as const, p95: Duration.millis(500) },
    { alert: 'DatabaseQueryLatencyHigh', workloads: [api, workers], spanKind: 'client' as const, dbSystem: 'postgresql', p95: Duration.millis(50) },
  ],
  cacheHitRatio: 0.9,
});

const rulesOf = (rule: Json): Json[] => rule.spec.groups.flatMap((g: Json) => g.rules);

describe('latency targets from traces and cache hit ratios', () => {
  test('each trace target is an alert on Tempo span metrics of its workloads, span kind and database, in the system namespace', () => {
    const { app, chart } = testChart(testEnv('prod'), 'shop');
    system(chart, TARGETS);
    const rules = rulesOf(objectOf(app, 'PrometheusRule', 'alerts'));
    const byName = Object.fromEntries(rules.map((r) => [r.alert, r]));
    expect(byName.WorkerJobLatencyHigh.expr).toBe(
      'histogram_quantile(0.95, sum by (namespace, service, le) (rate(traces_spanmetrics_latency_bucket{namespace="shop-prod",service="workers",span_kind="SPAN_KIND_CONSUMER"}[5m]))) > 0.5',
    );
    expect(byName.DatabaseQueryLatencyHigh.expr).toContain('service=~"api|workers",span_kind="SPAN_KIND_CLIENT",db_system="postgresql"');
    expect(byName.DatabaseQueryLatencyHigh.expr).toMatch(/> 0\.05$/);
    expect(byName.DatabaseQueryLatencyHigh.annotations.summary).toBe(
      'p95 of postgresql client spans of api, workers ({{ $labels.service }}) is {{ $value | humanizeDuration }}',
    );
  });

  test('the hit-ratio alert covers the caches with exporters, not the queue', () => {
    const { app, chart } = testChart(testEnv('prod'), 'shop');
    system(chart, TARGETS);
    const rule = rulesOf(objectOf(app, 'PrometheusRule', 'alerts')).find((r) => r.alert === 'CacheHitRatioLow')!;
    expect(rule.expr).toContain('redis_keyspace_hits_total{namespace="shop-prod",job="cache"}');
    expect(rule.expr).toMatch(/< 0\.9\)$/);
    expect(rule.expr).not.toContain('job="queue"');
  });

  test('the dashboard draws the cache hit ratio and a panel per trace target with its target', () => {
    const { app, chart } = testChart(testEnv('prod'), 'shop');
    system(chart, TARGETS);
    const cm = objectOf(app, 'ConfigMap', 'dashboard-grafana');
    const panels: Json[] = JSON.parse(Object.values(cm.data)[0] as string).panels;
    const titles = panels.map((p) => p.title);
    expect(titles).toEqual(expect.arrayContaining(['cache hit ratio', 'Latency from traces', 'p95 of consumer spans of workers (target 500 ms)']));
    expect(titles).not.toContain('queue hit ratio');
    const p95 = panels.find((p) => p.title === 'p95 of consumer spans of workers (target 500 ms)')!;
    expect(p95.targets[0].expr).toContain('traces_spanmetrics_latency_bucket{namespace="shop-prod",service="workers"');
  });

  test('the platform layer runs Tempo’s span metrics into every replica of the Prometheus, which receives remote writes', () => {
    const app = new App({ outdir: UNUSED_OUTDIR });
    const chart = new SystemChart(app, { system: 'shop', environment: testEnv('prod') });
    system(chart, TARGETS);
    new ArgoCdApplications(app, { environment: chart.environment, systems: ['shop'] });
    const objects = render(app).objects;
    const tempo = objects.find((o) => o.object.kind === 'Application' && o.object.metadata.name === 'tempo-prod')!.object;
    const values = tempo.spec.source.helm.valuesObject.tempo;
    expect(values.metricsGenerator.enabled).toBe(true);
    expect(values.metricsGenerator.storage.remote_write).toEqual([
      { url: 'http://prometheus-prometheus-0.prometheus-operated.monitoring.svc:9090/api/v1/write' },
      { url: 'http://prometheus-prometheus-1.prometheus-operated.monitoring.svc:9090/api/v1/write' },
    ]);
    expect(values.metricsGenerator.processor.span_metrics.dimension_mappings.map((d: Json) => d.name)).toEqual(['namespace', 'db_system']);
    expect(values.metricsGenerator.processor.span_metrics.histogram_buckets).toEqual(expect.arrayContaining([0.05, 0.15, 0.2, 0.5]));
    expect(values.overrides.defaults.metrics_generator.processors).toEqual(['span-metrics']);
    const prometheus = objects.find((o) => o.object.kind === 'Prometheus')!.object;
    expect(prometheus.spec.replicas).toBe(2);
    expect(prometheus.spec.enableRemoteWriteReceiver).toBe(true);
  });

  test('without trace targets neither the generator nor the receiver is on', () => {
    const app = new App({ outdir: UNUSED_OUTDIR });
    const chart = new SystemChart(app, { system: 'shop', environment: testEnv('prod') });
    system(chart, () => ({ cacheHitRatio: 0.9 }));
    new ArgoCdApplications(app, { environment: chart.environment, systems: ['shop'] });
    const objects = render(app).objects;
    const tempo = objects.find((o) => o.object.kind === 'Application' && o.object.metadata.name === 'tempo-prod')!.object;
    expect(tempo.spec.source.helm.valuesObject.tempo.metricsGenerator).toBeUndefined();
    expect(objects.find((o) => o.object.kind === 'Prometheus')!.object.spec.enableRemoteWriteReceiver).toBeUndefined();
  });

  test('a hand-made platform Prometheus that Tempo would not write to is an error', () => {
    const app = new App({ outdir: UNUSED_OUTDIR });
    const chart = new SystemChart(app, { system: 'shop', environment: testEnv('prod') });
    system(chart, TARGETS);
    new PlatformPrometheusChart(app, { environment: chart.environment, server: { replicas: 3 } });
    new ArgoCdApplications(app, { environment: chart.environment, systems: ['shop'] });
    const found = errorsOf(app);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/remoteWriteReceiver: must be true: a system of this environment measures latency from traces/),
        expect.stringMatching(
          /replicas: Tempo remote-writes span metrics to 2 replica\(s\) of Prometheus 'prometheus'; this server is 'prometheus' with 3/,
        ),
      ]),
    );
  });

  test('bad targets: every problem reported with its field, none twice', () => {
    const { app, chart } = testChart(testEnv('prod'), 'shop');
    const untraced = new Worker(chart, 'untraced', { image: IMAGE, resources: RESOURCES });
    system(chart, ({ workers }) => ({
      traceLatencyP95: [
        { alert: '1bad', workloads: [untraced], spanKind: 'queue' as never, p95: Duration.millis(0) },
        { alert: 'Ok', workloads: [workers], spanKind: 'consumer', dbSystem: 'postgresql', p95: '500ms' as never },
        { alert: 'Empty', workloads: [], spanKind: 'client', dbSystem: 'Postgres SQL', p95: Duration.millis(50) },
      ],
      cacheHitRatio: 1.5,
    }));
    const found = errorsOf(app);
    const expected = [
      /traceLatencyP95\[0\]\.alert: '1bad' must be an alert name/,
      /traceLatencyP95\[0\]\.workloads\[0\]: untraced sends no traces, so there is nothing to measure: call untraced\.tracing\(\)/,
      /traceLatencyP95\[0\]\.spanKind: must be one of 'server', 'client', 'consumer', 'producer', 'internal' \(is 'queue'\)/,
      /traceLatencyP95\[0\]\.p95: 0 millis must be longer than zero/,
      /traceLatencyP95\[1\]\.dbSystem: applies to the calls a workload makes: use it with spanKind 'client'/,
      /traceLatencyP95\[1\]\.p95: '500ms' is a string: give a Duration/,
      /traceLatencyP95\[2\]\.workloads: must list at least one traced workload to measure/,
      /traceLatencyP95\[2\]\.dbSystem: must be a db\.system value such as 'postgresql'/,
      /cacheHitRatio: must be a ratio greater than 0 and at most 1, e\.g\. 0\.9 \(is number 1\.5\)/,
    ];
    for (const re of expected) expect(found.filter((e) => re.test(e))).toHaveLength(1);
    expect(found.every((e) => e.startsWith('[shop-prod/alerts] '))).toBe(true);
    expect(found).toHaveLength(expected.length);
    expect(new Set(found).size).toBe(found.length);
  });

  test('a hit ratio with no cache exporter to measure is an error', () => {
    const { app, chart } = testChart(testEnv('prod'), 'shop');
    new WebService(chart, 'api', {
      image: IMAGE,
      ports: [{ name: 'http', port: 8080 }],
      readiness: Probe.http('/ready'),
      resources: RESOURCES,
    }).exposeMetrics({
      port: 'http',
    });
    new SystemAlerts(chart, 'alerts', { cacheHitRatio: 0.9 });
    expect(errorsOf(app)).toEqual([expect.stringMatching(/cacheHitRatio: the system has no cache with an exporter to measure/)]);
  });
});
