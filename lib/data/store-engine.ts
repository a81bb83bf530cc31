/**
 * What runs a data store's members, as an object the store binds to (the way an RDS
 * instance binds its engine): the store's own StatefulSet, or an operator (CloudNativePG,
 * MOCO, the Percona operator) rendering a custom resource. The store never asks which engine
 * it has; the synth passes never ask which class a store is. Everything that differs per
 * engine is behind these two interfaces: what the store is made of (`shape`), what is
 * rendered (`bind`), the endpoints, the backup plan and its checks, the pods the engine
 * makes and their labels, the alerts, the restore runbook and the architecture graph.
 */
import type { ApiObject } from 'cdk8s';
import type { BackupTarget, S3BackupTarget } from '../backup/target';
import type { SystemChart } from '../core/system-chart';
import type { ValidationReport } from '../core/validation';
import type { Duration } from '../core/duration';
import type { PodBudget } from '../scaling/namespace-budget';
import type { INetworkPeer } from '../security/network';
import type { ContainerModel } from '../workloads/container';
import type { ManagedPods, WorkloadProps } from '../workloads/workload';
import type { MetricsOptions } from '../workloads/metrics-endpoint';

/** How a store's clients reach it. */
export interface StoreEndpoints {
  /** The read-write endpoint: the primary (or the Service that follows it). */
  readonly readWrite: string;
  /** The read-only endpoint (the standbys or replicas); undefined where no replica serves one. */
  readonly readOnly?: string;
  /** The members' stable DNS names (seed lists, backups of replica sets). */
  readonly members: readonly string[];
}

/** Backups the engine takes itself (an operator's), instead of the store's `backup()`. */
export interface EngineBackupPlan {
  readonly target: BackupTarget;
  /** Five-field cron (UTC) of the full backups. */
  readonly schedule: string;
  /** The CronJob the operator makes from it, which the system's alerts watch; undefined when no CronJob runs it. */
  readonly cronJobName?: string;
}

/** A node the engine adds to the system's architecture graph (drawn by gitops/architecture). */
export interface EngineGraphNode {
  readonly id: string;
  readonly kind: 'job' | 'backup' | 'destination';
  readonly label: string;
  /** @default - the name only */
  readonly details?: { readonly image?: string; readonly note?: string };
}

/** An edge the engine adds to the architecture graph. */
export interface EngineGraphEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly kind: 'setup' | 'backup' | 'restore';
}

/** What the engine adds to the architecture graph beside the store's own node. */
export interface EngineGraph {
  /** The store node's note, e.g. `primary + semi-sync replicas (MOCO)`. @default - none */
  readonly note?: string;
  readonly nodes: readonly EngineGraphNode[];
  readonly edges: readonly EngineGraphEdge[];
}

/** An alert rule the engine asks the system's alerts for (observability/alert-rules). */
export interface EngineAlert {
  readonly name: string;
  readonly expr: string;
  readonly severity: 'critical' | 'warning';
  /** @default - the alerts' `for` */
  readonly for?: Duration;
  readonly summary: string;
  /** @default - none */
  readonly description?: string;
}

/** A workload that writes to a store, by the object that runs it (a restore stops each its own way). */
export interface StoreWriter {
  /** The workload's name, as the README names it. */
  readonly name: string;
  readonly kind: 'Deployment' | 'Rollout' | 'StatefulSet' | 'CronJob' | 'Job';
  /** The object's name where it differs (a migration Job's name carries a hash of its template). @default - name */
  readonly objectName?: string;
}

/**
 * The commands that stop a store's writers before a restore, once Argo CD's automated sync is
 * off: Deployments and StatefulSets scaled to zero, CronJobs suspended (the manifest's
 * `suspend: false` comes back with the sync), and Jobs (migrations, an Argo CD hook run at
 * each sync, so none starts while sync is off) deleted if one is still running: the next
 * sync runs it again, on the restored data.
 */
export function stopWritersCommands(ns: string, writers: readonly StoreWriter[]): string[] {
  return writers.map((w) => {
    switch (w.kind) {
      case 'CronJob':
        return `kubectl -n ${ns} patch cronjob/${w.objectName ?? w.name} --type merge -p '{"spec":{"suspend":true}}'`;
      case 'Job':
        return `kubectl -n ${ns} delete job/${w.objectName ?? w.name} --ignore-not-found --wait   # a Job run at each sync; the sync after the restore runs it again`;
      default:
        return `kubectl -n ${ns} scale ${w.kind.toLowerCase()}/${w.objectName ?? w.name} --replicas=0`;
    }
  });
}

/** What a restore runbook needs from the system around the store (the pipeline knows it). */
export interface RunbookContext {
  /** The workloads that write to the store, which a restore stops first. */
  readonly writers: readonly StoreWriter[];
  /** The namespace of Argo CD, whose Application is paused during a restore. */
  readonly argocdNamespace: string;
  /** The namespace's ResourceQuota (its name and `hard` limits), which a restore into a new instance must raise. @default - no quota */
  readonly resourceQuota?: { readonly name: string; readonly hard: Readonly<Record<string, string>> };
}

/** What every database store tells its engine: the application's database and account, the volumes, the exporter. */
export interface DatabaseSettings {
  readonly database: string;
  /** The application account. */
  readonly user: string;
  /** Size of each member's volume. */
  readonly storage: string;
  /** @default - the environment's default class */
  readonly storageClassName?: string;
  /** Whether the props ask for the exporter. */
  readonly exporter: boolean;
}

/** The store as an engine sees it while binding (StatefulStore hands it over). */
export interface EngineHost extends INetworkPeer {
  readonly name: string;
  readonly namespaceName: string;
  readonly chart: SystemChart;
  readonly replicas: number;
  readonly version: string;
  /** The server container (its image and resources; the engine's operator renders its own pod). */
  readonly container: ContainerModel;
  readonly sidecars: readonly ContainerModel[];
  /** The headless Service of the store's own StatefulSet. */
  readonly headlessServiceName: string;
  /** The port clients use. */
  readonly clientPort: number;
  /** The engine's image (client tools match the server). */
  readonly engineImage: string;
  podBudget(): PodBudget;
  /** Adds a container beside the server, in the model (the budget, metrics); operators inject theirs. */
  addSidecar(container: ContainerModel): void;
  addInitContainer(container: ContainerModel): void;
  exposeMetrics(options: MetricsOptions): void;
}

/** Pods an operator makes from the engine's custom resource: their labels, and why no manifest holds them. */
export interface EnginePods extends ManagedPods {
  /**
   * Why the pods are the operator's, for the linters' waiver on the store's NetworkPolicy.
   * @default - the Workload's reason for operator-made pods
   */
  readonly reason?: string;
}

/** What a store is made of, decided by the engine before the store is built. */
export interface EngineShape {
  /** Pods an operator makes, and the labels they carry. @default - the store's own StatefulSet */
  readonly managed?: EnginePods;
  /** Members. @default - the store's `replicas` */
  readonly replicas?: number;
  /** The server container in the model. @default - the store's own server container */
  readonly container?: Omit<WorkloadProps, 'resources' | 'runAs'>;
  /** uid and gid of the engine's images. @default - the store's */
  readonly uid?: number;
  /** Where the data volume is mounted. @default - the store's */
  readonly dataPath?: string;
}

/** What the store gives `shape()`: its own choices, which the engine may keep or replace. */
export interface ShapeInput {
  /** The store's construct id (also its name). */
  readonly id: string;
  /** The version asked for. */
  readonly version: string;
  /** The labels the store's own pods carry. */
  readonly ownLabels: Readonly<Record<string, string>>;
  /** The image the store's own server runs (its client tools match the version). */
  readonly image: string;
  /** The replica set's name (MongoDB), which an operator puts in its pods' labels. @default - none */
  readonly replicaSetName?: string;
}

/**
 * An engine bound to its store: what it rendered and everything the store and the synth
 * passes ask of it.
 */
export interface IBoundEngine {
  /** `statefulset`, `cloudnative-pg`, `moco`, `percona`. */
  readonly kind: string;
  /** The object the store's checks and linter waivers attach to (the StatefulSet or the custom resource). */
  readonly mainObject?: ApiObject;
  /** Whether that object holds the pod template (the waivers describe a pod template; a Cluster has none). */
  readonly rendersPodTemplate: boolean;
  endpoints(): StoreEndpoints;
  /** The engine's own backups; undefined when the store's `backup()` (or nothing) backs it up. */
  backupPlan(): EngineBackupPlan | undefined;
  /** Why `store.backup()` is wrong for this engine (its own backups replace it), or undefined when it is right. */
  readonly ownBackups?: string;
  /** True when the engine reports a missing backup itself (on `engine.backup`), so the store does not report it twice. */
  reportsMissingBackup(): boolean;
  /** The engine's checks: its options, its backup plan, what it needs of the store. */
  validate(report: ValidationReport): void;
  alerts(): readonly EngineAlert[];
  /** The README section that restores the engine's own backups; undefined when there are none. */
  restoreRunbook(context: RunbookContext): string | undefined;
  graph(): EngineGraph;
}

/**
 * What runs a store of one family. `S` is what the engine needs to know of the store beyond
 * what every store has (its database, account, tuning), handed over by the store on binding.
 */
export interface IStoreEngine<S = unknown> {
  /** `statefulset`, `cloudnative-pg`, `moco`, `percona`. */
  readonly kind: string;
  /** The store family it runs (`postgres`, `mysql`, `mongodb`), or `any` (the StatefulSet). */
  readonly family: string;
  shape(input: ShapeInput): EngineShape;
  /**
   * Renders the engine's objects for the store; called once, at the end of the store's
   * constructor. `own` is the store's own server, which only the StatefulSet engine uses.
   */
  bind(host: EngineHost, own: OwnServer, settings: S): IBoundEngine;
}

/** The store's own server (config files, exporter, Jobs), which the StatefulSet engine renders. */
export interface OwnServer {
  /** Renders the configuration, exporter and initialization of the store's own server. */
  render(): void;
  /** The checks of the store's own server (version, replica count, memory). */
  validate(report: ValidationReport): void;
  /** The store's StatefulSet; undefined when an operator makes the pods. */
  readonly statefulSet?: ApiObject;
  /** The stable DNS names of the StatefulSet's members. */
  readonly memberHosts: readonly string[];
  /** What the store's node in the architecture graph says of it (e.g. `replica set`). @default - nothing */
  readonly note?: string;
}

/**
 * The store's own StatefulSet (the default engine of every store): one server, or a replica
 * set the library configures, backed up by the store's `backup()`.
 */
export class StatefulSetEngine implements IStoreEngine {
  public readonly kind = 'statefulset';
  public readonly family = 'any';

  public shape(): EngineShape {
    return {};
  }

  public bind(host: EngineHost, own: OwnServer): IBoundEngine {
    own.render();
    return {
      kind: this.kind,
      mainObject: own.statefulSet,
      rendersPodTemplate: true,
      endpoints: () => ({ readWrite: `${host.name}.${host.namespaceName}.svc`, members: own.memberHosts }),
      backupPlan: () => undefined,
      reportsMissingBackup: () => false,
      validate: (report) => own.validate(report),
      alerts: () => [],
      restoreRunbook: () => undefined,
      graph: () => ({ note: own.note, nodes: [], edges: [] }),
    };
  }
}

/**
 * Stands in for an engine the store refuses (not one of its family; reported on `engine` by
 * the store): the store renders as on its own StatefulSet so that construction goes on, and a
 * missing backup is not reported besides, since what the engine would back up is unknown.
 */
class RefusedEngine extends StatefulSetEngine {
  public bind(host: EngineHost, own: OwnServer): IBoundEngine {
    return { ...super.bind(host, own), reportsMissingBackup: () => true };
  }
}

/**
 * The engine a store of `family` runs on: the one given when it is of that family, the
 * StatefulSet when none is given, and a stand-in when the value is not an engine of the family
 * (props are not trusted at run time; the store reports it on `engine`).
 */
export function resolveEngine<S>(value: unknown, family: string): IStoreEngine<S> {
  if (value === undefined) return new StatefulSetEngine();
  return isEngineOf<S>(value, family) ? value : new RefusedEngine();
}

/** Whether `value` is an engine of `family` (or the StatefulSet, which runs every family). */
export function isEngineOf<S>(value: unknown, family: string): value is IStoreEngine<S> {
  if (value instanceof RefusedEngine) return false;
  if (value instanceof StatefulSetEngine) return true;
  const e = value as Partial<IStoreEngine<S>> | null;
  return typeof e === 'object' && e !== null && e.family === family && typeof e.bind === 'function' && typeof e.shape === 'function';
}

/**
 * The graph node of the bucket a store's engine backs up to: one per store, also when stores
 * share a bucket (each store's backup and restore path is then a loop of its own).
 */
export function bucketNode(target: S3BackupTarget, store: string, prefix: string): EngineGraphNode {
  const s3 = target.s3;
  // The endpoint is validated with the other props: no URL parsing that could throw here.
  const server = s3.endpoint ? (/^https?:\/\/([^/:.]+)/.exec(String(s3.endpoint))?.[1] ?? String(s3.endpoint)) : 'AWS S3';
  return { id: `bucket-${s3.bucket}-${store}`, kind: 'destination', label: s3.bucket, details: { note: `${prefix}/ on ${server}` } };
}
