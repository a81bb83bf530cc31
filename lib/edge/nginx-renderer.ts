/**
 * A PublicEndpoint on ingress-nginx: Ingress objects with the controller's annotations.
 *
 * Security headers are set with `custom-headers` (a ConfigMap of response headers;
 * ingress-nginx >= 1.11), because `configuration-snippet` is disabled by default since 1.9.
 * The controller only sends headers listed in its ConfigMap's `global-allowed-response-headers`
 * and answers 503 otherwise: `allowedResponseHeaders` lists the names it must allow.
 */
import { k8s } from 'cdk8s-plus-27';
import { sortedByKey } from '../core/json';
import type { EdgeProfile } from '../core/platform';
import { requirePlatform } from '../core/platform-requirements';
import type { ValidationReport } from '../core/validation';
import type { EdgeEndpoint } from './edge-renderer';
import { nginxPolicyAnnotations, securityHeaderValues } from './edge-policy';
import { NGINX_ANNOTATION_PREFIX } from './ingress-controller';
import { IngressGroup, IngressRenderer, PolicyObjects } from './ingress-renderer';
import type { MetricsExposure } from './metrics-exposure';
import { MODSECURITY_MIN_VERSION, wafSettings } from './modsecurity';
import { checkLiteralPath } from './names';
import { wafRefusalAlert } from './waf-alert';
import { fieldOf, ResolvedEndpoint, ResolvedRoute } from './route-resolution';

/** Every IPv4 and IPv6 client: the deny list of the metrics refusal. */
export const EVERY_CLIENT = '0.0.0.0/0,::/0';

export class NginxRenderer extends IngressRenderer {
  public readonly regexPaths = 'native' as const;
  private headerMaps = 0;

  constructor(edge: EdgeProfile | undefined, ingressClassName: string | undefined) {
    super('nginx', ingressClassName, edge?.ingressNginx);
  }

  public allowedResponseHeaders(endpoint: ResolvedEndpoint): readonly string[] {
    const names = new Set<string>();
    for (const route of endpoint.routes) for (const name of Object.keys(securityHeaderValues(route.policy, endpoint.fullTls))) names.add(name);
    return [...names].sort();
  }

  protected require(endpoint: EdgeEndpoint, allowedHeaders: readonly string[]): void {
    requirePlatform(
      endpoint.scope,
      allowedHeaders.length > 0
        ? {
            component: 'ingress-nginx',
            minVersion: '1.11.0',
            reason: '`custom-headers` annotation (first in controller v1.11.0)',
            settings: { 'global-allowed-response-headers': allowedHeaders },
          }
        : { component: 'ingress-nginx', minVersion: '1.0.0', reason: `networking.k8s.io/v1 Ingress of class '${this.ingressClassName}'` },
    );
    // ingress-nginx compresses in its ConfigMap, for every host it serves.
    if (endpoint.resolved.routes.some((r) => r.policy.compression))
      requirePlatform(endpoint.scope, {
        component: 'ingress-nginx',
        minVersion: '1.0.0',
        reason: 'gzip compression of responses (ConfigMap use-gzip; ingress-nginx has no per-Ingress switch)',
        settings: { 'use-gzip': ['true'] },
      });
    for (const waf of new Set(endpoint.resolved.routes.map((r) => r.policy.waf).filter((w) => w !== undefined)))
      requirePlatform(endpoint.scope, {
        component: 'ingress-nginx',
        minVersion: MODSECURITY_MIN_VERSION,
        reason: 'ModSecurity with the OWASP Core Rule Set v4 (ConfigMap enable-modsecurity, enable-owasp-modsecurity-crs, modsecurity-snippet)',
        settings: wafSettings(waf),
      });
    wafRefusalAlert(endpoint);
  }

  protected policyObjects(endpoint: EdgeEndpoint, group: IngressGroup): PolicyObjects {
    const headers = securityHeaderValues(group.policy, endpoint.resolved.fullTls);
    let headersConfigMap: string | undefined;
    if (Object.keys(headers).length > 0) {
      this.headerMaps++;
      const n = this.headerMaps;
      const configMapName = `${endpoint.name}-response-headers${n === 1 ? '' : `-${n}`}`;
      new k8s.KubeConfigMap(endpoint.scope, n === 1 ? 'response-headers' : `response-headers-${n}`, {
        metadata: { name: configMapName },
        data: sortedByKey(headers),
      });
      headersConfigMap = `${endpoint.chart.namespaceName}/${configMapName}`;
    }
    const annotations = nginxPolicyAnnotations(group.policy, endpoint.resolved.fullTls, headersConfigMap);
    return { annotations: group.policy.waf ? annotations : { ...annotations, ...modsecurityOff(endpoint) }, middlewares: [] };
  }

  protected groupAnnotations(_endpoint: EdgeEndpoint, group: IngressGroup, policy: PolicyObjects): Record<string, string> {
    const annotations = { ...policy.annotations };
    // use-regex is host-wide in ingress-nginx; rewrite-target applies to every path of this Ingress.
    if (group.routes.some((r) => r.match === 'Regex')) annotations[`${NGINX_ANNOTATION_PREFIX}/use-regex`] = 'true';
    if (group.rewrite !== undefined) annotations[`${NGINX_ANNOTATION_PREFIX}/rewrite-target`] = group.rewrite;
    if (group.grpc) annotations[`${NGINX_ANNOTATION_PREFIX}/backend-protocol`] = 'GRPC';
    return annotations;
  }

  /** ingress-nginx serves a host's certificate for every path of the host: only the Ingress that asks cert-manager for it lists it. */
  protected tlsHostsOf(_groupHosts: readonly string[], uncertified: readonly string[]): string[] {
    return [...uncertified];
  }

  protected rewriteKey(route: ResolvedRoute): string {
    return route.rewrite as string;
  }

  protected rewriteMiddlewareOf(): undefined {
    return undefined;
  }

  /**
   * ingress-nginx refuses the metrics paths with `denylist-source-range` over every address
   * (403 to every client): a standard annotation of medium risk, allowed by the controller's
   * default `annotations-risk-level`, and no snippet. A host with a regex route is in regex
   * mode (`use-regex` is host-wide), where the controller tries locations longest path first:
   * there the refusal is a regex longer than every path of the host.
   */
  public refuseMetrics(endpoint: EdgeEndpoint, exclusions: readonly MetricsExposure[]): void {
    // Refused to everyone anyway: no WAF to pass first (see policyObjects).
    const deny = { [`${NGINX_ANNOTATION_PREFIX}/denylist-source-range`]: EVERY_CLIENT, ...modsecurityOff(endpoint) };
    const regexHosts = new Set(endpoint.resolved.routes.filter((r) => r.match === 'Regex').map((r) => r.host));
    const plain = exclusions.filter((e) => !regexHosts.has(e.host));
    const regex = exclusions.filter((e) => regexHosts.has(e.host));
    if (plain.length > 0) this.refusalIngress(endpoint, plain, deny);
    if (regex.length > 0)
      this.refusalIngress(endpoint, regex, { ...deny, [`${NGINX_ANNOTATION_PREFIX}/use-regex`]: 'true' }, plain.length > 0 ? '-regex' : '', (e) => ({
        path: refusalRegex(e.requestPath, Math.max(...endpoint.resolved.routes.filter((r) => r.host === e.host).map((r) => r.ingressPath.length))),
        pathType: 'ImplementationSpecific',
      }));
  }

  public checkLiteralPath(path: string): string | undefined {
    return checkLiteralPath(path, 'nginx');
  }

  public validateGrpcRoute(report: ValidationReport, route: ResolvedRoute, endpoint: EdgeEndpoint): void {
    if (route.policy.waf)
      report.error(
        'nginx-renderer.waf-grpc',
        fieldOf(route, 'policy.waf'),
        "ModSecurity's nginx connector reads a request's whole body before passing it on, which breaks gRPC streams: leave waf out of gRPC routes",
      );
    if (!endpoint.resolved.tlsHosts.includes(route.host))
      report.error(
        'nginx-renderer.value',
        fieldOf(route, 'protocol'),
        `ingress-nginx serves gRPC over HTTP/2, which it speaks with clients only over TLS: give '${route.host}' a certificate`,
      );
  }

  public validateAgainstProfile(report: ValidationReport, edge: EdgeProfile, endpoint: EdgeEndpoint): void {
    super.validateAgainstProfile(report, edge, endpoint);
    const allowed = edge.ingressNginx?.allowedResponseHeaders;
    if (!allowed) return;
    const lower = new Set(allowed.map((h) => h.toLowerCase()));
    const refused = this.allowedResponseHeaders(endpoint.resolved).filter((h) => !lower.has(h.toLowerCase()));
    if (refused.length > 0)
      report.error(
        'nginx-renderer.policy.security-headers',
        'policy.securityHeaders',
        `sets ${refused.join(', ')}, which ingress-nginx does not allow (platform.edge.ingressNginx.allowedResponseHeaders: ${allowed.join(', ') || 'none'}); it would answer 503 on every path: add the headers to the profile's list or leave them out`,
      );
  }
}

/**
 * A controller the platform layer runs has ModSecurity on for every host once one endpoint of
 * the environment asks for a WAF (lib/edge/modsecurity.ts): every other Ingress states its own
 * "off", so another system's WAF neither buffers nor refuses its requests. A preinstalled
 * controller is the cluster's: its administrators' ModSecurity setting stands.
 */
function modsecurityOff(endpoint: EdgeEndpoint): Record<string, string> {
  return endpoint.chart.environment.platform.preinstalled.includes('ingress-nginx')
    ? {}
    : { [`${NGINX_ANNOTATION_PREFIX}/enable-modsecurity`]: 'false' };
}

/**
 * The regex location refusing `path` and what lies below it (`/metrics`, `/metrics/...`),
 * longer than `longest` so that ingress-nginx tries it before every route of the host: an empty
 * group `(?:)` pads it where needed.
 */
export function refusalRegex(path: string, longest: number): string {
  const literal = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let pad = '';
  while (`${literal}${pad}(/.*)?$`.length <= longest) pad += '(?:)';
  return `${literal}${pad}(/.*)?$`;
}
