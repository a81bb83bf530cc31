import { App } from 'cdk8s';
import { baselinePodSecurityReasons } from '../core/pod-security-exceptions';
import { SystemChart } from '../core/system-chart';
import { NamespaceBudget } from '../scaling/namespace-budget';
import { NamespaceIsolation } from '../security/network';
import { SystemNamespace } from '../security/system-namespace';

/**
 * Synth pass: what every system gets from its chart's model, added once the model is
 * complete: its Namespace (Pod Security `restricted`), the default-deny NetworkPolicies
 * and the namespace budget sized from the stack. A chart that already has one of them
 * (made by the chart itself, e.g. a NamespaceBudget with other ids or props) keeps its own,
 * so the pass is also idempotent.
 */
export function addSystemFoundations(app: App): void {
  for (const chart of app.node.children.filter(SystemChart.isSystemChart)) {
    const has = (type: new (...args: never[]) => unknown) => chart.node.children.some((c) => c instanceof type);
    if (!has(SystemNamespace)) {
      const because = baselinePodSecurityReasons(chart);
      new SystemNamespace(chart, 'namespace', { name: chart.namespaceName, ...(because.length ? { baselineEnforcedBecause: because } : {}) });
    }
    if (!has(NamespaceIsolation)) new NamespaceIsolation(chart, 'isolation');
    if (!has(NamespaceBudget)) new NamespaceBudget(chart, 'budget', chart.budget);
  }
}
