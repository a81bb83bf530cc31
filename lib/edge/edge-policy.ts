/**
 * What a public endpoint enforces in front of the application, stated once and rendered
 * for whichever controller serves it: ingress-nginx annotations, Traefik Middleware
 * objects, or on the Gateway API, HTTPRoute filters and timeouts plus the implementation's
 * policies (Envoy Gateway BackendTrafficPolicy; Traefik Middlewares through ExtensionRef).
 * Typical asks: a rate limit of 10 r/s with a burst of 20, proxy timeouts and security
 * headers, or 100 requests per minute per client IP.
 */
import { MiddlewareSpec, MiddlewareSpecRateLimitPeriod } from '../../imports/middlewares-traefik.io';
import type { GatewayImplementation } from '../core/platform';
import { checkDurationProp, Duration, secondsOr } from '../core/duration';
import { parseQuantity } from '../core/quantity';
import { ValidationReport } from '../core/validation';
import { EdgeController, GATEWAY_IMPLEMENTATION_NAMES, NGINX_ANNOTATION_PREFIX } from './ingress-controller';
import { checkHeaderName, checkHeaderValue } from './names';
import { checkWaf, EdgeWaf } from './waf-policy';

/** Requests per client IP address. */
export interface EdgeRateLimit {
  /** Requests each client IP may make per `per`, on average: a whole number of at least 1. */
  readonly requests: number;
  /** The period `requests` is counted over. @default 'second' */
  readonly per?: 'second' | 'minute';
  /**
   * Requests a client may send at once, above the steady rate, before it is refused.
   * ingress-nginx can only express a whole multiple of `requests`
   * (`limit-burst-multiplier`); Envoy Gateway none at all (its bucket holds `requests`);
   * other values are reported at synth time.
   * @default - `requests` (one period's worth)
   */
  readonly burst?: number;
}

/** How long the controller waits for a backend pod. */
export interface EdgeTimeouts {
  /** To open a connection to a backend pod: whole seconds, 1 s to 75 s. @default - the controller's (ingress-nginx: Duration.seconds(5)) */
  readonly connect?: Duration;
  /**
   * How long the backend may stay silent while sending its response: whole seconds.
   * @default - the controller's (ingress-nginx: Duration.seconds(60))
   */
  readonly read?: Duration;
  /**
   * How long the backend may take to accept the next part of the request: whole seconds.
   * @default - the controller's (ingress-nginx: Duration.seconds(60))
   */
  readonly send?: Duration;
  /**
   * The whole request, until the last byte of the response: the Gateway API's
   * `timeouts.request`, whole seconds. ingress-nginx and Traefik have no such limit (refused there).
   * @default - the implementation's (Envoy Gateway: none)
   */
  readonly request?: Duration;
}

/** Retrying a request on another backend pod when one fails. */
export interface EdgeRetry {
  /** Further attempts after the first: a whole number from 1 to 10. */
  readonly attempts: number;
  /**
   * Response statuses that send the request to the next pod (besides connection errors and
   * timeouts, which always do).
   * @default [500, 502, 503] (what nginx's proxy_next_upstream can name: 500, 502, 503, 504, 403, 404, 429)
   */
  readonly onStatus?: readonly number[];
}

/** HTTP Strict Transport Security: browsers refuse plain HTTP for the host afterwards. */
export interface EdgeHsts {
  /** How long browsers remember it: whole seconds (zero tells them to forget it). @default Duration.days(365) (what HSTS preload lists require) */
  readonly maxAge?: Duration;
  /** Whether it covers every subdomain of the host too. @default true */
  readonly includeSubdomains?: boolean;
  /** Asks browsers to ship the host in their preload list; hard to undo, so opt-in. @default false */
  readonly preload?: boolean;
}

/** Response headers that harden what browsers do with the application's responses. */
export interface EdgeSecurityHeaders {
  /** `X-Frame-Options`, against click-jacking. @default 'DENY' */
  readonly frameOptions?: 'DENY' | 'SAMEORIGIN' | false;
  /** `X-Content-Type-Options: nosniff`, so browsers never guess a script out of a download. @default true */
  readonly contentTypeNosniff?: boolean;
  /** `Referrer-Policy`. @default 'strict-origin-when-cross-origin' */
  readonly referrerPolicy?: string | false;
  /** `Strict-Transport-Security`, sent only when the endpoint has TLS. @default - one year, with subdomains, no preload */
  readonly hsts?: EdgeHsts | false;
  /** `Content-Security-Policy`; it depends on the application, so there is none by default. @default - none */
  readonly contentSecurityPolicy?: string;
  /** Further response headers, by name. @default - none */
  readonly extra?: Readonly<Record<string, string>>;
}

/** What the controller enforces in front of the backends. Every field is optional. */
export interface EdgePolicy {
  /**
   * Rate limit per client IP. Counted by each edge replica, as ingress-nginx does: on Envoy
   * Gateway a local limit per Envoy replica (sourceCIDR `Distinct`, IPv4 and IPv6), on
   * Traefik per Traefik pod. @default - none
   */
  readonly rateLimit?: EdgeRateLimit;
  /** Backend timeouts. @default - the controller's */
  readonly timeouts?: EdgeTimeouts;
  /**
   * Largest request body accepted, as a quantity (`8Mi`, `10M`); larger requests get 413.
   * @default - the controller's (ingress-nginx: 1m; Traefik: unlimited)
   */
  readonly maxBodySize?: string;
  /** Security response headers, or `false` for none. @default - see EdgeSecurityHeaders */
  readonly securityHeaders?: EdgeSecurityHeaders | false;
  /** Redirect plain HTTP to HTTPS. @default true when the endpoint has TLS, false otherwise */
  readonly httpsRedirect?: boolean;
  /**
   * Gzip the responses for clients that accept it. ingress-nginx compresses in its
   * ConfigMap (`use-gzip`) for every host of the controller: the endpoint declares the
   * setting for the platform layer. @default false
   */
  readonly compression?: boolean;
  /**
   * Send a failed request to the next backend pod (nginx `proxy-next-upstream`, Envoy's retry
   * policy). Traefik's retry middleware retries on network errors only, never on a response
   * status: refused there. Envoy retries every method, nginx only idempotent ones.
   * @default - no retries on a status
   */
  readonly retry?: EdgeRetry;
  /**
   * The routes carry WebSocket connections: on Envoy Gateway the upgrade is allowed
   * explicitly and body buffering (maxBodySize) is refused, because it would hang them.
   * Give them a long `timeouts.read`. @default false
   */
  readonly websocket?: boolean;
  /** A web application firewall: ModSecurity and the OWASP Core Rule Set on ingress-nginx (refused elsewhere). @default - none */
  readonly waf?: EdgeWaf;
}

/** The default statuses of EdgeRetry.onStatus. */
export const DEFAULT_RETRY_STATUSES: readonly number[] = [500, 502, 503];
const NGINX_RETRY_STATUSES = [500, 502, 503, 504, 403, 404, 429];

/** The policy of a route: the endpoint's, with the route's own fields (`timeouts` merged field by field) on top. */
export function mergePolicies(endpoint: EdgePolicy, route: EdgePolicy | undefined): EdgePolicy {
  if (!route) return endpoint;
  const timeouts = endpoint.timeouts || route.timeouts ? { ...endpoint.timeouts, ...route.timeouts } : undefined;
  return { ...endpoint, ...route, ...(timeouts ? { timeouts } : {}) };
}

/** A stable key of a policy: routes with equal keys share Ingress objects, middlewares and policies. */
export function policyKey(policy: EdgePolicy): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value instanceof Duration
        ? `${value.toSeconds()}s`
        : typeof value === 'object' && value !== null
          ? Object.fromEntries(
              Object.entries(value)
                .filter(([, v]) => v !== undefined)
                .sort(([a], [b]) => (a < b ? -1 : 1))
                .map(([k, v]) => [k, canonical(v)]),
            )
          : value;
  return JSON.stringify(canonical(policy));
}

/** One year: what HSTS preload lists require. */
const ONE_YEAR_SECONDS = 31_536_000;
const DEFAULT_HSTS: Required<EdgeHsts> = { maxAge: Duration.seconds(ONE_YEAR_SECONDS), includeSubdomains: true, preload: false };

/** The security headers with defaults applied, by header name (what browsers receive). */
export function securityHeaderValues(policy: EdgePolicy, tls: boolean): Record<string, string> {
  if (policy.securityHeaders === false) return {};
  const h = policy.securityHeaders ?? {};
  const out: Record<string, string> = {};
  const frame = h.frameOptions ?? 'DENY';
  if (frame !== false) out['X-Frame-Options'] = frame;
  if (h.contentTypeNosniff ?? true) out['X-Content-Type-Options'] = 'nosniff';
  const referrer = h.referrerPolicy ?? 'strict-origin-when-cross-origin';
  if (referrer !== false) out['Referrer-Policy'] = referrer;
  const hsts = hstsOf(policy);
  // HSTS over plain HTTP is ignored by browsers, and would be a lie.
  if (hsts && tls) out['Strict-Transport-Security'] = hstsValue(hsts);
  if (h.contentSecurityPolicy !== undefined) out['Content-Security-Policy'] = h.contentSecurityPolicy;
  for (const [name, value] of Object.entries(h.extra ?? {})) out[name] = value;
  return out;
}

function hstsOf(policy: EdgePolicy): Required<EdgeHsts> | undefined {
  if (policy.securityHeaders === false || policy.securityHeaders?.hsts === false) return undefined;
  return { ...DEFAULT_HSTS, ...(policy.securityHeaders?.hsts ?? {}) };
}

function hstsValue(hsts: Required<EdgeHsts>): string {
  return [
    `max-age=${secondsOr(hsts.maxAge, ONE_YEAR_SECONDS)}`,
    ...(hsts.includeSubdomains ? ['includeSubDomains'] : []),
    ...(hsts.preload ? ['preload'] : []),
  ].join('; ');
}

/** Whether plain HTTP is redirected to HTTPS. */
export function redirectsToHttps(policy: EdgePolicy, tls: boolean): boolean {
  return policy.httpsRedirect ?? tls;
}

function burstOf(limit: EdgeRateLimit): number {
  return limit.burst ?? limit.requests;
}

/**
 * The policy as ingress-nginx annotations. Security headers need a ConfigMap referenced
 * by `custom-headers` (see PublicEndpoint): ingress-nginx has no per-Ingress annotation
 * for response headers, and `configuration-snippet` is disabled by default since 1.9.
 * A WAF is `enable-modsecurity` (risk Low), with the rules in the controller's ConfigMap (lib/edge/modsecurity.ts).
 */
export function nginxPolicyAnnotations(policy: EdgePolicy, tls: boolean, headersConfigMap?: string): Record<string, string> {
  const a: Record<string, string> = {};
  const key = (name: string) => `${NGINX_ANNOTATION_PREFIX}/${name}`;
  if (tls || policy.httpsRedirect !== undefined) {
    const redirect = redirectsToHttps(policy, tls);
    a[key('ssl-redirect')] = String(redirect);
    // force-ssl-redirect also redirects when TLS ends before the controller (a cloud load balancer).
    a[key('force-ssl-redirect')] = String(redirect);
  }
  if (policy.rateLimit) {
    const { requests } = policy.rateLimit;
    a[key((policy.rateLimit.per ?? 'second') === 'second' ? 'limit-rps' : 'limit-rpm')] = String(requests);
    a[key('limit-burst-multiplier')] = String(Math.max(1, Math.round(burstOf(policy.rateLimit) / requests)));
  }
  const t = policy.timeouts ?? {};
  if (t.connect !== undefined) a[key('proxy-connect-timeout')] = String(timeoutSeconds(t.connect));
  if (t.read !== undefined) a[key('proxy-read-timeout')] = String(timeoutSeconds(t.read));
  if (t.send !== undefined) a[key('proxy-send-timeout')] = String(timeoutSeconds(t.send));
  if (policy.maxBodySize !== undefined) a[key('proxy-body-size')] = nginxSize(parseQuantity(policy.maxBodySize) ?? 0);
  if (policy.retry) {
    const statuses = policy.retry.onStatus ?? DEFAULT_RETRY_STATUSES;
    a[key('proxy-next-upstream')] = ['error', 'timeout', ...statuses.map((code) => `http_${code}`)].join(' ');
    // Tries counts the first attempt.
    a[key('proxy-next-upstream-tries')] = String(policy.retry.attempts + 1);
  }
  if (headersConfigMap) a[key('custom-headers')] = headersConfigMap;
  if (policy.waf) a[key('enable-modsecurity')] = 'true';
  return a;
}

/** nginx sizes: a number of bytes, or with k/m/g (binary units). */
function nginxSize(bytes: number): string {
  for (const [unit, size] of [
    ['g', 2 ** 30],
    ['m', 2 ** 20],
    ['k', 2 ** 10],
  ] as const) {
    if (bytes >= size && Number.isInteger(bytes / size)) return `${bytes / size}${unit}`;
  }
  return String(Math.round(bytes));
}

/** One Traefik Middleware the policy needs: its name suffix and spec. */
export interface TraefikMiddlewarePart {
  readonly suffix: string;
  readonly spec: MiddlewareSpec;
}

/**
 * The policy as Traefik Middleware specs, in the order a request passes them: redirect
 * first (nothing else is worth doing for plain HTTP), then the rate limit, body size and
 * response headers.
 */
export function traefikPolicyMiddlewares(
  policy: EdgePolicy,
  tls: boolean,
  options: { redirect?: boolean; headers?: boolean } = {},
): TraefikMiddlewarePart[] {
  const parts: TraefikMiddlewarePart[] = [];
  if ((options.redirect ?? true) && redirectsToHttps(policy, tls))
    parts.push({ suffix: 'https-redirect', spec: { redirectScheme: { scheme: 'https', permanent: true } } });
  if (policy.rateLimit) {
    const per = policy.rateLimit.per ?? 'second';
    parts.push({
      suffix: 'rate-limit',
      spec: {
        rateLimit: {
          average: policy.rateLimit.requests,
          period: MiddlewareSpecRateLimitPeriod.fromString(per === 'second' ? '1s' : '1m'),
          burst: burstOf(policy.rateLimit),
        },
      },
    });
  }
  if (policy.compression) parts.push({ suffix: 'compress', spec: { compress: {} } });
  if (policy.maxBodySize !== undefined) {
    parts.push({ suffix: 'body-size', spec: { buffering: { maxRequestBodyBytes: Math.round(parseQuantity(policy.maxBodySize) ?? 0) } } });
  }
  if ((options.headers ?? true) && policy.securityHeaders !== false) {
    const h = policy.securityHeaders ?? {};
    const frame = h.frameOptions ?? 'DENY';
    const referrer = h.referrerPolicy ?? 'strict-origin-when-cross-origin';
    const hsts = tls ? hstsOf(policy) : undefined;
    const spec: MiddlewareSpec = {
      headers: {
        frameDeny: frame === 'DENY' ? true : undefined,
        customFrameOptionsValue: frame === 'SAMEORIGIN' ? 'SAMEORIGIN' : undefined,
        contentTypeNosniff: (h.contentTypeNosniff ?? true) ? true : undefined,
        referrerPolicy: referrer === false ? undefined : referrer,
        stsSeconds: hsts ? secondsOr(hsts.maxAge, ONE_YEAR_SECONDS) : undefined,
        stsIncludeSubdomains: hsts?.includeSubdomains,
        stsPreload: hsts?.preload,
        contentSecurityPolicy: h.contentSecurityPolicy,
        customResponseHeaders: h.extra && Object.keys(h.extra).length > 0 ? { ...h.extra } : undefined,
      },
    };
    if (Object.values(spec.headers as Record<string, unknown>).some((v) => v !== undefined)) parts.push({ suffix: 'security-headers', spec });
  }
  return parts;
}

/** Headers the endpoint sets itself; `extra` must not repeat them. */
const MANAGED_HEADERS = ['x-frame-options', 'x-content-type-options', 'referrer-policy', 'strict-transport-security', 'content-security-policy'];

/** What serves the policy: an ingress controller, or a Gateway API implementation. */
export interface PolicyTarget {
  readonly controller: EdgeController;
  /** The Gateway API implementation, when `controller` is 'gateway'. */
  readonly implementation?: GatewayImplementation;
}

/** How messages name the edge. */
export function edgeName(target: PolicyTarget): string {
  if (target.controller === 'gateway') return GATEWAY_IMPLEMENTATION_NAMES[target.implementation ?? 'envoy-gateway'];
  return target.controller === 'nginx' ? 'ingress-nginx' : "Traefik's Ingress provider";
}

/** Checks the policy, reporting on `<prefix>.*` fields (`policy`, or a route's `hosts[0].routes[1].policy`). */
export function checkEdgePolicy(report: ValidationReport, policy: EdgePolicy, target: PolicyTarget, prefix = 'policy'): void {
  const { controller } = target;
  const envoy = controller === 'gateway' && (target.implementation ?? 'envoy-gateway') === 'envoy-gateway';
  const traefik = controller === 'traefik' || (controller === 'gateway' && target.implementation === 'traefik');
  const edge = edgeName(target);
  const wholeAtLeast = (value: number | undefined, min: number) => value === undefined || (Number.isInteger(value) && value >= min);
  const limit = policy.rateLimit;
  if (limit) {
    if (!wholeAtLeast(limit.requests, 1)) {
      report.error(
        'edge-policy.rate-limit.requests',
        `${prefix}.rateLimit.requests`,
        `${limit.requests} must be a whole number of requests of at least 1 (to turn rate limiting off, leave rateLimit out)`,
      );
    } else if (limit.burst !== undefined && !wholeAtLeast(limit.burst, 1)) {
      report.error(
        'edge-policy.rate-limit.burst.whole-number',
        `${prefix}.rateLimit.burst`,
        `${limit.burst} must be a whole number of requests of at least 1`,
      );
    } else if (controller === 'nginx' && limit.burst !== undefined && limit.burst % limit.requests !== 0) {
      report.error(
        'edge-policy.rate-limit.burst.whole-multiple',
        `${prefix}.rateLimit.burst`,
        `${limit.burst} is not a whole multiple of ${limit.requests} requests: ingress-nginx sets the burst as limit-burst-multiplier x the rate; use ${Math.max(1, Math.floor(limit.burst / limit.requests)) * limit.requests} or ${Math.ceil(limit.burst / limit.requests) * limit.requests}`,
      );
    } else if (envoy && limit.burst !== undefined && limit.burst !== limit.requests) {
      report.error(
        'edge-policy.rate-limit.burst.cannot-express',
        `${prefix}.rateLimit.burst`,
        `${edge} cannot express a burst of ${limit.burst}: its local rate limit is a token bucket of 'requests' (${limit.requests}) tokens refilled every ${limit.per ?? 'second'}; leave burst out or set it to ${limit.requests}`,
      );
    }
  }
  const t = policy.timeouts ?? {};
  for (const [field, value] of [
    ['connect', t.connect],
    ['read', t.read],
    ['send', t.send],
    ['request', t.request],
  ] as const) {
    checkDurationProp(report, 'edge-policy.timeouts.whole-number', `${prefix}.timeouts.${field}`, value, 1, 'Duration.seconds(60)');
    if (field === 'connect' && timeoutSeconds(value) > 75)
      report.error(
        'edge-policy.timeouts.more-nginx',
        `${prefix}.timeouts.${field}`,
        `${timeoutSeconds(value)} s is more than nginx's limit for connecting (75 seconds)`,
      );
  }
  if (traefik && Object.values(t).some((v) => v !== undefined)) {
    report.error(
      'edge-policy.timeouts.per-route',
      `${prefix}.timeouts`,
      `${edge} has no per-route timeouts: they live on a ServersTransport (forwardingTimeouts) referenced from the Service, whose CRD is not in imports/crds; leave timeouts out for Traefik, or use ingress-nginx or Envoy Gateway`,
    );
  } else if (controller === 'nginx' && t.request !== undefined) {
    report.error(
      'edge-policy.timeouts.request-seconds',
      `${prefix}.timeouts.request`,
      'ingress-nginx has no limit on a whole request (only on the silence between reads and writes): use read and send',
    );
  } else if (envoy && t.read !== undefined && t.send !== undefined && timeoutSeconds(t.read) !== timeoutSeconds(t.send)) {
    report.error(
      'edge-policy.timeouts.send-seconds',
      `${prefix}.timeouts.send`,
      `${edge} has one idle timeout for both directions of a stream (streamIdleTimeout); read (${timeoutSeconds(t.read)} s) and send (${timeoutSeconds(t.send)} s) must be equal`,
    );
  }
  if (policy.maxBodySize !== undefined) {
    const bytes = parseQuantity(policy.maxBodySize);
    if (bytes === undefined || bytes < 1 || !Number.isInteger(bytes))
      report.error(
        'edge-policy.max-body-size.whole-number',
        `${prefix}.maxBodySize`,
        `'${policy.maxBodySize}' must be a whole number of bytes of at least 1 as a quantity, e.g. '8Mi' or '10M'`,
      );
    else if (envoy && policy.websocket)
      report.error(
        'edge-policy.max-body-size.limits-body',
        `${prefix}.maxBodySize`,
        `${edge} limits the body size by buffering the whole request (BackendTrafficPolicy requestBuffer), which hangs WebSocket connections; leave maxBodySize out of a websocket route`,
      );
  }
  const retry = policy.retry;
  if (retry) {
    if (traefik) {
      report.error(
        'edge-policy.retry',
        `${prefix}.retry`,
        `${edge} cannot retry on a response status: Traefik's retry middleware retries only when the backend cannot be reached; leave retry out for Traefik`,
      );
    } else {
      if (!wholeAtLeast(retry.attempts, 1) || retry.attempts > 10)
        report.error(
          'edge-policy.retry.attempts',
          `${prefix}.retry.attempts`,
          `${retry.attempts} must be a whole number of further attempts from 1 to 10`,
        );
      (retry.onStatus ?? []).forEach((code, i) => {
        const allowed = controller === 'nginx' ? NGINX_RETRY_STATUSES : undefined;
        if (!Number.isInteger(code) || code < 400 || code > 599)
          report.error('edge-policy.retry.on-status.http-error', `${prefix}.retry.onStatus[${i}]`, `${code} must be an HTTP error status (400-599)`);
        else if (allowed && !allowed.includes(code))
          report.error(
            'edge-policy.retry.on-status.ingress-nginx',
            `${prefix}.retry.onStatus[${i}]`,
            `ingress-nginx's proxy-next-upstream can only name ${allowed.join(', ')} (not ${code})`,
          );
      });
      if (retry.onStatus !== undefined && retry.onStatus.length === 0)
        report.error(
          'edge-policy.retry.on-status.name-least',
          `${prefix}.retry.onStatus`,
          'must name at least one status (leave it out for 500, 502, 503)',
        );
    }
  }
  if (policy.waf !== undefined) checkWaf(report, policy.waf, controller, edge, prefix, policy.maxBodySize);
  const h = policy.securityHeaders;
  if (h) {
    const hsts = h.hsts;
    if (hsts)
      checkDurationProp(
        report,
        'edge-policy.security-headers.hsts.max-age-seconds',
        `${prefix}.securityHeaders.hsts.maxAge`,
        hsts.maxAge,
        0,
        'Duration.days(365)',
      );
    if (hsts && hsts.preload && secondsOr(hsts.maxAge, ONE_YEAR_SECONDS) < ONE_YEAR_SECONDS)
      report.error(
        'edge-policy.security-headers.hsts.preload.preload-lists',
        `${prefix}.securityHeaders.hsts.preload`,
        'preload lists require a maxAge of at least Duration.days(365)',
      );
    if (hsts && hsts.preload && hsts.includeSubdomains === false)
      report.error(
        'edge-policy.security-headers.hsts.preload.preload-lists-require',
        `${prefix}.securityHeaders.hsts.preload`,
        'preload lists require includeSubdomains',
      );
    const values: Array<[string, string]> = [
      ...(typeof h.referrerPolicy === 'string' ? [['referrerPolicy', h.referrerPolicy] as [string, string]] : []),
      ...(h.contentSecurityPolicy !== undefined ? [['contentSecurityPolicy', h.contentSecurityPolicy] as [string, string]] : []),
    ];
    for (const [field, value] of values) {
      const reason = checkHeaderValue(value);
      if (reason) report.error('edge-policy.security-headers', `${prefix}.securityHeaders.${field}`, `'${value}' ${reason}`);
    }
    for (const [name, value] of Object.entries(h.extra ?? {})) {
      const field = `${prefix}.securityHeaders.extra.${name}`;
      const nameReason = checkHeaderName(name);
      if (nameReason) report.error('edge-policy.headers.name-invalid', field, `'${name}' ${nameReason}`);
      else if (MANAGED_HEADERS.includes(name.toLowerCase()))
        report.error('edge-policy.headers.name-has-own-field', field, `'${name}' is set by its own field of securityHeaders; set it there`);
      const valueReason = checkHeaderValue(value);
      if (valueReason) report.error('edge-policy.headers.value-invalid', field, `'${value}' ${valueReason}`);
    }
  }
}

/** Whole seconds of a timeout for the controllers' settings; 0 when absent or invalid (its check reports it). */
export function timeoutSeconds(value: unknown): number {
  return secondsOr(value, 0);
}
