/**
 * A PublicEndpoint on the Gateway API: HTTPRoutes attached to the system's Gateway (or the
 * platform's shared one), a cert-manager Certificate per host, the HTTP -> HTTPS redirect as a
 * RequestRedirect route on the HTTP listener, and what the standard API cannot say rendered
 * by the implementation of the cluster profile: Envoy Gateway BackendTrafficPolicies targeting
 * the named rules (`sectionName`), or Traefik Middlewares through ExtensionRef filters.
 */
import { Construct } from 'constructs';
import {
  BackendTrafficPolicy,
  BackendTrafficPolicySpec,
  BackendTrafficPolicySpecCompressorType,
  BackendTrafficPolicySpecRateLimitLocalRulesClientSelectorsSourceCidrType,
  BackendTrafficPolicySpecRateLimitLocalRulesLimitUnit,
  BackendTrafficPolicySpecRateLimitType,
  BackendTrafficPolicySpecRequestBufferLimit,
  BackendTrafficPolicySpecRetryRetryOnTriggers,
} from '../../imports/backendtrafficpolicies-gateway.envoyproxy.io';
import {
  HttpRoute,
  HttpRouteSpecParentRefs,
  HttpRouteSpecRules,
  HttpRouteSpecRulesFilters,
  HttpRouteSpecRulesFiltersRequestRedirectScheme,
  HttpRouteSpecRulesFiltersRequestRedirectStatusCode,
  HttpRouteSpecRulesFiltersType,
  HttpRouteSpecRulesFiltersUrlRewritePathType,
  HttpRouteSpecRulesMatchesPathType,
} from '../../imports/httproutes-gateway.networking.k8s.io';
import { GrpcRoute, GrpcRouteSpecRulesMatchesMethodType } from '../../imports/grpcroutes-gateway.networking.k8s.io';
import { Middleware } from '../../imports/middlewares-traefik.io';
import { ReferenceGrant } from '../../imports/referencegrants-gateway.networking.k8s.io';
import { sortedByKey } from '../core/json';
import type { GatewayImplementation } from '../core/platform';
import { parseQuantity } from '../core/quantity';
import { Certificate } from './certificate';
import {
  DEFAULT_RETRY_STATUSES,
  EdgePolicy,
  policyKey,
  redirectsToHttps,
  securityHeaderValues,
  timeoutSeconds,
  traefikPolicyMiddlewares,
} from './edge-policy';
import type { IIssuer } from './issuer';
import { hostSlug } from './names';

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** Rules an HTTPRoute or GRPCRoute may have (the CRDs' maxItems). */
export const MAX_ROUTE_RULES = 16;

/** The Gateway routes attach to. */
export interface GatewayParent {
  readonly name: string;
  readonly namespace: string;
  /** Shared by the platform (routes select its listeners by hostname and port) or the system's own (by listener name). */
  readonly shared: boolean;
}

/** One route of an endpoint, as the Gateway rendering needs it. */
export interface GatewayRouteInput {
  readonly host: string;
  readonly path: string;
  readonly match: 'Prefix' | 'Exact' | 'Regex';
  readonly rewrite?: string;
  readonly serviceName: string;
  readonly servicePort: number;
  readonly policy: EdgePolicy;
  /** 'grpc': the route becomes a rule of a GRPCRoute. */
  readonly protocol: 'http' | 'grpc';
}

export interface GatewayRenderInput {
  readonly name: string;
  readonly namespace: string;
  readonly implementation: GatewayImplementation;
  readonly gateway: GatewayParent;
  readonly routes: readonly GatewayRouteInput[];
  readonly hosts: readonly string[];
  readonly tlsHosts: readonly string[];
  /** Every host has a certificate (redirect and HSTS are on only then). */
  readonly fullTls: boolean;
  readonly endpointPolicy: EdgePolicy;
  readonly issuer?: IIssuer;
  readonly allowEnvironmentMismatch?: boolean;
  readonly tlsSecretName: (host: string) => string;
}

/** What the rendering made, for the endpoint's public fields and the Gateway's listeners. */
export interface GatewayRenderOutput {
  readonly routeNames: readonly string[];
}

/** The listener of the system's Gateway that serves `host` over HTTPS. */
export function httpsListenerName(host: string): string {
  return `https-${hostSlug(host)}`;
}

/** The plain HTTP listener of the system's Gateway (redirects, and ACME HTTP-01 challenges). */
export const HTTP_LISTENER = 'http';

/**
 * The prefix-stripping rewrite the Gateway API can express: `/api(/|$)(.*)` -> `/$2` is a
 * PathPrefix `/api` with `ReplacePrefixMatch: /`. Other capture-group rewrites have no
 * Gateway API form.
 */
export function prefixStripOf(path: string, rewrite: string | undefined): string | undefined {
  if (rewrite !== '/$2' && rewrite !== '/${2}') return undefined;
  const m = /^(\/[A-Za-z0-9_\-/]*[A-Za-z0-9_-])\(\/\|\$\)\(\.\*\)$/.exec(path);
  return m ? m[1] : undefined;
}

/**
 * The RE2 expression Envoy matches against the whole path for an nginx-style regex path
 * (anchored at the start only, case-insensitive): `(?i)` and a trailing `.*`.
 */
export function envoyRegexOf(path: string): string {
  const open = path.endsWith('.*') || path.endsWith('$') ? path : `${path}.*`;
  return `(?i)${open}`;
}

/**
 * The gRPC method a route's path names: `/` is every method, a Prefix `/pkg.Service` the
 * service's methods, an Exact `/pkg.Service/Method` one method (undefined: every method).
 */
export function grpcMethodOf(path: string, match: string): { service: string; method?: string } | undefined {
  if (path === '/') return undefined;
  const [service, method] = path.slice(1).split('/');
  return match === 'Exact' && method ? { service, method } : { service };
}

/** Why a route's path cannot name gRPC methods, or undefined. */
export function checkGrpcPath(path: string, match: string): string | undefined {
  if (match === 'Regex')
    return "a gRPC route matches a service or method, not a regex: use match 'Prefix' with '/<package.Service>' or 'Exact' with '/<package.Service>/<Method>'";
  if (path === '/' && match === 'Prefix') return undefined;
  if (match === 'Prefix' && /^\/[A-Za-z_][A-Za-z0-9_.]*$/.test(path)) return undefined;
  if (match === 'Exact' && /^\/[A-Za-z_][A-Za-z0-9_.]*\/[A-Za-z_][A-Za-z0-9_]*$/.test(path)) return undefined;
  return "must be '/' (every method), '/<package.Service>' (Prefix) or '/<package.Service>/<Method>' (Exact)";
}

/** Rule names: a slug of the path (`/graphql` -> `graphql`, `/` -> `root`), unique within the route. */
function ruleNames(routes: readonly GatewayRouteInput[]): string[] {
  const used = new Map<string, number>();
  return routes.map((r) => {
    const base = hostSlug(r.path).slice(0, 50).replace(/-+$/, '') || 'root';
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

/**
 * The listeners a route of `host` attaches to: the HTTPS one when the host has a certificate,
 * and the HTTP one unless HTTP is only redirected to HTTPS.
 */
export function parentRefsOf(gateway: GatewayParent, host: string, tls: boolean, redirect: boolean): HttpRouteSpecParentRefs[] {
  const base = { group: GATEWAY_API_GROUP, kind: 'Gateway', name: gateway.name, ...(gateway.shared ? { namespace: gateway.namespace } : {}) };
  const https = gateway.shared ? { ...base, port: 443 } : { ...base, sectionName: httpsListenerName(host) };
  const http = gateway.shared ? { ...base, port: 80 } : { ...base, sectionName: HTTP_LISTENER };
  if (!tls) return [http];
  return redirect ? [https] : [https, http];
}

/** Renders the endpoint's Gateway API objects as children of `scope`. */
export function renderGatewayRoutes(scope: Construct, input: GatewayRenderInput): GatewayRenderOutput {
  const { name, gateway, implementation } = input;
  const routeNames: string[] = [];
  const singleHost = input.hosts.length === 1;
  const redirect = input.fullTls && redirectsToHttps(input.endpointPolicy, input.fullTls);
  const parentFor = (host: string, tls: boolean): HttpRouteSpecParentRefs[] => parentRefsOf(gateway, host, tls, redirect);

  // One Certificate per host, whatever the routes' policies: listeners reference its Secret.
  if (input.issuer) {
    for (const host of input.tlsHosts) {
      new Certificate(scope, `certificate-${hostSlug(host)}`, {
        issuer: input.issuer,
        name: `${name}-${hostSlug(host)}`,
        dnsNames: [host],
        secretName: input.tlsSecretName(host),
        allowEnvironmentMismatch: input.allowEnvironmentMismatch,
      });
    }
  }
  // A shared Gateway in another namespace reads the certificates' Secrets from here.
  if (gateway.shared && gateway.namespace !== input.namespace && input.tlsHosts.length > 0) {
    new ReferenceGrant(scope, 'reference-grant', {
      metadata: { name: `${name}-gateway-certificates` },
      spec: {
        from: [{ group: GATEWAY_API_GROUP, kind: 'Gateway', namespace: gateway.namespace }],
        to: input.tlsHosts.map((h) => ({ group: '', kind: 'Secret', name: input.tlsSecretName(h) })),
      },
    });
  }

  // Traefik: one set of Middlewares per distinct policy, shared by the rules that have it.
  const middlewaresByPolicy = new Map<string, string[]>();
  const traefikMiddlewares = (policy: EdgePolicy, owner: string): string[] => {
    const key = policyKey(policy);
    const existing = middlewaresByPolicy.get(key);
    if (existing) return existing;
    const names: string[] = [];
    // Redirect and headers are standard filters on the Gateway API.
    for (const part of traefikPolicyMiddlewares(policy, input.fullTls, { redirect: false, headers: false })) {
      const middlewareName = `${owner}-${part.suffix}`;
      new Middleware(scope, middlewareName.slice(name.length + 1) || part.suffix, { metadata: { name: middlewareName }, spec: part.spec });
      names.push(middlewareName);
    }
    middlewaresByPolicy.set(key, names);
    return names;
  };

  // Envoy Gateway: one BackendTrafficPolicy per distinct policy, targeting the rules that have it.
  const envoyTargets = new Map<string, { policy: EdgePolicy; targets: Array<{ kind: string; route: string; rule: string }> }>();
  /** Rules of each rendered route, by `<kind>/<name>`. */
  const ruleCount = new Map<string, number>();
  const filtersOf = (r: GatewayRouteInput, kind: string, routeName: string, ruleName: string) => {
    const filters: Array<{ type: HttpRouteSpecRulesFiltersType; [k: string]: unknown }> = [];
    const headers = securityHeaderValues(r.policy, input.fullTls);
    if (Object.keys(headers).length > 0)
      filters.push({
        type: HttpRouteSpecRulesFiltersType.RESPONSE_HEADER_MODIFIER,
        responseHeaderModifier: { set: Object.entries(sortedByKey(headers)).map(([headerName, value]) => ({ name: headerName, value })) },
      });
    if (implementation === 'traefik') {
      const owner = policyKey(r.policy) === policyKey(input.endpointPolicy) ? name : `${routeName}-${ruleName}`;
      for (const middleware of traefikMiddlewares(r.policy, owner))
        filters.push({
          type: HttpRouteSpecRulesFiltersType.EXTENSION_REF,
          extensionRef: { group: 'traefik.io', kind: 'Middleware', name: middleware },
        });
    } else if (envoyPolicySpec(r.policy)) {
      const key = policyKey(r.policy);
      const entry = envoyTargets.get(key) ?? { policy: r.policy, targets: [] };
      entry.targets.push({ kind, route: routeName, rule: ruleName });
      envoyTargets.set(key, entry);
    }
    return filters;
  };

  for (const host of input.hosts) {
    const all = input.routes.filter((r) => r.host === host);
    const routes = all.filter((r) => r.protocol !== 'grpc');
    const grpc = all.filter((r) => r.protocol === 'grpc');
    const routeName = singleHost ? name : `${name}-${hostSlug(host)}`;
    if (grpc.length > 0) {
      const grpcName = routes.length > 0 ? `${routeName}-grpc` : routeName;
      routeNames.push(grpcName);
      const grpcRules = ruleNames(grpc);
      ruleCount.set(`GRPCRoute/${grpcName}`, grpc.length);
      new GrpcRoute(scope, routes.length > 0 || !singleHost ? `grpc-route-${hostSlug(host)}` : 'grpc-route', {
        metadata: { name: grpcName },
        spec: {
          parentRefs: parentFor(host, input.tlsHosts.includes(host)),
          hostnames: [host],
          rules: grpc.map((r, i) => {
            const method = grpcMethodOf(r.path, r.match);
            return {
              name: grpcRules[i],
              matches: method ? [{ method: { type: GrpcRouteSpecRulesMatchesMethodType.EXACT, ...method } }] : undefined,
              filters: filtersOf(r, 'GRPCRoute', grpcName, grpcRules[i]) as never,
              backendRefs: [{ name: r.serviceName, port: r.servicePort }],
            };
          }),
        },
      });
    }
    if (routes.length === 0) continue;
    const names = ruleNames(routes);
    // An HTTPRoute holds at most 16 rules: a host with more gets `<name>-2`, `<name>-3`...
    const chunkOf = (i: number) => Math.floor(i / MAX_ROUTE_RULES);
    const chunkName = (chunk: number) => (chunk === 0 ? routeName : `${routeName}-${chunk + 1}`);
    const chunks = chunkOf(routes.length - 1) + 1;
    for (let c = 0; c < chunks; c++) {
      routeNames.push(chunkName(c));
      ruleCount.set(`HTTPRoute/${chunkName(c)}`, routes.filter((_, i) => chunkOf(i) === c).length);
    }
    const rules: HttpRouteSpecRules[] = routes.map((r, i) => {
      const strip = r.match === 'Regex' ? prefixStripOf(r.path, r.rewrite) : undefined;
      const pathMatch =
        strip !== undefined
          ? { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: strip }
          : r.match === 'Regex'
            ? { type: HttpRouteSpecRulesMatchesPathType.REGULAR_EXPRESSION, value: envoyRegexOf(r.path) }
            : { type: r.match === 'Exact' ? HttpRouteSpecRulesMatchesPathType.EXACT : HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: r.path };
      const filters: HttpRouteSpecRulesFilters[] = [];
      if (strip !== undefined)
        filters.push({
          type: HttpRouteSpecRulesFiltersType.URL_REWRITE,
          urlRewrite: { path: { type: HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_PREFIX_MATCH, replacePrefixMatch: '/' } },
        });
      filters.push(...(filtersOf(r, 'HTTPRoute', chunkName(chunkOf(i)), names[i]) as HttpRouteSpecRulesFilters[]));
      const request = r.policy.timeouts?.request;
      return {
        name: names[i],
        matches: [{ path: pathMatch }],
        filters: filters.length > 0 ? filters : undefined,
        backendRefs: [{ name: r.serviceName, port: r.servicePort }],
        timeouts: request !== undefined ? { request: `${timeoutSeconds(request)}s` } : undefined,
      };
    });
    for (let c = 0; c < chunks; c++) {
      const id = singleHost ? 'route' : `route-${hostSlug(host)}`;
      new HttpRoute(scope, c === 0 ? id : `${id}-${c + 1}`, {
        metadata: { name: chunkName(c) },
        spec: { parentRefs: parentFor(host, input.tlsHosts.includes(host)), hostnames: [host], rules: rules.filter((_, i) => chunkOf(i) === c) },
      });
    }
  }

  if (redirect) {
    const base = { group: GATEWAY_API_GROUP, kind: 'Gateway', name: gateway.name };
    new HttpRoute(scope, 'https-redirect', {
      metadata: { name: `${name}-https-redirect` },
      spec: {
        parentRefs: [gateway.shared ? { ...base, namespace: gateway.namespace, port: 80 } : { ...base, sectionName: HTTP_LISTENER }],
        hostnames: [...input.tlsHosts],
        rules: [
          {
            name: 'https-redirect',
            filters: [
              {
                type: HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
                requestRedirect: {
                  scheme: HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS,
                  statusCode: HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301,
                },
              },
            ],
          },
        ],
      },
    });
  }

  let index = 0;
  const usedPolicyNames = new Set<string>();
  for (const { policy, targets } of envoyTargets.values()) {
    const spec = envoyPolicySpec(policy) as Omit<BackendTrafficPolicySpec, 'targetRefs'>;
    // A policy shared by every rule of a route targets the route; otherwise each rule by name.
    const byRoute = new Map<string, string[]>();
    for (const t of targets) byRoute.set(`${t.kind}/${t.route}`, [...(byRoute.get(`${t.kind}/${t.route}`) ?? []), t.rule]);
    const targetRefs = [...byRoute.entries()].flatMap(([key, rules]) => {
      const [kind, route] = key.split('/');
      return ruleCount.get(key) === rules.length
        ? [{ group: GATEWAY_API_GROUP, kind, name: route }]
        : rules.map((rule) => ({ group: GATEWAY_API_GROUP, kind, name: route, sectionName: rule }));
    });
    let policyName = index === 0 ? name : `${name}-${targets[0].rule}`;
    for (let n = 2; usedPolicyNames.has(policyName); n++) policyName = `${name}-${targets[0].rule}-${n}`;
    usedPolicyNames.add(policyName);
    new BackendTrafficPolicy(scope, index === 0 ? 'traffic-policy' : `traffic-policy-${index + 1}`, {
      metadata: { name: policyName },
      spec: { ...spec, targetRefs },
    });
    index++;
  }
  return { routeNames };
}

/**
 * The policy as an Envoy Gateway BackendTrafficPolicy spec (without targets), or undefined
 * when nothing in it needs one. The rate limit is local (per Envoy replica) and per client
 * IP (`Distinct` source CIDR, IPv4 and IPv6), like ingress-nginx's per-replica limit_req.
 */
export function envoyPolicySpec(policy: EdgePolicy): Omit<BackendTrafficPolicySpec, 'targetRefs'> | undefined {
  const spec: { -readonly [K in keyof BackendTrafficPolicySpec]?: BackendTrafficPolicySpec[K] } = {};
  const limit = policy.rateLimit;
  if (limit) {
    const unit =
      (limit.per ?? 'second') === 'second'
        ? BackendTrafficPolicySpecRateLimitLocalRulesLimitUnit.SECOND
        : BackendTrafficPolicySpecRateLimitLocalRulesLimitUnit.MINUTE;
    spec.rateLimit = {
      type: BackendTrafficPolicySpecRateLimitType.LOCAL,
      local: {
        rules: ['0.0.0.0/0', '::/0'].map((cidr) => ({
          clientSelectors: [{ sourceCidr: { type: BackendTrafficPolicySpecRateLimitLocalRulesClientSelectorsSourceCidrType.DISTINCT, value: cidr } }],
          limit: { requests: limit.requests, unit },
        })),
      },
    };
  }
  const t = policy.timeouts ?? {};
  const idle = t.read ?? t.send;
  if (t.connect !== undefined || idle !== undefined) {
    spec.timeout = {
      tcp: t.connect !== undefined ? { connectTimeout: `${timeoutSeconds(t.connect)}s` } : undefined,
      http: idle !== undefined ? { streamIdleTimeout: `${timeoutSeconds(idle)}s` } : undefined,
    };
  }
  if (policy.retry) {
    spec.retry = {
      numRetries: policy.retry.attempts,
      retryOn: {
        triggers: [
          BackendTrafficPolicySpecRetryRetryOnTriggers.CONNECT_HYPHEN_FAILURE,
          BackendTrafficPolicySpecRetryRetryOnTriggers.RESET,
          BackendTrafficPolicySpecRetryRetryOnTriggers.RETRIABLE_HYPHEN_STATUS_HYPHEN_CODES,
        ],
        httpStatusCodes: [...(policy.retry.onStatus ?? DEFAULT_RETRY_STATUSES)],
      },
    };
  }
  if (policy.compression) spec.compressor = [{ type: BackendTrafficPolicySpecCompressorType.GZIP }];
  if (policy.websocket) spec.httpUpgrade = [{ type: 'websocket' }];
  if (policy.maxBodySize !== undefined) {
    spec.requestBuffer = { limit: BackendTrafficPolicySpecRequestBufferLimit.fromNumber(Math.round(parseQuantity(policy.maxBodySize) ?? 0)) };
  }
  return Object.keys(spec).length > 0 ? spec : undefined;
}
