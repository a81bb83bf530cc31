import { createHash } from 'crypto';
import { Json } from '../core/json';
import { ExporterEngine, ScrapeTarget } from './scrape-targets';
import { cacheExporterOf, cacheHitRatio, TraceLatencyModel, traceLatencyP95 } from './service-targets';

/**
 * Grafana dashboard JSON built from the scrape model: a row per web service (request
 * rate, p95 latency, error ratio) and per data-store exporter (connections, exporter up, a
 * cache's hit ratio), and a row of the latency targets measured from traces.
 * Deterministic: same model, same bytes; panel ids and positions follow the model order.
 */

export interface DashboardModel {
  /** Grafana uid: stable, at most 40 characters. */
  readonly uid: string;
  readonly title: string;
  readonly namespace: string;
  readonly tags: readonly string[];
  readonly targets: readonly ScrapeTarget[];
  readonly statusLabel: string;
  readonly rateWindow: string;
  /** Latency targets measured from traces, a panel each. @default - none */
  readonly traceLatency?: readonly TraceLatencyModel[];
}

/** Connections per exporter, as each exporter names them. */
export const CONNECTION_QUERIES: Readonly<Record<ExporterEngine, (selector: string) => string>> = {
  postgres: (s) => `sum by (pod, datname) (pg_stat_database_numbackends{${s}})`,
  mysql: (s) => `sum by (pod) (mysql_global_status_threads_connected{${s}})`,
  redis: (s) => `sum by (pod) (redis_connected_clients{${s}})`,
  memcached: (s) => `sum by (pod) (memcached_current_connections{${s}})`,
  // percona/mongodb_exporter names it mongodb_ss_connections; with --compatible-mode also mongodb_connections.
  mongo: (s) => `sum by (pod) (mongodb_ss_connections{${s},conn_type="current"}) or sum by (pod) (mongodb_connections{${s},state="current"})`,
};

/** A Grafana uid derived from a name: the name itself when short enough, else a prefix and a hash. */
export function dashboardUid(name: string): string {
  if (name.length <= 40) return name;
  return `${name.slice(0, 27)}-${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
}

export function renderDashboard(m: DashboardModel): Json {
  const panels: Json[] = [];
  let id = 1;
  let y = 0;
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  const row = (title: string) => {
    panels.push({ type: 'row', id: id++, title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
  };
  const graphs = (items: Array<{ title: string; unit: string; expr: string; legend: string }>) => {
    const width = Math.floor(24 / items.length);
    items.forEach((item, i) => {
      panels.push({
        type: 'timeseries',
        id: id++,
        title: item.title,
        datasource,
        gridPos: { h: 8, w: width, x: i * width, y },
        fieldConfig: { defaults: { unit: item.unit, min: 0 }, overrides: [] },
        options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
        targets: [{ refId: 'A', datasource, expr: item.expr, legendFormat: item.legend }],
      });
    });
    y += 8;
  };

  for (const t of m.targets) {
    const s = `namespace="${m.namespace}",job="${t.job}"`;
    const cache = cacheExporterOf(t);
    const w = m.rateWindow;
    if (t.http) {
      row(`${t.job}: HTTP`);
      graphs([
        {
          title: `${t.job} request rate`,
          unit: 'reqps',
          expr: `sum by (${m.statusLabel}) (rate(http_requests_total{${s}}[${w}]))`,
          legend: `{{${m.statusLabel}}}`,
        },
        {
          title: `${t.job} p95 latency`,
          unit: 's',
          expr: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${s}}[${w}])))`,
          legend: 'p95',
        },
        {
          title: `${t.job} error rate (5xx)`,
          unit: 'percentunit',
          expr: `sum(rate(http_requests_total{${s},${m.statusLabel}=~"5.."}[${w}])) / sum(rate(http_requests_total{${s}}[${w}]))`,
          legend: '5xx ratio',
        },
        {
          title: `${t.job} client errors (4xx)`,
          unit: 'percentunit',
          expr: `sum(rate(http_requests_total{${s},${m.statusLabel}=~"4.."}[${w}])) / sum(rate(http_requests_total{${s}}[${w}]))`,
          legend: '4xx ratio',
        },
      ]);
    }
    if (t.exporter) {
      row(`${t.job}: ${t.exporter}`);
      graphs([
        {
          title: `${t.job} connections`,
          unit: 'short',
          expr: CONNECTION_QUERIES[t.exporter](s),
          legend: t.exporter === 'postgres' ? '{{pod}} {{datname}}' : '{{pod}}',
        },
        { title: `${t.job} exporter up`, unit: 'short', expr: `up{${s}}`, legend: '{{pod}}' },
        // A cache's hit ratio: the share of lookups answered from memory.
        ...(cache
          ? [
              {
                title: `${t.job} hit ratio`,
                unit: 'percentunit',
                expr: cacheHitRatio(m.namespace, { job: t.job, exporter: cache }, w),
                legend: 'hits / lookups',
              },
            ]
          : []),
      ]);
    }
  }
  if ((m.traceLatency ?? []).length > 0) {
    row('Latency from traces');
    graphs(
      m.traceLatency!.map((t) => ({
        title: `p95 of ${t.what} (target ${Math.round(t.p95Seconds * 1000)} ms)`,
        unit: 's',
        expr: traceLatencyP95(m.namespace, t, m.rateWindow),
        legend: '{{service}}',
      })),
    );
  }

  return {
    uid: m.uid,
    title: m.title,
    tags: [...m.tags],
    editable: false,
    graphTooltip: 1,
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    refresh: '1m',
    time: { from: 'now-6h', to: 'now' },
    annotations: { list: [] },
    links: [],
    templating: {
      list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', hide: 0, current: {}, options: [], refresh: 1 }],
    },
    panels,
  };
}
