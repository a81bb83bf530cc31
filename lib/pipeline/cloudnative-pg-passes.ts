import { ApiObject, App, Chart } from 'cdk8s';
import { formatBytes, formatCpu, parseQuantity } from '../core/quantity';
import { BARMAN_CLOUD_SIDECAR_RESOURCES } from '../data/cloudnative-pg-cluster';
import { Json } from '../core/json';
import { SystemChart } from '../core/system-chart';
import { toYamlDocument } from '../core/yaml';
import { Postgres } from '../data/postgres';
import { BARMAN_CLOUD_PLUGIN } from '../data/postgres-engine';
import { ARGOCD_NAMESPACE } from '../gitops/argocd-applications';
import { SystemAlerts } from '../observability/system-alerts';
import { writersOf } from './restore-runbook';

/**
 * The README section of every PostgreSQL store on CloudNativePG: where its WAL archive and
 * base backups are, how much data a restore can lose, and the point-in-time recovery, with
 * the real names of the cluster, its ObjectStore, namespace and database.
 */
export function cloudNativePgReadmeSections(chart: SystemChart): string[] {
  const stores = chart.node.findAll().filter((c): c is Postgres => c instanceof Postgres && Chart.of(c) === chart && c.cloudNativePg !== undefined);
  const runbooks = stores.map((store) => runbook(chart, store));
  return runbooks.length === 0
    ? []
    : [['## PostgreSQL on CloudNativePG: backups and point-in-time recovery', ...runbooks.flatMap((r) => ['', r])].join('\n')];
}

function cloudNativePgStores(chart: Chart): Postgres[] {
  return chart.node.findAll().filter((c): c is Postgres => c instanceof Postgres && Chart.of(c) === chart && c.cloudNativePg !== undefined);
}

const WATCHED = new WeakSet<Postgres>();

/**
 * Synth pass: the recovery point objective of every CloudNativePG store with backups and a
 * PodMonitor is watched by the system's alerts: WAL archiving that has been failing for
 * longer than the rpo (the operator's exporter reports pg_stat_archiver on the primary) means
 * a restore would lose more than promised. Once per store, however often the app is synthesized.
 */
export function watchCloudNativePgArchives(app: App): void {
  for (const chart of app.node.children.filter(SystemChart.isSystemChart)) {
    const alerts = SystemAlerts.of(chart);
    if (!alerts) continue;
    for (const store of cloudNativePgStores(chart)) {
      const archive = store.archiveSettings;
      if (WATCHED.has(store) || !archive || !store.cloudNativePg?.podMonitorName) continue;
      WATCHED.add(store);
      const selector = `namespace="${chart.namespaceName}",pod=~"${store.name}-[0-9]+"`;
      const metric = (m: string) => `max by (namespace, pod) (cnpg_pg_stat_archiver_${m}{${selector}})`;
      const rpo = durationText(archive.archiveTimeoutSeconds);
      alerts.addAlert({
        name: `WalArchiveFailing${pascal(store.name)}`,
        expr: `${metric('last_failed_time')} > ${metric('last_archived_time')}`,
        for: rpo,
        severity: 'critical',
        summary: `WAL archiving of {{ $labels.pod }} has been failing for ${rpo}: the ${rpo} recovery point objective of ${store.name} is not met`,
        description:
          `The primary of CloudNativePG cluster ${store.name} cannot archive WAL to ${archive.destinationPath}/${archive.serverName}/ ` +
          `(the Barman Cloud plugin's sidecar logs say why: credentials, bucket, network). Until it succeeds, a restore loses everything ` +
          'since the last archived segment, and WAL accumulates on the volume.',
      });
    }
  }
}

/** A Prometheus duration for whole seconds (`5m`, `90s`, `1h`). */
function durationText(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

function pascal(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

function runbook(chart: SystemChart, store: Postgres): string {
  const ns = chart.namespaceName;
  const env = chart.environment.name;
  const name = store.name;
  const cluster = store.cloudNativePg!;
  const spec = cluster.cluster.toJson().spec as Json;
  const archive = store.archiveSettings;
  const header = [
    `### ${name} (CloudNativePG Cluster \`${name}\`, ${spec.instances} instances)`,
    '',
    `- **Endpoints**: \`${name}-rw.${ns}.svc\` (the primary; what \`connect()\` gives) and \`${name}-ro.${ns}.svc\` (the standbys, \`connect(..., { readOnly: true })\`). The operator fails over to a standby when the primary is lost.`,
  ];
  if (!archive || !cluster.objectStoreName) {
    return [...header, '- **Backups**: none (no `engine.backup`): a lost cluster cannot be recovered.'].join('\n');
  }
  const pitr = `${name}-pitr`;
  const recovery = {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name: pitr, namespace: ns },
    spec: {
      instances: 1,
      imageName: spec.imageName,
      // The store's labels: its NetworkPolicy (operator, API server, the bucket) applies to the restored instance too.
      inheritedMetadata: spec.inheritedMetadata,
      storage: spec.storage,
      resources: spec.resources,
      bootstrap: {
        recovery: { source: name, database: store.database, owner: store.user, recoveryTarget: { targetTime: '2026-11-30 14:05:00+00' } },
      },
      externalClusters: [
        { name, plugin: { name: BARMAN_CLOUD_PLUGIN, parameters: { barmanObjectName: cluster.objectStoreName, serverName: archive.serverName } } },
      ],
    },
  };
  const writers = writersOf(chart, name);
  const quotaPatch = restoreQuotaPatch(chart, spec);
  const primary = `$(kubectl -n ${ns} get pod -l cnpg.io/cluster=${name},cnpg.io/instanceRole=primary -o name)`;
  return [
    ...header,
    `- **WAL archive and base backups**: \`${archive.destinationPath}/${archive.serverName}/\` (\`wals/\` and \`base/\`) at ${archive.endpointUrl}, through the Barman Cloud plugin (ObjectStore \`${cluster.objectStoreName}\`), gzip-compressed; kept ${cluster.retentionPolicy ?? ''} (older base backups and the WAL only they need are deleted by the plugin).`,
    `- **Recovery point**: \`archive_timeout = ${archive.archiveTimeout}\`: a WAL segment is archived at least every ${archive.archiveTimeout}, so a restore loses at most the last ${archive.archiveTimeout} of commits (usually less: full segments are archived at once).`,
    `- **Base backups**: ScheduledBackup \`${cluster.scheduledBackupName}\` (\`${spec.instances > 1 ? 'prefer-standby' : 'primary'}\`); the recovery window (\`kubectl -n ${ns} get objectstore ${cluster.objectStoreName} -o jsonpath='{.status.serverRecoveryWindow}'\`) starts at the oldest kept base backup.`,
    '',
    'Point-in-time recovery into a new cluster, then copy back (the running cluster, its archive and its timeline stay untouched):',
    '',
    '```sh',
    `# 1. Stop Argo CD from undoing the next steps, and stop the writers${writers.length ? ` (${writers.join(', ')})` : ''}.`,
    `kubectl -n ${ARGOCD_NAMESPACE} patch application ${chart.system}-${env} --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'`,
    ...writers.map((w) => `kubectl -n ${ns} scale deployment/${w} --replicas=0`),
    ...(quotaPatch
      ? [
          `# 2. Make room in the namespace's ResourceQuota for one more instance and its volume (the last step's sync puts it back).`,
          `kubectl -n ${ns} patch resourcequota ${quotaPatch.name} --type merge -p '${JSON.stringify({ spec: { hard: quotaPatch.hard } })}'`,
        ]
      : []),
    `# ${quotaPatch ? 3 : 2}. Restore to the moment just before the damage (UTC): save the Cluster below as ${pitr}.yaml with that targetTime.`,
    `kubectl apply -f ${pitr}.yaml`,
    `kubectl -n ${ns} wait cluster/${pitr} --for=condition=Ready --timeout=4h`,
    `# ${quotaPatch ? 4 : 3}. Check the restored data.`,
    `kubectl -n ${ns} exec ${pitr}-1 -c postgres -- psql -d ${store.database} -c '\\dt+'`,
    `# ${quotaPatch ? 5 : 4}. Copy it into ${name}'s primary (as the owner ${store.user}; --clean replaces what the damage left).`,
    `kubectl -n ${ns} exec ${pitr}-1 -c postgres -- pg_dump -Fc -d ${store.database} \\`,
    `  | kubectl -n ${ns} exec -i ${primary} -c postgres -- pg_restore --clean --if-exists --no-owner --role=${store.user} -d ${store.database}`,
    `# ${quotaPatch ? 6 : 5}. Remove the restored cluster and give the system back to Argo CD (the sync restores the replicas and the quota).`,
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

/**
 * The system's ResourceQuota raised by what the restored cluster's one instance needs (its
 * postgres container, the Barman Cloud sidecar, one pod and one volume); undefined without a quota.
 */
function restoreQuotaPatch(chart: SystemChart, spec: Json): { name: string; hard: Record<string, string> } | undefined {
  const quota = chart.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'ResourceQuota' && Chart.of(c) === chart);
  if (!quota) return undefined;
  const hard = (quota.toJson().spec?.hard ?? {}) as Record<string, string>;
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
  for (const [key, current] of Object.entries(hard)) {
    const [add, unit] = extra[key] ?? [0, 'count'];
    const total = (parseQuantity(current) ?? 0) + add;
    raised[key] = unit === 'cpu' ? formatCpu(total) : unit === 'bytes' ? formatBytes(total) : String(total);
  }
  return { name: quota.metadata.name!, hard: raised };
}
