import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { Middleware } from '../../imports/middlewares-traefik.io';
import { markComponent } from '../core/component';
import { sortedByKey } from '../core/json';
import { checkDnsLabel, checkDnsSubdomain } from '../core/naming';
import type { GatewayImplementation } from '../core/platform';
import { requirePlatform } from '../core/platform-requirements';
import { SystemChart } from '../core/system-chart';
import { addCheck, ValidationReport } from '../core/validation';
import type { PortSpec } from '../workloads/container';
import type { Workload } from '../workloads/workload';
import { ObjectStore } from '../data/minio';
import { StatefulStore } from '../data/stateful-store';
import { NetworkPeer } from '../security/network-peer';
import { AcmeSolverAccess } from './acme-solver-access';
import { checkIssuerScope } from './certificate';
import {
  checkEdgePolicy,
  EdgePolicy,
  edgeName,
  mergePolicies,
  nginxPolicyAnnotations,
  policyKey,
  PolicyTarget,
  securityHeaderValues,
  traefikPolicyMiddlewares,
} from './edge-policy';
import { checkGrpcPath, GatewayParent, MAX_ROUTE_RULES, prefixStripOf, renderGatewayRoutes } from './gateway-routes';
import {
  controllerOfEdge,
  controllerPodsOf,
  DEFAULT_GATEWAY_CLASS,
  DEFAULT_INGRESS_CLASS,
  defaultControllerPeer,
  EdgeController,
  GATEWAY_IMPLEMENTATION_NAMES,
  NGINX_ANNOTATION_PREFIX,
  peerOfPods,
  profileFieldOf,
  TRAEFIK_MIDDLEWARES_ANNOTATION,
  traefikMiddlewareReference,
} from './ingress-controller';
import { SYSTEM_GATEWAY_NAME, SystemGateway } from './system-gateway';
import { checkIssuerForEnvironment, IIssuer, issuerAnnotation } from './issuer';
import { captureGroups, checkIngressHost, checkLiteralPath, checkRegexPath, hostSlug, referencedGroups, regexLiteralPrefix } from './names';
import { arrayOrEmpty, checkProps } from '../core/prop-check';

/** How a route's path matches request paths. */
export type PathMatch =
  /** Whole path segments: `/api` matches `/api` and `/api/users`, not `/apis`. */
  | 'Prefix'
  /** Only this exact path. */
  | 'Exact'
  /**
   * A regular expression, anchored at the start. ingress-nginx matches it itself
   * (`use-regex`, case-insensitive); on Traefik the route matches the expression's
   * literal start and a ReplacePathRegex middleware applies it, so there a regex path
   * needs a rewrite.
   */
  | 'Regex';

/** Requests for a path of a host, sent to a workload. */
export interface EndpointRoute {
  /** The request path. @default '/' */
  readonly path?: string;
  /** How `path` matches. @default 'Prefix' */
  readonly match?: PathMatch;
  /**
   * The path the backend receives instead, using the regex's capture groups (`/$2`):
   * `/api(/|$)(.*)` → `/$2` serves `/api/users` as `/users`. Regex paths only.
   * @default - the request path, unchanged
   */
  readonly rewrite?: string;
  /** The workload serving the route; it needs a Service (a WebService). */
  readonly backend: Workload;
  /** Name of the backend's port. @default - its first port */
  readonly port?: string;
  /**
   * This route's own policy, over the endpoint's (field by field; `timeouts` merged): a
   * WebSocket route's long timeout, an upload route's body size, a login route's rate limit,
   * on the host's one certificate. ingress-nginx and Traefik get an Ingress per distinct
   * policy; the Gateway API a policy per named rule.
   * @default - the endpoint's policy
   */
  readonly policy?: EdgePolicy;
  /**
   * 'grpc' for a gRPC backend: a GRPCRoute on the Gateway API (the path names a service
   * `/pkg.Service` or a method `/pkg.Service/Method`, Exact), `backend-protocol: GRPC` on
   * ingress-nginx (which serves gRPC over TLS only). Traefik's Ingress provider needs a Service
   * annotation instead: refused there.
   * @default 'http'
   */
  readonly protocol?: 'http' | 'grpc';
}

/** One host name and its routes. */
export interface EndpointHost {
  /** A DNS name, e.g. `api.acme-corp.io`, or a wildcard `*.acme-corp.io`. */
  readonly host: string;
  /** Its routes. */
  readonly routes: readonly EndpointRoute[];
}

/** HTTPS with certificates from cert-manager. */
export interface EndpointTls {
  /** Who signs the certificates (an AcmeIssuer, or IssuerRef.clusterIssuer('...')). */
  readonly issuer: IIssuer;
  /** Hosts that get a certificate; each must be a host of the endpoint. @default - every host */
  readonly hosts?: readonly string[];
}

export interface PublicEndpointProps {
  /**
   * What serves it: ingress-nginx, Traefik (Ingress objects), or the Gateway API
   * implementation of the cluster profile (HTTPRoutes). It must be an edge the profile runs
   * (`environment.platform.edge`).
   * @default - the profile's default edge (`platform.edge.default`)
   */
  readonly controller?: EdgeController;
  /**
   * The IngressClass (`spec.ingressClassName`); Ingress controllers only.
   * @default - the class of the controller in the cluster profile ('nginx' or 'traefik' unless it says otherwise)
   */
  readonly ingressClassName?: string;
  /** Hosts and their routes. @default - the single host given by `host` and `backend` */
  readonly hosts?: readonly EndpointHost[];
  /** Shorthand for one host whose every path goes to `backend`. @default - none (use hosts) */
  readonly host?: string;
  /** The workload behind `host`. @default - none (use hosts) */
  readonly backend?: Workload;
  /** The port of `backend`. @default - its first port */
  readonly port?: string;
  /**
   * HTTPS through cert-manager, or `false` for plain HTTP. Use `issuerForEnvironment` to
   * get the issuer the environment asks for.
   * @default - none, which is an error unless the environment's tls is 'none'
   */
  readonly tls?: EndpointTls | false;
  /** Rate limit, timeouts, body size, security headers and HTTPS redirect. @default - see EdgePolicy */
  readonly policy?: EdgePolicy;
  /**
   * The controller's pods, the only ones allowed to reach the backends.
   * @default - the controller's pods from the cluster profile (for a Gateway, its data plane; on Envoy
   * Gateway only the proxies of the Gateway the routes attach to, by its owning-gateway labels)
   */
  readonly controllerPeer?: NetworkPeer;
  /** Accept an issuer that does not fit the environment (ACME staging in prod, production elsewhere). @default false */
  readonly allowEnvironmentMismatch?: boolean;
}

/** A route with everything resolved, and the field it came from. */
interface ResolvedRoute {
  readonly host: string;
  readonly path: string;
  readonly match: PathMatch;
  readonly rewrite?: string;
  readonly backend: Workload;
  readonly portName?: string;
  readonly port?: PortSpec;
  /** The path the Ingress carries (the literal prefix of a regex, on Traefik). */
  readonly ingressPath: string;
  readonly ingressPathType: 'Prefix' | 'Exact' | 'ImplementationSpecific';
  /** e.g. `hosts[0].routes[1]`, or '' for the host/backend shorthand. */
  readonly field: string;
  /** The endpoint's policy with the route's own on top. */
  readonly policy: EdgePolicy;
  /** Where the route's policy problems are reported: `policy`, or `hosts[0].routes[1].policy`. */
  readonly policyField: string;
  readonly protocol: 'http' | 'grpc';
}

/** One routed request path of an endpoint and the workload serving it (`PublicEndpoint.routing`). */
export interface EndpointRouting {
  readonly host: string;
  readonly path: string;
  readonly match: PathMatch;
  /** The path without its regex part: the path itself unless `match` is `Regex`. */
  readonly literalPrefix: string;
  /** The path the backend receives instead. @default - the request path, unchanged */
  readonly rewrite?: string;
  readonly backend: Workload;
}

/** Routes that share an Ingress object (and its annotations). */
interface IngressGroup {
  readonly name: string;
  readonly rewrite?: string;
  readonly routes: ResolvedRoute[];
  readonly rewriteMiddleware?: string;
  readonly policy: EdgePolicy;
  /** Its backends speak gRPC. */
  readonly grpc?: boolean;
}

/**
 * A public HTTP(S) entry point that routes hosts and paths to workloads (never to hand-typed
 * Service names), with certificates from cert-manager, HTTPS redirect and HSTS by default, the
 * edge policy rendered the serving edge's way, and NetworkPolicy allowances so that only the
 * edge's pods reach the backends, on their ports. The edge comes from the cluster profile
 * (`environment.platform.edge`): switching a system from ingress-nginx to the Gateway API is
 * one change of its environment, not of its chart.
 *
 * On ingress-nginx and Traefik it renders `networking.k8s.io/v1` Ingress objects: one per
 * distinct route policy and rewrite (ingress-nginx's annotations and a Traefik router's
 * middlewares apply to every path of an Ingress), all sharing the host's one certificate.
 * On the Gateway API it renders an HTTPRoute per host attached to the system's Gateway or the
 * profile's shared one, one named rule per route, a Certificate per host, and the policies
 * of the implementation (see gateway-routes.ts).
 *
 * On ingress-nginx, security headers are set with `custom-headers` (a ConfigMap of
 * response headers; ingress-nginx >= 1.11), because `configuration-snippet` is disabled by
 * default since 1.9. The controller only sends headers listed in its ConfigMap's
 * `global-allowed-response-headers` and answers 503 otherwise: `allowedResponseHeaders`
 * lists the names it must allow.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class PublicEndpoint extends Construct {
  public readonly name: string;
  public readonly controller: EdgeController;
  /** The Gateway API implementation serving it, when `controller` is 'gateway'. */
  public readonly gatewayImplementation?: GatewayImplementation;
  /** The IngressClass of its Ingress objects; undefined on the Gateway API. */
  public readonly ingressClassName?: string;
  /** Every host, in order. */
  public readonly hosts: readonly string[];
  /** Hosts served over HTTPS. */
  public readonly tlsHosts: readonly string[];
  /** `https://api.acme-corp.io` for each host (http:// without TLS). */
  public readonly urls: readonly string[];
  /** Names of the Ingress objects (empty on the Gateway API). */
  public readonly ingressNames: readonly string[];
  /** Names of the HTTPRoutes that route its hosts (empty on Ingress controllers). */
  public readonly routeNames: readonly string[];
  /** Response header names ingress-nginx must list in `global-allowed-response-headers` (empty on other edges). */
  public readonly allowedResponseHeaders: readonly string[];
  private readonly routes: ResolvedRoute[];
  private readonly gateway?: GatewayParent;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: PublicEndpointProps,
  ) {
    super(scope, id);
    checkProps(this, 'PublicEndpointProps', props);
    const chart = SystemChart.of(this);
    const edge = chart.environment?.platform?.edge;
    this.name = id;
    this.controller = props.controller ?? controllerOfEdge(edge?.default ?? 'ingress-nginx');
    if (this.controller === 'gateway') {
      this.gatewayImplementation = edge?.gateway?.implementation ?? 'envoy-gateway';
      const shared = edge?.gateway?.sharedGateway;
      this.gateway = shared
        ? { name: shared.name, namespace: shared.namespace, shared: true }
        : { name: SYSTEM_GATEWAY_NAME, namespace: chart.namespaceName, shared: false };
    } else {
      const profile = this.controller === 'nginx' ? edge?.ingressNginx : edge?.traefik;
      this.ingressClassName = props.ingressClassName ?? profile?.ingressClassName ?? DEFAULT_INGRESS_CLASS[this.controller];
    }
    markComponent(this, { name: this.name, component: 'public-endpoint' });

    this.routes = this.resolveRoutes();
    this.hosts = [...new Set(this.routes.map((r) => r.host))];
    const tls = props.tls || undefined;
    this.tlsHosts = tls ? [...new Set(tls.hosts ?? this.hosts)] : [];
    this.urls = this.hosts.map((h) => `${this.tlsHosts.includes(h) ? 'https' : 'http'}://${h}`);
    // Redirect and HSTS are on only when every host has a certificate: a redirect to
    // HTTPS for a host without one lands on the controller's fake certificate.
    const fullTls = tls !== undefined && this.hosts.every((h) => this.tlsHosts.includes(h));
    const policy = props.policy ?? {};

    const headerNames = new Set<string>();
    for (const route of this.routes) for (const name of Object.keys(securityHeaderValues(route.policy, fullTls))) headerNames.add(name);
    this.allowedResponseHeaders = this.controller === 'nginx' ? [...headerNames].sort() : [];
    // What the Ingress output needs from the cluster (the Gateway API's needs are declared by renderGateway).
    if (this.controller !== 'gateway') {
      if (tls)
        requirePlatform(this, {
          component: 'cert-manager',
          minVersion: '1.0.0',
          reason: 'ingress-shim: certificates from the Ingress issuer annotation',
        });
      requirePlatform(
        this,
        this.controller === 'nginx'
          ? this.allowedResponseHeaders.length > 0
            ? {
                component: 'ingress-nginx',
                minVersion: '1.11.0',
                reason: '`custom-headers` annotation (first in controller v1.11.0)',
                settings: { 'global-allowed-response-headers': this.allowedResponseHeaders },
              }
            : { component: 'ingress-nginx', minVersion: '1.0.0', reason: `networking.k8s.io/v1 Ingress of class '${this.ingressClassName}'` }
          : {
              component: 'traefik',
              minVersion: '2.10.0',
              reason: 'traefik.io/v1alpha1 Middleware (the traefik.io API group is first served by v2.10)',
            },
      );
    }

    if (this.controller === 'gateway') {
      this.ingressNames = [];
      this.routeNames = this.renderGateway(chart, tls, fullTls, policy).routeNames;
    } else {
      this.routeNames = [];
      const groups = this.groupRoutes();
      this.ingressNames = groups.map((g) => g.name);
      const certified = new Set<string>();
      const policyObjects = new Map<string, { annotations: Record<string, string>; middlewares: string[] }>();
      let headerMaps = 0;
      for (const group of groups) {
        // Policy objects are shared by the Ingresses with the same policy.
        const key = policyKey(group.policy);
        let objects = policyObjects.get(key);
        if (!objects) {
          const owner = policyObjects.size === 0 ? this.name : group.name;
          objects = { annotations: {}, middlewares: [] };
          if (this.controller === 'nginx') {
            const headers = securityHeaderValues(group.policy, fullTls);
            let headersConfigMap: string | undefined;
            if (Object.keys(headers).length > 0) {
              headerMaps++;
              const configMapName = `${this.name}-response-headers${headerMaps === 1 ? '' : `-${headerMaps}`}`;
              new k8s.KubeConfigMap(this, headerMaps === 1 ? 'response-headers' : `response-headers-${headerMaps}`, {
                metadata: { name: configMapName },
                data: sortedByKey(headers),
              });
              headersConfigMap = `${chart.namespaceName}/${configMapName}`;
            }
            Object.assign(objects.annotations, nginxPolicyAnnotations(group.policy, fullTls, headersConfigMap));
          } else {
            for (const part of traefikPolicyMiddlewares(group.policy, fullTls)) {
              const middlewareName = `${owner}-${part.suffix}`;
              new Middleware(this, middlewareName.slice(this.name.length + 1), { metadata: { name: middlewareName }, spec: part.spec });
              objects.middlewares.push(middlewareName);
            }
          }
          policyObjects.set(key, objects);
        }
        this.renderIngress(chart, group, tls, objects.annotations, objects.middlewares, certified);
      }
      // ingress-nginx compresses in its ConfigMap, for every host it serves.
      if (this.controller === 'nginx' && this.routes.some((r) => r.policy.compression))
        requirePlatform(this, {
          component: 'ingress-nginx',
          minVersion: '1.0.0',
          reason: 'gzip compression of responses (ConfigMap use-gzip; ingress-nginx has no per-Ingress switch)',
          settings: { 'use-gzip': ['true'] },
        });
    }

    // Only the edge's pods reach the backends, and only on the routed ports.
    const peer = props.controllerPeer ?? this.defaultPeer(chart);
    for (const route of this.routes) {
      if (route.backend && route.port && hasService(route.backend) && route.backend.namespaceName === chart.namespaceName) {
        route.backend.connections.allowFromPeer(peer, { port: route.port.port, protocol: route.port.protocol ?? 'TCP' });
      }
    }
    if (tls?.issuer?.http01) AcmeSolverAccess.of(chart).allowFrom(peer);

    addCheck(this, (report) => this.validate(report, chart));
  }

  /** Every routed request path and the workload serving it, as the diagram of the generated README shows them. */
  public get routing(): readonly EndpointRouting[] {
    return this.routes
      .filter((r) => r.backend)
      .map((r) => ({
        host: r.host,
        path: r.path,
        match: r.match,
        // A regex is shown by its literal prefix.
        literalPrefix: r.match === 'Regex' ? regexLiteralPrefix(r.path) : r.path,
        ...(r.rewrite !== undefined ? { rewrite: r.rewrite } : {}),
        backend: r.backend,
      }));
  }

  /** The Secret holding the certificate of `host`. */
  public tlsSecretName(host: string): string {
    return `${this.name}-${hostSlug(host)}-tls`;
  }

  /** The Gateway API objects of the endpoint, and its hosts on the system's Gateway. */
  private renderGateway(chart: SystemChart, tls: EndpointTls | undefined, fullTls: boolean, policy: EdgePolicy): { routeNames: readonly string[] } {
    const gateway = this.gateway as GatewayParent;
    const implementation = this.gatewayImplementation as GatewayImplementation;
    if (!gateway.shared) {
      const className = chart.environment?.platform?.edge?.gateway?.gatewayClassName ?? DEFAULT_GATEWAY_CLASS[implementation];
      const systemGateway = SystemGateway.of(chart, className);
      for (const host of this.tlsHosts) systemGateway.addHttpsHost(host, this.tlsSecretName(host));
    }
    const usable = this.routes.filter((r) => r.backend && r.port);
    const output = renderGatewayRoutes(this, {
      name: this.name,
      namespace: chart.namespaceName,
      implementation,
      gateway,
      routes: usable.map((r) => ({
        host: r.host,
        path: r.path,
        match: r.match,
        rewrite: r.rewrite,
        serviceName: r.backend.name,
        servicePort: r.port?.servicePort ?? r.port?.port ?? 80,
        policy: r.policy,
        protocol: r.protocol,
      })),
      hosts: [...new Set(usable.map((r) => r.host))],
      tlsHosts: this.tlsHosts,
      fullTls,
      endpointPolicy: policy,
      issuer: tls?.issuer,
      allowEnvironmentMismatch: this.props.allowEnvironmentMismatch,
      tlsSecretName: (host) => this.tlsSecretName(host),
    });
    // What the output needs from the cluster, and since which versions.
    requirePlatform(this, {
      component: 'gateway-api-crds',
      minVersion: '1.2.0',
      reason: 'HTTPRoute rule names (policies target rules by sectionName) and rule timeouts in the standard channel',
    });
    if (implementation === 'envoy-gateway')
      requirePlatform(this, {
        component: 'envoy-gateway',
        minVersion: this.routes.some((r) => r.policy.maxBodySize !== undefined) ? '1.9.0' : '1.4.0',
        reason: this.routes.some((r) => r.policy.maxBodySize !== undefined)
          ? 'BackendTrafficPolicy requestBuffer (body size), as in the v1.9.0 CRDs the output is validated against'
          : 'BackendTrafficPolicy local rate limit per client IP (sourceCIDR type Distinct)',
      });
    else
      requirePlatform(this, {
        component: 'traefik',
        minVersion: '3.1.0',
        reason: 'Gateway API provider (experimental in 3.0) with ExtensionRef filters to Middlewares',
        settings: { 'providers.kubernetesGateway.enabled': ['true'] },
      });
    if (tls?.issuer)
      requirePlatform(this, {
        component: 'cert-manager',
        minVersion: '1.15.0',
        reason: 'Certificates for Gateway listeners and the ACME HTTP-01 gatewayHTTPRoute solver without a feature gate (config.enableGatewayAPI)',
        settings: { 'config.enableGatewayAPI': ['true'] },
      });
    return output;
  }

  /** The edge's pods from the cluster profile, as a NetworkPolicy peer. */
  private defaultPeer(chart: SystemChart): NetworkPeer {
    const edge = chart.environment?.platform?.edge;
    const pods = controllerPodsOf(edge, this.controller);
    if (!pods) return this.controller === 'gateway' ? NetworkPeer.pods({}, '') : defaultControllerPeer(this.controller);
    // Envoy Gateway labels each Gateway's proxies with it: only this system's Gateway reaches its pods.
    const own: Record<string, string> =
      this.controller === 'gateway' && this.gatewayImplementation === 'envoy-gateway' && this.gateway
        ? {
            'gateway.envoyproxy.io/owning-gateway-name': this.gateway.name,
            'gateway.envoyproxy.io/owning-gateway-namespace': this.gateway.namespace,
          }
        : {};
    return peerOfPods(pods, own);
  }

  /**
   * One Ingress for a group of routes. Each host's certificate is requested by one Ingress
   * only (`certified` tracks them): cert-manager creates one Certificate per secret, and two
   * Ingresses asking for the same one would fight over it. The controllers serve a host's
   * certificate for all of its paths, whichever Ingress they come from.
   */
  private renderIngress(
    chart: SystemChart,
    group: IngressGroup,
    tls: EndpointTls | undefined,
    sharedAnnotations: Readonly<Record<string, string>>,
    middlewareNames: readonly string[],
    certified: Set<string>,
  ): void {
    const groupHosts = [...new Set(group.routes.map((r) => r.host))];
    const uncertified = groupHosts.filter((h) => this.tlsHosts.includes(h) && !certified.has(h));
    uncertified.forEach((h) => certified.add(h));
    // ingress-nginx serves a host's certificate for every path of the host; a Traefik router
    // serves HTTPS only when its own Ingress lists the host, so there every Ingress lists it
    // (the same Secret) and only the first asks cert-manager for it.
    const tlsEntries = (this.controller === 'traefik' ? groupHosts.filter((h) => this.tlsHosts.includes(h)) : uncertified).map((h) => ({
      hosts: [h],
      secretName: this.tlsSecretName(h),
    }));
    const annotations: Record<string, string> = { ...(tls && uncertified.length > 0 ? issuerAnnotation(tls.issuer) : {}), ...sharedAnnotations };
    if (this.controller === 'nginx') {
      // use-regex is host-wide in ingress-nginx; rewrite-target applies to every path of this Ingress.
      if (group.routes.some((r) => r.match === 'Regex')) annotations[`${NGINX_ANNOTATION_PREFIX}/use-regex`] = 'true';
      if (group.rewrite !== undefined) annotations[`${NGINX_ANNOTATION_PREFIX}/rewrite-target`] = group.rewrite;
      if (group.grpc) annotations[`${NGINX_ANNOTATION_PREFIX}/backend-protocol`] = 'GRPC';
    } else {
      if (group.rewriteMiddleware !== undefined) {
        new Middleware(this, group.rewriteMiddleware.slice(this.name.length + 1), {
          metadata: { name: group.rewriteMiddleware },
          spec: { replacePathRegex: { regex: `^${group.routes[0].path}`, replacement: group.rewrite } },
        });
      }
      const chain = [...middlewareNames, ...(group.rewriteMiddleware ? [group.rewriteMiddleware] : [])];
      if (chain.length > 0)
        annotations[TRAEFIK_MIDDLEWARES_ANNOTATION] = chain.map((m) => traefikMiddlewareReference(chart.namespaceName, m)).join(',');
    }
    new k8s.KubeIngress(this, group.name === this.name ? 'ingress' : `ingress-${group.name.slice(this.name.length + 1)}`, {
      metadata: { name: group.name, annotations: Object.keys(annotations).length > 0 ? sortedByKey(annotations) : undefined },
      spec: {
        ingressClassName: this.ingressClassName as string,
        tls: tlsEntries.length > 0 ? tlsEntries : undefined,
        rules: groupHosts.map((host) => ({
          host,
          http: {
            paths: group.routes
              .filter((r) => r.host === host)
              .map((r) => ({
                path: r.ingressPath,
                pathType: r.ingressPathType,
                // By the Service's port name, so a renumbered port needs no change here.
                backend: { service: { name: r.backend?.name ?? '', port: { name: r.port?.name ?? r.portName ?? 'http' } } },
              })),
          },
        })),
      },
    });
  }

  private resolveRoutes(): ResolvedRoute[] {
    const p = this.props;
    const endpointPolicy = p.policy ?? {};
    const hosts: Array<{ host: string; routes: readonly EndpointRoute[]; field: (j: number) => string }> = [];
    if (p.host !== undefined || p.backend !== undefined) {
      if (p.backend) hosts.push({ host: p.host ?? '', routes: [{ backend: p.backend, port: p.port }], field: () => '' });
    }
    arrayOrEmpty(p.hosts).forEach((h, i) => hosts.push({ host: h?.host, routes: arrayOrEmpty(h?.routes), field: (j) => `hosts[${i}].routes[${j}]` }));
    return hosts.flatMap(({ host, routes, field }) =>
      routes.map((r, j) => {
        const match = r.match ?? 'Prefix';
        const path = r.path ?? '/';
        const regexOnTraefik = match === 'Regex' && this.controller === 'traefik';
        return {
          host,
          path,
          match,
          rewrite: r.rewrite,
          backend: r.backend,
          portName: r.port,
          port: typeof r.backend?.port === 'function' ? r.backend.port(r.port) : undefined,
          ingressPath: regexOnTraefik ? regexLiteralPrefix(path) : path,
          ingressPathType: match === 'Regex' ? (regexOnTraefik ? 'Prefix' : 'ImplementationSpecific') : match,
          field: field(j),
          policy: mergePolicies(endpointPolicy, r.policy),
          policyField: r.policy !== undefined && field(j) !== '' ? `${field(j)}.policy` : 'policy',
          protocol: r.protocol ?? 'http',
        } as ResolvedRoute;
      }),
    );
  }

  /**
   * Routes that can share an Ingress: the same policy and the same rewrite. The group of the
   * endpoint's own policy keeps the endpoint's name; a route policy's group is named after its
   * first path (`public-ws`), a rewrite's `public-rewrite`.
   */
  private groupRoutes(): IngressGroup[] {
    const endpointKey = policyKey(this.props.policy ?? {});
    const plainByPolicy = new Map<string, ResolvedRoute[]>();
    const byRewrite = new Map<string, ResolvedRoute[]>();
    for (const route of this.routes) {
      // gRPC backends need their own Ingress (backend-protocol applies to every path of one).
      const key = `${policyKey(route.policy)}${route.protocol === 'grpc' ? '\u0000grpc' : ''}`;
      if (route.rewrite === undefined) {
        plainByPolicy.set(key, [...(plainByPolicy.get(key) ?? []), route]);
        continue;
      }
      // A Traefik rewrite middleware carries one expression, so each regex gets its own.
      const rewriteKey = this.controller === 'traefik' ? `${route.rewrite}\u0000${route.path}` : (route.rewrite as string);
      byRewrite.set(`${rewriteKey}\u0000${key}`, [...(byRewrite.get(`${rewriteKey}\u0000${key}`) ?? []), route]);
    }
    const rewriteGroups = [...byRewrite.values()];
    const single = plainByPolicy.size + rewriteGroups.length === 1;
    const groups: IngressGroup[] = [];
    const usedNames = new Set<string>([this.name]);
    // The group of the endpoint's own policy first: it owns the endpoint's name and shared objects.
    const plainGroups = [...plainByPolicy.entries()].sort(([a], [b]) => (a === endpointKey ? -1 : b === endpointKey ? 1 : 0));
    for (const [key, routes] of plainGroups) {
      let name = this.name;
      if (key !== endpointKey && !single) {
        const base = `${this.name}-${pathSlug(routes[0].path)}`;
        name = base;
        for (let n = 2; usedNames.has(name); n++) name = `${base}-${n}`;
        usedNames.add(name);
      }
      groups.push({ name, routes, policy: routes[0].policy, grpc: routes[0].protocol === 'grpc' });
    }
    rewriteGroups.forEach((routes, i) => {
      const suffix = `rewrite${i === 0 ? '' : `-${i + 1}`}`;
      groups.push({
        name: single ? this.name : `${this.name}-${suffix}`,
        rewrite: routes[0].rewrite,
        routes,
        rewriteMiddleware: this.controller === 'traefik' ? `${this.name}-${suffix}` : undefined,
        policy: routes[0].policy,
      });
    });
    return groups;
  }

  private validate(report: ValidationReport, chart: SystemChart): void {
    const p = this.props;
    const nameReason = checkDnsLabel(this.name, 40);
    if (nameReason) report.error('id', `'${this.name}' ${nameReason} (it names the Ingress and its objects)`);
    const shorthand = p.host !== undefined || p.backend !== undefined;
    if (shorthand && p.hosts !== undefined) report.error('hosts', 'set either hosts, or host and backend, not both');
    else if (shorthand && (p.host === undefined || p.backend === undefined))
      report.error(p.host === undefined ? 'host' : 'backend', 'host and backend go together');
    else if (!shorthand && (p.hosts ?? []).length === 0) report.error('hosts', 'an endpoint needs at least one host with a route');
    (p.hosts ?? []).forEach((h, i) => {
      if ((h.routes ?? []).length === 0) report.error(`hosts[${i}].routes`, `host '${h.host}' has no routes`);
    });
    const hostFields = new Map<string, string>();
    if (shorthand && p.host !== undefined) hostFields.set(p.host, 'host');
    (p.hosts ?? []).forEach((h, i) => {
      if (!hostFields.has(h.host)) hostFields.set(h.host, `hosts[${i}].host`);
    });
    for (const [host, field] of hostFields) {
      const reason = typeof host === 'string' ? checkIngressHost(host) : `must be a host name string (is ${host === null ? 'null' : typeof host})`;
      if (reason) report.error(field, `'${host}' ${reason}`);
      else if (this.tlsHosts.includes(host)) {
        // The Secret (and cert-manager's Certificate) is named after the host: it must be a valid name too.
        const secretName = this.tlsSecretName(host);
        const secretReason = checkDnsSubdomain(secretName);
        if (secretReason)
          report.error(field, `'${host}' gives the TLS Secret name '${secretName}', which ${secretReason}; use a shorter host or endpoint id`);
      }
    }

    const seen = new Map<string, ResolvedRoute>();
    for (const route of this.routes) {
      this.validateRoute(report, route, chart);
      const key = routeKey(route);
      const first = seen.get(key);
      if (first)
        report.error(
          fieldOf(route, 'path'),
          `'${route.path}' on '${route.host}' is already routed by ${fieldOf(first, 'path')}${sameIngressPath(first, route)}`,
        );
      else seen.set(key, route);
    }
    for (const other of chart.node.findAll().filter((c): c is PublicEndpoint => c instanceof PublicEndpoint && c !== this)) {
      for (const route of this.routes) {
        const clash = other.routes.find((r) => routeKey(r) === routeKey(route));
        if (clash)
          report.error(
            fieldOf(route, 'path'),
            `'${route.path}' on '${route.host}' is also routed by ${other.node.path} (${fieldOf(clash, 'path')}); a host and path can have one backend`,
          );
      }
    }

    this.validateTls(report, chart);
    const target: PolicyTarget = { controller: this.controller, implementation: this.gatewayImplementation };
    checkEdgePolicy(report, p.policy ?? {}, target);
    for (const route of this.routes) if (route.policyField !== 'policy') checkEdgePolicy(report, route.policy, target, route.policyField);
    if (this.ingressClassName !== undefined) {
      const classReason = checkDnsSubdomain(this.ingressClassName);
      if (classReason) report.error('ingressClassName', `'${this.ingressClassName}' ${classReason}`);
    }
    this.validateAgainstProfile(report, chart);
    if (this.controller === 'gateway') {
      for (const host of this.hosts) {
        const count = this.routes.filter((r) => r.host === host && r.protocol === 'grpc').length;
        if (count > MAX_ROUTE_RULES)
          report.error(
            'hosts',
            `'${host}' has ${count} gRPC routes; a GRPCRoute holds at most ${MAX_ROUTE_RULES} rules: route whole services (Prefix '/<package.Service>') instead of single methods`,
          );
      }
    }
  }

  /** The endpoint must use an edge the cluster profile runs, the way the profile says it runs. */
  private validateAgainstProfile(report: ValidationReport, chart: SystemChart): void {
    const edge = chart.environment?.platform?.edge;
    if (!edge) return;
    const field = profileFieldOf(this.controller);
    const running = [
      ...(edge.ingressNginx ? ['ingress-nginx'] : []),
      ...(edge.traefik ? ['traefik'] : []),
      ...(edge.gateway ? [`gateway (${GATEWAY_IMPLEMENTATION_NAMES[edge.gateway.implementation]})`] : []),
    ];
    const pods = controllerPodsOf(edge, this.controller);
    if (!pods) {
      report.error(
        'controller',
        `'${this.controller}': the cluster profile of ${chart.environment.name} runs no such edge (${field} is not set; it runs ${running.join(', ') || 'none'}); use one of those, or add ${field} to the profile`,
      );
      return;
    }
    if (
      this.props.controllerPeer === undefined &&
      (typeof pods.podLabels !== 'object' || pods.podLabels === null || Object.keys(pods.podLabels).length === 0)
    )
      report.error(
        'controller',
        `${field}${this.controller === 'gateway' ? '.dataPlane' : '.pods'}.podLabels is empty: the NetworkPolicies would admit every pod of namespace '${pods.namespace}'; give the labels of the ${this.controller === 'gateway' ? 'data-plane' : 'controller'} pods`,
      );
    if (this.controller !== 'gateway') {
      const profile = this.controller === 'nginx' ? edge.ingressNginx : edge.traefik;
      const served = profile?.ingressClassName ?? DEFAULT_INGRESS_CLASS[this.controller];
      const wellFormed = typeof this.ingressClassName === 'string' && checkDnsSubdomain(this.ingressClassName) === undefined;
      if (wellFormed && this.ingressClassName !== served)
        report.error(
          'ingressClassName',
          `'${this.ingressClassName}' is not the class the profile's ${edgeName({ controller: this.controller })} serves ('${served}', ${field}.ingressClassName); no controller would serve this Ingress`,
        );
    }
    const allowed = this.controller === 'nginx' ? edge.ingressNginx?.allowedResponseHeaders : undefined;
    if (allowed) {
      const lower = new Set(allowed.map((h) => h.toLowerCase()));
      const refused = this.allowedResponseHeaders.filter((h) => !lower.has(h.toLowerCase()));
      if (refused.length > 0)
        report.error(
          'policy.securityHeaders',
          `sets ${refused.join(', ')}, which ingress-nginx does not allow (platform.edge.ingressNginx.allowedResponseHeaders: ${allowed.join(', ') || 'none'}); it would answer 503 on every path: add the headers to the profile's list or leave them out`,
        );
    }
  }

  private validateRoute(report: ValidationReport, route: ResolvedRoute, chart: SystemChart): void {
    const backend = route.backend;
    if (!backend) {
      report.error(fieldOf(route, 'backend'), 'required: the workload the route goes to');
      return;
    }
    if (route.match === 'Regex') {
      const reason = checkRegexPath(route.path);
      if (reason) report.error(fieldOf(route, 'path'), `'${route.path}' ${reason}`);
      else if (route.rewrite !== undefined) {
        const groups = captureGroups(route.path);
        const missing = referencedGroups(route.rewrite).filter((n) => n > groups);
        if (missing.length > 0)
          report.error(fieldOf(route, 'rewrite'), `'${route.rewrite}' refers to $${missing[0]}, but '${route.path}' has ${groups} capture group(s)`);
      }
      if (this.controller === 'traefik') {
        if (route.rewrite === undefined) {
          report.error(
            fieldOf(route, 'match'),
            "Traefik's Ingress support matches paths literally; a regex path needs a rewrite (it becomes a ReplacePathRegex middleware), otherwise use 'Prefix' or 'Exact'",
          );
        } else {
          const literal = checkLiteralPath(route.ingressPath, 'traefik');
          if (literal) report.error(fieldOf(route, 'path'), `its literal start '${route.ingressPath}', which Traefik matches, ${literal}`);
        }
      }
      if (this.controller === 'gateway') {
        const edge = GATEWAY_IMPLEMENTATION_NAMES[this.gatewayImplementation as GatewayImplementation];
        const strip = prefixStripOf(route.path, route.rewrite);
        if (route.rewrite !== undefined && strip === undefined)
          report.error(
            fieldOf(route, 'rewrite'),
            `'${route.rewrite}' on '${route.path}' has no Gateway API form: URLRewrite replaces a path prefix or the whole path, never capture groups; only the prefix strip '<prefix>(/|$)(.*)' -> '/$2' is rendered (as PathPrefix + ReplacePrefixMatch)`,
          );
        else if (strip === undefined && this.gatewayImplementation !== 'envoy-gateway')
          report.error(
            fieldOf(route, 'match'),
            `${edge} does not support RegularExpression path matches (implementation-specific in the Gateway API); use 'Prefix' or 'Exact', or Envoy Gateway`,
          );
      }
    } else {
      const reason = checkLiteralPath(route.path, this.controller === 'gateway' ? 'traefik' : this.controller);
      if (reason) report.error(fieldOf(route, 'path'), `'${route.path}' ${reason}`);
      if (route.rewrite !== undefined) {
        report.error(
          fieldOf(route, 'rewrite'),
          `a rewrite needs match: 'Regex' (it substitutes the regex's capture groups); '${route.path}' is a ${route.match} path`,
        );
      }
    }
    if (route.rewrite !== undefined && !route.rewrite.startsWith('/'))
      report.error(fieldOf(route, 'rewrite'), `'${route.rewrite}' must start with '/'`);
    if (route.protocol === 'grpc') this.validateGrpcRoute(report, route);
    else if (route.protocol !== 'http') report.error(fieldOf(route, 'protocol'), `${describeValue(route.protocol)} must be 'http' or 'grpc'`);

    if (!hasService(backend)) {
      report.error(
        fieldOf(route, 'backend'),
        `${backend.node.path} has no Service to route to (a ${backend.constructor.name}); only workloads with a Service, such as a WebService, can serve an endpoint`,
      );
    } else if (!route.port) {
      const declared = backend.ports.map((q) => q.name);
      report.error(
        fieldOf(route, 'port'),
        route.portName === undefined
          ? `${backend.node.path} declares no port`
          : `'${route.portName}' is not a port of ${backend.node.path} (its ports: ${declared.join(', ') || 'none'})`,
      );
    }
    const dataPort = backend instanceof StatefulStore ? storeDataPort(backend) : undefined;
    if (route.port && dataPort !== undefined && route.port.port === dataPort) {
      // The edge forwards whatever arrives: the store's own protocol, with its accounts, on the internet.
      report.error(
        fieldOf(route, 'backend'),
        `${backend.node.path} is a data store and '${route.port.name}' (${dataPort}) its data port, which an endpoint would open to the internet ` +
          `with the store's own accounts and no way to restrict what they do; ${
            backend instanceof ObjectStore
              ? 'route public reads of a bucket to an ObjectStoreGateway (GET and HEAD of one bucket, anonymous) instead'
              : 'route the endpoint to the application that uses the store, which connect()s to it inside the namespace'
          }`,
      );
    }
    if (backend.namespaceName !== chart.namespaceName) {
      report.error(
        fieldOf(route, 'backend'),
        `${backend.node.path} is in namespace '${backend.namespaceName}'; an ${this.controller === 'gateway' ? 'HTTPRoute of this library' : 'Ingress'} routes only to Services of its own namespace ('${chart.namespaceName}')`,
      );
    }
  }

  private validateGrpcRoute(report: ValidationReport, route: ResolvedRoute): void {
    if (this.controller === 'traefik') {
      report.error(
        fieldOf(route, 'protocol'),
        "Traefik's Ingress provider speaks gRPC to a backend only through the Service annotation traefik.ingress.kubernetes.io/service.serversscheme: h2c, which the workload's Service does not carry; use ingress-nginx or the Gateway API",
      );
      return;
    }
    if (this.controller === 'nginx' && !this.tlsHosts.includes(route.host))
      report.error(
        fieldOf(route, 'protocol'),
        `ingress-nginx serves gRPC over HTTP/2, which it speaks with clients only over TLS: give '${route.host}' a certificate`,
      );
    if (this.controller === 'gateway') {
      const reason = checkGrpcPath(route.path, route.match);
      if (reason) report.error(fieldOf(route, 'path'), `'${route.path}' ${reason}`);
      if (route.policy.timeouts?.requestSeconds !== undefined)
        report.error(
          `${route.policyField}.timeouts.requestSeconds`,
          'a GRPCRoute has no request timeout in the Gateway API; leave requestSeconds out of a gRPC route',
        );
    }
  }

  private validateTls(report: ValidationReport, chart: SystemChart): void {
    const p = this.props;
    const env = chart.environment;
    if (p.tls === undefined) {
      if (env.tls !== 'none') {
        report.error(
          'tls',
          `required in ${env.name} (environment tls: '${env.tls}'): pass { issuer } (see issuerForEnvironment), or tls: false to serve plain HTTP deliberately`,
        );
      }
      return;
    }
    if (p.tls === false) return;
    const issuer = p.tls.issuer;
    if (!issuer) {
      report.error('tls.issuer', 'required: the issuer of the certificates');
      return;
    }
    (p.tls.hosts ?? []).forEach((host, i) => {
      if (!this.hosts.includes(host))
        report.error(
          `tls.hosts[${i}]`,
          `'${host}' is not a host of this endpoint (hosts: ${this.hosts.join(', ')}); a certificate for it would never be served`,
        );
    });
    checkIssuerScope(report, 'tls.issuer', issuer, chart.namespaceName);
    checkIssuerForEnvironment(report, 'tls.issuer', issuer, env, { allowMismatch: p.allowEnvironmentMismatch, publicEndpoint: true });
    const acme = issuer.trust === 'acme-production' || issuer.trust === 'acme-staging';
    if (acme && issuer.issuesWildcards === false) {
      const wildcards = this.tlsHosts.filter((h) => h.startsWith('*.'));
      if (wildcards.length > 0)
        report.error(
          'tls.issuer',
          `${issuer.describe} answers HTTP-01 challenges only, and ACME issues wildcard names (${wildcards.join(', ')}) through DNS-01 only; give the issuer a dns01 solver`,
        );
    }
    const solverGateway = issuer.http01?.gateway;
    if (this.controller === 'gateway' && this.gateway && issuer.http01 && issuer.issuesWildcards !== true) {
      const wrong =
        solverGateway === undefined ||
        solverGateway.name !== this.gateway.name ||
        (solverGateway.namespace ?? chart.namespaceName) !== this.gateway.namespace;
      if (wrong && (solverGateway !== undefined || issuer.http01.ingressClassName !== undefined))
        report.error(
          'tls.issuer',
          `${issuer.describe} answers HTTP-01 challenges through ${solverGateway ? `Gateway '${solverGateway.namespace ?? chart.namespaceName}/${solverGateway.name}'` : `IngressClass '${issuer.http01.ingressClassName}'`}, but this endpoint is served by Gateway '${this.gateway.namespace}/${this.gateway.name}'; the challenge would reach the wrong edge`,
        );
    }
    const solverClass = issuer.http01?.ingressClassName;
    if (this.controller !== 'gateway' && solverGateway !== undefined && issuer.issuesWildcards !== true)
      report.error(
        'tls.issuer',
        `${issuer.describe} answers HTTP-01 challenges through a Gateway, but this endpoint is served by IngressClass '${this.ingressClassName}'`,
      );
    if (this.controller !== 'gateway' && solverClass !== undefined && solverClass !== this.ingressClassName && issuer.issuesWildcards !== true) {
      report.error(
        'tls.issuer',
        `${issuer.describe} answers HTTP-01 challenges through IngressClass '${solverClass}', but this endpoint is served by '${this.ingressClassName}'; the challenge would reach the wrong controller`,
      );
    }
  }
}

/** The port clients of a store connect to (undefined when the store's own checks refuse its props). */
function storeDataPort(store: StatefulStore): number | undefined {
  try {
    return store.connectionInfo().port;
  } catch {
    return undefined;
  }
}

/** A workload has a Service to route to when it owns one named after itself (a WebService does). */
function hasService(workload: Workload): boolean {
  return workload.node.findAll().some((c: IConstruct) => c instanceof ApiObject && c.kind === 'Service' && c.name === workload.name);
}

/** `/ws` -> `ws`, `/api/v1` -> `api-v1`, `/` -> `root`: names an Ingress of a route policy. */
function pathSlug(path: string): string {
  return (
    hostSlug(path.replace(/[^A-Za-z0-9/_-]/g, ''))
      .slice(0, 20)
      .replace(/-+$/, '') || 'root'
  );
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

function routeKey(route: ResolvedRoute): string {
  return `${route.host} ${route.ingressPath}`;
}

function sameIngressPath(a: ResolvedRoute, b: ResolvedRoute): string {
  return a.path === b.path
    ? ''
    : ` (both become the path '${b.ingressPath}' on ${b.match === 'Regex' || a.match === 'Regex' ? 'Traefik' : 'the Ingress'})`;
}

function fieldOf(route: ResolvedRoute, prop: string): string {
  return route.field === '' ? (prop === 'path' || prop === 'match' || prop === 'rewrite' ? `host` : prop) : `${route.field}.${prop}`;
}
