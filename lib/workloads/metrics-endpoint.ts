import type { SecretKeyValue } from './env';

/**
 * What a workload declares about the Prometheus metrics it serves. Recorded by
 * `Workload.exposeMetrics()`; the ServiceMonitor, alerts and dashboards are derived from it.
 */
export interface MetricsOptions {
  /** Name of the port serving metrics: one of the main container's ports or a sidecar's (e.g. `http`, `metrics`). */
  readonly port: string;
  /** HTTP path of the metrics. @default '/metrics' */
  readonly path?: string;
  /** Scrape interval, a Prometheus duration (`30s`, `1m`). @default - the environment's `monitoring.scrapeInterval` */
  readonly interval?: string;
  /**
   * A bearer token Prometheus sends (`Authorization: Bearer`), read from a key of a Secret
   * in the system's namespace (`fromSecret(secret, 'token')`), for an application that
   * protects its metrics. The Prometheus Operator reads the Secret (its RBAC must allow
   * it in this namespace). @default - no authorization header
   */
  readonly bearerToken?: SecretKeyValue;
}

/** A Prometheus duration, as the ServiceMonitor and PrometheusRule CRDs accept it (`30s`, `1h30m`, `500ms`). */
const DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

/** A reason `value` is not a usable non-zero Prometheus duration, or undefined when it is one. */
export function checkDuration(value: string, allowZero = false): string | undefined {
  if (typeof value !== 'string' || value === '' || !DURATION.test(value)) return `'${value}' is not a Prometheus duration (e.g. 30s, 5m, 1h30m)`;
  if (!allowZero && !/[1-9]/.test(value)) return `'${value}' must be longer than zero`;
  return undefined;
}
