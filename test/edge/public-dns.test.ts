/**
 * Public DNS of the endpoints (platform.publicDns): the requirement on external-dns with the
 * sources the edge's objects need, the Route 53 failover annotations on every Ingress and route
 * of the site (names as external-dns v0.21.0 reads them), and the checks of hosts and profile.
 */
import { PublicDnsProfile, PublicEndpoint } from '../../lib';
import { platformRequirements } from '../../lib/core/platform-requirements';
import { edgeEnv, ENVOY_EDGE, webService } from './support';
import { errorIdsOf, errorsOf, objectsOf, testChart, testEnv } from '../support/synth';

const DNS: PublicDnsProfile = {
  provider: 'route53',
  domainFilters: ['loopi.com'],
  txtOwnerId: 'prod-us-east-1',
  region: 'us-east-1',
  credentials: { kind: 'irsa', roleArn: 'arn:aws:iam::704529381206:role/external-dns-prod' },
};
const FAILOVER = { ...DNS, failover: { role: 'primary', setIdentifier: 'prod-us-east-1' } } as const;

function endpoint(publicDns: unknown, host = 'api.loopi.com', edge?: typeof ENVOY_EDGE) {
  const platform = { publicDns: publicDns as PublicDnsProfile };
  const env = edge ? edgeEnv('prod', edge, { platform }) : testEnv('prod', { platform });
  const { app, chart } = testChart(env, 'loopi');
  const api = webService(chart, 'api');
  // Metrics on the routed port: the refusal objects are rendered late and must be annotated too.
  api.exposeMetrics({ port: 'http', path: '/metrics' });
  new PublicEndpoint(chart, 'public', { host, backend: api, tls: false });
  return { app, chart };
}

const dnsRequirements = (chart: ReturnType<typeof testChart>['chart']) => platformRequirements(chart).filter((r) => r.component === 'external-dns');

describe('an Ingress edge with public DNS and failover', () => {
  const { app, chart } = endpoint(FAILOVER);

  test('synthesizes; requires external-dns with the ingress source', () => {
    expect(errorsOf(app)).toEqual([]);
    expect(dnsRequirements(chart).map((r) => r.settings)).toEqual([{ sources: ['ingress'] }]);
  });

  test('every Ingress of the hosts, the metrics refusal included, is a PRIMARY failover record of the site', () => {
    const ingresses = objectsOf(app, 'Ingress');
    expect(ingresses.map((i) => i.metadata.name).sort()).toEqual(['public', 'public-private-metrics']);
    for (const i of ingresses)
      expect(i.metadata.annotations).toMatchObject({
        'external-dns.alpha.kubernetes.io/set-identifier': 'prod-us-east-1',
        'external-dns.alpha.kubernetes.io/aws-failover': 'PRIMARY',
      });
    expect(ingresses[0].metadata.annotations['external-dns.alpha.kubernetes.io/aws-health-check-id']).toBeUndefined();
  });

  test('a secondary site with a health check', () => {
    const healthCheckId = '0d4c7bde-6f0c-4f2e-9a43-1f0c6c1b2a3e';
    const { app } = endpoint({ ...DNS, failover: { role: 'secondary', setIdentifier: 'standby-us-west-2', healthCheckId } });
    const annotations = objectsOf(app, 'Ingress')[0].metadata.annotations;
    expect(annotations['external-dns.alpha.kubernetes.io/aws-failover']).toBe('SECONDARY');
    expect(annotations['external-dns.alpha.kubernetes.io/set-identifier']).toBe('standby-us-west-2');
    expect(annotations['external-dns.alpha.kubernetes.io/aws-health-check-id']).toBe(healthCheckId);
  });
});

test('without failover the objects carry no external-dns annotation; external-dns is still required', () => {
  const { app, chart } = endpoint(DNS);
  expect(JSON.stringify(objectsOf(app, 'Ingress'))).not.toContain('external-dns.alpha');
  expect(dnsRequirements(chart)).toHaveLength(1);
});

test('without public DNS nothing is required or annotated', () => {
  const { app, chart } = endpoint(undefined);
  expect(dnsRequirements(chart)).toEqual([]);
  expect(JSON.stringify(objectsOf(app, 'Ingress'))).not.toContain('external-dns.alpha');
});

test('on Envoy Gateway: the gateway-httproute source, and the failover annotations on every HTTPRoute', () => {
  const { app, chart } = endpoint(FAILOVER, 'api.loopi.com', ENVOY_EDGE);
  expect(errorsOf(app)).toEqual([]);
  expect(dnsRequirements(chart).map((r) => r.settings)).toEqual([{ sources: ['gateway-httproute'] }]);
  const routes = objectsOf(app, 'HTTPRoute');
  expect(routes.length).toBeGreaterThanOrEqual(2);
  for (const r of routes) expect(r.metadata.annotations['external-dns.alpha.kubernetes.io/aws-failover']).toBe('PRIMARY');
  // The Gateway's addresses are the records' targets; it carries no record annotation itself.
  expect(objectsOf(app, 'Gateway')[0].metadata.annotations?.['external-dns.alpha.kubernetes.io/aws-failover']).toBeUndefined();
});

describe('validation', () => {
  test('a host in none of the profile domains is an error naming the endpoint and the host', () => {
    const { app } = endpoint(DNS, 'api.chatnomina.com');
    expect(errorIdsOf(app)).toEqual(['[loopi-prod/public] public-dns.host-outside-domains']);
    expect(errorsOf(app)[0]).toContain("'api.chatnomina.com'");
  });

  test('a host of a subdomain filter is in it; the parent domain of the filter is not', () => {
    expect(errorIdsOf(endpoint({ ...DNS, domainFilters: ['staging.loopi.com'] }, 'api.staging.loopi.com').app)).toEqual([]);
    expect(errorIdsOf(endpoint({ ...DNS, domainFilters: ['staging.loopi.com'] }, 'api.loopi.com').app)).toEqual([
      '[loopi-prod/public] public-dns.host-outside-domains',
    ]);
    // A look-alike domain is not a subdomain.
    expect(errorIdsOf(endpoint(DNS, 'api.notloopi.com').app)).toEqual(['[loopi-prod/public] public-dns.host-outside-domains']);
  });

  test.each([
    ['another provider', { ...DNS, provider: 'cloudflare' }, 'public-dns-profile.provider'],
    ['no domain filter', { ...DNS, domainFilters: [] }, 'public-dns-profile.domain-filters.required'],
    ['a domain filter that is no domain', { ...DNS, domainFilters: ['loopi'] }, 'public-dns-profile.domain-filters.domain'],
    ['a zone id that is none', { ...DNS, zoneIds: ['loopi.com'] }, 'public-dns-profile.zone-ids'],
    ['no TXT owner id', { ...DNS, txtOwnerId: '' }, 'public-dns-profile.txt-owner-id'],
    ['the create-only policy', { ...DNS, policy: 'create-only' }, 'public-dns-profile.policy'],
    ['no region', { ...DNS, region: undefined }, 'public-dns-profile.region'],
    ['static keys instead of a role', { ...DNS, credentials: { kind: 'access-key', secret: 'x' } }, 'public-dns-profile.credentials.kind'],
    ['a role ARN that is none', { ...DNS, credentials: { kind: 'irsa', roleArn: 'external-dns' } }, 'public-dns-profile.credentials.role-arn'],
    ['a failover role that is none', { ...DNS, failover: { role: 'active', setIdentifier: 'a' } }, 'public-dns-profile.failover.role'],
    ['failover without a set identifier', { ...DNS, failover: { role: 'primary' } }, 'public-dns-profile.failover.set-identifier'],
    [
      'a health check id that is none',
      { ...DNS, failover: { role: 'primary', setIdentifier: 'a', healthCheckId: 'check-1' } },
      'public-dns-profile.failover.health-check-id',
    ],
    ['an unknown failover field', { ...DNS, failover: { role: 'primary', setIdentifier: 'a', weight: 1 } }, 'public-dns-profile.failover.field'],
    ['an unknown field', { ...DNS, sources: ['service'] }, 'public-dns-profile.value.field'],
    ['a namespace that is no DNS label', { ...DNS, namespace: 'External_DNS' }, 'public-dns-profile.namespace'],
  ])('a profile with %s is an error naming the field', (_, publicDns, id) => {
    expect(errorIdsOf(endpoint(publicDns).app)).toContain(`[loopi-prod] ${id}`);
  });

  test('a placeholder domain is refused in prod', () => {
    const ids = errorIdsOf(endpoint({ ...DNS, domainFilters: ['example.com'] }, 'api.example.com').app);
    expect(ids).toContain('[loopi-prod] platform.value.placeholder-needs');
  });
});
