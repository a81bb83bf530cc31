import { App } from 'cdk8s';
import { WorkloadMetrics } from '../observability/workload-metrics';
import { Workload } from '../workloads/workload';

/**
 * Synth pass: one WorkloadMetrics (metrics Service, ServiceMonitor, Prometheus allowance)
 * under every workload that declared metrics with `exposeMetrics()` (or an exporter sidecar).
 * Idempotent.
 */
export function addMetricsMonitors(app: App): void {
  for (const construct of app.node.findAll()) {
    if (!(construct instanceof Workload) || construct.metricsEndpoints.length === 0) continue;
    if (!construct.node.tryFindChild('metrics-monitor')) new WorkloadMetrics(construct, 'metrics-monitor');
  }
}
