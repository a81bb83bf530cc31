/**
 * A PublicEndpoint on the Gateway API: HTTPRoutes (and GRPCRoutes) attached to the system's
 * Gateway or the profile's shared one, one named rule per route, a Certificate per host, and
 * the policies of the implementation (rendered by gateway-routes.ts).
 */
import { HttpRoute, HttpRouteSpecRulesMatchesPathType } from '../../imports/httproutes-gateway.networking.k8s.io';
import type { EdgeProfile, GatewayImplementation } from '../core/platform';
import { requirePlatform } from '../core/platform-requirements';
import type { SystemChart } from '../core/system-chart';
import type { ValidationReport } from '../core/validation';
import { NetworkPeer } from '../security/network-peer';
import type { EdgeEndpoint, EdgeOutput, IEdgeRenderer } from './edge-renderer';
import { redirectsToHttps } from './edge-policy';
import { checkGrpcPath, GatewayParent, MAX_ROUTE_RULES, parentRefsOf, prefixStripOf, renderGatewayRoutes } from './gateway-routes';
import { controllerPodsOf, DEFAULT_GATEWAY_CLASS, GATEWAY_IMPLEMENTATION_NAMES, peerOfPods, profileFieldOf } from './ingress-controller';
import type { MetricsExposure } from './metrics-exposure';
import { checkLiteralPath, hostSlug } from './names';
import { fieldOf, ResolvedEndpoint, ResolvedRoute } from './route-resolution';
import { SYSTEM_GATEWAY_NAME, SystemGateway } from './system-gateway';

export class GatewayRenderer implements IEdgeRenderer {
  public readonly controller = 'gateway' as const;
  public readonly gatewayImplementation: GatewayImplementation;
  public readonly ingressClassName = undefined;
  public readonly regexPaths = 'native' as const;
  public readonly objectKind = 'HTTPRoute of this library';
  public readonly profile = { field: profileFieldOf('gateway'), podsField: 'dataPlane', pods: 'data-plane' };
  /** The Gateway the routes attach to. */
  public readonly gateway: GatewayParent;

  constructor(edge: EdgeProfile | undefined, namespace: string) {
    this.gatewayImplementation = edge?.gateway?.implementation ?? 'envoy-gateway';
    const shared = edge?.gateway?.sharedGateway;
    this.gateway = shared
      ? { name: shared.name, namespace: shared.namespace, shared: true }
      : { name: SYSTEM_GATEWAY_NAME, namespace, shared: false };
  }

  public allowedResponseHeaders(): readonly string[] {
    return [];
  }

  /** The Gateway API objects of the endpoint, and its hosts on the system's Gateway. */
  public bind(endpoint: EdgeEndpoint): EdgeOutput {
    const { chart, resolved } = endpoint;
    const implementation = this.gatewayImplementation;
    if (!this.gateway.shared) {
      const className = chart.environment?.platform?.edge?.gateway?.gatewayClassName ?? DEFAULT_GATEWAY_CLASS[implementation];
      const systemGateway = SystemGateway.of(chart, className);
      for (const host of resolved.tlsHosts) systemGateway.addHttpsHost(host, endpoint.tlsSecretName(host));
    }
    const usable = resolved.routes.filter((r) => r.backend && r.port);
    const output = renderGatewayRoutes(endpoint.scope, {
      name: endpoint.name,
      namespace: chart.namespaceName,
      implementation,
      gateway: this.gateway,
      routes: usable.map((r) => ({
        host: r.host,
        path: r.path,
        match: r.match,
        rewrite: r.rewrite,
        serviceName: r.serviceName,
        servicePort: r.port?.servicePort ?? r.port?.port ?? 80,
        policy: r.policy,
        protocol: r.protocol,
      })),
      hosts: [...new Set(usable.map((r) => r.host))],
      tlsHosts: resolved.tlsHosts,
      fullTls: resolved.fullTls,
      endpointPolicy: resolved.policy,
      issuer: resolved.tls?.issuer,
      allowEnvironmentMismatch: endpoint.allowEnvironmentMismatch,
      tlsSecretName: (host) => endpoint.tlsSecretName(host),
    });
    this.require(endpoint);
    return { ingressNames: [], routeNames: output.routeNames };
  }

  /** What the output needs from the cluster, and since which versions. */
  private require(endpoint: EdgeEndpoint): void {
    const { scope, resolved } = endpoint;
    requirePlatform(scope, {
      component: 'gateway-api-crds',
      minVersion: '1.2.0',
      reason: 'HTTPRoute rule names (policies target rules by sectionName) and rule timeouts in the standard channel',
    });
    const bodySize = resolved.routes.some((r) => r.policy.maxBodySize !== undefined);
    if (this.gatewayImplementation === 'envoy-gateway')
      requirePlatform(scope, {
        component: 'envoy-gateway',
        minVersion: bodySize ? '1.9.0' : '1.4.0',
        reason: bodySize
          ? 'BackendTrafficPolicy requestBuffer (body size), as in the v1.9.0 CRDs the output is validated against'
          : 'BackendTrafficPolicy local rate limit per client IP (sourceCIDR type Distinct)',
      });
    else
      requirePlatform(scope, {
        component: 'traefik',
        minVersion: '3.1.0',
        reason: 'Gateway API provider (experimental in 3.0) with ExtensionRef filters to Middlewares',
        settings: { 'providers.kubernetesGateway.enabled': ['true'] },
      });
    if (resolved.tls?.issuer)
      requirePlatform(scope, {
        component: 'cert-manager',
        minVersion: '1.15.0',
        reason: 'Certificates for Gateway listeners and the ACME HTTP-01 gatewayHTTPRoute solver without a feature gate (config.enableGatewayAPI)',
        settings: { 'config.enableGatewayAPI': ['true'] },
      });
  }

  /**
   * An HTTPRoute per host whose rules match the metrics paths and have no backend: the Gateway
   * API requires the implementation to answer them with 500 and forward nothing. A path
   * prefix longer than the catch-all's wins by the API's precedence rules.
   */
  public refuseMetrics(endpoint: EdgeEndpoint, exclusions: readonly MetricsExposure[]): void {
    const hosts = [...new Set(exclusions.map((e) => e.host))];
    const redirect = endpoint.resolved.fullTls && redirectsToHttps(endpoint.resolved.policy, endpoint.resolved.fullTls);
    for (const host of hosts) {
      const single = hosts.length === 1;
      new HttpRoute(endpoint.scope, single ? 'private-metrics' : `private-metrics-${hostSlug(host)}`, {
        metadata: { name: single ? `${endpoint.name}-private-metrics` : `${endpoint.name}-${hostSlug(host)}-private-metrics` },
        spec: {
          parentRefs: parentRefsOf(this.gateway, host, endpoint.resolved.tlsHosts.includes(host), redirect),
          hostnames: [host],
          rules: exclusions
            .filter((e) => e.host === host)
            .map((e, i) => ({
              name: i === 0 ? 'private-metrics' : `private-metrics-${i + 1}`,
              matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: e.requestPath } }],
            })),
        },
      });
    }
  }

  public defaultPeer(chart: SystemChart): NetworkPeer {
    const pods = controllerPodsOf(chart.environment?.platform?.edge, 'gateway');
    if (!pods) return NetworkPeer.pods({}, '');
    // Envoy Gateway labels each Gateway's proxies with it: only this system's Gateway reaches its pods.
    const own: Record<string, string> =
      this.gatewayImplementation === 'envoy-gateway'
        ? {
            'gateway.envoyproxy.io/owning-gateway-name': this.gateway.name,
            'gateway.envoyproxy.io/owning-gateway-namespace': this.gateway.namespace,
          }
        : {};
    return peerOfPods(pods, own);
  }

  public checkLiteralPath(path: string): string | undefined {
    return checkLiteralPath(path, 'traefik');
  }

  public validateRegexRoute(report: ValidationReport, route: ResolvedRoute): void {
    const edge = GATEWAY_IMPLEMENTATION_NAMES[this.gatewayImplementation];
    const strip = prefixStripOf(route.path, route.rewrite);
    if (route.rewrite !== undefined && strip === undefined)
      report.error(
        'gateway-renderer.value.gateway-api',
        fieldOf(route, 'rewrite'),
        `'${route.rewrite}' on '${route.path}' has no Gateway API form: URLRewrite replaces a path prefix or the whole path, never capture groups; only the prefix strip '<prefix>(/|$)(.*)' -> '/$2' is rendered (as PathPrefix + ReplacePrefixMatch)`,
      );
    else if (strip === undefined && this.gatewayImplementation !== 'envoy-gateway')
      report.error(
        'gateway-renderer.value.does-support',
        fieldOf(route, 'match'),
        `${edge} does not support RegularExpression path matches (implementation-specific in the Gateway API); use 'Prefix' or 'Exact', or Envoy Gateway`,
      );
  }

  public validateGrpcRoute(report: ValidationReport, route: ResolvedRoute): void {
    const reason = checkGrpcPath(route.path, route.match);
    if (reason) report.error('gateway-renderer.value.invalid', fieldOf(route, 'path'), `'${route.path}' ${reason}`);
    if (route.policy.timeouts?.request !== undefined)
      report.error(
        'gateway-renderer.timeouts.request-seconds',
        `${route.policyField}.timeouts.request`,
        'a GRPCRoute has no request timeout in the Gateway API; leave timeouts.request out of a gRPC route',
      );
  }

  public validateSolver(report: ValidationReport, endpoint: EdgeEndpoint): void {
    const issuer = endpoint.resolved.tls?.issuer;
    if (!issuer?.http01 || issuer.issuesWildcards === true) return;
    const solverGateway = issuer.http01.gateway;
    const namespace = endpoint.chart.namespaceName;
    const wrong =
      solverGateway === undefined || solverGateway.name !== this.gateway.name || (solverGateway.namespace ?? namespace) !== this.gateway.namespace;
    if (wrong && (solverGateway !== undefined || issuer.http01.ingressClassName !== undefined))
      report.error(
        'gateway-renderer.tls.issuer',
        'tls.issuer',
        `${issuer.describe} answers HTTP-01 challenges through ${solverGateway ? `Gateway '${solverGateway.namespace ?? namespace}/${solverGateway.name}'` : `IngressClass '${issuer.http01.ingressClassName}'`}, but this endpoint is served by Gateway '${this.gateway.namespace}/${this.gateway.name}'; the challenge would reach the wrong edge`,
      );
  }

  public validateProps(): void {}

  public validateAgainstProfile(): void {}

  public validateEndpoint(report: ValidationReport, endpoint: EdgeEndpoint): void {
    const resolved: ResolvedEndpoint = endpoint.resolved;
    for (const host of resolved.hosts) {
      const count = resolved.routes.filter((r) => r.host === host && r.protocol === 'grpc').length;
      if (count > MAX_ROUTE_RULES)
        report.error(
          'gateway-renderer.hosts',
          'hosts',
          `'${host}' has ${count} gRPC routes; a GRPCRoute holds at most ${MAX_ROUTE_RULES} rules: route whole services (Prefix '/<package.Service>') instead of single methods`,
        );
    }
  }
}
