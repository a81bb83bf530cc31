/**
 * external-dns in the platform layer: the Helm values chart 1.21.1 gets for a public DNS profile
 * (provider, sources the systems need, filters, TXT owner, policy, the IRSA role on the chart's
 * ServiceAccount), the repository's staging and prod Applications with facts read from the chart
 * for exactly their values, and dev without one.
 */
import { demoPlatform, EnvironmentName, Platform, PublicDnsProfile, synthesize } from '../../lib';
import { releaseFacts } from '../../lib/gitops/chart-facts';
import { planPlatform } from '../../lib/gitops/platform-components';
import { buildRepositoryApp } from '../../charts/app';
import { UNUSED_OUTDIR } from '../support/synth';

type Json = Record<string, any>;

const DNS: PublicDnsProfile = {
  provider: 'route53',
  domainFilters: ['staging.loopi.com'],
  txtOwnerId: 'staging-us-east-1',
  region: 'us-east-1',
  credentials: { kind: 'irsa', roleArn: 'arn:aws:iam::704529381206:role/external-dns-staging' },
};

function plan(publicDns: PublicDnsProfile, sources: string[][]) {
  const platform = new Platform({ ...demoPlatform(), publicDns });
  const reqs = sources.map((s, i) => ({
    component: 'external-dns' as const,
    minVersion: '0.21.0',
    reason: 'test',
    path: `s${i}/public`,
    settings: { sources: s },
  }));
  return planPlatform(platform, reqs, 'staging');
}

describe('the values of chart 1.21.1', () => {
  const { components, issues } = plan(DNS, [['ingress'], ['gateway-httproute'], ['ingress']]);
  const c = components[0];

  test('one component, pinned, in its namespace, no plan issue', () => {
    expect(issues).toEqual([]);
    expect(c.component).toBe('external-dns');
    expect(c.chart).toMatchObject({
      chart: 'external-dns',
      chartVersion: '1.21.1',
      appVersion: '0.21.0',
      repoURL: 'https://kubernetes-sigs.github.io/external-dns/',
    });
    expect(c.namespace).toBe('external-dns');
  });

  test('the AWS provider, the union of the sources the systems need (never `service`), the filters and the TXT registry', () => {
    expect(c.values).toMatchObject({
      provider: { name: 'aws' },
      sources: ['gateway-httproute', 'ingress'],
      domainFilters: ['staging.loopi.com'],
      registry: 'txt',
      txtOwnerId: 'staging-us-east-1',
      env: [{ name: 'AWS_DEFAULT_REGION', value: 'us-east-1' }],
      extraArgs: { 'aws-zone-type': 'public', 'aws-zone-match-parent': true },
    });
  });

  test('upsert-only unless the profile says sync', () => {
    expect(c.values.policy).toBe('upsert-only');
    expect(plan({ ...DNS, policy: 'sync' }, [['ingress']]).components[0].values.policy).toBe('sync');
  });

  test("credentials: the IAM role on the chart's ServiceAccount (IRSA), no Secret, no key in the values", () => {
    expect(c.values.serviceAccount).toEqual({ create: true, annotations: { 'eks.amazonaws.com/role-arn': DNS.credentials.roleArn } });
    expect(c.values.secretConfiguration).toBeUndefined();
    expect(JSON.stringify(c.values)).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws_secret/i);
  });

  test('with failover only the objects carrying a set identifier are read; hosted zone ids restrict the zones', () => {
    expect(c.values.annotationFilter).toBeUndefined();
    const failover = plan({ ...DNS, failover: { role: 'primary', setIdentifier: 'staging' }, zoneIds: ['Z0123456789ABCDEFGHIJ'] }, [['ingress']])
      .components[0];
    expect(failover.values.annotationFilter).toBe('external-dns.alpha.kubernetes.io/set-identifier');
    expect(failover.values.extraArgs['zone-id-filter']).toEqual(['Z0123456789ABCDEFGHIJ']);
  });
});

function objects(env: EnvironmentName): Json[] {
  return synthesize(buildRepositoryApp({ envs: [env], outdir: UNUSED_OUTDIR }), { outdir: UNUSED_OUTDIR, dryRun: true }).objects.map((o) => o.object);
}

describe.each([
  ['staging', ['gateway-httproute', 'ingress'], undefined],
  ['prod', ['ingress'], 'external-dns.alpha.kubernetes.io/set-identifier'],
] as const)('%s: external-dns in the platform layer', (env, sources, annotationFilter) => {
  const all = objects(env);
  const app = all.find((o) => o.kind === 'Application' && o.metadata.name === `external-dns-${env}`)!;
  const values = app.spec.source.helm.valuesObject;

  test('the pinned chart, with the sources its systems use, sync policy and its own owner id', () => {
    expect(app.spec.source).toMatchObject({ chart: 'external-dns', targetRevision: '1.21.1' });
    expect(values.sources).toEqual(sources);
    expect(values.policy).toBe('sync');
    expect(values.txtOwnerId).toBe(`${env}-us-east-1`);
    expect(values.annotationFilter).toBe(annotationFilter);
    expect(values.serviceAccount.annotations['eks.amazonaws.com/role-arn']).toBe(`arn:aws:iam::704529381206:role/external-dns-${env}`);
  });

  test('facts read from the chart for exactly these values: restricted pods, its CRD and RBAC admitted by the AppProject', () => {
    const facts = releaseFacts('external-dns', '1.21.1', 'external-dns', 'external-dns', values)!;
    expect(facts.exact).toBe(true);
    expect(facts.podSecurity['external-dns'].level).toBe('restricted');
    expect(app.spec.syncPolicy.managedNamespaceMetadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const project = all.find((o) => o.kind === 'AppProject')!;
    expect(project.spec.destinations.map((d: Json) => d.namespace)).toContain('external-dns');
    expect(project.spec.sourceRepos).toContain('https://kubernetes-sigs.github.io/external-dns/');
    const whitelist = project.spec.clusterResourceWhitelist.map((k: Json) => `${k.group}/${k.kind}`);
    for (const kind of facts.clusterKinds) expect(whitelist).toContain(kind);
  });

  test("no NetworkPolicy restricts the platform layer's namespaces: external-dns reaches Route 53 and STS over the Internet", () => {
    const layer = all.filter((o) => o.metadata?.namespace === 'external-dns' || o.metadata?.labels?.['app.kubernetes.io/part-of'] === 'platform');
    expect(layer.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
  });
});

test('dev has no public DNS: no external-dns Application and no record annotations', () => {
  const all = objects('dev');
  expect(all.filter((o) => o.kind === 'Application' && o.metadata.name.startsWith('external-dns'))).toEqual([]);
  expect(JSON.stringify(all.filter((o) => o.kind === 'Ingress'))).not.toContain('external-dns.alpha');
});

test('prod: every public host of every system is a PRIMARY failover record of the site', () => {
  const routed = objects('prod').filter((o) => o.kind === 'Ingress' || o.kind === 'HTTPRoute');
  expect(routed.length).toBeGreaterThan(5);
  for (const o of routed)
    expect(o.metadata.annotations).toMatchObject({
      'external-dns.alpha.kubernetes.io/aws-failover': 'PRIMARY',
      'external-dns.alpha.kubernetes.io/set-identifier': 'prod-us-east-1',
    });
});
