import { ApiObject } from 'cdk8s';

/** The annotation prefix of a policy waiver: `cdk8s-stacks.io/waive.<rule id>: <reason>`. */
export const WAIVER_PREFIX = 'cdk8s-stacks.io/waive.';

/**
 * Waives one policy rule for one object, with the reason, which is printed by every synth.
 * Called by the construct that knows why the rule does not apply; the policy pipeline
 * reads the annotation (and rejects unknown rules and empty reasons).
 */
export function waive(object: ApiObject, ruleId: string, reason: string): void {
  object.metadata.addAnnotation(`${WAIVER_PREFIX}${ruleId}`, reason);
}
