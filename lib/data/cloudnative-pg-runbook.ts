import { Json } from '../core/json';
import { formatBytes, formatCpu, parseQuantity } from '../core/quantity';
import { toYamlDocument } from '../core/yaml';
import { BARMAN_CLOUD_SIDECAR_RESOURCES } from './cloudnative-pg-cluster';
import { BARMAN_CLOUD_PLUGIN, CloudNativePgArchiveSettings } from './cloudnative-pg-settings';
import { stopWritersCommands, type RunbookContext } from './store-engine';

/** What the runbook of one CloudNativePG store names. */
export interface CloudNativePgRunbookInput {
  readonly name: string;
  readonly namespace: string;
  readonly environment: string;
  readonly system: string;
  readonly database: string;
  readonly owner: string;
  /** The rendered Cluster's spec (image, storage, resources, labels the restored cluster copies). */
  readonly spec: Json;
  /** Undefined without backups. */
  readonly archive?: CloudNativePgArchiveSettings;
  readonly objectStoreName?: string;
  readonly retentionPolicy?: string;
  readonly scheduledBackupName?: string;
  /** The database has the TimescaleDB extension (flavour `timescaledb`): the copy back brackets pg_restore with its restore mode. @default false */
  readonly timescale?: boolean;
  /** The origin's archive when the cluster is a replica cluster (`engine.replicaOf`). @default - none */
  readonly origin?: CloudNativePgArchiveSettings;
  /** The ObjectStore of the origin's archive. @default - none */
  readonly originObjectStoreName?: string;
}

/** The README lines of a replica cluster: what it replays, and its promotion when the backup site takes over. */
function replicaLines(store: CloudNativePgRunbookInput, argocdNamespace: string): string[] {
  const { origin, name, namespace: ns } = store;
  if (!origin) return [];
  return [
    `- **Replica of** \`${origin.destinationPath}/${origin.serverName}/\` (ObjectStore \`${store.originObjectStoreName}\`): bootstrapped from the origin's latest base backup, replaying its WAL as it is archived, read-only.`,
    '',
    'Promotion, when this site takes over from the origin (Argo CD would demote it again from Git until `engine.replicaOf` is removed from the chart):',
    '',
    '```sh',
    `kubectl -n ${argocdNamespace} patch application ${store.system}-${store.environment} --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'`,
    `kubectl -n ${ns} patch cluster ${name} --type merge -p '{"spec":{"replica":{"enabled":false}}}'`,
    `kubectl -n ${ns} wait cluster/${name} --for=condition=Ready --timeout=30m`,
    '```',
    '',
  ];
}

/**
 * The README section of a PostgreSQL store on CloudNativePG: where its WAL archive and base
 * backups are, how much data a restore can lose, and the point-in-time recovery into a new
 * cluster with the copy back, with the real names of the cluster, its ObjectStore, namespace
 * and database.
 */
export function cloudNativePgRunbook(store: CloudNativePgRunbookInput, context: RunbookContext): string {
  const { name, namespace: ns, environment: env, spec, archive } = store;
  const header = [
    `### ${name} (CloudNativePG Cluster \`${name}\`, ${spec.instances} instances)`,
    '',
    `- **Endpoints**: \`${name}-rw.${ns}.svc\` (the primary; what \`connect()\` gives) and \`${name}-ro.${ns}.svc\` (the standbys, \`connect(..., { readOnly: true })\`). The operator fails over to a standby when the primary is lost.`,
  ];
  header.push(...replicaLines(store, context.argocdNamespace));
  if (!archive || !store.objectStoreName) {
    const none = store.origin
      ? "- **Backups**: none of its own (no `engine.backup`): its data is the origin's, in the origin's archive above; give it one before promoting it for long."
      : '- **Backups**: none (no `engine.backup`): a lost cluster cannot be recovered.';
    return [...header, none].join('\n');
  }
  const pitr = `${name}-pitr`;
  const recovery = {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name: pitr, namespace: ns },
    spec: {
      instances: 1,
      // The same image, from the store's ImageCatalog where it has one, run as the image's user
      // and with the same preloaded libraries: the restored data needs the same extensions.
      ...pick(spec, ['imageName', 'imageCatalogRef', 'postgresUID', 'postgresGID']),
      ...(spec.postgresql?.shared_preload_libraries ? { postgresql: { shared_preload_libraries: spec.postgresql.shared_preload_libraries } } : {}),
      // The store's labels: its NetworkPolicy (operator, API server, the bucket) applies to the restored instance too.
      inheritedMetadata: spec.inheritedMetadata,
      storage: spec.storage,
      resources: spec.resources,
      bootstrap: {
        recovery: { source: name, database: store.database, owner: store.owner, recoveryTarget: { targetTime: '2026-11-30 14:05:00+00' } },
      },
      externalClusters: [
        { name, plugin: { name: BARMAN_CLOUD_PLUGIN, parameters: { barmanObjectName: store.objectStoreName, serverName: archive.serverName } } },
      ],
    },
  };
  const writers = context.writers.map((w) => w.name);
  const quotaPatch = context.resourceQuota ? raisedQuota(context.resourceQuota, spec) : undefined;
  const primary = `$(kubectl -n ${ns} get pod -l cnpg.io/cluster=${name},cnpg.io/instanceRole=primary -o name)`;
  const step = (n: number) => (quotaPatch ? n + 1 : n);
  return [
    ...header,
    `- **WAL archive and base backups**: \`${archive.destinationPath}/${archive.serverName}/\` (\`wals/\` and \`base/\`) at ${archive.endpointUrl}, through the Barman Cloud plugin (ObjectStore \`${store.objectStoreName}\`), gzip-compressed; kept ${store.retentionPolicy ?? ''} (older base backups and the WAL only they need are deleted by the plugin).`,
    `- **Recovery point**: \`archive_timeout = ${archive.archiveTimeout}\`: a WAL segment is archived at least every ${archive.archiveTimeout}, so a restore loses at most the last ${archive.archiveTimeout} of commits (usually less: full segments are archived at once).`,
    `- **Base backups**: ScheduledBackup \`${store.scheduledBackupName}\` (\`${spec.instances > 1 ? 'prefer-standby' : 'primary'}\`); the recovery window (\`kubectl -n ${ns} get objectstore ${store.objectStoreName} -o jsonpath='{.status.serverRecoveryWindow}'\`) starts at the oldest kept base backup.`,
    '',
    'Point-in-time recovery into a new cluster, then copy back (the running cluster, its archive and its timeline stay untouched):',
    '',
    '```sh',
    `# 1. Stop Argo CD from undoing the next steps, and stop the writers${writers.length ? ` (${writers.join(', ')})` : ''}.`,
    `kubectl -n ${context.argocdNamespace} patch application ${store.system}-${env} --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'`,
    ...stopWritersCommands(ns, context.writers),
    ...(quotaPatch
      ? [
          `# 2. Make room in the namespace's ResourceQuota for one more instance and its volume (the last step's sync puts it back).`,
          `kubectl -n ${ns} patch resourcequota ${quotaPatch.name} --type merge -p '${JSON.stringify({ spec: { hard: quotaPatch.hard } })}'`,
        ]
      : []),
    `# ${step(2)}. Restore to the moment just before the damage (UTC): save the Cluster below as ${pitr}.yaml with that targetTime.`,
    `kubectl apply -f ${pitr}.yaml`,
    `kubectl -n ${ns} wait cluster/${pitr} --for=condition=Ready --timeout=4h`,
    `# ${step(3)}. Check the restored data.`,
    `kubectl -n ${ns} exec ${pitr}-1 -c postgres -- psql -d ${store.database} -c '\\dt+'`,
    ...(store.timescale ? timescaleCopyBack(store, pitr, primary, step(4)) : plainCopyBack(store, pitr, primary, step(4))),
    `# ${step(5)}. Remove the restored cluster and give the system back to Argo CD (the sync restores the replicas and the quota).`,
    `kubectl -n ${ns} delete cluster ${pitr}`,
    `kubectl apply --server-side -k dist/${env}/argocd`,
    '```',
    '',
    `\`${pitr}.yaml\` (it reads ${name}'s archive and writes none of its own):`,
    '',
    '```yaml',
    toYamlDocument(recovery).trimEnd(),
    '```',
  ].join('\n');
}

function plainCopyBack(store: CloudNativePgRunbookInput, pitr: string, primary: string, n: number): string[] {
  const { namespace: ns, database: db } = store;
  return [
    `# ${n}. Copy it into ${store.name}'s primary (as the owner ${store.owner}; --clean replaces what the damage left).`,
    `kubectl -n ${ns} exec ${pitr}-1 -c postgres -- pg_dump -Fc -d ${db} \\`,
    `  | kubectl -n ${ns} exec -i ${primary} -c postgres -- pg_restore --clean --if-exists --no-owner --role=${store.owner} -d ${db}`,
  ];
}

/**
 * TimescaleDB's way (its docs, "pg_dump and pg_restore"): into an empty database with the
 * extension, between timescaledb_pre_restore() and timescaledb_post_restore(), which stop and
 * restart its background jobs and let its catalog be restored; as the superuser (the pod's
 * local connection), keeping the owners the dump names.
 */
function timescaleCopyBack(store: CloudNativePgRunbookInput, pitr: string, primary: string, n: number): string[] {
  const { namespace: ns, database: db } = store;
  const psql = (database: string, ...sql: string[]) =>
    `kubectl -n ${ns} exec ${primary} -c postgres -- psql -v ON_ERROR_STOP=1 -d ${database} ${sql.map((q) => `-c '${q}'`).join(' ')}`;
  return [
    `# ${n}. Copy it into ${store.name}'s primary: ${db} recreated empty (owned by ${store.owner}) with TimescaleDB in its restore mode, then the dump.`,
    psql('postgres', `DROP DATABASE ${db} WITH (FORCE)`, `CREATE DATABASE ${db} OWNER ${store.owner}`),
    psql(db, 'CREATE EXTENSION timescaledb', 'SELECT timescaledb_pre_restore()'),
    `kubectl -n ${ns} exec ${pitr}-1 -c postgres -- pg_dump -Fc -d ${db} \\`,
    `  | kubectl -n ${ns} exec -i ${primary} -c postgres -- pg_restore -d ${db}`,
    psql(db, 'SELECT timescaledb_post_restore()'),
  ];
}

/** The keys of `spec` among `keys` that it has. */
function pick(spec: Json, keys: readonly string[]): Json {
  return Object.fromEntries(keys.filter((k) => spec[k] !== undefined).map((k) => [k, spec[k]]));
}

/**
 * The system's ResourceQuota raised by what the restored cluster's one instance needs (its
 * postgres container, the Barman Cloud sidecar, one pod and one volume).
 */
function raisedQuota(quota: NonNullable<RunbookContext['resourceQuota']>, spec: Json): { name: string; hard: Record<string, string> } {
  const container = spec.resources as Json;
  const sidecar = BARMAN_CLOUD_SIDECAR_RESOURCES as Json;
  const sum = (kind: 'requests' | 'limits', resource: string, sidecarKey: string) =>
    (parseQuantity(container?.[kind]?.[resource]) ?? 0) + (parseQuantity(sidecar[kind]?.[sidecarKey]) ?? 0);
  const extra: Record<string, [number, 'cpu' | 'bytes' | 'count']> = {
    pods: [1, 'count'],
    persistentvolumeclaims: [1, 'count'],
    'requests.storage': [parseQuantity(spec.storage?.size) ?? 0, 'bytes'],
  };
  for (const kind of ['requests', 'limits'] as const) {
    extra[`${kind}.cpu`] = [sum(kind, 'cpu', 'cpu'), 'cpu'];
    extra[`${kind}.memory`] = [sum(kind, 'memory', 'memory'), 'bytes'];
    extra[`${kind}.ephemeral-storage`] = [sum(kind, 'ephemeral-storage', 'ephemeralStorage'), 'bytes'];
  }
  const raised: Record<string, string> = {};
  for (const [key, current] of Object.entries(quota.hard)) {
    const [add, unit] = extra[key] ?? [0, 'count'];
    const total = (parseQuantity(current) ?? 0) + add;
    raised[key] = unit === 'cpu' ? formatCpu(total) : unit === 'bytes' ? formatBytes(total) : String(total);
  }
  return { name: quota.name, hard: raised };
}
