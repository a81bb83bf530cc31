import { ContainerModel, DEFAULT_RULES, Duration, SystemSecret, Probe, Redis, WebService, Worker } from '../../lib';
import { errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';
import { NOT_BACKED_UP_IN_TEST, sampleMySql, samplePostgres } from '../support/stores';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const web = { image: 'registry.stackworks.io/org/api:1.0.0', ports: [{ name: 'http', port: 8080 }], readiness: Probe.http('/ready'), resources };
const prometheusPeer = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
};
const fromPrometheus = (policy: Record<string, any>) =>
  (policy.spec.ingress ?? []).filter((r: any) => JSON.stringify(r.from) === JSON.stringify([prometheusPeer]));

describe('exposeMetrics on a web service', () => {
  const { app, chart } = testChart();
  const api = new WebService(chart, 'api', web);
  api.exposeMetrics({ port: 'http', path: '/metrics' });

  test('records the declaration on the workload', () => {
    expect(api.metricsEndpoints).toEqual([{ port: 'http', path: '/metrics' }]);
  });

  test('a headless metrics Service selecting the pods, with only the metrics port', () => {
    const service = objectOf(app, 'Service', 'api-metrics');
    expect(service.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'api', 'cdk8s-stacks.io/metrics': 'true' });
    expect(service.spec).toEqual({
      clusterIP: 'None',
      selector: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'test-prod' },
      ports: [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }],
    });
    // The application's own Service is unchanged.
    expect(objectOf(app, 'Service', 'api').metadata.labels).not.toHaveProperty('cdk8s-stacks.io/metrics');
  });

  test('a ServiceMonitor with the labels Prometheus selects on, job = workload name, default interval', () => {
    const monitor = objectOf(app, 'ServiceMonitor', 'api');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels.release).toBe('prometheus');
    expect(monitor.metadata.namespace).toBe('test-prod');
    expect(monitor.spec).toEqual({
      jobLabel: 'app.kubernetes.io/name',
      namespaceSelector: { matchNames: ['test-prod'] },
      selector: { matchLabels: { 'app.kubernetes.io/name': 'api', 'cdk8s-stacks.io/metrics': 'true' } },
      endpoints: [{ port: 'http', path: '/metrics', interval: '15s' }],
    });
  });

  test('the selector matches the metrics Service and no other Service', () => {
    const selector = objectOf(app, 'ServiceMonitor', 'api').spec.selector.matchLabels;
    const matching = objectsOf(app, 'Service').filter((s) => Object.entries(selector).every(([k, v]) => s.metadata.labels?.[k] === v));
    expect(matching.map((s) => s.metadata.name)).toEqual(['api-metrics']);
  });

  test('Prometheus may reach exactly the metrics port', () => {
    expect(fromPrometheus(objectOf(app, 'NetworkPolicy', 'api'))).toEqual([{ from: [prometheusPeer], ports: [{ port: 8080, protocol: 'TCP' }] }]);
  });

  test('every policy rule passes', () => {
    expect(errorsOf(app, DEFAULT_RULES)).toEqual([]);
  });
});

describe('exposeMetrics options and environment settings', () => {
  test('interval and path as given; labels, Prometheus namespace and pods from the environment', () => {
    const env = testEnv('prod', {
      monitoring: { scrapeInterval: Duration.minutes(1) },
      platform: {
        prometheus: { serviceMonitorLabels: { prometheus: 'platform' }, pods: { namespace: 'observability', podLabels: { app: 'prom' } } },
      },
    });
    const { app, chart } = testChart(env);
    const api = new WebService(chart, 'api', {
      ...web,
      ports: [
        { name: 'http', port: 8080 },
        { name: 'admin', port: 9090 },
      ],
    });
    api.exposeMetrics({ port: 'admin', path: '/internal/metrics', interval: Duration.seconds(15) });
    const monitor = objectOf(app, 'ServiceMonitor', 'api');
    expect(monitor.metadata.labels).toMatchObject({ prometheus: 'platform' });
    expect(monitor.metadata.labels).not.toHaveProperty('release');
    expect(monitor.spec.endpoints).toEqual([{ port: 'admin', path: '/internal/metrics', interval: '15s' }]);
    expect(objectOf(app, 'Service', 'api-metrics').spec.ports).toEqual([{ name: 'admin', port: 9090, targetPort: 'admin', protocol: 'TCP' }]);
    expect(objectOf(app, 'NetworkPolicy', 'api').spec.ingress).toEqual([
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } }, podSelector: { matchLabels: { app: 'prom' } } },
        ],
        ports: [{ port: 9090, protocol: 'TCP' }],
      },
    ]);
  });

  test('the default interval is the environment scrape interval', () => {
    const { app, chart } = testChart(testEnv('prod', { monitoring: { scrapeInterval: Duration.minutes(1) } }));
    new WebService(chart, 'api', web).exposeMetrics({ port: 'http' });
    expect(objectOf(app, 'ServiceMonitor', 'api').spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '1m' }]);
  });

  test('a worker without a Service gets the same metrics Service and ServiceMonitor', () => {
    const { app, chart } = testChart();
    const worker = new Worker(chart, 'workers', {
      image: 'registry.stackworks.io/org/worker:1.0.0',
      ports: [{ name: 'metrics', port: 9100 }],
      readiness: Probe.tcp(),
      resources,
    });
    worker.exposeMetrics({ port: 'metrics' });
    expect(objectsOf(app, 'Service').map((s) => s.metadata.name)).toEqual(['workers-metrics']);
    expect(objectOf(app, 'ServiceMonitor', 'workers').spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s' }]);
    expect(fromPrometheus(objectOf(app, 'NetworkPolicy', 'workers'))[0].ports).toEqual([{ port: 9100, protocol: 'TCP' }]);
    expect(errorsOf(app, DEFAULT_RULES)).toEqual([]);
  });

  test('a sidecar port, and a sidecar added after the declaration', () => {
    const { app, chart } = testChart();
    const api = new WebService(chart, 'api', web);
    api.exposeMetrics({ port: 'stats' });
    api.addSidecar(
      new ContainerModel('stats', { image: 'registry.stackworks.io/org/stats:1.0.0', runAs: { user: 10002 } }, resources, [
        { name: 'stats', port: 9102 },
      ]),
    );
    expect(objectOf(app, 'Service', 'api-metrics').spec.ports).toEqual([{ name: 'stats', port: 9102, targetPort: 'stats', protocol: 'TCP' }]);
    expect(fromPrometheus(objectOf(app, 'NetworkPolicy', 'api'))[0].ports).toEqual([{ port: 9102, protocol: 'TCP' }]);
  });
});

describe('data-store exporters are scraped', () => {
  const { app, chart } = testChart();
  const redisSecret = new SystemSecret(chart, 'redis', { keys: ['redis-password'] });
  new Redis(chart, 'cache', { use: 'cache', storage: '1Gi', credentials: redisSecret, resources, monitoring: { exporter: true } }).noBackup(
    NOT_BACKED_UP_IN_TEST,
  );
  samplePostgres(chart, resources, { exporter: true }).noBackup(NOT_BACKED_UP_IN_TEST);
  sampleMySql(chart, resources, { exporter: true }).noBackup(NOT_BACKED_UP_IN_TEST);
  new Redis(chart, 'queue', { use: 'queue', storage: '1Gi', credentials: redisSecret, resources }).noBackup(NOT_BACKED_UP_IN_TEST);

  test.each([
    ['cache', 9121, 6379],
    ['db', 9187, 5432],
    ['mysql', 9104, 3306],
  ])('%s: ServiceMonitor on the `metrics` port %i; Prometheus reaches only that port, not the engine port', (name, metricsPort, enginePort) => {
    expect(objectOf(app, 'ServiceMonitor', name).spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s' }]);
    expect(objectOf(app, 'Service', `${name}-metrics`).spec.ports).toEqual([
      { name: 'metrics', port: metricsPort, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    const ports = fromPrometheus(objectOf(app, 'NetworkPolicy', name)).flatMap((r: any) => r.ports.map((p: any) => p.port));
    expect(ports).toEqual([metricsPort]);
    expect(ports).not.toContain(enginePort);
    // The client Service clients connect to keeps only the engine port.
    expect(objectOf(app, 'Service', name).spec.ports.map((p: any) => p.name)).not.toContain('metrics');
  });

  test('no exporter, no ServiceMonitor', () => {
    expect(objectsOf(app, 'ServiceMonitor').map((m) => m.metadata.name)).toEqual(['cache', 'db', 'mysql']);
    expect(fromPrometheus(objectOf(app, 'NetworkPolicy', 'queue'))).toEqual([]);
  });

  test('every policy rule passes', () => {
    expect(errorsOf(app, DEFAULT_RULES)).toEqual([]);
  });
});

describe('bad declarations are synth errors naming the workload and the field', () => {
  const errors = (declare: (api: WebService) => void) => {
    const { app, chart } = testChart();
    declare(new WebService(chart, 'api', web));
    return errorsOf(app);
  };

  test('a port the workload does not have', () => {
    expect(errors((api) => api.exposeMetrics({ port: 'metrics' }))).toEqual([
      "[test-prod/api] exposeMetrics.port: 'metrics' is not a port of test-prod/api (its containers declare: http)",
    ]);
  });

  test('a relative path', () => {
    expect(errors((api) => api.exposeMetrics({ port: 'http', path: 'metrics' }))).toEqual([
      "[test-prod/api] exposeMetrics.path: 'metrics' must be an absolute HTTP path, e.g. /metrics",
    ]);
  });

  test.each<[unknown, string]>([
    ['30s', "'30s' is a string: give a Duration, Duration.seconds(30)"],
    ['1m', "'1m' is ambiguous (minutes or months?): give a Duration, Duration.minutes(1) or, for months, Duration.days(30)"],
    [30, 'must be a Duration such as Duration.seconds(30) (is number 30)'],
    [Duration.seconds(0), '0 seconds is not a whole number of seconds, at least one'],
  ])('interval %p', (interval, message) => {
    expect(errors((api) => api.exposeMetrics({ port: 'http', interval: interval as Duration }))).toEqual([
      `[test-prod/api] exposeMetrics.interval: ${message}`,
    ]);
  });

  test('the same port and path twice', () => {
    expect(
      errors((api) => {
        api.exposeMetrics({ port: 'http' });
        api.exposeMetrics({ port: 'http', path: '/metrics', interval: Duration.minutes(1) });
      }),
    ).toEqual(["[test-prod/api] exposeMetrics: port 'http' path '/metrics' is declared twice; Prometheus would scrape it twice"]);
  });

  test('a UDP port', () => {
    const { app, chart } = testChart();
    new WebService(chart, 'api', {
      ...web,
      ports: [
        { name: 'http', port: 8080 },
        { name: 'statsd', port: 8125, protocol: 'UDP' },
      ],
    }).exposeMetrics({ port: 'statsd' });
    expect(errorsOf(app)).toEqual(["[test-prod/api] exposeMetrics.port: 'statsd' is UDP; Prometheus scrapes over HTTP (TCP)"]);
  });
});

describe('Environment monitoring settings', () => {
  test('defaults when not set; fields set to undefined keep their defaults', () => {
    const env = testEnv('prod', { monitoring: { alertFor: undefined } });
    expect(env.monitoring).toEqual({
      scrapeInterval: '30s',
      alertFor: '5m',
      severities: { critical: 'critical', warning: 'warning' },
    });
  });

  test('the repository environments: dev pages nobody and waits longer', () => {
    expect(testEnv('dev').monitoring).toMatchObject({ alertFor: '15m', severities: { critical: 'warning', warning: 'info' } });
    expect(testEnv('staging').monitoring).toMatchObject({ alertFor: '10m', severities: { critical: 'warning', warning: 'warning' } });
    expect(testEnv('prod').monitoring).toMatchObject({ alertFor: '5m', severities: { critical: 'critical', warning: 'warning' } });
  });
});
