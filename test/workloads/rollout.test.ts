import { ArgoCdApplications, Duration, Probe, PublicEndpoint, WebService } from '../../lib';
import type { RolloutOptions, WebServiceProps } from '../../lib';
import { errorIdsOf, errorsOf, objectOf, objectsOf, render, testChart, testEnv } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const base: WebServiceProps = {
  image: 'registry.stackworks.io/org/api:1.4.2',
  ports: [{ name: 'http', port: 8000 }],
  readiness: Probe.http('/ready'),
  resources,
};

type Json = Record<string, any>;

/** A prod system with one web service `api` released with `rollout`, metrics on its own port, autoscaled. */
function system(rollout: unknown, setup: (api: WebService) => void = (api) => api.exposeMetrics({ port: 'http' })) {
  const env = testEnv('prod');
  const { app, chart } = testChart(env);
  const api = new WebService(chart, 'api', { ...base, rollout: rollout as RolloutOptions });
  api.autoscale({ min: 3, max: 6, cpuPercent: 70 });
  api.autoscaleVertically({ mode: 'Off' });
  setup(api);
  new ArgoCdApplications(app, { environment: env, systems: ['test'] });
  return { app, chart, api };
}

describe('blue-green', () => {
  const { app } = system({ strategy: 'blueGreen', analysis: { maxErrorRatio: 0.05 } });
  const objects = render(app).objects.map((o) => o.object);
  const rollout = objects.find((o) => o.kind === 'Rollout')!;

  test('a Rollout with its own pod template replaces the Deployment', () => {
    expect(rollout).toMatchObject({ apiVersion: 'argoproj.io/v1alpha1', metadata: { name: 'api' } });
    expect(objects.filter((o) => o.kind === 'Deployment')).toEqual([]);
    expect(rollout.spec.template.spec.containers[0].image).toBe('registry.stackworks.io/org/api:1.4.2');
    expect(rollout.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'test-prod' });
    expect(rollout.spec.template.metadata.labels).toMatchObject(rollout.spec.selector.matchLabels);
    // Under the HPA, replicas are the HPA's.
    expect(rollout.spec.replicas).toBeUndefined();
  });

  test('active and preview Services, manual promotion, scale-down after the analysis', () => {
    expect(rollout.spec.strategy).toEqual({
      blueGreen: {
        activeService: 'api',
        previewService: 'api-preview',
        autoPromotionEnabled: false,
        // 5 measurements a minute apart, plus 30 s.
        scaleDownDelaySeconds: 330,
        postPromotionAnalysis: { templates: [{ templateName: 'api-error-ratio' }] },
      },
    });
    const active = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'api')!;
    const preview = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'api-preview')!;
    expect(preview.spec.selector).toEqual(active.spec.selector);
    expect(preview.spec.ports).toEqual(active.spec.ports);
  });

  test('the HPA and the VPA scale the Rollout; the PDB selects its pods', () => {
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api' });
    const vpa = objects.find((o) => o.kind === 'VerticalPodAutoscaler')!;
    expect(vpa.spec.targetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api' });
    const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget')!;
    expect(pdb.spec.selector.matchLabels).toEqual(rollout.spec.selector.matchLabels);
  });

  test("the spread counts each revision's pods by the Rollout's revision label", () => {
    for (const c of rollout.spec.template.spec.topologySpreadConstraints) expect(c.matchLabelKeys).toEqual(['rollouts-pod-template-hash']);
  });

  test("the analysis asks the platform's Prometheus for the workload's 5xx ratio", () => {
    const template = objects.find((o) => o.kind === 'AnalysisTemplate')!;
    expect(template.metadata.name).toBe('api-error-ratio');
    const [metric] = template.spec.metrics;
    expect(metric).toMatchObject({
      name: 'error-ratio',
      interval: '1m',
      count: 5,
      failureLimit: 1,
      successCondition: 'isNaN(result) || result <= 0.05',
    });
    expect(metric.provider.prometheus.address).toBe('http://prometheus-operated.monitoring.svc:9090');
    expect(metric.provider.prometheus.query).toBe(
      'scalar((sum(rate(http_requests_total{namespace="test-prod",job="api",status=~"5.."}[1m])) or vector(0)) / sum(rate(http_requests_total{namespace="test-prod",job="api"}[1m])))',
    );
  });

  test('the platform layer installs Argo Rollouts, and the project admits it', () => {
    const app = objects.find((o) => o.kind === 'Application' && o.metadata.name === 'argo-rollouts-prod')!;
    expect(app.spec.source).toMatchObject({ repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-rollouts', targetRevision: '2.41.0' });
    expect(app.spec.source.helm.valuesObject).toMatchObject({ installCRDs: true, keepCRDs: true, controller: { image: { tag: 'v1.9.3' } } });
    const project = objects.find((o) => o.kind === 'AppProject')!;
    expect(project.spec.destinations.map((d: Json) => d.namespace)).toContain('argo-rollouts');
    expect(project.spec.sourceRepos).toContain('https://argoproj.github.io/argo-helm');
    expect(project.spec.clusterResourceWhitelist).toContainEqual({ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' });
  });

  test("the system's Application leaves the Services' revision key to the controller", () => {
    const app = objects.find((o) => o.kind === 'Application' && o.metadata.name === 'test-prod')!;
    expect(app.spec.ignoreDifferences).toEqual([{ group: '', kind: 'Service', jqPathExpressions: ['.spec.selector["rollouts-pod-template-hash"]'] }]);
    expect(app.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });

  test('the namespace budget holds both versions at full scale', () => {
    const quota = objects.find((o) => o.kind === 'ResourceQuota')!;
    // 6 pods at most, twice during a release (the deployment would have 6 + 2).
    expect(Number(quota.spec.hard.pods)).toBeGreaterThanOrEqual(12);
  });
});

describe('canary', () => {
  const steps = [{ setWeight: 20 }, { pause: Duration.minutes(5) }, { setWeight: 50 }, { pause: 'indefinite' as const }];
  const { app } = system({ strategy: 'canary', steps, analysis: { maxErrorRatio: 0.01, interval: Duration.minutes(2) } });
  const objects = render(app).objects.map((o) => o.object);

  test('typed steps, background analysis from the first step, no preview Service', () => {
    const rollout = objects.find((o) => o.kind === 'Rollout')!;
    expect(rollout.spec.strategy).toEqual({
      canary: {
        maxSurge: '25%',
        maxUnavailable: 0,
        steps: [{ setWeight: 20 }, { pause: { duration: '5m' } }, { setWeight: 50 }, { pause: {} }],
        analysis: { templates: [{ templateName: 'api-error-ratio' }], startingStep: 1 },
      },
    });
    expect(objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name)).not.toContain('api-preview');
    const [metric] = objects.find((o) => o.kind === 'AnalysisTemplate')!.spec.metrics;
    // A canary's analysis runs as long as the release: no count.
    expect(metric.count).toBeUndefined();
    expect(metric.interval).toBe('2m');
    expect(metric.provider.prometheus.query).toContain('[2m]');
  });
});

test('without rollout: a Deployment, no Rollout, no Argo Rollouts in the platform layer', () => {
  const { app } = system(undefined);
  const objects = objectsOf(app);
  expect(objects.filter((o) => o.kind === 'Rollout')).toEqual([]);
  expect(objectOf(app, 'Deployment', 'api').spec.template.spec.topologySpreadConstraints[0].matchLabelKeys).toEqual(['pod-template-hash']);
  expect(objects.filter((o) => o.kind === 'Application').map((o) => o.metadata.name)).not.toContain('argo-rollouts-prod');
  expect(objects.find((o) => o.kind === 'Application' && o.metadata.name === 'test-prod')!.spec.ignoreDifferences).toBeUndefined();
});

describe('validation: collected errors with the path and the field', () => {
  const ids = (rollout: unknown, setup?: (api: WebService) => void) => errorIdsOf(system(rollout, setup).app);

  test('an unknown strategy, or none', () => {
    expect(ids({ strategy: 'linear' })).toEqual(['[test-prod/api] rollout.strategy']);
    expect(ids('blueGreen')).toEqual(['[test-prod/api] rollout.options']);
  });

  test('canary steps: missing, of no known shape, out of range, shrinking, without any weight', () => {
    expect(ids({ strategy: 'canary' })).toEqual(['[test-prod/api] rollout.steps']);
    expect(ids({ strategy: 'canary', steps: [{ setWeight: 20, pause: 'indefinite' }] })).toContain('[test-prod/api] rollout.steps.shape');
    expect(ids({ strategy: 'canary', steps: [{ setWeight: 0 }] })).toEqual(['[test-prod/api] rollout.steps.weight']);
    expect(ids({ strategy: 'canary', steps: [{ setWeight: 50 }, { setWeight: 20 }] })).toEqual(['[test-prod/api] rollout.steps.weight-order']);
    expect(ids({ strategy: 'canary', steps: [{ pause: '5m' }] })).toEqual([
      '[test-prod/api] rollout.steps.pause',
      '[test-prod/api] rollout.steps.no-weight',
    ]);
  });

  test('blue-green: no steps, a whole-second delay of at least 30 s that outlasts the analysis', () => {
    expect(ids({ strategy: 'blueGreen', steps: [] })).toEqual(['[test-prod/api] rollout.steps.blue-green']);
    expect(ids({ strategy: 'blueGreen', scaleDownDelay: Duration.seconds(10) })).toEqual(['[test-prod/api] rollout.scale-down-delay']);
    expect(ids({ strategy: 'blueGreen', autoPromotion: 'yes' })).toEqual(['[test-prod/api] rollout.auto-promotion']);
    expect(ids({ strategy: 'blueGreen', scaleDownDelay: Duration.minutes(2), analysis: { maxErrorRatio: 0.05 } })).toEqual([
      '[test-prod/api] rollout.scale-down-delay.shorter-than-analysis',
    ]);
  });

  test('analysis: a ratio between 0 and 1, sane counts, and metrics of its own to read', () => {
    expect(ids({ strategy: 'blueGreen', analysis: { maxErrorRatio: 5 } })).toEqual(['[test-prod/api] rollout.analysis.max-error-ratio']);
    expect(ids({ strategy: 'blueGreen', analysis: { maxErrorRatio: 0.05, failureLimit: -1, measurements: 0 } })).toEqual([
      '[test-prod/api] rollout.analysis.failure-limit',
      '[test-prod/api] rollout.analysis.measurements',
    ]);
    expect(ids({ strategy: 'blueGreen', analysis: { maxErrorRatio: 0.05 } }, () => undefined)).toEqual([
      '[test-prod/api] rollout.analysis.no-metrics',
    ]);
  });

  test('the message names the field and what is allowed', () => {
    const messages = errorsOf(system({ strategy: 'canary', steps: [{ setWeight: 120 }] }).app);
    expect(messages).toEqual([
      expect.stringMatching(/^\[test-prod\/api\] rollout\.steps\[0\]\.setWeight: 120 must be a whole percent from 1 to 100/),
    ]);
  });
});

describe('the preview at the edge, or not', () => {
  test('a route with preview: true goes to the preview Service; the others to the active one', () => {
    const { app, chart, api } = system({ strategy: 'blueGreen' });
    new PublicEndpoint(chart, 'public', {
      hosts: [
        { host: 'api.example.org', routes: [{ backend: api }] },
        { host: 'preview.api.example.org', routes: [{ backend: api, preview: true }] },
      ],
      tls: false,
    });
    const rules = objectsOf(app, 'Ingress').flatMap((i) => i.spec.rules);
    const serviceOf = (host: string) => rules.find((r: Json) => r.host === host).http.paths[0].backend.service.name;
    expect(serviceOf('api.example.org')).toBe('api');
    expect(serviceOf('preview.api.example.org')).toBe('api-preview');
  });

  test('preview on a backend without a preview Service is an error naming the route', () => {
    const { app, chart, api } = system({ strategy: 'canary', steps: [{ setWeight: 50 }] });
    new PublicEndpoint(chart, 'public', { hosts: [{ host: 'preview.api.example.org', routes: [{ backend: api, preview: true }] }], tls: false });
    expect(errorIdsOf(app)).toEqual(['[test-prod/public] endpoint-validation.preview.no-preview-service']);
    expect(errorsOf(app)[0]).toContain('hosts[0].routes[0].preview');
  });
});
