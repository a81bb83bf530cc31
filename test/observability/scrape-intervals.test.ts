import { buildRepositoryApp } from '../../charts/app';
import { ENVIRONMENTS } from '../../charts/environments';
import { Duration, SystemSecret, synthesize } from '../../lib';
import { Postgres } from '../../lib/data/postgres';
import { PostgresEngine } from '../../lib/data/postgres-engine';
import { objectsOf, testChart, testEnv, UNUSED_OUTDIR } from '../support/synth';

type Json = Record<string, any>;

/**
 * Scrape intervals come from the model: the environment's default (`monitoring.scrapeInterval`,
 * 15 s in this repository as the Loopi and TechShop seeds configure their Prometheus), a
 * workload's own (`exposeMetrics({ interval })`, Loopi's API every 5 s), and the exporters and
 * operator-made monitors at the environment's default.
 */
describe('scrape intervals in the repository', () => {
  const objects: Json[] = synthesize(buildRepositoryApp({ outdir: UNUSED_OUTDIR }), { outdir: UNUSED_OUTDIR, dryRun: true, rules: [] }).objects.map(
    (o) => ({ ...(o.object as Json), folder: o.folder }),
  );
  const intervals = (folder: string): Record<string, string[]> =>
    Object.fromEntries(
      objects
        .filter((o) => o.folder === folder && (o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor'))
        .map((o) => [o.metadata.name, [...(o.spec.endpoints ?? o.spec.podMetricsEndpoints)].map((e: Json) => e.interval)]),
    );

  test('every environment defaults to 15 s', () => {
    for (const env of ['dev', 'staging', 'prod'] as const) expect(ENVIRONMENTS[env].monitoring.scrapeInterval).toBe('15s');
  });

  test.each(['dev', 'staging', 'prod'])("%s: Loopi's API every 5 s, its exporters at the default", (env) => {
    const got = intervals(`${env}/loopi`);
    expect(got.api).toEqual(['5s']);
    const others = Object.entries(got).filter(([name]) => name !== 'api');
    expect(others.length).toBeGreaterThan(0);
    for (const [, values] of others) expect(values).toEqual(values.map(() => '15s'));
  });

  test("TechShop's app every 10 s (its seed's job), the MongoDB and Redis exporters every 15 s", () => {
    const got = intervals('prod/techshop');
    expect(got.app).toEqual(['10s']);
    expect(Object.keys(got).length).toBeGreaterThan(1);
    for (const [name, values] of Object.entries(got)) if (name !== 'app') expect(values).toEqual(values.map(() => '15s'));
  });

  test('the platform Prometheus scrapes and evaluates at the environment default', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const prometheus = objects.find((o) => o.kind === 'Prometheus' && o.folder === `${env}/platform/prometheus`)!;
      expect(prometheus.spec.scrapeInterval).toBe('15s');
      expect(prometheus.spec.evaluationInterval).toBe('15s');
    }
  });
});

test("an operator-made monitor (CloudNativePG's PodMonitor) follows the environment's interval", () => {
  const { app, chart } = testChart(testEnv('staging', { monitoring: { scrapeInterval: Duration.seconds(20) } }));
  const credentials = new SystemSecret(chart, 'db-credentials', { keys: ['postgres-password', 'password'], basicAuthUsername: 'test' });
  new Postgres(chart, 'db', {
    version: '17',
    database: 'test',
    storage: '10Gi',
    credentials,
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    monitoring: { exporter: true },
    engine: PostgresEngine.cloudNativePg({ instances: 2 }),
  }).noBackup({ reason: 'scratch data of a unit test, recreated by each run' });
  const monitors = objectsOf(app, 'PodMonitor');
  expect(monitors.length).toBe(1);
  expect(monitors[0].spec.podMetricsEndpoints.map((e: Json) => e.interval)).toEqual(['20s']);
});
