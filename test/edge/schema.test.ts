/**
 * Every object the edge constructs synthesize passes strict schema validation (unknown
 * fields, types, enums, required fields) on every supported Kubernetes version, custom
 * resources against the CRDs in imports/crds.
 */
import { App } from 'cdk8s';
import {
  AcmeIssuer,
  CaIssuer,
  Certificate,
  Dns01Solver,
  Duration,
  issuerForEnvironment,
  IssuerRef,
  PublicEndpoint,
  SelfSignedIssuer,
  SystemChart,
} from '../../lib';
import { K8S_VERSIONS, createValidator } from '../support/schema/validator';
import { render, testChart, testEnv } from '../support/synth';
import { edgeEnv, ENVOY_EDGE, TRAEFIK_GATEWAY_EDGE, webService } from './support';

beforeAll(() => {
  for (const version of K8S_VERSIONS) createValidator(version);
}, 60_000);

/** Charts covering every object and option of lib/edge. */
function apps(): App[] {
  const out: App[] = [];
  for (const env of ['dev', 'staging', 'prod'] as const) {
    // nginx (Loopi, TechShop): policy annotations, custom-headers ConfigMap, regex rewrite, issuer per environment.
    const { app, chart } = testChart(testEnv(env), 'loopi');
    const api = webService(chart, 'api', 8080, [
      { name: 'http', port: 8080 },
      { name: 'admin', port: 9090 },
    ]);
    const web = webService(chart, 'web', 3000);
    const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@loopi.com' })!;
    new PublicEndpoint(chart, 'public', {
      hosts: [
        {
          host: 'api.loopi.com',
          routes: [
            { path: '/', backend: web },
            { path: '/api(/|$)(.*)', match: 'Regex', rewrite: '/$2', backend: api },
            { path: '/admin', match: 'Exact', backend: api, port: 'admin' },
          ],
        },
        { host: 'www.loopi.com', routes: [{ backend: web }] },
      ],
      tls: { issuer },
      policy: {
        rateLimit: { requests: 10, burst: 20 },
        timeouts: { connect: Duration.seconds(5), read: Duration.seconds(60), send: Duration.seconds(60) },
        maxBodySize: '8Mi',
        securityHeaders: { contentSecurityPolicy: "default-src 'self'", extra: { 'Permissions-Policy': 'camera=()' } },
      },
    });
    // In-cluster TLS from a bootstrapped CA.
    const ca = new CaIssuer(chart, 'internal-ca');
    new Certificate(chart, 'api-tls', { issuer: ca, service: api, clientAuth: true });
    new Certificate(chart, 'rsa', { issuer: ca, dnsNames: ['legacy.loopi-internal'], keyAlgorithm: 'RSA', keyEncoding: 'PKCS1' });
    out.push(app);

    // Traefik (feature-models): middlewares of every kind, two hosts, a ClusterIssuer.
    const traefik = new SystemChart(app, { system: 'features', environment: testEnv(env) });
    const frontend = webService(traefik, 'frontend', 3000);
    const backend = webService(traefik, 'backend', 8000);
    const traefikIssuer = new AcmeIssuer(traefik, 'letsencrypt', { email: 'ops@features.dev', scope: 'cluster', http01: { controller: 'traefik' } });
    new PublicEndpoint(traefik, 'public', {
      controller: 'traefik',
      hosts: [
        { host: 'dashboard.features.dev', routes: [{ backend: frontend }] },
        { host: 'api.features.dev', routes: [{ backend }, { path: '/v2(/|$)(.*)', match: 'Regex', rewrite: '/api/v2/$2', backend }] },
      ],
      tls: { issuer: traefikIssuer },
      policy: {
        rateLimit: { requests: 100, per: 'minute' },
        maxBodySize: '10M',
        securityHeaders: { frameOptions: 'SAMEORIGIN', extra: { 'X-Robots-Tag': 'noindex' } },
      },
    });
  }

  // Issuers of every kind: DNS-01 (Cloudflare, Route53), self-signed, CA with an existing key pair.
  const { app, chart } = testChart(testEnv('prod'), 'issuers');
  new AcmeIssuer(chart, 'cloudflare', {
    email: 'ops@loopi.com',
    dns01: Dns01Solver.cloudflare({ apiToken: { secretName: 'cloudflare', key: 'api-token' } }),
  });
  new AcmeIssuer(chart, 'route53', {
    email: 'ops@loopi.com',
    scope: 'cluster',
    http01: {},
    dns01: Dns01Solver.route53({
      region: 'eu-west-1',
      hostedZoneId: 'Z0123456789ABC',
      role: 'arn:aws:iam::123456789012:role/dns',
      accessKeyId: { secretName: 'route53', key: 'id' },
      secretAccessKey: { secretName: 'route53', key: 'secret' },
      dnsZones: ['loopi.com'],
    }),
  });
  new SelfSignedIssuer(chart, 'self-signed', { scope: 'cluster' });
  new CaIssuer(chart, 'company-ca', { scope: 'cluster', caSecretName: 'company-ca' });
  const api = webService(chart, 'api');
  new PublicEndpoint(chart, 'public', {
    host: '*.loopi.com',
    backend: api,
    tls: { issuer: IssuerRef.clusterIssuer('issuers-prod-route53', { trust: 'acme-production' }) },
    policy: { securityHeaders: false },
  });
  out.push(app);

  // The Gateway API: Envoy Gateway with the system's Gateway (every policy, per-route policies,
  // regex, prefix strip), a shared Gateway with its ReferenceGrant, and Traefik's provider.
  for (const [system, edge] of [
    ['envoy', ENVOY_EDGE],
    ['shared', { ...ENVOY_EDGE, gateway: { ...ENVOY_EDGE.gateway!, sharedGateway: { name: 'public', namespace: 'gateway-system' } } }],
    ['traefik', TRAEFIK_GATEWAY_EDGE],
  ] as const) {
    const { app: gatewayApp, chart: gatewayChart } = testChart(edgeEnv('prod', edge), system);
    const web = webService(gatewayChart, 'web');
    const gatewayIssuer = issuerForEnvironment(gatewayChart, 'letsencrypt', { email: 'ops@loopi.com' })!;
    const envoy = system !== 'traefik';
    new PublicEndpoint(gatewayChart, 'public', {
      hosts: [
        {
          host: `${system}.loopi.com`,
          routes: [
            {
              path: '/ws',
              backend: web,
              policy: envoy
                ? { websocket: true, timeouts: { read: Duration.seconds(3600), send: Duration.seconds(3600) } }
                : { rateLimit: { requests: 5 } },
            },
            { path: '/upload', backend: web, policy: { maxBodySize: '20Mi' } },
            { path: '/api(/|$)(.*)', match: 'Regex', rewrite: '/$2', backend: web },
            ...(envoy ? [{ path: '/v[0-9]+/items', match: 'Regex' as const, backend: web }] : []),
            { path: '/health', match: 'Exact', backend: web, policy: envoy ? { timeouts: { request: Duration.seconds(5) } } : {} },
            { path: '/inventory.v1.Stock', backend: web, protocol: 'grpc' },
            { path: '/inventory.v1.Stock/Get', match: 'Exact', backend: web, protocol: 'grpc', policy: { rateLimit: { requests: 7 } } },
          ],
        },
        { host: `www.${system}.loopi.com`, routes: [{ backend: web }] },
      ],
      tls: { issuer: gatewayIssuer },
      policy: {
        rateLimit: { requests: 100, per: 'minute' },
        compression: true,
        securityHeaders: { contentSecurityPolicy: "default-src 'self'", extra: { 'X-XSS-Protection': '1; mode=block' } },
        ...(envoy
          ? {
              timeouts: { connect: Duration.seconds(5), read: Duration.seconds(60), send: Duration.seconds(60) },
              retry: { attempts: 2, onStatus: [502, 503] },
            }
          : {}),
      },
    });
    out.push(gatewayApp);
  }

  // The client address from the profile: a ClientTrafficPolicy on the system's Gateway; metrics refused on every edge.
  for (const clientAddress of [
    {
      mode: 'proxy-protocol',
      loadBalancerAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-proxy-protocol': '*' },
      trustedCidrs: ['10.0.0.0/16'],
    },
    { mode: 'forwarded-for', trustedCidrs: ['10.0.0.0/16'] },
  ] as const) {
    const { app: clientApp, chart: clientChart } = testChart(edgeEnv('prod', { ...ENVOY_EDGE, clientAddress }), `client-${clientAddress.mode}`);
    const web = webService(clientChart, 'web');
    web.exposeMetrics({ port: 'http' });
    const clientIssuer = issuerForEnvironment(clientChart, 'letsencrypt', { email: 'ops@loopi.com' })!;
    new PublicEndpoint(clientChart, 'public', { host: 'client.loopi.com', backend: web, tls: { issuer: clientIssuer } });
    out.push(clientApp);
  }
  return out;
}

test('every object the edge constructs synthesize passes strict schema validation on 1.27 and 1.33 and the CRDs', () => {
  const objects = apps().flatMap((app) => render(app).objects.map((o) => o.object));
  const kinds = new Set(objects.map((o) => o.kind));
  for (const kind of [
    'Ingress',
    'ConfigMap',
    'Middleware',
    'Issuer',
    'ClusterIssuer',
    'Certificate',
    'NetworkPolicy',
    'Gateway',
    'HTTPRoute',
    'ReferenceGrant',
    'BackendTrafficPolicy',
    'GRPCRoute',
    'ClientTrafficPolicy',
  ])
    expect(kinds).toContain(kind);
  const problems = K8S_VERSIONS.flatMap((version) =>
    objects.flatMap((o) =>
      createValidator(version)
        .validate(o)
        .map((m) => `[k8s ${version}] ${m}`),
    ),
  );
  expect(problems).toEqual([]);
  expect(objects.length).toBeGreaterThan(50);
}, 60_000);
