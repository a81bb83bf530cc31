/**
 * The PriorityClasses every pod of the systems names (created by the platform layer,
 * lib/gitops/priority-classes.ts). Here in core so that constructs rendering pod templates
 * of their own (operator custom resources, raw Jobs) can name them too.
 */
/** What a pod is to the systems, from most to least important when the cluster is short of room. */
export type PriorityTier = 'data' | 'app' | 'batch';

export interface PriorityClassSpec {
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
