import { ApiObject } from 'cdk8s';

/**
 * Waivers for the community linters, in each linter's own annotation format, generated
 * by the construct that knows why a finding does not apply (see scripts/lint/README.md):
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

const WAIVERS = new WeakMap<ApiObject, LinterWaiver[]>();

export function waiveLinter(object: ApiObject, linter: Linter, check: string, reason: string): void {
  if (reason.trim() === '') throw new Error(`${object.node.path}: a ${linter} waiver of ${check} needs a reason`);
  if (reason.includes('=')) throw new Error(`${object.node.path}: a ${linter} waiver reason must not contain '=' (checkov cannot parse it)`);
  const list = WAIVERS.get(object) ?? [];
  if (!list.some((w) => w.linter === linter && w.check === check)) list.push({ linter, check, reason });
  WAIVERS.set(object, list);
}

export function linterWaiversOf(object: ApiObject): readonly LinterWaiver[] {
  return WAIVERS.get(object) ?? [];
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
