import type { Json } from '../core/json';
import { brief, deepEqual, diffObjects } from './diff';
import { Finding, finding, quantity } from './finding';
import type { FolderPlan, PlanObject } from './model';

/**
 * Changes the API server refuses. Each rule names the validation it mirrors; every one is
 * checked against real API servers (1.27 and 1.37) by test/integration/cluster/plan.test.ts,
 * which applies a corpus of changes with a server-side dry run.
 */

/** Workloads whose `spec.selector` is immutable (apps/v1 ValidateImmutableField; batch/v1 for Jobs). */
const SELECTOR_KINDS = new Set(['apps/Deployment', 'apps/ReplicaSet', 'apps/DaemonSet', 'apps/StatefulSet', 'batch/Job']);

/**
 * StatefulSet spec fields that may change. Kubernetes 1.27 to 1.29 compared the whole spec
 * but for these (revisionHistoryLimit included only later); 1.30+ names the immutable
 * fields instead: selector, volumeClaimTemplates, serviceName, podManagementPolicy.
 */
function statefulSetMutable(minor: number): Set<string> {
  const always = ['replicas', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'ordinals'];
  return new Set(minor >= 30 ? [...always, 'revisionHistoryLimit'] : always);
}

/** Job spec fields the API server refuses to change (ValidateJobSpecUpdate). */
const JOB_IMMUTABLE = ['template', 'completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy'];

/** Fields the CRDs of imports/crds declare immutable with `self == oldSelf` (a unit test cross-checks the two). */
export const CUSTOM_RESOURCE_IMMUTABLE: Readonly<Record<string, readonly string[]>> = {
  'gateway.networking.k8s.io/GatewayClass': ['spec.controllerName'],
  'postgresql.cnpg.io/ScheduledBackup': ['spec.cluster'],
  'postgresql.cnpg.io/Backup': ['spec'],
  'postgresql.cnpg.io/Cluster': ['spec.serviceAccountName'],
  // Argo Rollouts 1.9: a Rollout's selector cannot change, as a Deployment's cannot.
  'argoproj.io/Rollout': ['spec.selector'],
};

function groupKind(o: PlanObject): string {
  return `${o.key.split('/')[0]}/${o.kind}`;
}

function at(object: Json, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), object);
}

export function refusedChanges(plan: FolderPlan, kubernetesMinor: number): Finding[] {
  const out: Finding[] = [];
  // Renamed objects are new objects to the API server: only same-name changes can be refused.
  for (const { before, after } of plan.changed.filter((c) => c.after.applied && c.before.applied)) {
    const gk = groupKind(after);
    const b = before.object;
    const a = after.object;
    const subject = { before, after };
    if (SELECTOR_KINDS.has(gk) && !deepEqual(b.spec?.selector, a.spec?.selector))
      out.push(
        finding(
          plan,
          'refused.selector-changed',
          subject,
          'spec.selector',
          b.spec?.selector,
          a.spec?.selector,
          `${after.kind} selector changed`,
          'refused',
        ),
      );
    if (gk === 'apps/StatefulSet') {
      const mutable = statefulSetMutable(kubernetesMinor);
      for (const key of [...new Set([...Object.keys(b.spec ?? {}), ...Object.keys(a.spec ?? {})])].sort()) {
        if (key === 'selector' || mutable.has(key) || deepEqual(b.spec?.[key], a.spec?.[key])) continue;
        const leaves = diffObjects(b.spec?.[key], a.spec?.[key], `spec.${key}`);
        const shown = leaves.slice(0, 3).map((l) => `${l.path}: ${brief(l.before, 40)} -> ${brief(l.after, 40)}`);
        out.push(
          finding(
            plan,
            'refused.statefulset-field-changed',
            subject,
            `spec.${key}`,
            leaves[0]?.before,
            leaves[0]?.after,
            `StatefulSet ${shown.join('; ')}${leaves.length > 3 ? ` and ${leaves.length - 3} more` : ''}`,
            'refused',
          ),
        );
      }
    }
    if (gk === 'batch/Job') {
      // An Argo CD hook deleted before it is created again is never updated in place: refused by a
      // plain `kubectl apply`, fine under Argo CD. Reported as conditional, not blocking.
      const annotations = a.metadata?.annotations ?? {};
      const recreated =
        annotations['argocd.argoproj.io/hook'] !== undefined && /BeforeHookCreation/.test(annotations['argocd.argoproj.io/hook-delete-policy'] ?? '');
      const outcome = recreated ? 'conditional' : 'refused';
      const severity = recreated ? 'warning' : undefined;
      const note = recreated ? ' (an Argo CD hook deleted before creation: Argo CD recreates it; `kubectl apply` is refused)' : '';
      // completions may change only together with parallelism on an Indexed Job (elastic Indexed Jobs).
      const elastic = a.spec?.completionMode === 'Indexed' && a.spec?.completions === a.spec?.parallelism;
      for (const key of [...JOB_IMMUTABLE, ...(elastic ? [] : ['completions'])]) {
        if (deepEqual(b.spec?.[key], a.spec?.[key])) continue;
        out.push(
          finding(
            plan,
            'refused.job-field-changed',
            subject,
            `spec.${key}`,
            b.spec?.[key],
            a.spec?.[key],
            `Job spec.${key} changed${note}`,
            outcome,
            severity,
          ),
        );
      }
    }
    if (gk === '/PersistentVolumeClaim') out.push(...claimChanges(plan, subject, b, a));
    if (gk === '/Service') {
      for (const key of ['clusterIP', 'clusterIPs', 'ipFamilies']) {
        const was = b.spec?.[key];
        const now = a.spec?.[key];
        if (deepEqual(was, now)) continue;
        // Left out of the apply, the API server keeps the allocated value (patchAllocatedValues): accepted, nothing changes.
        const outcome = now === undefined ? 'ignored' : 'refused';
        out.push(
          finding(
            plan,
            'refused.service-cluster-ip-changed',
            subject,
            `spec.${key}`,
            was,
            now,
            outcome === 'ignored'
              ? `Service spec.${key} removed: the API server keeps ${JSON.stringify(was)} (the Service stays as it was)`
              : `Service spec.${key} changed`,
            outcome,
          ),
        );
      }
    }
    if ((gk === '/Secret' || gk === '/ConfigMap') && b.immutable === true) {
      if (a.immutable !== true)
        out.push(
          finding(plan, 'refused.immutable-data-changed', subject, 'immutable', true, a.immutable, `${after.kind} no longer immutable`, 'refused'),
        );
      for (const key of ['data', 'stringData', 'binaryData'])
        if (!deepEqual(b[key], a[key]))
          out.push(
            finding(
              plan,
              'refused.immutable-data-changed',
              subject,
              key,
              summaryKeys(b[key]),
              summaryKeys(a[key]),
              `immutable ${after.kind} ${key} changed`,
              'refused',
            ),
          );
    }
    if ((gk === 'rbac.authorization.k8s.io/RoleBinding' || gk === 'rbac.authorization.k8s.io/ClusterRoleBinding') && !deepEqual(b.roleRef, a.roleRef))
      out.push(finding(plan, 'refused.role-ref-changed', subject, 'roleRef', b.roleRef, a.roleRef, `${after.kind} roleRef changed`, 'refused'));
    for (const field of CUSTOM_RESOURCE_IMMUTABLE[gk] ?? []) {
      if (at(b, field) === undefined || deepEqual(at(b, field), at(a, field))) continue;
      out.push(
        finding(
          plan,
          'refused.custom-resource-field-changed',
          subject,
          field,
          at(b, field),
          at(a, field),
          `${after.kind} ${field} changed`,
          'refused',
        ),
      );
    }
  }
  return out;
}

/**
 * ResourceQuota admission on claims: when a claim is created (or grows), every claim already
 * in the namespace counts, including those the change removes or renames away (Argo CD
 * prunes after the sync, and never prunes the claims this library makes). Checked against
 * the quota after the change, which the sync applies first (wave 10, claims are wave 30).
 */
export function quotaChanges(plan: FolderPlan): Finding[] {
  const quota = [...plan.afterObjects.values()].find((o) => o.kind === 'ResourceQuota' && o.object.spec?.hard?.['requests.storage'] !== undefined);
  const hard = quota ? quantity(quota.object.spec.hard['requests.storage']) : undefined;
  if (hard === undefined) return [];
  const claims = (objects: Iterable<PlanObject>) => [...objects].filter((o) => o.kind === 'PersistentVolumeClaim' && o.applied);
  const size = (o: PlanObject) => quantity(o.object.spec?.resources?.requests?.storage) ?? 0;
  let used = claims(plan.beforeObjects.values()).reduce((n, o) => n + size(o), 0);
  const out: Finding[] = [];
  const growing = [
    ...claims(plan.added).map((after) => ({ after, before: undefined as PlanObject | undefined })),
    ...plan.renamed
      .filter((r) => r.after.kind === 'PersistentVolumeClaim' && r.after.applied)
      .map((r) => ({ after: r.after, before: undefined as PlanObject | undefined })),
    ...plan.changed
      .filter((c) => c.after.kind === 'PersistentVolumeClaim' && c.after.applied)
      .map((c) => ({ after: c.after, before: c.before as PlanObject | undefined })),
  ];
  for (const { after, before } of growing) {
    const delta = size(after) - (before ? size(before) : 0);
    if (delta <= 0) continue;
    used += delta;
    if (used > hard)
      out.push(
        finding(
          plan,
          'refused.quota-exceeded',
          { before, after },
          'spec.resources.requests.storage',
          before?.object.spec?.resources?.requests?.storage,
          after.object.spec?.resources?.requests?.storage,
          `claims would use ${Math.ceil(used / 2 ** 20)}Mi of the quota's ${quota!.object.spec.hard['requests.storage']} (ResourceQuota ${quota!.name}) while the old claims are still there`,
          'refused',
        ),
      );
  }
  return out;
}

/** Secret and ConfigMap data by key, the values hashed away (never print secret values). */
function summaryKeys(data: unknown): unknown {
  return data && typeof data === 'object' ? Object.keys(data).sort() : data;
}

/** ValidatePersistentVolumeClaimUpdate: spec is immutable but for a larger storage request on a bound claim in an expandable class. */
function claimChanges(plan: FolderPlan, subject: { before: PlanObject; after: PlanObject }, b: Json, a: Json): Finding[] {
  const out: Finding[] = [];
  const keys = [...new Set([...Object.keys(b.spec ?? {}), ...Object.keys(a.spec ?? {})])].sort();
  for (const key of keys) {
    if (key === 'resources' || key === 'volumeAttributesClassName' || deepEqual(b.spec?.[key], a.spec?.[key])) continue;
    out.push(
      finding(
        plan,
        'refused.claim-spec-changed',
        subject,
        `spec.${key}`,
        b.spec?.[key],
        a.spec?.[key],
        `PersistentVolumeClaim spec.${key} changed`,
        'refused',
      ),
    );
  }
  const { storage: was, ...otherWas } = b.spec?.resources?.requests ?? {};
  const { storage: now, ...otherNow } = a.spec?.resources?.requests ?? {};
  if (!deepEqual(otherWas, otherNow) || !deepEqual(b.spec?.resources?.limits, a.spec?.resources?.limits))
    out.push(
      finding(
        plan,
        'refused.claim-spec-changed',
        subject,
        'spec.resources',
        b.spec?.resources,
        a.spec?.resources,
        'PersistentVolumeClaim resources other than requests.storage changed',
        'refused',
      ),
    );
  const [x, y] = [quantity(was), quantity(now)];
  if (x !== undefined && y !== undefined && y < x)
    out.push(
      finding(
        plan,
        'refused.claim-shrunk',
        subject,
        'spec.resources.requests.storage',
        was,
        now,
        `storage request lowered from ${was} to ${now}`,
        'refused',
      ),
    );
  if (x !== undefined && y !== undefined && y > x)
    out.push(
      finding(
        plan,
        'refused.claim-resize-needs-expansion',
        subject,
        'spec.resources.requests.storage',
        was,
        now,
        `storage request raised from ${was} to ${now} (class ${a.spec?.storageClassName ?? 'the default'})`,
        'conditional',
      ),
    );
  return out;
}
