/**
 * The PromQL of the system alerts, as plain data: SystemAlerts renders it into a
 * PrometheusRule, and the promtool unit tests feed series to the same rules.
 *
 * Metric sources (what the cluster must run): the applications' own HTTP metrics
 * (`http_requests_total` with a status label, `http_request_duration_seconds` histogram),
 * cAdvisor through the kubelet (`container_*`), the kubelet's volume stats
 * (`kubelet_volume_stats_*`) and kube-state-metrics (`kube_*`).
 */

import type { Duration } from '../core/duration';
import { CacheHitModel, cacheHitRatio, TraceLatencyModel, traceLatencyP95 } from './service-targets';

export type AlertSeverity = 'critical' | 'warning';

/** One alerting rule. */
export interface AlertRule {
  /** Alert name, unique in the system: letters, digits and '_', e.g. `QueueBacklogHigh`. */
  readonly name: string;
  /** PromQL; it should select only the system's namespace. */
  readonly expr: string;
  /** `critical` needs someone now, `warning` during working hours; mapped to the environment's labels. */
  readonly severity: AlertSeverity;
  /** How long the condition must hold. @default - the alerts' `for` */
  readonly for?: Duration;
  /** One line, may use Prometheus templates (`{{ $labels.pod }}`). */
  readonly summary: string;
  /** What it means and what to do. @default - none */
  readonly description?: string;
}

/** A CronJob whose runs must succeed at least once per period (backups). */
export interface CronJobWatch {
  readonly name: string;
  /** How often it is scheduled, in seconds (86400 for a daily backup). */
  readonly periodSeconds: number;
  /** Slack for the run's own duration and a late start. @default 3600 */
  readonly graceSeconds?: number;
}

/** Thresholds with defaults applied, and where the rules look. */
export interface AlertModel {
  readonly namespace: string;
  /** Jobs with HTTP request metrics; no HTTP rules when empty. */
  readonly httpJobs: readonly string[];
  readonly statusLabel: string;
  readonly rateWindow: string;
  readonly errorRatio: number;
  readonly clientErrorRatio?: number;
  readonly latencyP95Seconds: number;
  /** Jobs whose p95 target differs from `latencyP95Seconds`. @default - none */
  readonly latencyP95SecondsByJob?: Readonly<Record<string, number>>;
  readonly cpuPercent: number;
  readonly memoryPercent: number;
  readonly diskPercent: number;
  readonly restartsPerHour: number;
  readonly cronJobs: readonly CronJobWatch[];
  /** Latency targets measured from traces (span metrics). @default - none */
  readonly traceLatency?: readonly TraceLatencyModel[];
  /** Minimum hit ratio of the caches with exporters. @default - none */
  readonly cacheHit?: CacheHitModel;
}

export interface AlertGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

export const DEFAULT_GRACE_SECONDS = 3600;

/** The built-in rule groups of a system, in a stable order. */
export function systemAlertGroups(m: AlertModel): AlertGroup[] {
  const ns = `namespace="${m.namespace}"`;
  const groups: AlertGroup[] = [];
  if (m.httpJobs.length > 0) {
    const jobs = `job=~"${[...m.httpJobs].join('|')}"`;
    const requests = (status?: string) =>
      `sum by (namespace, job) (rate(http_requests_total{${ns},${jobs}${status ? `,${m.statusLabel}=~"${status}"` : ''}}[${m.rateWindow}]))`;
    const rules: AlertRule[] = [
      {
        name: 'HttpErrorRatioHigh',
        expr: `${requests('5..')} / ${requests()} > ${m.errorRatio}`,
        severity: 'critical',
        summary: '{{ $labels.job }} answers {{ $value | humanizePercentage }} of requests with 5xx',
        description: `More than ${percent(m.errorRatio)} of the requests to {{ $labels.job }} in {{ $labels.namespace }} failed with a server error over ${m.rateWindow}.`,
      },
    ];
    if (m.clientErrorRatio !== undefined) {
      rules.push({
        name: 'HttpClientErrorRatioHigh',
        expr: `${requests('4..')} / ${requests()} > ${m.clientErrorRatio}`,
        severity: 'warning',
        summary: '{{ $labels.job }} answers {{ $value | humanizePercentage }} of requests with 4xx',
        description: `More than ${percent(m.clientErrorRatio)} of the requests to {{ $labels.job }} were rejected as client errors over ${m.rateWindow}: a broken client, a changed API or an attack.`,
      });
    }
    // One rule; jobs with a target of their own compare against it (`or` of one comparison per target).
    const targetOf = (job: string) => m.latencyP95SecondsByJob?.[job] ?? m.latencyP95Seconds;
    const targets = [...new Set(m.httpJobs.map(targetOf))];
    const p95 = (selector: string) =>
      `histogram_quantile(0.95, sum by (namespace, job, le) (rate(http_request_duration_seconds_bucket{${ns},${selector}}[${m.rateWindow}])))`;
    const byTarget = targets.map((t) => ({ t, jobs: m.httpJobs.filter((j) => targetOf(j) === t) }));
    rules.push({
      name: 'HttpLatencyP95High',
      expr:
        targets.length === 1
          ? `${p95(jobs)} > ${targets[0]}`
          : byTarget.map(({ t, jobs: js }) => `(${p95(`job=~"${js.join('|')}"`)} > ${t})`).join(' or '),
      severity: 'warning',
      summary: '{{ $labels.job }} p95 latency is {{ $value | humanizeDuration }}',
      description:
        targets.length === 1
          ? `The 95th percentile of request durations of {{ $labels.job }} is above ${targets[0] * 1000} ms over ${m.rateWindow}.`
          : `The 95th percentile of request durations of {{ $labels.job }} is above its target (${byTarget
              .map(({ t, jobs: js }) => `${js.join(', ')}: ${Math.round(t * 1000)} ms`)
              .join('; ')}) over ${m.rateWindow}.`,
    });
    groups.push({ name: 'http', rules });
  }

  const byContainer = 'sum by (namespace, pod, container)';
  const limit = (resource: string) => `${byContainer} (kube_pod_container_resource_limits{${ns},resource="${resource}"})`;
  groups.push({
    name: 'resources',
    rules: [
      {
        name: 'ContainerCpuNearLimit',
        expr: `${byContainer} (rate(container_cpu_usage_seconds_total{${ns},container!=""}[${m.rateWindow}])) / ${limit('cpu')} > ${m.cpuPercent / 100}`,
        severity: 'warning',
        summary: '{{ $labels.pod }}/{{ $labels.container }} uses {{ $value | humanizePercentage }} of its CPU limit',
        description: `Above ${m.cpuPercent} % of the CPU limit: the container is throttled. Raise the limit or scale out.`,
      },
      {
        name: 'ContainerMemoryNearLimit',
        expr: `${byContainer} (container_memory_working_set_bytes{${ns},container!=""}) / ${limit('memory')} > ${m.memoryPercent / 100}`,
        severity: 'warning',
        summary: '{{ $labels.pod }}/{{ $labels.container }} uses {{ $value | humanizePercentage }} of its memory limit',
        description: `Above ${m.memoryPercent} % of the memory limit: the container is close to being OOM-killed.`,
      },
      {
        name: 'PersistentVolumeFillingUp',
        expr: `max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes{${ns}}) / max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes{${ns}}) > ${m.diskPercent / 100}`,
        severity: 'critical',
        summary: 'Volume {{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full',
        description: `Above ${m.diskPercent} % of its capacity: expand the claim before the store stops writing.`,
      },
      {
        name: 'ContainerRestarting',
        expr: `increase(kube_pod_container_status_restarts_total{${ns}}[1h]) > ${m.restartsPerHour}`,
        severity: 'warning',
        summary: '{{ $labels.pod }}/{{ $labels.container }} restarted {{ $value | printf "%.0f" }} times in an hour',
        description: `More than ${m.restartsPerHour} restarts in the last hour: check its logs (kubectl logs --previous) and events.`,
      },
    ],
  });

  // The whole system down: no target of any of its web services answers a scrape (or none exists).
  // Alertmanager silences the system's other alerts while it fires (alert-routing.ts).
  const down: AlertRule[] = [];
  if (m.httpJobs.length > 0) {
    const up = `up{${ns},job=~"${[...m.httpJobs].join('|')}"}`;
    down.push({
      name: 'SystemDown',
      expr: `(sum by (namespace) (${up}) == 0) or absent(${up})`,
      severity: 'critical',
      summary: 'No web service of {{ $labels.namespace }} answers',
      description: `Prometheus reaches no pod of ${m.httpJobs.join(', ')}: the system is down for its users. Its other alerts are silenced while this one fires.`,
    });
  }
  groups.push({
    name: 'availability',
    rules: [
      ...down,
      {
        name: 'DeploymentReplicasUnavailable',
        expr: `max by (namespace, deployment) (kube_deployment_status_replicas_unavailable{${ns}}) > 0`,
        severity: 'critical',
        summary: 'Deployment {{ $labels.deployment }} has {{ $value }} unavailable replica(s)',
        description: 'Pods of the Deployment are not available: failing readiness, crash-looping or unschedulable.',
      },
      {
        name: 'StatefulSetReplicasNotReady',
        expr: `max by (namespace, statefulset) (kube_statefulset_replicas{${ns}}) - max by (namespace, statefulset) (kube_statefulset_status_replicas_ready{${ns}}) > 0`,
        severity: 'critical',
        summary: 'StatefulSet {{ $labels.statefulset }} has {{ $value }} member(s) not ready',
        description: 'Members of the data store are not ready: it runs degraded or not at all.',
      },
    ],
  });

  if (m.cronJobs.length > 0) {
    const names = `owner_name=~"${m.cronJobs.map((c) => c.name).join('|')}"`;
    const failed =
      `max by (namespace, cronjob) (label_replace(kube_job_status_failed{${ns}} * on (namespace, job_name) group_left (owner_name) ` +
      `kube_job_owner{${ns},owner_kind="CronJob",${names}}, "cronjob", "$1", "owner_name", "(.+)")) > 0`;
    const stale = m.cronJobs.map((c) => {
      const limitSeconds = c.periodSeconds + (c.graceSeconds ?? DEFAULT_GRACE_SECONDS);
      const cronjob = `{${ns},cronjob="${c.name}"}`;
      // Never succeeded yet: measured from the CronJob's creation instead.
      return (
        `(time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time${cronjob}) > ${limitSeconds})` +
        ` or (time() - max by (namespace, cronjob) (kube_cronjob_created${cronjob}) > ${limitSeconds}` +
        ` unless on (namespace, cronjob) kube_cronjob_status_last_successful_time${cronjob})`
      );
    });
    groups.push({
      name: 'backups',
      rules: [
        {
          name: 'BackupJobFailed',
          expr: failed,
          severity: 'critical',
          summary: 'A run of CronJob {{ $labels.cronjob }} failed',
          description:
            'A Job of the backup CronJob failed; the alert clears when the failed Job is deleted (kubectl delete job) or ages out of failedJobsHistoryLimit.',
        },
        {
          name: 'BackupNotSuccessful',
          expr: stale.join(' or '),
          severity: 'critical',
          summary: 'CronJob {{ $labels.cronjob }} has not succeeded for {{ $value | humanizeDuration }}',
          description: 'No successful run for longer than its period plus grace: the latest backup is older than the schedule promises.',
        },
      ],
    });
  }
  const targets = serviceTargetRules(m.namespace, m.rateWindow, m.traceLatency ?? [], m.cacheHit);
  if (targets.length > 0) groups.push({ name: 'targets', rules: targets });
  return groups;
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 10000) / 100} %`;
}

/** The rules of the targets; none when there are no targets. */
function serviceTargetRules(namespace: string, window: string, latency: readonly TraceLatencyModel[], cache?: CacheHitModel): AlertRule[] {
  const rules: AlertRule[] = latency.map((t) => ({
    name: t.alert,
    expr: `${traceLatencyP95(namespace, t, window)} > ${t.p95Seconds}`,
    severity: 'warning',
    summary: `p95 of ${t.what} ({{ $labels.service }}) is {{ $value | humanizeDuration }}`,
    description:
      `The 95th percentile of ${t.what} is above ${Math.round(t.p95Seconds * 1000)} ms over ${window}, measured from the sampled traces ` +
      '(Tempo span metrics); open the slow traces in Grafana (Explore, Tempo) to see where the time goes.',
  }));
  if (cache && cache.caches.length > 0) {
    rules.push({
      name: 'CacheHitRatioLow',
      // No lookups: 0/0 is NaN, which compares false, so an idle cache does not alert.
      expr: cache.caches.map((c) => `(${cacheHitRatio(namespace, c, window)} < ${cache.ratio})`).join(' or '),
      severity: 'warning',
      summary: 'Cache {{ $labels.job }} answers {{ $value | humanizePercentage }} of lookups from memory',
      description: `The hit ratio of {{ $labels.job }} is under ${Math.round(cache.ratio * 10000) / 100} % over ${window}: keys expire or are evicted before they are read again (check maxmemory and evictions), or the application reads keys it never wrote.`,
    });
  }
  return rules;
}
