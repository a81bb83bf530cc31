import { ApiObject } from 'cdk8s';
import { CheckExceptions, checkExceptionsOf } from '../core/check-exceptions';

/**
 * Waivers for the community linters, in each linter's own annotation format, derived from
 * the exceptions the constructs declare (`declareCheckExceptions`: they know why a check does
 * not apply) or given explicitly with `waiveLinter` (see scripts/lint/README.md):
 * - kube-score: `kube-score/ignore: id1,id2` plus `kube-score.waiver.cdk8s-stacks.io/<id>: <reason>`;
 * - checkov: `checkov.io/skipN: <CHECK>=<reason>` (one check per key).
 * Both go on the object's own metadata, which is where each tool reads them for pod checks too.
 */
export type Linter = 'kube-score' | 'checkov';

export interface LinterWaiver {
  readonly linter: Linter;
  readonly check: string;
  readonly reason: string;
}

/** The linters' checks each declared exception answers (the only place that knows linter check ids). */
const LINTER_CHECKS: { readonly [K in keyof Required<CheckExceptions>]: ReadonlyArray<readonly [Linter, string]> } = {
  defaultPullPolicy: [
    ['kube-score', 'container-image-pull-policy'],
    ['checkov', 'CKV_K8S_15'],
  ],
  tagPinnedImages: [['checkov', 'CKV_K8S_43']],
  settingsFromEnvironment: [['checkov', 'CKV_K8S_35']],
  imageUid: [
    ['kube-score', 'container-security-context-user-group-id'],
    ['checkov', 'CKV_K8S_40'],
  ],
  noReadinessProbe: [['checkov', 'CKV_K8S_9']],
  singleReplica: [['kube-score', 'deployment-replicas']],
  scalesToOneReplica: [['kube-score', 'horizontalpodautoscaler-replicas']],
  selectsTransientPods: [['kube-score', 'networkpolicy-targets-pod']],
  selectsOperatorPods: [
    ['kube-score', 'networkpolicy-targets-pod'],
    ['kube-score', 'service-targets-pod'],
  ],
  scalesCustomResource: [['kube-score', 'horizontalpodautoscaler-has-target']],
  addedCapabilities: [['checkov', 'CKV_K8S_25']],
  writableRootFilesystem: [
    ['kube-score', 'container-security-context-readonlyrootfilesystem'],
    ['checkov', 'CKV_K8S_22'],
  ],
  startsAsRoot: [
    ['kube-score', 'container-security-context-user-group-id'],
    ['checkov', 'CKV_K8S_23'],
    ['checkov', 'CKV_K8S_40'],
  ],
};

const WAIVERS = new WeakMap<ApiObject, LinterWaiver[]>();

/** Waives one linter check on one object explicitly (prefer declaring a CheckException on the object). */
export function waiveLinter(object: ApiObject, linter: Linter, check: string, reason: string): void {
  checkReason(object, linter, check, reason);
  const list = WAIVERS.get(object) ?? [];
  if (!list.some((w) => w.linter === linter && w.check === check)) list.push({ linter, check, reason });
  WAIVERS.set(object, list);
}

/** The waivers of one object: the explicit ones, then those derived from its declared exceptions (one per check). */
export function linterWaiversOf(object: ApiObject): readonly LinterWaiver[] {
  const out = [...(WAIVERS.get(object) ?? [])];
  const declared = checkExceptionsOf(object);
  for (const key of Object.keys(declared) as Array<keyof CheckExceptions>) {
    const reason = declared[key];
    const checks = LINTER_CHECKS[key];
    if (reason === undefined || !checks) continue;
    for (const [linter, check] of checks) {
      checkReason(object, linter, check, reason);
      if (!out.some((w) => w.linter === linter && w.check === check)) out.push({ linter, check, reason });
    }
  }
  return out;
}

function checkReason(object: ApiObject, linter: Linter, check: string, reason: string): void {
  if (typeof reason !== 'string' || reason.trim() === '') throw new Error(`${object.node.path}: a ${linter} waiver of ${check} needs a reason`);
  if (reason.includes('=')) throw new Error(`${object.node.path}: a ${linter} waiver reason must not contain '=' (checkov cannot parse it)`);
}

/** The annotations that carry the waivers of one object. */
export function linterWaiverAnnotations(object: ApiObject): Record<string, string> {
  const waivers = [...linterWaiversOf(object)].sort((a, b) => (a.check < b.check ? -1 : 1));
  const out: Record<string, string> = {};
  const kubeScore = waivers.filter((w) => w.linter === 'kube-score');
  if (kubeScore.length) {
    out['kube-score/ignore'] = kubeScore.map((w) => w.check).join(',');
    for (const w of kubeScore) out[`kube-score.waiver.cdk8s-stacks.io/${w.check}`] = w.reason;
  }
  waivers.filter((w) => w.linter === 'checkov').forEach((w, i) => (out[`checkov.io/skip${i + 1}`] = `${w.check}=${w.reason}`));
  return out;
}
