import { ApiObject } from 'cdk8s';
import { Environment } from '../core/environment';
import { RenderedObject } from '../gitops/render';

/** One finding of a rule on one object. */
export interface Violation {
  readonly object: RenderedObject;
  readonly message: string;
}

/** What a rule sees: every object of one dist folder (one namespace), and its environment. */
export interface PolicyContext {
  readonly objects: readonly RenderedObject[];
  readonly namespace: string;
  readonly environment?: Environment;
}

/** A named invariant over the synthesized objects. */
export interface PolicyRule {
  /** Stable id, used in waivers: `cdk8s-stacks.io/waive.<id>`. */
  readonly id: string;
  /** What the rule guarantees. */
  readonly description: string;
  /** How to fix a violation. */
  readonly fix: string;
  check(context: PolicyContext): Violation[];
}

export const WAIVER_PREFIX = 'cdk8s-stacks.io/waive.';

/**
 * Waives one rule for one object, with the reason, which is printed by every synth.
 * Called by the construct that knows why the rule does not apply.
 */
export function waive(object: ApiObject, ruleId: string, reason: string): void {
  object.metadata.addAnnotation(`${WAIVER_PREFIX}${ruleId}`, reason);
}

/** Helpers to read objects. */
export type Json = Record<string, any>;

export interface PodView {
  readonly spec: Json;
  readonly labels: Record<string, string>;
}

/** The pod template of a workload object, if it has one. */
export function podOf(object: Json): PodView | undefined {
  const template = object.kind === 'CronJob' ? object.spec?.jobTemplate?.spec?.template : ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(object.kind) ? object.spec?.template : object.kind === 'Pod' ? object : undefined;
  if (!template?.spec) return undefined;
  return { spec: template.spec, labels: template.metadata?.labels ?? {} };
}

export function containersOf(pod: Json): Json[] {
  return [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
}

export function describe(object: Json): string {
  return `${object.kind} ${object.metadata?.name}`;
}

/** Whether a label selector (`matchLabels` only, or `{}` for all) selects these labels. */
export function selects(selector: Json | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const matchLabels: Record<string, string> = selector.matchLabels ?? {};
  const expressions: Json[] = selector.matchExpressions ?? [];
  const labelsMatch = Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
  const expressionsMatch = expressions.every((e) => {
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        return value !== undefined && e.values.includes(value);
      case 'NotIn':
        return value === undefined || !e.values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
  return labelsMatch && expressionsMatch;
}
