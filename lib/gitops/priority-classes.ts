import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';

import { PRIORITY_CLASSES } from '../core/priority-classes';
export { PRIORITY_CLASSES } from '../core/priority-classes';
export type { PriorityTier } from '../core/priority-classes';

/**
 * The three PriorityClasses. They are cluster-wide and the same in every environment, so
 * their labels name no environment: environments sharing a cluster apply identical objects.
 */
export class StackPriorityClasses extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    for (const [tier, spec] of Object.entries(PRIORITY_CLASSES)) {
      new k8s.KubePriorityClass(this, tier, {
        metadata: { name: spec.name, labels: { 'app.kubernetes.io/instance': 'stacks-platform', 'app.kubernetes.io/name': 'priority-classes' } },
        value: spec.value,
        globalDefault: false,
        preemptionPolicy: spec.preemptionPolicy,
        description: spec.description,
      });
    }
  }
}
