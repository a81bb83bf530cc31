import { Duration, ExistingSecret, fromSecret, Probe, SystemAlerts, SystemSecret, WebService, Worker } from '../../lib';
import { errorsOf, objectOf, testChart } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const web = { image: 'registry.stackworks.io/org/api:1.0.0', ports: [{ name: 'http', port: 8080 }], readiness: Probe.http('/ready'), resources };

describe('latency targets per job', () => {
  function build(byJob: Record<string, unknown> | undefined, latency = Duration.millis(200)) {
    const { app, chart } = testChart();
    for (const name of ['rest', 'graphql']) new WebService(chart, name, web).exposeMetrics({ port: 'http' });
    new SystemAlerts(chart, 'alerts', { latencyP95: latency, latencyP95ByJob: byJob as never });
    return app;
  }
  const latencyRule = (app: ReturnType<typeof build>) =>
    objectOf(app, 'PrometheusRule', 'alerts')
      .spec.groups.flatMap((g: any) => g.rules)
      .find((r: any) => r.alert === 'HttpLatencyP95High');

  test('one rule: each job compared with its own target', () => {
    const rule = latencyRule(build({ graphql: Duration.millis(150) }));
    const p95 = (job: string) =>
      `histogram_quantile(0.95, sum by (namespace, job, le) (rate(http_request_duration_seconds_bucket{namespace="test-prod",job=~"${job}"}[5m])))`;
    expect(rule.expr).toBe(`(${p95('rest')} > 0.2) or (${p95('graphql')} > 0.15)`);
    expect(rule.annotations.description).toBe(
      'The 95th percentile of request durations of {{ $labels.job }} is above its target (rest: 200 ms; graphql: 150 ms) over 5m.',
    );
  });

  test('without per-job targets the rule is unchanged (one threshold for every job)', () => {
    expect(latencyRule(build(undefined)).expr).toMatch(/job=~"rest\|graphql"\}\[5m\]\)\)\) > 0\.2$/);
    expect(latencyRule(build({ graphql: Duration.millis(200) })).expr).toMatch(/job=~"rest\|graphql"\}\[5m\]\)\)\) > 0\.2$/);
  });

  test.each([
    ['an unknown job', { grpc: Duration.millis(100) }, 'latencyP95ByJob.grpc', /'grpc' is not a job with HTTP metrics \(jobs: rest, graphql\)/],
    ['zero', { graphql: Duration.millis(0) }, 'latencyP95ByJob.graphql', /: 0 millis must be longer than zero$/],
    ['seconds as a number', { graphql: 0.15 }, 'latencyP95ByJob.graphql', /must be a Duration such as Duration\.millis\(150\) \(is number 0\.15\)$/],
    ['milliseconds as a string', { graphql: '150ms' }, 'latencyP95ByJob.graphql', /'150ms' is a string: give a Duration/],
  ])('%s is refused', (_name, byJob, field, message) => {
    expect(errorsOf(build(byJob)).filter((e) => e.startsWith(`[test-prod/alerts] ${field}: `))).toEqual([expect.stringMatching(message)]);
  });
});

describe('metrics behind a bearer token', () => {
  test('the ServiceMonitor sends the token from the Secret key (authorization, never the value)', () => {
    const { app, chart } = testChart();
    const token = new SystemSecret(chart, 'scrape-token', { keys: ['token'] });
    new WebService(chart, 'api', web).exposeMetrics({ port: 'http', path: '/api/v1/metrics', bearerToken: fromSecret(token, 'token') });
    expect(objectOf(app, 'ServiceMonitor', 'api').spec.endpoints).toEqual([
      {
        port: 'http',
        path: '/api/v1/metrics',
        interval: '15s',
        authorization: { type: 'Bearer', credentials: { name: 'scrape-token', key: 'token' } },
      },
    ]);
  });

  test.each([
    [
      'a key the Secret does not hold',
      () => fromSecret(ExistingSecret.named('t', ['token']), 'TOKEN'),
      /key 'TOKEN' is not produced by existing Secret 't' \(it has: token\)/,
    ],
    ['a plain string', () => 'abc123', /must be fromSecret\(secret, key\): the token is read from a Secret, never written in the manifest/],
  ])('%s is refused', (_name, token, message) => {
    const { app, chart } = testChart();
    new Worker(chart, 'w', { image: 'registry.stackworks.io/org/w:1.0.0', resources, ports: [{ name: 'metrics', port: 9100 }] }).exposeMetrics({
      port: 'metrics',
      bearerToken: token() as never,
    });
    expect(errorsOf(app).filter((e) => e.startsWith('[test-prod/w] exposeMetrics.bearerToken: '))).toEqual([expect.stringMatching(message)]);
  });
});

describe('imageUser: what an image built for another user must do', () => {
  test.each([
    ['without mustDo', { expects: 'root' }, 'imageUser.mustDo', /is required: a sentence for the README \(what it must do to run as runAs\)/],
    ['with a blank expects', { expects: ' ', mustDo: 'x' }, 'imageUser.expects', /is required/],
    ['as a string', 'runs as root', 'imageUser', /must be an object/],
  ])('%s is refused', (_name, note, field, message) => {
    const { app, chart } = testChart();
    new Worker(chart, 'w', { image: 'registry.stackworks.io/org/w:1.0.0', resources, imageUser: note as never });
    expect(errorsOf(app).filter((e) => e.startsWith(`[test-prod/w] ${field}: `))).toEqual([expect.stringMatching(message)]);
  });
});
