import { createHash } from 'crypto';
import type { ChangeRiskId } from '../core/change-acknowledgement';
import type { Json } from '../core/json';
import { parseQuantity } from '../core/quantity';
import type { FolderPlan, PlanObject } from './model';
import { severityIn } from './risks';

/**
 * For refused-class findings, what the API server does: `refused` (the apply fails),
 * `conditional` (refused unless the cluster allows it, e.g. volume expansion), `ignored`
 * (accepted, but the old value stays: a headless Service stays headless).
 */
export type ServerOutcome = 'refused' | 'conditional' | 'ignored';

/** One risky change. */
export interface Finding {
  readonly risk: ChangeRiskId;
  readonly severity: 'blocking' | 'warning';
  readonly folder: string;
  /** `Kind/name` (the name after the change; the old one for removed objects). */
  readonly object: string;
  readonly field: string;
  readonly before?: unknown;
  readonly after?: unknown;
  /** What was found, in words. */
  readonly detail: string;
  /** Binds acknowledgements to the baseline value: hash of risk, folder, object before the change, field, baseline value. */
  readonly fingerprint: string;
  /** The construct that renders the object now (absent for removed objects). */
  readonly constructPath?: string;
  /** Set on refused-class findings. */
  readonly outcome?: ServerOutcome;
}

/** JSON with sorted keys, so fingerprints do not depend on key order. */
export function stableJson(value: unknown): string {
  if (value === undefined) return 'absent';
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson((value as Json)[k])}`)
    .join(',')}}`;
}

export function fingerprintOf(risk: string, folder: string, object: string, field: string, before: unknown): string {
  return createHash('sha256')
    .update(`${risk}\0${folder}\0${object}\0${field}\0${stableJson(before)}`)
    .digest('hex')
    .slice(0, 8);
}

/** A finding about `subject` (the object after the change, or before for a removal). */
export function finding(
  plan: FolderPlan,
  risk: ChangeRiskId,
  subject: { before?: PlanObject; after?: PlanObject },
  field: string,
  before: unknown,
  after: unknown,
  detail: string,
  outcome?: ServerOutcome,
  /** A lower severity than the risk's, when the deployment path avoids the problem (an Argo CD hook Job is recreated). @default the risk's */
  severity?: 'warning',
): Finding {
  const shown = subject.after ?? subject.before!;
  const base = subject.before ?? subject.after!;
  return {
    risk,
    severity: severity ?? severityIn(risk, plan.environment),
    folder: plan.folder,
    object: `${shown.kind}/${shown.name}`,
    field,
    before,
    after,
    detail,
    fingerprint: fingerprintOf(risk, plan.folder, `${base.kind}/${base.name}`, field, before),
    constructPath: subject.after?.constructPath,
    ...(outcome ? { outcome } : {}),
  };
}

/** The pod template spec of a workload object (Deployment, StatefulSet, Job, CronJob, ...), if any. */
export function podSpecOf(object: Json): Json | undefined {
  const spec = object?.spec;
  if (object?.kind === 'CronJob') return spec?.jobTemplate?.spec?.template?.spec;
  return spec?.template?.spec;
}

/** The pod template's labels. */
export function podLabelsOf(object: Json): Record<string, string> {
  const spec = object?.spec;
  const template = object?.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template : spec?.template;
  return template?.metadata?.labels ?? {};
}

/** Every container of a pod spec, init containers included, by name. */
export function containersOf(podSpec: Json | undefined): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const c of [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])]) out.set(String(c?.name), c);
  return out;
}

/** A quantity (`20Gi`) as a number, or undefined. */
export function quantity(value: unknown): number | undefined {
  return value === undefined ? undefined : parseQuantity(value);
}

/** A duration such as `30d`, `4w`, `3m` (months, for backup retention), `15d`, `12h` in hours; undefined when unknown. */
export function durationHours(value: unknown, monthsForM = false): number | undefined {
  if (typeof value !== 'string') return typeof value === 'number' ? value * 24 : undefined;
  const parts = [...value.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) return undefined;
  const unit: Record<string, number> = { ms: 1 / 3_600_000, s: 1 / 3600, m: monthsForM ? 24 * 30 : 1 / 60, h: 1, d: 24, w: 24 * 7, y: 24 * 365 };
  return parts.reduce((n, p) => n + Number(p[1]) * unit[p[2]], 0);
}

/** Does a label selector (`matchLabels`, `matchExpressions` In/NotIn/Exists/DoesNotExist) select these labels? */
export function selects(selector: Json | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/**
 * Changed objects and renamed ones, compared before/after. For a rename, `before.object`
 * reads as if it had always had the new name (so a renamed store's policies and env do not
 * look changed); `original` is the object as it was. Objects people apply by hand
 * (`restore/`) are left out: nothing applies them.
 */
export function pairs(plan: FolderPlan): Array<{ before: PlanObject; after: PlanObject; renamed: boolean; original: PlanObject }> {
  return [
    ...plan.changed.map((c) => ({ before: c.before, after: c.after, renamed: false, original: c.before })),
    ...plan.renamed.map((c) => ({
      before: { ...c.before, object: c.beforeRenamed ?? c.before.object },
      after: c.after,
      renamed: true,
      original: c.before,
    })),
  ].filter((p) => p.after.applied);
}
