import type { SecretKeyValue } from './env';
import type { Duration } from '../core/duration';

/**
 * What a workload declares about the Prometheus metrics it serves. Recorded by
 * `Workload.exposeMetrics()`; the ServiceMonitor, alerts and dashboards are derived from it.
 */
export interface MetricsOptions {
  /** Name of the port serving metrics: one of the main container's ports or a sidecar's (e.g. `http`, `metrics`). */
  readonly port: string;
  /** HTTP path of the metrics. @default '/metrics' */
  readonly path?: string;
  /** Scrape interval. @default - the environment's `monitoring.scrapeInterval` */
  readonly interval?: Duration;
  /**
   * A bearer token Prometheus sends (`Authorization: Bearer`), read from a key of a Secret
   * in the system's namespace (`fromSecret(secret, 'token')`), for an application that
   * protects its metrics. The Prometheus Operator reads the Secret (its RBAC must allow
   * it in this namespace). @default - no authorization header
   */
  readonly bearerToken?: SecretKeyValue;
}
