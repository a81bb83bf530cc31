/**
 * What a workload's pod holds beside its main container: init containers, sidecars, volumes
 * and pod annotations (the way cdk8s-plus's pod holds its containers and volumes). The
 * collections are closed: read as copies, changed through checked verbs whose bad input is
 * reported with the workload's other problems (`validate`), never thrown.
 */
import { describeValue } from '../core/describe-value';
import type { Json } from '../core/json';
import { sortedByKey } from '../core/json';
import { parseQuantity } from '../core/quantity';
import type { ValidationReport } from '../core/validation';
import type { PodBudget, ResourceTotals } from '../scaling/namespace-budget';
import { ContainerModel, DEFAULT_EPHEMERAL_STORAGE } from './container';

export class PodContents {
  private readonly init: ContainerModel[] = [];
  private readonly side: ContainerModel[] = [];
  private readonly volumeMap = new Map<string, Json>();
  /** Volumes added under a name a different volume already had (reported by the pod check). */
  private readonly clashes: Array<readonly [string, Json, Json]> = [];
  private readonly annotationMap: Record<string, string> = {};
  private readonly problems: Array<[string, string]> = [];

  constructor(private readonly main: ContainerModel) {}

  /** Init containers, in order (a copy). */
  public get initContainers(): readonly ContainerModel[] {
    return [...this.init];
  }

  /** Containers beside the main one (a copy). */
  public get sidecars(): readonly ContainerModel[] {
    return [...this.side];
  }

  /** The pod's volumes, in the order they were added (a copy). */
  public get volumes(): readonly Json[] {
    return [...this.volumeMap.values()].map((v) => copyPlain(v) as Json);
  }

  /** Volumes added twice under one name with different contents. */
  public get volumeClashes(): ReadonlyArray<readonly [string, Json, Json]> {
    return [...this.clashes];
  }

  /** The pod annotations, sorted, or undefined when there are none. */
  public get annotations(): Record<string, string> | undefined {
    return Object.keys(this.annotationMap).length ? sortedByKey(this.annotationMap) : undefined;
  }

  /** The volume named `name`, if the pod has one. */
  public volume(name: string): Json | undefined {
    const v = this.volumeMap.get(name);
    return v === undefined ? undefined : (copyPlain(v) as Json);
  }

  /** Adds an init container; it gets the pod's writable /tmp like every container. */
  public addInitContainer(container: ContainerModel): void {
    if (this.accept('initContainers', container)) this.init.push(container);
  }

  /** Adds a container that runs beside the main one. */
  public addSidecar(container: ContainerModel): void {
    if (this.accept('sidecars', container)) this.side.push(container);
  }

  /** Adds a volume (`{ name, emptyDir | secret | configMap | ... }`); a different volume under a used name is reported. */
  public addVolume(volume: Json): void {
    if (typeof volume !== 'object' || volume === null || typeof volume.name !== 'string' || volume.name === '') {
      this.problems.push(['volumes', `addVolume() needs an object with a name (got ${describeValue(volume)})`]);
      return;
    }
    // The caller's object stays the caller's: a later change to it does not reach the pod.
    const copy = copyPlain(volume) as Json;
    const kept = this.volumeMap.get(volume.name);
    if (kept !== undefined && JSON.stringify(kept) !== JSON.stringify(copy)) this.clashes.push([volume.name, kept, copy]);
    else this.volumeMap.set(volume.name, copy);
  }

  /** Sets a pod annotation (e.g. a checksum that rolls the pods when configuration changes). */
  public annotate(key: string, value: string): void {
    if (typeof key !== 'string' || key === '' || typeof value !== 'string') {
      this.problems.push(['podAnnotations', `annotate() needs a key and a string value (got ${describeValue(key)}: ${describeValue(value)})`]);
      return;
    }
    this.annotationMap[key] = value;
  }

  /** Reports bad input given to the verbs. */
  public validate(report: ValidationReport): void {
    for (const [field, message] of this.problems) report.error('pod-contents.value', field, message);
  }

  private accept(field: string, container: ContainerModel): boolean {
    if (!(container instanceof ContainerModel)) {
      this.problems.push([field, `needs a ContainerModel (got ${describeValue(container)})`]);
      return false;
    }
    // Two containers with one name are reported by the pod check (pod-spec-check.ts), with their fields.
    if (!container.mounts.some((m) => m.mountPath === '/tmp')) container.mount('/tmp', 'tmp');
    return true;
  }

  /** Effective per-pod requests and limits (as the scheduler and quota compute them). */
  public budget(maxPods: number, storage: readonly [number, number]): PodBudget {
    const amounts = (c: ContainerModel, kind: 'requests' | 'limits'): ResourceTotals => ({
      // Missing or malformed amounts are reported by the container's own check; count them as zero here.
      cpu: parseQuantity(c.resources?.[kind]?.cpu) ?? 0,
      memory: parseQuantity(c.resources?.[kind]?.memory) ?? 0,
      ephemeralStorage:
        parseQuantity(
          c.resources?.[kind]?.ephemeralStorage ?? (kind === 'requests' ? DEFAULT_EPHEMERAL_STORAGE.request : DEFAULT_EPHEMERAL_STORAGE.limit),
        ) ?? 0,
    });
    const effective = (kind: 'requests' | 'limits'): ResourceTotals => {
      const running = [this.main, ...this.side].map((c) => amounts(c, kind));
      const init = this.init.map((c) => amounts(c, kind));
      const sum = (f: keyof ResourceTotals) => running.reduce((n, a) => n + a[f], 0);
      const initMax = (f: keyof ResourceTotals) => Math.max(0, ...init.map((a) => a[f]));
      return {
        cpu: Math.max(sum('cpu'), initMax('cpu')),
        memory: Math.max(sum('memory'), initMax('memory')),
        ephemeralStorage: Math.max(sum('ephemeralStorage'), initMax('ephemeralStorage')),
      };
    };
    const every = [this.main, ...this.side, ...this.init];
    const all = every.map((c) => amounts(c, 'limits'));
    const requested = every.map((c) => amounts(c, 'requests'));
    const [storageBytes, claims] = storage;
    return {
      maxPods,
      requests: effective('requests'),
      limits: effective('limits'),
      largestContainer: {
        cpu: Math.max(...all.map((a) => a.cpu)),
        memory: Math.max(...all.map((a) => a.memory)),
        ephemeralStorage: Math.max(...all.map((a) => a.ephemeralStorage)),
      },
      smallestContainer: {
        cpu: Math.min(...requested.map((a) => a.cpu)),
        memory: Math.min(...requested.map((a) => a.memory)),
        ephemeralStorage: Math.min(...requested.map((a) => a.ephemeralStorage)),
      },
      storageBytes,
      claims,
    };
  }
}

/** A deep copy of plain objects and arrays; anything else (a Lazy, a token) is kept as it is. */
function copyPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyPlain);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyPlain(v)]));
  return value;
}
