import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ResourceProfile } from '../core/environment';
import { Json, sortedByKey } from '../core/json';
import { checkQuantity, formatBytes, parseQuantity } from '../core/quantity';
import { ValidationReport } from '../core/validation';
import { DisruptionBudget } from '../scaling/disruption-budget';
import { ContainerModel, PortSpec, SIDECAR_RESOURCES } from '../workloads/container';
import { EnvValue } from '../workloads/env';
import { Probe } from '../workloads/probe';
import { spreadAcrossZonesAndNodes } from '../workloads/web-service';
import { contentHash, Workload, WorkloadProps } from '../workloads/workload';
import { ConnectionInfo, IConnectable } from './connection';
import { Engine, engineImage, supportedVersions } from './versions';
import { EnginePods, EngineShape, IBoundEngine, IStoreEngine, OwnServer, ShapeInput, StatefulSetEngine } from './store-engine';
import { SystemChart } from '../core/system-chart';
import type { INetworkPeer } from '../security/network';

/** The props every engine takes and hands to the base unchanged. */
export const MiB = 2 ** 20;

/** Why a store's data needs no backup (`store.noBackup({ reason })`). */
export interface NoBackupProps {
  /**
   * Why losing this store's data is acceptable, in a sentence a reviewer can judge: what
   * rebuilds it, or why a restored copy would do harm. Printed in the system README.
   */
  readonly reason: string;
}

/** How a store's data is protected: backed up, or not on purpose (with the reason). */
export type BackupDecision = { readonly kind: 'backup' } | { readonly kind: 'none'; readonly reason: string };

/** The shortest reason accepted: a sentence, not a word. */
const MIN_REASON_LENGTH = 20;

/** A memory setting of an engine checked against the container limit (shared_buffers, the InnoDB buffer pool). */
export interface MemorySetting {
  /** The prop, e.g. `sharedBuffers`. */
  readonly field: string;
  /** Its value as given; nothing is checked when it is not given. */
  readonly value: string | undefined;
  /** An example quantity for the error message. */
  readonly example: string;
  /** The engine's minimum and how its documentation writes it. */
  readonly minimum: readonly [number, string];
  /** What the rest of the memory is needed for, when the setting takes more than 75 % of the limit. */
  readonly leaves: string;
}

export interface StoreCommonProps {
  /** Size of each member's volume, e.g. `10Gi`. */
  readonly storage: string;
  /** Storage class. @default - the cluster profile's `platform.storage.defaultClass`, else the cluster default */
  readonly storageClassName?: string;
  /** Requests and limits of the server container. @default - the environment's default profile */
  readonly resources?: ResourceProfile;
}

export interface StatefulStoreProps extends StoreCommonProps {
  /** Members. @default 1 */
  readonly replicas?: number;
}

/** What an engine sets on its server container; the base adds the resources and the engine's uid. */
export type StoreContainerProps = Omit<WorkloadProps, 'resources' | 'runAs'>;

/** Turns the built-in metrics exporter sidecar on (CloudNativePG's `monitoring` section). */
export interface StoreMonitoring {
  /** Run the engine's Prometheus exporter as a sidecar serving port `metrics`. @default false */
  readonly exporter?: boolean;
}

/** Monitoring for engines whose exporter logs in with an account of its own. */
export interface ExporterAccountMonitoring extends StoreMonitoring {
  /** Key of the exporter account's password in the store's `credentials` (only read with `exporter`). @default - per engine */
  readonly passwordKey?: string;
}

/** An engine's exporter sidecar. */
export interface ExporterSpec {
  readonly image: string;
  /** The port it serves metrics on (named `metrics`). */
  readonly port: number;
  /** @default - none */
  readonly args?: readonly string[];
  /** How it reaches the server (addresses on 127.0.0.1, the account and its password by reference). @default - none */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** The path that answers once the exporter serves. @default '/' */
  readonly readinessPath?: string;
  /** @default 65534 (nobody) */
  readonly user?: number;
  /** @default SIDECAR_RESOURCES */
  readonly resources?: ResourceProfile;
  /** Pod volumes it reads, mounted read-only (the server's CA, with TLS). @default - none */
  readonly mounts?: ReadonlyArray<{ readonly path: string; readonly volume: string }>;
}

/** What differs per engine. */
export interface EngineSpec {
  /** The port clients use. */
  readonly port: PortSpec;
  /** Where the volume is mounted. */
  readonly dataPath: string;
  /** Role label, e.g. `database`, `cache`. */
  readonly role: string;
  /** uid and gid the engine's image runs as; also the volume's fsGroup. */
  readonly uid: number;
  /** The engine version asked for (the image is chosen from it). */
  readonly version: string;
  /**
   * An operator runs the members from a custom resource the engine renders: no StatefulSet,
   * Services or PDB of the store's own, and the pods are selected by the operator's labels.
   * @default - the store's own StatefulSet
   */
  readonly managed?: EnginePods;
  /** Keeps its data in memory only (Memcached): no volume per member, `storage` is not read. @default false */
  readonly memoryOnly?: boolean;
}

/** An engine's exporter sidecar, serving `metrics`, with the resources every exporter gets unless it says otherwise. */
export function exporterSidecar(spec: ExporterSpec): ContainerModel {
  const container = new ContainerModel(
    'metrics',
    {
      image: spec.image,
      ...(spec.args ? { args: spec.args } : {}),
      env: spec.env,
      readiness: Probe.http(spec.readinessPath ?? '/'),
      liveness: Probe.tcp(),
      runAs: { user: spec.user ?? 65534 },
    },
    spec.resources ?? SIDECAR_RESOURCES,
    [{ name: 'metrics', port: spec.port }],
  );
  for (const m of spec.mounts ?? []) container.mount(m.path, m.volume, { readOnly: true });
  return container;
}

/** What `engine` makes of store `id` in `scope`, given the store's own labels (its engine decides before the store is built). */
export function shapeFor<S>(engine: IStoreEngine<S>, scope: Construct, id: string, input: Omit<ShapeInput, 'id' | 'ownLabels'>): EngineShape {
  const ownLabels = { 'app.kubernetes.io/name': id, 'app.kubernetes.io/instance': SystemChart.of(scope).namespaceName };
  return engine.shape({ id, ownLabels, ...input });
}

/**
 * The store's props, server container and engine spec as its engine shaped them: what the
 * engine decides (members, container, uid, data path, operator-made pods) replaces the store's own.
 */
export function shaped<P extends StatefulStoreProps>(
  shape: EngineShape,
  props: P,
  container: StoreContainerProps,
  spec: EngineSpec,
): [P, StoreContainerProps, EngineSpec] {
  return [
    { ...props, replicas: shape.replicas ?? props.replicas },
    shape.container ?? container,
    { ...spec, uid: shape.uid ?? spec.uid, dataPath: shape.dataPath ?? spec.dataPath, managed: shape.managed },
  ];
}

/**
 * The common shape of every data store: a StatefulSet with a headless Service (stable
 * member DNS: `<name>-0.<name>-headless.<ns>.svc`) and a client Service, one volume per
 * member that is kept when the set is deleted or scaled down, restricted security
 * contexts with the engine's own uid, a PDB for multi-member sets, and spread across
 * zones and nodes. Engine configuration is mounted from a ConfigMap whose content hash
 * rolls the pods on change.
 */
export abstract class StatefulStore extends Workload implements IConnectable {
  public readonly replicas: number;
  public readonly headlessServiceName: string;
  /** The uid and gid the engine image runs as (its Jobs run as the same). */
  public readonly engineUid: number;
  /** The engine version asked for. */
  public readonly version: string;
  protected readonly spec: EngineSpec;
  private boundEngine?: IBoundEngine;
  private readonly configFiles = new Map<string, string>();
  private configMountPath?: string;
  private readonly backupDecisions: BackupDecision[] = [];
  private readonly storeProps: StatefulStoreProps;

  protected constructor(scope: Construct, id: string, props: StatefulStoreProps, container: StoreContainerProps, engine: EngineSpec) {
    const runAs = { user: engine.uid, group: engine.uid, fsGroup: engine.uid };
    super(
      scope,
      id,
      { ...container, resources: props.resources, runAs, ports: [engine.port, ...(container.ports ?? [])] },
      engine.role,
      engine.managed,
    );
    this.storeProps = props;
    this.spec = engine;
    this.engineUid = engine.uid;
    this.version = engine.version;
    this.replicas = props.replicas ?? 1;
    this.headlessServiceName = `${this.name}-headless`;
    if (!engine.memoryOnly) this.container.mount(engine.dataPath, 'data');
    if (engine.managed) return;

    new k8s.KubeService(this, 'headless-service', {
      metadata: { name: this.headlessServiceName },
      spec: {
        clusterIp: 'None',
        // Members must find each other before they are ready (replica set / sentinel bootstrap).
        publishNotReadyAddresses: true,
        selector: { ...this.selectorLabels },
        ports: [{ name: engine.port.name, port: engine.port.port, targetPort: k8s.IntOrString.fromString(engine.port.name), protocol: 'TCP' }],
      },
    });
    new k8s.KubeService(this, 'service', {
      metadata: { name: this.name },
      spec: {
        type: 'ClusterIP',
        // Read at synth: an engine may put a proxy in front of its members (clientPeer).
        selector: Lazy.any({ produce: () => ({ ...(this.clientPeer ?? this).selectorLabels }) }),
        ports: [{ name: engine.port.name, port: engine.port.port, targetPort: k8s.IntOrString.fromString(engine.port.name), protocol: 'TCP' }],
      },
    });

    const storageClassName = props.storageClassName ?? this.chart.environment.platform.storage.defaultClass;
    this.mainObject = new ApiObject(this, 'statefulset', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: this.name },
      spec: Lazy.any({
        produce: () => ({
          serviceName: this.headlessServiceName,
          replicas: this.replicas,
          podManagementPolicy: this.podManagementPolicy,
          revisionHistoryLimit: 5,
          updateStrategy: { type: 'RollingUpdate' },
          selector: { matchLabels: { ...this.selectorLabels } },
          persistentVolumeClaimRetentionPolicy: engine.memoryOnly ? undefined : { whenDeleted: 'Retain', whenScaled: 'Retain' },
          template: this.podTemplate(),
          volumeClaimTemplates: engine.memoryOnly
            ? undefined
            : [
                {
                  metadata: { name: 'data', labels: { ...this.selectorLabels } },
                  spec: {
                    accessModes: ['ReadWriteOnce'],
                    storageClassName,
                    resources: { requests: { storage: props.storage } },
                  },
                },
              ],
        }),
      }),
    });

    if (this.replicas > 1) {
      new DisruptionBudget(this, 'disruption-budget', {
        name: this.name,
        selector: this.selectorLabels,
        maxUnavailable: 1,
        minReplicas: () => this.replicas,
        workloadPath: this.node.path,
      });
    }
  }

  /**
   * Declares that this store is deliberately not backed up, and why (a cache refilled from
   * the database, sessions a restore must not bring back). Every store that holds data
   * either has a backup (`backup()`) or this; without either the synth fails in staging and
   * prod and warns in dev. The reason is listed in the system README.
   */
  public noBackup(props: NoBackupProps): this {
    this.backupDecisions.push({ kind: 'none', reason: (props as Partial<NoBackupProps> | undefined)?.reason as string });
    return this;
  }

  /** What `backup()` and `noBackup()` decided, or undefined when neither was called. */
  public get backupDecision(): BackupDecision | undefined {
    return this.backupDecisions.find((d) => d.kind === 'backup') ?? this.backupDecisions[0];
  }

  /** Records that a backup of this store was declared (called by each engine's `backup()`). */
  protected markBackedUp(): void {
    this.backupDecisions.push({ kind: 'backup' });
  }

  /** StatefulSets replace members one at a time: no surge. */
  protected maxPods(): number {
    return this.replicas;
  }

  protected storagePerPod(): [number, number] {
    return [this.spec.memoryOnly ? 0 : (parseQuantity(this.storeProps.storage) ?? 0), 1];
  }

  /** `OrderedReady` by default; replica sets that bootstrap together use `Parallel`. */
  protected get podManagementPolicy(): 'OrderedReady' | 'Parallel' {
    return 'OrderedReady';
  }

  /**
   * What runs this store's members, bound to it: its endpoints, its own backups and their
   * checks, its alerts, restore runbook and graph nodes. Stores without a choice of engine
   * (Redis, MinIO) run on their own StatefulSet.
   */
  public get engine(): IBoundEngine {
    this.boundEngine ??= new StatefulSetEngine().bind(this, this.ownServer({ render: () => {}, validate: () => {} }));
    return this.boundEngine;
  }

  /** Binds the engine chosen in the props; called once, at the end of the store's constructor. */
  protected bindEngine<S>(engine: IStoreEngine<S>, own: Pick<OwnServer, 'render' | 'validate' | 'note'>, settings: S): void {
    this.boundEngine = engine.bind(this, this.ownServer(own), settings);
    if (this.boundEngine.mainObject) this.mainObject = this.boundEngine.mainObject;
    // The engine's own backups (an operator's) are this store's backup.
    if (this.boundEngine.backupPlan()) this.markBackedUp();
  }

  private ownServer(own: Pick<OwnServer, 'render' | 'validate' | 'note'>): OwnServer {
    const statefulSet = this.spec.managed ? undefined : this.mainObject;
    const memberHosts = Array.from({ length: this.replicas }, (_, i) => `${this.name}-${i}.${this.headlessServiceName}.${this.namespaceName}.svc`);
    return { ...own, statefulSet, memberHosts };
  }

  /** The pods behind the client Service when they are not the members (a proxy that follows the primary). @default - the members */
  public get clientPeer(): INetworkPeer | undefined {
    return undefined;
  }

  /** The port clients use. */
  public get clientPort(): number {
    return this.spec.port.port;
  }

  /** The read-write endpoint: the client Service, or the operator's Service that follows the primary. */
  public get host(): string {
    return this.engine.endpoints().readWrite;
  }

  /** Stable DNS names of the members (the StatefulSet's: `<name>-<i>.<name>-headless.<ns>.svc`). */
  public get memberHosts(): string[] {
    return [...this.engine.endpoints().members];
  }

  /** The connection through the read-only endpoint (replicas or standbys); undefined where the engine has none. */
  public readOnlyConnectionInfo(): ConnectionInfo | undefined {
    const readOnly = this.engine.endpoints().readOnly;
    return readOnly === undefined ? undefined : { ...this.connectionInfo(), host: readOnly };
  }

  /** The engine image: its client tools match the server's version. */
  public get engineImage(): string {
    return this.container.props.image;
  }

  public abstract connectionInfo(): ConnectionInfo;

  /** The client Service's host and the engine's port, with what the engine adds. */
  protected connectionWith(scheme: string, details: Omit<ConnectionInfo, 'scheme' | 'host' | 'port'> = {}): ConnectionInfo {
    const readOnlyHost = this.engine.endpoints().readOnly;
    return { scheme, host: this.host, port: this.clientPort, ...(readOnlyHost ? { readOnlyHost } : {}), ...details };
  }

  /** Runs the engine's Prometheus exporter beside the server, with the resources every exporter gets unless it says otherwise. */
  protected addExporter(spec: ExporterSpec): void {
    this.addSidecar(exporterSidecar(spec));
  }

  /** Reports a version with no image in versions.ts; `note` follows the list of supported ones. */
  protected checkVersion(report: ValidationReport, engine: Engine, label: string, note = ''): void {
    if (engineImage(engine, this.version) !== undefined) return;
    report.error(
      'store.version',
      'version',
      `'${this.version}' is not a supported ${label} version (supported: ${supportedVersions(engine).join(', ')}${note})`,
    );
  }

  /** Reports a memory limit below what the engine needs (`needs` completes the sentence). */
  protected checkMemoryLimit(report: ValidationReport, minimum: number, needs: string): void {
    const limitText = this.container.resources?.limits?.memory;
    const limit = parseQuantity(limitText);
    if (limit !== undefined && limit < minimum)
      report.error('store.resources.limits.memory', 'resources.limits.memory', `${limitText} is below the ${formatBytes(minimum)} ${needs}`);
  }

  /** Reports a memory setting that does not parse, is below the engine's minimum, or leaves the server too little of its limit. */
  protected checkMemorySetting(report: ValidationReport, setting: MemorySetting): void {
    const { field, value } = setting;
    if (value === undefined) return;
    const bytes = parseQuantity(value);
    const limitText = this.container.resources?.limits?.memory;
    const limit = parseQuantity(limitText);
    if (bytes === undefined) report.error('store.value.valid-quantity', field, `'${value}' is not a valid quantity (e.g. ${setting.example})`);
    else if (bytes < setting.minimum[0]) report.error('store.value.below', field, `${value} is below ${setting.minimum[1]}`);
    else if (limit !== undefined && bytes >= limit) {
      report.error(
        'store.value.above-container',
        field,
        `${value} is at or above the container memory limit ${limitText}; the server would be OOM-killed`,
      );
    } else if (limit !== undefined && bytes > limit * 0.75) {
      const why = `leaving too little for ${setting.leaves}`;
      report.error('store.value.more-container', field, `${value} is more than 75 % of the container memory limit ${limitText}, ${why}`);
    }
  }

  /** Reports a number of connections that is not a whole number in [min, max]. */
  protected checkMaxConnections(report: ValidationReport, value: number, min: number, max: number): void {
    if (Number.isInteger(value) && value >= min && value <= max) return;
    report.error('store.max-connections', 'maxConnections', `${value} must be a whole number from ${min} to ${max}`);
  }

  /** Reports a key of the credentials Secret given to two accounts: `keys` are [field, key] pairs, in order. */
  protected checkDistinctKeys(report: ValidationReport, keys: ReadonlyArray<readonly [string, string]>, why: string): void {
    keys.forEach(([field, key], i) => {
      const earlier = keys.slice(0, i).find(([, other]) => other === key);
      if (earlier) report.error('store.value.also', field, `'${key}' is also ${earlier[0]}; ${why}`);
    });
  }
  public abstract get readinessCheck(): { readonly image: string; readonly command: string };

  /** Adds a configuration file, mounted read-only (all files of a store share one ConfigMap). */
  protected addConfigFile(fileName: string, content: string, mountPath: string): void {
    if (this.configMountPath !== undefined && this.configMountPath !== mountPath) {
      throw new Error(`${this.node.path}: config files must share one mount path`);
    }
    if (this.configFiles.size === 0) {
      this.configMountPath = mountPath;
      const name = `${this.name}-config`;
      new k8s.KubeConfigMap(this, 'config-files', { metadata: { name }, data: Lazy.any({ produce: () => this.configData() }) });
      this.addVolume({ name: 'config', configMap: { name } });
      this.container.mount(mountPath, 'config', { readOnly: true });
    }
    this.configFiles.set(fileName, content);
  }

  private configData(): Record<string, string> {
    return sortedByKey(Object.fromEntries(this.configFiles));
  }

  protected podTemplate(): Json {
    if (this.configFiles.size > 0) this.annotatePods('checksum/config', contentHash(this.configData()));
    return super.podTemplate();
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    const problem = this.spec.memoryOnly ? undefined : checkQuantity(this.storeProps.storage, 'bytes', '10Gi');
    if (problem) report.error('store.storage.invalid', 'storage', problem);
    else if (!this.spec.memoryOnly && (parseQuantity(this.storeProps.storage) ?? 0) <= 0)
      report.error('store.storage.greater-zero', 'storage', 'must be greater than zero');
    if (!Number.isInteger(this.replicas) || this.replicas < 1)
      report.error('store.replicas', 'replicas', `${this.replicas} must be a whole number of at least 1`);
    this.engine.validate(report);
    this.checkBackupDecision(report);
  }

  /** Why the operator makes the pods, as the engine says; undefined for the store's own StatefulSet. */
  public get operatorPodsReason(): string | undefined {
    return this.spec?.managed?.reason ?? super.operatorPodsReason;
  }

  /** The linters' waivers describe a pod template; an operator's custom resource without one gets none. */
  protected declareCheckExceptions(): void {
    if (this.engine.rendersPodTemplate) super.declareCheckExceptions();
  }

  /** A store holds data: it is backed up, or not on purpose with a reason; never neither, never both. */
  private checkBackupDecision(report: ValidationReport): void {
    const backedUp = this.backupDecisions.some((d) => d.kind === 'backup');
    const optOuts = this.backupDecisions.filter((d): d is Extract<BackupDecision, { kind: 'none' }> => d.kind === 'none');
    if (backedUp && optOuts.length > 0) {
      report.error('store.no-backup', 'noBackup', 'the store is also backed up (backup() was called); keep the backup or the opt-out, not both');
    }
    for (const optOut of optOuts) {
      const reason = typeof optOut.reason === 'string' ? optOut.reason.trim() : '';
      if (reason.length < MIN_REASON_LENGTH) {
        report.error(
          'store.no-backup.reason',
          'noBackup.reason',
          `${JSON.stringify(optOut.reason ?? null)} is not a reason: say in a sentence (at least ${MIN_REASON_LENGTH} characters) why losing this store's data is acceptable, e.g. 'a cache, refilled from the database on a miss'`,
        );
      }
    }
    if (backedUp || optOuts.length > 0 || this.engine.reportsMissingBackup()) return;
    const env = this.chart.environment.name;
    const message = `${this.node.id} holds data on a volume but has neither a backup nor a reasoned opt-out: call backup({ target }) (verified, with a restore Job), or noBackup({ reason }) saying why its data may be lost`;
    if (env === 'dev') report.warn('store.backup.decision-missing-in-dev', 'backup', `${message} (an error in staging and prod)`);
    else report.error('store.backup.decision-missing', 'backup', message);
  }

  protected podExtras(): Record<string, unknown> {
    return { terminationGracePeriodSeconds: 60, ...spreadAcrossZonesAndNodes(this.selectorLabels, this.replicas) };
  }
}
