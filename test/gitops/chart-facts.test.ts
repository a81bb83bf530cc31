import { EnvironmentName, synthesize, SynthResult } from '../../lib';
import { demoPlatform, Platform } from '../../lib/core/platform';
import { allChartFacts, chartVersionFacts, POD_SECURITY_LEVELS, PodSecurityLevelName, releaseFacts } from '../../lib/gitops/chart-facts';
import { COMPONENT_CHARTS, planPlatform } from '../../lib/gitops/platform-components';
import { buildRepositoryApp } from '../../charts/app';
import { podSecurityLevel } from '../../scripts/chart-facts/pod-security';
import { CHART_SOURCES } from '../../scripts/chart-facts/sources';
import { UNUSED_OUTDIR } from '../support/synth';

type Json = Record<string, any>;
const ENVS: EnvironmentName[] = ['dev', 'staging', 'prod'];
const results = new Map<EnvironmentName, SynthResult>();
function objectsOf(env: EnvironmentName): Json[] {
  if (!results.has(env))
    results.set(env, synthesize(buildRepositoryApp({ envs: [env], outdir: UNUSED_OUTDIR }), { outdir: UNUSED_OUTDIR, dryRun: true }));
  return results.get(env)!.objects.map((o) => o.object);
}
const chartApps = (env: EnvironmentName) => objectsOf(env).filter((o) => o.kind === 'Application' && o.spec.source.chart);
const factsOfApp = (a: Json) =>
  releaseFacts(
    a.spec.source.chart,
    a.spec.source.targetRevision,
    a.spec.source.helm.releaseName,
    a.spec.destination.namespace,
    a.spec.source.helm.valuesObject,
  );

/** Charts whose pinned version's source could not be fetched: rendered from the nearest version, and said so. */
const UNVERIFIED = ['plugin-barman-cloud@0.8.0', 'psmdb-operator@1.23.0'];

describe('the chart facts table', () => {
  test('every pinned chart version has facts, read from its source at a recorded commit', () => {
    for (const chart of Object.values(COMPONENT_CHARTS)) {
      const facts = chartVersionFacts(chart!.chart, chart!.chartVersion);
      expect({ chart: `${chart!.chart}@${chart!.chartVersion}`, found: facts !== undefined }).toEqual({
        chart: `${chart!.chart}@${chart!.chartVersion}`,
        found: true,
      });
      expect(facts!.source.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(facts!.source.repository).toBe(
        `https://github.com/${(CHART_SOURCES[`${chart!.chart}@${chart!.chartVersion}`].source ?? CHART_SOURCES[`${chart!.chart}@${chart!.chartVersion}`].unavailable!.nearest).repo}`,
      );
      expect(facts!.variants.length).toBeGreaterThan(0);
    }
    // Nothing in the table that is not pinned (a stale entry would hide a missing refresh).
    const pinned = Object.values(COMPONENT_CHARTS).map((c) => `${c!.chart}@${c!.chartVersion}`);
    expect(Object.keys(allChartFacts()).sort()).toEqual([...pinned].sort());
  });

  test('facts that stand in for an unfetchable version say so, and only those', () => {
    const unverified = Object.entries(allChartFacts())
      .filter(([, f]) => f.source.unverified)
      .map(([k]) => k);
    expect(unverified.sort()).toEqual(UNVERIFIED);
    for (const key of UNVERIFIED) {
      const f = allChartFacts()[key];
      expect(f.source.renderedVersion).not.toBe(f.version);
      expect(f.source.unverified).toContain(f.source.renderedVersion);
    }
  });

  test('re-pinning a chart without refreshing its facts is a synth error naming the chart and the script', () => {
    const original = COMPONENT_CHARTS['cert-manager']!;
    const charts = COMPONENT_CHARTS as Record<string, unknown>;
    charts['cert-manager'] = { ...original, chartVersion: 'v1.22.0', appVersion: '1.22.0' };
    try {
      const plan = planPlatform(new Platform(demoPlatform()), [{ component: 'cert-manager', minVersion: '1.0.0', reason: 'test', path: 'app/test' }]);
      expect(plan.issues.map((i) => i.message)).toEqual([
        expect.stringMatching(/^cert-manager v1\.22\.0 has no facts in lib\/gitops\/chart-facts-table\.json .*scripts\/chart-facts/),
      ]);
      expect(plan.components[0].facts).toBeUndefined();
    } finally {
      charts['cert-manager'] = original;
    }
  });

  test('MOCO 0.20.0 and gateway-helm v1.9.0 render a ValidatingAdmissionPolicy and its binding (read from the charts)', () => {
    for (const [chart, version] of [
      ['moco', '0.20.0'],
      ['gateway-helm', 'v1.9.0'],
    ]) {
      const kinds = chartVersionFacts(chart, version)!.variants.flatMap((v) => v.clusterKinds);
      expect(kinds).toEqual(
        expect.arrayContaining([
          'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
          'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
        ]),
      );
    }
  });

  test("node-exporter's pods need privileged in the Prometheus namespace (host network, PID and paths)", () => {
    const facts = releaseFacts(
      'kube-prometheus-stack',
      '88.5.3',
      'prometheus',
      'monitoring',
      chartApps('prod').find((a) => a.spec.source.chart === 'kube-prometheus-stack')!.spec.source.helm.valuesObject,
    )!;
    expect(facts.exact).toBe(true);
    expect(facts.podSecurity.monitoring.level).toBe('privileged');
    expect(facts.podSecurity.monitoring.reasons.join(' ')).toMatch(/node-exporter.*hostNetwork/);
  });
});

describe.each(ENVS)('%s: the platform follows the facts of exactly the values it renders', (env) => {
  test('every chart Application has a render of exactly its release name, namespace and values in the table', () => {
    const missing = chartApps(env)
      .filter((a) => !factsOfApp(a)?.exact)
      .map((a) => `${a.metadata.name} (${a.spec.source.chart} ${a.spec.source.targetRevision}): run scripts/chart-facts/generate.ts`);
    expect(missing).toEqual([]);
  });

  test('no namespace enforces a Pod Security level that the pods a chart installs there would break', () => {
    const objects = objectsOf(env);
    const enforced = new Map<string, PodSecurityLevelName>(
      objects
        .filter((o) => o.kind === 'Namespace')
        .map((o) => [o.metadata.name, o.metadata.labels?.['pod-security.kubernetes.io/enforce'] ?? 'privileged']),
    );
    const broken: string[] = [];
    for (const app of chartApps(env)) {
      for (const [namespace, need] of Object.entries(factsOfApp(app)!.podSecurity)) {
        const level = enforced.get(namespace);
        if (level && POD_SECURITY_LEVELS.indexOf(level) < POD_SECURITY_LEVELS.indexOf(need.level))
          broken.push(`${namespace} enforces ${level}; ${need.reasons.join('; ')}`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('platform Applications whose chart renders custom resources of another component skip the dry run, and sync after that component', () => {
    const apps = chartApps(env);
    const wave = (a: Json) => Number(a.metadata.annotations['argocd.argoproj.io/sync-wave']);
    for (const app of apps) {
      const facts = factsOfApp(app)!;
      expect({ app: app.metadata.name, skip: app.spec.syncPolicy.syncOptions.includes('SkipDryRunOnMissingResource=true') }).toEqual({
        app: app.metadata.name,
        skip: facts.foreignKinds.length > 0,
      });
      for (const kind of facts.foreignKinds) {
        const provider = apps.find((p) => factsOfApp(p)!.crds.includes(kind));
        if (provider)
          expect({ app: app.metadata.name, after: provider.metadata.name, later: wave(app) > wave(provider) }).toEqual({
            app: app.metadata.name,
            after: provider.metadata.name,
            later: true,
          });
      }
    }
  });
});

describe('the Pod Security evaluation of a pod spec', () => {
  const restricted = {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    volumes: [{ name: 'tmp', emptyDir: {} }],
  };
  test('a hardened pod is restricted', () => {
    expect(podSecurityLevel(restricted)).toEqual({ level: 'restricted', reasons: [] });
  });
  test('host network, PID or paths need privileged; a root user or a missing seccomp profile needs baseline', () => {
    expect(podSecurityLevel({ ...restricted, hostNetwork: true })).toEqual({ level: 'privileged', reasons: ['hostNetwork'] });
    expect(podSecurityLevel({ ...restricted, volumes: [{ name: 'root', hostPath: { path: '/' } }] }).level).toBe('privileged');
    expect(podSecurityLevel({ ...restricted, containers: [{ name: 'c', securityContext: { privileged: true } }] }).level).toBe('privileged');
    expect(podSecurityLevel({ ...restricted, securityContext: {} })).toEqual({
      level: 'baseline',
      reasons: ['c: runAsNonRoot not true', 'c: seccompProfile not RuntimeDefault or Localhost'],
    });
    expect(podSecurityLevel({ ...restricted, containers: [{ name: 'c', securityContext: { capabilities: { add: ['NET_ADMIN'] } } }] }).level).toBe(
      'privileged',
    );
  });
});
