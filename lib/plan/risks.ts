import type { ChangeRiskId } from '../core/change-acknowledgement';

export type RiskClass = 'refused' | 'data-loss' | 'availability' | 'security';

/**
 * `blocking`: `plan --check` fails unless acknowledged. `blocking-in-prod`: blocking in the
 * prod environment, a warning elsewhere. `warning`: reported, never blocks.
 */
export type RiskSeverity = 'blocking' | 'blocking-in-prod' | 'warning';

export interface RiskDefinition {
  readonly id: ChangeRiskId;
  readonly class: RiskClass;
  readonly severity: RiskSeverity;
  /** One line: what happens. */
  readonly title: string;
  /** What to do instead, or how to roll it out. */
  readonly remedy: string;
}

const REPLACE =
  'recreate the object: annotate it `argocd.argoproj.io/sync-options: Replace=true` for the sync that carries the change (Argo CD deletes and creates it), or delete it first with `kubectl delete --cascade=orphan` (the pods keep running and the new object adopts them), then apply';

/** Every risk class, by id. The ids are stable (acknowledgements name them). */
export const RISKS: Readonly<Record<ChangeRiskId, RiskDefinition>> = {
  'refused.selector-changed': {
    id: 'refused.selector-changed',
    class: 'refused',
    severity: 'blocking',
    title: 'the API server refuses a changed selector (spec.selector is immutable)',
    remedy: `keep the selector (change labels only in the pod template), or ${REPLACE}`,
  },
  'refused.statefulset-field-changed': {
    id: 'refused.statefulset-field-changed',
    class: 'refused',
    severity: 'blocking',
    title:
      'the API server refuses a change to an immutable StatefulSet field (only replicas, template, updateStrategy, persistentVolumeClaimRetentionPolicy, minReadySeconds, ordinals and revisionHistoryLimit may change)',
    remedy: `${REPLACE}; the claims of the old StatefulSet are kept and adopted when the claim template names do not change`,
  },
  'refused.job-field-changed': {
    id: 'refused.job-field-changed',
    class: 'refused',
    severity: 'blocking',
    title: "the API server refuses a changed Job template or selector (a Job's pod template is immutable)",
    remedy:
      'give the Job a new name (MigrationJob names carry a hash of their template for this), or delete the finished Job before the sync (Argo CD: `Replace=true`, or a hook with `hook-delete-policy: BeforeHookCreation`)',
  },
  'refused.claim-spec-changed': {
    id: 'refused.claim-spec-changed',
    class: 'refused',
    severity: 'blocking',
    title:
      "the API server refuses a change to a PersistentVolumeClaim's spec other than a storage increase (class, access modes, volume mode are immutable)",
    remedy: 'make a new claim with a new name, copy the data (or restore a backup into it), then remove the old one',
  },
  'refused.claim-shrunk': {
    id: 'refused.claim-shrunk',
    class: 'refused',
    severity: 'blocking',
    title: 'the API server refuses a smaller storage request (volumes cannot shrink)',
    remedy: 'keep the size; to really shrink, make a new smaller claim, copy the data and remove the old one',
  },
  'refused.claim-resize-needs-expansion': {
    id: 'refused.claim-resize-needs-expansion',
    class: 'refused',
    severity: 'warning',
    title: 'a larger storage request is accepted only for a bound claim whose StorageClass has allowVolumeExpansion: true',
    remedy:
      'check that the StorageClass allows expansion (`kubectl get storageclass <class> -o jsonpath={.allowVolumeExpansion}`); if not, make a new claim and copy the data',
  },
  'refused.service-cluster-ip-changed': {
    id: 'refused.service-cluster-ip-changed',
    class: 'refused',
    severity: 'blocking',
    title: 'the API server refuses a changed clusterIP, clusterIPs or IP family of a Service (e.g. a Service made headless, or headless no longer)',
    remedy: `give the new Service a new name, or ${REPLACE}`,
  },
  'refused.immutable-data-changed': {
    id: 'refused.immutable-data-changed',
    class: 'refused',
    severity: 'blocking',
    title: 'the API server refuses changed data of a Secret or ConfigMap marked immutable, and unmarking it',
    remedy: 'give the changed Secret or ConfigMap a new name (a content hash in the name), and point the pods at it',
  },
  'refused.role-ref-changed': {
    id: 'refused.role-ref-changed',
    class: 'refused',
    severity: 'blocking',
    title: 'the API server refuses a changed roleRef of a RoleBinding or ClusterRoleBinding',
    remedy: `${REPLACE}; or bind the new role with a new binding and remove the old one`,
  },
  'refused.custom-resource-field-changed': {
    id: 'refused.custom-resource-field-changed',
    class: 'refused',
    severity: 'blocking',
    title: 'the API server refuses a change to a field its CustomResourceDefinition declares immutable (`self == oldSelf`)',
    remedy: REPLACE,
  },
  'refused.quota-exceeded': {
    id: 'refused.quota-exceeded',
    class: 'refused',
    severity: 'blocking',
    title:
      "the namespace's ResourceQuota refuses a new or larger claim: every claim of the baseline still counts when it is created (claims are never pruned, and pruning comes after the sync)",
    remedy: 'delete the old claims by hand once their data is copied, or raise the quota for the migration (SystemChart budget), then sync',
  },
  'data-loss.claim-removed': {
    id: 'data-loss.claim-removed',
    class: 'data-loss',
    severity: 'blocking',
    title: 'a PersistentVolumeClaim is removed: its volume (and data) is deleted unless the claim is kept from pruning and the volume retained',
    remedy:
      'take a backup first; keep the claim in the chart until the data is moved; the claims this library makes are never pruned by Argo CD (`Prune=false`), delete them by hand once the data is safe',
  },
  'data-loss.claim-renamed': {
    id: 'data-loss.claim-renamed',
    class: 'data-loss',
    severity: 'blocking',
    title: 'a PersistentVolumeClaim is renamed: the new claim starts empty and the old one (with the data) is orphaned or deleted',
    remedy: 'keep the old name (construct ids name claims), or copy the data into the new claim (a restore from the last backup) before switching',
  },
  'data-loss.statefulset-claims-orphaned': {
    id: 'data-loss.statefulset-claims-orphaned',
    class: 'data-loss',
    severity: 'blocking',
    title: 'a StatefulSet with volume claim templates is removed or renamed, or a template renamed: new pods get new, empty claims',
    remedy: 'keep the StatefulSet and template names; to move the data, restore a backup into the new store before switching clients',
  },
  'data-loss.database-cluster-removed': {
    id: 'data-loss.database-cluster-removed',
    class: 'data-loss',
    severity: 'blocking',
    title:
      'an operator database cluster (CloudNativePG Cluster, MOCO MySQLCluster, Percona PerconaServerMongoDB) is removed or renamed: the operator deletes its instances and, depending on the operator, their volumes',
    remedy: 'take and verify a backup; keep the resource (or the name) until the data is migrated and the restore is proven',
  },
  'data-loss.bucket-removed': {
    id: 'data-loss.bucket-removed',
    class: 'data-loss',
    severity: 'blocking',
    title: 'an object store bucket is no longer declared: it is no longer created, backed up or reachable by its users',
    remedy: 'copy its objects elsewhere first; keep the bucket declared until nothing reads it',
  },
  'data-loss.backup-removed': {
    id: 'data-loss.backup-removed',
    class: 'data-loss',
    severity: 'blocking',
    title: 'a backup schedule (CronJob, ScheduledBackup, BackupPolicy or a cluster backup setting) is removed: no new backups are taken',
    remedy: 'replace it in the same change (another schedule or a managed backup), or record why the data needs no backup (`noBackup({ reason })`)',
  },
  'data-loss.backup-destination-changed': {
    id: 'data-loss.backup-destination-changed',
    class: 'data-loss',
    severity: 'blocking',
    title: 'backups go to another destination: restores look in the new place, which holds no earlier backups',
    remedy: 'copy the existing backups to the new destination first, and check a restore from it',
  },
  'data-loss.storage-shrunk': {
    id: 'data-loss.storage-shrunk',
    class: 'data-loss',
    severity: 'blocking',
    title: 'storage is made smaller: volumes cannot shrink, and an operator that recreates them loses the data that does not fit',
    remedy: 'keep the size; migrate to a smaller store with a backup and restore',
  },
  'data-loss.storage-class-changed': {
    id: 'data-loss.storage-class-changed',
    class: 'data-loss',
    severity: 'blocking',
    title: 'the storage class changes: existing volumes stay in the old class, new ones start empty in the new class',
    remedy: 'migrate the data (backup, new store in the new class, restore), then switch',
  },
  'data-loss.retention-shortened': {
    id: 'data-loss.retention-shortened',
    class: 'data-loss',
    severity: 'blocking',
    title: 'retention is shortened: older backups or data are deleted at the next run',
    remedy: 'copy what must be kept longer before the change lands',
  },
  'data-loss.reclaim-policy-changed': {
    id: 'data-loss.reclaim-policy-changed',
    class: 'data-loss',
    severity: 'blocking',
    title: 'claims are no longer retained: deleting or scaling down the StatefulSet, or pruning the claim, deletes the volumes',
    remedy: 'keep `Retain` (and `Prune=false`, `Delete=false` on claims) for stores whose data matters',
  },
  'availability.replicas-at-disruption-budget': {
    id: 'availability.replicas-at-disruption-budget',
    class: 'availability',
    severity: 'blocking-in-prod',
    title: "replicas are at or below the PodDisruptionBudget's floor: no pod may be evicted, so node drains and cluster upgrades block",
    remedy: 'keep replicas above minAvailable (or lower the budget with it)',
  },
  'availability.quorum-weakened': {
    id: 'availability.quorum-weakened',
    class: 'availability',
    severity: 'blocking-in-prod',
    title: 'a replicated store gets fewer members or an even number: it tolerates fewer failures (an even count adds none over the odd one below)',
    remedy: 'keep an odd number of members, at least 3 in prod',
  },
  'availability.probe-removed': {
    id: 'availability.probe-removed',
    class: 'availability',
    severity: 'blocking-in-prod',
    title: 'a readiness, liveness or startup probe is removed: traffic reaches pods that are not ready, or hung pods are not restarted',
    remedy: 'keep the probe (or replace it by another in the same change)',
  },
  'availability.autoscaler-minimum-lowered': {
    id: 'availability.autoscaler-minimum-lowered',
    class: 'availability',
    severity: 'blocking-in-prod',
    title: "the autoscaler's minimum is lowered: fewer pods are kept for a sudden load",
    remedy: 'lower it in steps, watching latency and saturation',
  },
  'security.pod-security-lowered': {
    id: 'security.pod-security-lowered',
    class: 'security',
    severity: 'blocking',
    title: "the namespace's enforced Pod Security level is lowered: pods with more privileges are admitted",
    remedy: 'keep the level; grant the one workload that needs it a declared security exception',
  },
  'security.exception-added': {
    id: 'security.exception-added',
    class: 'security',
    severity: 'blocking',
    title: 'a pod gets more privileges (capabilities, root, a writable root filesystem, privilege escalation, host access)',
    remedy: 'review the reason with the security owner; prefer an image that needs no privilege',
  },
  'security.network-policy-widened': {
    id: 'security.network-policy-widened',
    class: 'security',
    severity: 'blocking',
    title: 'a NetworkPolicy admits more traffic (a new peer or port, all namespaces, any address) or is removed',
    remedy: 'name the exact peers and ports',
  },
  'security.public-route-added': {
    id: 'security.public-route-added',
    class: 'security',
    severity: 'blocking',
    title: 'a new public host or path is exposed',
    remedy: 'review what it exposes (authentication, rate limits, TLS) before it goes live',
  },
  'security.tls-removed': {
    id: 'security.tls-removed',
    class: 'security',
    severity: 'blocking',
    title: 'TLS is removed from a public host: traffic goes in clear text',
    remedy: 'keep TLS (an issuer per environment: issuerForEnvironment)',
  },
  'security.secret-key-dropped': {
    id: 'security.secret-key-dropped',
    class: 'security',
    severity: 'blocking',
    title: 'a key is dropped from a secret while pods still read it: they fail to start (CreateContainerConfigError)',
    remedy: 'remove the references first (or in the same change), then the key',
  },
};

/** The severity of a risk in an environment. */
export function severityIn(risk: ChangeRiskId, environment: string): 'blocking' | 'warning' {
  const s = RISKS[risk].severity;
  return s === 'blocking' || (s === 'blocking-in-prod' && environment === 'prod') ? 'blocking' : 'warning';
}
