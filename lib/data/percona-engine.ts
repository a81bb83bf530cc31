import { durationSeconds } from '../core/duration';
import type { ValidationReport } from '../core/validation';
import { ContainerModel, SIDECAR_RESOURCES } from '../workloads/container';
import { fromSecret, SecretKeyValue } from '../workloads/env';
import {
  checkBackupPresence,
  checkInstances,
  checkOperatorTarget,
  checkRpo,
  checkRpoMet,
  checkSchedule,
  engineReportsMissingBackup,
} from './engine-validation';
import { MONGO_PORT } from './mongodb-config';
import {
  DEFAULT_OPLOG_SPAN,
  oplogSpanMinutes,
  PBM_AGENT_RESOURCES,
  PerconaCluster,
  PerconaEngineOptions,
  PSMDB,
  psmdbPodLabels,
  psmdbSystemUsersSecret,
} from './psmdb-cluster';
import { exporterSidecar } from './stateful-store';
import { InitScript, refuseInitScripts } from './init-scripts';
import { OperatorEngine, OperatorPodsShape } from './operator-engine';
import { bucketNode, DatabaseSettings, EngineHost, IBoundEngine, OwnServer, RunbookContext, ShapeInput, stopWritersCommands } from './store-engine';
import { EXPORTER_IMAGES } from './versions';

/** What a MongoDB store tells its engine beyond what every store has. */
export interface MongoDbSettings extends DatabaseSettings {
  readonly appPassword: SecretKeyValue;
  readonly replicaSetName: string;
  /** Whether the props set `replicas` (the operator's members come from `engine.members`). */
  readonly replicasGiven: boolean;
  /** The store's `initScripts`, read (files run once, when the replica set is initiated). @default - none */
  readonly initScripts?: readonly InitScript[];
}

/**
 * MongoDB run by the Percona Operator for MongoDB (`MongoDbEngine.percona`): a
 * `PerconaServerMongoDB` replica set, the exporter logging in as the operator's
 * clusterMonitor user, and PBM backups with oplog point-in-time recovery, restored in place.
 */
export class PerconaEngine extends OperatorEngine<PerconaEngineOptions, MongoDbSettings> {
  public readonly kind = 'percona';
  public readonly family = 'mongodb';

  protected members(options: Partial<PerconaEngineOptions>): unknown {
    return options.members;
  }

  protected pods(input: ShapeInput): OperatorPodsShape {
    const image = PSMDB.mongodImages[input.version] ?? `docker.io/percona/percona-server-mongodb:${input.version}`;
    return { labels: psmdbPodLabels(input.id, input.replicaSetName ?? 'rs0'), fallbackMembers: 3, image, uid: PSMDB.uid, dataPath: '/data/db' };
  }

  public bind(host: EngineHost, _own: OwnServer, settings: MongoDbSettings): IBoundEngine {
    const options = this.given;
    if (settings.exporter) {
      const users = {
        secretName: psmdbSystemUsersSecret(host.name),
        keys: [...PSMDB.systemUserKeys],
        describe: `the operator's Secret '${psmdbSystemUsersSecret(host.name)}'`,
      };
      const env = {
        MONGODB_URI: `mongodb://127.0.0.1:${MONGO_PORT}/admin?directConnection=true`,
        MONGODB_USER: fromSecret(users, 'MONGODB_CLUSTER_MONITOR_USER'),
        MONGODB_PASSWORD: fromSecret(users, 'MONGODB_CLUSTER_MONITOR_PASSWORD'),
      };
      const resources = { requests: SIDECAR_RESOURCES.requests, limits: { cpu: '200m', memory: '128Mi' } };
      host.addSidecar(
        exporterSidecar({ image: EXPORTER_IMAGES.mongo, port: 9216, args: ['--web.listen-address=:9216', '--compatible-mode'], env, resources }),
      );
    }
    if (options.backup) {
      // The PBM agent the operator adds beside mongod: in the model for the namespace budget only.
      host.addSidecar(new ContainerModel('backup-agent', { image: PSMDB.backupImage, runAs: { user: PSMDB.uid } }, PBM_AGENT_RESOURCES));
    }
    const platform = host.chart.environment.platform;
    const percona = new PerconaCluster(host, 'percona', host, {
      engine: options as PerconaEngineOptions,
      application: { database: settings.database, user: settings.user, password: settings.appPassword },
      image: host.engineImage,
      replicaSetName: settings.replicaSetName,
      storage: settings.storage,
      storageClassName: settings.storageClassName ?? platform.storage.defaultClass,
      operator: platform.databaseOperators.perconaMongodb,
    });
    const ns = host.namespaceName;
    const set = `${host.name}-${settings.replicaSetName}`;
    const environment = host.chart.environment.name;
    const target = percona.backupTarget;
    return {
      kind: this.kind,
      mainObject: percona.cluster,
      rendersPodTemplate: true,
      endpoints: () => ({
        // The operator's headless replica set Service: the driver finds the primary (and reads from secondaries by read preference).
        readWrite: `${set}.${ns}.svc`,
        members: Array.from({ length: host.replicas }, (_, i) => `${set}-${i}.${set}.${ns}.svc`),
      }),
      backupPlan: () => (target && percona.backupSchedule !== undefined ? { target, schedule: percona.backupSchedule } : undefined),
      ownBackups:
        "the Percona operator takes this replica set's backups (PBM with oplog): set MongoDbEngine.percona({ backup: { target, schedule } }) instead",
      reportsMissingBackup: () => engineReportsMissingBackup(options, environment),
      validate: (report) => this.validate(report, host, settings),
      alerts: () => [],
      restoreRunbook: (context) => (percona.backupSchedule === undefined ? undefined : perconaRunbook(host, percona, context)),
      graph: () => {
        const note = 'replica set (Percona operator)';
        if (target?.kind !== 's3') return { note, nodes: [], edges: [] };
        const destination = bucketNode(target, host.name, target.s3.prefix ?? '');
        return {
          note,
          nodes: [destination],
          edges: [
            { from: host.name, to: destination.id, label: 'PBM backups + oplog', kind: 'backup' },
            { from: destination.id, to: host.name, label: 'PBM point-in-time restore', kind: 'restore' },
          ],
        };
      },
    };
  }

  private validate(report: ValidationReport, host: EngineHost, settings: MongoDbSettings): void {
    const options = this.options;
    const env = host.chart.environment.name;
    if (settings.initScripts?.length) {
      refuseInitScripts(
        report,
        "the Percona operator initiates its replica set itself and has no hook that runs the user's files once: its hookScript is shell the mongod container's entrypoint sources at every start, on every member",
        'MongoDbEngine.statefulSet() (the default), whose initialization Job runs them once',
      );
    }
    if (!this.checkOptions(report, 'MongoDbEngine.percona({ members, backup, rpo })')) return;
    if (settings.replicasGiven) report.error('percona-engine.replicas', 'replicas', 'is not read with MongoDbEngine.percona(): set engine.members');
    checkInstances(
      report,
      options.members,
      {
        field: 'engine.members',
        allowed: [3, 5, 7],
        why: 'the operator runs an odd number of voting members, at least 3, so that a majority survives a lost member',
        prodMinimum: 3,
        prodWhy: 'a primary survives the loss of one member',
      },
      env,
    );
    if (PSMDB.mongodImages[host.version] === undefined) {
      report.error(
        'percona-engine.version',
        'version',
        `'${host.version}' has no Percona Server for MongoDB image (supported: ${Object.keys(PSMDB.mongodImages).join(', ')})`,
      );
    }
    const rpo = options.rpo === undefined ? undefined : checkRpo(report, options.rpo);
    const what = 'PBM backups with oplog point-in-time recovery';
    if (!checkBackupPresence(report, { backup: options.backup, rpo: options.rpo, what }, env)) return;
    const backup = options.backup!;
    const target = checkOperatorTarget(report, backup.target, { engine: 'Percona Backup for MongoDB', keysFromSecret: false }, env);
    if (target) {
      // PBM reads both keys from the one Secret its storage names, under fixed keys (stricter than keysFromSecret).
      const { accessKeyId, secretAccessKey } = target.s3;
      const secretName = typeof secretAccessKey === 'object' ? secretAccessKey?.secret?.secretName : undefined;
      const pair = [
        ['accessKeyId', accessKeyId, 'AWS_ACCESS_KEY_ID'],
        ['secretAccessKey', secretAccessKey, 'AWS_SECRET_ACCESS_KEY'],
      ] as const;
      for (const [field, value, key] of pair) {
        if (typeof value !== 'object' || value === null || value.key !== key || value.secret?.secretName !== secretName) {
          report.error(
            'percona-engine.engine.backup.target',
            `engine.backup.target.${field}`,
            `PBM reads the keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of one Secret: give fromSecret(<that secret>, '${key}')`,
          );
        }
      }
    }
    if (backup.keep !== undefined && (!Number.isInteger(backup.keep) || backup.keep < 1)) {
      report.error('percona-engine.engine.backup.keep', 'engine.backup.keep', `${String(backup.keep)} must be a whole number of at least 1`);
    }
    checkSchedule(report, 'engine.backup.schedule', backup.schedule ?? '0 2 * * *');
    const span = backup.oplogSpan ?? DEFAULT_OPLOG_SPAN;
    const minutes = oplogSpanMinutes(span);
    if (minutes === undefined) {
      const seconds = durationSeconds(span, 'Duration.minutes(10)');
      report.error(
        'percona-engine.engine.backup.oplog-span',
        'engine.backup.oplogSpan',
        typeof seconds === 'string' ? seconds : 'must be whole minutes, e.g. Duration.minutes(10)',
      );
      return;
    }
    checkRpoMet(report, rpo, minutes * 60, 'PBM uploads the oplog in slices', 'shorten engine.backup.oplogSpan');
  }
}

/**
 * The runbook of a MongoDB replica set run by the Percona operator: what PBM keeps where,
 * and the in-place point-in-time restore through a `PerconaServerMongoDBRestore`.
 */
function perconaRunbook(host: EngineHost, percona: PerconaCluster, context: RunbookContext): string {
  const ns = host.namespaceName;
  const env = host.chart.environment.name;
  const name = host.name;
  const target = percona.backupTarget;
  const where =
    target?.kind === 's3'
      ? `\`s3://${target.s3.bucket}/${target.s3.prefix ? `${target.s3.prefix}/` : ''}\`${target.s3.endpoint ? ` on ${target.s3.endpoint}` : ' (AWS S3)'}`
      : 'its bucket';
  const writers = context.writers.map((w) => w.name);
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
    `kubectl -n ${context.argocdNamespace} patch application ${host.chart.system}-${env} --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'`,
    ...stopWritersCommands(ns, context.writers),
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
