/**
 * Service-level targets that no HTTP metric measures: latency measured from the traces
 * (Tempo's span metrics, remote-written to Prometheus) and the hit ratio of caches (their
 * exporters). Plain data and PromQL: alert-rules.ts makes the rules of them, the dashboard
 * draws the same queries, and the promtool tests feed series to the rules.
 *
 * Span metrics, as Tempo 2.10's span-metrics processor writes them
 * (modules/generator/processor/spanmetrics): the histogram `traces_spanmetrics_latency`
 * (`_bucket`, `_sum`, `_count`) with the labels `service` (the resource's `service.name`, which
 * `tracing()` sets to the workload name), `span_kind` (`SPAN_KIND_SERVER`, `SPAN_KIND_CLIENT`,
 * `SPAN_KIND_CONSUMER`, ...), `span_name` and `status_code`, plus the dimensions the platform
 * layer configures (SPAN_METRICS_DIMENSIONS): `namespace` from `k8s.namespace.name` (which
 * `tracing()` sets), so the series route like every other alert of the system, and `db_system`.
 */

import type { Duration } from '../core/duration';
import type { Workload } from '../workloads/workload';
import type { ExporterEngine, ScrapeTarget } from './scrape-targets';

/** The span kinds OpenTelemetry defines, as a target names them. */
export const SPAN_KINDS = ['server', 'client', 'consumer', 'producer', 'internal'] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

/**
 * Tempo's span-metrics dimensions the platform layer configures (`dimension_mappings`: label
 * name and the resource or span attributes it is read from, first found wins).
 * `db.system.name` is the stable semantic-conventions name, `db.system` the older one that most
 * instrumentations still send.
 */
export const SPAN_METRICS_DIMENSIONS: ReadonlyArray<{ readonly name: string; readonly sourceLabels: readonly string[] }> = [
  { name: 'namespace', sourceLabels: ['k8s.namespace.name'] },
  { name: 'db_system', sourceLabels: ['db.system.name', 'db.system'] },
];

/**
 * Latency buckets of the span-metrics histogram, in seconds: the usual service targets (50 ms,
 * 150 ms, 200 ms, 500 ms) are bucket bounds, so a p95 near a target is not interpolated across a
 * wide bucket (Tempo's default doubles from 2 ms: 32, 64, 128, 256, 512 ms).
 */
export const SPAN_LATENCY_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 5, 10];

/** A latency target measured from traces, as the rules need it. */
export interface TraceLatencyModel {
  /** Alert name, unique in the system. */
  readonly alert: string;
  /** `service` values: the traced workloads' names. */
  readonly services: readonly string[];
  readonly spanKind: SpanKind;
  /** Only spans of calls to this database system (`db.system`, e.g. `postgresql`). @default - any */
  readonly dbSystem?: string;
  /** The 95th percentile must stay at or under this. */
  readonly p95Seconds: number;
  /** What is measured, for the summary and the dashboard (e.g. `queue jobs of workers`). */
  readonly what: string;
}

/** A minimum hit ratio for the caches that run an exporter. */
export interface CacheHitModel {
  /** Below this ratio (0 to 1) the alert fires. */
  readonly ratio: number;
  /** The caches: job (workload name) and its exporter. */
  readonly caches: ReadonlyArray<{ readonly job: string; readonly exporter: CacheExporter }>;
}

/** Exporters whose hit and miss counters are known. */
export type CacheExporter = Extract<ExporterEngine, 'redis' | 'memcached'>;

/** Hits and lookups per second of one cache job, as its exporter names them (summed over its pods). */
export const CACHE_HIT_QUERIES: Readonly<Record<CacheExporter, (selector: string, window: string) => { hits: string; lookups: string }>> = {
  // redis_exporter: INFO stats' keyspace_hits and keyspace_misses.
  redis: (s, w) => ({
    hits: `sum by (namespace, job) (rate(redis_keyspace_hits_total{${s}}[${w}]))`,
    lookups: `(sum by (namespace, job) (rate(redis_keyspace_hits_total{${s}}[${w}])) + sum by (namespace, job) (rate(redis_keyspace_misses_total{${s}}[${w}])))`,
  }),
  // memcached_exporter: get commands by status.
  memcached: (s, w) => ({
    hits: `sum by (namespace, job) (rate(memcached_commands_total{${s},command="get",status="hit"}[${w}]))`,
    lookups: `sum by (namespace, job) (rate(memcached_commands_total{${s},command="get"}[${w}]))`,
  }),
};

/** The span-metrics selector of a latency target. */
export function traceLatencySelector(namespace: string, t: TraceLatencyModel): string {
  const services = t.services.length === 1 ? `service="${t.services[0]}"` : `service=~"${t.services.join('|')}"`;
  return `namespace="${namespace}",${services},span_kind="SPAN_KIND_${t.spanKind.toUpperCase()}"${t.dbSystem ? `,db_system="${t.dbSystem}"` : ''}`;
}

/** The p95 of a latency target over `window`, per namespace and service. */
export function traceLatencyP95(namespace: string, t: TraceLatencyModel, window: string): string {
  return `histogram_quantile(0.95, sum by (namespace, service, le) (rate(traces_spanmetrics_latency_bucket{${traceLatencySelector(namespace, t)}}[${window}])))`;
}

/** The hit ratio of one cache over `window`. */
export function cacheHitRatio(namespace: string, cache: CacheHitModel['caches'][number], window: string): string {
  const q = CACHE_HIT_QUERIES[cache.exporter](`namespace="${namespace}",job="${cache.job}"`, window);
  return `${q.hits} / ${q.lookups}`;
}

/** A latency target measured from traces, as a system declares it (`SystemAlertsProps.traceLatencyP95`). */
export interface TraceLatencyTarget {
  /** Alert name, unique in the system: letters, digits and '_', e.g. `WorkerJobLatencyHigh`. */
  readonly alert: string;
  /** The workloads whose spans are measured; each must call `tracing()`. */
  readonly workloads: readonly Workload[];
  /**
   * Which of their spans: `consumer` for jobs taken from a queue, `client` for the calls they
   * make (with `dbSystem`: database queries as the application waits for them), `server` for the
   * requests they serve.
   */
  readonly spanKind: SpanKind;
  /**
   * Only calls to this database system, as instrumentations name it (`db.system`:
   * `postgresql`, `mysql`, `redis`, `mongodb`); for `client` spans.
   * @default - spans of every kind of call
   */
  readonly dbSystem?: string;
  /** The 95th percentile must stay at or under this. */
  readonly p95: Duration;
  /** What is measured, in words, for the alert and the dashboard. @default - '<kind> spans of <workloads>' */
  readonly description?: string;
}

/** The exporter whose hit ratio a scrape target reports: a cache's redis or memcached exporter; undefined otherwise. */
export function cacheExporterOf(t: ScrapeTarget): CacheExporter | undefined {
  return t.workload.role === 'cache' && (t.exporter === 'redis' || t.exporter === 'memcached') ? t.exporter : undefined;
}
