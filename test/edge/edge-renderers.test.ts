import { Construct } from 'constructs';
import { issuerForEnvironment, SystemChart } from '../../lib';
import { DEFAULT_INGRESS_NGINX, DEFAULT_TRAEFIK, EdgeProfile } from '../../lib/core/platform';
import { ValidationReport } from '../../lib/core/validation';
import type { EdgeEndpoint, IEdgeRenderer } from '../../lib/edge/edge-renderer';
import { GatewayRenderer } from '../../lib/edge/gateway-renderer';
import { NginxRenderer } from '../../lib/edge/nginx-renderer';
import { resolveEndpoint, RouteProps, tlsSecretNameOf } from '../../lib/edge/route-resolution';
import { TraefikRenderer } from '../../lib/edge/traefik-renderer';
import { objectsOf, testChart } from '../support/synth';
import { edgeEnv, ENVOY_EDGE, webService } from './support';

const EDGE: EdgeProfile = { ...ENVOY_EDGE, traefik: DEFAULT_TRAEFIK, ingressNginx: DEFAULT_INGRESS_NGINX };

/** Binds `make()`'s renderer to an endpoint of `props` (built from the chart's web service) and returns what it rendered. */
function bind(make: (chart: SystemChart) => IEdgeRenderer, props: (api: ReturnType<typeof webService>, chart: SystemChart) => RouteProps) {
  const { app, chart } = testChart(edgeEnv('prod', EDGE), 'loopi');
  const api = webService(chart, 'api', 8080);
  const renderer = make(chart);
  const scope = new Construct(chart, 'public');
  const endpoint: EdgeEndpoint = {
    scope,
    name: 'public',
    chart,
    resolved: resolveEndpoint(props(api, chart), renderer.regexPaths),
    tlsSecretName: (h) => tlsSecretNameOf('public', h),
  };
  const output = renderer.bind(endpoint);
  return { app, chart, renderer, endpoint, output, kinds: () => objectsOf(app).map((o) => `${o.kind}/${o.metadata.name}`) };
}

const twoPolicies = (api: ReturnType<typeof webService>, chart: SystemChart): RouteProps => ({
  hosts: [
    {
      host: 'api.loopi.com',
      routes: [{ backend: api }, { path: '/ws', backend: api, policy: { websocket: true } }],
    },
  ],
  tls: { issuer: issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@loopi.com' })! },
});

describe('the edge renderers, each through the IEdgeRenderer interface', () => {
  test('ingress-nginx: an Ingress per distinct policy, headers in a ConfigMap, the certificate asked for once', () => {
    const { output, kinds, renderer, endpoint } = bind(() => new NginxRenderer(EDGE, undefined), twoPolicies);
    expect(output).toEqual({ ingressNames: ['public', 'public-ws'], routeNames: [] });
    expect(kinds()).toEqual(expect.arrayContaining(['Ingress/public', 'Ingress/public-ws', 'ConfigMap/public-response-headers']));
    expect(renderer.ingressClassName).toBe('nginx');
    expect(renderer.regexPaths).toBe('native');
    expect(renderer.allowedResponseHeaders(endpoint.resolved)).toContain('Strict-Transport-Security');
    expect(renderer.checkLiteralPath('/a b')).toBeDefined();
  });

  test("Traefik: Middlewares per policy and every Ingress lists the host's TLS", () => {
    const { output, kinds, renderer, app } = bind(() => new TraefikRenderer(EDGE, undefined), twoPolicies);
    expect(output.ingressNames).toEqual(['public', 'public-ws']);
    expect(kinds().filter((k) => k.startsWith('Middleware/')).length).toBeGreaterThan(0);
    expect(objectsOf(app, 'Ingress').every((i) => i.spec.tls?.[0]?.hosts?.[0] === 'api.loopi.com')).toBe(true);
    expect(renderer.regexPaths).toBe('literal-prefix');
    expect(renderer.allowedResponseHeaders({} as never)).toEqual([]);
  });

  test('Traefik refuses regex paths without a rewrite and gRPC backends, in its own checks', () => {
    const { renderer, endpoint } = bind(
      () => new TraefikRenderer(EDGE, undefined),
      (api) => ({
        hosts: [{ host: 'a.loopi.com', routes: [{ path: '/x.*', match: 'Regex', backend: api, protocol: 'grpc' }] }],
        tls: false,
      }),
    );
    const report = new ValidationReport();
    renderer.validateRegexRoute(report, endpoint.resolved.routes[0]);
    renderer.validateGrpcRoute(report, endpoint.resolved.routes[0], endpoint);
    expect(report.errors.map((e) => e.split(':')[0])).toEqual(['hosts[0].routes[0].match', 'hosts[0].routes[0].protocol']);
  });

  test('the Gateway API: HTTPRoutes attached to the system Gateway, a Certificate per host, no Ingress', () => {
    const { output, kinds, renderer } = bind((chart) => new GatewayRenderer(EDGE, chart.namespaceName), twoPolicies);
    expect(output).toEqual({ ingressNames: [], routeNames: ['public'] });
    expect(kinds()).toEqual(expect.arrayContaining(['HTTPRoute/public', 'Certificate/public-api-loopi-com']));
    // The WebSocket route's own policy: one BackendTrafficPolicy targeting its rule.
    expect(kinds().filter((k) => k.startsWith('BackendTrafficPolicy/'))).toHaveLength(1);
    expect(kinds().some((k) => k.startsWith('Ingress/'))).toBe(false);
    expect(renderer.ingressClassName).toBeUndefined();
    expect(renderer.gatewayImplementation).toBe('envoy-gateway');
  });

  test('the default peers: the controller pods of the profile, and on Envoy Gateway only the proxies of this Gateway', () => {
    const { chart } = testChart(edgeEnv('prod', EDGE), 'loopi');
    expect(JSON.stringify(new NginxRenderer(EDGE, undefined).defaultPeer(chart))).toContain('ingress-nginx');
    expect(JSON.stringify(new GatewayRenderer(EDGE, chart.namespaceName).defaultPeer(chart))).toContain('gateway.envoyproxy.io/owning-gateway-name');
  });

  test('a Gateway solver on an Ingress controller, and an IngressClass solver on a Gateway, are reported by the renderer', () => {
    const ingressIssuer = { describe: 'Issuer x', http01: { ingressClassName: 'nginx' } };
    const gatewayIssuer = { describe: 'Issuer y', http01: { gateway: { name: 'gw' } } };
    const endpointWith = (issuer: object): EdgeEndpoint =>
      ({ chart: { namespaceName: 'loopi-prod' }, resolved: { tls: { issuer } } }) as unknown as EdgeEndpoint;
    const report = new ValidationReport();
    new NginxRenderer(EDGE, undefined).validateSolver(report, endpointWith(gatewayIssuer));
    new NginxRenderer(EDGE, undefined).validateSolver(report, endpointWith(ingressIssuer));
    new GatewayRenderer(EDGE, 'loopi-prod').validateSolver(report, endpointWith(ingressIssuer));
    expect(report.errors).toEqual([
      expect.stringContaining('through a Gateway'),
      expect.stringContaining("through IngressClass 'nginx', but this endpoint is served by Gateway 'loopi-prod/gateway'"),
    ]);
  });
});
