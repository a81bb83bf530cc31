/**
 * Feature-models' seed calls backups critical and asks for application performance
 * monitoring: the prod database (CloudNativePG, WAL archived to S3) is scraped and alerts
 * when archiving fails, and the API and the Celery worker send traces.
 */
import { envOf, find, kinds, mainContainer, readmeOf, systemObjects, workloadObject } from './support';

describe('Feature-models: the database is watched and the application traced', () => {
  const prod = systemObjects('feature-models', 'prod');

  test('prod: the CloudNativePG pods are scraped (PodMonitor) and a failing WAL archive pages', () => {
    expect(find(prod, 'PodMonitor', 'db').spec.selector.matchLabels).toMatchObject({ 'cnpg.io/cluster': 'db' });
    const rules = kinds(prod, 'PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules));
    const wal = rules.find((r: any) => r.alert === 'WalArchiveFailingDb');
    expect(wal).toBeDefined();
    expect(wal.labels).toMatchObject({ severity: 'critical', system: 'feature-models', environment: 'prod' });
    expect(wal.expr).toContain('cnpg_pg_stat_archiver_last_failed_time{namespace="feature-models-prod"');
  });

  test.each(['dev', 'staging'] as const)('%s: the single database server has its exporter and ServiceMonitor', (env) => {
    const objects = systemObjects('feature-models', env);
    expect(find(objects, 'ServiceMonitor', 'db')).toBeDefined();
    const containers = find(objects, 'StatefulSet', 'db').spec.template.spec.containers.map((c: any) => c.name);
    expect(containers.length).toBeGreaterThan(1);
  });

  test.each(['backend', 'celery-worker'])('%s sends traces to the platform collector, named after the workload', (name) => {
    const env = envOf(mainContainer(workloadObject(prod, name)));
    expect(env.OTEL_SERVICE_NAME).toEqual({ name: 'OTEL_SERVICE_NAME', value: name });
    expect(String(env.OTEL_EXPORTER_OTLP_ENDPOINT.value)).toBe('http://otel-collector.tracing.svc:4318');
    expect(readmeOf('feature-models', 'prod')).not.toMatch(/Traces: none/);
  });
});
