import { Environment } from '../core/environment';
import { issue, ValidationIssue } from '../core/validation';
import { RenderedObject } from '../gitops/render';
import { describe, PolicyRule, WAIVER_PREFIX } from './rule';

/** A rule that does not apply to one object, and why: printed by every synth. */
export interface Waiver {
  readonly folder: string;
  readonly object: string;
  readonly rule: string;
  readonly reason: string;
}

export interface PolicyOutcome {
  readonly failures: ValidationIssue[];
  readonly waivers: Waiver[];
}

/**
 * Runs every rule over the objects of one folder. A violation fails synthesis unless
 * the object carries a waiver for that rule with a non-empty reason; waivers for unknown
 * rules or without a reason are failures too, so a typo cannot silently waive anything.
 */
export function evaluatePolicies(
  folder: string,
  objects: readonly RenderedObject[],
  rules: readonly PolicyRule[],
  namespace: string,
  environment?: Environment,
  reported: readonly ValidationIssue[] = [],
): PolicyOutcome {
  const failures: ValidationIssue[] = [];
  const waivers: Waiver[] = [];
  const known = new Set(rules.map((r) => r.id));

  for (const rendered of objects) {
    for (const [key, reason] of Object.entries<string>(rendered.object.metadata?.annotations ?? {})) {
      if (!key.startsWith(WAIVER_PREFIX)) continue;
      const rule = key.slice(WAIVER_PREFIX.length);
      if (!known.has(rule))
        failures.push(
          issue(
            'policy.waiver-unknown-rule',
            rendered.construct.node.path,
            `waiver: '${rule}' is not a policy rule (rules: ${[...known].join(', ')})`,
          ),
        );
      if (!reason || reason.trim() === '')
        failures.push(issue('policy.waiver-without-reason', rendered.construct.node.path, `waiver: the waiver of '${rule}' must give a reason`));
    }
  }

  for (const rule of rules) {
    for (const violation of rule.check({ objects, namespace, environment })) {
      // Already reported by the construct that owns the object, on the same field: report once.
      if (isReportedByConstruct(violation.object.construct.node.path, rule, reported)) continue;
      const reason: string | undefined = violation.object.object.metadata?.annotations?.[`${WAIVER_PREFIX}${rule.id}`];
      if (reason && reason.trim() !== '') {
        waivers.push({ folder, object: describe(violation.object.object), rule: rule.id, reason });
      } else {
        failures.push(policyIssue(rule, violation.object.construct.node.path, `policy ${rule.id}: ${violation.message}. Fix: ${rule.fix}`));
      }
    }
  }
  // One waiver per object and rule, even when the rule found several problems on it.
  const unique = new Map(waivers.map((w) => [`${w.folder}|${w.object}|${w.rule}`, w]));
  return { failures, waivers: [...unique.values()] };
}

/** True when a construct at `path` or above it already reported an error on a field the rule covers. */
function isReportedByConstruct(path: string, rule: PolicyRule, reported: readonly ValidationIssue[]): boolean {
  const fields = rule.coveredByFields ?? [];
  if (fields.length === 0) return false;
  return reported.some(
    (issue) =>
      (path === issue.path || path.startsWith(`${issue.path}/`)) &&
      // `image: ...`, `sidecars[0].image: ...`, `resources.limits.cpu: ...` all cover their field.
      fields.some((field) => new RegExp(`^(?:[\\w\\[\\]]+\\.)*${field}[.:\\[]`).test(issue.message)),
  );
}

/**
 * A rule's violation: its id is `policy.<rule id>`. The rule ids are stable already (waivers
 * name them), so docs/error-ids.md lists them from DEFAULT_RULES rather than from literals.
 */
function policyIssue(rule: PolicyRule, path: string, message: string): ValidationIssue {
  // A rule of the user's own may spell its id freely; its issue id keeps the id's shape.
  const slug =
    String(rule.id)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'rule';
  return issue(`policy.${slug}`, path, message);
}
