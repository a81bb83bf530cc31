/**
 * Metrics stay private: which request paths of an endpoint would reach a backend's metrics
 * (`exposeMetrics()` on the routed port), so that each edge answers them with an error instead
 * (the catch-all `/` of a web service also serves its `/metrics`), and which routes name a
 * metrics path on purpose (a synth error unless declared public, with a reason).
 */
import type { ValidationReport } from '../core/validation';
import { prefixStripOf } from './gateway-routes';
import { regexLiteralPrefix } from './names';
import { fieldOf, ResolvedRoute } from './route-resolution';

/** A request path of a host that reaches a backend's metrics through a route. */
export interface MetricsExposure {
  readonly route: ResolvedRoute;
  readonly host: string;
  /** The request path that reaches the metrics (`/metrics`, or `/api/metrics` through a prefix strip). */
  readonly requestPath: string;
  /** The backend's metrics path. */
  readonly metricsPath: string;
  /**
   * `explicit`: the route's own path is the metrics path; `covered`: a broader route (`/`)
   * also reaches it, and the edge excludes it; `unknown`: a rewrite whose results cannot be
   * told at synth may reach it.
   */
  readonly kind: 'explicit' | 'covered' | 'unknown';
}

/** Whether a Prefix path matches `path` by whole segments (`/api` matches `/api/x`, not `/apix`). */
function prefixCovers(prefix: string, path: string): boolean {
  if (prefix === '/' || prefix === path) return true;
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return path.startsWith(base);
}

/** The metrics paths `route` reaches, and the request paths that reach them. */
export function metricsExposures(route: ResolvedRoute): MetricsExposure[] {
  const backend = route.backend;
  const port = route.port;
  if (!backend || !port || route.protocol !== 'http' || !Array.isArray(backend.metricsEndpoints)) return [];
  const out: MetricsExposure[] = [];
  const seen = new Set<string>();
  for (const endpoint of backend.metricsEndpoints) {
    if (endpoint?.port !== port.name) continue;
    const metricsPath = typeof endpoint.path === 'string' && endpoint.path.startsWith('/') ? endpoint.path : '/metrics';
    if (seen.has(metricsPath)) continue;
    seen.add(metricsPath);
    const exposure = (kind: MetricsExposure['kind'], requestPath: string): void => {
      out.push({ route, host: route.host, requestPath, metricsPath, kind });
    };
    if (route.match === 'Exact') {
      if (route.path === metricsPath) exposure('explicit', metricsPath);
    } else if (route.match === 'Prefix') {
      if (route.path === metricsPath || route.path === `${metricsPath}/`) exposure('explicit', metricsPath);
      else if (prefixCovers(route.path, metricsPath)) exposure('covered', metricsPath);
    } else if (route.rewrite === undefined) {
      // A regex, anchored at the start and case-insensitive (as ingress-nginx and Envoy match it).
      let matches = false;
      try {
        matches = new RegExp(`^(?:${route.path})`, 'i').test(metricsPath);
      } catch {
        // An invalid expression is reported by the route's own check.
      }
      if (matches) exposure(regexLiteralPrefix(route.path).startsWith(metricsPath) ? 'explicit' : 'covered', metricsPath);
    } else {
      const strip = prefixStripOf(route.path, route.rewrite);
      if (strip !== undefined) exposure('covered', `${strip}${metricsPath}`);
      else if (metricsPath.startsWith(route.rewrite.split('$')[0])) exposure('unknown', metricsPath);
    }
  }
  return out;
}

/**
 * The request paths each host must refuse: every covered metrics path, unless the route
 * declared its metrics public or a more specific route of the same host serves that path.
 */
export function metricsExclusions(routes: readonly ResolvedRoute[]): MetricsExposure[] {
  const out = new Map<string, MetricsExposure>();
  for (const route of routes) {
    if (route.publicMetrics !== undefined) continue;
    for (const e of metricsExposures(route)) {
      if (e.kind !== 'covered') continue;
      const narrower = routes.some(
        (o) =>
          o !== route &&
          o.host === route.host &&
          o.match !== 'Regex' &&
          o.path.length > route.path.length &&
          (o.match === 'Exact' ? o.path === e.requestPath : prefixCovers(o.path, e.requestPath)),
      );
      if (!narrower && !out.has(`${e.host} ${e.requestPath}`)) out.set(`${e.host} ${e.requestPath}`, e);
    }
  }
  return [...out.values()];
}

/**
 * Refuses routes to metrics paths not declared public, and a `publicMetrics` without a reason.
 * @param path the endpoint's construct path, for messages
 */
export function checkMetricsRoutes(report: ValidationReport, routes: readonly ResolvedRoute[]): void {
  const reported = new Set<string>();
  for (const route of routes) {
    const decision: unknown = route.publicMetrics;
    if (decision !== undefined && !reported.has(route.publicMetricsField)) {
      const reason = typeof decision === 'object' && decision !== null ? (decision as { reason?: unknown }).reason : undefined;
      if (typeof reason !== 'string' || reason.trim() === '') {
        reported.add(route.publicMetricsField);
        report.error(
          'metrics-exposure.reason',
          `${route.publicMetricsField}.reason`,
          'is required: a sentence saying why these metrics may be read by anyone on the internet (or leave publicMetrics out to keep them private)',
        );
      }
    }
    if (decision !== undefined) continue;
    for (const e of metricsExposures(route)) {
      const where = `${route.backend.node.path} serves its metrics at '${e.metricsPath}' on port '${route.port?.name}' (exposeMetrics())`;
      if (e.kind === 'explicit')
        report.error(
          'metrics-exposure.value.routes-metrics',
          fieldOf(route, 'path'),
          `'${route.path}' on '${route.host}' routes to metrics: ${where}, which only Prometheus may read; remove the route, serve the metrics on a port no endpoint routes, or declare publicMetrics: { reason } on the route`,
        );
      else if (e.kind === 'unknown')
        report.error(
          'metrics-exposure.value.may-send',
          fieldOf(route, 'rewrite'),
          `'${route.rewrite}' on '${route.path}' may send requests to '${e.metricsPath}': ${where}; an edge cannot exclude what a rewrite produces: serve the metrics on a port no endpoint routes, or declare publicMetrics: { reason } on the route`,
        );
    }
  }
}
