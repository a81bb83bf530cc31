import type { SystemChart } from '../core/system-chart';
import { ARGOCD_NAMESPACE } from '../gitops/argocd-applications';
import { Architecture } from '../gitops/architecture';
import type { BackupSchedule } from '../backup/backup-schedule';
import type { BucketBackup } from '../data/bucket-backup';
import { ENGINE_COMMANDS } from '../backup/engine-commands';
import type { MocoCluster } from '../data/moco-cluster';
import type { MongoDb } from '../data/mongodb';
import type { MySql } from '../data/mysql';
import type { PerconaCluster } from '../data/psmdb-cluster';

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
  const writers = writersOf(chart, store.name);
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
    ...writers.map((w) => `kubectl -n ${ns} scale deployment/${w} --replicas=0`),
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
 * The runbook of a MySQL cluster run by MOCO: what its BackupPolicy keeps where, and the
 * point-in-time restore into the one-instance cluster `<name>-restore` (whose
 * NetworkPolicies and quota the chart already holds), then the copy back to the primary.
 */
export function mocoRestoreRunbook(store: MySql, moco: MocoCluster): string {
  const chart = store.chart;
  const ns = chart.namespaceName;
  const env = chart.environment.name;
  const name = store.name;
  const restore = moco.restoreName ?? `${name}-restore`;
  const target = moco.backupTarget;
  const where =
    target?.kind === 's3'
      ? `\`s3://${target.s3.bucket}/moco/${ns}/${name}/\`${target.s3.endpoint ? ` on ${target.s3.endpoint}` : ' (AWS S3)'}`
      : 'its bucket';
  const writers = writersOf(chart, store.name);
  const jq =
    `'{apiVersion, kind, metadata: {name: "${restore}"}, spec: (.spec | del(.backupPolicyName) | .replicas = 1 | ` +
    `.restore = {sourceName: "${name}", sourceNamespace: "${ns}", restorePoint: $t, jobConfig: $job})}'`;
  const copy =
    `'read -r src; read -r dst; MYSQL_PWD="$src" mysqldump --host=127.0.0.1 --user=moco-admin --single-transaction --set-gtid-purged=OFF ` +
    `--routines --triggers --databases ${store.database} | MYSQL_PWD="$dst" mysql --host=moco-${name}-primary.${ns}.svc --user=moco-writable'`;
  return [
    `### ${name} (MOCO, point-in-time recovery)`,
    '',
    `- **Schedule**: \`${moco.backupSchedule}\` (UTC), CronJob \`moco-backup-${name}\` made by MOCO from BackupPolicy \`${name}-backup\`; a failed run, or no successful run for longer than the schedule's period, raises an alert.`,
    `- **Where**: ${where}: each run uploads a full dump (MySQL Shell) and the binary logs since the previous run.`,
    `- **Recovery point**: any second from the first backup up to the latest run; at most one schedule period of transactions is lost with the whole cluster.`,
    "- **Kept**: MOCO deletes nothing; the bucket's lifecycle rule decides how long backups stay.",
    '',
    'To restore to a point in time:',
    '',
    '```sh',
    '# 1. The latest restorable point is the last backup run:',
    `kubectl -n ${ns} get mysqlcluster ${name} -o jsonpath='{.status.backup.time}{"\\n"}'`,
    `# 2. Restore into the one-instance cluster ${restore} at a UTC time (RFC 3339); its`,
    '#    NetworkPolicies and room in the quota are already in place.',
    "T='2026-01-01T00:00:00Z'",
    `JOB="$(kubectl -n ${ns} get backuppolicy ${name}-backup -o json | jq .spec.jobConfig)"`,
    `kubectl -n ${ns} get mysqlcluster ${name} -o json | jq --arg t "$T" --argjson job "$JOB" ${jq} | kubectl -n ${ns} create -f -`,
    `kubectl -n ${ns} wait --for=condition=Healthy mysqlcluster/${restore} --timeout=4h`,
    `# 3. Check the data (kubectl-moco plugin).`,
    `kubectl moco -n ${ns} mysql -u moco-readonly ${restore} -- --database=${store.database} -e 'SHOW TABLES'`,
    `# 4. To roll ${store.database} back to it: stop Argo CD and the writers${writers.length ? ` (${writers.join(', ')})` : ''}, then copy the database`,
    `#    from ${restore} to the primary (tables are dropped and recreated).`,
    `kubectl -n ${ARGOCD_NAMESPACE} patch application ${chart.system}-${env} --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'`,
    ...writers.map((w) => `kubectl -n ${ns} scale deployment/${w} --replicas=0`),
    `{ kubectl -n ${ns} get secret moco-${restore} -o jsonpath='{.data.ADMIN_PASSWORD}' | base64 -d; echo;`,
    `  kubectl -n ${ns} get secret moco-${name} -o jsonpath='{.data.WRITABLE_PASSWORD}' | base64 -d; echo; } |`,
    `  kubectl -n ${ns} exec -i moco-${restore}-0 -c mysqld -- bash -c ${copy}`,
    `# 5. Remove the restored cluster and give the system back to Argo CD.`,
    `kubectl -n ${ns} delete mysqlcluster ${restore}`,
    `kubectl apply --server-side -k dist/${env}/argocd`,
    '```',
  ].join('\n');
}

/**
 * The runbook of a MongoDB replica set run by the Percona operator: what PBM keeps where,
 * and the in-place point-in-time restore through a `PerconaServerMongoDBRestore`.
 */
export function perconaRestoreRunbook(store: MongoDb, percona: PerconaCluster): string {
  const chart = store.chart;
  const ns = chart.namespaceName;
  const env = chart.environment.name;
  const name = store.name;
  const target = percona.backupTarget;
  const where =
    target?.kind === 's3'
      ? `\`s3://${target.s3.bucket}/${target.s3.prefix ? `${target.s3.prefix}/` : ''}\`${target.s3.endpoint ? ` on ${target.s3.endpoint}` : ' (AWS S3)'}`
      : 'its bucket';
  const writers = writersOf(chart, store.name);
  return [
    `### ${name} (Percona operator, point-in-time recovery)`,
    '',
    `- **Schedule**: full logical backup \`${percona.backupSchedule}\` (UTC) and oplog slices uploaded continuously by the PBM agent beside every member.`,
    `- **Where**: ${where}.`,
    '- **Recovery point**: any second covered by the oplog after the oldest kept backup; at most one oplog span is lost with the whole replica set.',
    '',
    'To restore to a point in time (in place: the operator stops the set, restores and restarts it):',
    '',
    '```sh',
    `# 1. Stop Argo CD from undoing the next steps, and stop the writers${writers.length ? ` (${writers.join(', ')})` : ''}.`,
    `kubectl -n ${ARGOCD_NAMESPACE} patch application ${chart.system}-${env} --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'`,
    ...writers.map((w) => `kubectl -n ${ns} scale deployment/${w} --replicas=0`),
    '# 2. The backups (choose the newest one finished before the point in time):',
    `kubectl -n ${ns} get perconaservermongodbbackups -o custom-columns=NAME:.metadata.name,CLUSTER:.spec.clusterName,COMPLETED:.status.completed,STATE:.status.state`,
    '# 3. Restore to the point in time (UTC, YYYY-MM-DD HH:MM:SS):',
    `cat <<'EOF' | kubectl -n ${ns} create -f -`,
    'apiVersion: psmdb.percona.com/v1',
    'kind: PerconaServerMongoDBRestore',
    'metadata:',
    `  generateName: ${name}-pitr-`,
    'spec:',
    `  clusterName: ${name}`,
    '  backupName: <backup>',
    '  pitr:',
    '    type: date',
    "    date: '2026-01-01 00:00:00'",
    'EOF',
    `kubectl -n ${ns} get perconaservermongodbrestores -w   # until its state is ready`,
    '# 4. Check the data, then give the system back to Argo CD (the sync restores the writers).',
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
  const writers = writersOf(chart, store.name);
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
    ...writers.map((w) => `kubectl -n ${ns} scale deployment/${w} --replicas=0`),
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

/** The workloads that connect to store `name` (the writers a restore must stop), sorted, once each. */
export function writersOf(chart: SystemChart, name: string): string[] {
  const from = Architecture.of(chart)
    .allEdges.filter((e) => e.to === name && e.kind === 'connect')
    .map((e) => e.from);
  return [...new Set(from)].sort();
}
