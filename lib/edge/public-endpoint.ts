import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { Middleware } from '../../imports/middlewares-traefik.io';
import { markComponent } from '../core/component';
import { sortedByKey } from '../core/json';
import { checkDnsLabel, checkDnsSubdomain } from '../core/naming';
import { SystemChart } from '../core/system-chart';
import { addCheck, ValidationReport } from '../core/validation';
import type { PortSpec } from '../workloads/container';
import type { Workload } from '../workloads/workload';
import { NetworkPeer } from '../security/network-peer';
import { AcmeSolverAccess } from './acme-solver-access';
import { checkIssuerScope } from './certificate';
import { checkEdgePolicy, EdgePolicy, nginxPolicyAnnotations, securityHeaderValues, traefikPolicyMiddlewares } from './edge-policy';
import {
  DEFAULT_INGRESS_CLASS,
  defaultControllerPeer,
  IngressController,
  NGINX_ANNOTATION_PREFIX,
  TRAEFIK_MIDDLEWARES_ANNOTATION,
  traefikMiddlewareReference,
} from './ingress-controller';
import { checkIssuerForEnvironment, IIssuer, issuerAnnotation } from './issuer';
import { captureGroups, checkIngressHost, checkLiteralPath, checkRegexPath, hostSlug, referencedGroups, regexLiteralPrefix } from './names';
import { arrayOrEmpty, checkProps } from '../core/prop-check';
import { requirePlatform } from '../core/platform-requirements';

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
   * TechShop's `/api(/|$)(.*)` → `/$2` serves `/api/users` as `/users`. Regex paths only.
   * @default - the request path, unchanged
   */
  readonly rewrite?: string;
  /** The workload serving the route; it needs a Service (a WebService). */
  readonly backend: Workload;
  /** Name of the backend's port. @default - its first port */
  readonly port?: string;
}

/** One host name and its routes. */
export interface EndpointHost {
  /** A DNS name, e.g. `api.loopi.com`, or a wildcard `*.loopi.com`. */
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
  /** The ingress controller serving it. @default 'nginx' */
  readonly controller?: IngressController;
  /** The IngressClass (`spec.ingressClassName`). @default - the controller's default class ('nginx' or 'traefik') */
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
   * @default - DEFAULT_INGRESS_CONTROLLER for nginx, DEFAULT_TRAEFIK_CONTROLLER for traefik
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
}

/**
 * A public HTTP(S) entry point: `networking.k8s.io/v1` Ingress objects for ingress-nginx or
 * Traefik that route hosts and paths to workloads (never to hand-typed Service names),
 * with certificates from cert-manager, HTTPS redirect and HSTS by default, the edge policy
 * rendered the controller's way, and NetworkPolicy allowances so that only the
 * controller's pods reach the backends, on their ports.
 *
 * Routes with a rewrite get an Ingress of their own: ingress-nginx's `rewrite-target` and
 * a Traefik router's middlewares apply to every path of an Ingress.
 *
 * On ingress-nginx, security headers are set with `custom-headers` (a ConfigMap of
 * response headers; ingress-nginx >= 1.10), because `configuration-snippet` is disabled by
 * default since 1.9. The controller only sends headers listed in its ConfigMap's
 * `global-allowed-response-headers` and answers 503 otherwise: `allowedResponseHeaders`
 * lists the names it must allow.
 */
export class PublicEndpoint extends Construct {
  public readonly name: string;
  public readonly controller: IngressController;
  public readonly ingressClassName: string;
  /** Every host, in order. */
  public readonly hosts: readonly string[];
  /** Hosts served over HTTPS. */
  public readonly tlsHosts: readonly string[];
  /** `https://api.loopi.com` for each host (http:// without TLS). */
  public readonly urls: readonly string[];
  /** Names of the Ingress objects. */
  public readonly ingressNames: readonly string[];
  /** Response header names ingress-nginx must list in `global-allowed-response-headers` (empty on Traefik). */
  public readonly allowedResponseHeaders: readonly string[];
  private readonly routes: ResolvedRoute[];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: PublicEndpointProps,
  ) {
    super(scope, id);
    checkProps(this, 'PublicEndpointProps', props);
    const chart = SystemChart.of(this);
    this.name = id;
    this.controller = props.controller ?? 'nginx';
    this.ingressClassName = props.ingressClassName ?? DEFAULT_INGRESS_CLASS[this.controller];
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

    const groups = this.groupRoutes();
    this.ingressNames = groups.map((g) => g.name);
    const headers = securityHeaderValues(policy, fullTls);
    this.allowedResponseHeaders = this.controller === 'nginx' ? Object.keys(headers).sort() : [];
    if (tls)
      requirePlatform(this, {
        component: 'cert-manager',
        minVersion: '1.0.0',
        reason: 'ingress-shim: certificates from the Ingress issuer annotation',
      });
    const headerNames = this.allowedResponseHeaders;
    requirePlatform(
      this,
      this.controller === 'nginx'
        ? headerNames.length > 0
          ? {
              component: 'ingress-nginx',
              minVersion: '1.11.0',
              reason: '`custom-headers` annotation (first in controller v1.11.0)',
              settings: { 'global-allowed-response-headers': headerNames },
            }
          : { component: 'ingress-nginx', minVersion: '1.0.0', reason: `networking.k8s.io/v1 Ingress of class '${this.ingressClassName}'` }
        : {
            component: 'traefik',
            minVersion: '2.10.0',
            reason: 'traefik.io/v1alpha1 Middleware (the traefik.io API group is first served by v2.10)',
          },
    );

    // Policy objects shared by every Ingress of the endpoint.
    const shared: Record<string, string> = {};
    const middlewareNames: string[] = [];
    if (this.controller === 'nginx') {
      let headersConfigMap: string | undefined;
      if (Object.keys(headers).length > 0) {
        const configMapName = `${this.name}-response-headers`;
        new k8s.KubeConfigMap(this, 'response-headers', { metadata: { name: configMapName }, data: sortedByKey(headers) });
        headersConfigMap = `${chart.namespaceName}/${configMapName}`;
      }
      Object.assign(shared, nginxPolicyAnnotations(policy, fullTls, headersConfigMap));
    } else {
      for (const part of traefikPolicyMiddlewares(policy, fullTls)) {
        const middlewareName = `${this.name}-${part.suffix}`;
        new Middleware(this, part.suffix, { metadata: { name: middlewareName }, spec: part.spec });
        middlewareNames.push(middlewareName);
      }
    }

    const certified = new Set<string>();
    for (const group of groups) this.renderIngress(chart, group, tls, shared, middlewareNames, certified);

    // Only the controller reaches the backends, and only on the routed ports.
    const peer = props.controllerPeer ?? defaultControllerPeer(this.controller);
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
    const tlsEntries = groupHosts
      .filter((h) => this.tlsHosts.includes(h) && !certified.has(h))
      .map((h) => {
        certified.add(h);
        return { hosts: [h], secretName: this.tlsSecretName(h) };
      });
    const annotations: Record<string, string> = { ...(tls && tlsEntries.length > 0 ? issuerAnnotation(tls.issuer) : {}), ...sharedAnnotations };
    if (this.controller === 'nginx') {
      // use-regex is host-wide in ingress-nginx; rewrite-target applies to every path of this Ingress.
      if (group.routes.some((r) => r.match === 'Regex')) annotations[`${NGINX_ANNOTATION_PREFIX}/use-regex`] = 'true';
      if (group.rewrite !== undefined) annotations[`${NGINX_ANNOTATION_PREFIX}/rewrite-target`] = group.rewrite;
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
        ingressClassName: this.ingressClassName,
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
        };
      }),
    );
  }

  private groupRoutes(): IngressGroup[] {
    const plain = this.routes.filter((r) => r.rewrite === undefined);
    const byRewrite = new Map<string, ResolvedRoute[]>();
    for (const route of this.routes.filter((r) => r.rewrite !== undefined)) {
      // A Traefik rewrite middleware carries one expression, so each regex gets its own.
      const key = this.controller === 'traefik' ? `${route.rewrite}\u0000${route.path}` : (route.rewrite as string);
      byRewrite.set(key, [...(byRewrite.get(key) ?? []), route]);
    }
    const rewriteGroups = [...byRewrite.values()];
    const single = (plain.length > 0 ? 1 : 0) + rewriteGroups.length === 1;
    const groups: IngressGroup[] = plain.length > 0 ? [{ name: this.name, routes: plain }] : [];
    rewriteGroups.forEach((routes, i) => {
      const suffix = `rewrite${i === 0 ? '' : `-${i + 1}`}`;
      groups.push({
        name: single ? this.name : `${this.name}-${suffix}`,
        rewrite: routes[0].rewrite,
        routes,
        rewriteMiddleware: this.controller === 'traefik' ? `${this.name}-${suffix}` : undefined,
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
    checkEdgePolicy(report, p.policy ?? {}, this.controller);
    const classReason = checkDnsSubdomain(this.ingressClassName);
    if (classReason) report.error('ingressClassName', `'${this.ingressClassName}' ${classReason}`);
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
    } else {
      const reason = checkLiteralPath(route.path, this.controller);
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
    if (backend.namespaceName !== chart.namespaceName) {
      report.error(
        fieldOf(route, 'backend'),
        `${backend.node.path} is in namespace '${backend.namespaceName}'; an Ingress routes only to Services of its own namespace ('${chart.namespaceName}')`,
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
    const solverClass = issuer.http01?.ingressClassName;
    if (solverClass !== undefined && solverClass !== this.ingressClassName && issuer.issuesWildcards !== true) {
      report.error(
        'tls.issuer',
        `${issuer.describe} answers HTTP-01 challenges through IngressClass '${solverClass}', but this endpoint is served by '${this.ingressClassName}'; the challenge would reach the wrong controller`,
      );
    }
  }
}

/** A workload has a Service to route to when it owns one named after itself (a WebService does). */
function hasService(workload: Workload): boolean {
  return workload.node.findAll().some((c: IConstruct) => c instanceof ApiObject && c.kind === 'Service' && c.name === workload.name);
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
