import { App } from 'cdk8s';
import { RolloutAnalysisTemplate } from '../observability/rollout-analysis';
import { WorkloadMetrics } from '../observability/workload-metrics';
import { ReplicatedWorkload } from '../workloads/replicated-workload';
import { Workload } from '../workloads/workload';

/**
 * Synth pass: one WorkloadMetrics (metrics Service, ServiceMonitor, Prometheus allowance)
 * under every workload that declared metrics with `exposeMetrics()` (or an exporter sidecar),
 * and the AnalysisTemplate of every rollout with an analysis. Idempotent.
 */
export function addMetricsMonitors(app: App): void {
  for (const construct of app.node.findAll()) {
    if (!(construct instanceof Workload) || construct.metricsEndpoints.length === 0) continue;
    if (!construct.node.tryFindChild('metrics-monitor')) new WorkloadMetrics(construct, 'metrics-monitor');
  }
  // The analysis of a rollout reads those metrics (its check reports a workload without them).
  for (const construct of app.node.findAll()) {
    if (!(construct instanceof ReplicatedWorkload) || !isAnalysed(construct)) continue;
    if (!construct.node.tryFindChild('rollout-analysis')) new RolloutAnalysisTemplate(construct, 'rollout-analysis');
  }
}

function isAnalysed(w: ReplicatedWorkload): boolean {
  const analysis: unknown = (w.rollout as { analysis?: unknown } | undefined)?.analysis;
  return typeof analysis === 'object' && analysis !== null;
}
