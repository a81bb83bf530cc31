/**
 * The platform layer's log and trace components: the pinned charts of Loki, Grafana Alloy,
 * Tempo and the OpenTelemetry Collector, and their Helm values from the cluster profile
 * (`platform.logs`, `platform.tracing`). Split from platform-components.ts, which plans them.
 *
 * The values were written against each chart's own values.yaml and checked by rendering the
 * pinned chart (scripts/chart-facts); what they create is read from those renders into
 * chart-facts-table.json.
 */
import type { Json } from '../core/json';
import {
  COLLECTOR_CLIENTS_SETTING,
  COLLECTOR_RELEASE,
  lokiPeriod,
  OTLP_GRPC_PORT,
  parseCollectorClient,
  SPAN_METRICS_SETTING,
} from '../core/observability-profile';
import { SPAN_LATENCY_BUCKETS, SPAN_METRICS_DIMENSIONS } from '../observability/service-targets';
import { defaultPrometheusReplicas, prometheusWriteUrls } from '../observability/prometheus-server';
import type { Platform } from '../core/platform';
import type { PlatformComponentName } from '../core/platform-requirements';
import { alloyLogsConfig, LOKI_RULE_LABEL, LOKI_RULES_TENANT } from '../observability/log-collection';
import type { ComponentChart } from './component-chart';

/** Components of this file. */
export type ObservabilityComponent = Extract<PlatformComponentName, 'loki' | 'alloy' | 'tempo' | 'opentelemetry-collector'>;

const GRAFANA_COMMUNITY = 'https://grafana-community.github.io/helm-charts';

/** The charts, pinned: each chart's newest release in its repository at the time of pinning. */
export const OBSERVABILITY_CHARTS: Readonly<Record<ObservabilityComponent, ComponentChart>> = {
  // The Loki chart moved from grafana/helm-charts to the community repository with 7.x; 18.11.0 installs Loki 3.7.6.
  loki: {
    title: 'Loki (central logs, monolithic)',
    repoURL: GRAFANA_COMMUNITY,
    chart: 'loki',
    chartVersion: '18.11.0',
    appVersion: '3.7.6',
    releaseName: 'loki',
  },
  alloy: {
    title: 'Grafana Alloy (collects every pod log on every node)',
    repoURL: 'https://grafana.github.io/helm-charts',
    chart: 'alloy',
    chartVersion: '1.11.1',
    appVersion: '1.18.1',
    releaseName: 'alloy',
  },
  tempo: {
    title: 'Tempo (trace store, single binary)',
    repoURL: GRAFANA_COMMUNITY,
    chart: 'tempo',
    chartVersion: '2.2.4',
    appVersion: '2.10.8',
    releaseName: 'tempo',
  },
  'opentelemetry-collector': {
    title: 'OpenTelemetry Collector (receives the workloads’ traces)',
    repoURL: 'https://open-telemetry.github.io/opentelemetry-helm-charts',
    chart: 'opentelemetry-collector',
    chartVersion: '0.170.0',
    appVersion: '0.158.0',
    releaseName: COLLECTOR_RELEASE,
  },
};

/** The restricted Pod Security context for charts that leave it to the user (Tempo, the collector). */
const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
const RESTRICTED_POD = { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } };

/** The name the pipeline gives the platform's Prometheus object (PrometheusServer's default). */
export const PLATFORM_PROMETHEUS_NAME = 'prometheus';

/**
 * Tempo's metrics generator with the span-metrics processor (asked for by the systems' trace
 * latency targets): histograms of span durations with the `namespace` and `db_system`
 * dimensions, remote-written to each replica of the platform's Prometheus (PrometheusServer turns
 * its remote-write receiver on). The generator's WAL stays
 * on the chart's /tmp emptyDir: a restart loses at most the samples not yet sent.
 */
function spanMetricsValues(platform: Platform, environment: string): Json {
  const urls = prometheusWriteUrls(platform.prometheus.pods.namespace, PLATFORM_PROMETHEUS_NAME, defaultPrometheusReplicas(environment));
  return {
    metricsGenerator: {
      enabled: true,
      // Every replica of the platform Prometheus (see prometheusWriteUrls); the pipeline checks the replicas agree.
      storage: { path: '/tmp/tempo', remote_write: urls.map((url) => ({ url })) },
      processor: {
        span_metrics: {
          histogram_buckets: [...SPAN_LATENCY_BUCKETS],
          dimension_mappings: SPAN_METRICS_DIMENSIONS.map((d) => ({ name: d.name, source_labels: [...d.sourceLabels], join: '' })),
        },
      },
    },
    // The processors run for every tenant (Tempo runs single-tenant here).
    overrides: { defaults: { metrics_generator: { processors: ['span-metrics'] } } },
  };
}

/** The Alertmanager the platform layer runs (AlertmanagerServer's Service made by prometheus-operator). */
function alertmanagerUrl(platform: Platform): string {
  return `http://alertmanager-operated.${platform.prometheus.pods.namespace}.svc:9093`;
}

/** Helm values of one log or trace component for an environment's profile. */
export function observabilityValues(
  component: ObservabilityComponent,
  platform: Platform,
  environment: string,
  withAlertmanager: boolean,
  settings: Readonly<Record<string, readonly string[]>> = {},
): Json {
  switch (component) {
    case 'loki':
      return lokiValues(platform, withAlertmanager);
    case 'alloy':
      return {
        // The PodLogs CRD is for Alloy's operator-style discovery, which this configuration does not use.
        crds: { create: false },
        alloy: {
          configMap: { create: true, content: alloyLogsConfig({ lokiUrl: platform.logs.url, environment }) },
          // Alloy reads the kubelet's log files of the pods on its node (hostPath /var/log).
          mounts: { varlog: true },
          // The node a pod runs on: Alloy discovers only the pods whose files are on its node.
          extraEnv: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
          enableReporting: false,
        },
        controller: { type: 'daemonset' },
      };
    case 'tempo': {
      const t = platform.tracing;
      const spanMetrics = (settings[SPAN_METRICS_SETTING] ?? []).length > 0;
      return {
        tempo: {
          retention: lokiPeriod(t.retentionSeconds),
          reportingEnabled: false,
          securityContext: RESTRICTED_CONTAINER,
          ...(spanMetrics ? spanMetricsValues(platform, environment) : {}),
        },
        securityContext: RESTRICTED_POD,
        persistence: {
          enabled: true,
          size: t.storageSize,
          ...((t.storageClass ?? platform.storage.defaultClass) ? { storageClassName: t.storageClass ?? platform.storage.defaultClass } : {}),
        },
      };
    }
    case 'opentelemetry-collector': {
      const t = platform.tracing;
      return {
        mode: 'deployment',
        fullnameOverride: COLLECTOR_RELEASE,
        // The chart names no image by default; the k8s distribution is the one its docs pair with `otelcol-k8s`.
        image: { repository: 'docker.io/otel/opentelemetry-collector-k8s' },
        command: { name: 'otelcol-k8s' },
        replicaCount: t.collectorReplicas,
        // Ingress to the collector's OTLP ports from exactly the pods that call tracing() (their
        // own policies allow egress to it on the one port they use); any other pod is refused.
        networkPolicy: {
          enabled: true,
          allowIngressFrom: (settings[COLLECTOR_CLIENTS_SETTING] ?? []).map((value) => {
            const pods = parseCollectorClient(value);
            return {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': pods.namespace } },
              podSelector: { matchLabels: { ...pods.podLabels } },
            };
          }),
        },
        podSecurityContext: RESTRICTED_POD,
        securityContext: RESTRICTED_CONTAINER,
        // Only OTLP: the workloads' SDKs speak it (tracing() sets the OTEL_* variables).
        ports: {
          'jaeger-compact': { enabled: false },
          'jaeger-thrift': { enabled: false },
          'jaeger-grpc': { enabled: false },
          zipkin: { enabled: false },
        },
        config: {
          receivers: { jaeger: null, zipkin: null, prometheus: null },
          exporters: {
            debug: null,
            'otlp/tempo': { endpoint: `${t.tempoHost}:${OTLP_GRPC_PORT}`, tls: { insecure: true } },
          },
          service: {
            pipelines: {
              logs: null,
              metrics: null,
              traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp/tempo'] },
            },
          },
        },
      };
    }
  }
}

function lokiValues(platform: Platform, withAlertmanager: boolean): Json {
  const l = platform.logs;
  const retention = lokiPeriod(l.retentionSeconds);
  const s3 = l.storage.kind === 's3' ? l.storage : undefined;
  const volume = l.storage.kind === 'volume' ? l.storage : undefined;
  const storageClass = volume?.storageClass ?? platform.storage.defaultClass;
  const objectStore = s3 ? 's3' : 'filesystem';
  return {
    deploymentMode: 'Monolithic',
    loki: {
      // One tenant: the systems are told apart by the labels Alloy adds, not by tenants.
      auth_enabled: false,
      commonConfig: { replication_factor: Math.min(l.replicas, 3) },
      storage: s3
        ? {
            type: 's3',
            bucketNames: { chunks: s3.bucket, ruler: s3.bucket, admin: s3.bucket },
            s3: { region: s3.region, ...(s3.endpoint ? { endpoint: s3.endpoint, s3ForcePathStyle: true } : {}) },
          }
        : { type: 'filesystem' },
      schemaConfig: {
        configs: [{ from: '2024-04-01', store: 'tsdb', object_store: objectStore, schema: 'v13', index: { prefix: 'loki_index_', period: '24h' } }],
      },
      // Retention is the compactor's: it deletes chunks older than the profile's retention.
      limits_config: { retention_period: retention },
      compactor: { retention_enabled: true, delete_request_store: objectStore },
      // The ruler evaluates the systems' log alerts (ConfigMaps labelled loki_rule, loaded by the
      // chart's sidecar into the single tenant's folder) and sends them to the platform Alertmanager.
      rulerConfig: {
        storage: { type: 'local', local: { directory: '/rules' } },
        rule_path: '/var/loki/rules-temp',
        ...(withAlertmanager ? { alertmanager_url: alertmanagerUrl(platform) } : {}),
      },
    },
    singleBinary: {
      replicas: l.replicas,
      persistence: { enabled: true, size: volume?.size ?? '10Gi', ...(storageClass ? { storageClass } : {}) },
    },
    read: { replicas: 0 },
    write: { replicas: 0 },
    backend: { replicas: 0 },
    ...(s3?.serviceAccountAnnotations ? { serviceAccount: { annotations: { ...s3.serviceAccountAnnotations } } } : {}),
    sidecar: { rules: { label: LOKI_RULE_LABEL, labelValue: '', folder: `/rules/${LOKI_RULES_TENANT}`, searchNamespace: 'ALL' } },
    // The memcached caches, canary, nginx gateway and Helm test are for larger or multi-tenant installs.
    chunksCache: { enabled: false },
    resultsCache: { enabled: false },
    lokiCanary: { enabled: false },
    gateway: { enabled: false },
    test: { enabled: false },
  };
}

/** Grafana datasources of the logs and traces the environment's platform layer runs, linked both ways by trace id. */
export function observabilityDatasources(platform: Platform, has: (c: PlatformComponentName) => boolean): Json[] {
  const out: Json[] = [];
  const withLoki = has('loki');
  const withTempo = has('tempo');
  if (withLoki) {
    out.push({
      name: 'Loki',
      type: 'loki',
      uid: 'loki',
      access: 'proxy',
      url: platform.logs.url,
      jsonData: {
        maxLines: 1000,
        // A log line that names a trace id (OpenTelemetry's log correlation) links to the trace.
        ...(withTempo
          ? {
              derivedFields: [
                { name: 'TraceID', matcherRegex: '(?:trace_?id|traceID)[=:"\\s]+(\\w+)', url: '$${__value.raw}', datasourceUid: 'tempo' },
              ],
            }
          : {}),
      },
    });
  }
  if (withTempo) {
    out.push({
      name: 'Tempo',
      type: 'tempo',
      uid: 'tempo',
      access: 'proxy',
      url: `http://${platform.tracing.tempoHost}:3200`,
      jsonData: {
        // From a span to the logs of its service and environment around the span's time.
        ...(withLoki
          ? {
              tracesToLogsV2: {
                datasourceUid: 'loki',
                spanStartTimeShift: '-5m',
                spanEndTimeShift: '5m',
                tags: [
                  { key: 'service.name', value: 'workload' },
                  { key: 'service.namespace', value: 'system' },
                ],
                filterByTraceID: false,
              },
            }
          : {}),
        nodeGraph: { enabled: true },
      },
    });
  }
  return out;
}
