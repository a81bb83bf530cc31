import { App } from 'cdk8s';
import { Environment, PlatformPrometheusChart, SynthesisError, synthesize, WebService, Probe, SystemChart } from '../../lib';
import { PrometheusServerProps } from '../../lib/observability/prometheus-server';
import { platformRequirements } from '../../lib/core/platform-requirements';
import { testStrictSchemaValidation } from '../support/construct-tests';
import { testEnv, UNUSED_OUTDIR } from '../support/synth';

type Json = Record<string, any>;

/**
 * An environment whose profile moves Prometheus: another namespace, pod labels and selector
 * labels, and a storage class. Given through the props the profile is built from today
 * (`monitoring`, `storageClassName`), which the systems' constructs read as well.
 */
function movedProfileEnv(name: 'dev' | 'staging' | 'prod' = 'prod'): Environment {
  const env = testEnv(name, {
    platform: {
      storage: { defaultClass: 'fast-ssd', classes: { 'fast-ssd': { preinstalled: true } } },
      prometheus: {
        pods: { namespace: 'observability', podLabels: { 'app.kubernetes.io/name': 'prom', team: 'sre' } },
        serviceMonitorLabels: { 'monitoring.acme.io/scrape': 'yes' },
        ruleLabels: { 'monitoring.acme.io/rules': 'yes' },
      },
    },
  });
  expect(env.platform.prometheus.pods.namespace).toBe('observability');
  return env;
}

function synth(env: Environment, server?: Partial<Record<keyof PrometheusServerProps, unknown>>, withSystem = false): Json[] {
  const app = new App({ outdir: UNUSED_OUTDIR });
  new PlatformPrometheusChart(app, { environment: env, server: server as PrometheusServerProps });
  if (withSystem) {
    const chart = new SystemChart(app, { system: 'shop', environment: env });
    new WebService(chart, 'api', {
      image: 'registry.stackworks.io/org/api:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      readiness: Probe.http('/ready'),
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    }).exposeMetrics({ port: 'http', path: '/metrics' });
  }
  return synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true, rules: [] }).objects.map((o) => ({ ...o.object, folder: o.folder }));
}

function errors(env: Environment, server: Partial<Record<keyof PrometheusServerProps, unknown>>): string[] {
  try {
    synth(env, server);
    return [];
  } catch (e) {
    if (e instanceof SynthesisError) return e.issues.map((i) => `[${i.path}] ${i.message}`);
    throw e;
  }
}

const one = (objects: Json[], kind: string) => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('PrometheusServer with the default profile (prod)', () => {
  const objects = synth(testEnv('prod'));
  const prometheus = one(objects, 'Prometheus');

  test('is written to dist/<env>/platform/prometheus with its namespace, ServiceAccount and discovery RBAC', () => {
    expect(new Set(objects.map((o) => o.folder))).toEqual(new Set(['prod/platform/prometheus']));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      // The Alertmanager it sends to, its routes and the receivers' credentials (alertmanager.test.ts).
      'Alertmanager/alertmanager',
      'AlertmanagerConfig/alertmanager',
      'ClusterRole/monitoring-prometheus',
      'ClusterRoleBinding/monitoring-prometheus',
      'ExternalSecret/alertmanager-receivers',
      'Namespace/monitoring',
      'PodDisruptionBudget/alertmanager-alertmanager',
      'Prometheus/prometheus',
      'SecretStore/secret-store',
      'ServiceAccount/prometheus',
      'ServiceAccount/secret-store',
    ]);
    expect(one(objects, 'Namespace').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    const role = one(objects, 'ClusterRole');
    expect(role.rules).toEqual(
      expect.arrayContaining([
        { apiGroups: [''], resources: ['services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
      ]),
    );
    // Read-only: nothing that writes or reads Secrets.
    for (const rule of role.rules) expect(rule.verbs.every((v: string) => ['get', 'list', 'watch'].includes(v))).toBe(true);
    for (const rule of role.rules) expect(rule.resources ?? []).not.toContain('secrets');
    expect(one(objects, 'ClusterRoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'prometheus', namespace: 'monitoring' }]);
    expect(prometheus.spec.serviceAccountName).toBe('prometheus');
  });

  test('selects the profile labels in every namespace, and its pods carry the profile pod labels', () => {
    expect(prometheus.metadata.namespace).toBe('monitoring');
    expect(prometheus.spec).toMatchObject({
      serviceMonitorSelector: { matchLabels: { release: 'prometheus' } },
      podMonitorSelector: { matchLabels: { release: 'prometheus' } },
      ruleSelector: { matchLabels: { release: 'prometheus' } },
      serviceMonitorNamespaceSelector: {},
      podMonitorNamespaceSelector: {},
      ruleNamespaceSelector: {},
      podMetadata: { labels: { 'app.kubernetes.io/name': 'prometheus' } },
    });
  });

  test('pinned image and version, production sizing, restricted pod security context', () => {
    expect(prometheus.spec.version).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(prometheus.spec.image).toBe(`quay.io/prometheus/prometheus:${prometheus.spec.version}`);
    expect(prometheus.spec).toMatchObject({
      replicas: 2,
      retention: '15d',
      resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '2Gi' } },
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      storage: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } } } } },
    });
  });

  testStrictSchemaValidation(() => objects.map(({ folder: _folder, ...o }) => o));
});

test('dev: one replica, short retention, no volume', () => {
  const prometheus = one(synth(testEnv('dev')), 'Prometheus');
  expect(prometheus.spec).toMatchObject({ replicas: 1, retention: '2d' });
  expect(prometheus.spec.storage).toBeUndefined();
});

test('a changed profile moves namespace, selectors, pod labels and storage class, and the systems follow', () => {
  const objects = synth(movedProfileEnv(), undefined, true);
  const prometheus = one(objects, 'Prometheus');
  expect(prometheus.metadata.namespace).toBe('observability');
  expect(prometheus.spec.serviceMonitorSelector).toEqual({ matchLabels: { 'monitoring.acme.io/scrape': 'yes' } });
  expect(prometheus.spec.ruleSelector).toEqual({ matchLabels: { 'monitoring.acme.io/rules': 'yes' } });
  expect(prometheus.spec.podMetadata.labels).toEqual({ 'app.kubernetes.io/name': 'prom', team: 'sre' });
  expect(prometheus.spec.storage.volumeClaimTemplate.spec.storageClassName).toBe('fast-ssd');
  expect(
    one(
      objects.filter((o) => o.folder === 'prod/platform/prometheus'),
      'Namespace',
    ).metadata.name,
  ).toBe('observability');
  // The system's NetworkPolicies admit exactly these pods from exactly this namespace.
  const peers = objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .flatMap((np) => (np.spec.ingress ?? []).flatMap((rule: Json) => rule.from ?? []))
    .filter((peer: Json) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'observability');
  expect(peers.length).toBeGreaterThan(0);
  for (const peer of peers) expect(prometheus.spec.podMetadata.labels).toMatchObject(peer.podSelector.matchLabels);
  // What the Prometheus selects is exactly what the system's monitors carry.
  const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
  expect(monitors.length).toBeGreaterThan(0);
  for (const m of monitors) expect(m.metadata.labels).toMatchObject(prometheus.spec.serviceMonitorSelector.matchLabels);
  for (const r of objects.filter((o) => o.kind === 'PrometheusRule'))
    expect(r.metadata.labels).toMatchObject(prometheus.spec.ruleSelector.matchLabels);
});

test('declares the prometheus-operator it needs', () => {
  const app = new App({ outdir: UNUSED_OUTDIR });
  new PlatformPrometheusChart(app, { environment: testEnv('prod') });
  expect(platformRequirements(app)).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ component: 'prometheus-operator', minVersion: '0.90.1', reason: expect.stringMatching(/Prometheus v3\./) }),
      expect.objectContaining({ component: 'prometheus-operator', minVersion: '0.66.0', reason: expect.stringMatching(/Alertmanager/) }),
      expect.objectContaining({ component: 'external-secrets' }),
    ]),
  );
});

describe('bad input is refused with the field and what is allowed', () => {
  const path = 'platform-prometheus-prod/prometheus';
  test.each<[string, Partial<Record<keyof PrometheusServerProps, unknown>>, string, RegExp]>([
    ['name', { name: 'Prom_1' }, 'name', /StatefulSet prometheus-<name>/],
    ['retention', { retention: '15 days' }, 'retention', /'15 days' is a string: give a Duration, Duration.days\(15\)/],
    ['replicas', { replicas: 0 }, 'replicas', /whole number from 1 to 10/],
    ['replicas in prod', { replicas: 1 }, 'replicas', /at least 2/],
    ['storage size', { storageSize: '50GB' }, 'storageSize', /quantity/],
    ['memory', { resources: { memory: '2 gigs' } }, 'resources.memory', /quantity/],
    ['cpu', { resources: { cpu: 'fast' } }, 'resources.cpu', /quantity/],
  ])('%s', (_what, server, field, message) => {
    const found = errors(testEnv('prod'), server);
    expect(found).toEqual([expect.stringMatching(new RegExp(`^\\[${path}\\] ${field.replace('.', '\\.')}: `))]);
    expect(found[0]).toMatch(message);
  });

  test('a wrong-typed prop is reported by the prop check', () => {
    expect(errors(testEnv('prod'), { replicas: 'two' })).toEqual(expect.arrayContaining([expect.stringMatching(/replicas/)]));
  });

  test('an empty selector label set is refused (it would select every object)', () => {
    const env = testEnv('prod', { platform: { prometheus: { serviceMonitorLabels: {} } } });
    expect(errors(env, {})).toEqual([
      expect.stringMatching(/^\[platform-prometheus-prod\/prometheus\] platform\.prometheus\.serviceMonitorLabels: must name at least one label/),
    ]);
  });
});
