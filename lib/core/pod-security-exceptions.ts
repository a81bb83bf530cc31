/**
 * Pods an operator creates in a system's namespace that cannot meet Pod Security
 * `restricted` (their pod template is the operator's, not ours): the construct that makes
 * the operator create them declares it with the reason, and the system's namespace then
 * enforces `baseline` while still auditing and warning at `restricted`, so every other
 * violation stays visible.
 */
import { IConstruct } from 'constructs';

const REASONS = Symbol.for('cdk8s-stacks.baselinePodSecurity');

type WithReasons = IConstruct & { [REASONS]?: string[] };

/** Declares that pods created on behalf of `scope` need Pod Security `baseline` enforced in its namespace, and why. */
export function requireBaselinePodSecurity(scope: IConstruct, reason: string): void {
  ((scope as WithReasons)[REASONS] ??= []).push(reason);
}

/** Every reason declared under `root`, as `<path>: <reason>`, in construct-tree order. */
export function baselinePodSecurityReasons(root: IConstruct): string[] {
  return root.node.findAll().flatMap((c) => ((c as WithReasons)[REASONS] ?? []).map((r) => `${c.node.path}: ${r}`));
}
