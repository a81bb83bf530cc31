import {
  AcmeIssuer,
  Dns01Solver,
  Duration,
  issuerForEnvironment,
  IssuerRef,
  NetworkPeer,
  PublicEndpoint,
  SelfSignedIssuer,
  SystemChart,
} from '../../lib';
import { DEFAULT_TRAEFIK_CONTROLLER } from '../../lib/edge/ingress-controller';
import { Architecture } from '../../lib/gitops/architecture';
import { errorsOf, objectOf, objectsOf, render, testChart, testEnv } from '../support/synth';
import { DEFAULT_INGRESS_NGINX } from '../../lib/core/platform';
import { edgeEnv, ownAnnotations, webService, worker } from './support';

const NGINX = 'nginx.ingress.kubernetes.io';
/** The default ingress-nginx controller's pods, as a NetworkPolicy peer list. */
const NGINX_CONTROLLER = [
  {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
  },
];

describe('nginx, Loopi-like: one host, rate limit 10 r/s burst 20, timeouts, security headers, TLS', () => {
  const { app, chart } = testChart(testEnv('prod'), 'loopi');
  const api = webService(chart, 'api', 8080);
  const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@loopi.com' })!;
  const endpoint = new PublicEndpoint(chart, 'public', {
    host: 'api.loopi.com',
    backend: api,
    tls: { issuer },
    policy: {
      rateLimit: { requests: 10, per: 'second', burst: 20 },
      timeouts: { connect: Duration.seconds(5), read: Duration.seconds(60), send: Duration.seconds(60) },
    },
  });
  const ingress = objectOf(app, 'Ingress', 'public');

  test('synthesizes without errors', () => {
    expect(errorsOf(app)).toEqual([]);
  });

  test('an IngressClass by spec.ingressClassName, never the deprecated class annotation', () => {
    expect(ingress.apiVersion).toBe('networking.k8s.io/v1');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.metadata.annotations['kubernetes.io/ingress.class']).toBeUndefined();
  });

  test('routes the host to the Service of the workload, by port name', () => {
    expect(ingress.spec.rules).toEqual([
      { host: 'api.loopi.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } }] } },
    ]);
  });

  test('a certificate per host from cert-manager, with a deterministic secret name', () => {
    expect(ingress.spec.tls).toEqual([{ hosts: ['api.loopi.com'], secretName: 'public-api-loopi-com-tls' }]);
    expect(endpoint.tlsSecretName('api.loopi.com')).toBe('public-api-loopi-com-tls');
    expect(endpoint.urls).toEqual(['https://api.loopi.com']);
  });

  test('the policy as ingress-nginx annotations; HTTPS redirect on; headers through custom-headers', () => {
    expect(ownAnnotations(ingress)).toEqual({
      'cert-manager.io/issuer': 'letsencrypt',
      [`${NGINX}/ssl-redirect`]: 'true',
      [`${NGINX}/force-ssl-redirect`]: 'true',
      [`${NGINX}/limit-rps`]: '10',
      [`${NGINX}/limit-burst-multiplier`]: '2',
      [`${NGINX}/proxy-connect-timeout`]: '5',
      [`${NGINX}/proxy-read-timeout`]: '60',
      [`${NGINX}/proxy-send-timeout`]: '60',
      [`${NGINX}/custom-headers`]: 'loopi-prod/public-response-headers',
      // No WAF asked for: off, whatever another system's WAF turns on controller-wide.
      [`${NGINX}/enable-modsecurity`]: 'false',
    });
    expect(ingress.metadata.annotations[`${NGINX}/configuration-snippet`]).toBeUndefined();
  });

  test('security headers and HSTS in the custom-headers ConfigMap; the names the controller must allow are exposed', () => {
    expect(objectOf(app, 'ConfigMap', 'public-response-headers').data).toEqual({
      'Referrer-Policy': 'strict-origin-when-cross-origin',
      'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
    });
    expect(endpoint.allowedResponseHeaders).toEqual(['Referrer-Policy', 'Strict-Transport-Security', 'X-Content-Type-Options', 'X-Frame-Options']);
  });

  test('only the ingress controller reaches the backend, on its port', () => {
    expect(objectOf(app, 'NetworkPolicy', 'api').spec.ingress).toEqual([
      {
        from: NGINX_CONTROLLER,
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  test('the controller may reach the HTTP-01 solver pods cert-manager starts in the namespace', () => {
    expect(objectOf(app, 'NetworkPolicy', 'acme-http01-solver').spec).toEqual({
      podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: NGINX_CONTROLLER,
          ports: [{ port: 8089, protocol: 'TCP' }],
        },
      ],
    });
  });
});

describe('nginx, TechShop-like: regex path with rewrite, 100 requests per minute', () => {
  const { app, chart } = testChart(testEnv('prod'), 'techshop');
  const app_ = webService(chart, 'app', 3000);
  new PublicEndpoint(chart, 'public', {
    hosts: [{ host: 'api.techshop-cloud.com', routes: [{ path: '/api(/|$)(.*)', match: 'Regex', rewrite: '/$2', backend: app_ }] }],
    tls: { issuer: IssuerRef.clusterIssuer('letsencrypt-prod', { trust: 'acme-production' }) },
    policy: { rateLimit: { requests: 100, per: 'minute' }, maxBodySize: '8Mi' },
  });
  const ingress = objectOf(app, 'Ingress', 'public');

  test('synthesizes without errors', () => {
    expect(errorsOf(app)).toEqual([]);
  });

  test('the regex path is ImplementationSpecific with use-regex and rewrite-target (the seed used Prefix)', () => {
    expect(ingress.spec.rules[0].http.paths).toEqual([
      { path: '/api(/|$)(.*)', pathType: 'ImplementationSpecific', backend: { service: { name: 'app', port: { name: 'http' } } } },
    ]);
    expect(ownAnnotations(ingress)).toMatchObject({ [`${NGINX}/use-regex`]: 'true', [`${NGINX}/rewrite-target`]: '/$2' });
  });

  test('per-minute rate limit, burst of one period, body size in nginx units, issuer by name', () => {
    const a = ownAnnotations(ingress);
    expect(a[`${NGINX}/limit-rpm`]).toBe('100');
    expect(a[`${NGINX}/limit-rps`]).toBeUndefined();
    expect(a[`${NGINX}/limit-burst-multiplier`]).toBe('1');
    expect(a[`${NGINX}/proxy-body-size`]).toBe('8m');
    expect(a['cert-manager.io/cluster-issuer']).toBe('letsencrypt-prod');
    expect(a['cert-manager.io/issuer']).toBeUndefined();
  });

  test('a rewrite route and a plain route get an Ingress each; each certificate is requested once', () => {
    const { app: app2, chart: chart2 } = testChart(testEnv('prod'), 'techshop');
    const web = webService(chart2, 'web', 3000);
    const api = webService(chart2, 'api', 3000);
    const issuer = new AcmeIssuer(chart2, 'letsencrypt', { email: 'ops@techshop-cloud.com' });
    new PublicEndpoint(chart2, 'public', {
      hosts: [
        {
          host: 'techshop-cloud.com',
          routes: [
            { path: '/', backend: web },
            { path: '/api(/|$)(.*)', match: 'Regex', rewrite: '/$2', backend: api },
          ],
        },
      ],
      tls: { issuer },
    });
    expect(errorsOf(app2)).toEqual([]);
    const plain = objectOf(app2, 'Ingress', 'public');
    const rewrite = objectOf(app2, 'Ingress', 'public-rewrite');
    expect(plain.spec.rules[0].http.paths.map((p: any) => p.path)).toEqual(['/']);
    expect(plain.metadata.annotations[`${NGINX}/rewrite-target`]).toBeUndefined();
    expect(plain.spec.tls).toEqual([{ hosts: ['techshop-cloud.com'], secretName: 'public-techshop-cloud-com-tls' }]);
    expect(plain.metadata.annotations['cert-manager.io/issuer']).toBe('letsencrypt');
    expect(rewrite.spec.rules[0].http.paths.map((p: any) => p.path)).toEqual(['/api(/|$)(.*)']);
    expect(rewrite.metadata.annotations[`${NGINX}/rewrite-target`]).toBe('/$2');
    expect(rewrite.spec.tls).toBeUndefined();
    expect(rewrite.metadata.annotations['cert-manager.io/issuer']).toBeUndefined();
    // The policy applies to both.
    expect(rewrite.metadata.annotations[`${NGINX}/custom-headers`]).toBe('techshop-prod/public-response-headers');
  });
});

describe('Traefik, feature-models-like: two hosts to two workloads, HTTPS redirect', () => {
  const { app, chart } = testChart(testEnv('prod'), 'features');
  const frontend = webService(chart, 'frontend', 3000);
  const backend = webService(chart, 'backend', 8000);
  const issuer = new AcmeIssuer(chart, 'letsencrypt', { email: 'ops@features.dev', http01: { controller: 'traefik' } });
  const endpoint = new PublicEndpoint(chart, 'public', {
    controller: 'traefik',
    hosts: [
      { host: 'dashboard.features.dev', routes: [{ backend: frontend }] },
      { host: 'api.features.dev', routes: [{ backend, port: 'http' }] },
    ],
    tls: { issuer },
    policy: { rateLimit: { requests: 10, burst: 20 }, maxBodySize: '10Mi', securityHeaders: { contentSecurityPolicy: "default-src 'self'" } },
  });
  const ingress = objectOf(app, 'Ingress', 'public');
  const middlewares = objectsOf(app, 'Middleware');

  test('synthesizes without errors', () => {
    expect(errorsOf(app)).toEqual([]);
  });

  test('host routing with the traefik IngressClass and a certificate per host', () => {
    expect(ingress.spec.ingressClassName).toBe('traefik');
    expect(ingress.spec.rules).toEqual([
      {
        host: 'dashboard.features.dev',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'frontend', port: { name: 'http' } } } }] },
      },
      {
        host: 'api.features.dev',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'backend', port: { name: 'http' } } } }] },
      },
    ]);
    expect(ingress.spec.tls).toEqual([
      { hosts: ['dashboard.features.dev'], secretName: 'public-dashboard-features-dev-tls' },
      { hosts: ['api.features.dev'], secretName: 'public-api-features-dev-tls' },
    ]);
    expect(ingress.metadata.annotations['cert-manager.io/issuer']).toBe('letsencrypt');
  });

  test('the policy as Middleware objects, referenced in order from the router annotation', () => {
    expect(middlewares.map((m) => m.metadata.name).sort()).toEqual([
      'public-body-size',
      'public-https-redirect',
      'public-rate-limit',
      'public-security-headers',
    ]);
    expect(ingress.metadata.annotations['traefik.ingress.kubernetes.io/router.middlewares']).toBe(
      'features-prod-public-https-redirect@kubernetescrd,features-prod-public-rate-limit@kubernetescrd,features-prod-public-body-size@kubernetescrd,features-prod-public-security-headers@kubernetescrd',
    );
    expect(Object.keys(ownAnnotations(ingress)).filter((k) => k.startsWith(NGINX))).toEqual([]);
  });

  test('redirectScheme, rateLimit, buffering and headers with HSTS', () => {
    const spec = (name: string) => middlewares.find((m) => m.metadata.name === name)!.spec;
    expect(middlewares[0].apiVersion).toBe('traefik.io/v1alpha1');
    expect(spec('public-https-redirect')).toEqual({ redirectScheme: { scheme: 'https', permanent: true } });
    expect(spec('public-rate-limit')).toEqual({ rateLimit: { average: 10, period: '1s', burst: 20 } });
    expect(spec('public-body-size')).toEqual({ buffering: { maxRequestBodyBytes: 10 * 2 ** 20 } });
    expect(spec('public-security-headers')).toEqual({
      headers: {
        frameDeny: true,
        contentTypeNosniff: true,
        referrerPolicy: 'strict-origin-when-cross-origin',
        stsSeconds: 31536000,
        stsIncludeSubdomains: true,
        stsPreload: false,
        contentSecurityPolicy: "default-src 'self'",
      },
    });
    expect(endpoint.allowedResponseHeaders).toEqual([]);
  });

  test('each backend accepts only Traefik, on its own port', () => {
    const from = [DEFAULT_TRAEFIK_CONTROLLER.toJson()];
    expect(objectOf(app, 'NetworkPolicy', 'frontend').spec.ingress).toEqual([{ from, ports: [{ port: 3000, protocol: 'TCP' }] }]);
    expect(objectOf(app, 'NetworkPolicy', 'backend').spec.ingress).toEqual([{ from, ports: [{ port: 8000, protocol: 'TCP' }] }]);
    expect(DEFAULT_TRAEFIK_CONTROLLER.toJson()).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } },
    });
    expect(objectOf(app, 'NetworkPolicy', 'acme-http01-solver').spec.ingress[0].from).toEqual(from);
  });

  test('a regex rewrite becomes a ReplacePathRegex middleware on an Ingress matching its literal prefix', () => {
    const { app: app2, chart: chart2 } = testChart(testEnv('prod'), 'shop');
    const api = webService(chart2, 'api', 3000);
    new PublicEndpoint(chart2, 'public', {
      controller: 'traefik',
      hosts: [{ host: 'shop.example.org', routes: [{ path: '/api(/|$)(.*)', match: 'Regex', rewrite: '/$2', backend: api }] }],
      tls: { issuer: IssuerRef.clusterIssuer('letsencrypt', { trust: 'acme-production', http01: { ingressClassName: 'traefik' } }) },
      policy: { securityHeaders: false },
    });
    expect(errorsOf(app2)).toEqual([]);
    const ing = objectOf(app2, 'Ingress', 'public');
    expect(ing.spec.rules[0].http.paths[0]).toMatchObject({ path: '/api', pathType: 'Prefix' });
    expect(objectOf(app2, 'Middleware', 'public-rewrite').spec).toEqual({ replacePathRegex: { regex: '^/api(/|$)(.*)', replacement: '/$2' } });
    expect(ing.metadata.annotations['traefik.ingress.kubernetes.io/router.middlewares']).toBe(
      'shop-prod-public-https-redirect@kubernetescrd,shop-prod-public-rewrite@kubernetescrd',
    );
    expect(ing.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt');
  });
});

describe('environments', () => {
  test('staging: the staging ACME endpoint; dev: a self-signed issuer', () => {
    for (const [env, kind, annotation] of [
      ['staging', 'Issuer', 'cert-manager.io/issuer'],
      ['dev', 'Issuer', 'cert-manager.io/issuer'],
    ] as const) {
      const { app, chart } = testChart(testEnv(env), 'chat');
      const api = webService(chart, 'api', 8000);
      const issuer = issuerForEnvironment(chart, 'tls', { email: 'ops@chatnomina.com' })!;
      new PublicEndpoint(chart, 'public', { host: 'staging.chatnomina.com', backend: api, tls: { issuer } });
      expect(errorsOf(app)).toEqual([]);
      const issuerObject = objectOf(app, kind, 'tls');
      if (env === 'staging') expect(issuerObject.spec.acme.server).toBe('https://acme-staging-v02.api.letsencrypt.org/directory');
      else expect(issuerObject.spec).toEqual({ selfSigned: {} });
      expect(objectOf(app, 'Ingress', 'public').metadata.annotations[annotation]).toBe('tls');
    }
  });

  test("environment tls 'none': no issuer, plain HTTP, no redirect, no HSTS", () => {
    const { app, chart } = testChart(testEnv('dev', { tls: 'none' }));
    const api = webService(chart, 'api');
    const issuer = issuerForEnvironment(chart, 'tls', { email: 'ops@loopi.com' });
    expect(issuer).toBeUndefined();
    const endpoint = new PublicEndpoint(chart, 'public', { host: 'api.loopi.localhost', backend: api, tls: issuer && { issuer } });
    expect(errorsOf(app)).toEqual([]);
    const ingress = objectOf(app, 'Ingress', 'public');
    expect(ingress.spec.tls).toBeUndefined();
    expect(ingress.metadata.annotations[`${NGINX}/ssl-redirect`]).toBeUndefined();
    expect(objectOf(app, 'ConfigMap', 'public-response-headers').data['Strict-Transport-Security']).toBeUndefined();
    expect(objectsOf(app, 'NetworkPolicy').map((n) => n.metadata.name)).not.toContain('acme-http01-solver');
    expect(endpoint.urls).toEqual(['http://api.loopi.localhost']);
  });

  test('a wildcard host through a DNS-01 issuer', () => {
    const { app, chart } = testChart(testEnv('prod'));
    const api = webService(chart, 'api');
    const issuer = new AcmeIssuer(chart, 'letsencrypt', {
      email: 'ops@loopi.com',
      dns01: Dns01Solver.cloudflare({ apiToken: { secretName: 'cloudflare', key: 'api-token' } }),
    });
    new PublicEndpoint(chart, 'public', { host: '*.loopi.com', backend: api, tls: { issuer } });
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'Ingress', 'public').spec.tls).toEqual([{ hosts: ['*.loopi.com'], secretName: 'public-wildcard-loopi-com-tls' }]);
    // DNS-01 needs no solver pods.
    expect(objectsOf(app, 'NetworkPolicy').map((n) => n.metadata.name)).not.toContain('acme-http01-solver');
  });
});

describe('options', () => {
  test('Exact paths, a named port, a custom controller peer and class, TLS for some hosts only', () => {
    const profile = { default: 'ingress-nginx' as const, ingressNginx: { ...DEFAULT_INGRESS_NGINX, ingressClassName: 'nginx-public' } };
    const { app, chart } = testChart(edgeEnv('prod', profile));
    const api = webService(chart, 'api', 8080, [
      { name: 'http', port: 8080 },
      { name: 'admin', port: 9090 },
    ]);
    const peer = NetworkPeer.pods({ app: 'gateway' }, 'edge');
    new PublicEndpoint(chart, 'public', {
      ingressClassName: 'nginx-public',
      controllerPeer: peer,
      hosts: [
        {
          host: 'api.loopi.com',
          routes: [
            { path: '/v1', backend: api },
            { path: '/admin', match: 'Exact', backend: api, port: 'admin' },
          ],
        },
        { host: 'legacy.loopi.com', routes: [{ backend: api }] },
      ],
      tls: {
        issuer: IssuerRef.clusterIssuer('letsencrypt-prod', { trust: 'acme-production', http01: { ingressClassName: 'nginx-public' } }),
        hosts: ['api.loopi.com'],
      },
    });
    expect(errorsOf(app)).toEqual([]);
    const ingress = objectOf(app, 'Ingress', 'public');
    expect(ingress.spec.ingressClassName).toBe('nginx-public');
    expect(ingress.spec.rules[0].http.paths[1]).toEqual({
      path: '/admin',
      pathType: 'Exact',
      backend: { service: { name: 'api', port: { name: 'admin' } } },
    });
    expect(ingress.spec.tls).toEqual([{ hosts: ['api.loopi.com'], secretName: 'public-api-loopi-com-tls' }]);
    // Not every host has a certificate: no forced redirect, no HSTS.
    expect(ingress.metadata.annotations[`${NGINX}/force-ssl-redirect`]).toBeUndefined();
    expect(objectOf(app, 'NetworkPolicy', 'api').spec.ingress).toEqual([
      {
        from: [peer.toJson()],
        ports: [
          { port: 8080, protocol: 'TCP' },
          { port: 9090, protocol: 'TCP' },
        ],
      },
    ]);
  });

  test('security headers configurable; redirect off on request; no headers, no ConfigMap', () => {
    const { app, chart } = testChart(testEnv('prod'));
    const api = webService(chart, 'api');
    const tls = { issuer: IssuerRef.clusterIssuer('letsencrypt-prod', { trust: 'acme-production' }) };
    new PublicEndpoint(chart, 'a', {
      host: 'a.loopi.com',
      backend: api,
      tls,
      policy: {
        httpsRedirect: false,
        securityHeaders: {
          frameOptions: 'SAMEORIGIN',
          referrerPolicy: false,
          hsts: { maxAge: Duration.seconds(63072000), preload: true },
          extra: { 'Permissions-Policy': 'camera=()' },
        },
      },
    });
    new PublicEndpoint(chart, 'b', { host: 'b.loopi.com', backend: api, tls, policy: { securityHeaders: false } });
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'ConfigMap', 'a-response-headers').data).toEqual({
      'Permissions-Policy': 'camera=()',
      'Strict-Transport-Security': 'max-age=63072000; includeSubDomains; preload',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'SAMEORIGIN',
    });
    expect(ownAnnotations(objectOf(app, 'Ingress', 'a'))).toMatchObject({
      [`${NGINX}/ssl-redirect`]: 'false',
      [`${NGINX}/force-ssl-redirect`]: 'false',
    });
    expect(objectsOf(app, 'ConfigMap').map((c) => c.metadata.name)).not.toContain('b-response-headers');
    expect(objectOf(app, 'Ingress', 'b').metadata.annotations[`${NGINX}/custom-headers`]).toBeUndefined();
  });
});

describe('PublicEndpoint bad input', () => {
  function errors(build: (chart: ReturnType<typeof testChart>['chart']) => void, env = testEnv('prod')): string[] {
    const { app, chart } = testChart(env);
    build(chart);
    return errorsOf(app);
  }
  const tls = { issuer: IssuerRef.clusterIssuer('letsencrypt-prod', { trust: 'acme-production' }) };

  test.each([
    ['an upper-case host', 'API.loopi.com', /\[test-prod\/public\] hosts\[0\]\.host: 'API\.loopi\.com' must be lower case/],
    ['a host with a scheme', 'https://api.loopi.com', /hosts\[0\]\.host: 'https:\/\/api\.loopi\.com' must be a DNS name without a port or scheme/],
    ['an IP address', '10.0.0.1', /hosts\[0\]\.host: '10\.0\.0\.1' must be a DNS name, not an IP address/],
    ['an underscore', 'api_v1.loopi.com', /hosts\[0\]\.host: 'api_v1\.loopi\.com' must consist of lower case alphanumeric/],
    ['a wildcard inside', 'api.*.loopi.com', /hosts\[0\]\.host: 'api\.\*\.loopi\.com' may only be a wildcard in its first label/],
  ])('invalid host: %s', (_name, host, expected) => {
    const out = errors((chart) => new PublicEndpoint(chart, 'public', { hosts: [{ host, routes: [{ backend: webService(chart, 'api') }] }], tls }));
    expect(out).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  test('the same host and path routed twice, in one endpoint and across endpoints', () => {
    const out = errors((chart) => {
      const api = webService(chart, 'api');
      const web = webService(chart, 'web');
      new PublicEndpoint(chart, 'public', {
        hosts: [
          {
            host: 'api.loopi.com',
            routes: [
              { path: '/v1', backend: api },
              { path: '/v1', match: 'Exact', backend: web },
            ],
          },
        ],
        tls,
      });
      new PublicEndpoint(chart, 'other', { host: 'api.loopi.com', backend: web, tls });
      new PublicEndpoint(chart, 'third', { hosts: [{ host: 'api.loopi.com', routes: [{ path: '/', backend: api }] }], tls });
    });
    expect(out).toEqual(
      expect.arrayContaining([
        "[test-prod/public] hosts[0].routes[1].path: '/v1' on 'api.loopi.com' is already routed by hosts[0].routes[0].path",
        expect.stringMatching(
          /^\[test-prod\/other\] host: '\/' on 'api\.loopi\.com' is also routed by test-prod\/third \(hosts\[0\]\.routes\[0\]\.path\)/,
        ),
        expect.stringMatching(/^\[test-prod\/third\] hosts\[0\]\.routes\[0\]\.path: '\/' on 'api\.loopi\.com' is also routed by test-prod\/other/),
      ]),
    );
  });

  test('on Traefik, two regexes with the same literal start collide', () => {
    const out = errors((chart) => {
      const api = webService(chart, 'api');
      new PublicEndpoint(chart, 'public', {
        controller: 'traefik',
        hosts: [
          {
            host: 'api.loopi.com',
            routes: [
              { path: '/api', backend: api },
              { path: '/api(/|$)(.*)', match: 'Regex', rewrite: '/$2', backend: api },
            ],
          },
        ],
        tls: { issuer: IssuerRef.clusterIssuer('le', { trust: 'acme-production' }) },
      });
    });
    expect(out).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /hosts\[0\]\.routes\[1\]\.path: '\/api\(\/\|\$\)\(\.\*\)' on 'api\.loopi\.com' is already routed by hosts\[0\]\.routes\[0\]\.path \(both become the path '\/api' on Traefik\)/,
        ),
      ]),
    );
  });

  test('a TLS host not in the rules', () => {
    const out = errors(
      (chart) =>
        new PublicEndpoint(chart, 'public', {
          host: 'api.loopi.com',
          backend: webService(chart, 'api'),
          tls: { ...tls, hosts: ['api.loopi.com', 'www.loopi.com'] },
        }),
    );
    expect(out).toEqual([
      "[test-prod/public] tls.hosts[1]: 'www.loopi.com' is not a host of this endpoint (hosts: api.loopi.com); a certificate for it would never be served",
    ]);
  });

  test('a backend without a Service (a Worker)', () => {
    const out = errors((chart) => new PublicEndpoint(chart, 'public', { host: 'api.loopi.com', backend: worker(chart, 'jobs'), tls }));
    expect(out).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\[test-prod\/public\] backend: test-prod\/jobs has no Service to route to \(a Worker\)/)]),
    );
  });

  test('a port name the backend does not have', () => {
    const out = errors(
      (chart) =>
        new PublicEndpoint(chart, 'public', {
          hosts: [{ host: 'api.loopi.com', routes: [{ backend: webService(chart, 'api'), port: 'metrics' }] }],
          tls,
        }),
    );
    expect(out).toEqual(["[test-prod/public] hosts[0].routes[0].port: 'metrics' is not a port of test-prod/api (its ports: http)"]);
  });

  test('a rewrite on a non-regex path, and a rewrite referring to a missing group', () => {
    const out = errors((chart) => {
      const api = webService(chart, 'api');
      new PublicEndpoint(chart, 'public', {
        hosts: [
          {
            host: 'api.loopi.com',
            routes: [
              { path: '/api', rewrite: '/', backend: api },
              { path: '/v2(/|$)(.*)', match: 'Regex', rewrite: '/$3', backend: api },
            ],
          },
        ],
        tls,
      });
    });
    expect(out).toEqual([
      "[test-prod/public] hosts[0].routes[0].rewrite: a rewrite needs match: 'Regex' (it substitutes the regex's capture groups); '/api' is a Prefix path",
      "[test-prod/public] hosts[0].routes[1].rewrite: '/$3' refers to $3, but '/v2(/|$)(.*)' has 2 capture group(s)",
    ]);
  });

  test('paths: regex characters in a Prefix path on nginx, an invalid regex, a relative path, a regex without rewrite on Traefik', () => {
    const out = errors((chart) => {
      const api = webService(chart, 'api');
      new PublicEndpoint(chart, 'n', {
        hosts: [
          {
            host: 'a.loopi.com',
            routes: [
              { path: '/api(/|$)(.*)', backend: api },
              { path: '/x(', match: 'Regex', backend: api },
              { path: 'v1', backend: api },
            ],
          },
        ],
        tls,
      });
      new PublicEndpoint(chart, 't', {
        controller: 'traefik',
        hosts: [{ host: 'b.loopi.com', routes: [{ path: '/v[0-9]+', match: 'Regex', backend: api }] }],
        tls,
      });
    });
    expect(out).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /\[test-prod\/n\] hosts\[0\]\.routes\[0\]\.path: '\/api\(\/\|\$\)\(\.\*\)' may only contain letters, digits, '_', '-' and '\/' .*use match: 'Regex'/,
        ),
        expect.stringMatching(/\[test-prod\/n\] hosts\[0\]\.routes\[1\]\.path: '\/x\(' is not a valid regular expression/),
        "[test-prod/n] hosts[0].routes[2].path: 'v1' must start with '/'",
        expect.stringMatching(
          /\[test-prod\/t\] hosts\[0\]\.routes\[0\]\.match: Traefik's Ingress support matches paths literally; a regex path needs a rewrite/,
        ),
      ]),
    );
  });

  test('rate limits of zero or less, and a burst ingress-nginx cannot express', () => {
    expect(
      errors(
        (chart) =>
          new PublicEndpoint(chart, 'public', {
            host: 'api.loopi.com',
            backend: webService(chart, 'api'),
            tls,
            policy: { rateLimit: { requests: 0 } },
          }),
      ),
    ).toEqual([
      '[test-prod/public] policy.rateLimit.requests: 0 must be a whole number of requests of at least 1 (to turn rate limiting off, leave rateLimit out)',
    ]);
    expect(
      errors(
        (chart) =>
          new PublicEndpoint(chart, 'public', {
            host: 'api.loopi.com',
            backend: webService(chart, 'api'),
            tls,
            policy: { rateLimit: { requests: -5, per: 'minute' } },
          }),
      ),
    ).toEqual([expect.stringMatching(/policy\.rateLimit\.requests: -5 must be a whole number/)]);
    expect(
      errors(
        (chart) =>
          new PublicEndpoint(chart, 'public', {
            host: 'api.loopi.com',
            backend: webService(chart, 'api'),
            tls,
            policy: { rateLimit: { requests: 10, burst: 0 } },
          }),
      ),
    ).toEqual(['[test-prod/public] policy.rateLimit.burst: 0 must be a whole number of requests of at least 1']);
    expect(
      errors(
        (chart) =>
          new PublicEndpoint(chart, 'public', {
            host: 'api.loopi.com',
            backend: webService(chart, 'api'),
            tls,
            policy: { rateLimit: { requests: 10, burst: 25 } },
          }),
      ),
    ).toEqual([
      '[test-prod/public] policy.rateLimit.burst: 25 is not a whole multiple of 10 requests: ingress-nginx sets the burst as limit-burst-multiplier x the rate; use 20 or 30',
    ]);
  });

  test('prod pointing at the ACME staging endpoint; staging pointing at production; unless allowed', () => {
    const staging = IssuerRef.clusterIssuer('letsencrypt-staging', { trust: 'acme-staging' });
    const production = IssuerRef.clusterIssuer('letsencrypt-prod', { trust: 'acme-production' });
    const build = (issuer: typeof staging, allow?: boolean) => (chart: ReturnType<typeof testChart>['chart']) =>
      new PublicEndpoint(chart, 'public', {
        host: 'api.loopi.com',
        backend: webService(chart, 'api'),
        tls: { issuer },
        allowEnvironmentMismatch: allow,
      });
    expect(errors(build(staging))).toEqual([
      expect.stringMatching(
        /^\[test-prod\/public\] tls\.issuer: ClusterIssuer 'letsencrypt-staging' uses the ACME staging endpoint in prod, whose certificates browsers do not trust/,
      ),
    ]);
    expect(errors(build(production), testEnv('staging'))).toEqual([
      expect.stringMatching(/^\[test-staging\/public\] tls\.issuer: ClusterIssuer 'letsencrypt-prod' uses the ACME production endpoint in staging/),
    ]);
    expect(errors(build(staging, true))).toEqual([]);
    expect(errors(build(production, true), testEnv('staging'))).toEqual([]);
  });

  test('prod with a self-signed issuer; no tls at all in prod', () => {
    expect(
      errors(
        (chart) =>
          new PublicEndpoint(chart, 'public', {
            host: 'api.loopi.com',
            backend: webService(chart, 'api'),
            tls: { issuer: new SelfSignedIssuer(chart, 'self') },
          }),
      ),
    ).toEqual([expect.stringMatching(/tls\.issuer: Issuer 'self' \(test-prod\/self\) signs with a private key browsers do not trust/)]);
    expect(errors((chart) => new PublicEndpoint(chart, 'public', { host: 'api.loopi.com', backend: webService(chart, 'api') }))).toEqual([
      expect.stringMatching(/^\[test-prod\/public\] tls: required in prod \(environment tls: 'acme-production'\)/),
    ]);
    expect(errors((chart) => new PublicEndpoint(chart, 'public', { host: 'api.loopi.com', backend: webService(chart, 'api'), tls: false }))).toEqual(
      [],
    );
  });

  test("an issuer whose HTTP-01 solver uses another controller's class; a wildcard without DNS-01; another namespace's Issuer", () => {
    const out = errors((chart) => {
      const api = webService(chart, 'api');
      const issuer = new AcmeIssuer(chart, 'letsencrypt', { email: 'ops@loopi.com' });
      new PublicEndpoint(chart, 'public', { controller: 'traefik', host: 'api.loopi.com', backend: api, tls: { issuer } });
      new PublicEndpoint(chart, 'wild', { host: '*.loopi.com', backend: api, tls: { issuer } });
    });
    expect(out).toEqual([
      "[test-prod/public] tls.issuer: Issuer 'letsencrypt' (test-prod/letsencrypt) answers HTTP-01 challenges through IngressClass 'nginx', but this endpoint is served by 'traefik'; the challenge would reach the wrong controller",
      "[test-prod/wild] tls.issuer: Issuer 'letsencrypt' (test-prod/letsencrypt) answers HTTP-01 challenges only, and ACME issues wildcard names (*.loopi.com) through DNS-01 only; give the issuer a dns01 solver",
    ]);
    const { app, chart } = testChart(testEnv('prod'), 'one');
    const other = new SystemChart(app, { system: 'two', environment: testEnv('prod') });
    const foreign = new AcmeIssuer(other, 'letsencrypt', { email: 'ops@loopi.com' });
    new PublicEndpoint(chart, 'public', { host: 'api.loopi.com', backend: webService(chart, 'api'), tls: { issuer: foreign } });
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(
        /^\[one-prod\/public\] tls\.issuer: Issuer 'letsencrypt' \(two-prod\/letsencrypt\) is in namespace 'two-prod' and signs only there/,
      ),
    ]);
  });

  test('missing or conflicting host props; a backend in another system', () => {
    expect(errors((chart) => new PublicEndpoint(chart, 'public', { tls }))).toEqual([
      '[test-prod/public] hosts: an endpoint needs at least one host with a route',
    ]);
    expect(errors((chart) => new PublicEndpoint(chart, 'public', { host: 'a.loopi.com', tls }))).toEqual([
      '[test-prod/public] backend: host and backend go together',
    ]);
    expect(errors((chart) => new PublicEndpoint(chart, 'public', { hosts: [{ host: 'a.loopi.com', routes: [] }], tls }))).toEqual(
      expect.arrayContaining(["[test-prod/public] hosts[0].routes: host 'a.loopi.com' has no routes"]),
    );
    const { app, chart } = testChart(testEnv('prod'), 'one');
    const other = new SystemChart(app, { system: 'two', environment: testEnv('prod') });
    new PublicEndpoint(chart, 'public', { host: 'a.loopi.com', backend: webService(other, 'api'), tls });
    expect(errorsOf(app)).toEqual(
      expect.arrayContaining([
        "[one-prod/public] backend: two-prod/api is in namespace 'two-prod'; an Ingress routes only to Services of its own namespace ('one-prod')",
      ]),
    );
  });

  test('Traefik timeouts cannot be expressed', () => {
    const out = errors(
      (chart) =>
        new PublicEndpoint(chart, 'public', {
          controller: 'traefik',
          host: 'api.loopi.com',
          backend: webService(chart, 'api'),
          tls: { issuer: IssuerRef.clusterIssuer('le', { trust: 'acme-production' }) },
          policy: { timeouts: { read: Duration.seconds(60) } },
        }),
    );
    expect(out).toEqual([expect.stringMatching(/^\[test-prod\/public\] policy\.timeouts: Traefik's Ingress provider has no per-route timeouts/)]);
  });

  test('a valid endpoint has no errors; all errors are reported together', () => {
    expect(errors((chart) => new PublicEndpoint(chart, 'public', { host: 'api.loopi.com', backend: webService(chart, 'api'), tls }))).toEqual([]);
    const out = errors(
      (chart) =>
        new PublicEndpoint(chart, 'public', {
          hosts: [{ host: 'API.loopi.com', routes: [{ backend: worker(chart, 'w') }] }],
          tls: { ...tls, hosts: ['x.loopi.com'] },
          policy: { rateLimit: { requests: 0 } },
        }),
    );
    expect(out).toHaveLength(4);
  });
});

describe('architecture diagram', () => {
  test('the endpoint and its routes are drawn in the generated README', () => {
    const { app, chart } = testChart(testEnv('prod'), 'shop');
    const web = webService(chart, 'web', 3000);
    const api = webService(chart, 'api', 3000);
    new PublicEndpoint(chart, 'api-edge', {
      hosts: [{ host: 'shop.example.org', routes: [{ backend: web }, { path: '/api(/|$)(.*)', match: 'Regex', rewrite: '/$2', backend: api }] }],
      tls: { issuer: IssuerRef.clusterIssuer('letsencrypt-prod', { trust: 'acme-production' }) },
    });
    // The graph is read from the finished model by the synth pipeline.
    expect(Architecture.of(chart).allNodes).toEqual([]);
    render(app);
    const graph = Architecture.of(chart);
    expect(graph.allNodes).toContainEqual({ id: 'endpoint-api-edge', kind: 'endpoint', label: 'https://shop.example.org' });
    // One host: the node carries it, the route labels say what is routed and how it is rewritten.
    expect(graph.allEdges).toEqual(
      expect.arrayContaining([
        { from: 'endpoint-api-edge', to: 'web', label: '/', kind: 'route' },
        { from: 'endpoint-api-edge', to: 'api', label: '/api/... → /... (prefix stripped)', kind: 'route' },
      ]),
    );
  });
});
