/**
 * The platform layer with a mesh: staging and prod (whose profiles have Istio ambient and
 * systems enrolled) get Istio's four Applications, pinned, in istio-system, with the values
 * of Istio's ambient installation; the AppProject admits them; dev (no mesh) gets none.
 */
import { EnvironmentName, synthesize } from '../../lib';
import { ISTIO_VERSION } from '../../lib/core/mesh-profile';
import { releaseFacts } from '../../lib/gitops/chart-facts';
import { buildRepositoryApp } from '../../charts/app';
import { UNUSED_OUTDIR } from '../support/synth';

type Json = Record<string, any>;

function objects(env: EnvironmentName): Json[] {
  return synthesize(buildRepositoryApp({ envs: [env], outdir: UNUSED_OUTDIR }), { outdir: UNUSED_OUTDIR, dryRun: true }).objects.map((o) => o.object);
}

const ISTIO = [
  ['istio-base', 'base', {}],
  ['istiod', 'istiod', { profile: 'ambient', seccompProfile: { type: 'RuntimeDefault' }, gateways: { seccompProfile: { type: 'RuntimeDefault' } } }],
  ['istio-cni', 'cni', { profile: 'ambient' }],
  ['ztunnel', 'ztunnel', {}],
] as const;

describe.each(['staging', 'prod'] as const)('%s: Istio ambient in the platform layer', (env) => {
  const all = objects(env);
  const app = (name: string) => all.find((o) => o.kind === 'Application' && o.metadata.name === `${name}-${env}`);

  test.each(ISTIO)('%s: chart %s at the pinned release, in istio-system, with the ambient values, and facts for them', (component, chart, values) => {
    const a = app(component)!;
    expect(a.spec.source).toMatchObject({ repoURL: 'https://istio-release.storage.googleapis.com/charts', chart, targetRevision: ISTIO_VERSION });
    expect(a.spec.source.helm.valuesObject ?? {}).toEqual(values);
    expect(a.spec.destination.namespace).toBe('istio-system');
    expect(releaseFacts(chart, ISTIO_VERSION, a.spec.source.helm.releaseName, 'istio-system', values)).toBeDefined();
  });

  test('istiod and base: the webhook fields istiod writes are ignored, and kept at sync', () => {
    for (const name of ['istiod', 'istio-base']) {
      const a = app(name)!;
      expect(a.spec.ignoreDifferences).toContainEqual({
        group: 'admissionregistration.k8s.io',
        kind: 'ValidatingWebhookConfiguration',
        jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle', '.webhooks[]?.failurePolicy'],
      });
      expect(a.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
    }
    expect(app('ztunnel')!.spec.ignoreDifferences).toBeUndefined();
  });

  test('the AppProject admits istio-system, the Istio chart repository and the kinds the charts create', () => {
    const project = all.find((o) => o.kind === 'AppProject')!;
    expect(project.spec.destinations.map((d: Json) => d.namespace)).toContain('istio-system');
    expect(project.spec.sourceRepos).toContain('https://istio-release.storage.googleapis.com/charts');
    const whitelist = project.spec.clusterResourceWhitelist.map((k: Json) => `${k.group}/${k.kind}`);
    for (const kind of [
      'apiextensions.k8s.io/CustomResourceDefinition',
      'admissionregistration.k8s.io/MutatingWebhookConfiguration',
      'rbac.authorization.k8s.io/ClusterRole',
    ])
      expect(whitelist).toContain(kind);
  });
});

test('dev has no mesh: no Istio Application', () => {
  expect(objects('dev').filter((o) => o.kind === 'Application' && /^(istio|ztunnel)/.test(o.metadata.name))).toEqual([]);
});
