/**
 * What ingress-nginx and Traefik's Ingress provider share: `networking.k8s.io/v1` Ingress
 * objects, one per distinct route policy and rewrite (an Ingress's annotations and a Traefik
 * router's middlewares apply to every path of it), all sharing the host's one certificate.
 * The two renderers (nginx-renderer.ts, traefik-renderer.ts) say how the policy, the rewrite
 * and gRPC are expressed there.
 */
import { k8s } from 'cdk8s-plus-27';
import { sortedByKey } from '../core/json';
import { checkDnsSubdomain } from '../core/naming';
import type { EdgeProfile, IngressControllerProfile } from '../core/platform';
import { requirePlatform } from '../core/platform-requirements';
import type { SystemChart } from '../core/system-chart';
import type { ValidationReport } from '../core/validation';
import type { NetworkPeer } from '../security/network-peer';
import type { EdgeEndpoint, EdgeOutput, IEdgeRenderer } from './edge-renderer';
import { EdgePolicy, edgeName, policyKey } from './edge-policy';
import { controllerPodsOf, DEFAULT_INGRESS_CLASS, defaultControllerPeer, IngressController, peerOfPods, profileFieldOf } from './ingress-controller';
import { issuerAnnotation } from './issuer';
import type { MetricsExposure } from './metrics-exposure';
import { pathSlug, RegexPaths, ResolvedEndpoint, ResolvedRoute } from './route-resolution';

/** Routes that share an Ingress object (and its annotations). */
export interface IngressGroup {
  readonly name: string;
  readonly rewrite?: string;
  readonly routes: ResolvedRoute[];
  readonly rewriteMiddleware?: string;
  readonly policy: EdgePolicy;
  /** Its backends speak gRPC. */
  readonly grpc?: boolean;
}

/** The annotations and Middlewares a policy becomes, shared by the Ingresses with that policy. */
export interface PolicyObjects {
  readonly annotations: Record<string, string>;
  readonly middlewares: string[];
}

/** An Ingress controller's renderer: the Ingress objects, with the controller's own expression of policy and rewrites. */
export abstract class IngressRenderer implements IEdgeRenderer {
  public readonly ingressClassName: string;
  public readonly objectKind = 'Ingress';
  public readonly profile: IEdgeRenderer['profile'];
  public abstract readonly regexPaths: RegexPaths;

  protected constructor(
    public readonly controller: IngressController,
    ingressClassName: string | undefined,
    private readonly controllerProfile: IngressControllerProfile | undefined,
  ) {
    this.ingressClassName = ingressClassName ?? controllerProfile?.ingressClassName ?? DEFAULT_INGRESS_CLASS[controller];
    this.profile = { field: profileFieldOf(controller), podsField: 'pods', pods: 'controller' };
  }

  public allowedResponseHeaders(_endpoint: ResolvedEndpoint): readonly string[] {
    return [];
  }

  /** The policy as this controller's annotations or Middlewares, made once per distinct policy. */
  protected abstract policyObjects(endpoint: EdgeEndpoint, group: IngressGroup, owner: string): PolicyObjects;
  /** The Ingress's own annotations for its paths (regex, rewrite, gRPC), beside the policy's. */
  protected abstract groupAnnotations(endpoint: EdgeEndpoint, group: IngressGroup, policy: PolicyObjects): Record<string, string>;
  /** The hosts an Ingress lists under `tls`: those it certifies, or every TLS host of its rules. */
  protected abstract tlsHostsOf(groupHosts: readonly string[], uncertified: readonly string[], tlsHosts: readonly string[]): string[];
  /** What the cluster must run for the rendered objects. */
  protected abstract require(endpoint: EdgeEndpoint, allowedHeaders: readonly string[]): void;
  /** The key that keeps rewrites apart (Traefik's rewrite middleware carries one expression). */
  protected abstract rewriteKey(route: ResolvedRoute): string;
  /** The Middleware a rewrite group renders, if the controller needs one. */
  protected abstract rewriteMiddlewareOf(name: string, suffix: string): string | undefined;

  public bind(endpoint: EdgeEndpoint): EdgeOutput {
    if (endpoint.resolved.tls)
      requirePlatform(endpoint.scope, {
        component: 'cert-manager',
        minVersion: '1.0.0',
        reason: 'ingress-shim: certificates from the Ingress issuer annotation',
      });
    this.require(endpoint, this.allowedResponseHeaders(endpoint.resolved));
    const groups = this.groupRoutes(endpoint);
    const certified = new Set<string>();
    const policyObjects = new Map<string, PolicyObjects>();
    for (const group of groups) {
      // Policy objects are shared by the Ingresses with the same policy.
      const key = policyKey(group.policy);
      let objects = policyObjects.get(key);
      if (!objects) {
        objects = this.policyObjects(endpoint, group, policyObjects.size === 0 ? endpoint.name : group.name);
        policyObjects.set(key, objects);
      }
      this.renderIngress(endpoint, group, this.groupAnnotations(endpoint, group, objects), certified);
    }
    return { ingressNames: groups.map((g) => g.name), routeNames: [] };
  }

  public defaultPeer(chart: SystemChart): NetworkPeer {
    const pods = controllerPodsOf(chart.environment?.platform?.edge, this.controller);
    return pods ? peerOfPods(pods) : defaultControllerPeer(this.controller);
  }

  /**
   * One Ingress for a group of routes. Each host's certificate is requested by one Ingress
   * only (`certified` tracks them): cert-manager creates one Certificate per secret, and two
   * Ingresses asking for the same one would fight over it. The controllers serve a host's
   * certificate for all of its paths, whichever Ingress they come from.
   */
  private renderIngress(endpoint: EdgeEndpoint, group: IngressGroup, own: Record<string, string>, certified: Set<string>): void {
    const { tls, tlsHosts } = endpoint.resolved;
    const groupHosts = [...new Set(group.routes.map((r) => r.host))];
    const uncertified = groupHosts.filter((h) => tlsHosts.includes(h) && !certified.has(h));
    uncertified.forEach((h) => certified.add(h));
    const annotations: Record<string, string> = { ...(tls && uncertified.length > 0 ? issuerAnnotation(tls.issuer) : {}), ...own };
    this.ingress(
      endpoint,
      group.name === endpoint.name ? 'ingress' : `ingress-${group.name.slice(endpoint.name.length + 1)}`,
      group.name,
      annotations,
      this.tlsHostsOf(groupHosts, uncertified, tlsHosts),
      groupHosts.map((host) => ({
        host,
        paths: group.routes
          .filter((r) => r.host === host)
          // By the Service's port name, so a renumbered port needs no change here.
          .map((r) => ({
            path: r.ingressPath,
            pathType: r.ingressPathType,
            service: r.serviceName,
            port: r.port?.name ?? r.portName ?? 'http',
          })),
      })),
    );
  }

  /** An Ingress object. */
  protected ingress(
    endpoint: EdgeEndpoint,
    id: string,
    name: string,
    annotations: Record<string, string>,
    tlsHosts: readonly string[],
    rules: ReadonlyArray<{ host: string; paths: ReadonlyArray<{ path: string; pathType: string; service: string; port: string }> }>,
  ): void {
    const tlsEntries = tlsHosts.map((h) => ({ hosts: [h], secretName: endpoint.tlsSecretName(h) }));
    new k8s.KubeIngress(endpoint.scope, id, {
      metadata: { name, annotations: Object.keys(annotations).length > 0 ? sortedByKey(annotations) : undefined },
      spec: {
        ingressClassName: this.ingressClassName,
        tls: tlsEntries.length > 0 ? tlsEntries : undefined,
        rules: rules.map(({ host, paths }) => ({
          host,
          http: {
            paths: paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: { service: { name: p.service, port: { name: p.port } } } })),
          },
        })),
      },
    });
  }

  /**
   * The Ingress that refuses the metrics paths: one path per excluded request path, to the
   * backend that would have served it, under annotations that answer every request with an
   * error. It is longer than the route it carves out of, so the controller prefers it.
   */
  protected refusalIngress(
    endpoint: EdgeEndpoint,
    exclusions: readonly MetricsExposure[],
    annotations: Record<string, string>,
    suffix = '',
    path: (e: MetricsExposure) => { path: string; pathType: string } = (e) => ({ path: e.requestPath, pathType: 'Prefix' }),
  ): void {
    const hosts = [...new Set(exclusions.map((e) => e.host))];
    const tlsHosts = hosts.filter((h) => endpoint.resolved.tlsHosts.includes(h));
    this.ingress(
      endpoint,
      `private-metrics${suffix}`,
      `${endpoint.name}-private-metrics${suffix}`,
      annotations,
      this.tlsHostsOf(hosts, [], tlsHosts),
      hosts.map((host) => ({
        host,
        paths: exclusions
          .filter((e) => e.host === host)
          .map((e) => ({ ...path(e), service: e.route.serviceName, port: e.route.port?.name ?? 'http' })),
      })),
    );
  }

  public abstract refuseMetrics(endpoint: EdgeEndpoint, exclusions: readonly MetricsExposure[]): void;

  /**
   * Routes that can share an Ingress: the same policy and the same rewrite. The group of the
   * endpoint's own policy keeps the endpoint's name; a route policy's group is named after its
   * first path (`public-ws`), a rewrite's `public-rewrite`.
   */
  private groupRoutes(endpoint: EdgeEndpoint): IngressGroup[] {
    const name = endpoint.name;
    const endpointKey = policyKey(endpoint.resolved.policy);
    const plainByPolicy = new Map<string, ResolvedRoute[]>();
    const byRewrite = new Map<string, ResolvedRoute[]>();
    for (const route of endpoint.resolved.routes) {
      // gRPC backends need their own Ingress (backend-protocol applies to every path of one).
      const key = `${policyKey(route.policy)}${route.protocol === 'grpc' ? '\u0000grpc' : ''}`;
      if (route.rewrite === undefined) {
        plainByPolicy.set(key, [...(plainByPolicy.get(key) ?? []), route]);
        continue;
      }
      const rewriteKey = `${this.rewriteKey(route)}\u0000${key}`;
      byRewrite.set(rewriteKey, [...(byRewrite.get(rewriteKey) ?? []), route]);
    }
    const rewriteGroups = [...byRewrite.values()];
    const single = plainByPolicy.size + rewriteGroups.length === 1;
    const groups: IngressGroup[] = [];
    const usedNames = new Set<string>([name]);
    // The group of the endpoint's own policy first: it owns the endpoint's name and shared objects.
    const plainGroups = [...plainByPolicy.entries()].sort(([a], [b]) => (a === endpointKey ? -1 : b === endpointKey ? 1 : 0));
    for (const [key, routes] of plainGroups) {
      let groupName = name;
      if (key !== endpointKey && !single) {
        const base = `${name}-${pathSlug(routes[0].path)}`;
        groupName = base;
        for (let n = 2; usedNames.has(groupName); n++) groupName = `${base}-${n}`;
        usedNames.add(groupName);
      }
      groups.push({ name: groupName, routes, policy: routes[0].policy, grpc: routes[0].protocol === 'grpc' });
    }
    rewriteGroups.forEach((routes, i) => {
      const suffix = `rewrite${i === 0 ? '' : `-${i + 1}`}`;
      groups.push({
        name: single ? name : `${name}-${suffix}`,
        rewrite: routes[0].rewrite,
        routes,
        rewriteMiddleware: this.rewriteMiddlewareOf(name, suffix),
        policy: routes[0].policy,
      });
    });
    return groups;
  }

  public abstract checkLiteralPath(path: string): string | undefined;

  public validateRegexRoute(_report: ValidationReport, _route: ResolvedRoute): void {}

  public validateSolver(report: ValidationReport, endpoint: EdgeEndpoint): void {
    const issuer = endpoint.resolved.tls?.issuer;
    if (!issuer || issuer.issuesWildcards === true) return;
    const solverGateway = issuer.http01?.gateway;
    const solverClass = issuer.http01?.ingressClassName;
    if (solverGateway !== undefined)
      report.error(
        'ingress-renderer.tls.issuer.answers-http',
        'tls.issuer',
        `${issuer.describe} answers HTTP-01 challenges through a Gateway, but this endpoint is served by IngressClass '${this.ingressClassName}'`,
      );
    if (solverClass !== undefined && solverClass !== this.ingressClassName)
      report.error(
        'ingress-renderer.tls.issuer.answers-http-challenges',
        'tls.issuer',
        `${issuer.describe} answers HTTP-01 challenges through IngressClass '${solverClass}', but this endpoint is served by '${this.ingressClassName}'; the challenge would reach the wrong controller`,
      );
  }

  public validateProps(report: ValidationReport): void {
    const classReason = checkDnsSubdomain(this.ingressClassName);
    if (classReason) report.error('ingress-renderer.ingress-class-name.invalid', 'ingressClassName', `'${this.ingressClassName}' ${classReason}`);
  }

  public validateAgainstProfile(report: ValidationReport, _edge: EdgeProfile, _endpoint: EdgeEndpoint): void {
    const served = this.controllerProfile?.ingressClassName ?? DEFAULT_INGRESS_CLASS[this.controller];
    const wellFormed = typeof this.ingressClassName === 'string' && checkDnsSubdomain(this.ingressClassName) === undefined;
    if (wellFormed && this.ingressClassName !== served)
      report.error(
        'ingress-renderer.ingress-class-name.class-profile',
        'ingressClassName',
        `'${this.ingressClassName}' is not the class the profile's ${edgeName({ controller: this.controller })} serves ('${served}', ${this.profile.field}.ingressClassName); no controller would serve this Ingress`,
      );
  }

  public validateEndpoint(_report: ValidationReport, _endpoint: EdgeEndpoint): void {}

  public abstract validateGrpcRoute(report: ValidationReport, route: ResolvedRoute, endpoint: EdgeEndpoint): void;
}
