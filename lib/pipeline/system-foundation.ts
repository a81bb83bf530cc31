import { App } from 'cdk8s';
import { SystemChart } from '../core/system-chart';
import { NamespaceBudget } from '../scaling/namespace-budget';
import { NamespaceIsolation } from '../security/network';
import { SystemNamespace } from '../security/system-namespace';

/**
 * Synth pass: what every system gets from its chart's model, added once the model is
 * complete: its Namespace (Pod Security `restricted`), the default-deny NetworkPolicies
 * and the namespace budget sized from the stack. Idempotent (a chart that already has
 * them is left alone), so synthesizing an app twice changes nothing.
 */
export function addSystemFoundations(app: App): void {
  for (const chart of app.node.children.filter(SystemChart.isSystemChart)) {
    if (chart.node.tryFindChild('namespace')) continue;
    new SystemNamespace(chart, 'namespace', { name: chart.namespaceName });
    new NamespaceIsolation(chart, 'isolation');
    new NamespaceBudget(chart, 'budget', chart.budget);
  }
}
