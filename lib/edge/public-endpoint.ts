import { Construct } from 'constructs';
import { markComponent } from '../core/component';
import { addFinalizer } from '../core/finalize';
import type { EdgeProfile, GatewayImplementation } from '../core/platform';
import { SystemChart } from '../core/system-chart';
import { addCheck } from '../core/validation';
import type { Workload } from '../workloads/workload';
import { NetworkPeer } from '../security/network-peer';
import { checkProps } from '../core/prop-check';
import { AcmeSolverAccess } from './acme-solver-access';
import type { EdgePolicy } from './edge-policy';
import type { EdgeEndpoint, IEdgeRenderer } from './edge-renderer';
import { hasService, validateEndpoint } from './endpoint-validation';
import { GatewayRenderer } from './gateway-renderer';
import { controllerOfEdge, EdgeController } from './ingress-controller';
import { metricsExclusions } from './metrics-exposure';
import { regexLiteralPrefix } from './names';
import { NginxRenderer } from './nginx-renderer';
import { publishEndpointRecords } from './public-dns';
import { EndpointHost, EndpointTls, PathMatch, PublicMetrics, ResolvedRoute, resolveEndpoint, tlsSecretNameOf } from './route-resolution';
import { TraefikRenderer } from './traefik-renderer';

export type { EndpointHost, EndpointRoute, EndpointTls, PathMatch, PublicMetrics } from './route-resolution';

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
  /**
   * Serve the backends' metrics paths publicly on every route of this endpoint (a route's own
   * `publicMetrics` wins). Metrics tell anyone how the service is built and loaded: without
   * this, a route to a metrics path is refused and a catch-all route answers it with an error.
   * @default - none: metrics stay private
   */
  readonly publicMetrics?: PublicMetrics;
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

/** The renderer of each edge: the endpoint binds to one and never asks which it is. */
const RENDERERS: Readonly<Record<EdgeController, (edge: EdgeProfile | undefined, props: PublicEndpointProps, chart: SystemChart) => IEdgeRenderer>> =
  {
    nginx: (edge, props) => new NginxRenderer(edge, props.ingressClassName),
    traefik: (edge, props) => new TraefikRenderer(edge, props.ingressClassName),
    gateway: (edge, _props, chart) => new GatewayRenderer(edge, chart.namespaceName),
  };

/**
 * A public HTTP(S) entry point that routes hosts and paths to workloads (never to hand-typed
 * Service names), with certificates from cert-manager, HTTPS redirect and HSTS by default, the
 * edge policy rendered the serving edge's way, and NetworkPolicy allowances so that only the
 * edge's pods reach the backends, on their ports. The edge comes from the cluster profile
 * (`environment.platform.edge`): switching a system from ingress-nginx to the Gateway API is
 * one change of its environment, not of its chart.
 *
 * The routes are resolved once (route-resolution.ts) and rendered by the edge's renderer
 * (edge-renderer.ts): on ingress-nginx and Traefik `networking.k8s.io/v1` Ingress objects, one
 * per distinct route policy and rewrite, all sharing the host's one certificate; on the Gateway
 * API an HTTPRoute per host attached to the system's Gateway or the profile's shared one, one
 * named rule per route, a Certificate per host, and the policies of the implementation.
 *
 * Metrics stay private: a path where a backend serves its metrics (`exposeMetrics()` on the
 * routed port) is refused as a route, and answered with an error on every edge when a broader
 * route (the catch-all `/`) covers it, unless declared public (`publicMetrics`, with a reason).
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
  private readonly routes: readonly ResolvedRoute[];

  constructor(scope: Construct, id: string, props: PublicEndpointProps) {
    super(scope, id);
    checkProps(this, 'PublicEndpointProps', props);
    const chart = SystemChart.of(this);
    const edge = chart.environment?.platform?.edge;
    this.name = id;
    this.controller = props.controller ?? controllerOfEdge(edge?.default ?? 'ingress-nginx');
    // An unknown controller is reported by checkProps; the profile's default edge renders meanwhile.
    const renderer = (RENDERERS[this.controller] ?? RENDERERS[controllerOfEdge(edge?.default ?? 'ingress-nginx')])(edge, props, chart);
    this.gatewayImplementation = renderer.gatewayImplementation;
    this.ingressClassName = renderer.ingressClassName;
    markComponent(this, { name: this.name, component: 'public-endpoint' });

    const resolved = resolveEndpoint(props, renderer.regexPaths);
    this.routes = resolved.routes;
    this.hosts = resolved.hosts;
    this.tlsHosts = resolved.tlsHosts;
    this.urls = resolved.urls;
    this.allowedResponseHeaders = renderer.allowedResponseHeaders(resolved);
    const endpoint: EdgeEndpoint = {
      scope: this,
      name: this.name,
      chart,
      resolved,
      allowEnvironmentMismatch: props.allowEnvironmentMismatch,
      tlsSecretName: (host) => this.tlsSecretName(host),
    };
    const output = renderer.bind(endpoint);
    this.ingressNames = output.ingressNames;
    this.routeNames = output.routeNames;
    // Metrics may be declared after the endpoint: their refusal is rendered once the model is complete.
    addFinalizer(this, () => {
      const exclusions = metricsExclusions(this.routes);
      if (exclusions.length > 0) renderer.refuseMetrics(endpoint, exclusions);
    });
    // The hosts' records (external-dns), when the profile manages public DNS.
    publishEndpointRecords(this, chart.environment?.platform?.publicDns, resolved, this.controller === 'gateway');

    // Only the edge's pods reach the backends, and only on the routed ports.
    const peer = props.controllerPeer ?? renderer.defaultPeer(chart);
    for (const route of this.routes) {
      if (route.backend && route.port && hasService(route.backend) && route.backend.namespaceName === chart.namespaceName) {
        route.backend.connections.allowFromPeer(peer, { port: route.port.port, protocol: route.port.protocol ?? 'TCP' });
      }
    }
    if (resolved.tls?.issuer?.http01) AcmeSolverAccess.of(chart).allowFrom(peer);

    addCheck(this, (report) =>
      validateEndpoint(report, {
        props,
        endpoint,
        renderer,
        others: chart.node
          .findAll()
          .filter((c): c is PublicEndpoint => c instanceof PublicEndpoint && c !== this)
          .map((other) => ({ path: other.node.path, routes: other.routes })),
      }),
    );
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
    return tlsSecretNameOf(this.name, host);
  }
}
