/**
 * Route resolution of a PublicEndpoint: its props turned into the routes, hosts and TLS hosts
 * every edge renders, with the field each route came from (for messages). Pure: no construct is
 * made here, and nothing depends on which edge serves the endpoint except how a regex path
 * becomes an Ingress path, which the edge's renderer says (`RegexPaths`).
 */
import type { PortSpec } from '../workloads/container';
import type { Workload } from '../workloads/workload';
import { arrayOrEmpty } from '../core/prop-check';
import { EdgePolicy, mergePolicies } from './edge-policy';
import type { IIssuer } from './issuer';
import { hostSlug, regexLiteralPrefix } from './names';

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

/**
 * A deliberate decision to serve a workload's metrics on the internet, with its reason
 * (printed in messages; e.g. a status page that reads them from the browser).
 */
export interface PublicMetrics {
  /** Why the metrics may be public. */
  readonly reason: string;
}

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
  /**
   * Route to the backend's preview Service instead: the new version of a blue-green release
   * before it is promoted (`rollout: { strategy: 'blueGreen' }`), on a host of its own for testers.
   * @default false
   */
  readonly preview?: boolean;
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
  /**
   * Serve the backend's metrics path on this route after all. Without it a route to a metrics
   * path (`exposeMetrics()` on the routed port) is a synth error, and a route that covers one
   * (the catch-all `/`) answers it with an error on every edge.
   * @default - the endpoint's `publicMetrics`, or none: metrics stay private
   */
  readonly publicMetrics?: PublicMetrics;
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

/** The props route resolution reads (a subset of PublicEndpointProps, whose docs they share). */
export interface RouteProps {
  /** @default - the single host given by `host` and `backend` */
  readonly hosts?: readonly EndpointHost[];
  /** @default - none (use hosts) */
  readonly host?: string;
  /** @default - none (use hosts) */
  readonly backend?: Workload;
  /** @default - the backend's first port */
  readonly port?: string;
  /** @default - none, which is an error unless the environment's tls is 'none' */
  readonly tls?: EndpointTls | false;
  /** @default - see EdgePolicy */
  readonly policy?: EdgePolicy;
  /** @default - none: metrics stay private */
  readonly publicMetrics?: PublicMetrics;
}

/**
 * How an edge carries a regex path: `native` (ingress-nginx, the Gateway API) matches the
 * expression; `literal-prefix` (Traefik's Ingress provider) matches its literal start.
 */
export type RegexPaths = 'native' | 'literal-prefix';

/** A route with everything resolved, and the field it came from. */
export interface ResolvedRoute {
  readonly host: string;
  readonly path: string;
  readonly match: PathMatch;
  readonly rewrite?: string;
  readonly backend: Workload;
  /** The Service the route goes to: the backend's own, or its preview Service (`preview`). */
  readonly serviceName: string;
  /** As given (checked by the endpoint's validation). */
  readonly preview?: unknown;
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
  /** The route's (or the endpoint's) decision to serve metrics publicly. */
  readonly publicMetrics?: PublicMetrics;
  /** Where `publicMetrics` was given: `publicMetrics` or `hosts[0].routes[1].publicMetrics`. */
  readonly publicMetricsField: string;
}

/** The endpoint's routes, hosts and TLS, resolved. */
export interface ResolvedEndpoint {
  readonly routes: readonly ResolvedRoute[];
  /** Every host, in order. */
  readonly hosts: readonly string[];
  /** Hosts served over HTTPS. */
  readonly tlsHosts: readonly string[];
  /** `https://host` (http:// without TLS) for each host. */
  readonly urls: readonly string[];
  /** The TLS props, when the endpoint serves HTTPS. */
  readonly tls?: EndpointTls;
  /**
   * Every host has a certificate. Redirect and HSTS are on only then: a redirect to HTTPS for
   * a host without one lands on the controller's fake certificate.
   */
  readonly fullTls: boolean;
  /** The endpoint's own policy. */
  readonly policy: EdgePolicy;
}

/** Resolves the endpoint's props; bad values are kept for the checks to report, never thrown on. */
export function resolveEndpoint(props: RouteProps, regexPaths: RegexPaths): ResolvedEndpoint {
  const routes = resolveRoutes(props, regexPaths);
  const hosts = [...new Set(routes.map((r) => r.host))];
  const tls = props.tls || undefined;
  const tlsHosts = tls ? [...new Set(tls.hosts ?? hosts)] : [];
  return {
    routes,
    hosts,
    tlsHosts,
    urls: hosts.map((h) => `${tlsHosts.includes(h) ? 'https' : 'http'}://${h}`),
    tls,
    fullTls: tls !== undefined && hosts.every((h) => tlsHosts.includes(h)),
    policy: props.policy ?? {},
  };
}

function resolveRoutes(p: RouteProps, regexPaths: RegexPaths): ResolvedRoute[] {
  const endpointPolicy = p.policy ?? {};
  const hosts: Array<{ host: string; routes: readonly EndpointRoute[]; field: (j: number) => string }> = [];
  if (p.host !== undefined || p.backend !== undefined) {
    if (p.backend) hosts.push({ host: p.host ?? '', routes: [{ backend: p.backend, port: p.port }], field: () => '' });
  }
  arrayOrEmpty(p.hosts).forEach((h, i) => hosts.push({ host: h?.host, routes: arrayOrEmpty(h?.routes), field: (j) => `hosts[${i}].routes[${j}]` }));
  return hosts.flatMap(({ host, routes, field }) =>
    routes.map((r, j): ResolvedRoute => {
      const match = r.match ?? 'Prefix';
      const path = r.path ?? '/';
      const literal = match === 'Regex' && regexPaths === 'literal-prefix';
      const own = r.publicMetrics !== undefined && field(j) !== '';
      return {
        host,
        path,
        match,
        rewrite: r.rewrite,
        backend: r.backend,
        serviceName: (r.preview === true ? previewServiceOf(r.backend) : undefined) ?? r.backend?.name ?? '',
        preview: r.preview,
        portName: r.port,
        port: typeof r.backend?.port === 'function' ? r.backend.port(r.port) : undefined,
        ingressPath: literal ? regexLiteralPrefix(path) : path,
        ingressPathType: match === 'Regex' ? (literal ? 'Prefix' : 'ImplementationSpecific') : match,
        field: field(j),
        policy: mergePolicies(endpointPolicy, r.policy),
        policyField: r.policy !== undefined && field(j) !== '' ? `${field(j)}.policy` : 'policy',
        protocol: r.protocol ?? 'http',
        publicMetrics: own ? r.publicMetrics : p.publicMetrics,
        publicMetricsField: own ? `${field(j)}.publicMetrics` : 'publicMetrics',
      };
    }),
  );
}

/** The preview Service of a blue-green WebService (`WebService.previewServiceName`), if it has one. */
export function previewServiceOf(backend: Workload | undefined): string | undefined {
  const name: unknown = (backend as { previewServiceName?: unknown } | undefined)?.previewServiceName;
  return typeof name === 'string' ? name : undefined;
}

/** The field of a route's prop, for messages (the shorthand's path is its `host`). */
export function fieldOf(route: ResolvedRoute, prop: string): string {
  return route.field === '' ? (prop === 'path' || prop === 'match' || prop === 'rewrite' ? `host` : prop) : `${route.field}.${prop}`;
}

/** What makes two routes the same to a controller: their host and the path it matches. */
export function routeKey(route: ResolvedRoute): string {
  return `${route.host} ${route.ingressPath}`;
}

/** Why two different paths collide, for messages ('' when they are the same path). */
export function sameIngressPath(a: ResolvedRoute, b: ResolvedRoute): string {
  return a.path === b.path
    ? ''
    : ` (both become the path '${b.ingressPath}' on ${b.match === 'Regex' || a.match === 'Regex' ? 'Traefik' : 'the Ingress'})`;
}

/** `/ws` -> `ws`, `/api/v1` -> `api-v1`, `/` -> `root`: names an object of a route. */
export function pathSlug(path: string): string {
  return (
    hostSlug(path.replace(/[^A-Za-z0-9/_-]/g, ''))
      .slice(0, 20)
      .replace(/-+$/, '') || 'root'
  );
}

/** The Secret holding the certificate of `host` on endpoint `name`. */
export function tlsSecretNameOf(name: string, host: string): string {
  return `${name}-${hostSlug(host)}-tls`;
}
