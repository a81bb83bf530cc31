import { App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { platformRequirements } from '../core/platform-requirements';
import { SystemChart } from '../core/system-chart';
import { addCheck } from '../core/validation';
import { StatefulStore } from '../data/stateful-store';
import { CLUSTER_SCOPED_KINDS } from '../gitops/apply-order';
import { ArgoCdApplications } from '../gitops/argocd-applications';
import { planPlatform } from '../gitops/platform-components';
import { wafConflicts } from '../edge/modsecurity';
import { PlatformPrometheusChart } from '../gitops/platform-prometheus-chart';
import { PLATFORM_PROMETHEUS_NAME } from '../gitops/observability-components';
import { SPAN_METRICS_SETTING } from '../core/observability-profile';
import { defaultPrometheusReplicas } from '../observability/prometheus-server';
import { higherLevel, PodSecurityLevelName } from '../gitops/chart-facts';
import { PlatformLayer } from '../gitops/platform-layer';
import { PRIORITY_CLASSES, PriorityTier } from '../gitops/priority-classes';
import { apiObjectsOf } from '../gitops/render';
import { ScheduledTask } from '../workloads/scheduled-task';
import { Workload } from '../workloads/workload';

/**
 * Synth pass: the platform layer (`dist/<env>/platform/`) of every environment that has an
 * ArgoCdApplications chart, planned from the requirements its systems declared, and its
 * Application in the environment's Argo CD folder. Runs once the model is complete (the
 * metrics monitors and finalizers declare requirements too). Idempotent.
 */
export function addPlatformLayers(app: App): void {
  const charts = app.node.children.filter((c): c is Chart => c instanceof Chart);
  for (const argo of charts.filter(ArgoCdApplications.isArgoCdApplications)) {
    const env = argo.environment;
    if (!env?.platform || charts.some((c) => PlatformLayer.isPlatformLayer(c) && c.environment.name === env.name)) continue;
    const systems = charts.filter(SystemChart.isSystemChart).filter((c) => c.environment?.name === env.name);
    const requirements = systems.flatMap((c) => platformRequirements(c));
    const plan = planPlatform(env.platform, requirements, env.name);
    const layer = new PlatformLayer(app, { environment: env, plan, project: argo.project });
    // The Prometheus the operator runs, selecting what the systems label (unless the cluster already runs its own).
    let prometheus: Chart | undefined;
    if (plan.components.some((c) => c.component === 'prometheus-operator')) {
      // What the charts' pods in its namespace need (node-exporter's host network, PID and paths).
      const namespace = env.platform.prometheus.pods.namespace;
      const needs = plan.components.flatMap((c) => (c.facts?.podSecurity[namespace] ? [c.facts.podSecurity[namespace]] : []));
      const level = needs.reduce<PodSecurityLevelName>((l, n) => higherLevel(l, n.level), 'restricted');
      const chartPodsNeed = level === 'restricted' ? undefined : { level, because: needs.flatMap((n) => n.reasons) };
      // Tempo's span metrics (trace latency targets) are remote-written to every replica.
      const spanMetrics = plan.components.some((c) => c.component === 'tempo' && (c.settings[SPAN_METRICS_SETTING] ?? []).length > 0);
      const existing = charts.find(
        (c): c is PlatformPrometheusChart => PlatformPrometheusChart.isPlatformPrometheusChart(c) && c.environment?.name === env.name,
      );
      prometheus =
        existing ??
        new PlatformPrometheusChart(app, { environment: env, chartPodsNeed, server: spanMetrics ? { remoteWriteReceiver: true } : undefined });
      if (spanMetrics) checkSpanMetricsTarget(prometheus as PlatformPrometheusChart, env.name);
    }
    // The project admits the cluster-scoped kinds of the systems' and the platform's own objects (the charts' come from their facts).
    argo.attachPlatform(layer, systemClusterKinds([...systems, layer, ...(prometheus ? [prometheus] : [])]));
    // Argo Rollouts rewrites the selectors of the Services of the systems that use it.
    for (const system of systems)
      if (platformRequirements(system).some((r) => r.component === 'argo-rollouts')) argo.leaveRolloutSelectorsToController(system.system);
    if (prometheus) argo.attachPlatformPrometheus();
    // Besides the plan's: endpoints that ask one ingress-nginx for different WAF settings.
    for (const issue of [...plan.issues, ...wafConflicts(requirements)]) {
      const target: IConstruct = (issue.path && app.node.findAll().find((c) => c.node.path === issue.path)) || layer;
      addCheck(target, (report) => report.error(issue.id, issue.field, issue.message));
    }
    if (plan.unmanaged.length > 0) {
      addCheck(layer, (report) =>
        report.warn(
          'platform-layer.components',
          'components',
          `${plan.unmanaged.join(', ')}: needed by the systems of ${env.name} but not installed by the platform layer (no chart in lib/gitops/platform-components.ts); install ${plan.unmanaged.length === 1 ? 'it' : 'them'} before syncing`,
        ),
      );
    }
  }
}

/**
 * Tempo writes span metrics to the replicas of the Prometheus its values name (the default
 * server of the environment): a PlatformPrometheusChart made by hand must match them.
 */
function checkSpanMetricsTarget(chart: PlatformPrometheusChart, environment: string): void {
  const server = chart.server;
  const replicas = defaultPrometheusReplicas(environment);
  addCheck(server, (report) => {
    if (!server.remoteWriteReceiver)
      report.error(
        'platform-layer.span-metrics.receiver',
        'remoteWriteReceiver',
        'must be true: a system of this environment measures latency from traces, and Tempo remote-writes its span metrics to this Prometheus',
      );
    if (server.name !== PLATFORM_PROMETHEUS_NAME || server.replicas !== replicas)
      report.error(
        'platform-layer.span-metrics.replicas',
        'replicas',
        `Tempo remote-writes span metrics to ${replicas} replica(s) of Prometheus '${PLATFORM_PROMETHEUS_NAME}'; this server is '${server.name}' with ${server.replicas}: keep the name and the environment's default replicas`,
      );
  });
}

/** `group/Kind` of every cluster-scoped object the systems create. */
function systemClusterKinds(systems: readonly Chart[]): string[] {
  const kinds = new Set<string>();
  for (const chart of systems) {
    for (const o of apiObjectsOf(chart)) {
      if (!CLUSTER_SCOPED_KINDS.has(o.kind)) continue;
      kinds.add(`${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`);
    }
  }
  return [...kinds].sort();
}

/** The priority tier of a workload's pods: data stores, scheduled tasks (backups included), everything else. */
export function priorityTierOf(workload: Workload): PriorityTier {
  if (workload instanceof StatefulStore) return 'data';
  if (workload instanceof ScheduledTask) return 'batch';
  return 'app';
}

/**
 * Synth pass: every workload's pods get the PriorityClass of their tier (the platform
 * layer creates the classes), unless the workload names one itself. Idempotent.
 */
export function assignPriorityClasses(app: App): void {
  for (const construct of app.node.findAll()) {
    if (construct instanceof Workload && construct.priorityClassName === undefined) {
      construct.priorityClassName = PRIORITY_CLASSES[priorityTierOf(construct)].name;
    }
  }
}
