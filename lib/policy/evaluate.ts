import { Environment } from '../core/environment';
import { ValidationIssue } from '../core/validation';
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
        failures.push({ path: rendered.construct.node.path, message: `waiver: '${rule}' is not a policy rule (rules: ${[...known].join(', ')})` });
      if (!reason || reason.trim() === '')
        failures.push({ path: rendered.construct.node.path, message: `waiver: the waiver of '${rule}' must give a reason` });
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
        failures.push({ path: violation.object.construct.node.path, message: `policy ${rule.id}: ${violation.message}. Fix: ${rule.fix}` });
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
