import { declareCheckExceptions } from '../core/check-exceptions';
import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ServiceMonitor, ServiceMonitorSpec, ServiceMonitorSpecEndpoints } from '../../imports/servicemonitors-monitoring.coreos.com';
import { addFinalizer } from '../core/finalize';
import { addCheck, ValidationReport } from '../core/validation';
import { NetworkPeer } from '../security/network-peer';
import type { PortSpec } from '../workloads/container';
import type { Workload } from '../workloads/workload';
import { MetricsOptions } from '../workloads/metrics-endpoint';
import { durationProblem as checkDuration, prometheusDuration } from '../core/duration';
import { requirePlatform } from '../core/platform-requirements';
import { checkEnvValue } from '../workloads/env';

/** Label on the metrics Service; with the workload's name it selects exactly that Service. */
export const METRICS_SERVICE_LABEL = 'cdk8s-stacks.io/metrics';

/** A metrics declaration resolved against the workload's ports. */
export interface ResolvedMetricsEndpoint extends Omit<MetricsOptions, 'interval'> {
  readonly path: string;
  /** The scrape interval in Prometheus's spelling. */
  readonly interval: string;
  /** The interval as declared, for its check. @default - none: the environment's */
  readonly givenInterval?: unknown;
  /** The port, when it exists on the main container or a sidecar. */
  readonly spec?: PortSpec;
  /** Name of the container serving it (the main container or a sidecar). */
  readonly container?: string;
}

/**
 * What Prometheus needs to scrape a workload's metrics, rendered from its declarations
 * (`exposeMetrics()`, and exporter sidecars on a port named `metrics`):
 *
 * - a headless Service `<name>-metrics` selecting the workload's pods, with only the
 *   metrics ports. Why a dedicated Service rather than the workload's own: a store's
 *   client Service is the address applications connect to (a metrics port there is one
 *   more thing clients see) and its headless Service would be a second, duplicate set of
 *   targets; a Worker has no Service at all. One shape for every workload keeps one kind
 *   of monitor (ServiceMonitor) the cluster's Prometheus must select, and needs no
 *   PodMonitor CRD;
 * - a ServiceMonitor (`monitoring.coreos.com/v1`) with the labels the environment's
 *   Prometheus selects on; the job label is the workload name (`job="api"`), which the
 *   alerts and dashboards query;
 * - a NetworkPolicy allowance from the Prometheus pods to exactly the metrics ports.
 *
 * Made by a synth pass for every workload that declared metrics (`Workload.exposeMetrics()`);
 * not meant to be instantiated directly.
 */
export class WorkloadMetrics extends Construct {
  private readonly workload: Workload;

  constructor(scope: Workload, id: string) {
    super(scope, id);
    this.workload = scope;
    const w = scope;
    const ns = w.namespaceName;

    const service = new k8s.KubeService(this, 'service', {
      metadata: { name: `${w.name}-metrics`, labels: this.serviceLabels },
      spec: Lazy.any({
        produce: (): k8s.ServiceSpec => ({
          // Headless: Prometheus scrapes each pod; no virtual IP is needed.
          clusterIp: 'None',
          selector: { ...w.selectorLabels },
          ports: this.ports().map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP' })),
        }),
      }),
    });
    // Pods an operator makes (MOCO, CloudNativePG) are in no manifest: the linters cannot find them.
    addFinalizer(this, () => {
      const reason = w.operatorPodsReason;
      if (reason) declareCheckExceptions(service, { selectsOperatorPods: reason });
    });

    const prometheusProfile = w.chart.environment.platform.prometheus;
    requirePlatform(this, {
      component: 'prometheus-operator',
      minVersion: '0.50.0',
      reason: 'monitoring.coreos.com/v1 ServiceMonitor (jobLabel, namespaceSelector; every field used is served since v0.50)',
      settings: {
        serviceMonitorSelector: labelList(prometheusProfile.serviceMonitorLabels),
        serviceMonitorNamespaceSelector: [ns],
      },
    });
    new ServiceMonitor(this, 'service-monitor', {
      metadata: { name: w.name, labels: { ...prometheusProfile.serviceMonitorLabels } },
      spec: lazy<ServiceMonitorSpec>(() => ({
        jobLabel: 'app.kubernetes.io/name',
        namespaceSelector: { matchNames: [ns] },
        selector: { matchLabels: { ...this.serviceLabels } },
        endpoints: this.endpoints().map((e): ServiceMonitorSpecEndpoints => ({
          port: e.port,
          path: e.path,
          interval: e.interval,
          authorization: e.bearerToken
            ? { type: 'Bearer', credentials: { name: e.bearerToken.secret?.secretName, key: e.bearerToken.key } }
            : undefined,
        })),
      })),
    });

    // After the model is complete: the ports may belong to sidecars added after the declaration.
    addFinalizer(this, () => {
      const prometheus = NetworkPeer.pods(prometheusProfile.pods.podLabels, prometheusProfile.pods.namespace);
      const ports = this.ports();
      if (ports.length) w.connections.allowFromPeer(prometheus, ...ports.map((p) => ({ port: p.port, protocol: 'TCP' as const })));
    });
    addCheck(w, (report) => this.validate(report));
  }

  private get serviceLabels(): Record<string, string> {
    return { 'app.kubernetes.io/name': this.workload.name, [METRICS_SERVICE_LABEL]: 'true' };
  }

  /** The declarations with defaults applied and their ports looked up. */
  public endpoints(): ResolvedMetricsEndpoint[] {
    const w = this.workload;
    const interval = w.chart.environment.monitoring.scrapeInterval;
    return w.metricsEndpoints.map((e) => {
      const owner = [w.container, ...w.sidecars].find((c) => c.ports.some((p) => p.name === e.port));
      return {
        ...e,
        path: e.path ?? '/metrics',
        interval: e.interval === undefined ? interval : prometheusDuration(e.interval),
        givenInterval: e.interval,
        spec: owner?.ports.find((p) => p.name === e.port),
        container: owner?.name,
      };
    });
  }

  /** Distinct declared ports that exist, in declaration order. */
  private ports(): PortSpec[] {
    const out = new Map<string, PortSpec>();
    for (const e of this.endpoints()) if (e.spec) out.set(e.spec.name, e.spec);
    return [...out.values()];
  }

  private validate(report: ValidationReport): void {
    const w = this.workload;
    const declared = [w.container, ...w.sidecars].flatMap((c) => c.ports.map((p) => p.name));
    const seen = new Set<string>();
    for (const e of this.endpoints()) {
      if (!e.spec) {
        report.error(
          'workload-metrics.expose-metrics.port.port-containers',
          'exposeMetrics.port',
          `'${e.port}' is not a port of ${w.node.path} (its containers declare: ${declared.join(', ') || 'none'})`,
        );
      } else if ((e.spec.protocol ?? 'TCP') !== 'TCP') {
        report.error(
          'workload-metrics.expose-metrics.port.prometheus-scrapes',
          'exposeMetrics.port',
          `'${e.port}' is ${e.spec.protocol}; Prometheus scrapes over HTTP (TCP)`,
        );
      }
      if (!e.path.startsWith('/'))
        report.error('workload-metrics.expose-metrics.path', 'exposeMetrics.path', `'${e.path}' must be an absolute HTTP path, e.g. /metrics`);
      const interval = e.givenInterval === undefined ? undefined : checkDuration(e.givenInterval, false, 'Duration.seconds(30)');
      if (interval) report.error('workload-metrics.expose-metrics.interval', 'exposeMetrics.interval', interval);
      if (e.bearerToken !== undefined) {
        const problem = checkEnvValue(e.bearerToken);
        const token = e.bearerToken as { secret?: { keys?: readonly string[]; describe?: string }; key?: string };
        if (problem || !('secret' in Object(e.bearerToken)))
          report.error(
            'workload-metrics.expose-metrics.bearer-token.fromsecret-secret',
            'exposeMetrics.bearerToken',
            'must be fromSecret(secret, key): the token is read from a Secret, never written in the manifest',
          );
        else if (token.secret?.keys && !token.secret.keys.includes(String(token.key)))
          report.error(
            'workload-metrics.expose-metrics.bearer-token.key-produced',
            'exposeMetrics.bearerToken',
            `key '${token.key}' is not produced by ${token.secret.describe} (it has: ${token.secret.keys.join(', ')})`,
          );
      }
      const key = `${e.port} ${e.path}`;
      if (seen.has(key))
        report.error(
          'workload-metrics.expose-metrics',
          'exposeMetrics',
          `port '${e.port}' path '${e.path}' is declared twice; Prometheus would scrape it twice`,
        );
      seen.add(key);
    }
  }
}

/**
 * A spec produced at synth time, typed as the generated class expects. The generated
 * classes resolve their props before converting them, so a Lazy spec renders like a plain one.
 */
export function lazy<T>(produce: () => T): T {
  return Lazy.any({ produce }) as unknown as T;
}

/** `key=value` for each label, sorted. */
function labelList(labels: Readonly<Record<string, string>>): string[] {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort();
}
