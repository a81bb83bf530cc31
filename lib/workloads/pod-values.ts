/**
 * Small values of the workload model shared by workloads and stores: operator-made pods, the
 * pod fields of run-to-completion pods, content hashes. Split from workload.ts.
 */
import { createHash } from 'crypto';

/**
 * Pods an operator creates from a custom resource the workload renders (MOCO's mysqld
 * pods): the workload's NetworkPolicy, metrics Service and connections select them by
 * the operator's labels, and the workload makes no ServiceAccount of its own.
 */
export interface ManagedPods {
  /** Labels the operator puts on the pods (and only on them). */
  readonly selectorLabels: Readonly<Record<string, string>>;
}

/** Pod fields of run-to-completion pods (Jobs, CronJobs): never restarted in place, a short grace period. */
export const RUN_TO_COMPLETION_POD: Readonly<Record<string, unknown>> = { restartPolicy: 'Never', terminationGracePeriodSeconds: 30 };

/** A short, stable hash of content, for pod-template annotations that roll pods on change. */
export function contentHash(data: unknown): string {
  return createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 16);
}

/** The name of the scratch volume mounted at `path`: a DNS label of at most 63 characters. */
export function volumeNameFor(path: string): string {
  const name = path
    .replace(/^\/+/, '')
    .replace(/[^a-z0-9]+/gi, '-')
    .toLowerCase()
    .replace(/^-+|-+$/g, '');
  return `w-${name}`.slice(0, 63).replace(/-+$/, '');
}
