import { compareVersions } from '../../lib/core/platform-requirements';
/**
 * PublicEndpoint on the Gateway API (Envoy Gateway and Traefik's provider), per-route
 * policies on every edge, and the cluster profile's say over which edge serves an endpoint.
 */
import { Duration, issuerForEnvironment, IssuerRef, PublicEndpoint } from '../../lib';
import { DEFAULT_INGRESS_NGINX, EdgeProfile } from '../../lib/core/platform';
import { platformRequirements } from '../../lib/core/platform-requirements';
import { errorsOf, objectOf, objectsOf, testChart } from '../support/synth';
import { edgeEnv, ENVOY_EDGE, ownAnnotations, TRAEFIK_GATEWAY_EDGE, webService } from './support';

const NGINX = 'nginx.ingress.kubernetes.io';
const TRAEFIK_INGRESS_EDGE: EdgeProfile = {
  default: 'traefik',
  traefik: { pods: { namespace: 'kube-system', podLabels: { 'app.kubernetes.io/name': 'traefik' } } },
};

describe('Envoy Gateway: Loopi-like endpoint', () => {
  const { app, chart } = testChart(edgeEnv('prod', ENVOY_EDGE), 'loopi');
  const api = webService(chart, 'api', 8080, [{ name: 'http', port: 8080, servicePort: 80 } as never]);
  const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@loopi.com' })!;
  const endpoint = new PublicEndpoint(chart, 'public', {
    host: 'api.loopi.com',
    backend: api,
    tls: { issuer },
    policy: {
      rateLimit: { requests: 10, per: 'second' },
      timeouts: { connect: Duration.seconds(5), read: Duration.seconds(60), send: Duration.seconds(60) },
      securityHeaders: { extra: { 'X-XSS-Protection': '1; mode=block' } },
      compression: true,
      retry: { attempts: 2 },
    },
  });

  test('synthesizes without errors; the edge is the profile default', () => {
    expect(errorsOf(app)).toEqual([]);
    expect(endpoint.controller).toBe('gateway');
    expect(endpoint.ingressNames).toEqual([]);
    expect(endpoint.routeNames).toEqual(['public']);
    expect(objectsOf(app, 'Ingress')).toEqual([]);
  });

  test('the system Gateway: an HTTP listener and an HTTPS listener per host with its certificate', () => {
    const gateway = objectOf(app, 'Gateway', 'gateway');
    expect(gateway.spec.gatewayClassName).toBe('eg');
    expect(gateway.spec.listeners).toEqual([
      { name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'Same' } } },
      {
        name: 'https-api-loopi-com',
        hostname: 'api.loopi.com',
        protocol: 'HTTPS',
        port: 443,
        tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'public-api-loopi-com-tls' }] },
        allowedRoutes: { namespaces: { from: 'Same' } },
      },
    ]);
    const certificate = objectOf(app, 'Certificate', 'public-api-loopi-com');
    expect(certificate.spec).toMatchObject({
      secretName: 'public-api-loopi-com-tls',
      dnsNames: ['api.loopi.com'],
      issuerRef: { name: 'letsencrypt' },
    });
  });

  test('the HTTPRoute: HTTPS listener, Service port, security headers as a ResponseHeaderModifier', () => {
    const route = objectOf(app, 'HTTPRoute', 'public');
    expect(route.spec.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gateway', sectionName: 'https-api-loopi-com' },
    ]);
    expect(route.spec.hostnames).toEqual(['api.loopi.com']);
    expect(route.spec.rules).toHaveLength(1);
    const rule = route.spec.rules[0];
    expect(rule.name).toBe('root');
    expect(rule.matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
    expect(rule.backendRefs).toEqual([{ name: 'api', port: 80 }]);
    const headers = Object.fromEntries(rule.filters[0].responseHeaderModifier.set.map((h: { name: string; value: string }) => [h.name, h.value]));
    expect(headers).toEqual({
      'Referrer-Policy': 'strict-origin-when-cross-origin',
      'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'X-XSS-Protection': '1; mode=block',
    });
  });

  test('HTTP -> HTTPS: a RequestRedirect route on the HTTP listener', () => {
    const redirect = objectOf(app, 'HTTPRoute', 'public-https-redirect');
    expect(redirect.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gateway', sectionName: 'http' }]);
    expect(redirect.spec.rules[0].filters).toEqual([{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }]);
  });

  test('rate limit per client IP, timeouts, gzip and retry on 500/502/503 in one BackendTrafficPolicy on the route', () => {
    const policy = objectOf(app, 'BackendTrafficPolicy', 'public');
    expect(policy.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'public' }]);
    expect(policy.spec.rateLimit).toEqual({
      type: 'Local',
      local: {
        rules: [
          { clientSelectors: [{ sourceCIDR: { type: 'Distinct', value: '0.0.0.0/0' } }], limit: { requests: 10, unit: 'Second' } },
          { clientSelectors: [{ sourceCIDR: { type: 'Distinct', value: '::/0' } }], limit: { requests: 10, unit: 'Second' } },
        ],
      },
    });
    expect(policy.spec.timeout).toEqual({ tcp: { connectTimeout: '5s' }, http: { streamIdleTimeout: '60s' } });
    expect(policy.spec.compressor).toEqual([{ type: 'Gzip' }]);
    expect(policy.spec.retry).toEqual({
      numRetries: 2,
      retryOn: { triggers: ['connect-failure', 'reset', 'retriable-status-codes'], httpStatusCodes: [500, 502, 503] },
    });
  });

  test('the ACME issuer answers HTTP-01 through the gatewayHTTPRoute solver on the HTTP listener; cert-manager >= 1.15 declared', () => {
    const acme = objectOf(app, 'Issuer', 'letsencrypt');
    expect(acme.spec.acme.solvers).toEqual([
      {
        http01: {
          gatewayHTTPRoute: {
            parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gateway', namespace: 'loopi-prod', sectionName: 'http' }],
          },
        },
      },
    ]);
    const needs = platformRequirements(app).filter((r) => r.component === 'cert-manager');
    expect(needs.length).toBeGreaterThan(0);
    // The Gateway API needs set the highest minimum (Certificates and Issuers alone need 1.0) and switch the support on.
    const gatewayNeeds = needs.filter((r) => r.settings?.['config.enableGatewayAPI']?.[0] === 'true');
    expect(gatewayNeeds.length).toBeGreaterThan(0);
    expect(gatewayNeeds.every((r) => r.minVersion === '1.15.0')).toBe(true);
    expect(needs.every((r) => compareVersions(r.minVersion, '1.15.0') <= 0)).toBe(true);
    expect(platformRequirements(app).map((r) => r.component)).toEqual(expect.arrayContaining(['envoy-gateway', 'gateway-api-crds']));
  });

  test("only this Gateway's Envoy proxies reach the backend, never the whole data-plane namespace", () => {
    const policy = objectsOf(app, 'NetworkPolicy').find(
      (p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === 'api' && p.spec.ingress,
    );
    const peers = policy!.spec.ingress.flatMap((rule: { from: unknown[] }) => rule.from);
    expect(peers).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
      podSelector: {
        matchLabels: {
          'app.kubernetes.io/component': 'proxy',
          'app.kubernetes.io/name': 'envoy',
          'gateway.envoyproxy.io/owning-gateway-name': 'gateway',
          'gateway.envoyproxy.io/owning-gateway-namespace': 'loopi-prod',
        },
      },
    });
    for (const peer of peers as Array<{ podSelector?: unknown }>) expect(peer.podSelector).toBeDefined();
  });
});

describe('a shared Gateway of the platform', () => {
  const edge: EdgeProfile = { ...ENVOY_EDGE, gateway: { ...ENVOY_EDGE.gateway!, sharedGateway: { name: 'public', namespace: 'gateway-system' } } };
  const { app, chart } = testChart(edgeEnv('prod', edge), 'shop');
  const api = webService(chart, 'api');
  const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@shop.com' })!;
  new PublicEndpoint(chart, 'public', { host: 'shop.com', backend: api, tls: { issuer } });

  test('routes attach to it by port; no Gateway of the system; a ReferenceGrant lets it read the certificate', () => {
    expect(errorsOf(app)).toEqual([]);
    expect(objectsOf(app, 'Gateway')).toEqual([]);
    expect(objectOf(app, 'HTTPRoute', 'public').spec.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateway-system', port: 443 },
    ]);
    expect(objectOf(app, 'ReferenceGrant', 'public-gateway-certificates').spec).toEqual({
      from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'gateway-system' }],
      to: [{ group: '', kind: 'Secret', name: 'public-shop-com-tls' }],
    });
    expect(objectOf(app, 'Issuer', 'letsencrypt').spec.acme.solvers[0].http01.gatewayHTTPRoute.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateway-system', port: 80 },
    ]);
  });
});

describe('paths and rewrites on the Gateway API', () => {
  test('TechShop prefix strip becomes PathPrefix + ReplacePrefixMatch; a regex is RE2, case-insensitive, anchored like nginx', () => {
    const { app, chart } = testChart(edgeEnv('prod', ENVOY_EDGE), 'techshop');
    const backend = webService(chart, 'backend', 3000);
    new PublicEndpoint(chart, 'public', {
      hosts: [
        {
          host: 'techshop.com',
          routes: [
            { path: '/api(/|$)(.*)', match: 'Regex', rewrite: '/$2', backend },
            { path: '/v[0-9]+/items', match: 'Regex', backend },
            { path: '/health', match: 'Exact', backend },
          ],
        },
      ],
      tls: false,
    });
    expect(errorsOf(app)).toEqual([]);
    const rules = objectOf(app, 'HTTPRoute', 'public').spec.rules;
    expect(rules.map((r: { matches: unknown[] }) => r.matches[0])).toEqual([
      { path: { type: 'PathPrefix', value: '/api' } },
      { path: { type: 'RegularExpression', value: '(?i)/v[0-9]+/items.*' } },
      { path: { type: 'Exact', value: '/health' } },
    ]);
    expect(rules[0].filters).toContainEqual({ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } });
    // Plain HTTP: the routes attach to the HTTP listener, and nothing redirects.
    expect(objectOf(app, 'HTTPRoute', 'public').spec.parentRefs[0].sectionName).toBe('http');
    expect(objectsOf(app, 'HTTPRoute').map((r) => r.metadata.name)).toEqual(['public']);
  });
});

/** One host, a WebSocket route with a one-hour timeout and a normal route, on the edge of `edge`. */
function websocketHost(edge: EdgeProfile | undefined) {
  const { app, chart } = testChart(
    edge ? edgeEnv('prod', edge) : edgeEnv('prod', { default: 'ingress-nginx', ingressNginx: DEFAULT_INGRESS_NGINX }),
    'chat',
  );
  const api = webService(chart, 'api');
  const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@chat.io' })!;
  const endpoint = new PublicEndpoint(chart, 'public', {
    hosts: [
      {
        host: 'chat.io',
        routes: [
          { path: '/ws', backend: api, policy: { websocket: true, timeouts: { read: Duration.seconds(3600), send: Duration.seconds(3600) } } },
          { path: '/', backend: api },
        ],
      },
    ],
    tls: { issuer },
    policy: { timeouts: { read: Duration.seconds(60), send: Duration.seconds(60) } },
  });
  return { app, endpoint };
}

describe('per-route policy: a WebSocket route with a 3600 s timeout beside a normal route, one certificate', () => {
  test('ingress-nginx: two Ingresses with their own timeouts; only the first asks for the certificate', () => {
    const { app, endpoint } = websocketHost(undefined);
    expect(errorsOf(app)).toEqual([]);
    expect(endpoint.ingressNames).toEqual(['public', 'public-ws']);
    const normal = objectOf(app, 'Ingress', 'public');
    const ws = objectOf(app, 'Ingress', 'public-ws');
    expect(ownAnnotations(normal)[`${NGINX}/proxy-read-timeout`]).toBe('60');
    expect(ownAnnotations(ws)[`${NGINX}/proxy-read-timeout`]).toBe('3600');
    expect(ws.spec.rules[0].http.paths.map((p: { path: string }) => p.path)).toEqual(['/ws']);
    // One certificate: the ingress-shim annotation and the TLS entry on one Ingress only.
    const certified = [normal, ws].filter((i) => ownAnnotations(i)['cert-manager.io/issuer'] !== undefined);
    expect(certified).toHaveLength(1);
    expect([normal, ws].flatMap((i) => i.spec.tls ?? []).map((t: { secretName: string }) => t.secretName)).toEqual(['public-chat-io-tls']);
  });

  test('Envoy Gateway: one HTTPRoute, two named rules, a BackendTrafficPolicy per rule by sectionName, one Certificate', () => {
    const { app } = websocketHost(ENVOY_EDGE);
    expect(errorsOf(app)).toEqual([]);
    expect(objectsOf(app, 'Certificate')).toHaveLength(1);
    const rules = objectOf(app, 'HTTPRoute', 'public').spec.rules;
    expect(rules.map((r: { name: string }) => r.name)).toEqual(['ws', 'root']);
    const policies = objectsOf(app, 'BackendTrafficPolicy');
    const byRule = Object.fromEntries(policies.map((p) => [p.spec.targetRefs[0].sectionName, p.spec]));
    expect(byRule.ws.timeout).toEqual({ http: { streamIdleTimeout: '3600s' } });
    expect(byRule.ws.httpUpgrade).toEqual([{ type: 'websocket' }]);
    expect(byRule.root.timeout).toEqual({ http: { streamIdleTimeout: '60s' } });
  });

  test('Traefik (Ingress and Gateway API): timeouts are refused with the field and the implementation', () => {
    for (const edge of [TRAEFIK_INGRESS_EDGE, TRAEFIK_GATEWAY_EDGE]) {
      const { app } = websocketHost(edge);
      const errors = errorsOf(app);
      expect(errors).toContainEqual(
        expect.stringMatching(/\[chat-prod\/public\] policy\.timeouts: Traefik's (Ingress|Gateway API) provider has no per-route timeouts/),
      );
      expect(errors).toContainEqual(expect.stringMatching(/hosts\[0\]\.routes\[0\]\.policy\.timeouts: Traefik/));
    }
  });
});

describe('per-route rate limit and body size on Traefik: middlewares of their own, one certificate', () => {
  test.each([
    ['Ingress', TRAEFIK_INGRESS_EDGE],
    ['Gateway API', TRAEFIK_GATEWAY_EDGE],
  ])('%s', (_, edge) => {
    const { app, chart } = testChart(edgeEnv('prod', edge), 'feat');
    const api = webService(chart, 'api');
    const issuer = issuerForEnvironment(chart, 'letsencrypt', {
      email: 'ops@feat.dev',
      ...(edge.default === 'traefik' ? { http01: { controller: 'traefik' as const } } : {}),
    })!;
    new PublicEndpoint(chart, 'public', {
      hosts: [
        {
          host: 'feat.dev',
          routes: [
            { path: '/login', backend: api, policy: { rateLimit: { requests: 5, per: 'minute' } } },
            { path: '/upload', backend: api, policy: { maxBodySize: '50Mi' } },
            { path: '/', backend: api },
          ],
        },
      ],
      tls: { issuer },
      policy: { rateLimit: { requests: 100, per: 'minute' } },
    });
    expect(errorsOf(app)).toEqual([]);
    const middlewares: Record<string, Record<string, any>> = Object.fromEntries(objectsOf(app, 'Middleware').map((m) => [m.metadata.name, m.spec]));
    const limits = Object.values(middlewares)
      .filter((spec) => spec.rateLimit)
      .map((spec) => spec.rateLimit.average);
    expect(limits.sort((a, b) => a - b)).toEqual([5, 100, 100]);
    expect(Object.values(middlewares).find((spec) => spec.buffering)?.buffering).toEqual({ maxRequestBodyBytes: 50 * 2 ** 20 });
    const certificates =
      edge.default === 'gateway'
        ? objectsOf(app, 'Certificate')
        : objectsOf(app, 'Ingress').filter((i) => ownAnnotations(i)['cert-manager.io/issuer']);
    expect(certificates).toHaveLength(1);
  });
});

describe('what an edge cannot express is a synth error naming the field and the edge', () => {
  const build = (edge: EdgeProfile, route: Record<string, unknown>, policy: Record<string, unknown> = {}) => {
    const { app, chart } = testChart(edgeEnv('prod', edge), 'bad');
    const api = webService(chart, 'api');
    new PublicEndpoint(chart, 'public', { hosts: [{ host: 'bad.dev', routes: [{ backend: api, ...route }] }], tls: false, policy });
    return errorsOf(app);
  };
  const NGINX_EDGE: EdgeProfile = { default: 'ingress-nginx', ingressNginx: DEFAULT_INGRESS_NGINX };
  test.each([
    [
      'Envoy Gateway: a burst',
      ENVOY_EDGE,
      {},
      { rateLimit: { requests: 10, burst: 20 } },
      /policy\.rateLimit\.burst: Envoy Gateway cannot express a burst of 20/,
    ],
    [
      'Envoy Gateway: different read and send timeouts',
      ENVOY_EDGE,
      {},
      { timeouts: { read: Duration.seconds(60), send: Duration.seconds(30) } },
      /policy\.timeouts\.send: Envoy Gateway has one idle timeout/,
    ],
    [
      'Envoy Gateway: body size on a websocket route',
      ENVOY_EDGE,
      {},
      { websocket: true, maxBodySize: '1Mi' },
      /policy\.maxBodySize: Envoy Gateway limits the body size by buffering/,
    ],
    [
      'Envoy Gateway: a capture-group rewrite',
      ENVOY_EDGE,
      { path: '/a/(.*)/b', match: 'Regex', rewrite: '/$1' },
      {},
      /routes\[0\]\.rewrite: '\/\$1' on '\/a\/\(\.\*\)\/b' has no Gateway API form/,
    ],
    [
      'Traefik Gateway: a regex path',
      TRAEFIK_GATEWAY_EDGE,
      { path: '/v[0-9]+', match: 'Regex' },
      {},
      /routes\[0\]\.match: Traefik's Gateway API provider does not support RegularExpression/,
    ],
    [
      'Traefik Gateway: retry on a status',
      TRAEFIK_GATEWAY_EDGE,
      {},
      { retry: { attempts: 2 } },
      /policy\.retry: Traefik's Gateway API provider cannot retry on a response status/,
    ],
    [
      'Traefik Ingress: retry on a status',
      TRAEFIK_INGRESS_EDGE,
      {},
      { retry: { attempts: 2 } },
      /policy\.retry: Traefik's Ingress provider cannot retry on a response status/,
    ],
    [
      'ingress-nginx: a whole-request timeout',
      NGINX_EDGE,
      {},
      { timeouts: { request: Duration.seconds(30) } },
      /policy\.timeouts\.request: ingress-nginx has no limit on a whole request/,
    ],
    [
      'ingress-nginx: a status it cannot name',
      NGINX_EDGE,
      {},
      { retry: { attempts: 1, onStatus: [501] } },
      /policy\.retry\.onStatus\[0\]: ingress-nginx's proxy-next-upstream can only name/,
    ],
    [
      'any edge: too many attempts',
      ENVOY_EDGE,
      {},
      { retry: { attempts: 11 } },
      /policy\.retry\.attempts: 11 must be a whole number of further attempts from 1 to 10/,
    ],
  ])('%s', (_, edge, route, policy, message) => {
    expect(build(edge, route, policy)).toContainEqual(expect.stringMatching(message));
  });

  test('a route policy is reported on the route', () => {
    expect(build(ENVOY_EDGE, { policy: { rateLimit: { requests: 5, burst: 6 } } })).toEqual([
      expect.stringMatching(/^\[bad-prod\/public\] hosts\[0\]\.routes\[0\]\.policy\.rateLimit\.burst: Envoy Gateway cannot express a burst of 6/),
    ]);
  });
});

describe('the cluster profile decides which edges exist', () => {
  test.each([
    [
      'Gateway API on a profile without one',
      { default: 'ingress-nginx', ingressNginx: DEFAULT_INGRESS_NGINX } as EdgeProfile,
      { controller: 'gateway' },
      /controller: 'gateway': the cluster profile of prod runs no such edge \(platform\.edge\.gateway is not set; it runs ingress-nginx\)/,
    ],
    [
      'Traefik on a profile without it',
      ENVOY_EDGE,
      { controller: 'traefik' },
      /controller: 'traefik': the cluster profile of prod runs no such edge \(platform\.edge\.traefik is not set; it runs ingress-nginx, gateway \(Envoy Gateway\)\)/,
    ],
    [
      'an IngressClass the profile does not serve',
      ENVOY_EDGE,
      { controller: 'nginx', ingressClassName: 'internal' },
      /ingressClassName: 'internal' is not the class the profile's ingress-nginx serves \('nginx'/,
    ],
    [
      'data-plane pods without labels (a whole namespace)',
      {
        default: 'gateway',
        gateway: { implementation: 'envoy-gateway', dataPlane: { namespace: 'envoy-gateway-system', podLabels: {} } },
      } as EdgeProfile,
      {},
      /controller: platform\.edge\.gateway\.dataPlane\.podLabels is empty: the NetworkPolicies would admit every pod of namespace 'envoy-gateway-system'/,
    ],
    [
      'a header ingress-nginx is not configured to allow',
      {
        default: 'ingress-nginx',
        ingressNginx: { ...DEFAULT_INGRESS_NGINX, allowedResponseHeaders: ['X-Frame-Options', 'X-Content-Type-Options', 'Referrer-Policy'] },
      } as EdgeProfile,
      { policy: { securityHeaders: { extra: { 'X-XSS-Protection': '1; mode=block' } } } },
      /policy\.securityHeaders: sets X-XSS-Protection, which ingress-nginx does not allow \(platform\.edge\.ingressNginx\.allowedResponseHeaders/,
    ],
  ])('%s', (_, edge, props, message) => {
    const { app, chart } = testChart(edgeEnv('prod', edge), 'p');
    const api = webService(chart, 'api');
    new PublicEndpoint(chart, 'public', { host: 'p.dev', backend: api, tls: false, ...(props as object) });
    expect(errorsOf(app)).toContainEqual(expect.stringMatching(message));
  });

  test('an issuer solving HTTP-01 through an IngressClass does not fit a Gateway endpoint', () => {
    const { app, chart } = testChart(edgeEnv('prod', ENVOY_EDGE), 'p');
    const api = webService(chart, 'api');
    const issuer = IssuerRef.clusterIssuer('letsencrypt-prod', { trust: 'acme-production', http01: { ingressClassName: 'nginx' } });
    new PublicEndpoint(chart, 'public', { host: 'p.dev', backend: api, tls: { issuer } });
    expect(errorsOf(app)).toContainEqual(
      expect.stringMatching(
        /tls\.issuer: ClusterIssuer 'letsencrypt-prod' answers HTTP-01 challenges through IngressClass 'nginx', but this endpoint is served by Gateway 'p-prod\/gateway'/,
      ),
    );
  });
});

describe('Loopi seed (issue 18 item 11) on every edge: X-XSS-Protection, gzip, next upstream on 500/502/503', () => {
  const policy = { securityHeaders: { extra: { 'X-XSS-Protection': '1; mode=block' } }, compression: true, retry: { attempts: 2 } };
  test('ingress-nginx: proxy-next-upstream annotations, the header in custom-headers, use-gzip declared for the controller', () => {
    const { app, chart } = testChart(edgeEnv('prod', { default: 'ingress-nginx', ingressNginx: DEFAULT_INGRESS_NGINX }), 'loopi');
    const api = webService(chart, 'api');
    new PublicEndpoint(chart, 'public', { host: 'api.loopi.com', backend: api, tls: false, policy });
    expect(errorsOf(app)).toEqual([]);
    const annotations = ownAnnotations(objectOf(app, 'Ingress', 'public'));
    expect(annotations[`${NGINX}/proxy-next-upstream`]).toBe('error timeout http_500 http_502 http_503');
    expect(annotations[`${NGINX}/proxy-next-upstream-tries`]).toBe('3');
    expect(objectOf(app, 'ConfigMap', 'public-response-headers').data['X-XSS-Protection']).toBe('1; mode=block');
    expect(platformRequirements(app).find((r) => r.component === 'ingress-nginx' && r.settings?.['use-gzip'])).toBeDefined();
  });

  test('Traefik: compress middleware and the header; retry refused (it never retries on a status)', () => {
    const { app, chart } = testChart(edgeEnv('prod', TRAEFIK_INGRESS_EDGE), 'loopi');
    const api = webService(chart, 'api');
    new PublicEndpoint(chart, 'public', { host: 'api.loopi.com', backend: api, tls: false, policy: { ...policy, retry: undefined } });
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'Middleware', 'public-compress').spec).toEqual({ compress: {} });
    expect(objectOf(app, 'Middleware', 'public-security-headers').spec.headers.customResponseHeaders).toEqual({
      'X-XSS-Protection': '1; mode=block',
    });
  });
});

describe('gRPC backends', () => {
  const build = (edge: EdgeProfile, tls = true) => {
    const { app, chart } = testChart(edgeEnv('prod', edge), 'rpc');
    const api = webService(chart, 'api');
    const rpc = webService(chart, 'rpc', 9090, [{ name: 'grpc', port: 9090 }]);
    const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@rpc.dev' })!;
    new PublicEndpoint(chart, 'public', {
      hosts: [
        {
          host: 'rpc.dev',
          routes: [
            {
              path: '/inventory.v1.Stock',
              backend: rpc,
              protocol: 'grpc',
              policy: { timeouts: { read: Duration.seconds(300), send: Duration.seconds(300) } },
            },
            { path: '/', backend: api },
          ],
        },
      ],
      tls: tls ? { issuer } : false,
      policy: { rateLimit: { requests: 50 } },
    });
    return app;
  };

  test('Envoy Gateway: a GRPCRoute matching the service, beside the HTTPRoute; its policy targets the GRPCRoute', () => {
    const app = build(ENVOY_EDGE);
    expect(errorsOf(app)).toEqual([]);
    const grpc = objectOf(app, 'GRPCRoute', 'public-grpc');
    expect(grpc.spec.hostnames).toEqual(['rpc.dev']);
    expect(grpc.spec.rules).toEqual([
      expect.objectContaining({
        name: 'inventory-v1-stock',
        matches: [{ method: { type: 'Exact', service: 'inventory.v1.Stock' } }],
        backendRefs: [{ name: 'rpc', port: 9090 }],
      }),
    ]);
    expect(objectOf(app, 'HTTPRoute', 'public').spec.rules.map((r: { name: string }) => r.name)).toEqual(['root']);
    const targets = objectsOf(app, 'BackendTrafficPolicy').flatMap((p) => p.spec.targetRefs);
    expect(targets).toEqual(
      expect.arrayContaining([
        { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', name: 'public-grpc' },
        { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'public' },
      ]),
    );
  });

  test('ingress-nginx: an Ingress of its own with backend-protocol GRPC; plain HTTP is refused', () => {
    const nginx: EdgeProfile = { default: 'ingress-nginx', ingressNginx: DEFAULT_INGRESS_NGINX };
    // ingress-nginx validates Prefix paths strictly (no '.'): a gRPC API gets a host of its own.
    const { app, chart } = testChart(edgeEnv('prod', nginx), 'rpc');
    const api = webService(chart, 'api');
    const rpc = webService(chart, 'rpc', 9090, [{ name: 'grpc', port: 9090 }]);
    const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@rpc.dev' })!;
    new PublicEndpoint(chart, 'public', {
      hosts: [
        { host: 'grpc.rpc.dev', routes: [{ backend: rpc, protocol: 'grpc' }] },
        { host: 'rpc.dev', routes: [{ backend: api }] },
      ],
      tls: { issuer },
    });
    expect(errorsOf(app)).toEqual([]);
    const grpc = objectsOf(app, 'Ingress').filter((i) => ownAnnotations(i)[`${NGINX}/backend-protocol`] === 'GRPC');
    expect(grpc).toHaveLength(1);
    expect(grpc[0].spec.rules.map((r: { host: string }) => r.host)).toEqual(['grpc.rpc.dev']);
    expect(errorsOf(build(nginx, false))).toContainEqual(
      expect.stringMatching(/hosts\[0\]\.routes\[0\]\.protocol: ingress-nginx serves gRPC over HTTP\/2/),
    );
  });

  test('Traefik Ingress: refused, with what it would need', () => {
    expect(errorsOf(build(TRAEFIK_INGRESS_EDGE))).toContainEqual(
      expect.stringMatching(
        /hosts\[0\]\.routes\[0\]\.protocol: Traefik's Ingress provider speaks gRPC to a backend only through the Service annotation/,
      ),
    );
  });

  test('a gRPC path that names no service or method is refused', () => {
    const { app, chart } = testChart(edgeEnv('prod', ENVOY_EDGE), 'rpc');
    const rpc = webService(chart, 'rpc', 9090);
    new PublicEndpoint(chart, 'public', { hosts: [{ host: 'rpc.dev', routes: [{ path: '/api/v1', backend: rpc, protocol: 'grpc' }] }], tls: false });
    expect(errorsOf(app)).toContainEqual(expect.stringMatching(/hosts\[0\]\.routes\[0\]\.path: '\/api\/v1' must be '\/' \(every method\)/));
  });
});

describe('the NetworkPolicy peers follow the profile', () => {
  const peersFor = (edge: EdgeProfile): unknown[] => {
    const { app, chart } = testChart(edgeEnv('prod', edge), 'k3s');
    const api = webService(chart, 'api');
    const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@k3s.dev' })!;
    new PublicEndpoint(chart, 'public', { host: 'k3s.dev', backend: api, tls: { issuer } });
    expect(errorsOf(app)).toEqual([]);
    return objectsOf(app, 'NetworkPolicy')
      .filter((p) => ['api', 'acme-http01-solver'].includes(p.metadata.name))
      .flatMap((p) => p.spec.ingress.flatMap((rule: { from: unknown[] }) => rule.from))
      .filter((peer: any) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] !== 'monitoring');
  };

  test.each([
    [
      'Traefik in kube-system (k3s)',
      {
        default: 'traefik',
        traefik: {
          pods: { namespace: 'kube-system', podLabels: { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': 'traefik-kube-system' } },
        },
      } as EdgeProfile,
      { 'kubernetes.io/metadata.name': 'kube-system' },
      { 'app.kubernetes.io/instance': 'traefik-kube-system', 'app.kubernetes.io/name': 'traefik' },
    ],
    [
      'ingress-nginx in its own namespace with a release label',
      {
        default: 'ingress-nginx',
        ingressNginx: { pods: { namespace: 'edge', podLabels: { 'app.kubernetes.io/instance': 'public' } } },
      } as EdgeProfile,
      { 'kubernetes.io/metadata.name': 'edge' },
      { 'app.kubernetes.io/instance': 'public' },
    ],
    [
      "a shared Envoy Gateway: the profile's data plane, narrowed to that Gateway's proxies",
      {
        default: 'gateway',
        gateway: {
          implementation: 'envoy-gateway',
          dataPlane: { namespace: 'gateway-system', podLabels: { 'app.kubernetes.io/name': 'envoy' } },
          sharedGateway: { name: 'public', namespace: 'gateway-system' },
        },
      } as EdgeProfile,
      { 'kubernetes.io/metadata.name': 'gateway-system' },
      {
        'app.kubernetes.io/name': 'envoy',
        'gateway.envoyproxy.io/owning-gateway-name': 'public',
        'gateway.envoyproxy.io/owning-gateway-namespace': 'gateway-system',
      },
    ],
  ])('%s: the backends and the ACME solver admit exactly those pods', (_, edge, namespaceLabels, podLabels) => {
    const peers = peersFor(edge);
    expect(peers.length).toBeGreaterThanOrEqual(2);
    for (const peer of peers) expect(peer).toEqual({ namespaceSelector: { matchLabels: namespaceLabels }, podSelector: { matchLabels: podLabels } });
  });
});

test('a host with more routes than an HTTPRoute holds (16 rules) gets a second HTTPRoute; policies follow their rules', () => {
  const { app, chart } = testChart(edgeEnv('prod', ENVOY_EDGE), 'many');
  const api = webService(chart, 'api');
  const routes = Array.from({ length: 20 }, (_, i) => ({
    path: `/r${i}`,
    backend: api,
    ...(i === 18 ? { policy: { timeouts: { read: Duration.seconds(600) } } } : {}),
  }));
  new PublicEndpoint(chart, 'public', { hosts: [{ host: 'many.dev', routes }], tls: false });
  expect(errorsOf(app)).toEqual([]);
  expect(objectOf(app, 'HTTPRoute', 'public').spec.rules).toHaveLength(16);
  expect(objectOf(app, 'HTTPRoute', 'public-2').spec.rules).toHaveLength(4);
  expect(objectsOf(app, 'BackendTrafficPolicy').map((p) => p.spec.targetRefs)).toEqual([
    [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'public-2', sectionName: 'r18' }],
  ]);
});
