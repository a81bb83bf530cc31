import { Construct } from 'constructs';
import { describeValue } from '../core/describe-value';
import { COLLECTOR_CLIENTS_SETTING, collectorClient, OTLP_GRPC_PORT, OTLP_HTTP_PORT } from '../core/observability-profile';
import { requirePlatform } from '../core/platform-requirements';
import { addCheck, ValidationReport } from '../core/validation';
import { NetworkPeer } from '../security/network-peer';
import type { SystemChart } from '../core/system-chart';
import type { Connections } from '../security/network';
import type { ContainerModel } from './container';

/**
 * What tracing() uses of its workload: every Workload is one. (A structural type, so this file,
 * split from workload.ts, does not import it back.)
 */
export interface TracedWorkload extends Construct {
  readonly chart: SystemChart;
  /** Becomes the service name. */
  readonly name: string;
  readonly namespaceName: string;
  /** The labels selecting the workload's pods (the collector admits exactly these). */
  readonly selectorLabels: Readonly<Record<string, string>>;
  readonly container: ContainerModel;
  readonly connections: Connections;
}

/** How a workload's OpenTelemetry SDK sends traces (`Workload.tracing()`). */
export interface TracingOptions {
  /** OTLP transport: `http/protobuf` (port 4318) or `grpc` (4317). @default 'http/protobuf' */
  readonly protocol?: 'http/protobuf' | 'grpc';
  /** Share of root traces sampled, 0 to 1 (children follow their parent). @default - the profile's `platform.tracing.sampleRatio` */
  readonly sampleRatio?: number;
  /**
   * Extra resource attributes, e.g. `{ 'service.version': '2.3.1' }` (keys and values without
   * `,` or `=`). @default - none
   */
  readonly resourceAttributes?: Readonly<Record<string, string>>;
}

const PROTOCOLS = ['http/protobuf', 'grpc'] as const;
const OPTION_FIELDS = ['protocol', 'sampleRatio', 'resourceAttributes'];
/** Attributes the library sets itself; a workload cannot give them other values. */
const OWN_ATTRIBUTES = ['service.name', 'service.namespace', 'deployment.environment.name', 'k8s.namespace.name'];

/**
 * The OpenTelemetry SDK settings of a workload's main container, as the specification's
 * environment variables (every SDK and the auto-instrumentation agents read them), and the
 * egress to exactly the environment's collector on the OTLP port used. The collector and the
 * trace store are platform components (`opentelemetry-collector`, `tempo`).
 *
 * | variable | value |
 * | --- | --- |
 * | `OTEL_SERVICE_NAME` | the workload's name |
 * | `OTEL_RESOURCE_ATTRIBUTES` | `service.namespace=<system>`, `deployment.environment.name=<env>`, `k8s.namespace.name=<ns>`, then yours |
 * | `OTEL_EXPORTER_OTLP_ENDPOINT` | the collector's Service, `http://<collector>:4318` (or `:4317` for gRPC) |
 * | `OTEL_EXPORTER_OTLP_PROTOCOL` | `http/protobuf` or `grpc` |
 * | `OTEL_TRACES_EXPORTER` | `otlp` |
 * | `OTEL_METRICS_EXPORTER`, `OTEL_LOGS_EXPORTER` | `none`: metrics are Prometheus's, logs are collected from stdout |
 * | `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG` | `parentbased_traceidratio` and the ratio |
 *
 * @sealed subclassing is not supported; its protected members are not API
 */
export class WorkloadTracing extends Construct {
  public readonly protocol: 'http/protobuf' | 'grpc';
  public readonly port: number;

  constructor(workload: TracedWorkload, id: string, options: TracingOptions = {}) {
    super(workload, id);
    const raw: unknown = options;
    const o = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as TracingOptions;
    const chart = workload.chart;
    const env = chart.environment;
    const t = env.platform.tracing;
    this.protocol = (PROTOCOLS as readonly unknown[]).includes(o.protocol) ? o.protocol! : 'http/protobuf';
    this.port = this.protocol === 'grpc' ? OTLP_GRPC_PORT : OTLP_HTTP_PORT;
    const ratio = typeof o.sampleRatio === 'number' && o.sampleRatio >= 0 && o.sampleRatio <= 1 ? o.sampleRatio : t.sampleRatio;
    const extra = typeof o.resourceAttributes === 'object' && o.resourceAttributes !== null ? o.resourceAttributes : {};
    const attributes = [
      ['service.namespace', chart.system],
      ['deployment.environment.name', env.name],
      ['k8s.namespace.name', workload.namespaceName],
      ...Object.entries(extra).filter(([k, v]) => typeof v === 'string' && !OWN_ATTRIBUTES.includes(k)),
    ];
    const vars: Record<string, string> = {
      OTEL_SERVICE_NAME: workload.name,
      OTEL_RESOURCE_ATTRIBUTES: attributes.map(([k, v]) => `${k}=${v}`).join(','),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${t.collectorHost}:${this.port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: this.protocol,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: String(ratio),
    };
    const clashes: string[] = [];
    for (const [name, value] of Object.entries(vars)) {
      if (workload.container.env.has(name)) clashes.push(name);
      else workload.container.addEnv(name, value);
    }
    // Exactly the collector's pods, on the one port the SDK uses (DNS is the namespace's own allowance).
    workload.connections.addEgress(NetworkPeer.pods(t.collectorPods.podLabels, t.collectorPods.namespace), [{ port: this.port }]);
    requirePlatform(this, {
      component: 'opentelemetry-collector',
      minVersion: '0.100.0',
      reason: `OTLP ${this.protocol} receiver on ${this.port}, exporting to Tempo over OTLP gRPC`,
      // The collector's own NetworkPolicy admits exactly the traced pods (merged over all systems).
      settings: { [COLLECTOR_CLIENTS_SETTING]: [collectorClient(workload.namespaceName, workload.selectorLabels)] },
    });
    requirePlatform(this, { component: 'tempo', minVersion: '2.0.0', reason: 'OTLP gRPC ingest and TraceQL search (Grafana Tempo datasource)' });
    addCheck(this, (report) => validate(report, raw, clashes));
  }
}

function validate(report: ValidationReport, raw: unknown, clashes: readonly string[]): void {
  for (const name of clashes)
    report.error(
      'workload-tracing.env',
      `env.${name}`,
      'is set by tracing() (OpenTelemetry SDK settings); remove it from the workload, or drop tracing()',
    );
  if (raw === undefined) return;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return report.error('workload-tracing.tracing', 'tracing', `options must be a TracingOptions object (is ${describeValue(raw)})`);
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!OPTION_FIELDS.includes(key)) report.error('workload-tracing.value', key, `is not an option (options: ${OPTION_FIELDS.join(', ')})`);
  if (o.protocol !== undefined && !(PROTOCOLS as readonly unknown[]).includes(o.protocol))
    report.error(
      'workload-tracing.protocol',
      'protocol',
      `must be one of ${PROTOCOLS.map((p) => `'${p}'`).join(', ')} (is ${describeValue(o.protocol)})`,
    );
  if (o.sampleRatio !== undefined && !(typeof o.sampleRatio === 'number' && o.sampleRatio >= 0 && o.sampleRatio <= 1))
    report.error(
      'workload-tracing.sample-ratio',
      'sampleRatio',
      `must be a number from 0 to 1, the share of root traces sampled (is ${describeValue(o.sampleRatio)})`,
    );
  const attrs = o.resourceAttributes;
  if (attrs === undefined) return;
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs))
    return report.error(
      'workload-tracing.resource-attributes.object-attribute',
      'resourceAttributes',
      `must be an object of attribute names to strings (is ${describeValue(attrs)})`,
    );
  for (const [k, v] of Object.entries(attrs)) {
    if (OWN_ATTRIBUTES.includes(k))
      report.error(
        'workload-tracing.resource-attributes.set-tracing',
        `resourceAttributes.${k}`,
        'is set by tracing() from the workload, system and environment',
      );
    else if (typeof v !== 'string' || /[,=]/.test(k) || /[,=]/.test(v) || k.trim() === '')
      report.error(
        'workload-tracing.resource-attributes.string-neither',
        `resourceAttributes.${k}`,
        `must be a string, and neither key nor value may contain ',' or '=' (is ${describeValue(v)})`,
      );
  }
}
