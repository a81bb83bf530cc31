import { buildRepositoryApp } from '../../charts/app';
import { synthesize } from '../../lib';
import { UNUSED_OUTDIR } from '../support/synth';

/** What the five systems scrape, alert on and show, in prod. */
describe('observability in the repository charts (prod)', () => {
  const objects = synthesize(buildRepositoryApp({ envs: ['prod'], outdir: UNUSED_OUTDIR }), {
    outdir: UNUSED_OUTDIR,
    dryRun: true,
    rules: [],
  }).objects;
  const named = (folder: string, kind: string) => objects.filter((o) => o.folder === `prod/${folder}` && o.object.kind === kind).map((o) => o.object);

  test.each([
    ['loopi', ['api', 'memcached', 'mysql', 'redis']],
    ['feature-models', ['backend', 'db']],
    ['techshop', ['app', 'mongodb', 'redis']],
    ['chatnomina', ['api', 'auth', 'cache', 'chat', 'db']],
    ['capibara6', ['api', 'cache', 'db', 'graphql', 'metrics-db', 'queue']],
  ])(
    '%s: ServiceMonitors (PodMonitors for CloudNativePG) for the APIs and every exporter, one PrometheusRule, one dashboard',
    (system, monitored) => {
      expect([...named(system, 'ServiceMonitor'), ...named(system, 'PodMonitor')].map((m) => m.metadata.name).sort()).toEqual(monitored);
      expect(named(system, 'PrometheusRule').map((r) => r.metadata.name)).toEqual(['alerts']);
      const dashboards = named(system, 'ConfigMap').filter((c) => c.metadata.labels.grafana_dashboard === '1');
      expect(dashboards).toHaveLength(1);
      const json = JSON.parse(Object.values(dashboards[0].data)[0] as string);
      expect(json.uid).toBe(`${system}-prod`);
      expect(json.panels.length).toBeGreaterThan(0);
    },
  );

  test("ChatNomina's seed thresholds: error rate > 1 %, latency > 200 ms, CPU, memory and disk > 80 %, 4xx", () => {
    const rules = named('chatnomina', 'PrometheusRule')[0].spec.groups.flatMap((g: any) => g.rules);
    const expr = (name: string) => rules.find((r: any) => r.alert === name).expr;
    expect(expr('HttpErrorRatioHigh')).toMatch(/ > 0\.01$/);
    expect(expr('HttpClientErrorRatioHigh')).toMatch(/status=~"4\.\."/);
    expect(expr('HttpLatencyP95High')).toMatch(/ > 0\.2$/);
    expect(expr('ContainerCpuNearLimit')).toMatch(/ > 0\.8$/);
    expect(expr('ContainerMemoryNearLimit')).toMatch(/ > 0\.8$/);
    expect(expr('PersistentVolumeFillingUp')).toMatch(/ > 0\.8$/);
  });

  test('capibara6: both APIs in the HTTP alerts', () => {
    const rules = named('capibara6', 'PrometheusRule')[0].spec.groups.flatMap((g: any) => g.rules);
    expect(rules.find((r: any) => r.alert === 'HttpErrorRatioHigh').expr).toContain('job=~"api|graphql"');
  });
});
