/**
 * A PublicEndpoint on Traefik's Ingress provider: Ingress objects whose routers apply
 * traefik.io Middlewares (the policy, a regex rewrite) through the router annotation.
 */
import { Middleware, MiddlewareSpec } from '../../imports/middlewares-traefik.io';
import type { EdgeProfile } from '../core/platform';
import { requirePlatform } from '../core/platform-requirements';
import type { ValidationReport } from '../core/validation';
import type { EdgeEndpoint } from './edge-renderer';
import { traefikPolicyMiddlewares } from './edge-policy';
import { TRAEFIK_MIDDLEWARES_ANNOTATION, traefikMiddlewareReference } from './ingress-controller';
import { IngressGroup, IngressRenderer, PolicyObjects } from './ingress-renderer';
import type { MetricsExposure } from './metrics-exposure';
import { checkLiteralPath } from './names';
import { fieldOf, ResolvedRoute } from './route-resolution';

/**
 * The ipAllowList of the metrics refusal: only the loopback address, which no client of the
 * edge has (the entry points listen on the pod's network), answered with 404 (`rejectStatusCode`,
 * Traefik v3).
 */
export const TRAEFIK_REFUSAL: MiddlewareSpec = { ipAllowList: { sourceRange: ['127.0.0.1/32'], rejectStatusCode: 404 } };

export class TraefikRenderer extends IngressRenderer {
  public readonly regexPaths = 'literal-prefix' as const;

  constructor(edge: EdgeProfile | undefined, ingressClassName: string | undefined) {
    super('traefik', ingressClassName, edge?.traefik);
  }

  protected require(endpoint: EdgeEndpoint): void {
    requirePlatform(endpoint.scope, {
      component: 'traefik',
      minVersion: '2.10.0',
      reason: 'traefik.io/v1alpha1 Middleware (the traefik.io API group is first served by v2.10)',
    });
  }

  protected policyObjects(endpoint: EdgeEndpoint, group: IngressGroup, owner: string): PolicyObjects {
    const middlewares: string[] = [];
    for (const part of traefikPolicyMiddlewares(group.policy, endpoint.resolved.fullTls)) {
      const middlewareName = `${owner}-${part.suffix}`;
      new Middleware(endpoint.scope, middlewareName.slice(endpoint.name.length + 1), { metadata: { name: middlewareName }, spec: part.spec });
      middlewares.push(middlewareName);
    }
    return { annotations: {}, middlewares };
  }

  protected groupAnnotations(endpoint: EdgeEndpoint, group: IngressGroup, policy: PolicyObjects): Record<string, string> {
    if (group.rewriteMiddleware !== undefined) {
      new Middleware(endpoint.scope, group.rewriteMiddleware.slice(endpoint.name.length + 1), {
        metadata: { name: group.rewriteMiddleware },
        spec: { replacePathRegex: { regex: `^${group.routes[0].path}`, replacement: group.rewrite } },
      });
    }
    return this.chain(endpoint, [...policy.middlewares, ...(group.rewriteMiddleware ? [group.rewriteMiddleware] : [])]);
  }

  private chain(endpoint: EdgeEndpoint, middlewares: readonly string[]): Record<string, string> {
    return middlewares.length > 0
      ? { [TRAEFIK_MIDDLEWARES_ANNOTATION]: middlewares.map((m) => traefikMiddlewareReference(endpoint.chart.namespaceName, m)).join(',') }
      : {};
  }

  /**
   * A Traefik router serves HTTPS only when its own Ingress lists the host, so every Ingress
   * lists it (the same Secret) and only the first asks cert-manager for it.
   */
  protected tlsHostsOf(groupHosts: readonly string[], _uncertified: readonly string[], tlsHosts: readonly string[]): string[] {
    return groupHosts.filter((h) => tlsHosts.includes(h));
  }

  /** A rewrite middleware carries one expression, so each regex gets its own. */
  protected rewriteKey(route: ResolvedRoute): string {
    return `${route.rewrite}\u0000${route.path}`;
  }

  protected rewriteMiddlewareOf(name: string, suffix: string): string {
    return `${name}-${suffix}`;
  }

  /**
   * Traefik refuses the metrics paths on a router of their own (its rule is longer than the
   * catch-all's, so Traefik's default priority prefers it) whose Middleware admits no client.
   */
  public refuseMetrics(endpoint: EdgeEndpoint, exclusions: readonly MetricsExposure[]): void {
    const name = `${endpoint.name}-private-metrics`;
    new Middleware(endpoint.scope, 'private-metrics-refusal', { metadata: { name }, spec: TRAEFIK_REFUSAL });
    this.refusalIngress(endpoint, exclusions, this.chain(endpoint, [name]));
  }

  public checkLiteralPath(path: string): string | undefined {
    return checkLiteralPath(path, 'traefik');
  }

  public validateRegexRoute(report: ValidationReport, route: ResolvedRoute): void {
    if (route.rewrite === undefined) {
      report.error(
        'traefik-renderer.value.traefik-s',
        fieldOf(route, 'match'),
        "Traefik's Ingress support matches paths literally; a regex path needs a rewrite (it becomes a ReplacePathRegex middleware), otherwise use 'Prefix' or 'Exact'",
      );
    } else {
      const literal = checkLiteralPath(route.ingressPath, 'traefik');
      if (literal)
        report.error(
          'traefik-renderer.value.literal-start',
          fieldOf(route, 'path'),
          `its literal start '${route.ingressPath}', which Traefik matches, ${literal}`,
        );
    }
  }

  public validateGrpcRoute(report: ValidationReport, route: ResolvedRoute): void {
    report.error(
      'traefik-renderer.value.traefik-s-ingress',
      fieldOf(route, 'protocol'),
      "Traefik's Ingress provider speaks gRPC to a backend only through the Service annotation traefik.ingress.kubernetes.io/service.serversscheme: h2c, which the workload's Service does not carry; use ingress-nginx or the Gateway API",
    );
  }
}
