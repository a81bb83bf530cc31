import type { Json } from '../core/json';
import { containersOf, Finding, finding, pairs, podLabelsOf, podSpecOf, selects } from './finding';
import type { FolderPlan, PlanObject } from './model';

const REPLICATED = new Set(['Deployment', 'Rollout', 'StatefulSet', 'ReplicaSet']);
const PROBES = ['readinessProbe', 'livenessProbe', 'startupProbe'];

/** Members of a replicated store, where its kind keeps them. */
function membersOf(o: PlanObject): Array<{ field: string; count: number }> {
  const spec = o.object.spec ?? {};
  if (o.kind === 'Cluster' && o.key.startsWith('postgresql.cnpg.io/'))
    return typeof spec.instances === 'number' ? [{ field: 'spec.instances', count: spec.instances }] : [];
  if (o.kind === 'MySQLCluster') return typeof spec.replicas === 'number' ? [{ field: 'spec.replicas', count: spec.replicas }] : [];
  if (o.kind === 'PerconaServerMongoDB')
    return ((spec.replsets ?? []) as Json[])
      .filter((r) => typeof r.size === 'number')
      .map((r) => ({ field: `spec.replsets[${r.name}].size`, count: r.size }));
  return [];
}

/** What the budget check reads from one side, indexed once per folder (not once per workload). */
interface Side {
  /** HorizontalPodAutoscaler minimum by `Kind/name` of its target. */
  readonly minReplicas: ReadonlyMap<string, number>;
  readonly budgets: readonly PlanObject[];
}

function sideOf(objects: ReadonlyMap<string, PlanObject>): Side {
  const minReplicas = new Map<string, number>();
  const budgets: PlanObject[] = [];
  for (const o of objects.values()) {
    const ref = o.object.spec?.scaleTargetRef;
    if (o.kind === 'HorizontalPodAutoscaler' && ref) minReplicas.set(`${ref.kind}/${ref.name}`, o.object.spec?.minReplicas ?? 1);
    if (o.kind === 'PodDisruptionBudget') budgets.push(o);
  }
  return { minReplicas, budgets };
}

/**
 * The replicas a workload runs with at least: its HorizontalPodAutoscaler's minimum when
 * one targets it, else spec.replicas (default 1).
 */
function floorReplicas(o: PlanObject, side: Side): number {
  return side.minReplicas.get(`${o.kind}/${o.name}`) ?? o.object.spec?.replicas ?? 1;
}

/** Whether a budget lets no pod of `replicas` be evicted; a percentage is resolved as the eviction API does (minAvailable rounds up). */
function blocksEviction(pdb: Json, replicas: number): { blocked: boolean; floor: unknown } {
  const spec = pdb.spec ?? {};
  const resolve = (v: unknown, up: boolean) =>
    typeof v === 'string' && v.endsWith('%') ? (up ? Math.ceil : Math.floor)((Number(v.slice(0, -1)) / 100) * replicas) : Number(v);
  if (spec.minAvailable !== undefined) return { blocked: resolve(spec.minAvailable, true) >= replicas, floor: spec.minAvailable };
  if (spec.maxUnavailable !== undefined) return { blocked: resolve(spec.maxUnavailable, true) <= 0, floor: `maxUnavailable ${spec.maxUnavailable}` };
  return { blocked: false, floor: undefined };
}

function budgetState(o: PlanObject | undefined, side: Side): { blocked: boolean; pdb?: PlanObject; floor?: unknown; replicas: number } {
  if (!o) return { blocked: false, replicas: 0 };
  const replicas = floorReplicas(o, side);
  const labels = podLabelsOf(o.object);
  for (const pdb of side.budgets) {
    if (!selects(pdb.object.spec?.selector, labels)) continue;
    const state = blocksEviction(pdb.object, replicas);
    if (state.blocked) return { blocked: true, pdb, floor: state.floor, replicas };
  }
  return { blocked: false, replicas };
}

export function availabilityChanges(plan: FolderPlan): Finding[] {
  const out: Finding[] = [];
  // Replicas at or below a budget's floor: workloads and budgets that changed or are new, compared with how they were.
  const touched = new Set<string>();
  let budgetsTouched = false;
  for (const o of [...plan.added, ...plan.changed.map((c) => c.after), ...plan.renamed.map((c) => c.after)]) {
    if (REPLICATED.has(o.kind)) touched.add(o.key);
    if (o.kind === 'PodDisruptionBudget' || o.kind === 'HorizontalPodAutoscaler') budgetsTouched = true;
  }
  // A changed budget or autoscaler can put any workload at its floor.
  if (budgetsTouched) for (const w of plan.afterObjects.values()) if (REPLICATED.has(w.kind)) touched.add(w.key);
  const [afterSide, beforeSide] = touched.size > 0 ? [sideOf(plan.afterObjects), sideOf(plan.beforeObjects)] : [undefined, undefined];
  for (const key of [...touched].sort()) {
    const after = plan.afterObjects.get(key)!;
    const now = budgetState(after, afterSide!);
    const was = budgetState(plan.beforeObjects.get(key), beforeSide!);
    if (now.blocked && !was.blocked)
      out.push(
        finding(
          plan,
          'availability.replicas-at-disruption-budget',
          { before: plan.beforeObjects.get(key), after },
          'spec.replicas',
          was.replicas || undefined,
          now.replicas,
          `${now.replicas} replica(s) with PodDisruptionBudget ${now.pdb!.name} (${typeof now.floor === 'string' ? now.floor : `minAvailable ${now.floor}`}): no pod can be evicted`,
        ),
      );
  }
  for (const { before, after } of pairs(plan)) {
    const s = { before, after };
    // Quorum: fewer members, or an even number.
    const was = new Map(membersOf(before).map((m) => [m.field, m.count]));
    for (const m of membersOf(after)) {
      const old = was.get(m.field);
      if (old === undefined || old === m.count) continue;
      if (m.count < old || (m.count % 2 === 0 && m.count > 1))
        out.push(
          finding(
            plan,
            'availability.quorum-weakened',
            s,
            m.field,
            old,
            m.count,
            `${old} -> ${m.count} members${m.count % 2 === 0 ? ' (an even number)' : ''}`,
          ),
        );
    }
    // Probes removed, per container.
    const cb = containersOf(podSpecOf(before.object));
    for (const [name, c] of containersOf(podSpecOf(after.object))) {
      const old = cb.get(name);
      if (!old) continue;
      for (const probe of PROBES)
        if (old[probe] && !c[probe])
          out.push(
            finding(
              plan,
              'availability.probe-removed',
              s,
              `containers[${name}].${probe}`,
              Object.keys(old[probe]).find((k) => /Get|exec|tcpSocket|grpc/.test(k)) ?? 'probe',
              undefined,
              `${probe} of ${name} removed`,
            ),
          );
    }
    if (after.kind === 'HorizontalPodAutoscaler') {
      const [x, y] = [before.object.spec?.minReplicas ?? 1, after.object.spec?.minReplicas ?? 1];
      if (y < x) out.push(finding(plan, 'availability.autoscaler-minimum-lowered', s, 'spec.minReplicas', x, y, `minimum lowered from ${x} to ${y}`));
    }
  }
  return out;
}
