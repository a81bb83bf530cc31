import { declareCheckExceptions } from '../core/check-exceptions';
import { PRIORITY_CLASSES } from '../core/priority-classes';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { BackupPolicy } from '../../imports/backuppolicies-moco.cybozu.com';
import { MySqlCluster } from '../../imports/mysqlclusters-moco.cybozu.com';
import type { BackupTarget } from '../backup/target';
import type { Duration } from '../core/duration';
import { Json } from '../core/json';
import { requirePlatform } from '../core/platform-requirements';
import { requireBaselinePodSecurity } from '../core/pod-security-exceptions';
import { renderScriptFile } from '../core/script-file';
import { INetworkPeer, NetworkPeer } from '../security/network';
import type { ISecretSource } from '../security/secret-source';
import { ResourceProfile } from '../core/environment';
import { parseQuantity } from '../core/quantity';
import type { PodBudget } from '../scaling/namespace-budget';
import { ContainerModel, DEFAULT_EPHEMERAL_STORAGE, restrictedContainerSecurityContext, SIDECAR_RESOURCES } from '../workloads/container';
import { fromSecret, SecretKeyValue } from '../workloads/env';
import { contentHash, RUN_TO_COMPLETION_POD } from '../workloads/workload';
import { OperatorPods } from './operator-pods';
import { INIT_SCRIPTS_DIR, InitScript, initScriptsData, renderMocoInitScriptsRunner } from './init-scripts';

/** MOCO release whose CRDs (imports/crds/moco.cybozu.com_*.yaml) and defaults this output is written against. */
export const MOCO_VERSION = '0.30.0';

/** What MOCO's images and containers are at that release (`version.go`, `cmd/moco-controller`, docs/customize-system-container.md). */
export const MOCO = {
  /** mysqld images MOCO builds (its moco-init needs them). */
  mysqlImages: { '8.4': 'ghcr.io/cybozu-go/moco/mysql:8.4.6' } as Readonly<Record<string, string>>,
  agentImage: 'ghcr.io/cybozu-go/moco-agent:0.15.0',
  exporterImage: 'ghcr.io/cybozu-go/moco/mysqld_exporter:0.17.2.1',
  fluentBitImage: 'ghcr.io/cybozu-go/moco/fluent-bit:4.0.8.1',
  /** uid and gid of every MOCO container. */
  uid: 10000,
  ports: { mysql: 3306, mysqlx: 33060, admin: 33062, agent: 9080, agentMetrics: 8080, exporter: 9104 },
  /** Keys of the Secret `moco-<cluster>` MOCO writes in the cluster's namespace. */
  userSecretKeys: [
    'ADMIN_PASSWORD',
    'AGENT_PASSWORD',
    'REPLICATION_PASSWORD',
    'CLONE_DONOR_PASSWORD',
    'EXPORTER_PASSWORD',
    'BACKUP_PASSWORD',
    'READONLY_PASSWORD',
    'WRITABLE_PASSWORD',
  ],
} as const;

/** Resources of MOCO's system containers (its defaults), as the model counts them. */
export const MOCO_SYSTEM_CONTAINERS = {
  agent: { requests: { cpu: '100m', memory: '100Mi' }, limits: { cpu: '100m', memory: '100Mi' } },
  'moco-init': { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '100m', memory: '512Mi' } },
  'slow-log': { requests: { cpu: '100m', memory: '20Mi' }, limits: { cpu: '100m', memory: '20Mi' } },
  'mysqld-exporter': { requests: { cpu: '200m', memory: '100Mi' }, limits: { cpu: '200m', memory: '100Mi' } },
} as const;

/** The labels MOCO puts on a cluster's mysqld pods. */
export function mocoPodLabels(cluster: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'mysql', 'app.kubernetes.io/instance': cluster, 'app.kubernetes.io/created-by': 'moco' };
}

/** The mysqld_exporter collectors MOCO's exporter sidecar runs (beyond the defaults). */
const COLLECTORS = ['engine_innodb_status', 'info_schema.innodb_metrics', 'info_schema.processlist', 'perf_schema.eventsstatements', 'binlog_size'];

/** Backups MOCO takes: a full dump (MySQL Shell) and the binary logs since the previous run, to an S3 bucket. */
export interface MocoBackupOptions {
  /** The bucket (MOCO writes to object storage only; prod requires one outside the cluster). */
  readonly target: BackupTarget;
  /**
   * Cron schedule (UTC) of the backup Job. Each run uploads a full dump and the binary logs
   * since the previous run, so the longest gap between two runs is the worst-case data loss.
   * @default '0 * * * *' (hourly)
   */
  readonly schedule?: string;
  /** Size of the generic ephemeral volume a backup or restore works in (one uncompressed dump). @default '20Gi' */
  readonly workVolumeSize?: string;
}

/** A MySQL cluster run by MOCO. */
export interface MocoEngineOptions {
  /**
   * mysqld instances: one primary and `instances - 1` replicas with semi-synchronous GTID
   * replication and automatic failover. MOCO accepts 1, 3 or 5; prod needs 3 (tolerates one
   * lost instance without losing a committed transaction).
   */
  readonly instances: number;
  /** The recovery point objective, e.g. `Duration.hours(1)`: checked against the backup schedule. @default - not checked */
  readonly rpo?: Duration;
  /** Backups with binary logs for point-in-time recovery. @default - none (a synth error in prod) */
  readonly backup?: MocoBackupOptions;
}

/** The store a MocoCluster renders (the MySql construct on the MOCO engine). */
export interface MocoStore extends INetworkPeer {
  readonly name: string;
  readonly container: ContainerModel;
  readonly replicas: number;
  podBudget(): PodBudget;
}

/** The application's database and account, which MOCO does not create itself. */
export interface MocoApplication {
  readonly database: string;
  readonly user: string;
  readonly password: SecretKeyValue;
}

export interface MocoClusterProps {
  readonly engine: MocoEngineOptions;
  readonly application: MocoApplication;
  readonly image: string;
  /** Size of each instance's data volume. */
  readonly storage: string;
  /** Storage class of the data and work volumes. @default - the cluster's default class */
  readonly storageClassName?: string;
  /** my.cnf settings MOCO merges into its own (MySQL variable names). */
  readonly mysqld: Readonly<Record<string, string>>;
  readonly exporter: boolean;
  /** The store's init scripts, run once by the app-user Job after it made the account. @default - none */
  readonly initScripts?: readonly InitScript[];
  /** Where the operator's controller runs (it reaches every instance). */
  readonly controller: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };
}

/**
 * A MySQL cluster run by MOCO: the `MySQLCluster` (instances, pod template with Pod
 * Security `restricted` fields on every container, volumes, my.cnf settings, exporter),
 * the `BackupPolicy` with its ServiceAccount and NetworkPolicy, and the Job that creates
 * the application's database and account (MOCO itself only creates its `moco-*` users) and
 * then runs the store's init scripts once (MOCO has no initialization hook).
 * Made by MySql with `engine: MySqlEngine.moco(...)`; not meant to be used directly.
 */
export class MocoCluster extends Construct {
  /** The MySQLCluster object. */
  public readonly cluster: ApiObject;
  /** Cron schedule of MOCO's backup CronJob (`moco-backup-<name>`), when backups are on. */
  public backupSchedule?: string;
  /** Name of the cluster the restore runbook restores into. */
  public restoreName?: string;
  /** Where MOCO writes the backups, when backups are on. */
  public readonly backupTarget?: BackupTarget;

  constructor(scope: Construct, id: string, store: MocoStore, props: MocoClusterProps) {
    super(scope, id);
    const name = store.name;
    const engine = props.engine;
    requirePlatform(this, {
      component: 'moco',
      minVersion: MOCO_VERSION,
      reason: 'moco.cybozu.com/v1beta2 MySQLCluster with podTemplate.overwriteContainers and BackupPolicy jobConfig (MOCO 0.30 CRDs)',
    });

    const configName = `${name}-mysqld`;
    new k8s.KubeConfigMap(this, 'mysqld-config', { metadata: { name: configName }, data: { ...props.mysqld } });

    const backupPolicyName = engine.backup ? `${name}-backup` : undefined;
    this.backupTarget = engine.backup?.target;
    this.cluster = new ApiObject(this, 'cluster', {
      ...MySqlCluster.GVK,
      metadata: { name },
      spec: {
        replicas: store.replicas,
        podTemplate: this.podTemplate(store, props),
        volumeClaimTemplates: [
          {
            metadata: { name: 'mysql-data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: props.storageClassName,
              resources: { requests: { storage: props.storage } },
            },
          },
        ],
        mysqlConfigMapName: configName,
        collectors: props.exporter ? [...COLLECTORS] : undefined,
        backupPolicyName,
      },
    });

    // The controller manages every instance (agent gRPC, admin port); instances clone and
    // replicate from each other (the primary's mysql port, the donor's admin port).
    const instancePorts = [{ port: MOCO.ports.mysql }, { port: MOCO.ports.admin }];
    store.connections.allowFromPeer(NetworkPeer.pods(props.controller.podLabels, props.controller.namespace), ...instancePorts, {
      port: MOCO.ports.agent,
    });
    const self = NetworkPeer.pods(store.selectorLabels);
    store.connections.addIngress(self, instancePorts);
    store.connections.addEgress(self, instancePorts);

    this.appUserJob(store, props);
    if (engine.backup && backupPolicyName)
      this.backupPolicy(store, props, backupPolicyName, engine.backup.target, engine.backup.schedule ?? '0 * * * *');
  }

  private podTemplate(store: MocoStore, props: MocoClusterProps): Json {
    const labels = store.selectorLabels;
    const mysqld = store.container;
    const labelSelector = { matchLabels: { ...labels } };
    const system = (containerName: keyof typeof MOCO_SYSTEM_CONTAINERS) => ({
      name: containerName,
      resources: MOCO_SYSTEM_CONTAINERS[containerName],
      securityContext: restrictedContainerSecurityContext(MOCO.uid, MOCO.uid),
    });
    return {
      spec: {
        priorityClassName: PRIORITY_CLASSES.data.name,
        enableServiceLinks: false,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: MOCO.uid,
          runAsGroup: MOCO.uid,
          fsGroup: MOCO.uid,
          fsGroupChangePolicy: 'OnRootMismatch',
          seccompProfile: { type: 'RuntimeDefault' },
        },
        containers: [
          {
            name: 'mysqld',
            image: props.image,
            imagePullPolicy: 'IfNotPresent',
            resources: {
              requests: { cpu: mysqld.resources?.requests?.cpu, memory: mysqld.resources?.requests?.memory },
              limits: { cpu: mysqld.resources?.limits?.cpu, memory: mysqld.resources?.limits?.memory },
            },
            // MOCO mounts every path mysqld writes (data, /tmp, /run, logs, conf) as volumes.
            securityContext: restrictedContainerSecurityContext(MOCO.uid, MOCO.uid),
          },
        ],
        // Semi-synchronous replication waits for one replica: two instances on one node
        // would lose the quorum with that node, so instances never share a node.
        affinity:
          store.replicas > 1
            ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector }] } }
            : undefined,
        topologySpreadConstraints:
          store.replicas > 1
            ? [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector }]
            : undefined,
      },
      overwriteContainers: [system('agent'), system('moco-init'), system('slow-log'), ...(props.exporter ? [system('mysqld-exporter')] : [])],
    };
  }

  /**
   * MOCO creates only its own `moco-*` accounts; the application's database and account
   * (every privilege on that database, nothing else) are created by a Job logging in as
   * `moco-writable` (which may CREATE USER and GRANT) on the primary. Idempotent: the
   * password is re-applied on every sync.
   */
  private appUserJob(store: MocoStore, props: MocoClusterProps): void {
    const name = store.name;
    const primary = `moco-${name}-primary.${store.namespaceName}.svc`;
    const app = props.application;
    const script = renderMocoAppUserScript({ host: primary, database: app.database, user: app.user });
    const files = props.initScripts ?? [];
    // The init scripts run in the same Job, after the account exists: one Job in the wave
    // before the application's, which starts only once the Job (and so the schema) is done.
    const runner =
      files.length > 0
        ? renderMocoInitScriptsRunner(files, { host: primary, port: MOCO.ports.mysql, database: app.database, user: app.user })
        : undefined;
    const configName = `${name}-app-user`;
    new k8s.KubeConfigMap(this, 'app-user-script', {
      metadata: { name: configName },
      data: { 'app-user.sh': script, ...(runner ? { [MOCO_INIT_SCRIPTS_RUNNER]: runner } : {}) },
    });
    const filesConfigName = `${name}-init-scripts`;
    if (runner) new k8s.KubeConfigMap(this, 'init-scripts', { metadata: { name: filesConfigName }, data: initScriptsData(files) });

    const podLabels = { 'app.kubernetes.io/name': `${name}-app-user`, 'app.kubernetes.io/instance': store.namespaceName };
    // The app-user Job is the chart's own: its pods are in the manifests.
    const pods = new OperatorPods(
      this,
      'app-user-pods',
      `${name}-app-user`,
      podLabels,
      store.namespaceName,
      () => jobBudget(SIDECAR_RESOURCES, 0),
      false,
    );
    pods.connections.allowTo(store, { port: MOCO.ports.mysql });

    const container = new ContainerModel(
      'app-user',
      {
        image: props.image,
        command: runner ? ['bash', '-c', `bash /scripts/app-user.sh && bash /scripts/${MOCO_INIT_SCRIPTS_RUNNER}`] : ['bash', '/scripts/app-user.sh'],
        runAs: { user: MOCO.uid, group: MOCO.uid },
      },
      SIDECAR_RESOURCES,
    );
    container.addEnv('MOCO_WRITABLE_PASSWORD', fromSecret(mocoUserSecret(name), 'WRITABLE_PASSWORD'));
    container.addEnv('APP_PASSWORD', app.password);
    container.mount('/scripts', 'script', { readOnly: true });
    container.mount('/tmp', 'tmp');
    if (runner) container.mount(INIT_SCRIPTS_DIR, 'init-scripts', { readOnly: true });
    const hash = contentHash({
      script,
      image: props.image,
      password: [app.password.secret.secretName, app.password.key],
      ...(runner ? { runner, files: initScriptsData(files) } : {}),
    }).slice(0, 8);
    const job = new ApiObject(this, 'app-user-job', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: `${name}-app-user-${hash}`,
        annotations: { 'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' },
      },
      spec: {
        backoffLimit: 6,
        activeDeadlineSeconds: 1800,
        template: {
          metadata: { labels: podLabels },
          spec: {
            ...RUN_TO_COMPLETION_POD,
            priorityClassName: PRIORITY_CLASSES.app.name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: MOCO.uid, runAsGroup: MOCO.uid, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [container.render()],
            volumes: [
              { name: 'script', configMap: { name: configName, defaultMode: 0o555 } },
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
              ...(runner ? [{ name: 'init-scripts', configMap: { name: filesConfigName, defaultMode: 0o444 } }] : []),
            ],
          },
        },
      },
    });
    declareCheckExceptions(job, {
      defaultPullPolicy:
        'images are pinned to immutable version tags or digests, so IfNotPresent pulls each version once and pods still start when the registry is unreachable',
      tagPinnedImages: 'images are pinned by explicit version tag (enforced at synth); digests are not known when the manifests are generated',
      settingsFromEnvironment:
        'the script reads the two passwords from environment variables; secret values come from secretKeyRef and never appear in the manifest',
    });
  }

  /**
   * MOCO's backups: a CronJob (made by MOCO from the BackupPolicy) whose Job dumps the
   * instance with MySQL Shell and uploads it with the binary logs since the previous run.
   */
  private backupPolicy(store: MocoStore, props: MocoClusterProps, policyName: string, target: BackupTarget, schedule: string): void {
    const name = store.name;
    const serviceAccount = `${name}-backup`;
    const workSize = props.engine.backup?.workVolumeSize ?? '20Gi';
    // The Job reads and updates its MySQLCluster (MOCO binds the Role to this account).
    new k8s.KubeServiceAccount(this, 'backup-service-account', { metadata: { name: serviceAccount } });
    const bucket = target.kind === 's3' ? target : undefined;
    const s3 = bucket?.s3;
    const env: Json[] = [];
    if (bucket) {
      const vars = bucket.environment('');
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'] as const)
        env.push(envVar(name, vars[name] as SecretKeyValue | string));
    }
    new ApiObject(this, 'backup-policy', {
      ...BackupPolicy.GVK,
      metadata: { name: policyName },
      spec: {
        schedule,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobConfig: {
          serviceAccountName: serviceAccount,
          bucketConfig: s3
            ? {
                bucketName: s3.bucket,
                region: bucket!.region,
                endpointURL: s3.endpoint,
                usePathStyle: s3.endpoint !== undefined ? true : undefined,
              }
            : { bucketName: 'none' },
          env,
          workVolume: {
            ephemeral: {
              volumeClaimTemplate: {
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  storageClassName: props.storageClassName,
                  resources: { requests: { storage: workSize } },
                },
              },
            },
          },
          threads: 2,
          cpu: BACKUP_RESOURCES.requests.cpu,
          maxCpu: BACKUP_RESOURCES.limits.cpu,
          memory: BACKUP_RESOURCES.requests.memory,
          maxMemory: BACKUP_RESOURCES.limits.memory,
        },
      },
    });

    requireBaselinePodSecurity(
      this,
      `MOCO ${MOCO_VERSION} runs its backup and restore Jobs (CronJob moco-backup-${name}) without seccompProfile, ` +
        'allowPrivilegeEscalation: false or dropped capabilities, and offers no setting for them',
    );
    // MOCO labels its backup Job's pods like this; they reach the instances, the API server
    // (they read and update the MySQLCluster) and the bucket.
    const pods = new OperatorPods(
      this,
      'backup-pods',
      `${name}-backup`,
      { 'app.kubernetes.io/name': 'mysql-backup', 'app.kubernetes.io/instance': name, 'app.kubernetes.io/created-by': 'moco' },
      store.namespaceName,
      () => jobBudget(BACKUP_RESOURCES, parseQuantity(workSize) ?? 0),
    );
    pods.connections.allowTo(store, { port: MOCO.ports.mysql }, { port: MOCO.ports.admin });
    pods.connections.allowToCidr('0.0.0.0/0', [{ port: 443 }, { port: 6443 }]);
    if (s3?.server) pods.connections.allowTo(s3.server.peer, { port: s3.server.port });

    // The restore path, ready before it is needed: the runbook restores into a one-instance
    // cluster `<name>-restore`; its instance and MOCO's restore Job get their allowances
    // (and room in the namespace quota) now, not while the database is down.
    this.restoreName = `${name}-restore`;
    const restored = new OperatorPods(this, 'restored-pods', this.restoreName, mocoPodLabels(this.restoreName), store.namespaceName, () => ({
      ...store.podBudget(),
      maxPods: 1,
    }));
    restored.connections.allowFromPeer(
      NetworkPeer.pods(props.controller.podLabels, props.controller.namespace),
      { port: MOCO.ports.mysql },
      { port: MOCO.ports.admin },
      { port: MOCO.ports.agent },
    );
    const restoreJob = new OperatorPods(
      this,
      'restore-job-pods',
      `${this.restoreName}-job`,
      { 'app.kubernetes.io/name': 'mysql-backup', 'app.kubernetes.io/instance': this.restoreName, 'app.kubernetes.io/created-by': 'moco' },
      store.namespaceName,
      () => jobBudget(BACKUP_RESOURCES, parseQuantity(workSize) ?? 0),
    );
    restoreJob.connections.allowTo(restored, { port: MOCO.ports.mysql }, { port: MOCO.ports.admin });
    restoreJob.connections.allowToCidr('0.0.0.0/0', [{ port: 443 }, { port: 6443 }]);
    if (s3?.server) restoreJob.connections.allowTo(s3.server.peer, { port: s3.server.port });
    // The restored instance serves the copy back to the primary (the runbook's last step).
    restored.connections.allowTo(store, { port: MOCO.ports.mysql });
    this.backupSchedule = schedule;
  }
}

/**
 * The script of the app-user Job: as moco-writable on the primary, the database, the
 * account and every privilege on that database (`_` escaped so it is no wildcard). @internal
 */
export function renderMocoAppUserScript(values: { readonly host: string; readonly database: string; readonly user: string }): string {
  return renderScriptFile(__dirname, 'scripts/moco-app-user.sh', {
    HOST: values.host,
    PORT: String(MOCO.ports.mysql),
    DATABASE: values.database,
    DATABASE_GRANT: values.database.replace(/_/g, '\\_'),
    USER: values.user,
  });
}

/** The init scripts' runner in the app-user Job's ConfigMap. */
export const MOCO_INIT_SCRIPTS_RUNNER = 'init-scripts.sh';

/** Requests and limits of MOCO's backup and restore Job (MySQL Shell dumping with two threads). */
const BACKUP_RESOURCES = { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } } as const;

/**
 * One run-to-completion pod with a single container of `resources` (ephemeral storage as the
 * LimitRange defaults give it: MOCO sets none) and, optionally, one claim of `storageBytes`.
 */
function jobBudget(resources: ResourceProfile, storageBytes: number): PodBudget {
  const amounts = (kind: 'requests' | 'limits') => ({
    cpu: parseQuantity(resources[kind]?.cpu) ?? 0,
    memory: parseQuantity(resources[kind]?.memory) ?? 0,
    ephemeralStorage: parseQuantity(kind === 'requests' ? DEFAULT_EPHEMERAL_STORAGE.request : DEFAULT_EPHEMERAL_STORAGE.limit) ?? 0,
  });
  const limits = amounts('limits');
  return { maxPods: 1, requests: amounts('requests'), limits, largestContainer: limits, storageBytes, claims: storageBytes > 0 ? 1 : 0 };
}

/** The Secret MOCO writes with its accounts' passwords (`moco-<cluster>`). */
export function mocoUserSecret(cluster: string): ISecretSource {
  return { secretName: `moco-${cluster}`, keys: [...MOCO.userSecretKeys], describe: `MOCO's Secret 'moco-${cluster}' (written by the operator)` };
}

function envVar(name: string, value: SecretKeyValue | string): Json {
  return typeof value === 'string' ? { name, value } : { name, valueFrom: { secretKeyRef: { name: value.secret.secretName, key: value.key } } };
}
