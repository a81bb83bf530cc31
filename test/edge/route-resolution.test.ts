import { resolveEndpoint, fieldOf, routeKey } from '../../lib/edge/route-resolution';
import { issuerForEnvironment } from '../../lib';
import { testChart, testEnv } from '../support/synth';
import { webService } from './support';

describe('route resolution: props to routes, hosts and TLS, the same for every edge', () => {
  const { chart } = testChart(testEnv('prod'), 'loopi');
  const api = webService(chart, 'api', 8080, [
    { name: 'http', port: 8080 },
    { name: 'admin', port: 9000 },
  ]);
  const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@loopi.com' })!;

  test('the shorthand is one Prefix route of / to the first port, reported on the endpoint fields', () => {
    const r = resolveEndpoint({ host: 'api.loopi.com', backend: api, tls: { issuer } }, 'native');
    expect(r.routes).toHaveLength(1);
    expect(r.routes[0]).toMatchObject({ host: 'api.loopi.com', path: '/', match: 'Prefix', ingressPath: '/', ingressPathType: 'Prefix', field: '' });
    expect(r.routes[0].port?.name).toBe('http');
    expect(fieldOf(r.routes[0], 'path')).toBe('host');
    expect(fieldOf(r.routes[0], 'port')).toBe('port');
    expect(r).toMatchObject({ hosts: ['api.loopi.com'], tlsHosts: ['api.loopi.com'], urls: ['https://api.loopi.com'], fullTls: true });
  });

  test('hosts and routes keep their order and fields; route policies merge over the endpoint policy', () => {
    const r = resolveEndpoint(
      {
        hosts: [
          { host: 'a.loopi.com', routes: [{ backend: api }, { path: '/admin', backend: api, port: 'admin', policy: { maxBodySize: '1m' } }] },
          { host: 'b.loopi.com', routes: [{ path: '/x', match: 'Exact', backend: api }] },
        ],
        tls: { issuer, hosts: ['a.loopi.com'] },
        policy: { rateLimit: { requests: 5 } },
      },
      'native',
    );
    expect(r.routes.map((x) => [x.host, x.path, x.field, x.port?.name])).toEqual([
      ['a.loopi.com', '/', 'hosts[0].routes[0]', 'http'],
      ['a.loopi.com', '/admin', 'hosts[0].routes[1]', 'admin'],
      ['b.loopi.com', '/x', 'hosts[1].routes[0]', 'http'],
    ]);
    expect(r.routes[1].policy).toEqual({ rateLimit: { requests: 5 }, maxBodySize: '1m' });
    expect(r.routes[1].policyField).toBe('hosts[0].routes[1].policy');
    expect(r.routes[0].policyField).toBe('policy');
    // One host without a certificate: no redirect or HSTS anywhere.
    expect(r).toMatchObject({ tlsHosts: ['a.loopi.com'], urls: ['https://a.loopi.com', 'http://b.loopi.com'], fullTls: false });
  });

  test('a regex path: native on nginx and the Gateway API, its literal start on Traefik', () => {
    const props = { hosts: [{ host: 'a.loopi.com', routes: [{ path: '/api(/|$)(.*)', match: 'Regex' as const, rewrite: '/$2', backend: api }] }] };
    const native = resolveEndpoint(props, 'native').routes[0];
    const literal = resolveEndpoint(props, 'literal-prefix').routes[0];
    expect([native.ingressPath, native.ingressPathType]).toEqual(['/api(/|$)(.*)', 'ImplementationSpecific']);
    expect([literal.ingressPath, literal.ingressPathType]).toEqual(['/api', 'Prefix']);
    expect(routeKey(literal)).toBe('a.loopi.com /api');
  });

  test('publicMetrics: a route keeps its own decision, other routes take the endpoint one', () => {
    const r = resolveEndpoint(
      {
        hosts: [{ host: 'a.loopi.com', routes: [{ backend: api }, { path: '/metrics', backend: api, publicMetrics: { reason: 'status page' } }] }],
        publicMetrics: { reason: 'all public' },
      },
      'native',
    );
    expect(r.routes.map((x) => [x.publicMetrics?.reason, x.publicMetricsField])).toEqual([
      ['all public', 'publicMetrics'],
      ['status page', 'hosts[0].routes[1].publicMetrics'],
    ]);
  });

  test('bad values are kept for the checks, never thrown on', () => {
    expect(() => resolveEndpoint({ hosts: [null as never, { host: 'a', routes: 'x' as never }], tls: false }, 'native')).not.toThrow();
    expect(resolveEndpoint({ tls: false }, 'native')).toMatchObject({ routes: [], hosts: [], tlsHosts: [], fullTls: false });
  });
});
