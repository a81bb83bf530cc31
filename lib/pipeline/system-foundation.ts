import { App } from 'cdk8s';
import { baselinePodSecurityReasons } from '../core/pod-security-exceptions';
import { SystemChart } from '../core/system-chart';
import { SystemLogs } from '../observability/system-logs';
import { NamespaceBudget } from '../scaling/namespace-budget';
import { isMeshEnrolled } from '../security/mesh-membership';
import { NamespaceIsolation } from '../security/network';
import { SystemNamespace } from '../security/system-namespace';
import { Workload } from '../workloads/workload';
import { describeSecurityException } from '../workloads/security-exception';

/**
 * Synth pass: what every system gets from its chart's model, added once the model is
 * complete: its Namespace (Pod Security `restricted`, or `baseline` when a workload's
 * security exception lowers it), the default-deny NetworkPolicies, the namespace budget
 * sized from the stack, and its central logs (SystemLogs) when the profile collects them. A chart that already has one of them
 * (made by the chart itself, e.g. a NamespaceBudget with other ids or props) keeps its own,
 * so the pass is also idempotent.
 */
export function addSystemFoundations(app: App): void {
  for (const chart of app.node.children.filter(SystemChart.isSystemChart)) {
    const has = (type: new (...args: never[]) => unknown) => chart.node.children.some((c) => c instanceof type);
    if (!has(SystemNamespace)) {
      const because = baselinePodSecurityReasons(chart);
      new SystemNamespace(chart, 'namespace', {
        name: chart.namespaceName,
        ...podSecurityOf(chart),
        ...(because.length ? { baselineEnforcedBecause: because } : {}),
        ...(isMeshEnrolled(chart) ? { meshDataplaneMode: 'ambient' as const } : {}),
      });
    }
    if (!has(NamespaceIsolation)) new NamespaceIsolation(chart, 'isolation');
    if (!has(NamespaceBudget)) new NamespaceBudget(chart, 'budget', chart.budget);
    // Every pod's logs go to the environment's Loki (the platform layer installs it from this requirement).
    if (chart.environment?.platform?.logs.enabled && !SystemLogs.of(chart)) new SystemLogs(chart, 'central-logs');
  }
}

/** `baseline` when a workload's security exception lowers the namespace (the typed decision), with the reasons; else restricted. */
function podSecurityOf(chart: SystemChart): { podSecurity?: 'baseline'; podSecurityReason?: string } {
  const lowering = chart.node
    .findAll()
    .filter((c): c is Workload => c instanceof Workload)
    .filter((w) => w.container.securityException?.lowerNamespaceTo === 'baseline');
  if (lowering.length === 0) return {};
  const reasons = lowering.map(
    (w) => `${w.name} ${describeSecurityException(w.container.securityException!)}: ${w.container.securityException!.reason}`,
  );
  return { podSecurity: 'baseline', podSecurityReason: reasons.join('; ') };
}
