import { IConstruct } from 'constructs';
import { addCheck } from './validation';

/**
 * The risk classes `plan` reports (lib/plan/risks.ts describes each: severity, remedy).
 * The ids are stable: acknowledgements in charts name them.
 */
export const CHANGE_RISK_IDS = [
  'refused.selector-changed',
  'refused.statefulset-field-changed',
  'refused.job-field-changed',
  'refused.claim-spec-changed',
  'refused.claim-shrunk',
  'refused.claim-resize-needs-expansion',
  'refused.service-cluster-ip-changed',
  'refused.immutable-data-changed',
  'refused.role-ref-changed',
  'refused.custom-resource-field-changed',
  'refused.quota-exceeded',
  'data-loss.claim-removed',
  'data-loss.claim-renamed',
  'data-loss.statefulset-claims-orphaned',
  'data-loss.database-cluster-removed',
  'data-loss.bucket-removed',
  'data-loss.backup-removed',
  'data-loss.backup-destination-changed',
  'data-loss.storage-shrunk',
  'data-loss.storage-class-changed',
  'data-loss.retention-shortened',
  'data-loss.reclaim-policy-changed',
  'availability.replicas-at-disruption-budget',
  'availability.quorum-weakened',
  'availability.probe-removed',
  'availability.autoscaler-minimum-lowered',
  'security.pod-security-lowered',
  'security.exception-added',
  'security.network-policy-widened',
  'security.public-route-added',
  'security.tls-removed',
  'security.secret-key-dropped',
] as const;

/** A stable id of a risk class, e.g. `data-loss.storage-class-changed`. */
export type ChangeRiskId = (typeof CHANGE_RISK_IDS)[number];

/**
 * A reviewed risky change, typed in the chart next to the construct that changes
 * (`acknowledgeChange(store, {...})`). `plan --check` lets a blocking change through only
 * with an acknowledgement; the plan reports every acknowledgement with its reason.
 */
export interface ChangeAcknowledgement {
  /** The risk class acknowledged. */
  readonly risk: ChangeRiskId;
  /** Why the change is safe or wanted (one line; shown in the plan and the pull request comment). */
  readonly reason: string;
  /**
   * The fingerprint `plan` prints for the change: a hash of the risk, the object, the field
   * and the field's value in the baseline. It binds the acknowledgement to that baseline:
   * once the change has landed (the baseline holds the new value) it matches nothing and
   * `plan` reports it as stale, to be removed; it never covers a later change of the same field.
   */
  readonly baseline: string;
  /**
   * The object, `Kind/name`, when the acknowledgement is on a construct that no longer
   * renders it (an object removed or renamed away): e.g. `PersistentVolumeClaim/db-backups`.
   * @default - every object the construct (and the constructs below it) renders
   */
  readonly object?: string;
}

/** An acknowledgement with where it was declared. */
export interface DeclaredAcknowledgement extends ChangeAcknowledgement {
  readonly scope: IConstruct;
}

const DECLARED = new WeakMap<IConstruct, ChangeAcknowledgement[]>();
const FINGERPRINT = /^[0-9a-f]{8}$/;
const OBJECT = /^[A-Za-z][A-Za-z0-9]*\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Acknowledges a risky change on any construct (a store, a workload, an endpoint, the
 * chart). It applies to the objects the construct and its children render, in the
 * construct's chart. Bad input (an unknown risk, an empty reason, a malformed fingerprint)
 * is a synth error on the construct naming the field.
 */
export function acknowledgeChange(scope: IConstruct, acknowledgement: ChangeAcknowledgement): void {
  const ack = (acknowledgement ?? {}) as Partial<Record<keyof ChangeAcknowledgement, unknown>>;
  const problems: Array<[string, string]> = [];
  if (typeof ack.risk !== 'string' || !(CHANGE_RISK_IDS as readonly string[]).includes(ack.risk))
    problems.push(['acknowledgeChange.risk', `${JSON.stringify(ack.risk)} is not a known risk (known: ${CHANGE_RISK_IDS.join(', ')})`]);
  if (typeof ack.reason !== 'string' || ack.reason.trim() === '' || ack.reason.includes('\n'))
    problems.push(['acknowledgeChange.reason', `${JSON.stringify(ack.reason)} must say why the change is safe: one line of text`]);
  if (typeof ack.baseline !== 'string' || !FINGERPRINT.test(ack.baseline))
    problems.push([
      'acknowledgeChange.baseline',
      `${JSON.stringify(ack.baseline)} must be the 8-hex-digit fingerprint \`plan\` prints for the change`,
    ]);
  if (ack.object !== undefined && (typeof ack.object !== 'string' || !OBJECT.test(ack.object)))
    problems.push(['acknowledgeChange.object', `${JSON.stringify(ack.object)} must be Kind/name, e.g. PersistentVolumeClaim/db-backups`]);
  if (problems.length > 0) {
    addCheck(scope, (report) => problems.forEach(([field, message]) => report.error('change-acknowledgement.value', field, message)));
    return;
  }
  const list = DECLARED.get(scope) ?? [];
  list.push({ ...(acknowledgement as ChangeAcknowledgement) });
  DECLARED.set(scope, list);
}

/** Every well-formed acknowledgement declared on `root` and the constructs below it, in tree order. */
export function acknowledgementsUnder(root: IConstruct): DeclaredAcknowledgement[] {
  return root.node.findAll().flatMap((scope) => (DECLARED.get(scope) ?? []).map((a) => ({ ...a, scope })));
}
