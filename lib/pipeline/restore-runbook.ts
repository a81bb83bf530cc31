import type { SystemChart } from '../core/system-chart';
import { ARGOCD_NAMESPACE } from '../gitops/argocd-applications';
import { Architecture } from '../gitops/architecture';
import type { BackupSchedule } from '../backup/backup-schedule';
import type { BucketBackup } from '../data/bucket-backup';
import { ENGINE_COMMANDS } from '../backup/engine-commands';
import { stopWritersCommands, type StoreWriter } from '../data/store-engine';
import { StatefulStore } from '../data/stateful-store';
import { MigrationJob } from '../workloads/migration-job';
import { ScheduledTask } from '../workloads/scheduled-task';
import { ReplicatedWorkload } from '../workloads/replicated-workload';
import { Workload } from '../workloads/workload';

/**
 * The "Backups and restore" part of a system README for one store: what is backed up,
 * where and how long, and the exact commands that restore it. Generated at synth from the
 * BackupSchedule that writes the CronJob and the restore Job, so it names their real objects.
 */
export function restoreRunbook(backup: BackupSchedule): string {
  const store = backup.store;
  const chart = backup.chart;
  const ns = chart.namespaceName;
  const env = chart.environment.name;
  const restoreName = backup.restoreJob.name;
  const restoreFile = `dist/${env}/${chart.system}/restore/job-${restoreName}.yaml`;
  const engine = ENGINE_COMMANDS[backup.store.backupEngine];
  const target = backup.target;
  const where =
    target.kind === 'volume'
      ? `the volume claim \`${store.name}-backups\` (${target.volume.size}; Argo CD never prunes it)`
      : `\`s3://${target.s3.bucket}/${target.s3.prefix ?? `${ns}/${store.name}`}/\`${target.s3.endpoint ? ` on ${target.s3.endpoint}` : ' (AWS S3)'}`;
  const stop = writersOf(chart, store.name);
  const writers = stop.map((w) => w.name);
  const runJob = (id: string) => `kubectl set env --local -f ${restoreFile} BACKUP_ID=${id} -o yaml | kubectl -n ${ns} create -f -`;
  return [
    `### ${store.name} (${backup.store.backupEngine})`,
    '',
    `- **Schedule**: \`${backup.effectiveSchedule}\` (${backup.backupTimeZone ?? 'UTC'}), CronJob \`${backup.name}\`; a failed run, or no successful run for longer than the schedule's period, raises an alert.`,
    `- **Where**: ${where}, one folder per backup named by its UTC start time (e.g. \`20261125T020000Z\`) with the dump and \`SHA256SUMS\`.`,
    `- **Kept**: the newest ${backup.keep}, none older than ${backup.maxAgeDays} days (the newest is always kept). A backup is kept only after the engine's own tools read it back.`,
    `- **A restore**: ${engine.restoreSemantics}.`,
    '',
    'To restore:',
    '',
    '```sh',
    `# 1. Stop Argo CD from undoing the next step, and stop the writers${writers.length ? ` (${writers.join(', ')})` : ''}.`,
    `kubectl -n ${ARGOCD_NAMESPACE} patch application ${chart.system}-${env} --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'`,
    ...stopWritersCommands(ns, stop),
    '# 2. Choose the backup: a name from this list (the restore Job with BACKUP_ID=list prints',
    '#    them and changes nothing), or `latest`.',
    `kubectl -n ${ns} delete job ${restoreName} --ignore-not-found`,
    runJob('list'),
    `kubectl -n ${ns} wait --for=condition=complete job/${restoreName} --timeout=10m`,
    `kubectl -n ${ns} logs job/${restoreName} --all-containers`,
    `# 3. Run the restore Job with that name (it checks the checksums and the dump before touching ${store.name}).`,
    `kubectl -n ${ns} delete job ${restoreName} --ignore-not-found`,
    runJob('<name>'),
    `kubectl -n ${ns} wait --for=condition=complete job/${restoreName} --timeout=4h`,
    `kubectl -n ${ns} logs job/${restoreName} --all-containers`,
    '# 4. Check the data, then give the system back to Argo CD: the Application from Git turns',
    '#    automated sync back on, and the sync restores the replicas.',
    `kubectl apply --server-side -k dist/${env}/argocd`,
    '```',
  ].join('\n');
}

/**
 * The runbook of an ObjectStore's bucket backup: where the copy is, what a run checks, and the
 * commands that put the objects back (all buckets, or the ones named in BUCKETS).
 */
export function bucketRestoreRunbook(backup: BucketBackup): string {
  const store = backup.store;
  const chart = backup.chart;
  const ns = chart.namespaceName;
  const env = chart.environment.name;
  const restoreName = backup.restoreJob.name;
  const restoreFile = `dist/${env}/${chart.system}/restore/job-${restoreName}.yaml`;
  const target = backup.target;
  const buckets = backup.buckets.map((b) => b.name);
  const where =
    target.kind === 'volume'
      ? `the volume claim \`${store.name}-backups\` (${target.volume.size}; Argo CD never prunes it)`
      : `\`s3://${target.s3.bucket}/${target.s3.prefix ?? `${ns}/${store.name}`}/\`${target.s3.endpoint ? ` on ${target.s3.endpoint}` : ' (AWS S3)'}`;
  const stop = writersOf(chart, store.name);
  const writers = stop.map((w) => w.name);
  return [
    `### ${store.name} (MinIO buckets: ${buckets.join(', ')})`,
    '',
    `- **Schedule**: \`${backup.effectiveSchedule}\` (${backup.backupTimeZone ?? 'UTC'}), CronJob \`${backup.name}\`; a failed run, or no successful run for longer than the schedule's period, raises an alert.`,
    `- **Where**: ${where}, one folder per bucket (\`mc mirror\`: only new and changed objects travel) and \`<bucket>.SHA256SUMS\`, the bucket as it was at the last run.`,
    '- **Checked**: every run reads each object on both sides and compares their sha256; a difference fails the run. An object deleted from the bucket stays in the copy; an overwritten one is overwritten there too (versioning on the target keeps the old one).',
    '- **A restore**: every object listed in `<bucket>.SHA256SUMS` is checked in the copy, then written back into the bucket (replacing objects of the same name) and checked again; objects the backup does not list are left alone.',
    '',
    'To restore:',
    '',
    '```sh',
    `# 1. Stop Argo CD from undoing the next step, and stop the writers${writers.length ? ` (${writers.join(', ')})` : ''}.`,
    `kubectl -n ${ARGOCD_NAMESPACE} patch application ${chart.system}-${env} --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'`,
    ...stopWritersCommands(ns, stop),
    `# 2. Run the restore Job: every bucket (${buckets.join(', ')}), or only those named in RESTORE_BUCKETS.`,
    `kubectl -n ${ns} delete job ${restoreName} --ignore-not-found`,
    `kubectl set env --local -f ${restoreFile} RESTORE_BUCKETS='${buckets.join(' ')}' -o yaml | kubectl -n ${ns} create -f -`,
    `kubectl -n ${ns} wait --for=condition=complete job/${restoreName} --timeout=8h`,
    `kubectl -n ${ns} logs job/${restoreName}`,
    '# 3. Check the data, then give the system back to Argo CD (automated sync back on, replicas restored).',
    `kubectl apply --server-side -k dist/${env}/argocd`,
    '```',
  ].join('\n');
}

/** The workloads that connect to store `name` (the writers a restore must stop), with the kind of object that runs each, sorted, once each. */
export function writersOf(chart: SystemChart, name: string): StoreWriter[] {
  return writersByStore(chart).get(name) ?? [];
}

/** writersOf for every store of the chart at once: one pass over the architecture's edges and one over the tree. */
export function writersByStore(chart: SystemChart): Map<string, StoreWriter[]> {
  const writers = new Map<string, Set<string>>();
  for (const e of Architecture.of(chart).allEdges) {
    if (e.kind !== 'connect') continue;
    const set = writers.get(e.to) ?? new Set<string>();
    set.add(e.from);
    writers.set(e.to, set);
  }
  if (writers.size === 0) return new Map();
  const workloads = new Map<string, Workload>();
  for (const c of chart.node.findAll()) if (c instanceof Workload && !workloads.has(c.name)) workloads.set(c.name, c);
  const writer = (name: string): StoreWriter => {
    const w = workloads.get(name);
    const kind =
      w instanceof ScheduledTask
        ? 'CronJob'
        : w instanceof MigrationJob
          ? 'Job'
          : w instanceof StatefulStore
            ? 'StatefulSet'
            : w instanceof ReplicatedWorkload && w.rollout
              ? 'Rollout'
              : 'Deployment';
    return { name, kind, ...(w instanceof MigrationJob ? { objectName: w.jobName } : {}) };
  };
  return new Map([...writers].map(([store, from]) => [store, [...from].sort().map(writer)]));
}
