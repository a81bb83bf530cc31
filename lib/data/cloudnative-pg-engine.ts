import type { ResourceProfile } from '../core/environment';
import { Duration, durationSeconds, formatSeconds } from '../core/duration';
import { checkCronSchedule, cronPeriodSeconds } from '../core/cron';
import type { ValidationReport } from '../core/validation';
import type { ISecretSource } from '../security/secret-source';
import { NetworkPeer } from '../security/network';
import { ContainerModel } from '../workloads/container';
import { checkImageReference, isPinned } from '../workloads/image';
import { isSecretKeyValue, SecretKeyValue } from '../workloads/env';
import { BackupTarget } from '../backup/target';
import { describeValue } from '../core/describe-value';
import { checkDnsLabel } from '../core/naming';
import {
  BARMAN_CLOUD_SIDECAR_IMAGE,
  BARMAN_CLOUD_SIDECAR_RESOURCES,
  CloudNativePgCluster,
  CNPG_METRICS_PORT,
  CNPG_STATUS_PORT,
} from './cloudnative-pg-cluster';
import { cloudNativePgRunbook } from './cloudnative-pg-runbook';
import { checkCloudNativePgOperand, cloudNativePgOperand } from './cloudnative-pg-image';
import { cloudNativePgArchiveSettings, CloudNativePgProps, DEFAULT_RPO } from './cloudnative-pg-settings';
import { checkBackupPresence, checkInstances, checkOperatorTarget, checkRpo, checkSchedule, engineReportsMissingBackup } from './engine-validation';
import type { PostgresTuning } from './postgres-config';
import type { InitScript } from './init-scripts';
import { OperatorEngine, OperatorPodsShape } from './operator-engine';
import { renderStoreCertificate, serviceNames, StoreTlsPlan } from './store-tls';
import { bucketNode, DatabaseSettings, EngineHost, IBoundEngine, OwnServer, ShapeInput } from './store-engine';

/** What a PostgreSQL store tells its engine beyond what every store has. */
export interface PostgresSettings extends DatabaseSettings {
  readonly flavour: string;
  readonly tuning: PostgresTuning;
  /** The credentials Secret (CloudNativePG reads the owner's login from it). */
  readonly credentials: ISecretSource;
  /** `credentialKeys.app` as given. @default 'password' */
  readonly appKey?: string;
  /** The init scripts read (the store checks them). @default - none */
  readonly initScripts?: readonly InitScript[];
  /** The server's certificate, when the store has `tls`. @default - the operator's own self-signed certificates, TLS not required */
  readonly tls?: StoreTlsPlan;
}

/** Below this, archive_timeout fills the archive with mostly empty 16MB WAL segments. */
const MIN_RPO_SECONDS = 60;
/** Above this, a "recovery point objective" is a daily dump, not continuous archiving. */
const MAX_RPO_SECONDS = 24 * 3600;

/**
 * PostgreSQL run by CloudNativePG (`PostgresEngine.cloudNativePg`): a `Cluster` with
 * streaming standbys and failover, WAL archiving and base backups through the Barman Cloud
 * plugin, the operator's exporter with a PodMonitor. The operator makes the pods (labelled
 * with the store's own labels through `inheritedMetadata`), the Services `<name>-rw` and
 * `<name>-ro`, the PodDisruptionBudget and the ServiceAccount.
 */
export class CloudNativePgEngine extends OperatorEngine<CloudNativePgProps, PostgresSettings> {
  public readonly kind = 'cloudnative-pg';
  public readonly family = 'postgres';

  protected members(options: Partial<CloudNativePgProps>): unknown {
    return options.instances;
  }

  protected pods(input: ShapeInput): OperatorPodsShape {
    // The operator labels the instances with the store's own labels (inheritedMetadata); the
    // model carries the image and resources only: the operator configures the server itself.
    const reason = 'selects the instance pods CloudNativePG creates from the Cluster, never in the manifests';
    // The image the instances run, when it is one: a bad reference is reported once, on engine.image.
    const reference = (this.given.image as { reference?: unknown } | undefined)?.reference;
    const custom = typeof reference === 'string' && checkImageReference(reference) === undefined && isPinned(reference) ? reference : undefined;
    return { labels: input.ownLabels, reason, fallbackMembers: 1, image: custom ?? input.image };
  }

  public bind(host: EngineHost, _own: OwnServer, settings: PostgresSettings): IBoundEngine {
    const props = this.given;
    const env = host.chart.environment;
    const target = props.backup?.target;
    const s3 = target?.kind === 's3' ? target : undefined;
    const origin = props.replicaOf;
    const originS3 = origin?.target?.kind === 's3' ? origin.target : undefined;
    // The origin's prefix is given (checked by validate): the default one would be this namespace's.
    const originArchive = originS3 ? cloudNativePgArchiveSettings(origin?.serverName ?? host.name, host.namespaceName, originS3) : undefined;
    // The Barman Cloud plugin's sidecar in every instance pod (archiving, or restoring the origin's
    // WAL): counted in the namespace budget with the resources the ObjectStore gives it.
    if (target || originArchive)
      host.addSidecar(new ContainerModel('plugin-barman-cloud', { image: BARMAN_CLOUD_SIDECAR_IMAGE }, BARMAN_CLOUD_SIDECAR_RESOURCES));
    const archive = target ? cloudNativePgArchiveSettings(host.name, host.namespaceName, target, props.rpo ?? DEFAULT_RPO) : undefined;
    const keyRef = (v: unknown) => (typeof v === 'object' && v !== null && isSecretKeyValue(v as SecretKeyValue) ? (v as SecretKeyValue) : undefined);
    const accessKeyId = keyRef(s3?.s3.accessKeyId);
    const secretAccessKey = keyRef(s3?.s3.secretAccessKey);
    const originKeys = { accessKeyId: keyRef(originS3?.s3.accessKeyId), secretAccessKey: keyRef(originS3?.s3.secretAccessKey) };
    const cluster = new CloudNativePgCluster(host, 'cloudnative-pg', {
      name: host.name,
      engine: props as CloudNativePgProps,
      operand: cloudNativePgOperand(props, host.version, settings.flavour),
      database: settings.database,
      owner: settings.user,
      ownerSecretName: settings.credentials?.secretName,
      storage: settings.storage,
      storageClass: settings.storageClassName ?? env.platform.storage.defaultClass,
      resources: host.container.resources as ResourceProfile,
      tuning: settings.tuning,
      podLabels: host.selectorLabels,
      archive,
      s3Credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
      podMonitor: settings.exporter,
      initScripts: settings.initScripts,
      tlsSecretName: settings.tls?.secretName,
      replicaOf:
        originArchive && originKeys.accessKeyId && originKeys.secretAccessKey
          ? { archive: originArchive, s3Credentials: { accessKeyId: originKeys.accessKeyId, secretAccessKey: originKeys.secretAccessKey } }
          : undefined,
    });
    if (settings.tls) {
      // The names clients and standbys reach the instances by: the operator's three Services.
      const names = ['rw', 'ro', 'r'].flatMap((s) => serviceNames(`${host.name}-${s}`, host.namespaceName));
      // The operator reloads the instances when a Secret labelled cnpg.io/reload changes: a
      // renewed certificate is served without a restart.
      renderStoreCertificate(host, settings.tls, names, { loopback: false, secretLabels: { 'cnpg.io/reload': '' } });
    }

    const port = host.clientPort;
    const operatorPods = env.platform.cloudNativePg.operatorPods;
    host.connections.allowFromPeer(NetworkPeer.pods(operatorPods.podLabels, operatorPods.namespace), { port: CNPG_STATUS_PORT }, { port });
    // Standbys stream from the primary; after a failover any instance may be the primary.
    const instances = NetworkPeer.pods(host.selectorLabels);
    host.connections.addIngress(instances, [{ port }]);
    host.connections.addEgress(instances, [{ port }]);
    // The instance manager (and the Barman Cloud sidecar) watch the API server.
    host.connections.allowToCidr('0.0.0.0/0', [{ port: 443 }, { port: 6443 }]);
    s3?.allowAccess(host.connections);
    originS3?.allowAccess(host.connections);
    if (settings.exporter) {
      const prometheus = env.platform.prometheus.pods;
      host.connections.allowFromPeer(NetworkPeer.pods(prometheus.podLabels, prometheus.namespace), { port: CNPG_METRICS_PORT });
    }

    const ns = host.namespaceName;
    const environment = env.name;
    return {
      kind: this.kind,
      mainObject: cluster.cluster,
      // The Cluster holds no pod template: the linters' waivers would describe nothing it renders.
      rendersPodTemplate: false,
      endpoints: () => ({
        readWrite: `${host.name}-rw.${ns}.svc`,
        // The standbys; with one instance no standby serves `-ro`.
        readOnly: host.replicas > 1 ? `${host.name}-ro.${ns}.svc` : undefined,
        // The operator gives its instances no DNS names of their own: clients go through the Services.
        members: [],
      }),
      backupPlan: () => (target ? { target, schedule: props.backup?.schedule ?? '0 2 * * *' } : undefined),
      ownBackups: 'CloudNativePG backs up through its own WAL archive and base backups: set engine.backup instead of calling backup()',
      reportsMissingBackup: () => engineReportsMissingBackup(props, environment),
      validate: (report) => this.validate(report, host, settings),
      alerts: () => [
        // kube-state-metrics sees the instances whether or not the exporter is scraped.
        instancesNotReadyAlert(host),
        ...(archive && cluster.podMonitorName
          ? [
              walArchiveAlert(host, archive.archiveTimeoutSeconds, `${archive.destinationPath}/${archive.serverName}/`),
              ...baseBackupAlerts(host, props.backup?.schedule ?? '0 2 * * *', `${archive.destinationPath}/${archive.serverName}/`),
            ]
          : []),
      ],
      restoreRunbook: (context) =>
        cloudNativePgRunbook(
          {
            name: host.name,
            namespace: ns,
            environment,
            system: host.chart.system,
            database: settings.database,
            owner: settings.user,
            spec: cluster.cluster.toJson().spec,
            archive,
            objectStoreName: cluster.objectStoreName,
            retentionPolicy: cluster.retentionPolicy,
            scheduledBackupName: cluster.scheduledBackupName,
            timescale: settings.flavour === 'timescaledb',
            origin: cluster.originObjectStoreName ? originArchive : undefined,
            originObjectStoreName: cluster.originObjectStoreName,
          },
          context,
        ),
      graph: () => {
        const note = 'primary + streaming standbys (CloudNativePG)';
        if (!s3 || !archive) return { note, nodes: [], edges: [] };
        const destination = bucketNode(s3, host.name, archive.destinationPath.replace(/^s3:\/\/[^/]+\/?/, ''));
        const pitr = `${host.name}-pitr`;
        return {
          note,
          nodes: [destination, { id: pitr, kind: 'backup', label: pitr, details: { note: 'point-in-time recovery, by hand' } }],
          edges: [
            { from: host.name, to: destination.id, label: 'WAL archive + base backups', kind: 'backup' },
            { from: destination.id, to: pitr, label: 'recover to a point in time', kind: 'restore' },
            { from: pitr, to: host.name, label: 'copies back on demand', kind: 'restore' },
          ],
        };
      },
    };
  }

  /** The engine's checks: image, flavour and version, instances, rpo, backups, and the credentials the operator reads. */
  private validate(report: ValidationReport, host: EngineHost, settings: PostgresSettings): void {
    const env = host.chart.environment.name;
    const props = this.options;
    if (!this.checkOptions(report, 'PostgresEngine.cloudNativePg({ instances, rpo, backup })')) return;
    checkCloudNativePgOperand(report, this.given, host.version, settings.flavour);
    checkInstances(
      report,
      props.instances,
      {
        field: 'engine.instances',
        allowed: [1, 2, 3, 4, 5, 6, 7, 8, 9],
        why: 'a primary and up to eight streaming standbys',
        prodMinimum: 2,
        prodWhy: 'a primary and a standby to fail over to',
      },
      env,
    );
    checkRpo(report, props.rpo ?? DEFAULT_RPO, {
      minSeconds: MIN_RPO_SECONDS,
      maxSeconds: MAX_RPO_SECONDS,
      belowWhy:
        'archive_timeout would force a 16MB WAL segment to object storage more often than once a minute, mostly empty; use synchronous replicas for a tighter objective',
      aboveWhy: 'continuous archiving is meant for objectives of minutes',
    });
    if (checkBackupPresence(report, { backup: props.backup, rpo: props.rpo, what: 'base backups and the WAL archive' }, env)) {
      const backup = props.backup!;
      checkOperatorTarget(report, backup.target, { engine: 'CloudNativePG', keysFromSecret: true }, env);
      if (backup.schedule !== undefined) checkSchedule(report, 'engine.backup.schedule', backup.schedule);
      if (backup.retention !== undefined) {
        const seconds = durationSeconds(backup.retention, 'Duration.days(30)');
        if (typeof seconds === 'string') report.error('cloudnative-pg-engine.engine.backup.retention.invalid', 'engine.backup.retention', seconds);
        else if (seconds % 86400 !== 0)
          report.error(
            'cloudnative-pg-engine.engine.backup.retention.whole-days',
            'engine.backup.retention',
            `${formatSeconds(seconds)} must be whole days, e.g. Duration.days(30)`,
          );
      }
    }
    if (props.replicaOf !== undefined) checkReplicaOf(report, props, host.name, host.namespaceName);
    const credentials = settings.credentials as ISecretSource & { basicAuthUsername?: string };
    if (credentials?.keys !== undefined && !credentials.keys.includes('username')) {
      report.error(
        'cloudnative-pg-engine.credentials.username-cloudnativepg',
        'credentials',
        `${credentials.describe} has no 'username': CloudNativePG reads the owner's login from a kubernetes.io/basic-auth Secret (username, password); give the SystemSecret basicAuthUsername: '${settings.user}'`,
      );
    } else if (credentials?.basicAuthUsername !== undefined && credentials.basicAuthUsername !== settings.user) {
      report.error(
        'cloudnative-pg-engine.credentials.basicauthusername-owner',
        'credentials',
        `basicAuthUsername '${credentials.basicAuthUsername}' is not the owner '${settings.user}'`,
      );
    }
    if ((settings.appKey ?? 'password') !== 'password') {
      report.error(
        'cloudnative-pg-engine.credential-keys.app',
        'credentialKeys.app',
        `'${settings.appKey}': CloudNativePG reads the owner's password from the key 'password'`,
      );
    }
  }
}

/**
 * WAL archiving that has been failing for longer than the rpo (the operator's exporter reports
 * pg_stat_archiver on the primary) means a restore would lose more than promised.
 */
function walArchiveAlert(host: EngineHost, rpoSeconds: number, where: string) {
  const selector = `namespace="${host.namespaceName}",pod=~"${host.name}-[0-9]+"`;
  const metric = (m: string) => `max by (namespace, pod) (cnpg_pg_stat_archiver_${m}{${selector}})`;
  const rpo = formatSeconds(rpoSeconds);
  return {
    name: `WalArchiveFailing${pascal(host.name)}`,
    expr: `${metric('last_failed_time')} > ${metric('last_archived_time')}`,
    for: Duration.seconds(rpoSeconds),
    severity: 'critical' as const,
    summary: `WAL archiving of {{ $labels.pod }} has been failing for ${rpo}: the ${rpo} recovery point objective of ${host.name} is not met`,
    description:
      `The primary of CloudNativePG cluster ${host.name} cannot archive WAL to ${where} ` +
      `(the Barman Cloud plugin's sidecar logs say why: credentials, bucket, network). Until it succeeds, a restore loses everything ` +
      'since the last archived segment, and WAL accumulates on the volume.',
  };
}

/**
 * Fewer ready instances than the Cluster declares, for longer than the alerts' period: a
 * standby that cannot catch up, a node lost with its volume, or a primary down (then the
 * operator fails over, and the alert says the cluster runs without its spare).
 */
function instancesNotReadyAlert(host: EngineHost) {
  const instances = host.replicas;
  return {
    name: `PostgresInstancesNotReady${pascal(host.name)}`,
    expr: `sum by (namespace) (kube_pod_status_ready{namespace="${host.namespaceName}",pod=~"${host.name}-[0-9]+",condition="true"}) < ${instances}`,
    severity: (instances > 1 ? 'warning' : 'critical') as 'warning' | 'critical',
    summary: `{{ $value }} of ${instances} instance(s) of PostgreSQL cluster ${host.name} are ready`,
    description:
      `CloudNativePG cluster ${host.name} runs fewer ready instances than its ${instances}: ` +
      (instances > 1
        ? 'it still serves, but without the spare a failover needs. kubectl describe cluster and the instance pods say why (volume, node, replication).'
        : 'its only instance is down, and the database with it.'),
  };
}

/**
 * The base backups, from the Barman Cloud plugin's metrics (its docs, observability.md: the
 * last failed and last available backup times, exported by the instance manager): a failed
 * backup newer than the last good one, and no good backup for longer than the schedule's
 * period plus an hour.
 */
function baseBackupAlerts(host: EngineHost, schedule: string, where: string) {
  // A schedule the checks refuse (reported by validate) has no period to compare with.
  if (checkCronSchedule(schedule) !== undefined) return [];
  const periodSeconds = cronPeriodSeconds(schedule);
  const selector = `namespace="${host.namespaceName}",pod=~"${host.name}-[0-9]+"`;
  const metric = (m: string) => `max by (namespace) (barman_cloud_cloudnative_pg_io_${m}{${selector}})`;
  const limit = periodSeconds + 3600;
  return [
    {
      name: `BaseBackupFailed${pascal(host.name)}`,
      expr: `${metric('last_failed_backup_timestamp')} > ${metric('last_available_backup_timestamp')}`,
      severity: 'critical' as const,
      summary: `The latest base backup of ${host.name} failed`,
      description:
        `A scheduled base backup of CloudNativePG cluster ${host.name} to ${where} failed after the last good one ` +
        '(kubectl get backups shows its error). The WAL archive still grows from the last good base backup, so a restore takes longer, and the retention policy keeps older backups.',
    },
    {
      name: `BaseBackupStale${pascal(host.name)}`,
      expr: `time() - ${metric('last_available_backup_timestamp')} > ${limit}`,
      severity: 'critical' as const,
      summary: `The newest base backup of ${host.name} is {{ $value | humanizeDuration }} old`,
      description: `No base backup of ${host.name} has succeeded for longer than its schedule's period plus an hour (${formatSeconds(limit)}): the ScheduledBackup is not running or its backups do not complete.`,
    },
  ];
}

function pascal(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

/**
 * `engine.replicaOf`: the origin's archive in S3, at the prefix the origin archives to (its
 * default prefix is the origin's namespace, which this cluster cannot know), read with keys
 * from a Secret, and never the folder this cluster archives to itself (two writers of one
 * barman server folder corrupt its WAL history).
 */
function checkReplicaOf(report: ValidationReport, props: CloudNativePgProps, name: string, namespace: string): void {
  const field = 'engine.replicaOf';
  const origin = props.replicaOf as unknown;
  if (typeof origin !== 'object' || origin === null)
    return report.error('cloudnative-pg-engine.replica-of.object', field, 'must be { target: BackupTarget.s3({...}), serverName? }');
  const { target, serverName } = origin as { target?: unknown; serverName?: unknown };
  if (!BackupTarget.isBackupTarget(target) || target.kind !== 's3')
    return report.error(
      'cloudnative-pg-engine.replica-of.target-not-s3',
      `${field}.target`,
      "must be BackupTarget.s3({...}): the origin's WAL archive and base backups in S3",
    );
  if (target.s3.prefix === undefined)
    report.error(
      'cloudnative-pg-engine.replica-of.prefix-required',
      `${field}.target.s3.prefix`,
      "must be the prefix the origin archives to (e.g. 'shop-prod/cnpg'): the default is the origin's namespace, which this cluster cannot know",
    );
  for (const key of ['accessKeyId', 'secretAccessKey'] as const) {
    const value: unknown = target.s3[key];
    if (!(typeof value === 'object' && value !== null && isSecretKeyValue(value as SecretKeyValue)))
      report.error(
        'cloudnative-pg-engine.replica-of.key-not-from-secret',
        `${field}.target.s3.${key}`,
        'CloudNativePG reads it from a Secret: give a reference (fromSecret(...))',
      );
  }
  if (serverName !== undefined && (typeof serverName !== 'string' || checkDnsLabel(serverName) !== undefined))
    report.error(
      'cloudnative-pg-engine.replica-of.server-name',
      `${field}.serverName`,
      `${describeValue(serverName)} must be the origin cluster's name (a DNS label)`,
    );
  const own = props.backup?.target;
  if (own?.kind === 's3') {
    const mine = cloudNativePgArchiveSettings(name, namespace, own);
    const theirs = cloudNativePgArchiveSettings(typeof serverName === 'string' ? serverName : name, namespace, target);
    if (mine && theirs && mine.destinationPath === theirs.destinationPath && mine.serverName === theirs.serverName)
      report.error(
        'cloudnative-pg-engine.replica-of.same-archive',
        `${field}.target`,
        `${mine.destinationPath}/${mine.serverName}/ is both the origin's archive and this cluster's own (engine.backup.target): archive the replica elsewhere, two writers of one server folder corrupt its WAL history`,
      );
  }
}
