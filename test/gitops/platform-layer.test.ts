import { App } from 'cdk8s';
import {
  ArgoCdApplications,
  issuerForEnvironment,
  EnvironmentName,
  Probe,
  PublicEndpoint,
  requirePlatform,
  synthesize,
  SynthResult,
  WebService,
} from '../../lib';
import { completeModel } from '../../lib/pipeline/synth';
import { platformRequirements } from '../../lib/core/platform-requirements';
import { compareVersions } from '../../lib/core/platform-requirements';
import { CLUSTER_SCOPED_KINDS } from '../../lib/gitops/apply-order';
import { podTemplates } from '../../lib/gitops/decorate';
import { releaseFacts } from '../../lib/gitops/chart-facts';
import { COMPONENT_CHARTS } from '../../lib/gitops/platform-components';
import { PRIORITY_CLASSES } from '../../lib/gitops/priority-classes';
import { parseQuantity } from '../../lib/core/quantity';
import { buildRepositoryApp } from '../../charts/app';
import { errorsOf, render, testChart, testEnv, UNUSED_OUTDIR } from '../support/synth';

type Json = Record<string, any>;
const ENVS: EnvironmentName[] = ['dev', 'staging', 'prod'];

const results = new Map<EnvironmentName, SynthResult>();
function synthOf(env: EnvironmentName): SynthResult {
  if (!results.has(env))
    results.set(env, synthesize(buildRepositoryApp({ envs: [env], outdir: UNUSED_OUTDIR }), { outdir: UNUSED_OUTDIR, dryRun: true }));
  return results.get(env)!;
}
const objectsIn = (env: EnvironmentName, folder: (f: string) => boolean): Json[] =>
  synthOf(env)
    .objects.filter((o) => folder(o.folder))
    .map((o) => o.object);
const platformApps = (env: EnvironmentName) => objectsIn(env, (f) => f === `${env}/platform`).filter((o) => o.kind === 'Application');
const systemObjects = (env: EnvironmentName) => objectsIn(env, (f) => !f.endsWith('/platform') && !f.endsWith('/argocd'));
const componentApp = (env: EnvironmentName, component: string) => platformApps(env).find((a) => a.metadata.name === `${component}-${env}`);

describe.each(ENVS)('the platform layer of %s is derived from what the systems emit', (env) => {
  test('ingress-nginx allows exactly the response headers the endpoints set', () => {
    const objects = systemObjects(env);
    const used = new Set<string>();
    for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
      const ref: string | undefined = ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/custom-headers'];
      if (!ref) continue;
      const [ns, name] = ref.split('/');
      const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === ns && o.metadata.name === name);
      for (const header of Object.keys(configMap!.data)) used.add(header);
    }
    expect(used.size).toBeGreaterThan(0);
    const allowed: string = componentApp(env, 'ingress-nginx')!.spec.source.helm.valuesObject.controller.config['global-allowed-response-headers'];
    expect(allowed.split(',')).toEqual([...used].sort());
  });

  test("the edge controllers' Services keep the client's address (externalTrafficPolicy Local)", () => {
    // Keys as charts ingress-nginx 4.15.1 and traefik 41.3.0 read them.
    expect(componentApp(env, 'ingress-nginx')!.spec.source.helm.valuesObject.controller.service).toEqual({ externalTrafficPolicy: 'Local' });
    expect(componentApp(env, 'traefik')!.spec.source.helm.valuesObject.service).toEqual({ spec: { externalTrafficPolicy: 'Local' } });
  });

  test('Prometheus selects every ServiceMonitor and PrometheusRule by their labels, in every namespace; Grafana searches every namespace for the dashboards', () => {
    // The operator's chart runs no Prometheus of its own: the platform layer's PrometheusServer is the one.
    expect(componentApp(env, 'prometheus-operator')!.spec.source.helm.valuesObject.prometheus).toEqual({ enabled: false });
    const spec = synthOf(env)
      .objects.map((o) => o.object as Json)
      .find((o) => o.kind === 'Prometheus')!.spec;
    const matches = (selector: Json, labels: Json) => Object.entries(selector.matchLabels).every(([k, v]) => labels?.[k] === v);
    const monitors = systemObjects(env).filter((o) => o.kind === 'ServiceMonitor');
    const rules = systemObjects(env).filter((o) => o.kind === 'PrometheusRule');
    expect(monitors.length).toBeGreaterThan(0);
    expect(monitors.filter((m) => !matches(spec.serviceMonitorSelector, m.metadata.labels)).map((m) => m.metadata.name)).toEqual([]);
    expect(rules.filter((r) => !matches(spec.ruleSelector, r.metadata.labels)).map((r) => r.metadata.name)).toEqual([]);
    expect(spec.serviceMonitorNamespaceSelector).toEqual({});
    expect(spec.ruleNamespaceSelector).toEqual({});
    const sidecar = componentApp(env, 'grafana')!.spec.source.helm.valuesObject.sidecar.dashboards;
    const dashboards = systemObjects(env).filter((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-grafana'));
    expect(dashboards.length).toBeGreaterThan(0);
    for (const d of dashboards) expect(d.metadata.labels[sidecar.label]).toBe(sidecar.labelValue);
    expect(sidecar.searchNamespace).toBe('ALL');
  });

  test('one Application per component the systems use, each a pinned Helm chart whose version satisfies the highest minimum', () => {
    const kinds = new Set(systemObjects(env).map((o) => o.kind));
    const expected = new Set<string>();
    if (kinds.has('ExternalSecret')) expected.add('external-secrets');
    if (['Certificate', 'Issuer', 'ClusterIssuer'].some((k) => kinds.has(k))) expected.add('cert-manager');
    if (kinds.has('ServiceMonitor')) expected.add('prometheus-operator');
    if (kinds.has('VerticalPodAutoscaler')) expected.add('vertical-pod-autoscaler');
    if (kinds.has('HorizontalPodAutoscaler')) expected.add('metrics-server');
    if (kinds.has('Middleware')) expected.add('traefik');
    if (kinds.has('Ingress')) expected.add('ingress-nginx');
    const model = buildRepositoryApp({ envs: [env], outdir: UNUSED_OUTDIR });
    completeModel(model);
    const requirements = platformRequirements(model);
    expect(requirements.length).toBeGreaterThan(0);
    const unsatisfied = requirements.filter((r) => {
      const chart = COMPONENT_CHARTS[r.component];
      return chart !== undefined && compareVersions(chart.appVersion, r.minVersion) < 0;
    });
    expect(unsatisfied).toEqual([]);
    const apps = platformApps(env);
    expect(apps.map((a) => a.metadata.labels['app.kubernetes.io/name'])).toEqual(expect.arrayContaining([...expected]));
    for (const app of apps) {
      const component = app.metadata.labels['app.kubernetes.io/name'] as keyof typeof COMPONENT_CHARTS;
      const chart = COMPONENT_CHARTS[component]!;
      expect(app.spec.source).toEqual(expect.objectContaining({ repoURL: chart.repoURL, chart: chart.chart, targetRevision: chart.chartVersion }));
      expect(app.spec.source.targetRevision).toMatch(/^v?\d+\.\d+\.\d+$/);
      // Syncs before the systems: the platform Application's wave is lower than every system's.
      expect(app.metadata.annotations['argocd.argoproj.io/sync-wave']).toBeDefined();
    }
  });

  test('the AppProject admits exactly the namespaces, repositories and cluster-scoped kinds the environment uses', () => {
    const argocd = objectsIn(env, (f) => f === `${env}/argocd`);
    const project = argocd.find((o) => o.kind === 'AppProject')!;
    const everything = objectsIn(env, () => true);
    const applications = everything.filter((o) => o.kind === 'Application');
    // Owned namespaces: every namespaced object's, every Application's destination, and every
    // namespace a chart writes into (read from the chart with these values: chart-facts-table.json).
    const namespaces = new Set<string>();
    // Cluster-scoped kinds: the Namespaces Argo CD creates, those in dist, and those the charts render.
    const kinds = new Set<string>(['/Namespace']);
    for (const o of everything) if (o.metadata.namespace) namespaces.add(o.metadata.namespace);
    for (const o of everything.filter((x) => CLUSTER_SCOPED_KINDS.has(x.kind)))
      kinds.add(`${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`);
    for (const a of applications) {
      namespaces.add(a.spec.destination.namespace);
      const source = a.spec.source;
      if (!source.chart) continue;
      const facts = releaseFacts(
        source.chart,
        source.targetRevision,
        source.helm.releaseName,
        a.spec.destination.namespace,
        source.helm.valuesObject,
      )!;
      // The table has a render of exactly these values (else: run scripts/chart-facts).
      expect({ chart: source.chart, exact: facts?.exact }).toEqual({ chart: source.chart, exact: true });
      for (const n of facts.namespaces) namespaces.add(n);
      for (const k of facts.clusterKinds) kinds.add(k);
    }
    expect(project.spec.destinations.map((d: Json) => d.namespace)).toEqual([...namespaces].sort());
    expect(project.spec.sourceRepos).toEqual([...new Set(applications.map((a) => a.spec.source.repoURL))].sort());
    // No more, no less than what is created.
    const whitelist = project.spec.clusterResourceWhitelist.map((k: Json) => `${k.group}/${k.kind}`);
    expect(whitelist).toEqual([...kinds].sort());
    // Every Application of the environment uses the project.
    expect(applications.map((a) => a.spec.project)).toEqual(applications.map(() => project.metadata.name));
  });

  test('the root Application syncs the Argo CD folder; the platform syncs before the systems', () => {
    const apps = objectsIn(env, (f) => f === `${env}/argocd`).filter((o) => o.kind === 'Application');
    const wave = (a: Json) => Number(a.metadata.annotations['argocd.argoproj.io/sync-wave']);
    const root = apps.find((a) => a.metadata.name === `stacks-${env}`)!;
    const platform = apps.find((a) => a.metadata.name === `platform-${env}`)!;
    expect(root.spec.source.path).toBe(`dist/${env}/argocd`);
    expect(platform.spec.source.path).toBe(`dist/${env}/platform`);
    const prometheus = apps.find((a) => a.metadata.name === `prometheus-${env}`)!;
    expect(prometheus.spec.source.path).toBe(`dist/${env}/platform/prometheus`);
    expect(wave(prometheus)).toBeGreaterThan(wave(platform));
    const systems = apps.filter((a) => a !== root && a !== platform && a !== prometheus);
    for (const s of systems) expect(wave(prometheus)).toBeLessThan(wave(s));
    expect(systems.length).toBe(5);
    for (const s of systems) expect(wave(platform)).toBeLessThan(wave(s));
  });

  test('every pod template names a stacks PriorityClass of its tier: stores data, scheduled tasks batch', () => {
    const names = Object.values(PRIORITY_CLASSES).map((p) => p.name);
    const templates = systemObjects(env).flatMap((o) => podTemplates(o).map((t) => ({ o, t })));
    expect(templates.length).toBeGreaterThan(10);
    expect(templates.filter(({ t }) => !names.includes(t.spec.priorityClassName)).map(({ o }) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    for (const { o, t } of templates) {
      if (o.kind === 'StatefulSet') expect(t.spec.priorityClassName).toBe('stacks-data');
      if (o.kind === 'CronJob') expect(t.spec.priorityClassName).toBe('stacks-batch');
      if (o.kind === 'Deployment') expect(t.spec.priorityClassName).toBe('stacks-app');
    }
    const classes = objectsIn(env, (f) => f === `${env}/platform`).filter((o) => o.kind === 'PriorityClass');
    expect(classes.map((c) => c.metadata.name).sort()).toEqual([...names].sort());
    const value = (n: string) => classes.find((c) => c.metadata.name === n)!.value;
    expect(value('stacks-data')).toBeGreaterThan(value('stacks-app'));
    expect(value('stacks-app')).toBeGreaterThan(value('stacks-batch'));
  });

  test("every container's requests are within its namespace's LimitRange min", () => {
    const objects = systemObjects(env);
    const problems: string[] = [];
    for (const range of objects.filter((o) => o.kind === 'LimitRange')) {
      const min: Json = range.spec.limits[0].min;
      expect(Object.keys(min)).toEqual(expect.arrayContaining(['cpu', 'memory']));
      for (const o of objects.filter((x) => x.metadata.namespace === range.metadata.namespace)) {
        for (const t of podTemplates(o)) {
          for (const c of [...(t.spec.containers ?? []), ...(t.spec.initContainers ?? [])]) {
            for (const [resource, floor] of Object.entries(min)) {
              const request = c.resources?.requests?.[resource];
              if (request !== undefined && parseQuantity(request)! < parseQuantity(floor as string)!)
                problems.push(`${o.metadata.name}/${c.name}: ${resource} ${request} < ${floor}`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('the platform layer follows the profile', () => {
  function platformOf(overrides: Parameters<typeof testEnv>[1]): { apps: Json[]; project: Json; monitors: Json[]; prometheus: Json } {
    const env = testEnv('prod', overrides);
    const { app, chart } = testChart(env);
    const api = new WebService(chart, 'api', {
      image: 'registry.stackworks.io/org/api:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      readiness: Probe.http('/ready'),
    });
    api.exposeMetrics({ port: 'http' });
    new PublicEndpoint(chart, 'public', { host: 'api.loopi.com', backend: api, tls: false });
    new ArgoCdApplications(app, { environment: env, systems: ['test'] });
    const objects = render(app).objects.map((o) => o.object);
    return {
      apps: objects.filter((o) => o.kind === 'Application'),
      project: objects.find((o) => o.kind === 'AppProject')!,
      monitors: objects.filter((o) => o.kind === 'ServiceMonitor'),
      prometheus: objects.find((o) => o.kind === 'Prometheus')!,
    };
  }

  test('Prometheus labels: the ServiceMonitor and the Prometheus selector change together', () => {
    const { apps, monitors, prometheus } = platformOf({
      platform: {
        prometheus: {
          serviceMonitorLabels: { team: 'sre' },
          ruleLabels: { team: 'sre' },
          pods: { namespace: 'observability', podLabels: { 'app.kubernetes.io/name': 'prometheus' } },
        },
      },
    });
    const kps = apps.find((a) => a.metadata.name === 'prometheus-operator-prod')!;
    expect(kps.spec.destination.namespace).toBe('observability');
    expect(prometheus.spec.serviceMonitorSelector).toEqual({ matchLabels: { team: 'sre' } });
    expect(prometheus.metadata.namespace).toBe('observability');
    expect(kps.spec.source.helm.valuesObject.commonLabels).toEqual({ team: 'sre' });
    expect(monitors.map((m) => m.metadata.labels.team)).toEqual(['sre']);
  });

  test('the edge controller namespace and class: the ingress-nginx Application and the AppProject follow', () => {
    const { apps, project } = platformOf({
      platform: {
        edge: { default: 'ingress-nginx', ingressNginx: { pods: { namespace: 'edge', podLabels: { 'app.kubernetes.io/name': 'edge-nginx' } } } },
      },
    });
    const nginx = apps.find((a) => a.metadata.name === 'ingress-nginx-prod')!;
    expect(nginx.spec.destination.namespace).toBe('edge');
    expect(nginx.spec.source.helm.valuesObject.controller.podLabels).toEqual({ 'app.kubernetes.io/name': 'edge-nginx' });
    expect(project.spec.destinations.map((d: Json) => d.namespace)).toContain('edge');
    expect(project.spec.destinations.map((d: Json) => d.namespace)).not.toContain('ingress-nginx');
  });
});

describe('bad input is reported', () => {
  test('a requirement above the pinned chart is an error on the declaring construct, naming both versions', () => {
    const env = testEnv('prod');
    const { app, chart } = testChart(env);
    requirePlatform(chart, { component: 'cert-manager', minVersion: '9.0.0', reason: 'a field of the future' });
    new ArgoCdApplications(app, { environment: env, systems: ['test'] });
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(
        /^\[test-prod\] platform: needs cert-manager >= 9\.0\.0 \(a field of the future\); the platform layer pins cert-manager v1\.21\.1/,
      ),
    ]);
  });

  test('a system named like an environment folder (platform, argocd) is refused', () => {
    const env = testEnv('prod');
    const app = new App({ outdir: UNUSED_OUTDIR });
    new ArgoCdApplications(app, { environment: env, systems: ['platform'] });
    expect(errorsOf(app)).toEqual([expect.stringMatching(/systems: 'platform' is the name of an environment's own dist folder/)]);
  });

  test('a component without a chart is a warning, not a silent omission', () => {
    const env = testEnv('prod');
    const { app, chart } = testChart(env);
    requirePlatform(chart, { component: 'gateway-api-crds', minVersion: '1.2.0', reason: 'HTTPRoute' });
    new ArgoCdApplications(app, { environment: env, systems: ['test'] });
    expect(render(app).warnings.map((w) => w.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^components: gateway-api-crds: needed by the systems of prod but not installed by the platform layer/),
      ]),
    );
  });

  test('the pinned charts are exact versions at or above what the CRDs in imports/ come from', () => {
    for (const [component, chart] of Object.entries(COMPONENT_CHARTS)) {
      expect(`${component} ${chart!.chartVersion}`).toMatch(/ v?\d+\.\d+\.\d+$/);
      // A Helm repository over HTTPS, or an OCI registry path (Argo CD's Helm OCI sources have no scheme).
      expect(chart!.repoURL).toMatch(/^(https:\/\/|[a-z0-9.-]+\.[a-z]+\/[a-z0-9/-]+$)/);
    }
    expect(compareVersions(COMPONENT_CHARTS['external-secrets']!.appVersion, '2.9.0')).toBeGreaterThanOrEqual(0);
    expect(compareVersions(COMPONENT_CHARTS['cert-manager']!.appVersion, '1.21.1')).toBeGreaterThanOrEqual(0);
    expect(compareVersions(COMPONENT_CHARTS['prometheus-operator']!.appVersion, '0.93.0')).toBeGreaterThanOrEqual(0);
  });
});

describe('components the cluster already runs', () => {
  test('a preinstalled component gets no Application, and the README still lists its minimum', () => {
    const env = testEnv('prod', { platform: { preinstalled: ['ingress-nginx'] } });
    const { app, chart } = testChart(env);
    const api = new WebService(chart, 'api', {
      image: 'registry.stackworks.io/org/api:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      readiness: Probe.http('/ready'),
    });
    new PublicEndpoint(chart, 'public', { host: 'api.loopi.com', backend: api, tls: false });
    new ArgoCdApplications(app, { environment: env, systems: ['test'] });
    const result = render(app);
    expect(result.objects.filter((o) => o.object.kind === 'Application').map((o) => o.object.metadata.name)).not.toContain('ingress-nginx-prod');
    expect(result.warnings).toEqual([]);
  });
});

describe('the Gateway API edge in the platform layer', () => {
  const platformOfGateway = (gatewayClassName?: string) => {
    const env = testEnv('staging', {
      platform: {
        edge: {
          default: 'gateway',
          gateway: {
            implementation: 'envoy-gateway',
            dataPlane: { namespace: 'edge-proxies', podLabels: { 'app.kubernetes.io/name': 'envoy' } },
            ...(gatewayClassName ? { gatewayClassName } : {}),
          },
        },
      },
    });
    const { app, chart } = testChart(env);
    const api = new WebService(chart, 'api', {
      image: 'registry.stackworks.io/org/api:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      readiness: Probe.http('/ready'),
    });
    const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@loopi.com' })!;
    new PublicEndpoint(chart, 'public', { host: 'api.loopi.com', backend: api, tls: { issuer } });
    new ArgoCdApplications(app, { environment: env, systems: ['test'] });
    return render(app).objects.map((o) => o.object);
  };

  test('Envoy Gateway is installed (with the Gateway API CRDs), its GatewayClass is created, cert-manager serves Gateways', () => {
    const objects = platformOfGateway();
    const apps = objects.filter((o) => o.kind === 'Application');
    const eg = apps.find((a) => a.metadata.name === 'envoy-gateway-staging')!;
    expect(eg.spec.source).toMatchObject({ repoURL: 'docker.io/envoyproxy', chart: 'gateway-helm', targetRevision: 'v1.9.0' });
    // Where the profile says the proxies run: the NetworkPolicies admit pods there.
    expect(eg.spec.destination.namespace).toBe('edge-proxies');
    // The Gateway API CRDs come with the chart: no Application of their own, nothing left to install by hand.
    expect(apps.some((a) => a.metadata.name.startsWith('gateway-api-crds'))).toBe(false);
    const gatewayClass = objects.find((o) => o.kind === 'GatewayClass')!;
    expect(gatewayClass.metadata.name).toBe('eg');
    expect(gatewayClass.spec.controllerName).toBe('gateway.envoyproxy.io/gatewayclass-controller');
    const gateway = objects.find((o) => o.kind === 'Gateway')!;
    expect(gateway.spec.gatewayClassName).toBe(gatewayClass.metadata.name);
    const certManager = apps.find((a) => a.metadata.name === 'cert-manager-staging')!;
    expect(certManager.spec.source.helm.valuesObject.config).toEqual({
      apiVersion: 'controller.config.cert-manager.io/v1alpha1',
      kind: 'ControllerConfiguration',
      enableGatewayAPI: true,
    });
    const project = objects.find((o) => o.kind === 'AppProject')!;
    expect(project.spec.sourceRepos).toContain('docker.io/envoyproxy');
    expect(project.spec.clusterResourceWhitelist).toContainEqual({ group: 'gateway.networking.k8s.io', kind: 'GatewayClass' });
  });

  test("the profile's GatewayClass name is the one created and the one the Gateway names", () => {
    const objects = platformOfGateway('public-edge');
    expect(objects.find((o) => o.kind === 'GatewayClass')!.metadata.name).toBe('public-edge');
    expect(objects.find((o) => o.kind === 'Gateway')!.spec.gatewayClassName).toBe('public-edge');
  });

  test('an Ingress-only environment gets neither Envoy Gateway nor a GatewayClass, and cert-manager keeps its defaults', () => {
    const objects = synthOf('prod').objects.map((o) => o.object as Json);
    expect(objects.some((o) => o.kind === 'GatewayClass')).toBe(false);
    expect(objects.some((o) => o.kind === 'Application' && o.metadata.name === 'envoy-gateway-prod')).toBe(false);
    const certManager = objects.find((o) => o.kind === 'Application' && o.metadata.name === 'cert-manager-prod')!;
    expect(certManager.spec.source.helm.valuesObject.config).toBeUndefined();
  });
});
