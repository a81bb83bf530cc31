import type { Json } from '../core/json';
import { deepEqual } from './diff';
import { containersOf, durationHours, Finding, finding, pairs, podSpecOf, quantity } from './finding';
import type { FolderPlan, PlanObject } from './model';

/** Operator database clusters: removing one makes the operator delete its instances. */
const DATABASE_CLUSTERS = new Set(['postgresql.cnpg.io/Cluster', 'moco.cybozu.com/MySQLCluster', 'psmdb.percona.com/PerconaServerMongoDB']);
/** Backup schedules kept by operators. */
const BACKUP_KINDS = new Set(['postgresql.cnpg.io/ScheduledBackup', 'moco.cybozu.com/BackupPolicy']);
/** Environment variables of the library's backup CronJobs that say where backups go. */
const DESTINATION_ENV = ['S3_BUCKET', 'S3_PREFIX', 'S3_ENDPOINT', 'BACKUP_ROOT'];

const groupKind = (o: PlanObject) => `${o.key.split('/')[0]}/${o.kind}`;

/** A backup CronJob made by this library (`store.backup()`, `BucketBackup`) or labelled as one. */
function isBackupCronJob(o: PlanObject): boolean {
  if (o.kind !== 'CronJob') return false;
  const containers = [...containersOf(podSpecOf(o.object)).values()];
  return (
    o.object.metadata?.labels?.['app.kubernetes.io/component'] === 'backup' ||
    containers.some((c) => (c.env ?? []).some((e: Json) => e.name === 'KEEP_COUNT'))
  );
}

function envOf(o: PlanObject): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const c of containersOf(podSpecOf(o.object)).values())
    for (const e of c.env ?? []) if (!out.has(e.name)) out.set(e.name, e.value ?? e.valueFrom);
  return out;
}

/** Claim templates of a StatefulSet or a MOCO cluster, by name. */
function claimTemplates(o: Json): Map<string, Json> {
  return new Map(((o.spec?.volumeClaimTemplates ?? []) as Json[]).map((t) => [String(t.metadata?.name), t]));
}

/** Storage of an object, wherever its kind keeps it: `[field, size, class]` per volume. */
function storageOf(o: PlanObject): Array<{ field: string; size: unknown; storageClass: unknown }> {
  const gk = groupKind(o);
  const spec = o.object.spec ?? {};
  if (gk === 'apps/StatefulSet' || gk === 'moco.cybozu.com/MySQLCluster')
    return [...claimTemplates(o.object)].map(([name, t]) => ({
      field: `spec.volumeClaimTemplates[${name}]`,
      size: t.spec?.resources?.requests?.storage,
      storageClass: t.spec?.storageClassName,
    }));
  if (gk === 'postgresql.cnpg.io/Cluster') {
    const out = [{ field: 'spec.storage', size: spec.storage?.size, storageClass: spec.storage?.storageClass }];
    if (spec.walStorage) out.push({ field: 'spec.walStorage', size: spec.walStorage.size, storageClass: spec.walStorage.storageClass });
    return out;
  }
  if (gk === 'psmdb.percona.com/PerconaServerMongoDB')
    return ((spec.replsets ?? []) as Json[]).map((r) => ({
      field: `spec.replsets[${r.name}].volumeSpec`,
      size: r.volumeSpec?.persistentVolumeClaim?.resources?.requests?.storage,
      storageClass: r.volumeSpec?.persistentVolumeClaim?.storageClassName,
    }));
  return [];
}

/** Buckets a MinIO bucket Job creates (`mc mb --ignore-existing store/<name>`). */
function bucketsOf(objects: Iterable<PlanObject>): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    if (o.kind !== 'Job') continue;
    const text = JSON.stringify(o.object);
    for (const m of text.matchAll(/mc mb --ignore-existing store\/([a-z0-9.-]+)/g)) out.add(m[1]);
  }
  return out;
}

export function dataLossChanges(plan: FolderPlan): Finding[] {
  const out: Finding[] = [];
  for (const before of plan.removed.filter((o) => o.applied)) {
    const gk = groupKind(before);
    const s = { before };
    if (gk === '/PersistentVolumeClaim')
      out.push(finding(plan, 'data-loss.claim-removed', s, 'metadata.name', before.name, undefined, `claim ${before.name} removed`));
    if (gk === 'apps/StatefulSet' && claimTemplates(before.object).size > 0)
      out.push(
        finding(
          plan,
          'data-loss.statefulset-claims-orphaned',
          s,
          'spec.volumeClaimTemplates',
          [...claimTemplates(before.object).keys()],
          undefined,
          `StatefulSet ${before.name} with claim templates removed`,
        ),
      );
    if (DATABASE_CLUSTERS.has(gk))
      out.push(
        finding(plan, 'data-loss.database-cluster-removed', s, 'metadata.name', before.name, undefined, `${before.kind} ${before.name} removed`),
      );
    if (BACKUP_KINDS.has(gk) || isBackupCronJob(before))
      out.push(
        finding(
          plan,
          'data-loss.backup-removed',
          s,
          'metadata.name',
          before.name,
          undefined,
          `backup schedule ${before.kind}/${before.name} removed`,
        ),
      );
  }
  for (const { before, after, renamed } of pairs(plan)) {
    const gk = groupKind(after);
    const s = { before, after };
    const b = before.object;
    const a = after.object;
    if (renamed) {
      if (gk === '/PersistentVolumeClaim')
        out.push(
          finding(
            plan,
            'data-loss.claim-renamed',
            s,
            'metadata.name',
            before.name,
            after.name,
            `claim renamed from ${before.name} to ${after.name}: the new claim starts empty`,
          ),
        );
      if (gk === 'apps/StatefulSet' && claimTemplates(b).size > 0)
        out.push(
          finding(
            plan,
            'data-loss.statefulset-claims-orphaned',
            s,
            'metadata.name',
            before.name,
            after.name,
            `StatefulSet renamed from ${before.name} to ${after.name}: its pods get new, empty claims`,
          ),
        );
      if (DATABASE_CLUSTERS.has(gk))
        out.push(
          finding(
            plan,
            'data-loss.database-cluster-removed',
            s,
            'metadata.name',
            before.name,
            after.name,
            `${after.kind} renamed from ${before.name} to ${after.name}: a new, empty cluster`,
          ),
        );
    }
    if (gk === 'apps/StatefulSet') {
      const gone = [...claimTemplates(b).keys()].filter((n) => !claimTemplates(a).has(n));
      if (!renamed && gone.length > 0)
        out.push(
          finding(
            plan,
            'data-loss.statefulset-claims-orphaned',
            s,
            'spec.volumeClaimTemplates',
            [...claimTemplates(b).keys()],
            [...claimTemplates(a).keys()],
            `claim templates ${gone.join(', ')} removed or renamed`,
          ),
        );
      const retained = (p: Json | undefined) => (p?.whenDeleted ?? 'Retain') === 'Retain' && (p?.whenScaled ?? 'Retain') === 'Retain';
      if (retained(b.spec?.persistentVolumeClaimRetentionPolicy) && !retained(a.spec?.persistentVolumeClaimRetentionPolicy))
        out.push(
          finding(
            plan,
            'data-loss.reclaim-policy-changed',
            s,
            'spec.persistentVolumeClaimRetentionPolicy',
            b.spec?.persistentVolumeClaimRetentionPolicy,
            a.spec?.persistentVolumeClaimRetentionPolicy,
            'claims are deleted with the StatefulSet or on scale-down',
          ),
        );
    }
    if (gk === '/PersistentVolumeClaim') {
      const kept = (o: Json) => /Prune=false/.test(o.metadata?.annotations?.['argocd.argoproj.io/sync-options'] ?? '');
      if (kept(b) && !kept(a))
        out.push(
          finding(
            plan,
            'data-loss.reclaim-policy-changed',
            s,
            'metadata.annotations["argocd.argoproj.io/sync-options"]',
            b.metadata?.annotations?.['argocd.argoproj.io/sync-options'],
            a.metadata?.annotations?.['argocd.argoproj.io/sync-options'],
            'Argo CD may now prune the claim (and its volume)',
          ),
        );
    }
    if (gk === 'storage.k8s.io/StorageClass' && (b.reclaimPolicy ?? 'Delete') === 'Retain' && a.reclaimPolicy !== 'Retain')
      out.push(
        finding(
          plan,
          'data-loss.reclaim-policy-changed',
          s,
          'reclaimPolicy',
          b.reclaimPolicy,
          a.reclaimPolicy,
          'volumes of the class are deleted with their claims',
        ),
      );
    // Storage shrunk or moved to another class (claims themselves: refused-class rules).
    const was = new Map(storageOf(before).map((v) => [v.field, v]));
    for (const v of storageOf(after)) {
      const old = was.get(v.field);
      if (!old) continue;
      const [x, y] = [quantity(old.size), quantity(v.size)];
      if (x !== undefined && y !== undefined && y < x)
        out.push(finding(plan, 'data-loss.storage-shrunk', s, v.field, old.size, v.size, `storage lowered from ${old.size} to ${v.size}`));
      if (!deepEqual(old.storageClass, v.storageClass))
        out.push(
          finding(
            plan,
            'data-loss.storage-class-changed',
            s,
            v.field,
            old.storageClass,
            v.storageClass,
            `storage class ${old.storageClass ?? '(default)'} -> ${v.storageClass ?? '(default)'}`,
          ),
        );
    }
    out.push(...backupChanges(plan, s, before, after));
  }
  // Buckets and their expiry, over the whole folder (the bucket Job's name carries a hash of its script).
  const bucketsBefore = bucketsOf(plan.beforeObjects.values());
  const bucketsAfter = bucketsOf(plan.afterObjects.values());
  for (const name of bucketsBefore) {
    if (bucketsAfter.has(name)) continue;
    const job = [...plan.beforeObjects.values()].find((o) => o.kind === 'Job' && JSON.stringify(o.object).includes(`store/${name}`))!;
    out.push(finding(plan, 'data-loss.bucket-removed', { before: job }, `buckets[${name}]`, name, undefined, `bucket ${name} no longer declared`));
  }
  return out;
}

function backupChanges(plan: FolderPlan, s: { before: PlanObject; after: PlanObject }, before: PlanObject, after: PlanObject): Finding[] {
  const out: Finding[] = [];
  const gk = groupKind(after);
  const b = before.object;
  const a = after.object;
  const lower = (field: string, x: number | undefined, y: number | undefined, was: unknown, now: unknown, what: string) => {
    if (x !== undefined && y !== undefined && y < x) out.push(finding(plan, 'data-loss.retention-shortened', s, field, was, now, what));
  };
  if (isBackupCronJob(before) && isBackupCronJob(after)) {
    const [eb, ea] = [envOf(before), envOf(after)];
    lower(
      'env.KEEP_COUNT',
      Number(eb.get('KEEP_COUNT')),
      Number(ea.get('KEEP_COUNT')),
      eb.get('KEEP_COUNT'),
      ea.get('KEEP_COUNT'),
      'fewer backups kept',
    );
    lower(
      'env.KEEP_DAYS',
      Number(eb.get('KEEP_DAYS')),
      Number(ea.get('KEEP_DAYS')),
      eb.get('KEEP_DAYS'),
      ea.get('KEEP_DAYS'),
      'backups kept for fewer days',
    );
    const destination = (env: Map<string, unknown>) => Object.fromEntries(DESTINATION_ENV.filter((k) => env.has(k)).map((k) => [k, env.get(k)]));
    const claims = (o: PlanObject) => (podSpecOf(o.object)?.volumes ?? []).map((v: Json) => v.persistentVolumeClaim?.claimName).filter(Boolean);
    const [db, da] = [
      { ...destination(eb), claims: claims(before) },
      { ...destination(ea), claims: claims(after) },
    ];
    if (!deepEqual(db, da)) out.push(finding(plan, 'data-loss.backup-destination-changed', s, 'env', db, da, 'backups go to another place'));
  }
  if (gk === 'barmancloud.cnpg.io/ObjectStore') {
    const dest = (o: Json) => ({ destinationPath: o.spec?.configuration?.destinationPath, endpointURL: o.spec?.configuration?.endpointURL });
    if (!deepEqual(dest(b), dest(a)))
      out.push(
        finding(
          plan,
          'data-loss.backup-destination-changed',
          s,
          'spec.configuration',
          dest(b),
          dest(a),
          'WAL archive and base backups go to another place',
        ),
      );
    lower(
      'spec.retentionPolicy',
      durationHours(b.spec?.retentionPolicy, true),
      durationHours(a.spec?.retentionPolicy, true),
      b.spec?.retentionPolicy,
      a.spec?.retentionPolicy,
      'base backups kept for less time',
    );
  }
  if (gk === 'postgresql.cnpg.io/Cluster') {
    if (b.spec?.backup && !a.spec?.backup)
      out.push(finding(plan, 'data-loss.backup-removed', s, 'spec.backup', 'set', undefined, 'cluster backups no longer configured'));
    const plugins = (o: Json) => ((o.spec?.plugins ?? []) as Json[]).filter((p) => p.isWALArchiver).map((p) => p.parameters);
    if (plugins(b).length > 0 && plugins(a).length === 0)
      out.push(finding(plan, 'data-loss.backup-removed', s, 'spec.plugins', plugins(b), plugins(a), 'WAL archiving no longer configured'));
    else if (!deepEqual(plugins(b), plugins(a)))
      out.push(
        finding(
          plan,
          'data-loss.backup-destination-changed',
          s,
          'spec.plugins',
          plugins(b),
          plugins(a),
          'WAL archiving goes to another object store',
        ),
      );
    lower(
      'spec.backup.retentionPolicy',
      durationHours(b.spec?.backup?.retentionPolicy, true),
      durationHours(a.spec?.backup?.retentionPolicy, true),
      b.spec?.backup?.retentionPolicy,
      a.spec?.backup?.retentionPolicy,
      'base backups kept for less time',
    );
  }
  if (gk === 'moco.cybozu.com/MySQLCluster' && b.spec?.backupPolicyName && !a.spec?.backupPolicyName)
    out.push(
      finding(plan, 'data-loss.backup-removed', s, 'spec.backupPolicyName', b.spec.backupPolicyName, undefined, 'MOCO backups no longer configured'),
    );
  if (gk === 'moco.cybozu.com/BackupPolicy') {
    const dest = (o: Json) => o.spec?.jobConfig?.bucketConfig;
    if (!deepEqual(dest(b), dest(a)))
      out.push(
        finding(
          plan,
          'data-loss.backup-destination-changed',
          s,
          'spec.jobConfig.bucketConfig',
          dest(b),
          dest(a),
          'MOCO backups go to another bucket',
        ),
      );
  }
  if (gk === 'psmdb.percona.com/PerconaServerMongoDB') {
    const storages = (o: Json) => o.spec?.backup?.storages;
    if (!deepEqual(storages(b), storages(a)))
      out.push(
        finding(plan, 'data-loss.backup-destination-changed', s, 'spec.backup.storages', storages(b), storages(a), 'backups go to another place'),
      );
    const tasks = (o: Json) => new Map(((o.spec?.backup?.tasks ?? []) as Json[]).filter((t) => t.enabled !== false).map((t) => [t.name, t]));
    for (const [name, t] of tasks(b)) {
      const n = tasks(a).get(name);
      if (!n)
        out.push(
          finding(plan, 'data-loss.backup-removed', s, `spec.backup.tasks[${name}]`, name, undefined, `backup task ${name} removed or disabled`),
        );
      else
        lower(
          `spec.backup.tasks[${name}].retention.count`,
          t.retention?.count ?? t.keep,
          n.retention?.count ?? n.keep,
          t.retention?.count ?? t.keep,
          n.retention?.count ?? n.keep,
          'fewer backups kept',
        );
    }
    if (b.spec?.backup?.enabled !== false && a.spec?.backup?.enabled === false)
      out.push(finding(plan, 'data-loss.backup-removed', s, 'spec.backup.enabled', true, false, 'backups disabled'));
  }
  if (gk === 'monitoring.coreos.com/Prometheus')
    lower(
      'spec.retention',
      durationHours(b.spec?.retention),
      durationHours(a.spec?.retention),
      b.spec?.retention,
      a.spec?.retention,
      'metrics kept for less time',
    );
  return out;
}
