import { Construct } from 'constructs';
import { issuerForEnvironment, PublicEndpoint, SystemChart } from '../../lib';
import { EdgeProfile } from '../../lib/core/platform';
import { DEFAULT_INGRESS_NGINX, DEFAULT_TRAEFIK } from '../../lib/core/platform';
import { refusalRegex } from '../../lib/edge/nginx-renderer';
import { errorsOf, objectsOf, testChart } from '../support/synth';
import { edgeEnv, ENVOY_EDGE, TRAEFIK_GATEWAY_EDGE, webService } from './support';

const NGINX_EDGE: EdgeProfile = { default: 'ingress-nginx', ingressNginx: DEFAULT_INGRESS_NGINX };
const TRAEFIK_EDGE: EdgeProfile = { default: 'traefik', traefik: DEFAULT_TRAEFIK };

/** A chart on `edge` with a web service serving its metrics on `http` at `path`, behind the catch-all of `api.loopi.com`. */
function catchAll(edge: EdgeProfile, path = '/metrics', extra: (chart: SystemChart, api: ReturnType<typeof webService>) => void = () => {}) {
  const { app, chart } = testChart(edgeEnv('prod', edge), 'loopi');
  const api = webService(chart, 'api', 8080);
  api.exposeMetrics({ port: 'http', path });
  const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@loopi.com' })!;
  new PublicEndpoint(chart, 'public', { host: 'api.loopi.com', backend: api, tls: { issuer } });
  extra(chart, api);
  return { app, chart };
}

const named = (objects: Array<Record<string, any>>, name: string) => objects.filter((o) => o.metadata.name === name);

describe('metrics never public: the catch-all route answers the metrics path with an error on every edge', () => {
  test('ingress-nginx: an Ingress for the metrics path that denies every client address, no snippet', () => {
    const { app } = catchAll(NGINX_EDGE);
    expect(errorsOf(app)).toEqual([]);
    const [refusal] = named(objectsOf(app, 'Ingress'), 'public-private-metrics');
    expect(refusal.metadata.annotations['nginx.ingress.kubernetes.io/denylist-source-range']).toBe('0.0.0.0/0,::/0');
    expect(Object.keys(refusal.metadata.annotations).filter((k) => k.includes('snippet'))).toEqual([]);
    expect(refusal.spec.ingressClassName).toBe('nginx');
    expect(refusal.spec.rules).toEqual([
      {
        host: 'api.loopi.com',
        http: { paths: [{ path: '/metrics', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } }] },
      },
    ]);
  });

  test('ingress-nginx, a host in regex mode: a regex longer than every route of the host, which nginx tries first', () => {
    const { app, chart } = testChart(edgeEnv('prod', NGINX_EDGE), 'techshop');
    const app1 = webService(chart, 'app', 3000);
    app1.exposeMetrics({ port: 'http', path: '/metrics' });
    const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@techshop.com' })!;
    new PublicEndpoint(chart, 'public', {
      hosts: [{ host: 'api.techshop.com', routes: [{ path: '/api(/|$)(.*)', match: 'Regex', rewrite: '/$2', backend: app1 }] }],
      tls: { issuer },
    });
    expect(errorsOf(app)).toEqual([]);
    const [refusal] = named(objectsOf(app, 'Ingress'), 'public-private-metrics');
    const path = refusal.spec.rules[0].http.paths[0];
    // /api/metrics reaches the backend as /metrics through the rewrite.
    expect(path).toMatchObject({ path: '/api/metrics(/.*)?$', pathType: 'ImplementationSpecific' });
    expect(path.path.length).toBeGreaterThan('/api(/|$)(.*)'.length);
    expect(refusal.metadata.annotations['nginx.ingress.kubernetes.io/use-regex']).toBe('true');
    expect(new RegExp(`^${path.path}`, 'i').test('/API/metrics/')).toBe(true);
    expect(new RegExp(`^${path.path}`, 'i').test('/api/metricsx')).toBe(false);
  });

  test('refusalRegex pads with empty groups until it is the longest path of the host', () => {
    expect(refusalRegex('/metrics', 5)).toBe('/metrics(/.*)?$');
    const padded = refusalRegex('/m', 20);
    expect(padded.length).toBeGreaterThan(20);
    expect(new RegExp(`^${padded}`).test('/m/x')).toBe(true);
    expect(refusalRegex('/a.b', 0)).toBe('/a\\.b(/.*)?$');
  });

  test('Traefik: a router for the metrics path (longer rule, higher priority) whose ipAllowList admits no client, 404', () => {
    const { app } = catchAll(TRAEFIK_EDGE);
    expect(errorsOf(app)).toEqual([]);
    const [refusal] = named(objectsOf(app, 'Ingress'), 'public-private-metrics');
    const [middleware] = named(objectsOf(app, 'Middleware'), 'public-private-metrics');
    expect(middleware.spec).toEqual({ ipAllowList: { sourceRange: ['127.0.0.1/32'], rejectStatusCode: 404 } });
    expect(refusal.metadata.annotations['traefik.ingress.kubernetes.io/router.middlewares']).toBe('loopi-prod-public-private-metrics@kubernetescrd');
    expect(refusal.spec.rules[0].http.paths[0]).toMatchObject({ path: '/metrics', pathType: 'Prefix' });
    // A Traefik router serves HTTPS only for the hosts its own Ingress lists.
    expect(refusal.spec.tls).toEqual([{ hosts: ['api.loopi.com'], secretName: 'public-api-loopi-com-tls' }]);
  });

  test.each([
    ['Envoy Gateway', ENVOY_EDGE],
    ["Traefik's Gateway API provider", TRAEFIK_GATEWAY_EDGE],
  ])('Gateway API (%s): an HTTPRoute rule for the metrics path with no backend (the API answers 500, forwards nothing)', (_name, edge) => {
    const { app } = catchAll(edge, '/internal/metrics');
    expect(errorsOf(app)).toEqual([]);
    const [refusal] = named(objectsOf(app, 'HTTPRoute'), 'public-private-metrics');
    expect(refusal.spec.hostnames).toEqual(['api.loopi.com']);
    expect(refusal.spec.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gateway', sectionName: 'https-api-loopi-com' },
    ]);
    expect(refusal.spec.rules).toEqual([{ name: 'private-metrics', matches: [{ path: { type: 'PathPrefix', value: '/internal/metrics' } }] }]);
  });

  test('metrics declared after the endpoint are refused too (rendered once the model is complete)', () => {
    const { app, chart } = testChart(edgeEnv('prod', NGINX_EDGE), 'loopi');
    const api = webService(chart, 'api', 8080);
    const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@loopi.com' })!;
    new PublicEndpoint(chart, 'public', { host: 'api.loopi.com', backend: api, tls: { issuer } });
    api.exposeMetrics({ port: 'http' });
    expect(named(objectsOf(app, 'Ingress'), 'public-private-metrics')).toHaveLength(1);
  });

  test('no refusal where nothing is exposed: metrics on a port no route reaches, or a route that does not cover the path', () => {
    const { app, chart } = testChart(edgeEnv('prod', NGINX_EDGE), 'loopi');
    const api = webService(chart, 'api', 8080, [
      { name: 'http', port: 8080 },
      { name: 'metrics', port: 9090 },
    ]);
    api.exposeMetrics({ port: 'metrics' });
    const other = webService(chart, 'other', 8080);
    other.exposeMetrics({ port: 'http', path: '/metrics' });
    const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@loopi.com' })!;
    new PublicEndpoint(chart, 'public', {
      hosts: [{ host: 'api.loopi.com', routes: [{ backend: api }, { path: '/v1', backend: other }] }],
      tls: { issuer },
    });
    expect(errorsOf(app)).toEqual([]);
    expect(named(objectsOf(app, 'Ingress'), 'public-private-metrics')).toEqual([]);
  });

  test('publicMetrics with a reason: the catch-all serves the metrics, nothing is refused', () => {
    const { app } = catchAll(NGINX_EDGE, '/metrics', () => {});
    expect(named(objectsOf(app, 'Ingress'), 'public-private-metrics')).toHaveLength(1);
    const { app: app2, chart } = testChart(edgeEnv('prod', NGINX_EDGE), 'loopi');
    const api = webService(chart, 'api', 8080);
    api.exposeMetrics({ port: 'http' });
    const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@loopi.com' })!;
    new PublicEndpoint(chart, 'public', { host: 'api.loopi.com', backend: api, tls: { issuer }, publicMetrics: { reason: 'a public status page' } });
    expect(errorsOf(app2)).toEqual([]);
    expect(named(objectsOf(app2, 'Ingress'), 'public-private-metrics')).toEqual([]);
  });
});

describe('metrics never public: routes to a metrics path are refused unless declared public', () => {
  function explicit(edge: EdgeProfile, route: Record<string, unknown>, extra: (scope: Construct) => void = () => {}) {
    const { app, chart } = testChart(edgeEnv('prod', edge), 'loopi');
    const api = webService(chart, 'api', 8080);
    api.exposeMetrics({ port: 'http', path: '/metrics' });
    const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@loopi.com' })!;
    new PublicEndpoint(chart, 'public', { hosts: [{ host: 'api.loopi.com', routes: [{ backend: api, ...route }] }], tls: { issuer } });
    extra(chart);
    return errorsOf(app);
  }

  test.each([
    ['ingress-nginx', NGINX_EDGE],
    ['Traefik', TRAEFIK_EDGE],
    ['Envoy Gateway', ENVOY_EDGE],
  ])('%s: an Exact or Prefix route of the metrics path is an error naming the path, the field and what is allowed', (_name, edge) => {
    for (const route of [{ path: '/metrics', match: 'Exact' }, { path: '/metrics' }]) {
      expect(explicit(edge, route)).toEqual([
        "[loopi-prod/public] hosts[0].routes[0].path: '/metrics' on 'api.loopi.com' routes to metrics: loopi-prod/api serves its metrics at '/metrics' on port 'http' (exposeMetrics()), which only Prometheus may read; remove the route, serve the metrics on a port no endpoint routes, or declare publicMetrics: { reason } on the route",
      ]);
    }
  });

  test.each([
    ['ingress-nginx', NGINX_EDGE, 'Ingress'],
    ['Traefik', TRAEFIK_EDGE, 'Ingress'],
    ['Envoy Gateway', ENVOY_EDGE, 'HTTPRoute'],
  ])('%s: a metrics route declared public with a reason is rendered and nothing refuses it', (_name, edge, kind) => {
    const { app, chart } = testChart(edgeEnv('prod', edge), 'loopi');
    const api = webService(chart, 'api', 8080);
    api.exposeMetrics({ port: 'http', path: '/metrics' });
    const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@loopi.com' })!;
    new PublicEndpoint(chart, 'public', {
      hosts: [
        {
          host: 'api.loopi.com',
          routes: [
            { path: '/metrics', backend: api, publicMetrics: { reason: 'read by the public status page' } },
            { path: '/v1', backend: api },
          ],
        },
      ],
      tls: { issuer },
    });
    expect(errorsOf(app)).toEqual([]);
    const objects = objectsOf(app, kind);
    expect(named(objects, 'public-private-metrics')).toEqual([]);
    const paths = JSON.stringify(objects.map((o) => o.spec));
    expect(paths).toContain('"/metrics"');
  });

  test('a declared decision with a reason is accepted; one without a reason is an error', () => {
    expect(explicit(NGINX_EDGE, { path: '/metrics', publicMetrics: { reason: 'read by the public status page' } })).toEqual([]);
    expect(explicit(NGINX_EDGE, { path: '/metrics', publicMetrics: { reason: ' ' } })).toEqual([
      '[loopi-prod/public] hosts[0].routes[0].publicMetrics.reason: is required: a sentence saying why these metrics may be read by anyone on the internet (or leave publicMetrics out to keep them private)',
    ]);
    expect(explicit(NGINX_EDGE, { path: '/metrics', publicMetrics: 'yes' })).toHaveLength(1);
  });

  test('a rewrite whose result cannot be told at synth may reach the metrics: refused', () => {
    const errors = explicit(NGINX_EDGE, { path: '/(.*)/x', match: 'Regex', rewrite: '/$1' });
    expect(errors).toEqual([expect.stringContaining("hosts[0].routes[0].rewrite: '/$1' on '/(.*)/x' may send requests to '/metrics'")]);
  });
});
