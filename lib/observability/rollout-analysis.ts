import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Platform } from '../core/platform';
import { formatSeconds, goDuration } from '../core/duration';
import type { ReplicatedWorkload } from '../workloads/replicated-workload';
import { analysisIntervalSeconds, analysisMeasurements, rolloutNames, RolloutAnalysis } from '../workloads/rollout';

/** The platform's Prometheus (the `prometheus-operated` Service prometheus-operator makes for it). */
export function platformPrometheusUrl(platform: Platform): string {
  return `http://prometheus-operated.${platform.prometheus.pods.namespace}.svc:9090`;
}

/**
 * The PromQL of a release's error ratio: the share of the workload's requests answered 5xx over
 * one interval, from `http_requests_total` as its ServiceMonitor labels it (`job` is the
 * workload's name, as the system alerts read it). A scalar: NaN when there were no requests
 * (the measurement then passes: no traffic is no evidence against the release), 0 when none failed.
 */
export function errorRatioQuery(namespace: string, job: string, analysis: RolloutAnalysis): string {
  const selector = `namespace="${namespace}",job="${job}"`;
  const status = analysis.statusLabel ?? 'status';
  const window = formatSeconds(analysisIntervalSeconds(analysis));
  return (
    `scalar((sum(rate(http_requests_total{${selector},${status}=~"5.."}[${window}])) or vector(0))` +
    ` / sum(rate(http_requests_total{${selector}}[${window}])))`
  );
}

/**
 * The AnalysisTemplate (`argoproj.io/v1alpha1`) a rollout's analysis runs: the workload's HTTP
 * error ratio, measured by the platform's Prometheus every interval; above `maxErrorRatio` more
 * than `failureLimit` times, Argo Rollouts aborts the release and goes back to the stable
 * version. A blue-green release measures a fixed number of times after the switch; a canary's
 * run lasts the whole release. Made by the metrics pass for every workload with
 * `rollout.analysis` (lib/pipeline/metrics-monitors.ts); not meant to be instantiated directly.
 */
export class RolloutAnalysisTemplate extends Construct {
  public readonly resource: ApiObject;

  constructor(scope: ReplicatedWorkload, id: string) {
    super(scope, id);
    const rollout = scope.rollout!;
    const analysis = rollout.analysis!;
    const platform = scope.chart.environment.platform;
    this.resource = new ApiObject(this, 'resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: rolloutNames(scope.name).analysis },
      spec: {
        metrics: [
          {
            name: 'error-ratio',
            interval: goDuration(analysisIntervalSeconds(analysis)),
            count: rollout.strategy === 'blueGreen' ? analysisMeasurements(analysis) : undefined,
            failureLimit: analysis.failureLimit ?? 1,
            successCondition: `isNaN(result) || result <= ${analysis.maxErrorRatio}`,
            provider: { prometheus: { address: platformPrometheusUrl(platform), query: errorRatioQuery(scope.namespaceName, scope.name, analysis) } },
          },
        ],
      },
    });
  }
}
