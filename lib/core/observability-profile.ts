/**
 * The cluster profile's central logs and traces: where the platform layer runs Loki (with
 * Grafana Alloy collecting every pod's logs) and Tempo (behind an OpenTelemetry Collector),
 * how long each environment keeps what they store, and where they store it. One profile per
 * environment, so retention and storage are per environment.
 */
import type { ComponentPods } from './component-pods';
import { describeValue } from './describe-value';
import { Duration, durationSeconds } from './duration';
import { checkDnsLabel } from './naming';
import { checkQuantity } from './quantity';
import type { ValidationReport } from './validation';

/** Loki's data on a PersistentVolumeClaim of the single Loki pod (one replica). */
export interface LogVolumeStorage {
  readonly kind: 'volume';
  /** Size of the claim. @default '10Gi' */
  readonly size?: string;
  /** Storage class of the claim. @default - the profile's `storage.defaultClass`, else the cluster's default */
  readonly storageClass?: string;
}

/**
 * Loki's chunks, index and rules in an S3 bucket (AWS S3 or any S3 API). Credentials never come
 * from Git: Loki's service account gets the annotations that bind it to a cloud identity
 * (e.g. `eks.amazonaws.com/role-arn` for IRSA), which the chart's pods use.
 */
export interface LogObjectStorage {
  readonly kind: 's3';
  /** Bucket of the chunks and index (the ruler's rules come from ConfigMaps, not the bucket). */
  readonly bucket: string;
  /** Region of the bucket, e.g. `eu-west-1`. */
  readonly region: string;
  /** S3 API endpoint for a non-AWS store, e.g. `https://s3.eu-central-1.wasabisys.com`. @default - AWS S3 of the region */
  readonly endpoint?: string;
  /** Annotations of Loki's service account binding it to a cloud identity that may use the bucket. @default - none: the nodes' identity */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
}

/** Where Loki keeps logs. */
export type LogStorage = LogVolumeStorage | LogObjectStorage;

/** Central logs: Loki (monolithic) and Grafana Alloy on every node. */
export interface LogsProfile {
  /** Collect logs at all. @default true */
  readonly enabled?: boolean;
  /** Namespace of Loki and Alloy. @default 'logging' */
  readonly namespace?: string;
  /** How long logs are kept (Loki's compactor deletes older ones). @default Duration.days(7) */
  readonly retention?: Duration;
  /** Where Loki keeps logs. @default { kind: 'volume', size: '10Gi' } */
  readonly storage?: LogStorage;
  /** Loki pods; more than one needs object storage (each would otherwise have its own disk). @default 1 with a volume, 3 with object storage */
  readonly replicas?: number;
}

/** Traces: an OpenTelemetry Collector the workloads send to, and Tempo storing the traces. */
export interface TracingProfile {
  /** Namespace of the collector and Tempo. @default 'tracing' */
  readonly namespace?: string;
  /** How long traces are kept. @default Duration.days(3) */
  readonly retention?: Duration;
  /** Size of Tempo's volume. @default '10Gi' */
  readonly storageSize?: string;
  /** Storage class of Tempo's volume. @default - the profile's `storage.defaultClass`, else the cluster's default */
  readonly storageClass?: string;
  /** Share of root traces the SDKs sample (parent-based), 0 to 1. @default 1 */
  readonly sampleRatio?: number;
  /** Collector pods. @default 2 */
  readonly collectorReplicas?: number;
}

/** The profile's logs with defaults applied. */
export interface ResolvedLogs {
  readonly enabled: boolean;
  readonly namespace: string;
  readonly retentionSeconds: number;
  readonly storage: LogStorage;
  readonly replicas: number;
  /** Loki's Service: what Alloy pushes to and Grafana queries. */
  readonly url: string;
}

/** The profile's tracing with defaults applied. */
export interface ResolvedTracing {
  readonly namespace: string;
  readonly retentionSeconds: number;
  readonly storageSize: string;
  readonly storageClass?: string;
  readonly sampleRatio: number;
  readonly collectorReplicas: number;
  /** The collector's pods, as NetworkPolicies select them . */
  readonly collectorPods: ComponentPods;
  /** The collector's Service (OTLP gRPC 4317, OTLP/HTTP 4318). */
  readonly collectorHost: string;
  /** Tempo's Service (query 3200, OTLP gRPC 4317). */
  readonly tempoHost: string;
}

/** Release names the platform layer gives the charts (the Services are named after them). */
export const LOKI_RELEASE = 'loki';
export const TEMPO_RELEASE = 'tempo';
export const COLLECTOR_RELEASE = 'otel-collector';
/** Ports of the collector's OTLP receivers. */
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;

/**
 * The collector requirement's setting listing the pods that call `tracing()`, one
 * `<namespace>: <label>=<value>,...` per workload; the platform layer turns the merged list into
 * the collector's ingress NetworkPolicy (a preinstalled collector must admit the same pods).
 */
export const COLLECTOR_CLIENTS_SETTING = 'networkPolicy.allowIngressFrom';

/**
 * The Tempo requirement's setting asking for span metrics (`latency`): the platform layer then
 * runs Tempo's metrics generator, remote-writing to the platform Prometheus, whose remote-write
 * receiver it turns on.
 */
export const SPAN_METRICS_SETTING = 'metricsGenerator.spanMetrics';

/** One traced workload's pods as a collector-clients setting value. */
export function collectorClient(namespace: string, podLabels: Readonly<Record<string, string>>): string {
  const labels = Object.keys(podLabels)
    .sort()
    .map((k) => `${k}=${podLabels[k]}`);
  return `${namespace}: ${labels.join(',')}`;
}

/** The pods of a collector-clients setting value (labels neither contain ',' nor '=', namespaces not ':'). */
export function parseCollectorClient(value: string): ComponentPods {
  const at = value.indexOf(': ');
  const podLabels = Object.fromEntries(
    value
      .slice(at + 2)
      .split(',')
      .map((pair) => pair.split('=') as [string, string]),
  );
  return { namespace: value.slice(0, at), podLabels };
}

const DAY = 86400;

/** Defaults applied; malformed fields fall back to defaults (checkLogs/checkTracing report them). */
export function resolveLogs(raw: unknown): ResolvedLogs {
  const p = (isObject(raw) ? raw : {}) as LogsProfile;
  const namespace = typeof p.namespace === 'string' ? p.namespace : 'logging';
  const retention = durationSeconds(p.retention);
  const storage: LogStorage = isObject(p.storage) && (p.storage.kind === 's3' || p.storage.kind === 'volume') ? p.storage : { kind: 'volume' };
  const replicas = Number.isInteger(p.replicas) ? p.replicas! : storage.kind === 's3' ? 3 : 1;
  return {
    enabled: p.enabled !== false,
    namespace,
    retentionSeconds: typeof retention === 'number' ? retention : 7 * DAY,
    storage,
    replicas,
    url: `http://${LOKI_RELEASE}.${namespace}.svc:3100`,
  };
}

export function resolveTracing(raw: unknown): ResolvedTracing {
  const p = (isObject(raw) ? raw : {}) as TracingProfile;
  const namespace = typeof p.namespace === 'string' ? p.namespace : 'tracing';
  const retention = durationSeconds(p.retention);
  return {
    namespace,
    retentionSeconds: typeof retention === 'number' ? retention : 3 * DAY,
    storageSize: typeof p.storageSize === 'string' ? p.storageSize : '10Gi',
    storageClass: typeof p.storageClass === 'string' ? p.storageClass : undefined,
    sampleRatio: typeof p.sampleRatio === 'number' && p.sampleRatio >= 0 && p.sampleRatio <= 1 ? p.sampleRatio : 1,
    collectorReplicas: Number.isInteger(p.collectorReplicas) ? p.collectorReplicas! : 2,
    // The chart's pod labels for release COLLECTOR_RELEASE (read from its render: name and instance).
    collectorPods: { namespace, podLabels: { 'app.kubernetes.io/name': 'opentelemetry-collector', 'app.kubernetes.io/instance': COLLECTOR_RELEASE } },
    collectorHost: `${COLLECTOR_RELEASE}.${namespace}.svc`,
    tempoHost: `${TEMPO_RELEASE}.${namespace}.svc`,
  };
}

/** Loki's retention as its configuration spells it (hours: `168h`). */
export function lokiPeriod(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600}h` : `${seconds}s`;
}

const LOG_FIELDS = ['enabled', 'namespace', 'retention', 'storage', 'replicas'];
const TRACING_FIELDS = ['namespace', 'retention', 'storageSize', 'storageClass', 'sampleRatio', 'collectorReplicas'];

/** Checks `platform.logs`; `prefix` is e.g. `environment.platform.logs`. */
export function checkLogs(raw: unknown, report: ValidationReport, prefix: string): void {
  if (raw === undefined) return;
  if (!isObject(raw))
    return report.error('observability-profile.value.logsprofile-object', prefix, `must be a LogsProfile object (is ${describeValue(raw)})`);
  unknownFields(raw, LOG_FIELDS, report, prefix);
  if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean')
    report.error('observability-profile.enabled', `${prefix}.enabled`, `must be true or false (is ${describeValue(raw.enabled)})`);
  checkNamespace(raw.namespace, report, `${prefix}.namespace`);
  checkRetention(raw.retention, report, `${prefix}.retention`, 'Duration.days(7)');
  const storage = raw.storage;
  if (storage !== undefined) {
    if (!isObject(storage) || (storage.kind !== 'volume' && storage.kind !== 's3')) {
      report.error(
        'observability-profile.storage',
        `${prefix}.storage`,
        `must be { kind: 'volume', size? } or { kind: 's3', bucket, region, endpoint? } (is ${describeValue(storage)})`,
      );
    } else if (storage.kind === 'volume') {
      unknownFields(storage, ['kind', 'size', 'storageClass'], report, `${prefix}.storage`);
      checkSize(storage.size, report, `${prefix}.storage.size`);
      if (storage.storageClass !== undefined) checkNamespace(storage.storageClass, report, `${prefix}.storage.storageClass`, 'a storage class name');
    } else {
      unknownFields(storage, ['kind', 'bucket', 'region', 'endpoint', 'serviceAccountAnnotations'], report, `${prefix}.storage`);
      if (typeof storage.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(storage.bucket))
        report.error(
          'observability-profile.storage.bucket',
          `${prefix}.storage.bucket`,
          `must be an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens; is ${describeValue(storage.bucket)})`,
        );
      if (typeof storage.region !== 'string' || !/^[a-z0-9-]+$/.test(storage.region))
        report.error(
          'observability-profile.storage.region',
          `${prefix}.storage.region`,
          `must be a region such as 'eu-west-1' (is ${describeValue(storage.region)})`,
        );
      if (storage.endpoint !== undefined && (typeof storage.endpoint !== 'string' || !/^https?:\/\/[^\s/]+/.test(storage.endpoint)))
        report.error(
          'observability-profile.storage.endpoint',
          `${prefix}.storage.endpoint`,
          `must be an http(s) URL (is ${describeValue(storage.endpoint)})`,
        );
      const annotations = storage.serviceAccountAnnotations;
      if (annotations !== undefined && (!isObject(annotations) || Object.values(annotations).some((v) => typeof v !== 'string')))
        report.error(
          'observability-profile.storage.service-account-annotations',
          `${prefix}.storage.serviceAccountAnnotations`,
          `must be an object of annotation names to string values (is ${describeValue(annotations)})`,
        );
    }
  }
  if (raw.replicas !== undefined) {
    if (!Number.isInteger(raw.replicas) || (raw.replicas as number) < 1)
      report.error(
        'observability-profile.replicas.whole-number',
        `${prefix}.replicas`,
        `must be a whole number of pods, at least 1 (is ${describeValue(raw.replicas)})`,
      );
    else if ((raw.replicas as number) > 1 && !(isObject(storage) && storage.kind === 's3'))
      report.error(
        'observability-profile.replicas.more-loki',
        `${prefix}.replicas`,
        `is ${raw.replicas}: more than one Loki pod needs object storage (storage: { kind: 's3', ... }); each pod would keep its own part of the logs on its own volume`,
      );
  }
}

/** Checks `platform.tracing`. */
export function checkTracing(raw: unknown, report: ValidationReport, prefix: string): void {
  if (raw === undefined) return;
  if (!isObject(raw))
    return report.error('observability-profile.value.tracingprofile-object', prefix, `must be a TracingProfile object (is ${describeValue(raw)})`);
  unknownFields(raw, TRACING_FIELDS, report, prefix);
  checkNamespace(raw.namespace, report, `${prefix}.namespace`);
  checkRetention(raw.retention, report, `${prefix}.retention`, 'Duration.days(3)');
  checkSize(raw.storageSize, report, `${prefix}.storageSize`);
  if (raw.storageClass !== undefined) checkNamespace(raw.storageClass, report, `${prefix}.storageClass`, 'a storage class name');
  if (raw.sampleRatio !== undefined && (typeof raw.sampleRatio !== 'number' || !(raw.sampleRatio >= 0 && raw.sampleRatio <= 1)))
    report.error(
      'observability-profile.sample-ratio',
      `${prefix}.sampleRatio`,
      `must be a number from 0 to 1, the share of root traces sampled (is ${describeValue(raw.sampleRatio)})`,
    );
  if (raw.collectorReplicas !== undefined && (!Number.isInteger(raw.collectorReplicas) || (raw.collectorReplicas as number) < 1))
    report.error(
      'observability-profile.collector-replicas',
      `${prefix}.collectorReplicas`,
      `must be a whole number of pods, at least 1 (is ${describeValue(raw.collectorReplicas)})`,
    );
}

function checkRetention(value: unknown, report: ValidationReport, field: string, example: string): void {
  if (value === undefined) return;
  const seconds = durationSeconds(value, example);
  if (typeof seconds === 'string') return report.error('observability-profile.value.invalid', field, seconds);
  // Loki and Tempo delete by whole hours of age; an hour is also the least that makes sense for either.
  if (seconds < 3600 || seconds % 3600 !== 0)
    report.error(
      'observability-profile.value.whole-number',
      field,
      `must be a whole number of hours, at least one (is ${(value as Duration).toHumanString()})`,
    );
}

function checkSize(value: unknown, report: ValidationReport, field: string): void {
  if (value === undefined) return;
  const problem = typeof value === 'string' ? checkQuantity(value, 'bytes') : `must be a quantity string such as '10Gi' (is ${describeValue(value)})`;
  if (problem) report.error('observability-profile.value.2', field, problem);
}

function checkNamespace(value: unknown, report: ValidationReport, field: string, what = 'a namespace name'): void {
  if (value === undefined) return;
  const problem = typeof value === 'string' ? checkDnsLabel(value) : `must be ${what} (is ${describeValue(value)})`;
  if (problem) report.error('observability-profile.value.3', field, typeof value === 'string' ? `'${value}' ${problem}` : problem);
}

function unknownFields(raw: Record<string, unknown>, fields: readonly string[], report: ValidationReport, prefix: string): void {
  for (const key of Object.keys(raw))
    if (!fields.includes(key))
      report.error('observability-profile.value.field-fields', `${prefix}.${key}`, `is not a field (fields: ${fields.join(', ')})`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
