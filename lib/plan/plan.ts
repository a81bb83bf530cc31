import { Chart } from 'cdk8s';
import { DeclaredAcknowledgement } from '../core/change-acknowledgement';
import { folderOf } from '../pipeline/synth';
import { DistTree } from './baseline';
import { Finding } from './finding';
import { CurrentFolder, FolderPlan, isEmptyPlan, isUnchanged, planFolder } from './model';
import { availabilityChanges } from './rules-availability';
import { dataLossChanges } from './rules-data';
import { quotaChanges, refusedChanges } from './rules-refused';
import { securityChanges } from './rules-security';

/** The Kubernetes minor version the refused-class rules assume. @default 27, the oldest release the library supports */
export const DEFAULT_KUBERNETES_MINOR = 27;

export interface PlanOptions {
  /** Minor version of the target clusters' Kubernetes (immutable fields differ between releases). @default DEFAULT_KUBERNETES_MINOR */
  readonly kubernetesMinor?: number;
  /** Baseline folders outside this selection are not compared (a partial plan: --env, --system). @default every folder */
  readonly selected?: (folder: string) => boolean;
  /** The acknowledgements declared in the charts. @default none */
  readonly acknowledgements?: readonly DeclaredAcknowledgement[];
}

/** An acknowledgement with the findings it covers; none covered means stale. */
export interface AcknowledgementResult {
  readonly path: string;
  readonly folder: string;
  readonly risk: string;
  readonly reason: string;
  readonly baseline: string;
  readonly object?: string;
  readonly covers: readonly Finding[];
}

export interface Plan {
  /** Folders with at least one change, in order. */
  readonly folders: readonly FolderPlan[];
  /** Folders compared. */
  readonly compared: number;
  readonly findings: readonly Finding[];
  readonly acknowledgements: readonly AcknowledgementResult[];
  /** Blocking findings no acknowledgement covers: `plan --check` fails on them. */
  readonly unacknowledged: readonly Finding[];
}

/** Risk findings of one folder's changes. */
export function findingsOf(folder: FolderPlan, kubernetesMinor = DEFAULT_KUBERNETES_MINOR): Finding[] {
  return [
    ...refusedChanges(folder, kubernetesMinor),
    ...quotaChanges(folder),
    ...dataLossChanges(folder),
    ...availabilityChanges(folder),
    ...securityChanges(folder),
  ];
}

/**
 * Compares what the charts render now with the baseline, folder by folder. Folders whose
 * every file is byte-identical are skipped without parsing, so an unchanged tree costs one
 * string comparison per object.
 */
export function computePlan(current: readonly CurrentFolder[], baseline: DistTree, options: PlanOptions = {}): Plan {
  const byFolder = new Map(current.map((c) => [c.folder, c]));
  const names = [...new Set([...byFolder.keys(), ...[...baseline.keys()].filter((f) => options.selected?.(f) ?? true)])].sort();
  const folders: FolderPlan[] = [];
  for (const name of names) {
    const now = byFolder.get(name);
    const base = baseline.get(name);
    if (now && isUnchanged(now, base)) continue;
    const plan = planFolder(name, now, base);
    if (!isEmptyPlan(plan)) folders.push(plan);
  }
  const findings = folders.flatMap((f) => findingsOf(f, options.kubernetesMinor));
  const acknowledgements = matchAcknowledgements(findings, options.acknowledgements ?? []);
  const covered = new Set(acknowledgements.flatMap((a) => a.covers));
  return {
    folders,
    compared: names.length,
    findings,
    acknowledgements,
    unacknowledged: findings.filter((f) => f.severity === 'blocking' && !covered.has(f)),
  };
}

function folderOfScope(ack: DeclaredAcknowledgement): string | undefined {
  try {
    return folderOf(Chart.of(ack.scope));
  } catch {
    return undefined;
  }
}

/**
 * An acknowledgement covers a finding of its risk whose fingerprint it names, in its chart's
 * folder, about an object its construct (or a construct below it) renders, or the object it
 * names (`object`), or any object when declared on the chart itself.
 */
export function matchAcknowledgements(findings: readonly Finding[], acks: readonly DeclaredAcknowledgement[]): AcknowledgementResult[] {
  return acks.map((ack) => {
    const folder = folderOfScope(ack) ?? '';
    const path = ack.scope.node.path;
    const onChart = Chart.isChart(ack.scope);
    const covers = findings.filter(
      (f) =>
        f.risk === ack.risk &&
        f.fingerprint === ack.baseline &&
        f.folder === folder &&
        (ack.object !== undefined
          ? f.object === ack.object
          : onChart || (f.constructPath !== undefined && (f.constructPath === path || f.constructPath.startsWith(`${path}/`)))),
    );
    return { path, folder, risk: ack.risk, reason: ack.reason, baseline: ack.baseline, object: ack.object, covers };
  });
}
