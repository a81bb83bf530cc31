import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';

/** What a pod is to the systems, from most to least important when the cluster is short of room. */
export type PriorityTier = 'data' | 'app' | 'batch';

interface PriorityClassSpec {
  readonly name: string;
  readonly value: number;
  readonly preemptionPolicy: 'PreemptLowerPriority' | 'Never';
  readonly description: string;
}

/**
 * The PriorityClasses of the platform layer. Data stores come first (evicting a database
 * takes every application that uses it down), then the applications, then backups and
 * other scheduled tasks, which run again on their next schedule and never preempt.
 */
export const PRIORITY_CLASSES: Readonly<Record<PriorityTier, PriorityClassSpec>> = {
  data: {
    name: 'stacks-data',
    value: 100000,
    preemptionPolicy: 'PreemptLowerPriority',
    description: 'cdk8s-stacks data stores (databases, caches, object stores): scheduled before the applications that use them',
  },
  app: {
    name: 'stacks-app',
    value: 10000,
    preemptionPolicy: 'PreemptLowerPriority',
    description: 'cdk8s-stacks applications and their one-off Jobs (migrations, setup, restores)',
  },
  batch: {
    name: 'stacks-batch',
    value: 1000,
    preemptionPolicy: 'Never',
    description: 'cdk8s-stacks backups and scheduled tasks: wait for room instead of preempting',
  },
};

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
