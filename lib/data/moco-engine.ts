import { parseQuantity } from '../core/quantity';
import type { ValidationReport } from '../core/validation';
import { ContainerModel } from '../workloads/container';
import type { SecretKeyValue } from '../workloads/env';
import {
  checkBackupPresence,
  checkInstances,
  checkOperatorTarget,
  checkRpo,
  checkRpoMet,
  checkSchedule,
  engineReportsMissingBackup,
} from './engine-validation';
import { MOCO, MOCO_SYSTEM_CONTAINERS, MocoCluster, MocoEngineOptions, mocoPodLabels } from './moco-cluster';
import type { StoreTlsPlan } from './store-tls';
import type { InitScript } from './init-scripts';
import { OperatorEngine, OperatorPodsShape } from './operator-engine';
import { bucketNode, DatabaseSettings, EngineHost, IBoundEngine, OwnServer, RunbookContext, ShapeInput, stopWritersCommands } from './store-engine';

/** What a MySQL store tells its engine beyond what every store has. */
export interface MySqlSettings extends DatabaseSettings {
  readonly appPassword: SecretKeyValue;
  readonly maxConnections: number;
  readonly bufferPoolSize: number;
  /** The server's certificate, when the store has `tls`. @default - no TLS */
  readonly tls?: StoreTlsPlan;
  /** The store's `initScripts`, read (files run once, when the database is created). @default - none */
  readonly initScripts?: readonly InitScript[];
}

/** MOCO's default backup schedule: hourly. */
const DEFAULT_SCHEDULE = '0 * * * *';

/**
 * MySQL run by MOCO (`MySqlEngine.moco`): a `MySQLCluster` with semi-synchronous replicas and
 * failover, MOCO's system containers in the model, the application account made by a Job
 * (which also runs the store's init scripts once: MOCO has no initialization hook), and
 * MOCO's backups (full dumps and binary logs) with a point-in-time restore runbook.
 */
export class MocoEngine extends OperatorEngine<MocoEngineOptions, MySqlSettings> {
  public readonly kind = 'moco';
  public readonly family = 'mysql';

  protected members(options: Partial<MocoEngineOptions>): unknown {
    return options.instances;
  }

  protected pods(input: ShapeInput): OperatorPodsShape {
    const image = MOCO.mysqlImages[input.version] ?? `ghcr.io/cybozu-go/moco/mysql:${input.version}`;
    return { labels: mocoPodLabels(input.id), fallbackMembers: 1, image, uid: MOCO.uid, dataPath: '/var/lib/mysql' };
  }

  public bind(host: EngineHost, _own: OwnServer, settings: MySqlSettings): IBoundEngine {
    const options = this.given;
    modelMocoContainers(host, settings.exporter);
    const platform = host.chart.environment.platform;
    const moco = new MocoCluster(host, 'moco', host, {
      engine: options as MocoEngineOptions,
      application: { database: settings.database, user: settings.user, password: settings.appPassword },
      image: host.engineImage,
      storage: settings.storage,
      storageClassName: settings.storageClassName ?? platform.storage.defaultClass,
      mysqld: { max_connections: String(settings.maxConnections), innodb_buffer_pool_size: String(settings.bufferPoolSize) },
      exporter: settings.exporter,
      controller: platform.databaseOperators.moco,
      initScripts: settings.initScripts,
    });
    const ns = host.namespaceName;
    const name = host.name;
    const environment = host.chart.environment.name;
    const target = moco.backupTarget;
    return {
      kind: this.kind,
      mainObject: moco.cluster,
      rendersPodTemplate: true,
      endpoints: () => ({
        // MOCO's Services follow failovers: the primary's, and the replicas' (none serve with one instance).
        readWrite: `moco-${name}-primary.${ns}.svc`,
        readOnly: host.replicas > 1 ? `moco-${name}-replica.${ns}.svc` : undefined,
        members: Array.from({ length: host.replicas }, (_, i) => `moco-${name}-${i}.moco-${name}.${ns}.svc`),
      }),
      backupPlan: () =>
        target && moco.backupSchedule !== undefined ? { target, schedule: moco.backupSchedule, cronJobName: `moco-backup-${name}` } : undefined,
      ownBackups: "MOCO takes this cluster's backups (full dumps and binary logs): set MySqlEngine.moco({ backup: { target, schedule } }) instead",
      reportsMissingBackup: () => engineReportsMissingBackup(options, environment),
      validate: (report) => this.validate(report, host, settings),
      alerts: () => [],
      restoreRunbook: (context) => (moco.backupSchedule === undefined ? undefined : mocoRunbook(host, moco, settings.database, context)),
      graph: () => {
        const note = 'primary + semi-sync replicas (MOCO)';
        const job = `${name}-app-user`;
        const nodes = [{ id: job, kind: 'job' as const, label: job, details: { image: host.engineImage, note: 'Sync hook' } }];
        const setup = settings.initScripts?.length ? 'creates database, user; runs init scripts once' : 'creates database, user';
        const edges = [{ from: job, to: name, label: setup, kind: 'setup' as const }];
        if (moco.backupSchedule === undefined || target?.kind !== 's3') return { note, nodes, edges };
        const backup = `moco-backup-${name}`;
        const destination = bucketNode(target, name, `moco/${ns}/${name}`);
        const restore = moco.restoreName ?? `${name}-restore`;
        return {
          note,
          nodes: [
            ...nodes,
            { id: backup, kind: 'backup', label: backup, details: { note: `${moco.backupSchedule} UTC, by MOCO` } },
            destination,
            { id: restore, kind: 'backup', label: restore, details: { note: 'point-in-time restore, by hand' } },
          ],
          edges: [
            ...edges,
            { from: name, to: backup, label: 'dump + binlogs', kind: 'backup' },
            { from: backup, to: destination.id, label: 'upload', kind: 'backup' },
            { from: destination.id, to: restore, label: 'restore to a point in time', kind: 'restore' },
            { from: restore, to: name, label: 'copies back on demand', kind: 'restore' },
          ],
        };
      },
    };
  }

  private validate(report: ValidationReport, host: EngineHost, settings: MySqlSettings): void {
    const options = this.options;
    const env = host.chart.environment.name;
    if (settings.tls) refuseTls(report);
    if (!this.checkOptions(report, 'MySqlEngine.moco({ instances, backup, rpo })')) return;
    checkInstances(
      report,
      options.instances,
      {
        field: 'engine.instances',
        allowed: [1, 3, 5],
        why: 'MOCO runs a primary and an even number of semi-synchronous replicas',
        prodMinimum: 3,
        prodWhy:
          'a primary and two semi-synchronous replicas, so that a committed transaction survives the loss of one instance and failover needs no manual step',
      },
      env,
    );
    if (MOCO.mysqlImages[host.version] === undefined) {
      report.error('moco-engine.version', 'version', `'${host.version}' has no MOCO mysqld image (MOCO ${Object.keys(MOCO.mysqlImages).join(', ')})`);
    }
    const rpo = options.rpo === undefined ? undefined : checkRpo(report, options.rpo);
    if (!checkBackupPresence(report, { backup: options.backup, rpo: options.rpo, what: 'MOCO backups (full dumps and binary logs)' }, env)) return;
    const backup = options.backup!;
    const target = checkOperatorTarget(report, backup.target, { engine: 'MOCO', keysFromSecret: false }, env);
    if (target?.s3.prefix !== undefined) {
      report.error(
        'moco-engine.engine.backup.target.prefix',
        'engine.backup.target.prefix',
        `MOCO names its keys itself (moco/${host.namespaceName}/${host.name}/...); leave prefix unset`,
      );
    }
    if (backup.workVolumeSize !== undefined) {
      const bytes = parseQuantity(backup.workVolumeSize);
      if (bytes === undefined || bytes <= 0)
        report.error(
          'moco-engine.engine.backup.work-volume-size',
          'engine.backup.workVolumeSize',
          `'${backup.workVolumeSize}' is not a size, e.g. 20Gi`,
        );
    }
    const gap = checkSchedule(report, 'engine.backup.schedule', backup.schedule ?? DEFAULT_SCHEDULE);
    if (gap !== undefined) {
      checkRpoMet(
        report,
        rpo,
        gap,
        `MOCO uploads the binary logs only when a backup runs, and runs of '${backup.schedule ?? DEFAULT_SCHEDULE}' are`,
        'run the backup more often (engine.backup.schedule)',
      );
    }
  }
}

/**
 * MOCO's own containers beside mysqld (agent, slow-log, the exporter, moco-init), in the
 * model only: they count in the namespace budget and the exporter's port is scraped.
 * MOCO adds them to the pods; their resources are set through overwriteContainers.
 */
function modelMocoContainers(host: EngineHost, exporter: boolean): void {
  const system = (name: keyof typeof MOCO_SYSTEM_CONTAINERS, image: string, ports: Array<{ name: string; port: number }> = []) =>
    new ContainerModel(name, { image, runAs: { user: MOCO.uid, group: MOCO.uid } }, MOCO_SYSTEM_CONTAINERS[name], ports);
  host.addSidecar(system('agent', MOCO.agentImage, [{ name: 'agent', port: MOCO.ports.agent }]));
  host.addSidecar(system('slow-log', MOCO.fluentBitImage));
  host.addInitContainer(system('moco-init', host.engineImage));
  if (exporter) {
    host.addSidecar(system('mysqld-exporter', MOCO.exporterImage, [{ name: 'mysqld-metrics', port: MOCO.ports.exporter }]));
    host.exposeMetrics({ port: 'mysqld-metrics' });
  }
}

/**
 * The runbook of a MySQL cluster run by MOCO: what its BackupPolicy keeps where, and the
 * point-in-time restore into the one-instance cluster `<name>-restore` (whose
 * NetworkPolicies and quota the chart already holds), then the copy back to the primary.
 */
function mocoRunbook(host: EngineHost, moco: MocoCluster, database: string, context: RunbookContext): string {
  const ns = host.namespaceName;
  const env = host.chart.environment.name;
  const name = host.name;
  const restore = moco.restoreName ?? `${name}-restore`;
  const target = moco.backupTarget;
  const where =
    target?.kind === 's3'
      ? `\`s3://${target.s3.bucket}/moco/${ns}/${name}/\`${target.s3.endpoint ? ` on ${target.s3.endpoint}` : ' (AWS S3)'}`
      : 'its bucket';
  const writers = context.writers.map((w) => w.name);
  const jq =
    `'{apiVersion, kind, metadata: {name: "${restore}"}, spec: (.spec | del(.backupPolicyName) | .replicas = 1 | ` +
    `.restore = {sourceName: "${name}", sourceNamespace: "${ns}", restorePoint: $t, jobConfig: $job})}'`;
  const copy =
    `'read -r src; read -r dst; MYSQL_PWD="$src" mysqldump --host=127.0.0.1 --user=moco-admin --single-transaction --set-gtid-purged=OFF ` +
    `--routines --triggers --databases ${database} | MYSQL_PWD="$dst" mysql --host=moco-${name}-primary.${ns}.svc --user=moco-writable'`;
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
    `kubectl moco -n ${ns} mysql -u moco-readonly ${restore} -- --database=${database} -e 'SHOW TABLES'`,
    `# 4. To roll ${database} back to it: stop Argo CD and the writers${writers.length ? ` (${writers.join(', ')})` : ''}, then copy the database`,
    `#    from ${restore} to the primary (tables are dropped and recreated).`,
    `kubectl -n ${context.argocdNamespace} patch application ${host.chart.system}-${env} --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'`,
    ...stopWritersCommands(ns, context.writers),
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
 * MOCO cannot serve a store whose server requires TLS. Its mysqld could be given a certificate
 * (a volume in `podTemplate`, `ssl_*` in the `mysqlConfigMapName` ConfigMap), but
 * `require_secure_transport = ON` refuses every unencrypted TCP connection, and MOCO's own are
 * unencrypted (v0.30.0, the pinned release, and v0.36.0 alike): the controller's connections
 * to each instance's admin port 33062 (pkg/dbop/operator.go) and the backup's
 * (pkg/bkop/operator.go) are go-sql-driver
 * connections opened from a `mysql.NewConfig()` whose TLS is never set (`tls=false`), and the
 * replicas are pointed at the primary with `CHANGE REPLICATION SOURCE TO ...` without
 * `SOURCE_SSL = 1` (pkg/dbop/replication.go). Required TLS would cut MOCO off from its own
 * cluster: no failover, no replication, no backups. TLS offered but not required would let
 * plain connections in, which is not what `tls` promises.
 */
function refuseTls(report: ValidationReport): void {
  report.error(
    'moco-engine.tls',
    'tls',
    "is not supported with MySqlEngine.moco(): MOCO's controller, backups and replication connect to mysqld without TLS, so a server that requires TLS (require_secure_transport) would refuse them; use MySqlEngine.statefulSet() for TLS-only connections, or leave tls unset with MOCO",
  );
}
